"""Proration by billable days, the way Microsoft prorates license charges (CSP reference 2.1).

A prorated line ends on the day before the next cycle anniversary. Its cycle therefore runs from
(charge end + 1 day - one cycle) to the charge end, and the cycle length counts the calendar days of the month
(or year) in which it started: seats bought on 21 February on a monthly cycle count 28 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from cspdesk.billing.periods import add_months

CYCLE_MONTHS = {"monthly": 1, "annual": 12, "triennial": 36}


@dataclass(frozen=True)
class Proration:
    billable_days: int
    cycle_days: int
    months: int

    @property
    def full(self) -> bool:
        return self.billable_days >= self.cycle_days

    def apply(self, amount_per_cycle: Decimal) -> Decimal:
        """Multiply first, divide last: the result stays exact until the invoice line rounds it."""
        if self.full:
            return amount_per_cycle
        return amount_per_cycle * self.billable_days / self.cycle_days


def cycle_months(billing_frequency: str) -> int:
    return CYCLE_MONTHS.get(billing_frequency.strip().lower(), 1)


def proration(start: date | None, end: date | None, billing_frequency: str) -> Proration:
    """Billable days over cycle days for a charge from start to end (both inclusive)."""
    months = cycle_months(billing_frequency)
    if start is None or end is None or end < start:
        return Proration(1, 1, months)
    cycle_end_next = end + timedelta(days=1)
    cycle_days = (cycle_end_next - add_months(cycle_end_next, -months)).days
    billable = (end - start).days + 1
    return Proration(min(billable, cycle_days), cycle_days, months)
