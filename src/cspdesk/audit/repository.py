"""Browsing the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.models.audit import AuditEntry


def readable_entries(
    principal: Principal, *, object_type: str = "", object_id: str = "", actor: str = "", action: str = ""
) -> Select[Any]:
    principal.require(Permission.AUDIT_READ)
    stmt = select(AuditEntry)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if actor:
        stmt = stmt.where(AuditEntry.actor_label.like(f"%{actor}%"))
    if action:
        stmt = stmt.where(AuditEntry.action.like(f"{action}%"))
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id)
