"""Console pages to set up support: plans, the support profile, Microsoft packages, canned replies; the SLA report."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import AppError, ValidationFailed
from cspdesk.models.support_plans import CannedReply
from cspdesk.support import plans, report
from cspdesk.support.pages import router
from cspdesk.support.schemas import PackageIn, PlanIn, ProfileIn
from cspdesk.support.sla import WEEKDAY_NAMES
from cspdesk.web import forms
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

P = Permission


def _settings_page(request: Request, session: DbSession, error: str = "") -> Response:
    from sqlalchemy import select

    ctx = {
        "plans": plans.all_plans(session),
        "profile": plans.profile(session),
        "packages": plans.packages(session),
        "canned": list(session.execute(select(CannedReply).order_by(CannedReply.title)).scalars()),
        "weekdays": WEEKDAY_NAMES,
        "today": clock.today(),
        "form_error": error,
    }
    return render(request, "support/settings.html", ctx, status_code=422 if error else 200)


@router.get("/console/support", response_class=HTMLResponse)
def settings_page(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.TICKETS_READ))]
) -> Response:
    return _settings_page(request, session)


def plan_from_form(form: FormData) -> dict[str, Any]:
    """Form fields to a PlanIn payload: hours per weekday as "09:00-17:00, 18:00-20:00", holidays one per line."""
    text = forms.text_fields(form, ["name", "description", "time_zone", "holidays", "price", "currency"])
    weekly = {
        day: [part.strip() for part in str(form.get(f"hours_{day}") or "").split(",") if part.strip()]
        for day in WEEKDAY_NAMES
    }
    targets = {
        sev: {"first_response": form.get(f"fr_{sev}") or "0", "resolution": form.get(f"res_{sev}") or "0"}
        for sev in ("A", "B", "C")
    }
    price = text.get("price", "0") or "0"
    return {
        "name": text.get("name", ""),
        "description": text.get("description", ""),
        "channels": [str(c) for c in form.getlist("channels")],
        "calendar": {
            "time_zone": text.get("time_zone", "UTC"),
            "weekly_hours": weekly,
            "holidays": [h.strip() for h in text.get("holidays", "").splitlines() if h.strip()],
        },
        "targets": targets,
        "monthly_price_minor": int(price) if price.isdigit() else -1,
        "currency": text.get("currency", "EUR"),
        "is_default": form.get("is_default") == "on",
    }


@router.post("/console/support/plans", response_class=HTMLResponse)
async def save_plan(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.SUPPORT_PLANS_WRITE))]
) -> Response:
    form = await request.form()
    data, errors = forms.validate(PlanIn, plan_from_form(form))
    plan_id = str(form.get("plan_id") or "")
    try:
        if data is None:
            raise ValidationFailed("; ".join(f"{k}: {v}" for k, v in errors.items()))
        plans.save_plan(session, principal, data, uuid.UUID(plan_id) if plan_id else None)
    except (AppError, ValueError) as exc:
        return _settings_page(request, session, getattr(exc, "message", str(exc)))
    return RedirectResponse("/console/support", status_code=303)


@router.post("/console/support/profile", response_class=HTMLResponse)
async def save_profile(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.SUPPORT_PLANS_WRITE))]
) -> Response:
    form = await request.form()
    values: dict[str, Any] = forms.text_fields(form, ["email", "phone", "website", "hours_text"])
    values["indirect_reseller"] = form.get("indirect_reseller") == "on"
    data, errors = forms.validate(ProfileIn, values)
    if data is None:
        return _settings_page(request, session, "; ".join(f"{k}: {v}" for k, v in errors.items()))
    plans.save_profile(session, principal, data)
    return RedirectResponse("/console/support", status_code=303)


@router.post("/console/support/packages", response_class=HTMLResponse)
async def add_package(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.SUPPORT_PLANS_WRITE))]
) -> Response:
    values = forms.text_fields(await request.form(), ["package_type", "valid_from", "valid_to", "reference"])
    data, errors = forms.validate(PackageIn, forms.blank_to_none(values, ["valid_to"]))
    if data is None:
        return _settings_page(request, session, "; ".join(f"{k}: {v}" for k, v in errors.items()))
    plans.add_package(session, principal, data)
    return RedirectResponse("/console/support", status_code=303)


@router.post("/console/support/canned", response_class=HTMLResponse)
async def add_canned(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.TICKETS_WORK))]
) -> Response:
    values = forms.text_fields(await request.form(), ["title", "body"])
    title, body = values.get("title", ""), values.get("body", "")
    if not title or not body or len(title) > 120:
        return _settings_page(request, session, "a canned reply needs a title (up to 120 characters) and a text")
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
