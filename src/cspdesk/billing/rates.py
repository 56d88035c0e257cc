"""The exchange-rate table: Microsoft's billing currency to the customer's, the rate in force on a date."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.kit.errors import ValidationFailed, field_error
from cspdesk.models.billing import ExchangeRate


@dataclass(frozen=True)
class RateUsed:
    rate: Decimal
    valid_from: date | None


IDENTITY = RateUsed(Decimal(1), None)


@dataclass
class RateTable:
    """All rates, loaded once per run."""

    rates: dict[tuple[str, str], list[tuple[date, Decimal]]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[ExchangeRate]) -> RateTable:
        grouped: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
        for row in rows:
            grouped[(row.from_currency, row.to_currency)].append((row.valid_from, row.rate))
        return cls({key: sorted(values) for key, values in grouped.items()})

    @classmethod
    def load(cls, session: Session) -> RateTable:
        return cls.of(session.execute(select(ExchangeRate)).scalars())

    def rate(self, from_currency: str, to_currency: str, on: date) -> RateUsed:
        """The latest rate valid on `on`; no rate is an error naming the pair and the date."""
        if from_currency == to_currency:
            return IDENTITY
        values = self.rates.get((from_currency, to_currency), [])
        index = bisect.bisect_right(values, (on, Decimal("Infinity"))) - 1
        if index < 0:
            raise ValidationFailed(
                f"no exchange rate {from_currency}->{to_currency} valid on {on.isoformat()}",
                details=[field_error("exchange_rate", f"add a {from_currency}->{to_currency} rate")],
            )
        valid_from, rate = values[index]
        return RateUsed(rate, valid_from)
