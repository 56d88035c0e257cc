"""Worker jobs of the dunning engine: a daily scan that enqueues one job per customer with something to do."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from cspdesk.jobs.context import JobContext
from cspdesk.jobs.outbox import enqueue
from cspdesk.jobs.registry import handler, schedule
from cspdesk.policy.engine import candidate_customers, run_dunning
from cspdesk.policy.engine.selection import stamp_unversioned

CUSTOMER_KIND = "dunning.customer"


@schedule("dunning.daily")
def enqueue_daily_dunning(session: Session, run_date: date) -> int:
    """Select the customers with a step due (one query) and enqueue one idempotent job for each."""
    stamp_unversioned(session)
    customer_ids = candidate_customers(session, run_date)
    for customer_id in customer_ids:
        enqueue(
            session,
            CUSTOMER_KIND,
            {"customer_id": str(customer_id), "date": run_date.isoformat()},
            f"dunning:{customer_id}:{run_date.isoformat()}",
            subject_type="customer",
            subject_id=str(customer_id),
        )
    return len(customer_ids)


@handler(CUSTOMER_KIND)
def run_customer_dunning(context: JobContext) -> None:
    """Move one customer along the policy for the day of the scan."""
    run_date = date.fromisoformat(context.payload["date"])
    report = run_dunning(context.session, run_date, customer_ids=[uuid.UUID(context.payload["customer_id"])])
    context.result = f"{len(report.actions)} step(s), {report.reactivated} reactivation(s)"
