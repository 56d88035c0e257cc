"""Invoice runs: one draft per customer and period, built set-based in chunks and resumable after a crash."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import loading
from cspdesk.billing.bulk import insert_rows
from cspdesk.billing.drafting import (
    CustomerContext,
    LineDraft,
    apply_tax,
    charge_line,
    license_lines,
    totals_of,
    usage_lines,
)
from cspdesk.billing.loading import CustomerRow
from cspdesk.billing.periods import next_period, parse_period
from cspdesk.billing.pricing import CostRow, UsageRow
from cspdesk.billing.rates import RateTable, RateUsed
from cspdesk.billing.rules import RuleBook
from cspdesk.billing.support_billing import support_line
from cspdesk.billing.taxes import TaxBook
from cspdesk.config import Settings
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import AppError, ValidationFailed, field_error
from cspdesk.models.billing import Invoice, InvoiceLine, InvoiceRun, OneOffCharge, PriceRule, RecurringCharge

CHUNK = 500
LINE_COLUMNS = [*LineDraft.__dataclass_fields__, "invoice_id", "position"]
LINE_VALUES = attrgetter(*LineDraft.__dataclass_fields__)


@dataclass
class RunResult:
    period: str
    dry_run: bool
    customers: int = 0
    created: int = 0
    existing: int = 0
    empty: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


@dataclass
class Books:
    """Everything a run looks up, loaded once."""

    rules: RuleBook
    taxes: TaxBook
    rates: RateTable
    settings: Settings

    @classmethod
    def load(cls, session: Session, settings: Settings) -> Books:
        rules = RuleBook.of(session.execute(select(PriceRule)).scalars())
        return cls(rules, TaxBook.load(session), RateTable.load(session), settings)


def terms_days(customer: CustomerRow, settings: Settings) -> int:
    """Payment terms: the customer's, else its group's, else the default setting."""
    for days in (customer.terms_days, customer.group_terms_days):
        if days is not None:
            return days
    return settings.billing_payment_terms_days


def run_key(customer_id: uuid.UUID, period: str) -> str:
    return f"{customer_id}:{period}"


@dataclass
class Draft:
    invoice: dict[str, object]
    lines: list[LineDraft]
    recurring: list[RecurringCharge]
    one_offs: list[OneOffCharge]


def run_invoices(
    session: Session,
    principal: Principal,
    settings: Settings,
    period: str,
    *,
    dry_run: bool = False,
    checkpoint: Callable[[], None] | None = None,
) -> RunResult:
    """Make the drafts of a period; customers that already have one are skipped, so a re-run changes nothing.

    `checkpoint` (from the boundary, e.g. a commit) is called after each chunk so a crash keeps finished chunks.
    """
    principal.require(Permission.INVOICES_WRITE)
    start, end = parse_period(period)
    books = Books.load(session, settings)
    result = RunResult(period, dry_run)
    run = None if dry_run else _run_row(session, principal, period)
    everyone = loading.customers(session)
    result.customers = len(everyone)
    for index in range(0, len(everyone), CHUNK):
        chunk = everyone[index : index + CHUNK]
        _run_chunk(session, books, chunk, period, (start, end), run, result)
        if checkpoint is not None and not dry_run:
            checkpoint()
    if run is not None:
        _finish(session, principal, run, result)
    return result


def _run_row(session: Session, principal: Principal, period: str) -> InvoiceRun:
    run = session.execute(select(InvoiceRun).where(InvoiceRun.period == period)).scalar_one_or_none()
    if run is None:
        run = InvoiceRun(period=period, started_at=clock.now(), started_by=principal.label)
        session.add(run)
        session.flush()
    run.status = "running"
    return run


def _finish(session: Session, principal: Principal, run: InvoiceRun, result: RunResult) -> None:
    run.status = "completed" if result.failed == 0 else "failed"
    run.finished_at = clock.now()
    run.customer_count = result.customers
    run.created_count += result.created
    run.skipped_count = result.existing + result.empty
    run.failed_count = result.failed
    run.errors_json = json.dumps(result.errors)
    session.flush()
    counts = {"created": result.created, "existing": result.existing, "empty": result.empty, "failed": result.failed}
    audit.record(session, principal, "invoice_run.run", "invoice_run", run.id, after=counts)


def _run_chunk(
    session: Session,
    books: Books,
    chunk: list[CustomerRow],
    period: str,
    bounds: tuple[date, date],
    run: InvoiceRun | None,
    result: RunResult,
) -> None:
    existing = loading.existing_run_keys(session, [run_key(c.id, period) for c in chunk])
    todo = [c for c in chunk if run_key(c.id, period) not in existing]
    result.existing += len(chunk) - len(todo)
    ids = [c.id for c in todo]
    if not ids:
        return
    costs = loading.cost_rows(session, ids, *bounds)
    usage = loading.usage_rows(session, ids, *bounds)
    recurring = loading.due_recurring(session, ids, period)
    one_offs = loading.pending_one_offs(session, ids)
    drafts = []
    for customer in todo:
        try:
            draft = build_draft(
                books,
                customer,
                period,
                bounds,
                costs.get(customer.id, []),
                usage.get(customer.id, []),
                recurring.get(customer.id, []),
                one_offs.get(customer.id, []),
                support_line(session, customer, period, recurring.get(customer.id, []), result.errors),
            )
        except AppError as exc:
            result.failed += 1
            result.errors.append({"customer": customer.name, "error": exc.message})
            continue
        if draft is None:
            result.empty += 1
            continue
        drafts.append(draft)
        currency = str(draft.invoice["currency"])
        result.totals[currency] = result.totals.get(currency, 0) + int(str(draft.invoice["total_minor"]))
    result.created += len(drafts)
    if run is not None and drafts:
        _write(session, drafts, run, period)


def build_draft(
    books: Books,
    customer: CustomerRow,
    period: str,
    bounds: tuple[date, date],
    costs: list[CostRow],
    usage: list[UsageRow],
    recurring: list[RecurringCharge],
    one_offs: list[OneOffCharge],
    support: LineDraft | None = None,
) -> Draft | None:
    """One customer's draft for a period, or None when there is nothing to bill."""
    ctx = CustomerContext(customer.id, customer.group_id, customer.currency, *bounds)
    used: dict[str, RateUsed] = {}

    def fx(source: str) -> Decimal:
        used[source] = books.rates.rate(source, customer.currency, bounds[1])
        return used[source].rate

    lines = license_lines(ctx, costs, books.rules, fx)
    lines += usage_lines(ctx, usage, books.rules, fx, books.settings.billing_pec_policy == "keep")
    lines += _partner_lines(customer, period, recurring, one_offs)
    lines += [support] if support is not None else []
    if not lines:
        return None
    tax = books.taxes.choose(customer.id, customer.country, bounds[1])
    apply_tax(lines, tax, customer.currency, books.settings.billing_tax_rounding)
    invoice = _invoice_values(books.settings, customer, period, bounds, lines, used)
    invoice.update(tax_name=tax.name, tax_note=tax.note)
    return Draft(invoice, lines, recurring, one_offs)


def _partner_lines(
    customer: CustomerRow, period: str, recurring: list[RecurringCharge], one_offs: list[OneOffCharge]
) -> list[LineDraft]:
    lines = []
    charges: list[RecurringCharge | OneOffCharge] = [*recurring, *one_offs]
    for charge in charges:
        if charge.currency != customer.currency:
            raise ValidationFailed(
                f"charge '{charge.description}' is in {charge.currency}, the customer is billed in {customer.currency}",
                details=[field_error("currency", "currency mismatch")],
            )
    for rc in recurring:
        line = charge_line("recurring", f"{rc.description} ({period})", rc.unit_price_minor, rc.quantity, rc.currency)
        line.recurring_charge_id = rc.id
        lines.append(line)
    for oc in one_offs:
        line = charge_line("one_off", oc.description, oc.unit_price_minor, oc.quantity, oc.currency)
        line.one_off_charge_id = oc.id
        lines.append(line)
    return lines


def _invoice_values(
    settings: Settings,
    customer: CustomerRow,
    period: str,
    bounds: tuple[date, date],
    lines: list[LineDraft],
    used: dict[str, RateUsed],
) -> dict[str, object]:
    foreign = sorted((source, rate) for source, rate in used.items() if rate.valid_from is not None)
    totals = totals_of(lines)
    now = clock.now()
    return {
        "id": uuid.uuid4(),
        "kind": "invoice",
        "status": "draft",
        "series": settings.billing_invoice_series,
        "run_key": run_key(customer.id, period),
        "customer_id": customer.id,
        "period": period,
        "period_start": bounds[0],
        "period_end": bounds[1],
        "currency": customer.currency,
        "language": customer.language,
        "payment_terms_days": terms_days(customer, settings),
        "fx_from_currency": foreign[0][0] if foreign else None,
        "fx_rate": foreign[0][1].rate if foreign else None,
        "fx_rate_date": foreign[0][1].valid_from if foreign else None,
        "subtotal_minor": totals.subtotal_minor,
        "tax_minor": totals.tax_minor,
        "total_minor": totals.total_minor,
        "cost_minor": totals.cost_minor,
        "created_at": now,
        "updated_at": now,
    }


def _write(session: Session, drafts: list[Draft], run: InvoiceRun, period: str) -> None:
    """Bulk inserts: a handful of statements per chunk, whatever its size."""
    invoices = [d.invoice | {"run_id": run.id} for d in drafts]
    session.execute(insert(Invoice.metadata.tables["invoices"]), invoices)
    # Plain tuples, no dict per line (dataclasses.asdict deep-copied every Decimal and once dominated the run time).
    lines = [(*LINE_VALUES(line), d.invoice["id"], i) for d in drafts for i, line in enumerate(d.lines, start=1)]
    insert_rows(session, InvoiceLine.metadata.tables["invoice_lines"], LINE_COLUMNS, lines)
    for d in drafts:
        if d.one_offs:
            ids = [c.id for c in d.one_offs]
            session.execute(update(OneOffCharge).where(OneOffCharge.id.in_(ids)).values(invoice_id=d.invoice["id"]))
    advanced = [rc.id for d in drafts for rc in d.recurring]
    if advanced:
        stmt = update(RecurringCharge).where(RecurringCharge.id.in_(advanced))
        session.execute(stmt.values(next_period=next_period(period)))
    session.flush()
