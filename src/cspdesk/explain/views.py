"""Pages: "Explain this invoice" with "Why is this different from last month?" in the console and the portal,
and the portal's "Ask about this invoice", which opens a billing ticket with the explanation already shown."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.explain import service
from cspdesk.explain.endpoints import parse_compare_to
from cspdesk.kit.errors import AppError
from cspdesk.kit.storage import storage_for
from cspdesk.support import tickets
from cspdesk.support.schemas import TicketIn
from cspdesk.web import forms
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console, get_settings, portal
from cspdesk.web.templating import render, request_language

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission


def _context(request: Request, session: DbSession, principal: Principal, invoice_id: uuid.UUID) -> dict[str, Any]:
    compare_to = parse_compare_to(request.query_params.get("compare_to", "previous"))
    explanation = service.explain_invoice(
        session,
        principal,
        invoice_id,
        compare_to=compare_to,
        lang=request_language(request),
        storage=storage_for(get_settings(request)),
    )
    return {"explanation": explanation, "data": service.as_dict(explanation)}


@router.get("/console/invoices/{explain_invoice_id}/explain", response_class=HTMLResponse)
def console_explain(
    request: Request,
    explain_invoice_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_READ))],
) -> Response:
    ctx = _context(request, session, principal, explain_invoice_id) | {"area": "console"}
    return render(request, "explain/invoice.html", ctx)


@router.get("/portal/invoices/{explain_invoice_id}/explain", response_class=HTMLResponse)
def portal_explain(
    request: Request,
    explain_invoice_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.INVOICES_READ))],
) -> Response:
    ctx = _context(request, session, principal, explain_invoice_id) | {"area": "portal"}
    return render(request, "explain/invoice.html", ctx)


def _ask_form(request: Request, ctx: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> Response:
    ctx = ctx | {"values": values, "errors": errors, "area": "portal"}
    return render(request, "explain/ask.html", ctx, status_code=422 if errors else 200)


@router.get("/portal/invoices/{explain_invoice_id}/ask", response_class=HTMLResponse)
def ask_form(
    request: Request,
    explain_invoice_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.INVOICES_READ))],
) -> Response:
    ctx = _context(request, session, principal, explain_invoice_id)
    return _ask_form(request, ctx, {"question": ""}, {})


@router.post("/portal/invoices/{explain_invoice_id}/ask", response_class=HTMLResponse)
async def ask(
    request: Request,
    explain_invoice_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.INVOICES_READ))],
) -> Response:
    """Open a billing ticket naming the invoice; its description carries the question and the explanation."""
    ctx = _context(request, session, principal, explain_invoice_id)
    values = forms.text_fields(await request.form(), ["question"])
    explanation = ctx["explanation"]
    description = f"{values.get('question', '').strip()}\n\n---\n{explanation.text}".strip()
    data = TicketIn(
        subject=f"Invoice {explanation.label}"[:250],
        description=description[:50_000],
        category="billing",
        related_invoice_id=explain_invoice_id,
    )
    try:
        ticket = tickets.create_ticket(session, principal, data, tickets.Desk(settings=get_settings(request)))
    except AppError as exc:
        return _ask_form(request, ctx, values, forms.app_error_fields(exc))
    return RedirectResponse(f"/portal/tickets/{ticket.id}", status_code=303)
