"""Audit trail: every state change records who did what to which object, before and after."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from cspdesk.kit import clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cspdesk.auth.principal import Principal


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """A JSON-ready copy of the named attributes of an object, for before/after."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    """Add an audit row to the current unit of work (committed with the change itself)."""
    from cspdesk.models.audit import AuditEntry

    session.add(
        AuditEntry(
            at=clock.now(),
            actor_id=actor.user_id if actor else None,
            actor_label=actor.label if actor else "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=json.dumps(_jsonable(before), sort_keys=True) if before is not None else None,
            after=json.dumps(_jsonable(after), sort_keys=True) if after is not None else None,
            note=note,
        )
    )


def record_many(
    session: Session,
    actor: Principal | None,
    action: str,
    object_type: str,
    changes: list[tuple[uuid.UUID | str, dict[str, Any]]],
    *,
    note: str | None = None,
) -> None:
    """Audit rows for many objects created at once (object id, after), as one bulk insert."""
    from sqlalchemy import Table, insert

    from cspdesk.models.audit import AuditEntry
    from cspdesk.models.base import new_id

    at = clock.now()
    rows = [
        {
            "id": new_id(),
            "at": at,
            "actor_id": actor.user_id if actor else None,
            "actor_label": actor.label if actor else "system",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "before": None,
            "after": json.dumps(_jsonable(after), sort_keys=True),
            "note": note,
        }
        for object_id, after in changes
    ]
    for start in range(0, len(rows), 5_000):
        session.execute(insert(cast(Table, AuditEntry.__table__)), rows[start : start + 5_000])


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, so audit rows stay readable."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
