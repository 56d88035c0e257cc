"""Small pieces shared by the Microsoft pages and API: periods, applied batches, JSON of the ledger, the chart."""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.kit import clock
from cspdesk.kit.errors import ValidationFailed, field_error
from cspdesk.microsoft.ledger.queries import CostLedger
from cspdesk.models.microsoft import ImportBatch


def month_bounds(period: str) -> tuple[date, date]:
    """'YYYY-MM' -> first and last day; blank means the previous month (the last one Microsoft billed)."""
    if not period:
        today = clock.today()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    else:
        try:
            year, month = (int(part) for part in period.split("-"))
            date(year, month, 1)
        except ValueError as exc:
            raise ValidationFailed("period must be YYYY-MM", details=[field_error("period", "YYYY-MM")]) from exc
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def applied_usage_batches(session: Session) -> set[uuid.UUID]:
    stmt = select(ImportBatch.id).where(ImportBatch.kind == "daily-usage", ImportBatch.status == "applied")
    return set(session.execute(stmt).scalars())


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def ledger_json(ledger: CostLedger) -> dict[str, Any]:
    return {
        "customer_id": str(ledger.customer.id),
        "customer_name": ledger.customer.name,
        "period_start": str(ledger.period_start),
        "period_end": str(ledger.period_end),
        "lines": [
            {
                "id": str(line.id),
                "subscription": line.microsoft_subscription_id,
                "product_name": line.product_name,
                "sku_name": line.sku_name,
                "product_family": line.product_family,
                "charge_type": line.charge_type,
                "charge_start_date": str(line.charge_start_date) if line.charge_start_date else None,
                "charge_end_date": str(line.charge_end_date) if line.charge_end_date else None,
                "quantity": _text(line.quantity),
                "billable_quantity": _text(line.billable_quantity),
                "unit_price": _text(line.unit_price),
                "effective_unit_price": _text(line.effective_unit_price),
                "exchange_rate": _text(line.exchange_rate),
                "currency": line.currency,
                "subtotal_minor": line.subtotal_minor,
                "tax_minor": line.tax_minor,
                "total_minor": line.total_minor,
                "invoice_number": line.invoice_number,
                "billed": line.billed,
            }
            for line in ledger.lines
        ],
        "usage": [
            {
                "entitlement_id": u.entitlement_id,
                "entitlement_description": u.entitlement_description,
                "meter_category": u.meter_category,
                "meter_name": u.meter_name,
                "usage_date": str(u.usage_date),
                "currency": u.currency,
                "pec_percentage": _text(u.pec_percentage),
                "credit_type": u.credit_type,
                "quantity": _text(u.quantity),
                "amount": _text(u.amount),
                "rows": u.rows,
            }
            for u in ledger.usage
        ],
        "license_totals_minor": ledger.license_totals,
        "usage_totals": {c: _text(v) for c, v in ledger.usage_totals.items()},
        "totals_minor": ledger.totals,
    }


def bar_chart(series: list[tuple[str, int]], *, width: int = 640, height: int = 160) -> dict[str, Any]:
    """Geometry of a simple bar chart (label, value) for the inline SVG in the payables page."""
    peak = max((value for _, value in series), default=0) or 1
    slot = width / max(len(series), 1)
    bars = []
    for index, (label, value) in enumerate(series):
        bar_height = round((height - 30) * value / peak)
        bars.append(
            {
                "x": round(index * slot + 4),
                "y": height - 20 - bar_height,
                "w": max(round(slot - 8), 2),
                "h": bar_height,
                "label": label,
                "value": value,
            }
        )
    return {"width": width, "height": height, "bars": bars}
