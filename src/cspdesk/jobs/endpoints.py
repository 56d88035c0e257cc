"""API: the outbox (list, read, retry)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.jobs import repository, service
from cspdesk.jobs.schemas import OutboxMessageOut, OutboxPage
from cspdesk.kit.pagination import paginate
from cspdesk.web.deps import DbSession, api
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["outbox"], responses=API_ERRORS)
Manage = Annotated[Principal, Depends(api(Permission.OUTBOX_MANAGE))]


@router.get("/outbox", response_model=OutboxPage, summary="List outbox messages, newest first")
def list_messages(
    session: DbSession,
    principal: Manage,
    status: str = "",
    kind: str = "",
    q: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OutboxPage:
    result = paginate(session, repository.readable_messages(principal, status=status, kind=kind, q=q), page, size)
    return OutboxPage(
        items=[OutboxMessageOut.model_validate(m) for m in result.items],
        total=result.total,
        page=result.page,
        size=result.size,
        counts=repository.status_counts(session),
    )


@router.get("/outbox/{message_id}", response_model=OutboxMessageOut)
def get_message(message_id: uuid.UUID, session: DbSession, principal: Manage) -> OutboxMessageOut:
    return OutboxMessageOut.model_validate(repository.access_message(session, principal, message_id))


@router.post("/outbox/{message_id}/retry", response_model=OutboxMessageOut, responses=WRITE_ERRORS)
def retry_message(message_id: uuid.UUID, session: DbSession, principal: Manage) -> OutboxMessageOut:
    """Run a failed message again now, with the same idempotency key."""
    return OutboxMessageOut.model_validate(service.retry_message(session, principal, message_id))
