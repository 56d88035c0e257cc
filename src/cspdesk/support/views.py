"""Console pages of the support desk: the agent queue, ticket pages and their actions (portal and admin pages
live in views_portal.py and views_admin.py and are included here)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.explain.service import explanation_for_ticket
from cspdesk.kit import clock
from cspdesk.kit.errors import AppError, NotFound, ValidationFailed
from cspdesk.kit.storage import storage_for
from cspdesk.models.customer import Customer
from cspdesk.models.support import CATEGORIES, SERVICES, SEVERITIES, STATUSES
from cspdesk.models.support_plans import CannedReply
from cspdesk.support import clocks, context, escalations, plans, repository, tickets, views_portal
from cspdesk.support import views_admin as views_admin  # registers the admin pages on the router
from cspdesk.support.attachments import Upload
from cspdesk.support.pages import router
from cspdesk.support.schemas import EscalationIn, EscalationPatch, TicketIn
from cspdesk.web import forms
from cspdesk.web.deps import DbSession, console, get_settings
from cspdesk.web.templating import render

P = Permission
TICKET_FORM_FIELDS = [
    "subject",
    "description",
    "category",
    "service",
    "severity",
    "customer_id",
    "related_subscription_id",
    "related_invoice_id",
    "requester_email",
    "requester_name",
]
WORK_PREFIXES = {"tickets": P.TICKETS_WORK, "billing-tickets": P.TICKETS_BILLING_WORK}


def desk_for(request: Request, uploads: list[Upload] | None = None) -> tickets.Desk:
    settings = get_settings(request)
    return tickets.Desk(settings=settings, storage=storage_for(settings), uploads=uploads or [])


def work_prefix(principal: Principal, category: str) -> str | None:
    if principal.can(P.TICKETS_WORK):
        return "tickets"
    if principal.can(P.TICKETS_BILLING_WORK) and category == "billing":
        return "billing-tickets"
    return None


@router.get("/console/tickets", response_class=HTMLResponse)
def queue(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.TICKETS_READ))],
    view: str = "",
    category: str = "",
    service: str = "",
    customer: str = "",
    status: str = "open",
    q: str = "",
    page: int = 1,
) -> Response:
    customer_id = _uuid_or_none(customer)
    f = repository.QueueFilter(
        mine=view == "mine",
        unassigned=view == "unassigned",
        breaching=view == "breaching",
        category=category,
        service=service,
        customer_id=customer_id,
        status=status,
        q=q,
    )
    result = repository.queue_page(session, repository.queue(principal, f, clock.now()), page, 50)
    context_ = {
        "page": result,
        "view": view,
        "category": category,
        "service": service,
        "customer": customer,
        "status": status,
        "q": q,
        "categories": CATEGORIES,
        "services": SERVICES,
        "statuses": STATUSES,
        "customers": _customer_options(session),
        "now": clock.now(),
        "assignees": repository.agent_names(session),
    }
    return render(request, "support/queue.html", context_)


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


CUSTOMER_OPTIONS = select(Customer.id, Customer.name).order_by(Customer.name)


def _customer_options(session: DbSession) -> list[tuple[str, str]]:
    return [(str(row.id), row.name) for row in session.execute(CUSTOMER_OPTIONS)]


def _new_form(request: Request, session: DbSession, values: dict[str, Any], errors: dict[str, str]) -> Response:
    ctx = {
        "values": values,
        "errors": errors,
        "customers": _customer_options(session),
        "categories": CATEGORIES,
        "services": SERVICES,
        "severities": SEVERITIES,
    }
    return render(request, "support/ticket_new.html", ctx, status_code=422 if errors else 200)


@router.get("/console/tickets/new", response_class=HTMLResponse)
def ticket_new(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.TICKETS_WORK))]
) -> Response:
    return _new_form(request, session, {"severity": "C", "category": "other", "service": "other"}, {})


@router.post("/console/tickets/new", response_class=HTMLResponse)
async def ticket_create(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.TICKETS_WORK))]
) -> Response:
    form = await request.form()
    values: dict[str, Any] = forms.text_fields(form, TICKET_FORM_FIELDS)
    nullable = ["customer_id", "related_subscription_id", "related_invoice_id"]
    data, errors = forms.validate(TicketIn, forms.blank_to_none(values, nullable))
    if data is None:
        return _new_form(request, session, values, errors)
    try:
        ticket = tickets.create_ticket(
            session, principal, data, desk_for(request, await views_portal.uploads_of(form)), via="phone"
        )
    except AppError as exc:
        return _new_form(request, session, values, forms.app_error_fields(exc))
    return RedirectResponse(f"/console/tickets/{ticket.id}", status_code=303)


def ticket_context(
    session: DbSession, principal: Principal, ticket_id: uuid.UUID, messages_page: int = 1
) -> dict[str, Any]:
    ticket = repository.access_ticket(session, principal, ticket_id)
    today, now = clock.today(), clock.now()
    # Each of these is read once and shared: the SLA replay, the history and the customer context need the same.
    events = repository.events_of(session, ticket.id)
    plan = plans.plan_for_customer(session, ticket.customer_id)
    package = plans.active_package(session, today)
    return {
        "ticket": ticket,
        "message_page": repository.message_page(session, principal, ticket, messages_page),
        "attachments": repository.attachments_of(session, principal, ticket),
        "events": events,
        "escalations": repository.escalations_of(session, ticket.id),
        "sla": clocks.shown_state(session, ticket, events, now),
        "context": context.customer_context(session, principal, ticket.customer_id, plan),
        "agents": repository.agent_choices(session),
        "canned": list(session.execute(select(CannedReply).order_by(CannedReply.title)).scalars()),
        "prefix": work_prefix(principal, ticket.category),
        "statuses": STATUSES,
        "refusals": {"commercial": None, "technical": escalations.technical_refusal(session, ticket, package)},
        "package": package,
        "explanation": _explanation(session, principal, ticket),
    }


def _explanation(session: DbSession, principal: Principal, ticket: Any) -> str | None:
    """A billing ticket naming an invoice offers the invoice explained as a reply (never cost or margin)."""
    if ticket.category != "billing" or ticket.related_invoice_id is None or not principal.can(P.INVOICES_READ):
        return None
    try:
        text, _structured = explanation_for_ticket(
            session, principal, ticket.related_invoice_id, customer_id=ticket.customer_id
        )
    except NotFound:
        return None
    return text


@router.get("/console/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    request: Request,
    ticket_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.TICKETS_READ))],
    messages_page: int = 1,
) -> Response:
    return render(request, "support/ticket.html", ticket_context(session, principal, ticket_id, messages_page))


def _back(ticket_id: uuid.UUID) -> Response:
    return RedirectResponse(f"/console/tickets/{ticket_id}", status_code=303)


def _error_page(
    request: Request, session: DbSession, principal: Principal, ticket_id: uuid.UUID, exc: AppError
) -> Response:
    ctx = ticket_context(session, principal, ticket_id) | {"form_error": exc.message}
    return render(request, "support/ticket.html", ctx, status_code=exc.status_code)


def _register_work_routes(prefix: str, permission: Permission) -> None:
    """The same actions under /console/tickets (tickets:work) and /console/billing-tickets (tickets:work_billing)."""
    requires = Depends(console(permission))

    @router.post(f"/console/{prefix}/{{ticket_id}}/reply", response_class=HTMLResponse, name=f"{prefix}-reply")
    async def reply(
        request: Request, ticket_id: uuid.UUID, session: DbSession, principal: Principal = requires
    ) -> Response:
        form = await request.form()
        body = str(form.get("body") or "").strip()
        internal = form.get("internal") == "on"
        try:
            if not body:
                raise ValidationFailed("write a message first")
            desk = desk_for(request, await views_portal.uploads_of(form))
            tickets.agent_message(session, principal, ticket_id, body, desk, internal=internal)
            status = str(form.get("status") or "")
            if status and status in STATUSES:
                tickets.change_status(session, principal, ticket_id, status)
        except AppError as exc:
            return _error_page(request, session, principal, ticket_id, exc)
        return _back(ticket_id)

    @router.post(f"/console/{prefix}/{{ticket_id}}/status", response_class=HTMLResponse, name=f"{prefix}-status")
    async def status(
        request: Request, ticket_id: uuid.UUID, session: DbSession, principal: Principal = requires
    ) -> Response:
        value = str((await request.form()).get("status") or "")
        if value not in STATUSES:
            return _error_page(request, session, principal, ticket_id, ValidationFailed("unknown status"))
        tickets.change_status(session, principal, ticket_id, value)
        return _back(ticket_id)

    @router.post(f"/console/{prefix}/{{ticket_id}}/assign", response_class=HTMLResponse, name=f"{prefix}-assign")
    async def assign(
        request: Request, ticket_id: uuid.UUID, session: DbSession, principal: Principal = requires
    ) -> Response:
        assignee = _uuid_or_none(str((await request.form()).get("assignee_id") or ""))
        try:
            tickets.assign(session, principal, ticket_id, assignee)
        except AppError as exc:
            return _error_page(request, session, principal, ticket_id, exc)
        return _back(ticket_id)

    _unused: list[Callable[..., Any]] = [reply, status, assign]


for _prefix, _permission in WORK_PREFIXES.items():
    _register_work_routes(_prefix, _permission)


@router.post("/console/tickets/{ticket_id}/merge", response_class=HTMLResponse)
async def merge(
    request: Request,
    ticket_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.TICKETS_WORK))],
) -> Response:
    text = str((await request.form()).get("into") or "").strip().upper().removeprefix("T-")
    try:
        target = tickets.merge(session, principal, ticket_id, int(text) if text.isdigit() else 0)
    except AppError as exc:
        return _error_page(request, session, principal, ticket_id, exc)
    return _back(target.id)


@router.post("/console/tickets/{ticket_id}/escalations", response_class=HTMLResponse)
async def escalate(
    request: Request,
    ticket_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.ESCALATIONS_WRITE))],
) -> Response:
    form = await request.form()
    data, errors = forms.validate(EscalationIn, forms.text_fields(form, ["escalation_type", "tried"]))
    try:
        if data is None:
            raise ValidationFailed(next(iter(errors.values())))
        escalations.escalate(session, principal, ticket_id, data)
    except AppError as exc:
        return _error_page(request, session, principal, ticket_id, exc)
    return _back(ticket_id)


@router.post("/console/escalations/{escalation_id}", response_class=HTMLResponse)
async def escalation_update(
    request: Request,
    escalation_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.ESCALATIONS_WRITE))],
) -> Response:
    form = await request.form()
    values = forms.blank_to_none(
        forms.text_fields(form, ["microsoft_case_number", "status", "note"]), ["microsoft_case_number", "status"]
    )
    escalation = escalations.access_escalation(session, principal, escalation_id)
    data, errors = forms.validate(EscalationPatch, values)
    try:
        if data is None:
            raise ValidationFailed(next(iter(errors.values())))
        escalations.update(session, principal, escalation_id, data)
    except AppError as exc:
        return _error_page(request, session, principal, escalation.ticket_id, exc)
    return _back(escalation.ticket_id)


@router.post("/console/escalations/{escalation_id}/sync", response_class=HTMLResponse)
def escalation_sync(
    request: Request,
    escalation_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.ESCALATIONS_WRITE))],
) -> Response:
    """Sync one service request now (as `cspdesk tickets sync-escalations` does) and show what changed."""
    escalation = escalations.access_escalation(session, principal, escalation_id)
    synced: dict[str, Any] = {"escalation_id": escalation.id}
    status_code = 200
    try:
        synced["outcome"] = escalations.sync_now(session, principal, escalation.id, get_settings(request))
    except AppError as exc:
        synced["error"], status_code = exc.message, exc.status_code
    ctx = ticket_context(session, principal, escalation.ticket_id) | {"synced": synced}
    return render(request, "support/ticket.html", ctx, status_code=status_code)


@router.get("/console/attachments/{attachment_id}")
def attachment(
    request: Request,
    attachment_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.TICKETS_READ))],
) -> Response:
    return views_portal.attachment_response(request, session, principal, attachment_id)


__all__ = ["router"]
