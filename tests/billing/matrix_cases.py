"""Matrix cases for billing routes, and the billing objects of customer A they act on."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.kit import clock
from cspdesk.models.billing import (
    ExchangeRate,
    Invoice,
    InvoiceLine,
    OneOffCharge,
    PriceRule,
    RecurringCharge,
    TaxRule,
)
from cspdesk.models.billing_payments import BankStatementLine
from tests.matrix import Case
from tests.world import World


def _line(amount: int, position: int = 1) -> InvoiceLine:
    return InvoiceLine(
        position=position,
        kind="one_off",
        description="Consulting",
        quantity=Decimal(1),
        unit_price=Decimal(amount) / 100,
        amount_minor=amount,
        tax_rate=Decimal(0),
        tax_minor=0,
    )


def _invoice(customer_id: uuid.UUID, status: str, amount: int, **kw: Any) -> Invoice:
    values: dict[str, Any] = {
        "kind": "invoice",
        "status": status,
        "series": "INV",
        "customer_id": customer_id,
        "period": "2026-09",
        "period_start": date(2026, 9, 1),
        "period_end": date(2026, 9, 30),
        "currency": "EUR",
        "payment_terms_days": 30,
        "subtotal_minor": amount,
        "total_minor": amount,
        "lines": [_line(amount)],
    }
    if status == "issued":
        values |= {"issue_date": date(2026, 10, 2), "due_date": date(2026, 11, 1), "issued_at": clock.now()}
    values.update(kw)
    return Invoice(**values)


def extend_world(session: Session, world: World) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    a = world.customer_a
    draft = _invoice(a, "draft", 10000)
    issued = _invoice(a, "issued", 20000, number=f"INV-1999-{tag}1", pdf_key=f"invoices/matrix/{tag}1.pdf")
    credited = _invoice(a, "issued", 5000, number=f"INV-1999-{tag}2", pdf_key=f"invoices/matrix/{tag}2.pdf")
    session.add_all([draft, issued, credited])
    session.flush()
    note = _invoice(
        a,
        "issued",
        -5000,
        kind="credit_note",
        series="CN",
        number=f"CN-1999-{tag}3",
        credited_invoice_id=credited.id,
        lines=[_line(-5000)],
    )
    line = BankStatementLine(
        line_key=hashlib.sha256(tag.encode()).hexdigest(),
        file_name="matrix.csv",
        line_no=2,
        booking_date=date(2026, 11, 2),
        amount_minor=1500,
        currency="EUR",
        reference="unknown",
        imported_at=clock.now(),
    )
    session.add_all([note, line])
    session.flush()
    _extend_setup(session, world)
    world.params.update(
        draft_id=draft.id,
        line_id=draft.lines[0].id,
        billing_invoice_id=issued.id,
        credited_invoice_id=credited.id,
        bank_line_id=line.id,
    )


def _extend_setup(session: Session, world: World) -> None:
    # The world is committed once per test session: rows that a run would pick up stay out of other tests' way.
    a = world.customer_a
    charge = {"customer_id": a, "description": "Managed service", "unit_price_minor": 5000, "currency": "EUR"}
    rows: dict[str, Any] = {
        "tax_rule_id": TaxRule(country="AQ", rate_percent=Decimal(1), name="AQ", valid_from=date(2026, 1, 1)),
        "exchange_rate_id": ExchangeRate(
            from_currency="CHF", to_currency="ISK", rate=Decimal("150"), valid_from=date(2026, 1, 1)
        ),
        "recurring_charge_id": RecurringCharge(**charge, quantity=Decimal(1), next_period="2099-01", active=True),
        "one_off_charge_id": OneOffCharge(**charge, quantity=Decimal(2)),
        "price_rule_id": PriceRule(customer_id=a, sku_id=f"SKU-{uuid.uuid4().hex[:6]}", mode="pass_through"),
    }
    session.add_all(rows.values())
    session.flush()
    world.params.update({name: row.id for name, row in rows.items()})


def _charge(w: World) -> dict[str, Any]:
    return {"customer_id": str(w.customer_a), "description": "Backup", "unit_price": "12.50", "quantity": "3"}


def _payment(w: World) -> dict[str, Any]:
    return {"customer_id": str(w.customer_a), "amount": "12.50", "currency": "EUR", "received_date": "2026-11-05"}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/invoices"): Case(),
    ("GET", "/api/invoices/{billing_invoice_id}"): Case(object_scoped=True),
    ("POST", "/api/invoice-runs"): Case(json=lambda w: {"period": "2026-10", "dry_run": True}),
    ("POST", "/api/drafts/{draft_id}/issue"): Case(object_scoped=True),
    ("GET", "/api/payments"): Case(),
    ("POST", "/api/payments"): Case(json=_payment),
    ("GET", "/console/billing/invoices"): Case(),
    ("POST", "/console/billing/runs"): Case(form=lambda w: {"period": "2026-10", "dry_run": "1"}),
    ("GET", "/console/billing/invoices/{billing_invoice_id}"): Case(object_scoped=True),
    ("GET", "/console/billing/invoices/{billing_invoice_id}/pdf"): Case(object_scoped=True),
    ("POST", "/console/billing/drafts/{draft_id}/lines"): Case(
        object_scoped=True, form=lambda w: {"description": "Extra", "quantity": "2", "unit_price": "9.99"}
    ),
    ("POST", "/console/billing/drafts/{draft_id}/lines/{line_id}/delete"): Case(object_scoped=True, form=lambda w: {}),
    ("POST", "/console/billing/drafts/{draft_id}/issue"): Case(object_scoped=True, form=lambda w: {}),
    ("POST", "/console/billing/drafts/{draft_id}/void"): Case(object_scoped=True, form=lambda w: {}),
    ("POST", "/console/billing/invoices/{billing_invoice_id}/credit-note"): Case(
        object_scoped=True, form=lambda w: {"mode": "full"}
    ),
    ("POST", "/console/billing/invoices/{credited_invoice_id}/reissue"): Case(object_scoped=True, form=lambda w: {}),
    ("GET", "/console/billing/price-rules"): Case(),
    ("POST", "/console/billing/price-rules"): Case(
        form=lambda w: {
            "customer_id": str(w.customer_a),
            "sku_id": f"SKU-{uuid.uuid4().hex[:6]}",
            "mode": "markup_cost",
            "percent": "7",
        }
    ),
    ("GET", "/console/billing/payments"): Case(),
    ("POST", "/console/billing/payments"): Case(form=_payment),
    ("POST", "/console/billing/bank-import"): Case(
        form=lambda w: {"csv_text": "date,amount,currency,reference\n2026-11-04,10.00,EUR,nothing to match\n"}
    ),
    ("POST", "/console/billing/bank-lines/{bank_line_id}/assign"): Case(
        form=lambda w: {"customer_id": str(w.customer_a)}
    ),
    ("GET", "/console/billing/receivables"): Case(),
    ("GET", "/console/billing/customers/{customer_id}/statement.pdf"): Case(object_scoped=True),
    ("GET", "/console/billing/taxes"): Case(),
    ("POST", "/console/billing/tax-rules"): Case(
        form=lambda w: {"country": "AT", "rate_percent": "20", "name": "USt", "valid_from": "2026-01-01"}
    ),
    ("POST", "/console/billing/tax-rules/{tax_rule_id}/delete"): Case(form=lambda w: {}),
    ("POST", "/console/billing/exchange-rates"): Case(
        form=lambda w: {"from_currency": "USD", "to_currency": "EUR", "rate": "0.91", "valid_from": "2026-02-01"}
    ),
    ("POST", "/console/billing/exchange-rates/{exchange_rate_id}/delete"): Case(form=lambda w: {}),
    ("POST", "/console/billing/customers/{customer_id}/tax-exemption"): Case(
        object_scoped=True, form=lambda w: {"kind": "reverse_charge", "legal_note": "Reverse charge"}
    ),
    ("POST", "/console/billing/customers/{customer_id}/tax-exemption/clear"): Case(
        object_scoped=True, form=lambda w: {}
    ),
    ("GET", "/console/billing/charges"): Case(),
    ("POST", "/console/billing/recurring-charges"): Case(form=lambda w: _charge(w) | {"first_period": "2026-10"}),
    ("POST", "/console/billing/recurring-charges/{recurring_charge_id}/stop"): Case(
        object_scoped=True, form=lambda w: {}
    ),
    ("POST", "/console/billing/one-off-charges"): Case(form=_charge),
    ("POST", "/console/billing/one-off-charges/{one_off_charge_id}/delete"): Case(
        object_scoped=True, form=lambda w: {}
    ),
    ("POST", "/console/billing/price-rules/{price_rule_id}/delete"): Case(form=lambda w: {}),
    ("GET", "/api/billing/tax-rules"): Case(),
    ("POST", "/api/billing/tax-rules"): Case(
        json=lambda w: {"country": "AT", "rate_percent": "20", "name": "USt", "valid_from": "2026-01-01"}
    ),
    ("DELETE", "/api/billing/tax-rules/{tax_rule_id}"): Case(),
    ("GET", "/api/billing/exchange-rates"): Case(),
    ("POST", "/api/billing/exchange-rates"): Case(
        json=lambda w: {"from_currency": "USD", "to_currency": "EUR", "rate": "0.91", "valid_from": "2026-02-01"}
    ),
    ("DELETE", "/api/billing/exchange-rates/{exchange_rate_id}"): Case(),
    ("PUT", "/api/billing/customers/{customer_id}/tax-exemption"): Case(
        object_scoped=True, json=lambda w: {"kind": "exempt", "legal_note": "Tax exempt by law"}
    ),
    ("DELETE", "/api/billing/customers/{customer_id}/tax-exemption"): Case(object_scoped=True),
    ("GET", "/api/billing/recurring-charges"): Case(),
    ("POST", "/api/billing/recurring-charges"): Case(json=lambda w: _charge(w) | {"first_period": "2026-10"}),
    ("POST", "/api/billing/recurring-charges/{recurring_charge_id}/stop"): Case(object_scoped=True),
    ("GET", "/api/billing/one-off-charges"): Case(),
    ("POST", "/api/billing/one-off-charges"): Case(json=_charge),
    ("DELETE", "/api/billing/one-off-charges/{one_off_charge_id}"): Case(object_scoped=True),
    ("DELETE", "/api/billing/price-rules/{price_rule_id}"): Case(),
    ("GET", "/portal/billing"): Case(),
    ("GET", "/portal/billing/invoices/{billing_invoice_id}"): Case(object_scoped=True),
    ("GET", "/portal/billing/invoices/{billing_invoice_id}/pdf"): Case(object_scoped=True),
}
