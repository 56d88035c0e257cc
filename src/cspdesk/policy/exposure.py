"""Exposure: suspended new-commerce subscriptions that Microsoft keeps billing the partner for.

Microsoft bills a suspended NCE subscription to its term end; it can be cancelled (with a prorated refund) only
within 7 days of purchase or renewal. The monthly amount is the latest month of Microsoft cost lines of the
subscription.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import CostLine
from cspdesk.models.policy import PolicySuspension
from cspdesk.models.subscription import Subscription

CANCELLATION_WINDOW_DAYS = 7
_TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise ValueError(day)


def current_term_start(subscription: Subscription, today: date) -> date | None:
    """The start of the term running on `today` (the purchase, or the latest renewal)."""
    months = _TERM_MONTHS.get(subscription.term or "")
    if subscription.start_date is None or months is None or subscription.start_date > today:
        return subscription.start_date
    start, count = subscription.start_date, 0
    while _add_months(subscription.start_date, (count + 1) * months) <= today:
        count += 1
    return _add_months(start, count * months)


def cancellation_allowed_until(subscription: Subscription, today: date) -> date | None:
    """The last day it may still be cancelled, or None when the 7-day window of the current term has passed."""
    start = current_term_start(subscription, today)
    if start is None:
        return None
    last = start + timedelta(days=CANCELLATION_WINDOW_DAYS)
    return last if today <= last else None


def term_end(subscription: Subscription, today: date) -> date | None:
    if subscription.end_date is not None:
        return subscription.end_date
    start, months = current_term_start(subscription, today), _TERM_MONTHS.get(subscription.term or "")
    if start is None or months is None:
        return None
    return _add_months(start, months) - timedelta(days=1)


@dataclass(frozen=True)
class ExposureRow:
    customer_id: uuid.UUID
    customer_name: str
    subscription_id: uuid.UUID
    microsoft_id: str
    product_name: str
    source: str
    suspended_on: date | None
    monthly_cost_minor: int | None
    currency: str | None
    term_end: date | None
    cancellable_until: date | None


def _monthly_costs(session: Session, subscription_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, str]]:
    """Per subscription, the sum of its cost lines in its latest charged month."""
    stmt = (
        select(CostLine.subscription_id, CostLine.charge_start_date, CostLine.total_minor, CostLine.currency)
        .where(CostLine.subscription_id.in_(subscription_ids), CostLine.charge_start_date.is_not(None))
        .order_by(CostLine.subscription_id, CostLine.charge_start_date.desc())
    )
    latest: dict[uuid.UUID, tuple[str, int, str]] = {}
    for sub_id, start, total, currency in session.execute(stmt).all():
        if sub_id is None or start is None:
            continue
        key = start.strftime("%Y-%m")
        seen = latest.get(sub_id)
        if seen is None:
            latest[sub_id] = (key, int(total), currency)
        elif seen[0] == key and seen[2] == currency:
            latest[sub_id] = (key, seen[1] + int(total), currency)
    return {sub_id: (total, currency) for sub_id, (_, total, currency) in latest.items()}


def exposure_report(session: Session, today: date) -> list[ExposureRow]:
    """Every suspended new-commerce subscription (not legacy, which Microsoft stops billing) with its cost."""
    open_suspension = (
        select(PolicySuspension.subscription_id).where(PolicySuspension.reactivated_at.is_(None)).scalar_subquery()
    )
    stmt = (
        select(Subscription, Customer.name)
        .join(Customer, Customer.id == Subscription.customer_id)
        .where(or_(Subscription.status == "suspended", Subscription.id.in_(open_suspension)))
        .where(Subscription.term.is_not(None))
        .order_by(Customer.name, Subscription.product_name)
    )
    rows = session.execute(stmt).all()
    costs = _monthly_costs(session, [sub.id for sub, _ in rows])
    suspended = _open_suspensions(session, [sub.id for sub, _ in rows])
    return [_row(sub, name, costs.get(sub.id), suspended.get(sub.id), today) for sub, name in rows]


def _open_suspensions(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, PolicySuspension]:
    stmt = select(PolicySuspension).where(
        PolicySuspension.subscription_id.in_(ids), PolicySuspension.reactivated_at.is_(None)
    )
    return {s.subscription_id: s for s in session.execute(stmt).scalars()}


def _row(
    sub: Subscription, name: str, cost: tuple[int, str] | None, suspension: PolicySuspension | None, today: date
) -> ExposureRow:
    return ExposureRow(
        customer_id=sub.customer_id,
        customer_name=name,
        subscription_id=sub.id,
        microsoft_id=sub.microsoft_id,
        product_name=sub.product_name,
        source=suspension.source if suspension else "partner_center",
        suspended_on=suspension.suspended_at.date() if suspension else None,
        monthly_cost_minor=cost[0] if cost else None,
        currency=cost[1] if cost else None,
        term_end=term_end(sub, today),
        cancellable_until=cancellation_allowed_until(sub, today),
    )
