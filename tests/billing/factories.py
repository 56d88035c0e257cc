"""Rows for billing tests: customers, cost-ledger lines and usage aggregates made directly (no importer)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.kit import clock
from cspdesk.models.customer import BillingContact, Customer
from cspdesk.models.microsoft import CostLine, ImportBatch, UsageAggregate


def customer(session: Session, name: str = "Acme", currency: str = "EUR", country: str = "DE", **kw: Any) -> Customer:
    row = Customer(
        name=name,
        tenant_id=uuid.uuid4(),
        country=country,
        billing_currency=currency,
        language=kw.pop("language", "en"),
        contacts=[BillingContact(name="AP", email=f"ap@{uuid.uuid4().hex[:6]}.test")],
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def batch(session: Session) -> ImportBatch:
    row = ImportBatch(
        kind="nce-recon",
        file_name="test.csv",
        sha256=uuid.uuid4().hex,
        size_bytes=1,
        row_count=1,
        billed=True,
        imported_at=clock.now(),
        imported_by="test",
    )
    session.add(row)
    session.flush()
    return row


def cost_line(session: Session, owner: Customer, batch_row: ImportBatch, **kw: Any) -> CostLine:
    values: dict[str, Any] = {
        "batch_id": batch_row.id,
        "row_key": uuid.uuid4().hex,
        "line_no": 1,
        "billed": True,
        "customer_id": owner.id,
        "microsoft_subscription_id": "sub-1",
        "sku_id": "SKU1",
        "sku_name": "Microsoft 365 E3",
        "product_name": "Microsoft 365 E3",
        "product_family": "microsoft_365",
        "product_kind": "license",
        "charge_type": "cycleCharge",
        "charge_start_date": date(2026, 10, 1),
        "charge_end_date": date(2026, 10, 31),
        "billing_frequency": "Monthly",
        "unit_price": Decimal("36.00"),
        "effective_unit_price": Decimal("32.40"),
        "quantity": Decimal(10),
        "billable_quantity": Decimal(10),
        "currency": "EUR",
        "exchange_rate": Decimal(1),
        "subtotal_minor": 32400,
        "tax_minor": 0,
        "total_minor": 32400,
    }
    values.update(kw)
    row = CostLine(**values)
    session.add(row)
    session.flush()
    return row


def usage(session: Session, owner: Customer, batch_row: ImportBatch, **kw: Any) -> UsageAggregate:
    values: dict[str, Any] = {
        "batch_id": batch_row.id,
        "billed": True,
        "customer_id": owner.id,
        "microsoft_subscription_id": "azure-plan-1",
        "entitlement_id": "ent-1",
        "entitlement_description": "Production",
        "usage_date": date(2026, 10, 5),
        "meter_id": "m1",
        "meter_category": "Virtual Machines",
        "pec_percentage": Decimal(0),
        "quantity": Decimal(10),
        "billing_pre_tax_total": Decimal("85.00"),
        "billing_currency": "EUR",
        "pricing_pre_tax_total": Decimal("85.00"),
        "pricing_currency": "EUR",
        "unit_price": Decimal("10"),
        "effective_unit_price": Decimal("8.5"),
        "exchange_rate": Decimal(1),
        "row_count": 1,
    }
    values.update(kw)
    row = UsageAggregate(**values)
    session.add(row)
    session.flush()
    return row
