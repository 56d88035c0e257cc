"""Portal billing pages (a customer's own invoices, balance and payments) and the payment provider webhook."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import receivables, repository, webhook
from cspdesk.kit.errors import NotFound
from cspdesk.models.customer import Customer
from cspdesk.web.deps import DbSession, get_settings, portal
from cspdesk.web.templating import render

router = APIRouter(prefix="/portal/billing", include_in_schema=False)
P = Permission


@router.get("", response_class=HTMLResponse)
def billing_home(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(portal(P.INVOICES_READ))]
) -> Response:
    customer = session.get(Customer, principal.customer_id)
    if customer is None:
        raise NotFound("customer not found")
    documents = list(session.execute(repository.search_invoices(principal)).scalars())
    show_payments = principal.can(P.PAYMENTS_READ)
    context = {
        "customer": customer,
        "documents": documents,
        "balance": receivables.balance(session, customer),
        "payments": list(session.execute(repository.readable_payments(principal)).unique().scalars())
        if show_payments
        else [],
        "show_payments": show_payments,
    }
    return render(request, "billing/portal_home.html", context)


@router.get("/invoices/{billing_invoice_id}", response_class=HTMLResponse)
def portal_invoice(
    billing_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.INVOICES_READ))],
) -> Response:
    invoice = repository.access_invoice(session, principal, billing_invoice_id)
    return render(request, "billing/portal_invoice.html", {"invoice": invoice})


@router.get("/invoices/{billing_invoice_id}/pdf")
def portal_pdf(
    billing_invoice_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.INVOICES_READ))],
) -> Response:
    from cspdesk.billing.views import pdf_response

    return pdf_response(request, session, repository.access_invoice(session, principal, billing_invoice_id))


webhook_router = APIRouter(include_in_schema=False)
WEBHOOK_PATH = "/webhooks/payments"


@webhook_router.post(WEBHOOK_PATH)
async def payment_webhook(request: Request, session: DbSession) -> Response:
    """Authenticated by its HMAC signature, not by a user (listed in the matrix's PUBLIC_PATHS)."""
    body = await request.body()
    settings = get_settings(request)
    result = webhook.handle(
        session, settings.billing_webhook_secret, body, request.headers.get(webhook.SIGNATURE_HEADER)
    )
    return JSONResponse({"status": result})
