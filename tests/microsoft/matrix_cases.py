"""Matrix cases for Microsoft bills: imports, cost ledger, Microsoft invoices, payments and payables."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.kit import clock
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import ImportBatch, MicrosoftInvoice, MicrosoftInvoiceTotal
from tests.matrix import Case
from tests.world import World

_TENANTS: dict[str, str] = {}


def _recon_upload(w: World) -> dict[str, Any]:
    from tests.microsoft.imports.samples import recon_csv, recon_line

    line = recon_line(customer_id=_TENANTS.get("a", str(uuid.uuid4())), subscription_id=str(uuid.uuid4()))
    return {"file_name": "matrix.csv", "content": recon_csv([line])}


def _invoice(w: World) -> dict[str, Any]:
    number = f"G{uuid.uuid4().int % 10**9:09d}"
    return {"number": number, "invoice_date": "2026-02-06", "totals": [{"currency": "EUR", "amount": "100.80"}]}


def _invoice_form(w: World) -> dict[str, Any]:
    number = f"G{uuid.uuid4().int % 10**9:09d}"
    return {"number": number, "invoice_date": "2026-02-06", "currency": "EUR", "amount": "100.80"}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/imports"): Case(),
    ("POST", "/api/imports"): Case(json=_recon_upload),
    ("GET", "/api/imports/{batch_id}"): Case(),
    ("GET", "/api/cost-ledger/{customer_id}"): Case(object_scoped=True),
    ("GET", "/api/cost-ledger/{customer_id}/usage-detail"): Case(object_scoped=True),
    ("GET", "/api/microsoft-invoices"): Case(),
    ("POST", "/api/microsoft-invoices"): Case(json=_invoice),
    ("GET", "/api/microsoft-invoices/{microsoft_invoice_id}"): Case(),
    ("PATCH", "/api/microsoft-invoices/{microsoft_invoice_id}"): Case(json=lambda w: {"notes": "checked"}),
    ("DELETE", "/api/microsoft-invoices/{microsoft_invoice_id}"): Case(),
    ("POST", "/api/microsoft-invoices/{microsoft_invoice_id}/payments"): Case(
        json=lambda w: {"paid_date": "2026-03-01", "currency": "EUR", "amount": "50.00"}
    ),
    ("GET", "/api/microsoft-invoices/{microsoft_invoice_id}/reconciliation"): Case(),
    ("GET", "/api/payables"): Case(),
    ("GET", "/console/microsoft/imports"): Case(),
    ("POST", "/console/microsoft/imports"): Case(form=lambda w: {}),
    ("GET", "/console/microsoft/imports/{batch_id}"): Case(),
    # A job belongs to the user who started it; the matrix's job id is nobody's, so even allowed roles get 404.
    ("GET", "/console/microsoft/imports/jobs/{job_id}"): Case(owner_scoped=True),
    ("GET", "/console/microsoft/ledger"): Case(),
    ("GET", "/console/microsoft/payables"): Case(),
    ("POST", "/console/microsoft/invoices"): Case(form=_invoice_form),
    ("POST", "/console/microsoft/invoices/{microsoft_invoice_id}/payments"): Case(
        form=lambda w: {"currency": "EUR", "amount": "10.00", "paid_date": "2026-03-01"}
    ),
    ("GET", "/console/microsoft/invoices/{microsoft_invoice_id}/reconciliation"): Case(),
}


def extend_world(session: Session, world: World) -> None:
    customer = session.get(Customer, world.customer_a)
    assert customer is not None
    _TENANTS["a"] = str(customer.tenant_id)
    batch = ImportBatch(
        kind="nce-recon",
        file_name="world.csv",
        sha256="0" * 64,
        size_bytes=1,
        row_count=0,
        new_row_count=0,
        rejected_count=0,
        billed=True,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        imported_at=clock.now(),
        imported_by="world",
    )
    invoice = MicrosoftInvoice(
        number="G000000001",
        invoice_date=date(2026, 2, 1),
        due_date=date(2026, 4, 2),
        totals=[MicrosoftInvoiceTotal(currency="EUR", total_minor=10080)],
    )
    session.add_all([batch, invoice])
    session.flush()
    world.params["batch_id"] = batch.id
    world.params["microsoft_invoice_id"] = invoice.id
    world.params["job_id"] = "no-such-import-job"
