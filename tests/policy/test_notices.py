"""What a dunning notice says: the invoice, the amount, the step in words and the next step with its day."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.models.billing import Invoice
from cspdesk.models.outbox import OutboxMessage
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from cspdesk.policy.engine import run_dunning
from tests.policy import factories as f

ISSUE = date(2026, 1, 1)
DUE = ISSUE + timedelta(days=30)  # 2026-01-31


def _notice(session: Session, invoice: Invoice, step_key: str) -> dict[str, object]:
    stmt = select(OutboxMessage).where(
        OutboxMessage.kind == "email.send", OutboxMessage.idempotency_key.like(f"%:{invoice.id}:{step_key}:%")
    )
    payload: dict[str, object] = json.loads(session.execute(stmt).scalar_one().payload_json)
    return payload


def _run(session: Session, day: date, owner_id: uuid.UUID) -> None:
    with f.on(day):
        run_dunning(session, day, customer_ids=[owner_id])


def test_an_english_reminder_names_invoice_amount_step_and_next_step(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session, language="en")
    inv = f.invoice(session, owner, ISSUE, 123_456, number="INV-2026-000101")
    _run(session, DUE + timedelta(days=1), owner.id)
    notice = _notice(session, inv, "1:reminder")
    assert notice["subject"] == "Payment reminder: invoice INV-2026-000101"
    text = str(notice["text"])
    facts = text[text.index("Invoice: ") : text.index("\n\n", text.index("Invoice: "))]
    assert facts.splitlines() == [
        "Invoice: INV-2026-000101",
        "Amount due: €1,234.56",
        "Due date: 2026-01-31",
        "Policy step: payment reminder",
        "Next step: late fee on February 7, 2026",
    ]
    html = str(notice["html"])
    assert '<td style="padding: 4px 0;">payment reminder</td>' in html
    assert '<td style="padding: 4px 0;">late fee on February 7, 2026</td>' in html
    assert '<td style="padding: 4px 0;">€1,234.56</td>' in html


def test_a_russian_suspension_warning_names_invoice_amount_step_and_next_step(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session, language="ru")
    inv = f.invoice(session, owner, ISSUE, 123_456, number="INV-2026-000102")
    for offset in (1, 7, 12):
        _run(session, DUE + timedelta(days=offset), owner.id)
    notice = _notice(session, inv, "12:suspension_warning")
    assert notice["subject"] == "Сервисы будут приостановлены: счёт INV-2026-000102"
    text = str(notice["text"])
    facts = text[text.index("Счёт: ") : text.index("\n\n", text.index("Счёт: "))]
    assert facts.splitlines() == [
        "Счёт: INV-2026-000102",
        "К оплате: 1\xa0234,56\xa0€",
        "Срок оплаты: 2026-01-31",
        "Шаг политики: предупреждение о приостановке",
        "Следующий шаг: приостановка сервисов: 14 февраля 2026\u202fг.",
    ]
    html = str(notice["html"])
    assert '<td style="padding: 4px 0;">предупреждение о приостановке</td>' in html
    assert '<td style="padding: 4px 0;">приостановка сервисов: 14 февраля 2026\u202fг.</td>' in html


def test_an_english_late_fee_notice_names_the_fee_step_and_the_warning_next(session: Session) -> None:
    yaml_text = DEFAULT_POLICY_YAML.replace("once: true}", "once: true, template: late_fee}")
    f.publish(session, ISSUE, yaml_text)
    owner = f.customer(session, language="en")
    inv = f.invoice(session, owner, ISSUE, 50_000, number="INV-2026-000103")
    for offset in (1, 7):
        _run(session, DUE + timedelta(days=offset), owner.id)
    notice = _notice(session, inv, "7:late_fee")
    assert notice["subject"] == "Late fee added: invoice INV-2026-000103"
    text = str(notice["text"])
    facts = text[text.index("Invoice: ") : text.index("\n\n", text.index("Invoice: "))]
    assert facts.splitlines() == [
        "Invoice: INV-2026-000103",
        "Amount due: €500.00",
        "Due date: 2026-01-31",
        "Policy step: late fee",
        "Next step: suspension warning on February 12, 2026",
    ]
