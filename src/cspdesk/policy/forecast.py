"""What the policy will do in the next N days if nothing is paid, for one customer or for all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.policy import ledger
from cspdesk.policy.engine.state import load_state
from cspdesk.policy.timeline import forecast


@dataclass(frozen=True)
class ForecastEvent:
    day: date
    customer_id: uuid.UUID
    customer_name: str
    invoice_id: uuid.UUID
    invoice_number: str
    step_key: str
    action: str
    fee_minor: int | None
    currency: str


def customers_with_open_invoices(session: Session) -> list[uuid.UUID]:
    stmt = (
        select(Invoice.customer_id)
        .where(ledger.ISSUED_INVOICE, Invoice.due_date.is_not(None), ledger.outstanding_expr() > 0)
        .distinct()
    )
    return list(session.execute(stmt).scalars())


def forecast_events(
    session: Session, today: date, days: int, customer_ids: list[uuid.UUID] | None = None
) -> list[ForecastEvent]:
    """Every step each open invoice will take from today through today + days - 1, by date."""
    ids = customer_ids if customer_ids is not None else customers_with_open_invoices(session)
    events: list[ForecastEvent] = []
    for customer_id in ids:
        customer = session.get(Customer, customer_id)
        if customer is None:
            continue
        for item in load_state(session, customer, today).invoices:
            for day, entry in forecast(item.policy, item.facts, today, days):
                events.append(
                    ForecastEvent(
                        day,
                        customer.id,
                        customer.name,
                        item.invoice.id,
                        item.invoice.number or "",
                        entry.key,
                        entry.step.action,
                        entry.fee_minor,
                        item.invoice.currency,
                    )
                )
    return sorted(events, key=lambda e: (e.day, e.customer_name, e.invoice_number, e.step_key))
