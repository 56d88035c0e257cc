"""Suspend / reactivate through the client: ETags, retries, request ids, conflicts and business errors."""

from __future__ import annotations

import random

import httpx
import pytest

from cspdesk.microsoft.partner_center import (
    BusinessRuleError,
    PartnerCenterErrorCode,
    PreconditionFailedError,
    RetryLaterError,
    RetryPolicy,
    ServerError,
)
from cspdesk.microsoft.partner_center.simulator import Fault, FaultKind, LoggedRequest, SimulatorState

from .conftest import ClientFactory
from .helpers import (
    AZURE_PLAN_ID,
    CUSTOMER_ID,
    ENTITLEMENT_ID,
    SUBSCRIPTION_ID,
    FakeSleep,
    seed_azure_plan,
    seed_one_subscription,
    subscription_path,
)

REQUEST_ID = "0b7d5f7e-2f7e-4d53-9a53-6c1f5c8e9a01"


def _calls(state: SimulatorState, method: str, path: str) -> list[LoggedRequest]:
    return [entry for entry in state.request_log if entry.method == method and entry.path == path]


def test_suspend_turns_auto_renew_off_and_records_the_reason(
    sim_state: SimulatorState, make_client: ClientFactory
) -> None:
    seed_one_subscription(sim_state)
    etag_before = sim_state.subscription(CUSTOMER_ID, SUBSCRIPTION_ID).etag

    suspended = make_client().set_subscription_status(CUSTOMER_ID, SUBSCRIPTION_ID, "suspended")

    assert (suspended.status, suspended.auto_renew_enabled) == ("suspended", False)
    assert suspended.suspension_reasons == ("CustomerNonPayment",)
    assert suspended.etag not in (None, etag_before)
    [patch] = _calls(sim_state, "PATCH", subscription_path())
    assert patch.if_match == etag_before


def test_already_in_target_state_sends_no_patch(sim_state: SimulatorState, make_client: ClientFactory) -> None:
    seed_one_subscription(sim_state, status="suspended")

    result = make_client().set_subscription_status(CUSTOMER_ID, SUBSCRIPTION_ID, "suspended", request_id=REQUEST_ID)

    assert result.status == "suspended"
    assert _calls(sim_state, "PATCH", subscription_path()) == []
    assert sim_state.applied_changes == []


def test_stale_etag_is_re_read_and_the_patch_retried_with_the_same_request_id(
    sim_state: SimulatorState, make_client: ClientFactory
) -> None:
    seed_one_subscription(sim_state)
    other_writer_etags: list[str] = []

    def another_writer_changes_it_after_our_first_read(response: httpx.Response) -> None:
        if response.request.method == "GET" and not other_writer_etags:
            other_writer_etags.append(sim_state.touch_subscription(CUSTOMER_ID, SUBSCRIPTION_ID))

    client = make_client(on_response=another_writer_changes_it_after_our_first_read)
    result = client.set_subscription_status(CUSTOMER_ID, SUBSCRIPTION_ID, "suspended", request_id=REQUEST_ID)

    assert result.status == "suspended"
    log = [(entry.method, entry.status_code) for entry in sim_state.request_log]
    assert log == [("GET", 200), ("PATCH", 412), ("GET", 200), ("PATCH", 200)]
    patches = _calls(sim_state, "PATCH", subscription_path())
    assert [entry.request_id for entry in patches] == [REQUEST_ID, REQUEST_ID]
    assert patches[1].if_match == other_writer_etags[0]
    assert len(sim_state.applied_changes) == 1


def test_gives_up_when_the_etag_keeps_changing(sim_state: SimulatorState, make_client: ClientFactory) -> None:
    seed_one_subscription(sim_state)

    def another_writer_always_wins(response: httpx.Response) -> None:
        if response.request.method == "GET":
            sim_state.touch_subscription(CUSTOMER_ID, SUBSCRIPTION_ID)

    client = make_client(on_response=another_writer_always_wins, stale_etag_rounds=2)
    with pytest.raises(PreconditionFailedError) as raised:
        client.set_subscription_status(CUSTOMER_ID, SUBSCRIPTION_ID, "suspended")

    assert raised.value.retryable is True
    assert [entry.status_code for entry in _calls(sim_state, "PATCH", subscription_path())] == [412, 412]


def test_throttling_honours_retry_after(
    sim_state: SimulatorState, make_client: ClientFactory, fake_sleep: FakeSleep
) -> None:
    seed_one_subscription(sim_state)
    sim_state.faults.script(subscription_path(), Fault(FaultKind.THROTTLED, retry_after_seconds=1), method="GET")
    sim_state.faults.script(subscription_path(), Fault(FaultKind.THROTTLED, retry_after_seconds=0), method="GET")

    subscription = make_client().get_subscription(CUSTOMER_ID, SUBSCRIPTION_ID)

    assert subscription.id == SUBSCRIPTION_ID
    assert fake_sleep.calls == [1, 0]
    assert [entry.status_code for entry in sim_state.request_log] == [429, 429, 200]


def test_throttling_without_retry_after_backs_off_with_jitter(
    sim_state: SimulatorState, make_client: ClientFactory, fake_sleep: FakeSleep
) -> None:
    seed_one_subscription(sim_state)
    sim_state.faults.script(subscription_path(), Fault(FaultKind.THROTTLED, retry_after_seconds=None), count=3)

    make_client().get_subscription(CUSTOMER_ID, SUBSCRIPTION_ID)

    same_jitter = random.Random(7)  # the seed make_client gives the client
    expected = [RetryPolicy().backoff_seconds(attempt, same_jitter) for attempt in (1, 2, 3)]
    assert fake_sleep.calls == expected
    assert [0.25 <= expected[0] <= 0.5, 0.5 <= expected[1] <= 1.0, 1.0 <= expected[2] <= 2.0] == [True] * 3


def test_a_long_retry_after_is_handed_back_to_the_caller(
    sim_state: SimulatorState, make_client: ClientFactory, fake_sleep: FakeSleep
) -> None:
    seed_one_subscription(sim_state)
    sim_state.faults.script(subscription_path(), Fault(FaultKind.THROTTLED, retry_after_seconds=300))

    with pytest.raises(RetryLaterError) as raised:
        make_client().get_subscription(CUSTOMER_ID, SUBSCRIPTION_ID)

    assert (raised.value.retry_after_seconds, raised.value.http_status) == (300, 429)
    assert fake_sleep.calls == []


def test_server_errors_are_retried_with_the_same_request_and_correlation_ids(
    sim_state: SimulatorState, make_client: ClientFactory, fake_sleep: FakeSleep
) -> None:
    seed_one_subscription(sim_state)
    sim_state.faults.script(subscription_path(), Fault(FaultKind.SERVER_ERROR), count=2, method="PATCH")

    make_client().set_subscription_status(CUSTOMER_ID, SUBSCRIPTION_ID, "suspended", request_id=REQUEST_ID)

    patches = _calls(sim_state, "PATCH", subscription_path())
    assert [(entry.status_code, entry.request_id) for entry in patches] == [
        (500, REQUEST_ID),
        (500, REQUEST_ID),
        (200, REQUEST_ID),
    ]
    assert len({entry.correlation_id for entry in sim_state.request_log}) == 1
    assert len(fake_sleep.calls) == 2
    assert len(sim_state.applied_changes) == 1


def test_server_errors_beyond_max_attempts_surface_as_retryable(
    sim_state: SimulatorState, make_client: ClientFactory, fake_sleep: FakeSleep
) -> None:
    seed_one_subscription(sim_state)
    sim_state.faults.script(subscription_path(), Fault(FaultKind.SERVER_ERROR), count=3)

    with pytest.raises(ServerError) as raised:
        make_client(max_attempts=3).get_subscription(CUSTOMER_ID, SUBSCRIPTION_ID)

    assert raised.value.retryable is True
    assert len(fake_sleep.calls) == 2


def test_a_timed_out_patch_that_was_applied_is_replayed_not_repeated(
    sim_state: SimulatorState, make_client: ClientFactory
) -> None:
    seed_one_subscription(sim_state)
    sim_state.faults.script(subscription_path(), Fault(FaultKind.DELAY, delay_ms=700), method="PATCH")

    result = make_client(timeout=0.3).set_subscription_status(
        CUSTOMER_ID, SUBSCRIPTION_ID, "suspended", request_id=REQUEST_ID
    )

    assert result.status == "suspended"
    patches = _calls(sim_state, "PATCH", subscription_path())
    assert [(entry.request_id, entry.fault, entry.replayed) for entry in patches] == [
        (REQUEST_ID, "delay", False),
        (REQUEST_ID, None, True),
    ]
    assert [change.request_id for change in sim_state.applied_changes] == [REQUEST_ID]


def test_renewal_in_progress_raises_retry_later_without_sleeping(
    sim_state: SimulatorState, make_client: ClientFactory, fake_sleep: FakeSleep
) -> None:
    seed_one_subscription(sim_state)
    sim_state.set_renewal_in_progress(CUSTOMER_ID, SUBSCRIPTION_ID, True)

    with pytest.raises(RetryLaterError) as raised:
        make_client().set_subscription_status(CUSTOMER_ID, SUBSCRIPTION_ID, "suspended")

    assert (raised.value.retry_after_seconds, raised.value.http_status, raised.value.retryable) == (
        120,
        409,
        True,
    )
    assert fake_sleep.calls == []
    assert len(_calls(sim_state, "PATCH", subscription_path())) == 1
    assert sim_state.subscription(CUSTOMER_ID, SUBSCRIPTION_ID).body["status"] == "active"


def test_azure_plan_with_active_azure_subscriptions_cannot_be_suspended(
    sim_state: SimulatorState, make_client: ClientFactory
) -> None:
    seed_azure_plan(sim_state)
    client = make_client()

    with pytest.raises(BusinessRuleError) as raised:
        client.set_subscription_status(CUSTOMER_ID, AZURE_PLAN_ID, "suspended")
    cancelled = client.cancel_azure_entitlement(CUSTOMER_ID, AZURE_PLAN_ID, ENTITLEMENT_ID)
    suspended = client.set_subscription_status(CUSTOMER_ID, AZURE_PLAN_ID, "suspended")

    assert raised.value.code == PartnerCenterErrorCode.AZURE_PLAN_HAS_ACTIVE_SUBSCRIPTIONS
    assert raised.value.message.startswith("The Azure plan cannot be suspended")
    assert (cancelled.id, cancelled.status) == (ENTITLEMENT_ID, "canceled")
    assert suspended.status == "suspended"


def test_azure_entitlement_reactivation(sim_state: SimulatorState, make_client: ClientFactory) -> None:
    seed_azure_plan(sim_state)
    client = make_client()
    client.cancel_azure_entitlement(CUSTOMER_ID, AZURE_PLAN_ID, ENTITLEMENT_ID, cancellation_reason="compromise")

    reactivated = client.reactivate_azure_entitlement(CUSTOMER_ID, AZURE_PLAN_ID, ENTITLEMENT_ID)

    assert reactivated.status == "active"
    assert [change.summary for change in sim_state.applied_changes] == [
        "entitlement active -> canceled",
        "entitlement canceled -> active",
    ]


def test_cancelling_after_the_window_is_refused(sim_state: SimulatorState, make_client: ClientFactory) -> None:
    seed_one_subscription(sim_state, cancellationAllowedUntilDate="2020-01-10T00:00:00Z")

    with pytest.raises(BusinessRuleError) as raised:
        make_client().set_subscription_status(CUSTOMER_ID, SUBSCRIPTION_ID, "deleted")

    assert raised.value.code == PartnerCenterErrorCode.CANCELLATION_WINDOW_PASSED
