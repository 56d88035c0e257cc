"""Set-based selection of the customers the daily run must look at: one query over all invoices.

A customer is a candidate when one of its issued, unpaid invoices has a step dated on or before today (ignoring
holds and weekends, which can only move a step later) that has no action row yet, or when it has subscriptions
suspended by the policy (a payment may have cleared them).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, update
from sqlalchemy.orm import Session

from cspdesk.models.billing import Invoice
from cspdesk.models.policy import DunningAction, PolicySuspension, PolicyVersion
from cspdesk.policy import ledger, service
from cspdesk.policy.document import LateFeeStep, Step
from cspdesk.policy.timeline import step_key


def stamp_unversioned(session: Session) -> int:
    """Give issued invoices without a policy version the version in force when they were issued (bulk)."""
    versions = list(session.execute(select(PolicyVersion).order_by(PolicyVersion.version)).scalars())
    stamped = 0
    for index, version in enumerate(versions):
        stmt = update(Invoice).where(ledger.ISSUED_INVOICE, Invoice.policy_version_id.is_(None))
        if index + 1 < len(versions):
            next_day = versions[index + 1].published_at.date()
            stmt = stmt.where(Invoice.issue_date < next_day)
        result = session.execute(stmt.values(policy_version_id=version.id).execution_options(synchronize_session=False))
        stamped += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return stamped


def _no_action(version_id: uuid.UUID, key: str) -> ColumnElement[bool]:
    return ~exists().where(
        DunningAction.invoice_id == Invoice.id,
        DunningAction.step_key == key,
        DunningAction.policy_version_id == version_id,
    )


def _no_recent_fee(version_id: uuid.UUID, step: LateFeeStep, today: date) -> ColumnElement[bool]:
    every = step.repeat_every_days or 1
    return ~exists().where(
        DunningAction.invoice_id == Invoice.id,
        DunningAction.step_key.like(f"{step_key(step)}%"),
        DunningAction.policy_version_id == version_id,
        DunningAction.action_date > today - timedelta(days=every),
    )


def _step_reached(version_id: uuid.UUID, step: Step, today: date) -> ColumnElement[bool]:
    reached = Invoice.due_date <= today - timedelta(days=step.offset)
    if isinstance(step, LateFeeStep) and not step.once:
        return and_(reached, _no_recent_fee(version_id, step, today))
    return and_(reached, _no_action(version_id, step_key(step)))


def _version_clause(version: PolicyVersion, today: date) -> ColumnElement[bool]:
    steps = service.document_of(version).steps
    reached = [_step_reached(version.id, step, today) for step in steps]
    return and_(Invoice.policy_version_id == version.id, or_(false(), *reached))


def candidate_customers(session: Session, today: date) -> list[uuid.UUID]:
    """Customers with a step to consider today, or with policy suspensions to review; two queries in all."""
    versions = list(session.execute(select(PolicyVersion)).scalars())
    if not versions:
        return []
    step_due = or_(false(), *[_version_clause(version, today) for version in versions])
    invoices = (
        select(Invoice.customer_id)
        # Outstanding first: most invoices are paid, and SQLite then skips their per-step probes (about 20 % less CPU).
        .where(ledger.ISSUED_INVOICE, Invoice.due_date.is_not(None), ledger.outstanding_expr() > 0, step_due)
        .distinct()
    )
    suspended = select(PolicySuspension.customer_id).where(
        PolicySuspension.reactivated_at.is_(None), PolicySuspension.source == "policy"
    )
    found = set(session.execute(invoices).scalars()) | set(session.execute(suspended.distinct()).scalars())
    return sorted(found, key=str)
