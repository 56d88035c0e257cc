"""Bank statement import, the unmatched queue, and the payment provider webhook (signature, idempotency)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import allocation, bank, webhook
from cspdesk.billing.pdf import payment_reference
from cspdesk.config import Settings
from cspdesk.kit.errors import NotAuthenticated, ValidationFailed
from cspdesk.models.billing import Invoice, InvoiceLine
from cspdesk.models.billing_payments import BankStatementLine, Payment, WebhookEvent
from cspdesk.models.customer import Customer
from tests.billing import factories as f


def _issued(session: Session, customer: Customer, number: str, amount: int) -> Invoice:
    invoice = Invoice(
        kind="invoice", status="issued", series="INV", number=number, customer_id=customer.id, period="2026-10",
        period_start=date(2026, 10, 1), period_end=date(2026, 10, 31), currency=customer.billing_currency,
        payment_terms_days=30, issue_date=date(2026, 11, 2), due_date=date(2026, 12, 2),
        subtotal_minor=amount, total_minor=amount,
        lines=[InvoiceLine(position=1, kind="one_off", description="x", quantity=Decimal(1), unit_price=Decimal(1),
                           amount_minor=amount, tax_rate=Decimal(0))],
    )  # fmt: skip
    session.add(invoice)
    session.flush()
    return invoice


CSV = """Date,Amount,Currency,Reference,Counterparty
2026-11-10,100.00,EUR,Payment INV-2026-900001 thanks,Acme
2026-11-11,50.00,EUR,{ref} october,Acme
2026-11-12,-20.00,EUR,fee,Bank
2026-11-12,75.00,EUR,who knows,Stranger
"""


def test_bank_import_matches_queues_and_is_idempotent(session: Session) -> None:
    c = f.customer(session)
    inv = _issued(session, c, "INV-2026-900001", 12000)
    text = CSV.format(ref=payment_reference(c.id))
    result = bank.import_statement(session, SYSTEM, "nov.csv", text)
    assert (result.matched, result.unmatched, result.ignored, result.duplicates) == (2, 1, 1, 0)
    assert allocation.open_amount(session, inv) == 0
    assert allocation.available_credit(session, c.id) == 3000
    again = bank.import_statement(session, SYSTEM, "nov.csv", text)
    assert (again.matched, again.duplicates) == (0, 3)
    queued = session.execute(select(BankStatementLine).where(BankStatementLine.status == "unmatched")).scalars()
    line = next(x for x in queued if x.reference == "who knows")
    bank.assign_line(session, SYSTEM, line.id, c.id, None)
    assert allocation.available_credit(session, c.id) == 10500


def test_bad_bank_file_names_line_and_column_and_changes_nothing(session: Session) -> None:
    before = session.execute(select(func.count()).select_from(Payment)).scalar_one()
    bad = "date,amount,currency,reference\n2026-11-10,100.00,EUR,ok\n2026-13-01,1.005,EUR,x\n2026-11-01,5,ZZZ,y\n"
    with pytest.raises(ValidationFailed) as caught:
        bank.import_statement(session, SYSTEM, "bad.csv", bad)
    fields = [d["field"] for d in caught.value.details]
    assert fields == ["line 3, column date", "line 3, column amount", "line 4, column currency"]
    assert session.execute(select(func.count()).select_from(Payment)).scalar_one() == before
    with pytest.raises(ValidationFailed, match="missing column"):
        bank.import_statement(session, SYSTEM, "bad.csv", "date,amount\n")


def _event(event_id: str, number: str, amount: str = "40.00") -> bytes:
    data = {"invoice_number": number, "amount": amount, "currency": "EUR", "reference": "card"}
    return json.dumps({"id": event_id, "type": "payment.succeeded", "data": data}).encode()


def test_webhook_signature_and_idempotency(session: Session) -> None:
    c = f.customer(session)
    inv = _issued(session, c, "INV-2026-900777", 10000)
    body = _event("evt_1", "INV-2026-900777")
    with pytest.raises(webhook.WebhookNotConfigured):
        webhook.handle(session, "", body, webhook.sign("s", body))
    for signature in (None, "", "sha256=00", webhook.sign("other", body), webhook.sign("s", body + b" ")):
        with pytest.raises(NotAuthenticated):
            webhook.handle(session, "s", body, signature)
    assert webhook.handle(session, "s", body, webhook.sign("s", body)) == "paid"
    assert webhook.handle(session, "s", body, webhook.sign("s", body)) == "duplicate"
    assert allocation.open_amount(session, inv) == 6000
    unknown = _event("evt_2", "INV-2026-000000")
    assert webhook.handle(session, "s", unknown, webhook.sign("s", unknown)) == "unmatched"
    assert session.execute(select(func.count()).select_from(WebhookEvent)).scalar_one() >= 2


def test_webhook_endpoint(client: TestClient, session: Session, settings: Settings) -> None:
    body = _event("evt_http_1", "INV-2026-000000")
    client.app.state.settings = settings.model_copy(update={"billing_webhook_secret": "hook"})  # type: ignore[attr-defined]
    bad = client.post("/webhooks/payments", content=body, headers={webhook.SIGNATURE_HEADER: "sha256=bad"})
    assert bad.status_code == 401
    good = client.post(
        "/webhooks/payments", content=body, headers={webhook.SIGNATURE_HEADER: webhook.sign("hook", body)}
    )
    assert (good.status_code, good.json()) == (200, {"status": "unmatched"})
    again = client.post(
        "/webhooks/payments", content=body, headers={webhook.SIGNATURE_HEADER: webhook.sign("hook", body)}
    )
    assert again.json() == {"status": "duplicate"}
