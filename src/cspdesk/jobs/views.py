"""Console page: the outbox, with failed actions, their errors and a "retry now" button."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.jobs import repository, service
from cspdesk.jobs.outbox import payload_of
from cspdesk.kit.pagination import paginate
from cspdesk.models.outbox import OUTBOX_STATUSES
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(verify_csrf)])
Manage = Annotated[Principal, Depends(console(Permission.OUTBOX_MANAGE))]


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(
    request: Request,
    session: DbSession,
    principal: Manage,
    status: str = "",
    kind: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    result = paginate(session, repository.readable_messages(principal, status=status, kind=kind, q=q), page, 50)
    context = {
        "page": result,
        "payloads": {m.id: payload_of(m) for m in result.items},
        "filters": {"status": status, "kind": kind, "q": q},
        "statuses": OUTBOX_STATUSES,
        "kinds": repository.kinds(session),
        "counts": repository.status_counts(session),
    }
    return render(request, "jobs/outbox.html", context)


@router.post("/outbox/{message_id}/retry")
def outbox_retry(message_id: uuid.UUID, session: DbSession, principal: Manage) -> Response:
    service.retry_message(session, principal, message_id)
    return RedirectResponse("/console/outbox?status=pending", status_code=303)
