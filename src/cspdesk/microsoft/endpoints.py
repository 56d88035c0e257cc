"""API: imports of Partner Center files, the cost ledger, Microsoft invoices, payments to Microsoft, payables."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.config import Settings
from cspdesk.kit import clock
from cspdesk.kit.pagination import paginate
from cspdesk.kit.storage import storage_for
from cspdesk.microsoft import uploads
from cspdesk.microsoft.imports import import_file
from cspdesk.microsoft.ledger import cost_ledger, usage_detail
from cspdesk.microsoft.ledger import queries as ledger_queries
from cspdesk.microsoft.ledger.queries import access_batch
from cspdesk.microsoft.payables import queries, service
from cspdesk.microsoft.schemas import (
    ImportBatchDetailOut,
    ImportBatchOut,
    ImportBatchPage,
    LineMismatchOut,
    MicrosoftInvoiceIn,
    MicrosoftInvoiceOut,
    MicrosoftInvoicePatch,
    MicrosoftPaymentIn,
    MicrosoftPaymentOut,
    PayableOut,
    PayablesOut,
    ReconciliationCurrencyOut,
    ReconciliationOut,
)
from cspdesk.microsoft.views_support import applied_usage_batches, ledger_json, month_bounds
from cspdesk.web.deps import DbSession, api, get_settings
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["microsoft"], responses=API_ERRORS)
P = Permission
AppSettings = Annotated[Settings, Depends(get_settings)]
Kind = Literal["auto", "nce-recon", "daily-usage", "legacy-license"]
DetailGroup = Literal["resource_group", "meter", "resource", "day", "entitlement"]


class JsonUpload(BaseModel):
    """Small files from scripts: the CSV text in JSON. Large files: send the CSV itself as the request body."""

    file_name: str = Field(min_length=1, max_length=255)
    content: str


@router.get("/imports", response_model=ImportBatchPage, summary="List imported Partner Center files")
def list_imports(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.COST_LEDGER_READ))],
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ImportBatchPage:
    result = paginate(session, ledger_queries.readable_batches(principal), page, size)
    items = [ImportBatchOut.model_validate(b) for b in result.items]
    return ImportBatchPage(items=items, total=result.total, page=result.page, size=result.size)


@router.get("/imports/{batch_id}", response_model=ImportBatchDetailOut)
def get_import(
    batch_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.COST_LEDGER_READ))]
) -> ImportBatchDetailOut:
    batch = access_batch(session, principal, batch_id)
    data = ImportBatchOut.model_validate(batch).model_dump()
    return ImportBatchDetailOut(**data, summary=json.loads(batch.summary_json or "{}"))


@router.post(
    "/imports",
    status_code=201,
    responses={**WRITE_ERRORS, 413: {"description": "Larger than CSPDESK_UPLOAD_MAX_BYTES"}},
    summary="Import a Partner Center CSV (request body: the CSV, text/csv; or JSON {file_name, content})",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def upload_import(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Annotated[Principal, Depends(api(P.IMPORTS_WRITE))],
    file_name: str = "upload.csv",
    kind: Kind = "auto",
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> dict[str, Any]:
    limit = settings.upload_max_bytes
    uploads.refuse_declared_size(request.headers.get("content-length"), limit)
    with uploads.temp_upload() as (path, stream):
        if request.headers.get("content-type", "").startswith("application/json"):
            payload = JsonUpload.model_validate_json(await request.body())
            file_name = payload.file_name
            stream.write(payload.content.encode("utf-8"))
            stream.flush()
        else:
            await uploads.copy_stream(request.stream(), stream, limit)
        summary = import_file(
            session,
            principal,
            storage_for(settings),
            path,
            kind=kind,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            file_name=file_name,
            terms_days=settings.microsoft_payment_terms_days,
        )
    return summary.to_dict()


@router.get("/cost-ledger/{customer_id}", summary="What a customer cost the partner in a month (staff only)")
def get_cost_ledger(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.COST_LEDGER_READ))],
    period: Annotated[str, Query(pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM; default last month")] = "",
) -> dict[str, Any]:
    start, end = month_bounds(period)
    return ledger_json(cost_ledger(session, principal, customer_id, start, end))


@router.get("/cost-ledger/{customer_id}/usage-detail", summary="Drill into a customer's Azure usage detail")
def get_usage_detail(
    customer_id: uuid.UUID,
    session: DbSession,
    settings: AppSettings,
    principal: Annotated[Principal, Depends(api(P.COST_LEDGER_READ))],
    period: Annotated[str, Query(pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM; default last month")] = "",
    group_by: Annotated[list[DetailGroup] | None, Query()] = None,
) -> list[dict[str, Any]]:
    start, end = month_bounds(period)
    ledger = cost_ledger(session, principal, customer_id, start, end)
    frame = usage_detail(
        storage_for(settings),
        ledger.customer.tenant_id,
        f"{start:%Y-%m}",
        list(group_by or ["meter"]),
        batches=applied_usage_batches(session),
    )
    return [
        {k: (str(v) if v is not None and not isinstance(v, int | str) else v) for k, v in row.items()}
        for row in frame.iter_rows(named=True)
    ]


@router.get("/microsoft-invoices", response_model=list[MicrosoftInvoiceOut])
def list_microsoft_invoices(
    session: DbSession, principal: Annotated[Principal, Depends(api(P.PAYABLES_READ))]
) -> list[MicrosoftInvoiceOut]:
    return [MicrosoftInvoiceOut.model_validate(i) for i in service.all_invoices(session, principal)]


@router.post("/microsoft-invoices", response_model=MicrosoftInvoiceOut, status_code=201, responses=WRITE_ERRORS)
def create_microsoft_invoice(
    data: MicrosoftInvoiceIn,
    session: DbSession,
    settings: AppSettings,
    principal: Annotated[Principal, Depends(api(P.PAYABLES_WRITE))],
) -> MicrosoftInvoiceOut:
    invoice = service.register_invoice(session, principal, data, terms_days=settings.microsoft_payment_terms_days)
    return MicrosoftInvoiceOut.model_validate(invoice)


@router.get("/microsoft-invoices/{microsoft_invoice_id}", response_model=MicrosoftInvoiceOut)
def get_microsoft_invoice(
    microsoft_invoice_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.PAYABLES_READ))]
) -> MicrosoftInvoiceOut:
    return MicrosoftInvoiceOut.model_validate(service.access_invoice(session, principal, microsoft_invoice_id))


@router.patch("/microsoft-invoices/{microsoft_invoice_id}", response_model=MicrosoftInvoiceOut, responses=WRITE_ERRORS)
def update_microsoft_invoice(
    microsoft_invoice_id: uuid.UUID,
    data: MicrosoftInvoicePatch,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.PAYABLES_WRITE))],
) -> MicrosoftInvoiceOut:
    return MicrosoftInvoiceOut.model_validate(service.update_invoice(session, principal, microsoft_invoice_id, data))


@router.delete(
    "/microsoft-invoices/{microsoft_invoice_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS
)
def delete_microsoft_invoice(
    microsoft_invoice_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.PAYABLES_WRITE))]
) -> Response:
    service.delete_invoice(session, principal, microsoft_invoice_id)
    return Response(status_code=204)


@router.post(
    "/microsoft-invoices/{microsoft_invoice_id}/payments",
    response_model=MicrosoftPaymentOut,
    status_code=201,
    responses=WRITE_ERRORS,
)
def pay_microsoft_invoice(
    microsoft_invoice_id: uuid.UUID,
    data: MicrosoftPaymentIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.PAYABLES_WRITE))],
) -> MicrosoftPaymentOut:
    return MicrosoftPaymentOut.model_validate(service.record_payment(session, principal, microsoft_invoice_id, data))


@router.get("/microsoft-invoices/{microsoft_invoice_id}/reconciliation", response_model=ReconciliationOut)
def get_reconciliation(
    microsoft_invoice_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.PAYABLES_READ))]
) -> ReconciliationOut:
    result = queries.reconcile(session, principal, service.access_invoice(session, principal, microsoft_invoice_id))
    return ReconciliationOut(
        invoice_number=result.invoice.number,
        balanced=result.balanced,
        currencies=[
            ReconciliationCurrencyOut(
                currency=c.currency,
                invoice_total_minor=c.invoice_total_minor,
                lines_total_minor=c.lines_total_minor,
                difference_minor=c.difference_minor,
                line_count=c.line_count,
            )
            for c in result.currencies
        ],
        formula_mismatches=[
            LineMismatchOut(
                line_id=m.line.id,
                line_no=m.line.line_no,
                charge_type=m.line.charge_type,
                currency=m.line.currency,
                subtotal_minor=m.line.subtotal_minor,
                expected_subtotal_minor=m.expected_subtotal_minor,
            )
            for m in result.mismatches
        ],
    )


@router.get("/payables", response_model=PayablesOut, summary="What is owed to Microsoft and when")
def get_payables(
    session: DbSession,
    settings: AppSettings,
    principal: Annotated[Principal, Depends(api(P.PAYABLES_READ))],
    days: Annotated[int, Query(ge=0, le=3660)] = 30,
    today: date | None = None,
) -> PayablesOut:
    report = queries.payables(
        session, principal, today or clock.today(), horizon_days=days, warning_days=settings.payables_warning_days
    )
    return PayablesOut(
        today=report.today,
        horizon_days=days,
        items=[
            PayableOut(
                invoice_id=i.invoice.id,
                number=i.invoice.number,
                invoice_date=i.invoice.invoice_date,
                due_date=i.invoice.due_date,
                currency=i.currency,
                total_minor=i.total_minor,
                paid_minor=i.paid_minor,
                outstanding_minor=i.outstanding_minor,
                days_to_due=i.days_to_due,
                state=i.state,
                warning=i.warning,
            )
            for i in report.items
        ],
        outstanding_by_currency=report.outstanding,
        overdue_by_currency=report.overdue,
        due_within_horizon_by_currency=report.due_within_horizon,
    )
