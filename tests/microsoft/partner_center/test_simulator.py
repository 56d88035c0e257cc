"""The simulator on its own: auth, error bodies, rules, ETags, idempotency, paging, faults, admin endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cspdesk.microsoft.partner_center.simulator import (
    Fault,
    FaultInjector,
    FaultKind,
    SimulatorState,
    create_simulator_app,
    seed_demo_state,
)

from .helpers import CUSTOMER_ID, SUBSCRIPTION_ID, customer_body, seed_one_subscription, subscription_path

AUTH = {"Authorization": "Bearer sim-token"}


@pytest.fixture
def state() -> SimulatorState:
    return SimulatorState()


@pytest.fixture
def api(state: SimulatorState) -> Iterator[TestClient]:
    with TestClient(create_simulator_app(state)) as client:
        yield client


def _patch(api: TestClient, body: dict[str, Any], *, request_id: str, etag: str | None = None) -> Any:
    headers = {**AUTH, "MS-RequestId": request_id, **({"If-Match": etag} if etag else {})}
    return api.patch(subscription_path(), json=body, headers=headers)


def _current(api: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = api.get(subscription_path(), headers=AUTH).json()
    return body


def test_missing_or_wrong_bearer_token_is_401(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state)

    missing = api.get(subscription_path())
    wrong = api.get(subscription_path(), headers={"Authorization": "Bearer nope"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.json()["code"] == 401


def test_error_body_has_microsofts_shape(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state, status="suspended")
    body = {**_current(api), "status": "suspended", "friendlyName": "renamed"}

    response = _patch(api, body, request_id="r-1")

    assert response.status_code == 400
    assert response.json() == {
        "code": 800091,
        "description": "Cannot update a suspended subscription.",
        "errorName": "CannotUpdateSuspendedSubscription",
        "isRetryable": False,
        "data": [],
        "source": "PartnerFD",
    }


def test_quantity_cannot_change_while_suspending(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state, quantity=10)
    body = {**_current(api), "status": "suspended", "quantity": 9}

    response = _patch(api, body, request_id="r-1")

    assert (response.status_code, response.json()["code"]) == (400, 2001)


def test_reactivation_keeps_auto_renew_off(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state)
    suspended = _patch(api, {**_current(api), "status": "suspended"}, request_id="r-1").json()

    reactivated = _patch(api, {**suspended, "status": "active"}, request_id="r-2").json()

    assert (suspended["autoRenewEnabled"], suspended["suspensionReasons"]) == (False, ["CustomerNonPayment"])
    assert (reactivated["status"], reactivated["autoRenewEnabled"], reactivated["suspensionReasons"]) == (
        "active",
        False,
        [],
    )


def test_etag_changes_on_every_update_and_a_stale_one_gets_412(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state)
    first = _current(api)
    first_etag = first["attributes"]["etag"]

    suspended = _patch(api, {**first, "status": "suspended"}, request_id="r-1", etag=first_etag).json()
    stale = _patch(api, {**first, "status": "active"}, request_id="r-2", etag=first_etag)

    assert suspended["attributes"]["etag"] != first_etag
    assert (stale.status_code, stale.json()["code"]) == (412, 412)


def test_repeated_patch_with_the_same_request_id_is_applied_once(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state)
    current = _current(api)
    body = {**current, "status": "suspended"}
    etag = current["attributes"]["etag"]

    first = _patch(api, body, request_id="same-id", etag=etag)
    second = _patch(api, body, request_id="same-id", etag=etag)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert second.headers["X-Simulator-Replay"] == "true"
    assert [(change.request_id, change.summary) for change in state.applied_changes] == [
        ("same-id", "status active -> suspended")
    ]
    assert state.request_counts()[f"PATCH {subscription_path()}"] == 2


def test_renewal_in_progress_is_409(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state)
    state.set_renewal_in_progress(CUSTOMER_ID, SUBSCRIPTION_ID, True)

    response = _patch(api, {**_current(api), "status": "suspended"}, request_id="r-1")

    assert response.status_code == 409
    assert response.json()["errorName"] == "SubscriptionRenewalInProgress"


def test_paging_envelope_and_invalid_token(state: SimulatorState, api: TestClient) -> None:
    for number in range(3):
        state.add_customer(customer_body(f"tenant-{number}", f"Customer {number}"))

    first = api.get("/v1/customers", params={"size": 2}, headers=AUTH).json()
    token = first["links"]["next"]["headers"][0]["value"]
    second = api.get("/v1/customers?size=2", headers={**AUTH, "MS-ContinuationToken": token}).json()
    invalid = api.get("/v1/customers", headers={**AUTH, "MS-ContinuationToken": "garbage"})

    assert (first["totalCount"], first["attributes"], first["links"]["next"]["uri"]) == (
        2,
        {"objectType": "Collection"},
        "/customers?size=2&seekOperation=Next",
    )
    assert first["links"]["next"]["headers"][0]["key"] == "MS-ContinuationToken"
    assert ([item["id"] for item in second["items"]], second["links"]) == (["tenant-2"], {})
    assert invalid.status_code == 400


def test_service_request_lists_can_use_numbers(api: TestClient) -> None:
    state = SimulatorState(numeric_enums_in_lists=True)
    state.add_service_request({"Id": "sr-1", "Severity": "critical", "Status": "attention_needed"})
    with TestClient(create_simulator_app(state)) as numeric_api:
        listed = numeric_api.get("/v1/servicerequests", headers=AUTH).json()["items"]
        single = numeric_api.get("/v1/servicerequests/sr-1", headers=AUTH).json()

    assert (listed[0]["Severity"], listed[0]["Status"]) == (1, 3)
    assert (single["Severity"], single["Status"]) == ("critical", "attention_needed")


def test_scripted_faults_hit_the_next_calls_only(state: SimulatorState, api: TestClient) -> None:
    seed_one_subscription(state)
    state.faults.script(subscription_path(), Fault(FaultKind.THROTTLED, retry_after_seconds=1), count=2)

    statuses = [api.get(subscription_path(), headers=AUTH) for _ in range(3)]

    assert [response.status_code for response in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "1"
    assert [entry.fault for entry in state.request_log] == ["throttled", "throttled", None]


def test_random_faults_follow_the_seed() -> None:
    def sequence() -> list[str | None]:
        injector = FaultInjector(seed=42, rate_percent=30)
        faults = [injector.draw("PATCH", "/v1/x") for _ in range(200)]
        return [fault.kind.value if fault else None for fault in faults]

    first, second = sequence(), sequence()

    assert first == second
    assert 40 <= sum(1 for kind in first if kind) <= 80


def test_random_conflicts_only_hit_changes() -> None:
    injector = FaultInjector(seed=1, rate_percent=100, weights={FaultKind.CONFLICT: 1})

    assert injector.draw("PATCH", "/v1/x") == Fault(FaultKind.CONFLICT)
    assert injector.draw("GET", "/v1/x") == Fault(FaultKind.SERVER_ERROR)


def test_admin_endpoints_seed_configure_and_report(api: TestClient) -> None:
    assert api.post("/_sim/customers", json=customer_body(CUSTOMER_ID, "Contoso Ltd")).status_code == 201
    seeded = api.post(
        f"/_sim/customers/{CUSTOMER_ID}/subscriptions",
        json={"subscription": {"id": SUBSCRIPTION_ID, "quantity": 5}, "renewalInProgress": True},
    )
    faults = api.put("/_sim/faults", json={"ratePercent": 30, "seed": 9, "delayMs": 250}).json()
    scripted = api.post(
        "/_sim/faults/scripted", json={"path": subscription_path(), "kind": "server_error", "count": 2}
    ).json()
    renewal = api.put(
        f"/_sim/customers/{CUSTOMER_ID}/subscriptions/{SUBSCRIPTION_ID}/renewal", json={"inProgress": False}
    )
    snapshot = api.get("/_sim/state").json()

    assert (seeded.status_code, seeded.json()["quantity"]) == (201, 5)
    assert (faults["ratePercent"], faults["seed"], faults["delayMs"]) == (30, 9, 250)
    assert scripted["scripted"] == [
        {"path": subscription_path(), "method": None, "kind": "server_error", "remaining": 2}
    ]
    assert renewal.json() == {"renewalInProgress": False}
    assert snapshot["subscriptions"][0]["renewalInProgress"] is False
    assert snapshot["subscriptions"][0]["subscription"]["status"] == "active"
    assert api.get("/_sim/counts").json() == {"requestsPerPath": {}, "appliedChanges": []}


def test_demo_state_is_usable(api: TestClient, state: SimulatorState) -> None:
    seed_demo_state(state)

    customers = api.get("/v1/customers", headers=AUTH).json()
    tickets = api.get("/v1/servicerequests", headers=AUTH).json()
    profile = api.get("/v1/profiles/supportprofile", headers=AUTH).json()

    assert [item["companyProfile"]["companyName"] for item in customers["items"]] == [
        "Contoso Ltd",
        "Fabrikam Inc",
        "Northwind Traders",
    ]
    assert tickets["totalCount"] == 2
    assert profile["email"] == "support@partner.example"
