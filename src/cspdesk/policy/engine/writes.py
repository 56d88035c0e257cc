"""Where the engine's decisions go: straight into the session, or collected and inserted in bulk per batch.

Most customers on a given day only get a reminder or a warning (an action row and an email). Their rows are
collected and inserted with one statement per table, relying on the unique keys (action: invoice, step, policy
version; email: the outbox idempotency key) with ON CONFLICT DO NOTHING, so each still happens exactly once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from sqlalchemy import Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cspdesk.jobs.email import EMAIL_KIND, RenderedEmail, enqueue_email
from cspdesk.jobs.outbox import PRIORITY_DEFAULT
from cspdesk.kit import clock
from cspdesk.models.base import new_id
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.policy import DunningAction
from cspdesk.policy.engine.snapshot import chunked


class Writer(Protocol):
    def add_action(self, row: DunningAction) -> None: ...

    def email(self, key: str, rendered: RenderedEmail, invoice_id: uuid.UUID) -> uuid.UUID: ...


@dataclass
class SessionWriter:
    """Rows go into the session at once (flushed with the customer's savepoint)."""

    session: Session

    def add_action(self, row: DunningAction) -> None:
        self.session.add(row)

    def email(self, key: str, rendered: RenderedEmail, invoice_id: uuid.UUID) -> uuid.UUID:
        enqueued = enqueue_email(
            self.session, key, rendered=rendered, subject_type="invoice", subject_id=str(invoice_id)
        )
        return enqueued.message.id


def _action_values(row: DunningAction) -> dict[str, Any]:
    return {
        "id": new_id(),
        "customer_id": row.customer_id,
        "invoice_id": row.invoice_id,
        "step_key": row.step_key,
        "policy_version_id": row.policy_version_id,
        "action": row.action,
        "action_date": row.action_date,
        "details_json": row.details_json,
        "outbox_message_id": row.outbox_message_id,
        "created_at": row.created_at,
    }


def outbox_values(
    kind: str, key: str, payload: dict[str, Any], *, subject_type: str, subject_id: str, priority: int
) -> dict[str, Any]:
    """The row `jobs.outbox.enqueue` would write (default attempts), for inserting many at once."""
    now = clock.now()
    return {
        "id": new_id(),
        "kind": kind,
        "idempotency_key": key,
        "payload_json": json.dumps(payload, sort_keys=True, default=str),
        "priority": priority,
        "status": "pending",
        "next_attempt_at": now,
        "created_at": now,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "result": "",
    }


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert outbox rows made by `outbox_values`; a key already used adds nothing (as `enqueue`). Returns the
    keys inserted."""
    inserted: set[str] = set()
    if rows:
        table = cast(Table, OutboxMessage.__table__)
        stmt = _insert(session, table).returning(table.c.idempotency_key)
        inserted.update(session.execute(stmt, rows).scalars())
    return inserted


def _insert(session: Session, table: Table) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


@dataclass
class BulkWriter:
    """Collects action rows and emails; `flush` inserts them and tells which actions another run already took."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)

    def add_action(self, row: DunningAction) -> None:
        self.actions.append(_action_values(row))

    def email(self, key: str, rendered: RenderedEmail, invoice_id: uuid.UUID) -> uuid.UUID:
        values = outbox_values(
            EMAIL_KIND,
            key,
            rendered.as_payload(),
            subject_type="invoice",
            subject_id=str(invoice_id),
            priority=PRIORITY_DEFAULT,
        )
        self.emails.append(values)
        message_id: uuid.UUID = values["id"]
        return message_id

    def extend(self, other: BulkWriter) -> None:
        self.actions.extend(other.actions)
        self.emails.extend(other.emails)

    def flush(self, session: Session) -> set[uuid.UUID]:
        """Insert everything collected; returns the customers of which some action row already existed."""
        session.flush()
        self._insert_emails(session)
        return self._insert_actions(session)

    def _insert_emails(self, session: Session) -> None:
        """A key already spent keeps its message (as `enqueue` does): the action row points to that one."""
        if not self.emails:
            return
        inserted = enqueue_many(session, self.emails)
        spent = [values["idempotency_key"] for values in self.emails if values["idempotency_key"] not in inserted]
        if not spent:
            return
        existing: dict[str, uuid.UUID] = {}
        for part in chunked(spent):
            keyed = select(OutboxMessage.idempotency_key, OutboxMessage.id).where(
                OutboxMessage.idempotency_key.in_(part)
            )
            existing.update(dict(session.execute(keyed).all()))
        replaced = {v["id"]: existing[v["idempotency_key"]] for v in self.emails if v["idempotency_key"] in existing}
        for values in self.actions:
            values["outbox_message_id"] = replaced.get(values["outbox_message_id"], values["outbox_message_id"])

    def _insert_actions(self, session: Session) -> set[uuid.UUID]:
        """Returns only a short text per inserted row; which rows were left out is asked only when some were."""
        if not self.actions:
            return set()
        table = cast(Table, DunningAction.__table__)
        stmt = _insert(session, table).returning(table.c.action)
        inserted = len(session.execute(stmt, self.actions).all())
        if inserted == len(self.actions):
            return set()
        ours: set[uuid.UUID] = set()
        for part in chunked([values["id"] for values in self.actions]):
            ours.update(session.execute(select(DunningAction.id).where(DunningAction.id.in_(part))).scalars())
        return {values["customer_id"] for values in self.actions if values["id"] not in ours}
