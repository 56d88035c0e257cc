"""Worker jobs of the dunning engine: a daily scan that enqueues one job per customer with something to do."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from cspdesk.jobs.context import JobContext
from cspdesk.jobs.outbox import PRIORITY_DEFAULT
from cspdesk.jobs.registry import handler, schedule
from cspdesk.policy.engine import candidate_customers, run_dunning
from cspdesk.policy.engine.selection import stamp_unversioned
from cspdesk.policy.engine.snapshot import chunked
from cspdesk.policy.engine.writes import enqueue_many, outbox_values

CUSTOMER_KIND = "dunning.customer"


@schedule("dunning.daily")
def enqueue_daily_dunning(session: Session, run_date: date) -> int:
    """Select the customers with a step due (one query) and enqueue one idempotent job for each (bulk insert)."""
    stamp_unversioned(session)
    customer_ids = candidate_customers(session, run_date)
    day = run_date.isoformat()
    for part in chunked(customer_ids):
        jobs = [
            outbox_values(
                CUSTOMER_KIND,
                f"dunning:{customer_id}:{day}",
                {"customer_id": str(customer_id), "date": day},
                subject_type="customer",
                subject_id=str(customer_id),
                priority=PRIORITY_DEFAULT,
            )
            for customer_id in part
        ]
        enqueue_many(session, jobs)
    return len(customer_ids)


@handler(CUSTOMER_KIND)
def run_customer_dunning(context: JobContext) -> None:
    """Move one customer along the policy for the day of the scan."""
    run_date = date.fromisoformat(context.payload["date"])
    report = run_dunning(context.session, run_date, customer_ids=[uuid.UUID(context.payload["customer_id"])])
    context.result = f"{len(report.actions)} step(s), {report.reactivated} reactivation(s)"
