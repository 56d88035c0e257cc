"""Exactly once under faults: 120 suspensions/reactivations against a simulator failing 30% of calls."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.connector.service import request_subscription_status
from cspdesk.db import Database
from cspdesk.jobs.worker import Worker
from cspdesk.kit import clock
from cspdesk.kit.clock import FixedClock
from cspdesk.microsoft.partner_center.simulator import FaultInjector, FaultKind, SimulatorState
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.subscription import Subscription
from tests.connector.helpers import drain_with_fake_clock, initial_status, microsoft_id, seed, sim_resources

ACTIONS = 120
WEIGHTS = {FaultKind.THROTTLED: 35, FaultKind.SERVER_ERROR: 30, FaultKind.CONFLICT: 20, FaultKind.DELAY: 15}


@pytest.fixture
def sim_state() -> SimulatorState:
    faults = FaultInjector(seed=424242, rate_percent=30, weights=WEIGHTS, delay_ms=300, retry_after_choices=(0, 1, 5))
    return SimulatorState(faults=faults)


@pytest.fixture
def fixed() -> Iterator[FixedClock]:
    with clock.frozen_at(datetime(2026, 11, 24, 6, 0, tzinfo=UTC)) as fixed_clock:
        yield fixed_clock


def _target(number: int) -> str:
    return "suspended" if initial_status(number) == "active" else "active"


def test_every_action_is_carried_out_exactly_once_under_faults(
    db: Database, settings: Settings, session: Session, sim_state: SimulatorState, sim_url: str, fixed: FixedClock
) -> None:
    with db.unit_of_work() as s:
        seeded = seed(s, sim_state, ACTIONS)
        for number in range(ACTIONS):
            sub_id = seeded.subscriptions[microsoft_id(number)]
            request_subscription_status(s, sub_id, _target(number), "soak", f"soak:{number}")  # type: ignore[arg-type]
    resources = sim_resources(settings, sim_url, timeout=0.2)
    worker = Worker(
        db, settings, resources=resources, rng=random.Random(3), kinds=frozenset({"pc.subscription_status"})
    )
    drain_with_fake_clock(worker, db, fixed)
    worker.resources.close()

    messages = session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("soak:%"))).scalars()
    assert Counter(m.status for m in messages) == {"done": ACTIONS}
    changes = Counter(c.path for c in sim_state.applied_changes if c.kind == "subscription")
    prefix = f"/v1/customers/{seeded.tenant_id}/subscriptions/"
    assert changes == {prefix + microsoft_id(n): 1 for n in range(ACTIONS)}
    faults = Counter(entry.fault for entry in sim_state.request_log if entry.fault)
    assert set(faults) == {"throttled", "server_error", "conflict", "delay"}
    sim_statuses = {sid: sub.body["status"] for (_, sid), sub in sim_state.subscriptions.items()}
    session.expire_all()
    ours = {
        s.microsoft_id: s.status
        for s in session.execute(select(Subscription)).scalars()
        if s.id in seeded.subscriptions.values()
    }
    expected = {microsoft_id(n): _target(n) for n in range(ACTIONS)}
    assert sim_statuses == expected
    assert ours == expected
