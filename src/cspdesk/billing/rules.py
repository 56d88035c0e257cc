"""Price rule resolution: customer + SKU > customer + family > group + SKU > group + family > default."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from cspdesk.models.billing import PriceRule

RuleKey = tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A price rule as the engine uses it (detached from the session)."""

    id: uuid.UUID | None
    mode: str
    percent: Decimal = Decimal(0)
    fixed_price_minor: int | None = None
    fixed_currency: str | None = None
    min_margin_percent: Decimal | None = None


PASS_THROUGH = Rule(id=None, mode="pass_through")


def rule_key(rule: PriceRule) -> RuleKey:
    if rule.customer_id is not None:
        owner = ("customer", str(rule.customer_id))
    elif rule.group_id is not None:
        owner = ("group", str(rule.group_id))
    else:
        return ("default",)
    return (*owner, "sku", rule.sku_id) if rule.sku_id else (*owner, "family", rule.product_family)


def detach(rule: PriceRule) -> Rule:
    return Rule(
        id=rule.id,
        mode=rule.mode,
        percent=rule.percent or Decimal(0),
        fixed_price_minor=rule.fixed_price_minor,
        fixed_currency=rule.fixed_currency,
        min_margin_percent=rule.min_margin_percent,
    )


@dataclass
class RuleBook:
    """All price rules, loaded once per run; `resolve` is a few dictionary look-ups."""

    rules: dict[RuleKey, Rule] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: Iterable[PriceRule]) -> RuleBook:
        return cls({rule_key(r): detach(r) for r in rules})

    def resolve(self, customer_id: uuid.UUID, group_id: uuid.UUID | None, sku_id: str, family: str) -> Rule:
        candidates: list[RuleKey] = [("customer", str(customer_id), "sku", sku_id)] if sku_id else []
        candidates.append(("customer", str(customer_id), "family", family))
        if group_id is not None:
            if sku_id:
                candidates.append(("group", str(group_id), "sku", sku_id))
            candidates.append(("group", str(group_id), "family", family))
        candidates.append(("default",))
        for key in candidates:
            if key in self.rules:
                return self.rules[key]
        return PASS_THROUGH
