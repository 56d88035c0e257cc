"""Issue, PDF, email, credit notes, re-issue, payments and allocation, on hand-computed invoices."""

from __future__ import annotations

import email.policy
import io
import smtplib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import allocation, credit_notes, invoices, payments
from cspdesk.billing.tasks import send_invoice_email
from cspdesk.config import Settings
from cspdesk.kit import clock
from cspdesk.kit.errors import Conflict, ValidationFailed
from cspdesk.kit.storage import LocalStorage
from cspdesk.models.billing import Invoice, TaxRule
from cspdesk.models.outbox import OutboxMessage
from tests.billing import factories as f
from tests.billing.helpers import draft_of, run

ISSUE_DAY = datetime(2026, 11, 3, 9, tzinfo=UTC)


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def _issued(session: Session, settings: Settings, storage: LocalStorage, language: str = "en") -> Invoice:
    c = f.customer(session, name="Issued Co", language=language, payment_terms_days=14)
    b = f.batch(session)
    f.cost_line(session, c, b)
    f.cost_line(session, c, b, sku_id="SKU2", product_name="Visio Plan 2", subtotal_minor=1550)
    session.add(TaxRule(country="DE", rate_percent=Decimal(19), name="USt", valid_from=date(2020, 1, 1)))
    session.flush()
    run(session, settings)
    with clock.frozen_at(ISSUE_DAY):
        return invoices.issue_invoice(session, SYSTEM, draft_of(session, c.id).id, storage, settings)


def _pdf_text(storage: LocalStorage, key: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(storage.read_bytes(key))).pages)


def test_issue_numbers_freezes_and_queues_email(session: Session, settings: Settings, storage: LocalStorage) -> None:
    invoice = _issued(session, settings, storage)
    assert invoice.number is not None and invoice.number.startswith("INV-2026-")
    assert (invoice.issue_date, invoice.due_date, invoice.payment_terms_days) == (
        date(2026, 11, 3),
        date(2026, 11, 17),
        14,
    )
    # 324.00 + 15.50 = 339.50; tax 61.56 + 2.95 = 64.51
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (33950, 6451, 40401)
    again = invoices.issue_invoice(session, SYSTEM, invoice.id, storage, settings)
    assert again.number == invoice.number
    emails = session.execute(select(OutboxMessage).where(OutboxMessage.subject_id == str(invoice.id))).scalars().all()
    assert [m.kind for m in emails] == ["email.invoice"]
    with pytest.raises(Conflict):
        invoices.add_line(session, SYSTEM, invoice.id, "Extra", Decimal(1), Decimal(5), settings)


def test_pdf_text_in_english_and_russian(session: Session, settings: Settings, storage: LocalStorage) -> None:
    en = _issued(session, settings, storage)
    text = _pdf_text(storage, str(en.pdf_key))
    assert f"Invoice {en.number}" in text
    assert "Microsoft 365 E3" in text and "€404.01" in text and "Due date" in text
    ru_customer = f.customer(session, name="Рога и копыта", language="ru")
    f.cost_line(session, ru_customer, f.batch(session))
    run(session, settings)
    with clock.frozen_at(ISSUE_DAY):
        ru = invoices.issue_invoice(session, SYSTEM, draft_of(session, ru_customer.id).id, storage, settings)
    ru_text = _pdf_text(storage, str(ru.pdf_key))
    assert f"Счёт {ru.number}" in ru_text
    assert "Рога и копыта" in ru_text and "Срок оплаты" in ru_text and "385,56" in ru_text


def test_full_credit_note_negates_and_reissue(session: Session, settings: Settings, storage: LocalStorage) -> None:
    invoice = _issued(session, settings, storage)
    note = credit_notes.create_credit_note(session, SYSTEM, invoice.id, settings)
    assert (note.subtotal_minor, note.tax_minor, note.total_minor) == (-33950, -6451, -40401)
    with clock.frozen_at(ISSUE_DAY):
        note = invoices.issue_invoice(session, SYSTEM, note.id, storage, settings)
    assert note.number is not None and note.number.startswith("CN-2026-")
    assert note.credited_invoice_id == invoice.id
    with pytest.raises(ValidationFailed):
        credit_notes.create_credit_note(session, SYSTEM, invoice.id, settings)
    again = credit_notes.reissue(session, SYSTEM, invoice.id, settings)
    assert (again.status, again.number, again.total_minor, again.reissue_of_id) == ("draft", None, 40401, invoice.id)


def test_partial_credit_note(session: Session, settings: Settings, storage: LocalStorage) -> None:
    invoice = _issued(session, settings, storage)
    visio = next(x for x in invoice.lines if x.sku_id == "SKU2")
    note = credit_notes.create_credit_note(session, SYSTEM, invoice.id, settings, {visio.id: 1000})
    # -10.00, tax 19 % = -1.90
    assert (note.subtotal_minor, note.tax_minor, note.total_minor) == (-1000, -190, -1190)
    with pytest.raises(ValidationFailed):
        credit_notes.create_credit_note(session, SYSTEM, invoice.id, settings, {visio.id: 551})
    with pytest.raises(Conflict):
        credit_notes.reissue(session, SYSTEM, invoice.id, settings)


def test_payments_partial_overpayment_credit_and_refund(
    session: Session, settings: Settings, storage: LocalStorage
) -> None:
    invoice = _issued(session, settings, storage)
    cid = invoice.customer_id
    # Paid before the due date, as recorded on the day: the dunning engine, which runs on every payment, has
    # nothing to add (on the real date the invoice could be overdue and earn a late fee).
    with clock.frozen_at(datetime(2026, 11, 12, 9, tzinfo=UTC)):
        payments.record_payment(session, SYSTEM, cid, 10000, "EUR", date(2026, 11, 10))
        assert allocation.open_amount(session, invoice) == 30401
        payments.record_payment(session, SYSTEM, cid, 40000, "EUR", date(2026, 11, 12), invoice_id=invoice.id)
    assert allocation.open_amount(session, invoice) == 0
    assert allocation.available_credit(session, cid) == 9599
    with pytest.raises(ValidationFailed):
        payments.refund(session, SYSTEM, cid, 9600)
    payments.refund(session, SYSTEM, cid, 5000)
    assert allocation.available_credit(session, cid) == 4599
    with pytest.raises(ValidationFailed, match="currency mismatch"):
        payments.record_payment(session, SYSTEM, cid, 100, "USD", date(2026, 11, 12))


def test_credit_note_on_paid_invoice_releases_money_to_credit(
    session: Session, settings: Settings, storage: LocalStorage
) -> None:
    invoice = _issued(session, settings, storage)
    payments.record_payment(session, SYSTEM, invoice.customer_id, 40401, "EUR", date(2026, 11, 10))
    note = credit_notes.create_credit_note(session, SYSTEM, invoice.id, settings)
    with clock.frozen_at(ISSUE_DAY):
        invoices.issue_invoice(session, SYSTEM, note.id, storage, settings)
    assert allocation.open_amount(session, invoice) == 0
    assert allocation.available_credit(session, invoice.customer_id) == 40401


def test_payment_on_void_invoice_is_refused(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    f.cost_line(session, c, f.batch(session))
    run(session, settings)
    draft = invoices.void_draft(session, SYSTEM, draft_of(session, c.id).id)
    with pytest.raises(Conflict, match="void"):
        payments.record_payment(session, SYSTEM, c.id, 100, "EUR", date(2026, 11, 1), invoice_id=draft.id)
    assert run(session, settings).existing >= 1
    assert draft_of(session, c.id).status == "void"


def test_rerun_changes_nothing_and_partner_charges_land_once(session: Session, settings: Settings) -> None:
    from cspdesk.models.billing import OneOffCharge, RecurringCharge

    c = f.customer(session)
    session.add(
        RecurringCharge(
            customer_id=c.id,
            description="Support plan",
            unit_price_minor=9900,
            currency="EUR",
            quantity=Decimal(1),
            next_period="2026-09",
        )
    )
    session.add(
        OneOffCharge(
            customer_id=c.id, description="Migration", unit_price_minor=12500, currency="EUR", quantity=Decimal(2)
        )
    )
    session.flush()
    first = run(session, settings)
    invoice = draft_of(session, c.id)
    assert [(x.kind, x.amount_minor) for x in invoice.lines] == [("recurring", 9900), ("one_off", 25000)]
    second = run(session, settings)
    assert second.created == 0 and second.existing == first.created + first.existing
    nov = run(session, settings, "2026-11")
    assert nov.created >= 1
    assert [(x.kind, x.description) for x in draft_of(session, c.id, "2026-11").lines] == [
        ("recurring", "Support plan (2026-11)")
    ]


class _Collector:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append(bytes(getattr(envelope, "content", b"")))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Collector]]:
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


class _SmtpMailer:
    def __init__(self, port: int) -> None:
        self.port = port

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.port) as smtp:
            smtp.send_message(message)


def test_email_with_pdf_reaches_local_smtp(
    session: Session, settings: Settings, storage: LocalStorage, smtp_server: tuple[int, _Collector]
) -> None:
    invoice = _issued(session, settings, storage)
    port, collector = smtp_server
    send_invoice_email(session, {"invoice_id": str(invoice.id)}, _SmtpMailer(port), settings=settings, storage=storage)
    assert len(collector.messages) == 1
    received = message_from_bytes(collector.messages[0], policy=email.policy.default)
    assert received["Subject"] == f"Invoice {invoice.number} · Issued Co"
    attachments = [p for p in received.walk() if p.get_content_type() == "application/pdf"]
    assert [a.get_filename() for a in attachments] == [f"{invoice.number}.pdf"]
