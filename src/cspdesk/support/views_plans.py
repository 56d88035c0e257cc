"""Console pages for support settings: the settings page, support plans and the partner's Microsoft packages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.kit.errors import AppError
from cspdesk.models.support_plans import CannedReply, SupportPlan
from cspdesk.support import plans
from cspdesk.support.pages import router
from cspdesk.support.schemas import PackageIn, PlanIn
from cspdesk.support.sla import WEEKDAY_NAMES
from cspdesk.web import forms
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

P = Permission
Reader = Annotated[Principal, Depends(console(P.TICKETS_READ))]
PlanWriter = Annotated[Principal, Depends(console(P.SUPPORT_PLANS_WRITE))]
SEVERITIES = ("A", "B", "C")
NEW_PLAN_VALUES: dict[str, Any] = {
    "time_zone": "Europe/Berlin",
    "channels": ["portal", "email", "phone"],
    **{f"hours_{day}": "09:00-17:00" for day in WEEKDAY_NAMES[:5]},
    **{f"fr_{sev}": fr for sev, fr in zip(SEVERITIES, ("60", "240", "480"), strict=True)},
    **{f"res_{sev}": res for sev, res in zip(SEVERITIES, ("480", "1440", "2880"), strict=True)},
    "price": "0",
    "currency": "EUR",
}
PACKAGE_INPUTS = ["package_type", "valid_from", "valid_to", "reference"]


def settings_page(
    request: Request, session: Session, *, form: str = "", values: Any = None, errors: Any = None
) -> Response:
    """The settings page; `form` names the form whose typed `values` and field `errors` are shown again."""
    ctx = {
        "plans": plans.all_plans(session),
        "profile": plans.profile(session),
        "packages": plans.packages(session),
        "canned": list(session.execute(select(CannedReply).order_by(CannedReply.title)).scalars()),
        "weekdays": WEEKDAY_NAMES,
        "today": clock.today(),
        "form": form,
        "values": values if values is not None else NEW_PLAN_VALUES,
        "errors": errors or {},
    }
    return render(request, "support/settings.html", ctx, status_code=422 if errors else 200)


@router.get("/console/support", response_class=HTMLResponse)
def settings(request: Request, session: DbSession, principal: Reader) -> Response:
    return settings_page(request, session)


def form_values(form: FormData) -> dict[str, Any]:
    """The plan form as typed, to show it again next to its errors."""
    names = ["name", "description", "time_zone", "holidays", "price", "currency"]
    names += [f"hours_{d}" for d in WEEKDAY_NAMES] + [f"{k}_{s}" for k in ("fr", "res") for s in SEVERITIES]
    values: dict[str, Any] = forms.text_fields(form, names)
    values["channels"] = [str(c) for c in form.getlist("channels")]
    values["is_default"] = form.get("is_default") == "on"
    return values


def plan_values(plan: SupportPlan) -> dict[str, Any]:
    """A stored plan as the plan form's values."""
    calendar, targets = plan.calendar, plan.targets
    return {
        "name": plan.name,
        "description": plan.description,
        "channels": list(plan.channels),
        "time_zone": calendar.get("time_zone", ""),
        **{f"hours_{d}": ", ".join(calendar.get("weekly_hours", {}).get(d, [])) for d in WEEKDAY_NAMES},
        "holidays": "\n".join(calendar.get("holidays", [])),
        **{f"fr_{s}": str(targets.get(s, {}).get("first_response", "")) for s in SEVERITIES},
        **{f"res_{s}": str(targets.get(s, {}).get("resolution", "")) for s in SEVERITIES},
        "price": str(plan.monthly_price_minor),
        "currency": plan.currency,
        "is_default": plan.is_default,
    }


def plan_payload(values: dict[str, Any]) -> dict[str, Any]:
    """Form values to a PlanIn payload: hours per weekday as "09:00-17:00, 18:00-20:00", holidays one per line."""
    price = str(values.get("price") or "0")
    return {
        "name": values.get("name", ""),
        "description": values.get("description", ""),
        "channels": values.get("channels", []),
        "calendar": {
            "time_zone": values.get("time_zone") or "UTC",
            "weekly_hours": {
                day: [part.strip() for part in str(values.get(f"hours_{day}") or "").split(",") if part.strip()]
                for day in WEEKDAY_NAMES
            },
            "holidays": [h.strip() for h in str(values.get("holidays") or "").splitlines() if h.strip()],
        },
        "targets": {
            sev: {"first_response": values.get(f"fr_{sev}") or "0", "resolution": values.get(f"res_{sev}") or "0"}
            for sev in SEVERITIES
        },
        "monthly_price_minor": int(price) if price.isdigit() else -1,
        "currency": values.get("currency") or "EUR",
        "is_default": bool(values.get("is_default")),
    }


def input_name(field: str) -> str:
    """The plan form input a PlanIn field error belongs next to (e.g. targets.A.resolution -> res_A)."""
    parts = field.split(".")
    if parts[0] == "calendar" and len(parts) > 1:
        if parts[1] == "weekly_hours":
            return f"hours_{parts[2]}" if len(parts) > 2 else "hours"
        return parts[1]
    if parts[0] == "targets" and len(parts) > 1:
        kind = parts[2] if len(parts) > 2 else "resolution"
        return f"{'fr' if kind == 'first_response' else 'res'}_{parts[1]}"
    return {"monthly_price_minor": "price"}.get(parts[0], parts[0])


def _input_errors(errors: dict[str, str]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for field, message in errors.items():
        shown.setdefault(input_name(field), message)
    return shown


def _save(session: Session, principal: Principal, values: dict[str, Any], plan_id: uuid.UUID | None) -> dict[str, str]:
    """Save the plan form; the errors by input name (empty when saved)."""
    data, errors = forms.validate(PlanIn, plan_payload(values))
    if data is None:
        return _input_errors(errors)
    try:
        plans.save_plan(session, principal, data, plan_id)
    except AppError as exc:
        return _input_errors(forms.app_error_fields(exc))
    return {}


@router.post("/console/support/plans", response_class=HTMLResponse)
async def plan_create(request: Request, session: DbSession, principal: PlanWriter) -> Response:
    values = form_values(await request.form())
    errors = _save(session, principal, values, None)
    if errors:
        return settings_page(request, session, form="plan", values=values, errors=errors)
    return RedirectResponse("/console/support#plans", status_code=303)


def _plan_page(
    request: Request,
    session: Session,
    plan: SupportPlan,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "plan": plan,
        "values": values or plan_values(plan),
        "errors": errors or {},
        "weekdays": WEEKDAY_NAMES,
        "customer_count": plans.customer_count(session, plan.id),
        "other_plans": [p for p in plans.all_plans(session) if p.id != plan.id],
    }
    return render(request, "support/plan_edit.html", ctx, status_code=status_code)


@router.get("/console/support/plans/{plan_id}", response_class=HTMLResponse)
def plan_edit(request: Request, plan_id: uuid.UUID, session: DbSession, principal: PlanWriter) -> Response:
    return _plan_page(request, session, plans.get_plan(session, plan_id))


@router.post("/console/support/plans/{plan_id}", response_class=HTMLResponse)
async def plan_update(request: Request, plan_id: uuid.UUID, session: DbSession, principal: PlanWriter) -> Response:
    plan = plans.get_plan(session, plan_id)
    values = form_values(await request.form())
    errors = _save(session, principal, values, plan.id)
    if errors:
        return _plan_page(request, session, plan, values, errors, 422)
    return RedirectResponse(f"/console/support/plans/{plan.id}?saved=1", status_code=303)


@router.post("/console/support/plans/{plan_id}/delete", response_class=HTMLResponse)
async def plan_delete(request: Request, plan_id: uuid.UUID, session: DbSession, principal: PlanWriter) -> Response:
    plan = plans.get_plan(session, plan_id)
    target = _uuid_or_none(str((await request.form()).get("move_customers_to") or ""))
    try:
        plans.delete_plan(session, principal, plan.id, target)
    except AppError as exc:
        errors = {"delete": exc.message} | {str(d["field"]): str(d["message"]) for d in exc.details}
        return _plan_page(request, session, plan, errors=errors, status_code=exc.status_code)
    return RedirectResponse("/console/support#plans", status_code=303)


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@router.post("/console/support/packages", response_class=HTMLResponse)
async def package_add(request: Request, session: DbSession, principal: PlanWriter) -> Response:
    values = forms.text_fields(await request.form(), PACKAGE_INPUTS)
    data, errors = forms.validate(PackageIn, forms.blank_to_none(values, ["valid_to"]))
    if data is None:
        return settings_page(request, session, form="package", values=values, errors=_package_errors(errors))
    plans.add_package(session, principal, data)
    return RedirectResponse("/console/support#packages", status_code=303)


def _package_errors(errors: dict[str, str]) -> dict[str, str]:
    # The date-order check is a model rule: its error has no field, so it goes next to "valid to".
    return {(k if k in PACKAGE_INPUTS else "valid_to"): v for k, v in errors.items()}


def _package_page(
    request: Request, package: Any, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> Response:
    ctx = {"package": package, "values": values or _package_values(package), "errors": errors or {}}
    return render(request, "support/package_edit.html", ctx, status_code=422 if errors else 200)


def _package_values(package: Any) -> dict[str, Any]:
    return {
        "package_type": package.package_type,
        "valid_from": package.valid_from.isoformat(),
        "valid_to": package.valid_to.isoformat() if package.valid_to else "",
        "reference": package.reference,
    }


@router.get("/console/support/packages/{package_id}", response_class=HTMLResponse)
def package_edit(request: Request, package_id: uuid.UUID, session: DbSession, principal: PlanWriter) -> Response:
    return _package_page(request, plans.get_package(session, package_id))


@router.post("/console/support/packages/{package_id}", response_class=HTMLResponse)
async def package_update(
    request: Request, package_id: uuid.UUID, session: DbSession, principal: PlanWriter
) -> Response:
    package = plans.get_package(session, package_id)
    values = forms.text_fields(await request.form(), PACKAGE_INPUTS)
    data, errors = forms.validate(PackageIn, forms.blank_to_none(values, ["valid_to"]))
    if data is None:
        return _package_page(request, package, values, _package_errors(errors))
    plans.update_package(session, principal, package.id, data)
    return RedirectResponse("/console/support#packages", status_code=303)


@router.post("/console/support/packages/{package_id}/delete", response_class=HTMLResponse)
def package_delete(package_id: uuid.UUID, session: DbSession, principal: PlanWriter) -> Response:
    plans.delete_package(session, principal, package_id)
    return RedirectResponse("/console/support#packages", status_code=303)
