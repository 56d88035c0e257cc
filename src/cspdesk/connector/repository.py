"""Queries for manual Partner Center tasks; only staff see them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound
from cspdesk.models.jobs_manual_task import ManualTask


def readable_tasks(principal: Principal, status: str = "") -> Select[Any]:
    stmt = select(ManualTask).order_by(ManualTask.created_at.desc(), ManualTask.id)
    if not principal.is_staff:
        return stmt.where(ManualTask.id.is_(None))
    if status:
        stmt = stmt.where(ManualTask.status == status)
    return stmt


def access_task(session: Session, principal: Principal, task_id: uuid.UUID) -> ManualTask:
    task = session.get(ManualTask, task_id)
    if task is None or not principal.is_staff:
        raise NotFound("task not found")
    return task


def task_for_message(session: Session, message_id: uuid.UUID) -> ManualTask | None:
    return session.execute(select(ManualTask).where(ManualTask.outbox_message_id == message_id)).scalar_one_or_none()


def open_tasks_for(session: Session, subscription_id: uuid.UUID, entitlement_id: str = "") -> list[ManualTask]:
    stmt = select(ManualTask).where(
        ManualTask.subscription_id == subscription_id,
        ManualTask.entitlement_id == entitlement_id,
        ManualTask.status == "open",
    )
    return list(session.execute(stmt).unique().scalars())
