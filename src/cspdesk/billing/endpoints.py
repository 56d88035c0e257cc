"""API: invoice runs, invoices, payments."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import invoices, payments, repository
from cspdesk.billing.endpoints_setup import router as setup_router
from cspdesk.billing.runs import run_invoices
from cspdesk.billing.schemas import InvoiceOut, MarginInvoiceOut, PaymentIn, PaymentOut, RunIn, RunOut
from cspdesk.kit.money import to_minor
from cspdesk.kit.pagination import paginate
from cspdesk.kit.storage import storage_for
from cspdesk.models.billing import Invoice
from cspdesk.web.deps import DbSession, api, get_settings
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["billing"], responses=API_ERRORS)
P = Permission


class InvoicePage(BaseModel):
    items: list[MarginInvoiceOut | InvoiceOut]
    total: int


def invoice_out(principal: Principal, invoice: Invoice) -> MarginInvoiceOut | InvoiceOut:
    """Cost and margin only for those who may read margins."""
    if principal.can(P.MARGIN_READ):
        return MarginInvoiceOut.model_validate(invoice)
    return InvoiceOut.model_validate(invoice)


@router.get("/invoices", response_model=InvoicePage, summary="Invoices and credit notes (portal: their own)")
def list_invoices(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.INVOICES_READ))],
    status: str = "",
    period: str = "",
    page: int = 1,
) -> InvoicePage:
    result = paginate(session, repository.search_invoices(principal, status=status, period=period), page, 50)
    return InvoicePage(items=[invoice_out(principal, i) for i in result.items], total=result.total)


@router.get("/invoices/{billing_invoice_id}", response_model=MarginInvoiceOut | InvoiceOut)
def get_invoice(
    billing_invoice_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.INVOICES_READ))]
) -> MarginInvoiceOut | InvoiceOut:
    return invoice_out(principal, repository.access_invoice(session, principal, billing_invoice_id))


@router.post("/invoice-runs", response_model=RunOut, responses=WRITE_ERRORS)
def start_run(
    data: RunIn, request: Request, session: DbSession, principal: Annotated[Principal, Depends(api(P.INVOICES_WRITE))]
) -> RunOut:
    result = run_invoices(session, principal, get_settings(request), data.period, dry_run=data.dry_run)
    return RunOut(**asdict(result))


@router.post("/drafts/{draft_id}/issue", response_model=MarginInvoiceOut | InvoiceOut, responses=WRITE_ERRORS)
def issue(
    draft_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.INVOICES_WRITE))],
) -> MarginInvoiceOut | InvoiceOut:
    settings = get_settings(request)
    invoice = invoices.issue_invoice(session, principal, draft_id, storage_for(settings), settings)
    return invoice_out(principal, invoice)


@router.get("/payments", response_model=list[PaymentOut])
def list_payments(
    session: DbSession, principal: Annotated[Principal, Depends(api(P.PAYMENTS_READ))]
) -> list[PaymentOut]:
    rows = session.execute(repository.readable_payments(principal).limit(200)).unique().scalars()
    return [PaymentOut.model_validate(p) for p in rows]


@router.post("/payments", response_model=PaymentOut, status_code=201, responses=WRITE_ERRORS)
def record_payment(
    data: PaymentIn, session: DbSession, principal: Annotated[Principal, Depends(api(P.PAYMENTS_WRITE))]
) -> PaymentOut:
    payment = payments.record_payment(
        session,
        principal,
        data.customer_id,
        to_minor(data.amount, data.currency),
        data.currency,
        data.received_date,
        reference=data.reference,
        invoice_id=data.invoice_id,
    )
    return PaymentOut.model_validate(payment)


# The master-data routes live in their own module; their router keeps its own prefix.
router.routes.extend(setup_router.routes)
