"""Termination in Partner Center: cancel (status "deleted") inside the window, else auto-renew off by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.connector import service
from cspdesk.db import Database
from cspdesk.jobs.context import Resources
from cspdesk.kit import clock
from cspdesk.kit.clock import FixedClock
from cspdesk.microsoft.partner_center import BusinessRuleError
from cspdesk.microsoft.partner_center.models import Subscription as PcSubscription
from cspdesk.microsoft.partner_center.simulator import SimulatorState
from cspdesk.models.audit import AuditEntry
from cspdesk.models.jobs_manual_task import ManualTask
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.subscription import Subscription
from tests.connector.helpers import microsoft_id, seed, sim_resources
from tests.jobs.helpers import TEST_KINDS, make_worker
from tests.world import World

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
KINDS = TEST_KINDS | {service.AUTO_RENEW_KIND}


@pytest.fixture
def fixed() -> Iterator[FixedClock]:
    with clock.frozen_at(T0) as fixed_clock:
        yield fixed_clock


def _tasks(session: Session, subscription_id: uuid.UUID) -> list[tuple[str, str, str]]:
    session.expire_all()
    stmt = (
        select(ManualTask)
        .where(ManualTask.subscription_id == subscription_id, ManualTask.reason != "matrix")
        .order_by(ManualTask.created_at, ManualTask.action)
    )
    return [(t.action, t.target_status, t.status) for t in session.execute(stmt).unique().scalars()]


def _audit(session: Session, subscription_id: uuid.UUID) -> list[str]:
    stmt = select(AuditEntry.action).where(AuditEntry.object_id == str(subscription_id))
    return sorted(session.execute(stmt).scalars())


def _window(sim_state: SimulatorState, tenant: str, number: int, until: datetime) -> None:
    sim_state.subscriptions[(tenant, microsoft_id(number))].body["cancellationAllowedUntilDate"] = until.isoformat()


def test_inside_the_window_the_simulator_cancels_and_cspdesk_records_deleted(
    db: Database, settings: Settings, session: Session, sim_state: SimulatorState, sim_url: str, fixed: FixedClock
) -> None:
    sim_state.now = clock.now
    with db.unit_of_work() as s:
        seeded = seed(s, sim_state, 1)
        sub_id = seeded.subscriptions[microsoft_id(0)]
        service.request_subscription_status(s, sub_id, "deleted", "invoice unpaid", "term:a:cancel")
    _window(sim_state, seeded.tenant_id, 0, T0 + timedelta(days=2))
    worker = make_worker(db, settings, resources=sim_resources(settings, sim_url), kinds=KINDS)
    assert [o.status for o in worker.drain()] == ["done"]
    worker.resources.close()
    assert sim_state.subscriptions[(seeded.tenant_id, microsoft_id(0))].body["status"] == "deleted"
    session.expire_all()
    assert session.get(Subscription, sub_id).status == "deleted"  # type: ignore[union-attr]
    assert _audit(session, sub_id) == ["subscription.status_requested", "subscription.status_sync"]


def test_past_the_window_nothing_is_cancelled_and_auto_renew_off_becomes_a_task(
    db: Database, settings: Settings, session: Session, sim_state: SimulatorState, sim_url: str, fixed: FixedClock
) -> None:
    sim_state.now = clock.now
    with db.unit_of_work() as s:
        seeded = seed(s, sim_state, 1)
        sub_id = seeded.subscriptions[microsoft_id(0)]
        service.request_subscription_status(s, sub_id, "deleted", "invoice unpaid", "term:b:cancel")
    _window(sim_state, seeded.tenant_id, 0, T0 - timedelta(days=1))
    worker = make_worker(db, settings, resources=sim_resources(settings, sim_url), kinds=KINDS)
    assert [o.status for o in worker.drain()] == ["done", "done"]  # the cancel, then the auto-renew task
    worker.resources.close()
    assert sim_state.applied_changes == []
    assert sim_state.subscriptions[(seeded.tenant_id, microsoft_id(0))].body["status"] == "active"
    session.expire_all()
    message = session.execute(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == "term:b:cancel")
    ).scalar_one()
    assert message.result == (
        "cancellation is no longer allowed: the partner pays to the end of the term; auto-renew off requested"
    )
    assert _tasks(session, sub_id) == [("auto_renew_off", "auto_renew_off", "open")]
    assert _audit(session, sub_id) == [
        "subscription.auto_renew_requested",
        "subscription.cancel_refused",
        "subscription.status_requested",
    ]


def test_manual_mode_cancel_is_a_task_and_auto_renew_tasks_leave_status_tasks_alone(
    db: Database, settings: Settings, session: Session, world: World
) -> None:
    sub_id = world.subscription_a
    with db.unit_of_work() as s:
        service.request_subscription_status(s, sub_id, "suspended", "overdue", "term:c:suspend")
    make_worker(db, settings, kinds=KINDS).drain()
    with db.unit_of_work() as s:
        service.request_auto_renew(s, sub_id, False, "unpaid", "term:c:auto_renew_off")
    make_worker(db, settings, kinds=KINDS).drain()
    assert _tasks(session, sub_id) == [
        ("suspend", "suspended", "open"),
        ("auto_renew_off", "auto_renew_off", "open"),
    ]
    with db.unit_of_work() as s:
        service.request_subscription_status(s, sub_id, "deleted", "unpaid", "term:c:cancel")
    make_worker(db, settings, kinds=KINDS).drain()
    assert _tasks(session, sub_id) == [
        ("suspend", "suspended", "cancelled"),
        ("auto_renew_off", "auto_renew_off", "open"),
        ("cancel", "deleted", "open"),
    ]
    with db.unit_of_work() as s:
        stmt = select(ManualTask).where(
            ManualTask.subscription_id == sub_id, ManualTask.status == "open", ManualTask.reason != "matrix"
        )
        for task in list(s.execute(stmt).unique().scalars()):
            service.confirm_task(s, SYSTEM, task.id, "done in Partner Center")
    session.expire_all()
    subscription = session.get(Subscription, sub_id)
    assert subscription is not None
    assert (subscription.status, subscription.auto_renew) == ("deleted", False)
    assert "subscription.auto_renew_sync" in _audit(session, sub_id)


class WindowPassedClient:
    """Partner Center that does not send cancellationAllowedUntilDate but refuses the cancel with 900213."""

    def get_subscription(self, *args: object, **kwargs: object) -> object:
        return PcSubscription.model_validate({"id": "ms-x", "status": "suspended"})

    def set_subscription_status(self, *args: object, **kwargs: object) -> object:
        raise BusinessRuleError(
            "The cancellation window has passed: the partner pays for the rest of the term.",
            http_status=400,
            code=900213,
        )

    def close(self) -> None:
        pass


def test_a_cancel_refused_with_900213_records_it_and_asks_for_auto_renew_off(
    db: Database, settings: Settings, session: Session, world: World, fixed: FixedClock
) -> None:
    with db.unit_of_work() as s:
        service.request_subscription_status(s, world.subscription_a, "deleted", "unpaid", "term:d:cancel")
    resources = Resources(settings, partner_center_factory=lambda _s: WindowPassedClient())  # type: ignore[arg-type,return-value]
    assert [o.status for o in make_worker(db, settings, resources=resources, kinds=KINDS).drain()] == ["done", "done"]
    assert _tasks(session, world.subscription_a) == [("auto_renew_off", "auto_renew_off", "open")]
    session.expire_all()
    assert session.get(Subscription, world.subscription_a).status == "active"  # type: ignore[union-attr]
