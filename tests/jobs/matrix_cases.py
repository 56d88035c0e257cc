"""Matrix cases for the outbox and Partner Center task routes; world objects: a failed message, an open task."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from cspdesk.jobs.outbox import enqueue
from cspdesk.kit import clock
from cspdesk.models.jobs_manual_task import ManualTask
from cspdesk.models.subscription import Subscription
from tests.matrix import Case
from tests.world import World

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/outbox"): Case(),
    ("GET", "/api/outbox/{message_id}"): Case(),
    ("POST", "/api/outbox/{message_id}/retry"): Case(json=lambda w: {}),
    ("GET", "/api/partner-center/tasks"): Case(),
    ("POST", "/api/partner-center/tasks/{task_id}/confirm"): Case(json=lambda w: {"note": "done by hand"}),
    ("GET", "/console/outbox"): Case(),
    ("POST", "/console/outbox/{message_id}/retry"): Case(form=lambda w: {}),
    ("GET", "/console/partner-center/tasks"): Case(),
    ("POST", "/console/partner-center/tasks/{task_id}/confirm"): Case(form=lambda w: {"note": "done by hand"}),
}


def extend_world(session: Session, world: World) -> None:
    """A failed outbox message and an open manual task about customer A's subscription."""
    message = enqueue(session, "matrix.never", {}, f"matrix:{uuid.uuid4()}").message
    message.status = "failed"
    message.last_error = "matrix: failed for the permission tests"
    subscription = session.get(Subscription, world.subscription_a)
    assert subscription is not None
    task = ManualTask(
        outbox_message_id=message.id,
        action="suspend",
        customer_id=world.customer_a,
        subscription_id=world.subscription_a,
        target_status="suspended",
        reason="matrix",
        status="open",
        created_at=clock.now(),
        entitlement_id="",
        done_by_label="",
        note="",
    )
    session.add(task)
    session.flush()
    world.params["message_id"] = message.id
    world.params["task_id"] = task.id
