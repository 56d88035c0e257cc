"""Reading through the client: paging, customers, subscriptions, service requests, support profile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cspdesk.microsoft.partner_center import (
    AuthenticationError,
    NotFoundError,
    PartnerCenterClient,
    StaticTokenProvider,
)
from cspdesk.microsoft.partner_center.simulator import SimulatorState, create_simulator_app

from .conftest import ClientFactory
from .helpers import (
    CUSTOMER_ID,
    SUBSCRIPTION_ID,
    FakeSleep,
    customer_body,
    seed_one_subscription,
    subscription_body,
)


def test_customers_are_read_across_pages_with_continuation_tokens(
    sim_state: SimulatorState, make_client: ClientFactory
) -> None:
    names = [f"Customer {number}" for number in range(1, 8)]
    for number, name in enumerate(names, start=1):
        sim_state.add_customer(customer_body(f"tenant-{number}", name))

    customers = list(make_client().iter_customers(page_size=3))

    assert [customer.company_name for customer in customers] == names
    pages = [entry for entry in sim_state.request_log if entry.path == "/v1/customers"]
    assert len(pages) == 3
    assert pages[0].continuation_token is None
    assert all(entry.continuation_token for entry in pages[1:])
    assert len({entry.correlation_id for entry in pages}) == 1
    assert len({entry.request_id for entry in pages}) == 3


def test_subscriptions_keep_unknown_statuses(sim_state: SimulatorState, make_client: ClientFactory) -> None:
    sim_state.add_customer(customer_body(CUSTOMER_ID, "Contoso Ltd"))
    sim_state.add_subscription(CUSTOMER_ID, subscription_body("sub-expired", status="expired"))
    sim_state.add_subscription(CUSTOMER_ID, subscription_body("sub-new", status="transferring"))

    subscriptions = list(make_client().iter_subscriptions(CUSTOMER_ID))

    assert [(item.id, item.status, item.status_known) for item in subscriptions] == [
        ("sub-expired", "expired", True),
        ("sub-new", "transferring", False),
    ]


def test_get_subscription_reads_the_etag(sim_state: SimulatorState, make_client: ClientFactory) -> None:
    seed_one_subscription(sim_state, quantity=25)

    subscription = make_client().get_subscription(CUSTOMER_ID, SUBSCRIPTION_ID)

    assert subscription.quantity == 25
    assert subscription.etag == sim_state.subscription(CUSTOMER_ID, SUBSCRIPTION_ID).etag


def test_get_customer_and_unknown_customer(sim_state: SimulatorState, make_client: ClientFactory) -> None:
    sim_state.add_customer(customer_body(CUSTOMER_ID, "Contoso Ltd"))
    client = make_client()

    assert client.get_customer(CUSTOMER_ID).company_name == "Contoso Ltd"
    with pytest.raises(NotFoundError) as raised:
        client.get_customer("no-such-tenant")
    assert raised.value.http_status == 404


def test_wrong_token_fails_at_once_without_retries(
    sim_state: SimulatorState, make_client: ClientFactory, fake_sleep: FakeSleep
) -> None:
    sim_state.add_customer(customer_body(CUSTOMER_ID, "Contoso Ltd"))

    with pytest.raises(AuthenticationError):
        make_client(token="stolen").get_customer(CUSTOMER_ID)

    assert [entry.status_code for entry in sim_state.request_log] == [401]
    assert fake_sleep.calls == []


@pytest.fixture
def in_process_client() -> Iterator[tuple[SimulatorState, PartnerCenterClient]]:
    """The client on FastAPI's TestClient transport: no socket, same simulator."""
    state = SimulatorState(numeric_enums_in_lists=True)
    with TestClient(create_simulator_app(state)) as http:
        yield state, PartnerCenterClient("http://testserver/v1", StaticTokenProvider("sim-token"), http=http)


def test_service_requests_list_get_and_update(
    in_process_client: tuple[SimulatorState, PartnerCenterClient],
) -> None:
    state, client = in_process_client
    state.add_service_request(
        {"Id": "2504170040001234", "Title": "Duplicate seats", "Severity": "critical", "Status": "open"}
    )

    listed = client.list_service_requests()
    updated = client.update_service_request("2504170040001234", status="closed", new_note="Credit note received.")
    fetched = client.get_service_request("2504170040001234")

    assert [(item.id, item.severity, item.status) for item in listed] == [("2504170040001234", "critical", "open")]
    assert (updated.status, [note.text for note in updated.notes]) == ("closed", ["Credit note received."])
    assert updated.last_closed_date is not None
    assert fetched == updated
    assert [change.summary for change in state.applied_changes] == ["note added, status -> closed"]


def test_update_service_request_needs_something_to_change(
    in_process_client: tuple[SimulatorState, PartnerCenterClient],
) -> None:
    _, client = in_process_client

    with pytest.raises(ValueError, match="status, a new note"):
        client.update_service_request("2504170040001234")


def test_support_profile(in_process_client: tuple[SimulatorState, PartnerCenterClient]) -> None:
    state, client = in_process_client
    state.set_support_profile({"email": "help@partner.example", "telephone": "+1 425 555 0100", "website": None})

    profile = client.get_support_profile()

    assert (profile.email, profile.telephone, profile.website) == (
        "help@partner.example",
        "+1 425 555 0100",
        None,
    )
