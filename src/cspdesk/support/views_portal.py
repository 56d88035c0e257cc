"""Portal pages of the support desk: a customer's own tickets, public replies only, and their support terms."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.customers import repository as customers
from cspdesk.kit.errors import AppError, ValidationFailed
from cspdesk.kit.pagination import paginate
from cspdesk.kit.storage import storage_for
from cspdesk.models.support import CATEGORIES, SERVICES, SEVERITIES, Ticket
from cspdesk.support import clocks, plans, repository, tickets
from cspdesk.support.attachments import Upload
from cspdesk.support.pages import router
from cspdesk.support.schemas import TicketIn
from cspdesk.support.sla import BusinessCalendar
from cspdesk.web import forms
from cspdesk.web.deps import DbSession, get_settings, portal
from cspdesk.web.templating import render

P = Permission
FORM_FIELDS = [
    "subject",
    "description",
    "category",
    "service",
    "severity",
    "related_subscription_id",
    "related_invoice_id",
]


async def uploads_of(form: FormData) -> list[Upload]:
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    return [Upload(f.filename or "attachment", await f.read()) for f in files]


def _desk(request: Request, uploads: list[Upload]) -> tickets.Desk:
    settings = get_settings(request)
    return tickets.Desk(settings=settings, storage=storage_for(settings), uploads=uploads)


def attachment_response(request: Request, session: Any, principal: Principal, attachment_id: uuid.UUID) -> Response:
    """Serve an attachment only to principals who may see its ticket; always as a download, never sniffed."""
    item = repository.access_attachment(session, principal, attachment_id)
    data = storage_for(get_settings(request)).read_bytes(item.storage_key) if item.size_bytes else b""
    headers = {
        "Content-Disposition": f'attachment; filename="{item.filename}"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=item.content_type, headers=headers)


@router.get("/portal/tickets", response_class=HTMLResponse)
def my_tickets(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.TICKETS_READ))],
    page: int = 1,
) -> Response:
    stmt = repository.readable_tickets(principal).order_by(Ticket.created_at.desc())
    return render(request, "support/portal_tickets.html", {"page": paginate(session, stmt, page, 25)})


def _subscriptions(session: DbSession, principal: Principal) -> list[Any]:
    if not principal.can(P.SUBSCRIPTIONS_READ) or principal.customer_id is None:
        return []
    return customers.subscriptions_of(session, principal, principal.customer_id)


def _form(
    request: Request, session: DbSession, principal: Principal, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    ctx = {
        "values": values,
        "errors": errors,
        "categories": CATEGORIES,
        "services": SERVICES,
        "severities": SEVERITIES,
        "subscriptions": _subscriptions(session, principal),
    }
    return render(request, "support/portal_new.html", ctx, status_code=422 if errors else 200)


@router.get("/portal/tickets/new", response_class=HTMLResponse)
def new_ticket(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(portal(P.TICKETS_CREATE))]
) -> Response:
    return _form(request, session, principal, {"severity": "C", "category": "other", "service": "other"}, {})


@router.post("/portal/tickets/new", response_class=HTMLResponse)
async def create_ticket(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(portal(P.TICKETS_CREATE))]
) -> Response:
    form = await request.form()
    values: dict[str, Any] = forms.text_fields(form, FORM_FIELDS)
    data, errors = forms.validate(
        TicketIn, forms.blank_to_none(values, ["related_subscription_id", "related_invoice_id"])
    )
    if data is None:
        return _form(request, session, principal, values, errors)
    try:
        ticket = tickets.create_ticket(session, principal, data, _desk(request, await uploads_of(form)))
    except AppError as exc:
        return _form(request, session, principal, values, forms.app_error_fields(exc))
    return RedirectResponse(f"/portal/tickets/{ticket.id}", status_code=303)


def _ticket_page(
    request: Request, session: DbSession, principal: Principal, ticket_id: uuid.UUID, error: str = ""
) -> Response:
    ticket = repository.access_ticket(session, principal, ticket_id)
    ctx = {
        "ticket": ticket,
        "messages": repository.messages_of(session, principal, ticket),
        "attachments": repository.attachments_of(session, principal, ticket),
        "sla": clocks.state_of(session, ticket, ticket.updated_at),
        "form_error": error,
    }
    return render(request, "support/portal_ticket.html", ctx, status_code=422 if error else 200)


@router.get("/portal/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    request: Request,
    ticket_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.TICKETS_READ))],
) -> Response:
    return _ticket_page(request, session, principal, ticket_id)


@router.post("/portal/tickets/{ticket_id}/reply", response_class=HTMLResponse)
async def reply(
    request: Request,
    ticket_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.TICKETS_CREATE))],
) -> Response:
    form = await request.form()
    body = str(form.get("body") or "").strip()
    try:
        if not body:
            raise ValidationFailed("write a message first")
        tickets.portal_reply(session, principal, ticket_id, body, _desk(request, await uploads_of(form)))
    except AppError as exc:
        if exc.status_code == 404:
            raise
        return _ticket_page(request, session, principal, ticket_id, exc.message)
    return RedirectResponse(f"/portal/tickets/{ticket_id}", status_code=303)


@router.get("/portal/support", response_class=HTMLResponse)
def support_terms(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(portal(P.TICKETS_READ))]
) -> Response:
    assert principal.customer_id is not None
    plan = plans.plan_for_customer(session, principal.customer_id)
    calendar = plans.calendar_of(plan)
    ctx = {
        "plan": plan,
        "profile": plans.profile(session),
        "calendar": calendar,
        "hours": _weekly_hours(calendar),
        "targets": plan.targets if plan else plans.FALLBACK_TARGETS,
    }
    return render(request, "support/portal_support.html", ctx)


def _weekly_hours(calendar: BusinessCalendar) -> list[tuple[str, str]]:
    data = calendar.to_dict()["weekly_hours"]
    return [(day, ", ".join(hours) if hours else "") for day, hours in data.items()]


@router.get("/portal/attachments/{attachment_id}")
def attachment(
    request: Request,
    attachment_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.TICKETS_READ))],
) -> Response:
    return attachment_response(request, session, principal, attachment_id)
