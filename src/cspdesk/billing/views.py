"""Billing pages: invoice runs, review and issue of drafts, credit notes (console); portal and webhook routers."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import allocation, credit_notes, invoices, repository
from cspdesk.billing.pdf import render_invoice_pdf
from cspdesk.billing.runs import run_invoices
from cspdesk.billing.views_money import router as money_router
from cspdesk.billing.views_portal import router as portal_router
from cspdesk.billing.views_portal import webhook_router
from cspdesk.billing.views_setup import router as setup_router
from cspdesk.kit.errors import NotFound, ValidationFailed, field_error
from cspdesk.kit.money import to_minor
from cspdesk.kit.pagination import paginate
from cspdesk.kit.storage import storage_for
from cspdesk.models.billing import Invoice
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console, get_settings
from cspdesk.web.templating import render

console_router = APIRouter(prefix="/console/billing", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@console_router.get("/invoices", response_class=HTMLResponse)
def invoice_list(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_READ))],
    status: str = "",
    period: str = "",
    page: int = 1,
) -> Response:
    result = paginate(session, repository.search_invoices(principal, status=status, period=period), page, 50)
    context = {"page": result, "status": status, "period": period, "runs": repository.runs(session)[:6]}
    return render(request, "billing/invoices.html", context)


@console_router.post("/runs")
async def start_run(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.INVOICES_WRITE))]
) -> Response:
    form = await request.form()
    period, dry_run = str(form.get("period", "")).strip(), form.get("dry_run") == "1"
    result = run_invoices(session, principal, get_settings(request), period, dry_run=dry_run)
    if dry_run:
        return render(request, "billing/run_result.html", {"result": result})
    return _back(f"/console/billing/invoices?period={period}&status=draft")


@console_router.get("/invoices/{billing_invoice_id}", response_class=HTMLResponse)
def invoice_detail(
    billing_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_READ))],
) -> Response:
    invoice = repository.access_invoice(session, principal, billing_invoice_id)
    context = {
        "invoice": invoice,
        "show_margin": principal.can(P.MARGIN_READ),
        "can_write": principal.can(P.INVOICES_WRITE),
        "open_minor": allocation.open_amount(session, invoice),
    }
    return render(request, "billing/invoice_detail.html", context)


@console_router.get("/invoices/{billing_invoice_id}/pdf")
def invoice_pdf(
    billing_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_READ))],
) -> Response:
    invoice = repository.access_invoice(session, principal, billing_invoice_id)
    return pdf_response(request, session, invoice)


def pdf_response(request: Request, session: Session, invoice: Invoice) -> Response:
    """The stored PDF; re-rendered (and stored again) if the storage lost it."""
    if not invoice.pdf_key:
        raise NotFound("this document has no PDF yet")
    settings = get_settings(request)
    storage = storage_for(settings)
    if not storage.exists(invoice.pdf_key):
        storage.put_bytes(invoice.pdf_key, render_invoice_pdf(session, invoice, settings))
    headers = {"Content-Disposition": f'attachment; filename="{invoice.label}.pdf"'}
    return Response(storage.read_bytes(invoice.pdf_key), media_type="application/pdf", headers=headers)


def _decimal(value: object, field: str) -> Decimal:
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationFailed(f"{field} is not a number", details=[field_error(field, "not a number")]) from exc


@console_router.post("/drafts/{draft_id}/lines")
async def add_line(
    draft_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_WRITE))],
) -> Response:
    form = await request.form()
    quantity, unit_price = (
        _decimal(form.get("quantity", "1"), "quantity"),
        _decimal(form.get("unit_price"), "unit_price"),
    )
    description = str(form.get("description", ""))
    invoices.add_line(session, principal, draft_id, description, quantity, unit_price, get_settings(request))
    return _back(f"/console/billing/invoices/{draft_id}")


@console_router.post("/drafts/{draft_id}/lines/{line_id}/delete")
def remove_line(
    draft_id: uuid.UUID,
    line_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_WRITE))],
) -> Response:
    invoices.remove_line(session, principal, draft_id, line_id)
    return _back(f"/console/billing/invoices/{draft_id}")


@console_router.post("/drafts/{draft_id}/issue")
def issue(
    draft_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_WRITE))],
) -> Response:
    settings = get_settings(request)
    invoices.issue_invoice(session, principal, draft_id, storage_for(settings), settings)
    return _back(f"/console/billing/invoices/{draft_id}")


@console_router.post("/drafts/{draft_id}/void")
def void(
    draft_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(console(P.INVOICES_WRITE))]
) -> Response:
    invoices.void_draft(session, principal, draft_id)
    return _back(f"/console/billing/invoices/{draft_id}")


@console_router.post("/invoices/{billing_invoice_id}/credit-note")
async def credit_note(
    billing_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_WRITE))],
) -> Response:
    """Full credit without amounts; partial with `amount_<line id>` fields in major units."""
    form = await request.form()
    invoice = repository.access_invoice(session, principal, billing_invoice_id)
    amounts: dict[uuid.UUID, int] = {}
    for line in invoice.lines:
        raw = str(form.get(f"amount_{line.id}", "")).strip()
        if raw:
            amounts[line.id] = to_minor(_decimal(raw, f"amount_{line.id}"), invoice.currency)
    note = credit_notes.create_credit_note(
        session,
        principal,
        billing_invoice_id,
        get_settings(request),
        amounts if form.get("mode") == "partial" else None,
    )
    return _back(f"/console/billing/invoices/{note.id}")


@console_router.post("/invoices/{credited_invoice_id}/reissue")
def reissue(
    credited_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.INVOICES_WRITE))],
) -> Response:
    draft = credit_notes.reissue(session, principal, credited_invoice_id, get_settings(request))
    return _back(f"/console/billing/invoices/{draft.id}")


# One discovered router; the routes keep the dependencies (CSRF) and prefixes of the router that made them.
router = APIRouter()
for _part in (console_router, money_router, setup_router, portal_router, webhook_router):
    router.routes.extend(_part.routes)
