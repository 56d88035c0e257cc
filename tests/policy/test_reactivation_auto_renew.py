"""Suspension turns auto-renew off in Partner Center; reactivation asks for it back (a task for staff)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.connector.service import AUTO_RENEW_KIND
from cspdesk.models.audit import AuditEntry
from cspdesk.models.outbox import OutboxMessage
from cspdesk.policy import suspensions
from tests.policy import factories as f


def _auto_renew_requests(session: Session, subscription_id: object) -> list[tuple[str, bool]]:
    stmt = select(OutboxMessage).where(
        OutboxMessage.kind == AUTO_RENEW_KIND, OutboxMessage.subject_id == str(subscription_id)
    )
    return [(m.idempotency_key, json.loads(m.payload_json)["enabled"]) for m in session.execute(stmt).scalars()]


def test_reactivation_asks_for_auto_renew_back_on_only_where_cspdesk_has_it_on(session: Session) -> None:
    owner = f.customer(session)
    renewing = f.subscription(session, owner, product_name="Renewing")
    ending = f.subscription(session, owner, product_name="Ending", auto_renew=False)
    with f.on(date(2026, 10, 20)):
        first = suspensions.suspend(session, renewing, source="policy", reason="overdue", actor=None)
        second = suspensions.suspend(session, ending, source="policy", reason="overdue", actor=None)
    with f.on(date(2026, 10, 25)):
        suspensions.reactivate(session, first, reason="paid", actor=None)
        suspensions.reactivate(session, second, reason="paid", actor=None)
    assert _auto_renew_requests(session, renewing.id) == [(f"suspension:{first.id}:auto_renew_on", True)]
    assert _auto_renew_requests(session, ending.id) == []
    audited = select(AuditEntry.action).where(AuditEntry.object_id == str(renewing.id))
    assert sorted(session.execute(audited).scalars()) == [
        "subscription.auto_renew_requested",
        "subscription.reactivate",
        "subscription.status_requested",
        "subscription.status_requested",
        "subscription.suspend",
    ]
