"""Payment provider webhook: HMAC-SHA256 signature over the raw body, idempotent by event id.

Header `X-Cspdesk-Signature: sha256=<hex>`; body JSON {"id", "type": "payment.succeeded",
"data": {"invoice_number", "amount" (decimal text), "currency", "reference"}}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import payments
from cspdesk.kit import clock
from cspdesk.kit.errors import AppError, NotAuthenticated, ValidationFailed, field_error
from cspdesk.kit.money import Money
from cspdesk.models.billing import Invoice
from cspdesk.models.billing_payments import BankStatementLine, WebhookEvent

SIGNATURE_HEADER = "X-Cspdesk-Signature"


class WebhookNotConfigured(AppError):
    status_code = 503
    code = "webhook_not_configured"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> None:
    """Constant-time comparison; no secret configured means no webhook at all."""
    if not secret:
        raise WebhookNotConfigured("the payment webhook is not configured")
    if not signature or not hmac.compare_digest(sign(secret, body), signature.strip()):
        raise NotAuthenticated("bad webhook signature")


def _parse(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("body is not JSON", details=[field_error("body", "not JSON")]) from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        raise ValidationFailed("event id missing", details=[field_error("id", "required")])
    return event


def handle(session: Session, secret: str, body: bytes, signature: str | None) -> str:
    """Verify, then record the event once; a redelivered event id returns 'duplicate' and changes nothing."""
    verify(secret, body, signature)
    event = _parse(body)
    known = session.execute(select(WebhookEvent).where(WebhookEvent.event_id == event["id"])).scalar_one_or_none()
    if known is not None:
        return "duplicate"
    row = WebhookEvent(
        event_id=event["id"],
        event_type=str(event.get("type", "")),
        payload_json=body.decode(),
        received_at=clock.now(),
    )
    session.add(row)
    row.result = _apply(session, row, event) if row.event_type == "payment.succeeded" else "ignored"
    session.flush()
    return row.result


def _apply(session: Session, row: WebhookEvent, event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    try:
        amount = Money.parse(str(data.get("amount", "")), str(data.get("currency", "")))
    except ValueError as exc:
        raise ValidationFailed(f"bad amount: {exc}", details=[field_error("data.amount", str(exc))]) from exc
    number = str(data.get("invoice_number", ""))
    invoice = session.execute(
        select(Invoice).where(Invoice.number == number, Invoice.status == "issued")
    ).scalar_one_or_none()
    if invoice is None or invoice.currency != amount.currency:
        _queue(session, row, amount, f"{number} {data.get('reference', '')}".strip())
        return "unmatched"
    payment = payments.record_payment(
        session,
        SYSTEM,
        invoice.customer_id,
        amount.minor,
        amount.currency,
        clock.today(),
        reference=str(data.get("reference", number)),
        invoice_id=invoice.id,
        method="webhook",
        external_id=f"webhook:{row.event_id}",
    )
    row.payment_id = payment.id
    return "paid"


def _queue(session: Session, row: WebhookEvent, amount: Money, reference: str) -> None:
    session.add(
        BankStatementLine(
            line_key=hashlib.sha256(f"webhook|{row.event_id}".encode()).hexdigest(),
            file_name="webhook",
            line_no=0,
            booking_date=clock.today(),
            amount_minor=amount.minor,
            currency=amount.currency,
            reference=reference,
            counterparty="payment provider",
            imported_at=clock.now(),
        )
    )
