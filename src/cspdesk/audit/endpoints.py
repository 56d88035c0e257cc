"""API: the audit log."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from cspdesk.audit.repository import readable_entries
from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.pagination import paginate
from cspdesk.models.audit import AuditEntry
from cspdesk.web.deps import DbSession, api
from cspdesk.web.errors import API_ERRORS

router = APIRouter(prefix="/api", tags=["audit"], responses=API_ERRORS)


class AuditOut(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditOut:
        return cls(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            before=json.loads(entry.before) if entry.before else None,
            after=json.loads(entry.after) if entry.after else None,
            note=entry.note,
        )


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    page: int
    size: int


@router.get("/audit", response_model=AuditPage, summary="Browse the audit log")
def list_audit(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(Permission.AUDIT_READ))],
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    stmt = readable_entries(principal, object_type=object_type, object_id=object_id, actor=actor, action=action)
    result = paginate(session, stmt, page, size)
    return AuditPage(
        items=[AuditOut.of(e) for e in result.items], total=result.total, page=result.page, size=result.size
    )
