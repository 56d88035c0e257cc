"""API: Partner Center tasks for staff in manual mode."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.connector import repository, service
from cspdesk.connector.schemas import ConfirmIn, ManualTaskOut
from cspdesk.web.deps import DbSession, api
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["partner-center"], responses=API_ERRORS)
Suspend = Annotated[Principal, Depends(api(Permission.SUBSCRIPTIONS_SUSPEND))]


@router.get(
    "/partner-center/tasks", response_model=list[ManualTaskOut], summary="Tasks to do by hand in Partner Center"
)
def list_tasks(
    session: DbSession, principal: Suspend, status: str = "open", limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> list[ManualTaskOut]:
    stmt = repository.readable_tasks(principal, status).limit(limit)
    return [ManualTaskOut.model_validate(t) for t in session.execute(stmt).unique().scalars()]


@router.post("/partner-center/tasks/{task_id}/confirm", response_model=ManualTaskOut, responses=WRITE_ERRORS)
def confirm_task(task_id: uuid.UUID, data: ConfirmIn, session: DbSession, principal: Suspend) -> ManualTaskOut:
    """Staff did it in Partner Center: close the task and record the subscription's new status."""
    return ManualTaskOut.model_validate(service.confirm_task(session, principal, task_id, data.note))
