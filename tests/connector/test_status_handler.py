"""The Partner Center handlers: MS-RequestId from the key, 409 rescheduled, business errors fail clearly, sync."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.connector.client import request_id_for
from cspdesk.connector.service import request_entitlement_action, request_subscription_status
from cspdesk.connector.sync import sync_from_partner_center
from cspdesk.db import Database
from cspdesk.jobs.context import Resources
from cspdesk.kit import clock
from cspdesk.kit.clock import FixedClock
from cspdesk.microsoft.partner_center import BusinessRuleError, PartnerCenterClient
from cspdesk.microsoft.partner_center.simulator import Fault, FaultKind, SimulatorState
from cspdesk.models.customer import Customer
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.subscription import Subscription
from tests.connector.helpers import microsoft_id, seed, sim_resources
from tests.jobs.helpers import make_worker

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


@pytest.fixture
def fixed() -> Iterator[FixedClock]:
    with clock.frozen_at(T0) as fixed_clock:
        yield fixed_clock


def _message(session: Session, key: str) -> OutboxMessage:
    session.expire_all()
    return session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar_one()


def test_a_suspension_uses_the_keys_request_id_and_a_409_reschedules_after_two_minutes(
    db: Database, settings: Settings, session: Session, sim_state: SimulatorState, sim_url: str, fixed: FixedClock
) -> None:
    with db.unit_of_work() as s:
        seeded = seed(s, sim_state, 1)
        request_subscription_status(s, seeded.subscriptions[microsoft_id(0)], "suspended", "overdue", "pol:x:1")
    path = f"/v1/customers/{seeded.tenant_id}/subscriptions/{microsoft_id(0)}"
    sim_state.faults.script(path, Fault(FaultKind.CONFLICT), method="PATCH")
    worker = make_worker(db, settings, resources=sim_resources(settings, sim_url))
    assert [o.status for o in worker.drain()] == ["retry"]
    message = _message(session, "pol:x:1")
    assert message.next_attempt_at == T0 + timedelta(seconds=120)
    assert message.last_error is not None and "renewal in progress" in message.last_error
    fixed.advance(timedelta(seconds=120))
    assert [o.status for o in worker.drain()] == ["done"]
    worker.resources.close()
    [change] = sim_state.applied_changes
    assert (change.path, change.request_id) == (path, request_id_for("pol:x:1"))
    assert session.get(Subscription, seeded.subscriptions[microsoft_id(0)]).status == "suspended"  # type: ignore[union-attr]


class RefusingClient:
    def set_subscription_status(self, *args: object, **kwargs: object) -> object:
        raise BusinessRuleError(
            "Cannot update a suspended subscription: reactivate it first, changing nothing but its status.",
            http_status=400,
            code=800091,
        )

    def close(self) -> None:
        pass


def test_a_microsoft_business_error_fails_at_once_with_its_clear_message(
    db: Database, settings: Settings, session: Session, world: object, fixed: FixedClock
) -> None:
    with db.unit_of_work() as s:
        sub = s.execute(select(Subscription).limit(1)).unique().scalar_one()
        request_subscription_status(s, sub.id, "suspended", "overdue", "pol:refused")
    resources = Resources(settings, partner_center_factory=lambda _s: RefusingClient())  # type: ignore[arg-type,return-value]
    assert [o.status for o in make_worker(db, settings, resources=resources).drain()] == ["failed"]
    assert _message(session, "pol:refused").last_error == (
        "Cannot update a suspended subscription: reactivate it first, changing nothing but its status."
        " (HTTP 400, code 800091)"
    )


def test_an_azure_entitlement_is_cancelled_once(
    db: Database, settings: Settings, session: Session, sim_state: SimulatorState, sim_url: str, fixed: FixedClock
) -> None:
    with db.unit_of_work() as s:
        seeded = seed(s, sim_state, 0)
        customer = s.execute(select(Customer).where(Customer.tenant_id == uuid.UUID(seeded.tenant_id))).scalar_one()
        plan = Subscription(
            microsoft_id="plan-1", customer=customer, product_name="Azure plan", product_family="azure_plan"
        )
        s.add(plan)
        s.flush()
        sim_state.add_subscription(seeded.tenant_id, {"id": "plan-1"}, azure_entitlements=[{"id": "ent-1"}])
        request_entitlement_action(s, plan.id, "ent-1", "cancel", "overdue", "pol:azure:1")
        request_entitlement_action(s, plan.id, "ent-1", "cancel", "overdue", "pol:azure:1")
    worker = make_worker(db, settings, resources=sim_resources(settings, sim_url))
    assert [o.status for o in worker.drain()] == ["done"]
    worker.resources.close()
    assert [c.kind for c in sim_state.applied_changes] == ["azure_entitlement"]
    assert sim_state.entitlement(seeded.tenant_id, "plan-1", "ent-1")["status"] == "canceled"
    assert _message(session, "pol:azure:1").result == (
        f"Azure subscription ent-1 is now canceled (MS-RequestId {request_id_for('pol:azure:1')})"
    )


def test_sync_imports_all_pages_and_keeps_unknown_statuses(
    session: Session, sim_state: SimulatorState, sim_url: str, settings: Settings
) -> None:
    tenants = [str(uuid.uuid4()) for _ in range(3)]
    for number, tenant in enumerate(tenants):
        sim_state.add_customer({"id": tenant, "companyProfile": {"tenantId": tenant, "companyName": f"Sync {number}"}})
        sim_state.add_subscription(
            tenant, {"id": f"sync-{number}", "friendlyName": f"E3 #{number}", "status": "Transferring"}
        )
    client = sim_resources(settings, sim_url).partner_center()
    assert isinstance(client, PartnerCenterClient)
    with client:
        first = sync_from_partner_center(session, client, country="DE", currency="EUR", page_size=1)
        again = sync_from_partner_center(session, client, country="DE", currency="EUR")
    pages = [e for e in sim_state.request_log if e.path == "/v1/customers" and e.status_code == 200]
    assert [e.continuation_token is not None for e in pages][:3] == [False, True, True]
    assert (first.customers_seen, first.customers_created, first.subscriptions_created) == (3, 3, 3)
    assert (again.customers_created, again.subscriptions_created, again.subscriptions_updated) == (0, 0, 0)
    subs = session.execute(select(Subscription).where(Subscription.microsoft_id.like("sync-%"))).unique().scalars()
    assert sorted((s.microsoft_id, s.status, s.needs_review, s.status_known) for s in subs) == [
        (f"sync-{n}", "transferring", True, False) for n in range(3)
    ]
