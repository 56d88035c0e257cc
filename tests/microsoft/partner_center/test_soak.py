"""Soak: 200 suspend/reactivate operations against a simulator failing 30% of calls end exactly right."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from cspdesk.microsoft.partner_center import PartnerCenterClient, PartnerCenterError, StaticTokenProvider
from cspdesk.microsoft.partner_center.simulator import (
    Fault,
    FaultInjector,
    FaultKind,
    SimulatorState,
    run_simulator_in_thread,
)

from .helpers import CUSTOMER_ID, FakeClock, FakeSleep, customer_body, subscription_body

OPERATIONS = 200
SUBSCRIPTIONS = 8  # 25 operations each: an odd count, so every subscription ends opposite to where it began
MAX_OUTBOX_RUNS = 30
FAULT_WEIGHTS = {
    FaultKind.THROTTLED: 40,
    FaultKind.SERVER_ERROR: 35,
    FaultKind.CONFLICT: 15,
    FaultKind.DELAY: 10,
}


@dataclass(frozen=True)
class Operation:
    subscription_id: str
    target: str
    request_id: str


def _subscription_ids() -> list[str]:
    return [f"sub-{number}" for number in range(SUBSCRIPTIONS)]


def _initial_status(subscription_id: str) -> str:
    return "active" if int(subscription_id.removeprefix("sub-")) < SUBSCRIPTIONS // 2 else "suspended"


def _plan() -> list[Operation]:
    statuses = {item: _initial_status(item) for item in _subscription_ids()}
    operations = []
    for number in range(OPERATIONS):
        subscription_id = _subscription_ids()[number % SUBSCRIPTIONS]
        target = "active" if statuses[subscription_id] == "suspended" else "suspended"
        statuses[subscription_id] = target
        operations.append(Operation(subscription_id, target, str(uuid.UUID(int=number + 1))))
    return operations


def _run_like_an_outbox(client: PartnerCenterClient, operation: Operation) -> None:
    """Repeat a failed job with the same MS-RequestId, as the durable outbox would on its next run."""
    for _ in range(MAX_OUTBOX_RUNS):
        try:
            client.set_subscription_status(
                CUSTOMER_ID, operation.subscription_id, operation.target, request_id=operation.request_id
            )
            return
        except PartnerCenterError as error:
            if not error.retryable:
                raise
    pytest.fail(f"{operation} did not complete in {MAX_OUTBOX_RUNS} outbox runs")


@pytest.fixture
def flaky_simulator() -> Iterator[tuple[SimulatorState, str]]:
    faults = FaultInjector(seed=20250417, rate_percent=30, weights=FAULT_WEIGHTS, delay_ms=400)
    state = SimulatorState(faults=faults)
    state.add_customer(customer_body(CUSTOMER_ID, "Contoso Ltd"))
    for subscription_id in _subscription_ids():
        status = _initial_status(subscription_id)
        suspended_fields = {"autoRenewEnabled": False, "suspensionReasons": ["CustomerNonPayment"]}
        extra = suspended_fields if status == "suspended" else {}
        state.add_subscription(CUSTOMER_ID, subscription_body(subscription_id, status=status, **extra))
    for subscription_id in _subscription_ids()[:3]:
        # On top of the random faults: changes that land but whose answer is lost, so replays surely happen.
        path = f"/v1/customers/{CUSTOMER_ID}/subscriptions/{subscription_id}"
        faults.script(path, Fault(FaultKind.DELAY, delay_ms=400), method="PATCH")
    base_url, stop = run_simulator_in_thread(state)
    yield state, base_url
    stop()


def test_soak_every_change_lands_exactly_once(flaky_simulator: tuple[SimulatorState, str]) -> None:
    state, base_url = flaky_simulator
    clock = FakeClock()
    operations = _plan()

    with httpx.Client(timeout=0.2) as http:
        client = PartnerCenterClient(
            base_url,
            StaticTokenProvider("sim-token"),
            http=http,
            sleep=FakeSleep(clock),
            clock=clock,
            max_attempts=4,
            rng=random.Random(11),
        )
        for operation in operations:
            _run_like_an_outbox(client, operation)

    final = {item: state.subscription(CUSTOMER_ID, item).body for item in _subscription_ids()}
    expected = {item: "suspended" if _initial_status(item) == "active" else "active" for item in _subscription_ids()}
    assert {item: body["status"] for item, body in final.items()} == expected
    assert all(body["autoRenewEnabled"] is False for body in final.values())
    assert all(
        body["suspensionReasons"] == (["CustomerNonPayment"] if body["status"] == "suspended" else [])
        for body in final.values()
    )

    changes = [change for change in state.applied_changes if change.kind == "subscription"]
    assert len(changes) == OPERATIONS
    assert Counter(change.request_id for change in changes) == Counter(op.request_id for op in operations)

    faults = Counter(entry.fault for entry in state.request_log if entry.fault)
    assert set(faults) == {kind.value for kind in FaultKind}
    assert sum(faults.values()) >= 0.2 * len(state.request_log)
    assert any(entry.replayed for entry in state.request_log)
