"""Seeding the same customer and subscriptions into cspdesk and the simulator, and draining with a fake clock."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs.context import Resources
from cspdesk.jobs.worker import Worker
from cspdesk.kit.clock import FixedClock
from cspdesk.microsoft.partner_center import PartnerCenterClient, StaticTokenProvider
from cspdesk.microsoft.partner_center.simulator import DEFAULT_SIM_TOKEN, SimulatorState
from cspdesk.models.customer import Customer
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.subscription import Subscription


@dataclass(frozen=True)
class Seeded:
    tenant_id: str
    subscriptions: dict[str, uuid.UUID]  # microsoft id -> cspdesk id


def microsoft_id(number: int) -> str:
    return str(uuid.UUID(int=0xA0000000_0000_4000_8000_000000000000 + number))


def initial_status(number: int) -> str:
    return "active" if number % 2 == 0 else "suspended"


def seed(session: Session, state: SimulatorState, count: int, *, name: str = "Soak Customer") -> Seeded:
    """One customer with `count` subscriptions, alternately active and suspended, in both places."""
    tenant = uuid.uuid4()
    customer = Customer(name=name, tenant_id=tenant, country="DE", billing_currency="EUR")
    session.add(customer)
    state.add_customer(
        {"id": str(tenant), "companyProfile": {"tenantId": str(tenant), "domain": "soak.test", "companyName": name}}
    )
    ids: dict[str, uuid.UUID] = {}
    for number in range(count):
        status = initial_status(number)
        sub = Subscription(
            microsoft_id=microsoft_id(number), customer=customer, product_name=f"M365 #{number}", status=status
        )
        session.add(sub)
        session.flush()
        ids[sub.microsoft_id] = sub.id
        state.add_subscription(str(tenant), {"id": sub.microsoft_id, "status": status, "quantity": 5})
    session.flush()
    return Seeded(str(tenant), ids)


def sim_resources(settings: Settings, base_url: str, *, timeout: float = 5.0) -> Resources:
    """Resources whose Partner Center client talks to the simulator and never really sleeps between retries."""

    def build(_settings: Settings) -> PartnerCenterClient:
        return PartnerCenterClient(
            base_url,
            StaticTokenProvider(DEFAULT_SIM_TOKEN),
            http=httpx.Client(timeout=timeout),
            sleep=lambda _seconds: None,
            rng=random.Random(7),
        )

    return Resources(settings, partner_center_factory=build)


def pending_count(session: Session) -> int:
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
    return int(session.execute(stmt).scalar_one())


def drain_with_fake_clock(worker: Worker, database: Database, fixed: FixedClock, *, wall_seconds: float = 120.0) -> int:
    """Run the worker until nothing is pending; when nothing is due, move the clock to the next due time."""
    deadline = time.monotonic() + wall_seconds
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        worker.drain()
        with database.unit_of_work() as s:
            stmt = select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending")
            next_due = s.execute(stmt).scalar_one_or_none()
        if next_due is None:
            return rounds
        fixed.set(max(next_due, fixed.now()))
    raise AssertionError("the outbox did not drain before the deadline")
