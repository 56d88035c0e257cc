"""Taxes: a rate per country, customer exemptions and reverse charge, tax per line rounded once."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.kit.money import from_minor, to_minor
from cspdesk.models.billing import TaxExemption, TaxRule


@dataclass(frozen=True)
class TaxChoice:
    rate: Decimal
    name: str
    note: str = ""


NO_TAX = TaxChoice(Decimal(0), "")


@dataclass
class TaxBook:
    """Tax rules and exemptions, loaded once per run."""

    rules: dict[str, list[tuple[date, Decimal, str]]] = field(default_factory=dict)
    exemptions: dict[uuid.UUID, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> TaxBook:
        rules: dict[str, list[tuple[date, Decimal, str]]] = defaultdict(list)
        for rule in session.execute(select(TaxRule)).scalars():
            rules[rule.country].append((rule.valid_from, rule.rate_percent, rule.name))
        exemptions = {e.customer_id: e.legal_note for e in session.execute(select(TaxExemption)).scalars()}
        return cls({k: sorted(v) for k, v in rules.items()}, exemptions)

    def choose(self, customer_id: uuid.UUID, country: str, on: date) -> TaxChoice:
        """Exempt and reverse-charge customers pay no tax and get the legal note printed."""
        if customer_id in self.exemptions:
            return TaxChoice(Decimal(0), "", self.exemptions[customer_id])
        valid = [r for r in self.rules.get(country, []) if r[0] <= on]
        if not valid:
            return NO_TAX
        _, rate, name = valid[-1]
        return TaxChoice(rate, name)


def line_tax(amount_minor: int, rate_percent: Decimal, currency: str, rounding: str) -> int:
    """Tax of one line, rounded once to the minor unit with the configured mode (symmetric for credits)."""
    return to_minor(from_minor(amount_minor, currency) * rate_percent / 100, currency, rounding)
