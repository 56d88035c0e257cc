"""Console page: Partner Center tasks to carry out by hand (manual mode), confirmed with a click."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.connector import repository, service
from cspdesk.connector.client import is_manual_mode
from cspdesk.kit.pagination import paginate
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console, get_settings
from cspdesk.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(verify_csrf)])
Suspend = Annotated[Principal, Depends(console(Permission.SUBSCRIPTIONS_SUSPEND))]


@router.get("/partner-center/tasks", response_class=HTMLResponse)
def tasks_page(
    request: Request, session: DbSession, principal: Suspend, status: str = "open", page: int = 1
) -> Response:
    result = paginate(session, repository.readable_tasks(principal, status), page, 50)
    context = {"page": result, "status": status, "manual_mode": is_manual_mode(get_settings(request))}
    return render(request, "jobs/manual_tasks.html", context)


@router.post("/partner-center/tasks/{task_id}/confirm")
async def task_confirm(request: Request, task_id: uuid.UUID, session: DbSession, principal: Suspend) -> Response:
    form = await request.form()
    service.confirm_task(session, principal, task_id, str(form.get("note") or ""))
    return RedirectResponse("/console/partner-center/tasks", status_code=303)
