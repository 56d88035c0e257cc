"""What is owed to Microsoft and when, and whether an invoice agrees with its reconciliation lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.money import to_minor
from cspdesk.microsoft.files import expected_subtotal
from cspdesk.models.microsoft import CostLine, MicrosoftInvoice

PAID, OVERDUE, DUE_SOON, OPEN = "paid", "overdue", "due_soon", "open"
MAX_MISMATCHES = 100


@dataclass(frozen=True)
class Payable:
    invoice: MicrosoftInvoice
    currency: str
    total_minor: int
    paid_minor: int
    days_to_due: int
    state: str
    warning: str | None

    @property
    def outstanding_minor(self) -> int:
        return self.total_minor - self.paid_minor


@dataclass
class PayablesReport:
    today: date
    horizon_days: int
    items: list[Payable]
    outstanding: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)
    due_within_horizon: dict[str, int] = field(default_factory=dict)

    def due_by_week(self) -> list[tuple[date, dict[str, int]]]:
        """Outstanding amounts per week (Monday) of the due date, overdue amounts in this week: for the chart."""
        this_week = self.today - timedelta(days=self.today.weekday())
        weeks: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for item in self.items:
            if item.outstanding_minor <= 0:
                continue
            week = max(this_week, item.invoice.due_date - timedelta(days=item.invoice.due_date.weekday()))
            weeks[week][item.currency] += item.outstanding_minor
        return [(week, dict(amounts)) for week, amounts in sorted(weeks.items())]


def _state(days_to_due: int, outstanding: int, warning_days: Sequence[int]) -> tuple[str, str | None]:
    if outstanding <= 0:
        return PAID, None
    if days_to_due < 0:
        return OVERDUE, f"overdue by {-days_to_due} days"
    for threshold in sorted(warning_days):
        if days_to_due <= threshold:
            return DUE_SOON, f"due in {days_to_due} days (warning at {threshold})"
    return OPEN, None


def payables(
    session: Session,
    principal: Principal,
    today: date,
    *,
    horizon_days: int = 30,
    warning_days: Sequence[int] = (15, 5),
) -> PayablesReport:
    """Every Microsoft invoice per currency with paid and outstanding amounts, overdue ones and warnings."""
    principal.require(Permission.PAYABLES_READ)
    report = PayablesReport(today, horizon_days, [])
    stmt = select(MicrosoftInvoice).order_by(MicrosoftInvoice.due_date, MicrosoftInvoice.number)
    for invoice in session.execute(stmt).scalars():
        paid: dict[str, int] = defaultdict(int)
        for payment in invoice.payments:
            paid[payment.currency] += payment.amount_minor
        for total in invoice.totals:
            days = (invoice.due_date - today).days
            state, warning = _state(days, total.total_minor - paid[total.currency], warning_days)
            item = Payable(invoice, total.currency, total.total_minor, paid[total.currency], days, state, warning)
            report.items.append(item)
            _add_up(report, item)
    return report


def _add_up(report: PayablesReport, item: Payable) -> None:
    if item.outstanding_minor <= 0:
        return
    report.outstanding[item.currency] = report.outstanding.get(item.currency, 0) + item.outstanding_minor
    if item.state == OVERDUE:
        report.overdue[item.currency] = report.overdue.get(item.currency, 0) + item.outstanding_minor
    if item.days_to_due <= report.horizon_days:
        bucket = report.due_within_horizon
        bucket[item.currency] = bucket.get(item.currency, 0) + item.outstanding_minor


@dataclass(frozen=True)
class CurrencyCheck:
    currency: str
    invoice_total_minor: int
    lines_total_minor: int
    line_count: int

    @property
    def difference_minor(self) -> int:
        return self.lines_total_minor - self.invoice_total_minor


@dataclass(frozen=True)
class Mismatch:
    line: CostLine
    expected_subtotal_minor: int


@dataclass(frozen=True)
class Reconciliation:
    invoice: MicrosoftInvoice
    currencies: list[CurrencyCheck]
    mismatches: list[Mismatch]

    @property
    def balanced(self) -> bool:
        return all(c.difference_minor == 0 for c in self.currencies) and not self.mismatches


def _expected_minor(line: CostLine) -> int | None:
    if line.file_kind != "nce-recon":
        return None  # legacy Subtotals are after TotalOtherDiscount, not a price formula
    expected = expected_subtotal(
        line.product_kind, line.effective_unit_price, line.billable_quantity, line.exchange_rate
    )
    return to_minor(Decimal(expected), line.currency)


def reconcile(session: Session, principal: Principal, invoice: MicrosoftInvoice) -> Reconciliation:
    """Sum of the invoice's reconciliation lines against its total per currency, and lines whose Subtotal
    differs from Microsoft's formula (seat-based or usage-based, reference 2.1)."""
    principal.require(Permission.PAYABLES_READ)
    lines_total: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    mismatches: list[Mismatch] = []
    stmt = select(CostLine).where(CostLine.invoice_number == invoice.number).order_by(CostLine.line_no)
    for line in session.execute(stmt).scalars():
        lines_total[line.currency] += line.total_minor
        counts[line.currency] += 1
        expected = _expected_minor(line)
        if expected is not None and expected != line.subtotal_minor and len(mismatches) < MAX_MISMATCHES:
            mismatches.append(Mismatch(line, expected))
    invoice_totals = {t.currency: t.total_minor for t in invoice.totals}
    currencies = [
        CurrencyCheck(c, invoice_totals.get(c, 0), lines_total.get(c, 0), counts.get(c, 0))
        for c in sorted(set(invoice_totals) | set(lines_total))
    ]
    return Reconciliation(invoice, currencies, mismatches)
