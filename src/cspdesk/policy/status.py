"""Where a customer stands under the policy, for staff pages, the portal and the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from cspdesk.models.customer import Customer
from cspdesk.policy.engine.state import OpenInvoice, load_state
from cspdesk.policy.timeline import ScheduledStep, Stage, stage
from cspdesk.policy.wording import describe_customer_status

_STAGE_ORDER = list(Stage)


@dataclass(frozen=True)
class InvoiceStatus:
    invoice_id: uuid.UUID
    number: str
    policy_version: int
    currency: str
    due_date: date
    outstanding_minor: int
    stage: Stage
    next_step: str | None
    next_date: date | None
    text: str
    disputed: bool
    promise_until: date | None


@dataclass(frozen=True)
class CustomerStatus:
    customer_id: uuid.UUID
    stage: Stage
    invoices: list[InvoiceStatus]


def _next(item: OpenInvoice) -> ScheduledStep | None:
    dated = [entry for entry in item.timeline.pending_steps if entry.runs_on is not None]
    return min(dated, key=lambda entry: entry.runs_on or date.max, default=None)


def _invoice_status(item: OpenInvoice, lang: str) -> InvoiceStatus:
    following = _next(item)
    number = item.invoice.number or item.invoice.label
    return InvoiceStatus(
        invoice_id=item.invoice.id,
        number=number,
        policy_version=item.version.version,
        currency=item.invoice.currency,
        due_date=item.facts.due_date,
        outstanding_minor=item.outstanding_minor,
        stage=stage(item.timeline),
        next_step=following.step.action if following else None,
        next_date=max(following.runs_on, item.timeline.today) if following and following.runs_on else None,
        text=describe_customer_status(item.timeline, number, lang),
        disputed=item.facts.holds.disputed,
        promise_until=item.facts.holds.promise_to_pay_until,
    )


def customer_status(session: Session, customer: Customer, today: date, lang: str) -> CustomerStatus:
    """Each open invoice's stage, next step and the sentence the customer reads; the customer's furthest stage."""
    lang = lang if lang in ("en", "ru") else "en"
    invoices = [_invoice_status(item, lang) for item in load_state(session, customer, today).invoices]
    furthest = max((s.stage for s in invoices), key=_STAGE_ORDER.index, default=Stage.CURRENT)
    return CustomerStatus(customer.id, furthest, invoices)
