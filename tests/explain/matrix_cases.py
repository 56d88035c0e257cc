"""Matrix cases for the explanation API and pages; extend_world adds two issued invoices of customer A."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from cspdesk.models.billing import Invoice, InvoiceLine
from tests.matrix import Case
from tests.world import World


def _invoice(session: Session, world: World, period: str, number: str, amount: int) -> Invoice:
    start = date.fromisoformat(f"{period}-01")
    invoice = Invoice(
        kind="invoice", status="issued", series="MX", number=number, customer_id=world.customer_a, period=period,
        period_start=start, period_end=start.replace(day=28), currency="EUR", payment_terms_days=14,
        subtotal_minor=amount, tax_minor=0, total_minor=amount, cost_minor=amount // 2, issue_date=start,
    )  # fmt: skip
    invoice.lines.append(
        InvoiceLine(
            position=1,
            kind="recurring",
            description="Support plan",
            quantity=Decimal(1),
            unit_price=Decimal(amount) / 100,
            amount_minor=amount,
            cost_minor=amount // 2,
            tax_rate=Decimal(0),
        )
    )
    session.add(invoice)
    session.flush()
    return invoice


def extend_world(session: Session, world: World) -> None:
    _invoice(session, world, "2026-08", "MX-EXPLAIN-1", 10000)
    current = _invoice(session, world, "2026-09", "MX-EXPLAIN-2", 12000)
    world.params["explain_invoice_id"] = current.id


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/invoices/{explain_invoice_id}/explanation"): Case(object_scoped=True),
    ("GET", "/console/invoices/{explain_invoice_id}/explain"): Case(object_scoped=True),
    ("GET", "/portal/invoices/{explain_invoice_id}/explain"): Case(object_scoped=True),
    ("GET", "/portal/invoices/{explain_invoice_id}/ask"): Case(object_scoped=True),
    ("POST", "/portal/invoices/{explain_invoice_id}/ask"): Case(
        object_scoped=True, form=lambda w: {"question": "Why?"}
    ),
}
