"""Shared steps for billing tests."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing.runs import RunResult, run_invoices
from cspdesk.config import Settings
from cspdesk.models.billing import Invoice


def run(session: Session, settings: Settings, period: str = "2026-10", **kw: object) -> RunResult:
    return run_invoices(session, SYSTEM, settings, period, **kw)  # type: ignore[arg-type]


def draft_of(session: Session, customer_id: uuid.UUID, period: str = "2026-10") -> Invoice:
    stmt = select(Invoice).where(
        Invoice.customer_id == customer_id, Invoice.period == period, Invoice.kind == "invoice"
    )
    return session.execute(stmt).scalar_one()
