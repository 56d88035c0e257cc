"""What an explanation is: plain facts per invoice line and causes of a difference, each with its evidence.

An explanation is computed, never stored: the same invoices and ledger rows always give the same explanation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# The order also breaks ties between causes of the same absolute amount.
CAUSE_KINDS = (
    "new_subscription",
    "cancelled_subscription",
    "seats",
    "renewal_term",
    "billing_plan",
    "price_list",
    "price_promotion",
    "price_exchange_rate",
    "price_rule",
    "azure_usage",
    "one_time",
    "credits_refunds",
    "late_fees",
    "recurring_charges",
    "tax",
    "unattributed",
)


@dataclass
class Evidence:
    """The rows a cause comes from: invoice lines, cost-ledger rows and usage keys (sorted, no duplicates)."""

    invoice_line_ids: set[str] = field(default_factory=set)
    cost_line_ids: set[str] = field(default_factory=set)
    usage_keys: set[str] = field(default_factory=set)

    def add(self, other: Evidence) -> None:
        self.invoice_line_ids |= other.invoice_line_ids
        self.cost_line_ids |= other.cost_line_ids
        self.usage_keys |= other.usage_keys

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "invoice_line_ids": sorted(self.invoice_line_ids),
            "cost_line_ids": sorted(self.cost_line_ids),
            "usage_keys": sorted(self.usage_keys),
        }


@dataclass
class Detail:
    """One row of a usage drill-down: a meter category, Azure subscription, resource group or meter."""

    level: str
    name: str
    previous_minor: int
    current_minor: int
    approximate: bool = False

    @property
    def change_minor(self) -> int:
        return self.current_minor - self.previous_minor


@dataclass
class Cause:
    """One reason the total changed, with its exact amount in minor units (signed: + made the bill higher)."""

    kind: str
    key: str
    subject: str
    amount_minor: int
    cost_minor: int = 0
    evidence: Evidence = field(default_factory=Evidence)
    facts: dict[str, str] = field(default_factory=dict)
    details: list[Detail] = field(default_factory=list)
    chart_svg: str = ""
    text: str = ""

    @property
    def margin_minor(self) -> int:
        return self.amount_minor - self.cost_minor

    @property
    def order(self) -> tuple[int, int, str, str]:
        """Largest first by absolute amount; ties by kind, then subject, then key (stable, deterministic)."""
        return (-abs(self.amount_minor), CAUSE_KINDS.index(self.kind), self.subject, self.key)


@dataclass
class LineExplanation:
    """One invoice line in plain words, with the numbers the words are made of."""

    line_id: uuid.UUID
    position: int
    kind: str
    description: str
    amount_minor: int
    tax_minor: int
    cost_minor: int
    informational: bool
    facts: dict[str, str] = field(default_factory=dict)
    evidence: Evidence = field(default_factory=Evidence)
    text: str = ""
    parts: list[LineExplanation] = field(default_factory=list)


@dataclass
class Comparison:
    previous_id: uuid.UUID
    previous_label: str
    previous_period: str
    previous_total_minor: int
    difference_minor: int
    causes: list[Cause]
    text: str = ""


@dataclass
class Explanation:
    invoice_id: uuid.UUID
    label: str
    kind: str
    status: str
    customer_id: uuid.UUID
    customer_name: str
    period: str
    period_start: date
    period_end: date
    currency: str
    language: str
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    cost_minor: int
    show_cost: bool
    lines: list[LineExplanation]
    comparison: Comparison | None
    text: str = ""
    notes: list[str] = field(default_factory=list)


def decimal_text(value: Decimal) -> str:
    """Canonical text of a Decimal without exponent or trailing zeros (10, 0.5, 1.0825)."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
