"""Console page: browse the audit log."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from cspdesk.audit.repository import readable_entries
from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.pagination import paginate
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(Permission.AUDIT_READ))],
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    page: int = 1,
) -> Response:
    stmt = readable_entries(principal, object_type=object_type, object_id=object_id, actor=actor, action=action)
    result = paginate(session, stmt, page, 50)
    rows = [
        (e, json.loads(e.before) if e.before else None, json.loads(e.after) if e.after else None) for e in result.items
    ]
    filters = {"object_type": object_type, "object_id": object_id, "actor": actor, "action": action}
    return render(request, "console/audit.html", {"page": result, "rows": rows, "filters": filters})
