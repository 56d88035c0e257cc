"""Console pages: the policy editor, the forecast, the exposure report, and dunning per customer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.kit.errors import AppError
from cspdesk.models.subscription import Subscription
from cspdesk.policy import holds, repository, service, suspensions
from cspdesk.policy.document import DEFAULT_POLICY_YAML, PolicyValidationError
from cspdesk.policy.exposure import exposure_report
from cspdesk.policy.forecast import forecast_events
from cspdesk.policy.status import customer_status
from cspdesk.policy.wording import render_policy
from cspdesk.web import forms
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission


def _editor(request: Request, session: DbSession, yaml_text: str, **extra: Any) -> Response:
    context = {"yaml_text": yaml_text, "versions": service.all_versions(session), "issues": [], "preview": None}
    context.update(extra)
    return render(request, "policy/editor.html", context, status_code=422 if context["issues"] else 200)


@router.get("/policy", response_class=HTMLResponse)
def policy_editor(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.POLICY_WRITE))]
) -> Response:
    current = service.current_version(session)
    return _editor(request, session, current.yaml_text if current else DEFAULT_POLICY_YAML)


async def _posted_yaml(request: Request) -> tuple[str, str]:
    form = await request.form()
    values = forms.text_fields(form, ["yaml_text", "note"])
    return values.get("yaml_text", "").replace("\r\n", "\n"), values.get("note", "")


@router.post("/policy/preview", response_class=HTMLResponse)
async def policy_preview(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.POLICY_WRITE))]
) -> Response:
    yaml_text, _ = await _posted_yaml(request)
    try:
        doc = service.validate(yaml_text)
    except PolicyValidationError as exc:
        return _editor(request, session, yaml_text, issues=list(exc.issues))
    preview = {lang: render_policy(doc, lang, "EUR") for lang in ("en", "ru")}
    return _editor(request, session, yaml_text, preview=preview)


@router.post("/policy/publish", response_class=HTMLResponse)
async def policy_publish(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.POLICY_WRITE))]
) -> Response:
    yaml_text, note = await _posted_yaml(request)
    try:
        version = service.publish(session, principal, yaml_text, note=note)
    except PolicyValidationError as exc:
        return _editor(request, session, yaml_text, issues=list(exc.issues))
    return RedirectResponse(f"/console/policy?published={version.version}", status_code=303)


@router.get("/dunning", response_class=HTMLResponse)
def forecast_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.DUNNING_READ))],
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Response:
    events = forecast_events(session, clock.today(), days)
    return render(request, "policy/forecast.html", {"events": events, "days": days})


@router.get("/dunning/exposure", response_class=HTMLResponse)
def exposure_page(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.DUNNING_READ))]
) -> Response:
    return render(request, "policy/exposure.html", {"rows": exposure_report(session, clock.today())})


def _customer_page(request: Request, session: DbSession, customer_id: uuid.UUID, error: str = "") -> Response:
    principal: Principal = request.state.principal
    customer = repository.access_customer(session, principal, customer_id)
    context = {
        "customer": customer,
        "status": customer_status(session, customer, clock.today(), request.state.principal.language),
        "actions": repository.actions_of(session, customer.id),
        "suspensions": repository.suspensions_of(session, customer.id),
        "disputes": repository.disputes_of(session, customer.id),
        "promises": repository.promises_of(session, customer.id),
        "exemptions": repository.exemptions_of(session, customer.id),
        "subscriptions": _subscriptions(session, customer.id),
        "error": error,
        "today": clock.today(),
    }
    return render(request, "policy/customer.html", context, status_code=422 if error else 200)


def _subscriptions(session: DbSession, customer_id: uuid.UUID) -> list[Subscription]:
    stmt = select(Subscription).where(Subscription.customer_id == customer_id).order_by(Subscription.product_name)
    return list(session.execute(stmt).scalars())


@router.get("/dunning/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    customer_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.DUNNING_READ))],
) -> Response:
    return _customer_page(request, session, customer_id)


async def _form(request: Request, names: list[str]) -> dict[str, str]:
    return forms.text_fields(await request.form(), names)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AppError("give a date as YYYY-MM-DD") from exc


def _act(request: Request, session: DbSession, customer_id: uuid.UUID, action: Callable[[], object]) -> Response:
    """Carry out a staff action and return to the customer; a refused one shows the page with the reason."""
    try:
        action()
    except AppError as exc:
        return _customer_page(request, session, customer_id, exc.message)
    return _back(customer_id)


def _back(customer_id: uuid.UUID) -> Response:
    return RedirectResponse(f"/console/dunning/customers/{customer_id}", status_code=303)


@router.post("/dunning/invoices/{dunning_invoice_id}/promise", response_class=HTMLResponse)
async def promise_post(
    dunning_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.DUNNING_WRITE))],
) -> Response:
    values = await _form(request, ["until", "note"])
    invoice = repository.access_invoice(session, principal, dunning_invoice_id)
    until, note = _date(values.get("until", "")), values.get("note", "")
    return _act(
        request, session, invoice.customer_id, lambda: holds.record_promise(session, principal, invoice.id, until, note)
    )


@router.post("/dunning/invoices/{dunning_invoice_id}/dispute", response_class=HTMLResponse)
async def dispute_post(
    dunning_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.DUNNING_WRITE))],
) -> Response:
    values = await _form(request, ["reason"])
    invoice = repository.access_invoice(session, principal, dunning_invoice_id)
    reason = values.get("reason", "")
    return _act(
        request, session, invoice.customer_id, lambda: holds.open_dispute(session, principal, invoice.id, reason)
    )


@router.post("/dunning/disputes/{dispute_id}/resolve", response_class=HTMLResponse)
async def dispute_resolve(
    dispute_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.DUNNING_WRITE))],
) -> Response:
    values = await _form(request, ["resolution"])
    dispute = holds.resolve_dispute(session, principal, dispute_id, values.get("resolution", ""))
    return _back(dispute.customer_id)


@router.post("/dunning/customers/{customer_id}/exempt", response_class=HTMLResponse)
async def exempt_post(
    customer_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.DUNNING_WRITE))],
) -> Response:
    values = await _form(request, ["until", "reason"])
    until, reason = _date(values.get("until", "")), values.get("reason", "")
    return _act(
        request, session, customer_id, lambda: holds.exempt_customer(session, principal, customer_id, until, reason)
    )


@router.post("/dunning/subscriptions/{subscription_id}/suspend", response_class=HTMLResponse)
async def suspend_post(
    subscription_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUBSCRIPTIONS_SUSPEND))],
) -> Response:
    values = await _form(request, ["reason"])
    subscription = repository.access_subscription(session, principal, subscription_id)
    reason = values.get("reason", "")
    return _act(
        request,
        session,
        subscription.customer_id,
        lambda: suspensions.suspend_by_hand(session, principal, subscription.id, reason),
    )


@router.post("/dunning/suspensions/{suspension_id}/reactivate", response_class=HTMLResponse)
async def reactivate_post(
    suspension_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUBSCRIPTIONS_SUSPEND))],
) -> Response:
    values = await _form(request, ["reason"])
    suspension = repository.access_suspension(session, principal, suspension_id)
    reason = values.get("reason", "")
    return _act(
        request,
        session,
        suspension.customer_id,
        lambda: suspensions.reactivate_by_hand(session, principal, suspension.id, reason),
    )
