"""Console pages to set up support: the support profile, canned replies, a customer's plan; the SLA report.
Plans and Microsoft packages are in views_plans.py (registered by importing it here)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit, clock
from cspdesk.models.support_plans import CannedReply
from cspdesk.support import plans, report
from cspdesk.support.pages import router
from cspdesk.support.schemas import ProfileIn
from cspdesk.support.views_plans import settings_page
from cspdesk.web import forms
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

P = Permission


@router.post("/console/support/profile", response_class=HTMLResponse)
async def save_profile(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.SUPPORT_PLANS_WRITE))]
) -> Response:
    form = await request.form()
    values: dict[str, Any] = forms.text_fields(form, ["email", "phone", "website", "hours_text"])
    values["indirect_reseller"] = form.get("indirect_reseller") == "on"
    data, errors = forms.validate(ProfileIn, values)
    if data is None:
        return settings_page(request, session, form="profile", values=values, errors=errors)
    plans.save_profile(session, principal, data)
    return RedirectResponse("/console/support", status_code=303)


@router.post("/console/support/canned", response_class=HTMLResponse)
async def add_canned(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.TICKETS_WORK))]
) -> Response:
    values = forms.text_fields(await request.form(), ["title", "body"])
    title, body = values.get("title", ""), values.get("body", "")
    if not title or not body or len(title) > 120:
        message = "a canned reply needs a title (up to 120 characters) and a text"
        return settings_page(request, session, form="canned", values=values, errors={"title": message})
    reply = CannedReply(title=title, body=body)
    session.add(reply)
    session.flush()
    audit.record(session, principal, "canned_reply.create", "canned_reply", reply.id, after={"title": title})
    return RedirectResponse("/console/support", status_code=303)


@router.post("/console/support/customers/{customer_id}/plan", response_class=HTMLResponse)
async def assign_plan(
    request: Request,
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUPPORT_PLANS_WRITE))],
) -> Response:
    raw = str((await request.form()).get("plan_id") or "")
    try:
        plan_id = uuid.UUID(raw) if raw else None
    except ValueError:
        plan_id = None
    plans.assign_plan(session, principal, customer_id, plan_id)
    return RedirectResponse(f"/console/tickets?customer={customer_id}", status_code=303)


@router.get("/console/support/report", response_class=HTMLResponse)
def sla_report(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.TICKETS_READ))],
    month: str = "",
) -> Response:
    try:
        chosen = date.fromisoformat(f"{month}-01") if month else clock.today().replace(day=1)
    except ValueError:
        chosen = clock.today().replace(day=1)
    plan_rows, agent_rows = report.by_plan(session, chosen), report.by_agent(session, chosen)
    ctx = {
        "month": chosen,
        "plan_rows": plan_rows,
        "agent_rows": agent_rows,
        "plan_chart": Markup(report.bar_chart(plan_rows, "Within SLA by plan")),  # noqa: S704 - labels escaped
        "agent_chart": Markup(report.bar_chart(agent_rows, "Within SLA by agent")),  # noqa: S704
    }
    return render(request, "support/report.html", ctx)
