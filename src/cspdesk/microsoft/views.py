"""Console pages: import Partner Center files, the cost ledger, Microsoft invoices and payables, reconciliation."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import anyio
from anyio import CapacityLimiter
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.kit.errors import AppError
from cspdesk.kit.pagination import paginate
from cspdesk.kit.storage import storage_for
from cspdesk.microsoft import import_jobs, uploads
from cspdesk.microsoft.import_jobs import Progress, Work
from cspdesk.microsoft.imports import ImportSummary, import_file
from cspdesk.microsoft.ledger import cost_ledger
from cspdesk.microsoft.ledger import queries as ledger_queries
from cspdesk.microsoft.payables import queries, service
from cspdesk.microsoft.schemas import MicrosoftInvoiceIn, MicrosoftPaymentIn
from cspdesk.microsoft.views_support import bar_chart, month_bounds
from cspdesk.web import forms
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console, get_database
from cspdesk.web.templating import render

router = APIRouter(prefix="/console/microsoft", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission


@router.get("/imports", response_class=HTMLResponse)
def imports_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.COST_LEDGER_READ))],
    page: int = 1,
) -> Response:
    result = paginate(session, ledger_queries.readable_batches(principal), page, 25)
    limit = request.app.state.settings.upload_max_bytes
    return render(request, "microsoft/imports.html", {"page": result, "upload_max_bytes": limit})


def _summary_fragment(request: Request, summary: dict[str, Any] | None, error: AppError | None) -> Response:
    return render(request, "microsoft/_summary.html", {"summary": summary, "error": error})


def _import_work(request: Request, principal: Principal, form: FormData, file_name: str, path: Path) -> Work:
    settings = request.app.state.settings
    storage = storage_for(settings)
    # Read now: the form (and its spooled upload) is closed when this request ends, before the job may run.
    kind, dry_run, skip_invalid = (
        str(form.get("kind") or "auto"),
        form.get("dry_run") == "1",
        form.get("skip_invalid") == "1",
    )

    def run(session: Session, progress: Progress) -> ImportSummary:
        return import_file(
            session,
            principal,
            storage,
            path,
            kind=kind,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
            file_name=file_name,
            terms_days=settings.microsoft_payment_terms_days,
        )

    return import_jobs.in_unit_of_work(get_database(request), run)


@router.post("/imports", response_class=HTMLResponse)
async def imports_upload(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.IMPORTS_WRITE))],
) -> Response:
    """Store the file and start its import in the background; the answer polls the job (imports_job)."""
    settings = request.app.state.settings
    jobs = import_jobs.jobs_of(request.app.state)
    # The import has a unit of work of its own on the job thread. End this request's transaction first (signing
    # in may have stamped the web session): SQLite has one writer, and the upload can take minutes.
    await anyio.to_thread.run_sync(session.commit, limiter=CapacityLimiter(1))
    try:
        uploads.refuse_declared_size(request.headers.get("content-length"), settings.upload_max_bytes)
        jobs.make_room()
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise AppError("choose a Partner Center CSV file to import")
        path = await uploads.save_upload(upload, settings.upload_max_bytes)
        work = _import_work(request, principal, form, upload.filename, path)
        job = jobs.start(principal, upload.filename, path, work)
    except AppError as error:
        return _summary_fragment(request, None, error)
    return render(request, "microsoft/_import_job.html", {"job": job, "state": job.state}, status_code=202)


@router.get("/imports/jobs/{job_id}", response_class=HTMLResponse)
def imports_job(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(console(P.IMPORTS_WRITE))],
) -> Response:
    """The job's stage while it runs; once finished, the summary or the error, which stops the polling."""
    job = import_jobs.jobs_of(request.app.state).get(principal, job_id)
    state = job.state
    if not state.finished:
        return render(request, "microsoft/_import_job.html", {"job": job, "state": state})
    response = _summary_fragment(request, state.summary, state.error)
    if state.summary is not None:
        response.headers["HX-Trigger"] = "imports-changed"  # reloads the list of imported files
    return response


@router.get("/imports/{batch_id}", response_class=HTMLResponse)
def import_detail(
    request: Request,
    batch_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.COST_LEDGER_READ))],
) -> Response:
    batch = ledger_queries.access_batch(session, principal, batch_id)
    summary = json.loads(batch.summary_json or "{}")
    return render(request, "microsoft/batch.html", {"batch": batch, "summary": summary})


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.COST_LEDGER_READ))],
    customer: str = "",
    period: str = "",
) -> Response:
    customers = ledger_queries.customers_with_costs(session, principal)
    start, end = month_bounds(period)
    ledger = None
    if customer:
        try:
            ledger = cost_ledger(session, principal, uuid.UUID(customer), start, end)
        except ValueError:
            ledger = None
    context = {"customers": customers, "customer": customer, "period": f"{start:%Y-%m}", "ledger": ledger}
    return render(request, "microsoft/ledger.html", context)


def _payables_context(request: Request, session: DbSession, principal: Principal) -> dict[str, Any]:
    settings = request.app.state.settings
    report = queries.payables(
        session, principal, clock.today(), horizon_days=90, warning_days=settings.payables_warning_days
    )
    weeks = report.due_by_week()
    series = [(f"{week:%d %b}", sum(amounts.values())) for week, amounts in weeks[:12]]
    return {"report": report, "chart": bar_chart(series), "weeks": weeks[:12], "errors": {}, "values": {}}


@router.get("/payables", response_class=HTMLResponse)
def payables_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.PAYABLES_READ))],
) -> Response:
    return render(request, "microsoft/payables.html", _payables_context(request, session, principal))


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@router.post("/invoices", response_class=HTMLResponse)
async def invoice_create(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.PAYABLES_WRITE))],
) -> Response:
    values = forms.text_fields(await request.form(), ["number", "invoice_date", "currency", "amount", "due_date"])
    data, errors = forms.validate(
        MicrosoftInvoiceIn,
        {
            "number": values.get("number", ""),
            "invoice_date": values.get("invoice_date") or None,
            "due_date": values.get("due_date") or None,
            "totals": [{"currency": values.get("currency", ""), "amount": values.get("amount") or "x"}],
        },
    )
    if data is not None:
        try:
            terms = request.app.state.settings.microsoft_payment_terms_days
            service.register_invoice(session, principal, data, terms_days=terms)
            return RedirectResponse("/console/microsoft/payables", status_code=303)
        except AppError as exc:
            errors = forms.app_error_fields(exc)
    context = _payables_context(request, session, principal) | {"errors": errors, "values": values}
    return render(request, "microsoft/payables.html", context, status_code=422)


@router.post("/invoices/{microsoft_invoice_id}/payments", response_class=HTMLResponse)
async def invoice_pay(
    request: Request,
    microsoft_invoice_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.PAYABLES_WRITE))],
) -> Response:
    values = forms.text_fields(await request.form(), ["paid_date", "currency", "amount", "reference"])
    data, errors = forms.validate(
        MicrosoftPaymentIn,
        {
            "paid_date": values.get("paid_date") or str(clock.today()),
            "currency": values.get("currency", ""),
            "amount": values.get("amount") or "0",
            "reference": values.get("reference", ""),
        },
    )
    if data is not None:
        try:
            service.record_payment(session, principal, microsoft_invoice_id, data)
            return RedirectResponse("/console/microsoft/payables", status_code=303)
        except AppError as exc:
            if exc.status_code == 404:
                raise
            errors = forms.app_error_fields(exc)
    context = _payables_context(request, session, principal) | {"errors": errors, "values": values}
    return render(request, "microsoft/payables.html", context, status_code=422)


@router.get("/invoices/{microsoft_invoice_id}/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request,
    microsoft_invoice_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.PAYABLES_READ))],
) -> Response:
    invoice = service.access_invoice(session, principal, microsoft_invoice_id)
    return render(request, "microsoft/reconciliation.html", {"result": queries.reconcile(session, principal, invoice)})
