"""Shared test doubles and seed data for the Partner Center tests."""

from __future__ import annotations

from typing import Any

from cspdesk.microsoft.partner_center.simulator import SimulatorState

CUSTOMER_ID = "11111111-aaaa-4aaa-8aaa-111111111111"
SUBSCRIPTION_ID = "22222222-bbbb-4bbb-8bbb-222222222222"
AZURE_PLAN_ID = "33333333-cccc-4ccc-8ccc-333333333333"
ENTITLEMENT_ID = "44444444-dddd-4ddd-8ddd-444444444444"
TOKEN = "sim-token"


class FakeClock:
    """A monotonic clock the test moves by hand (or through FakeSleep)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeSleep:
    """Records requested sleeps instead of sleeping; advances the fake clock if given one."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.calls: list[float] = []
        self._clock = clock

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self._clock is not None:
            self._clock.advance(seconds)


def customer_body(customer_id: str, company_name: str) -> dict[str, Any]:
    return {
        "id": customer_id,
        "companyProfile": {
            "tenantId": customer_id,
            "domain": "example.onmicrosoft.com",
            "companyName": company_name,
        },
        "relationshipToPartner": "reseller",
    }


def subscription_body(subscription_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": subscription_id,
        "offerId": "CFQ7TTC0LCHC:0002",
        "offerName": "Microsoft 365 Business Premium",
        "friendlyName": "M365 BP",
        "quantity": 10,
        "status": "active",
        "autoRenewEnabled": True,
        "termDuration": "P1Y",
        **fields,
    }


def seed_one_subscription(state: SimulatorState, **fields: Any) -> None:
    state.add_customer(customer_body(CUSTOMER_ID, "Contoso Ltd"))
    state.add_subscription(CUSTOMER_ID, subscription_body(SUBSCRIPTION_ID, **fields))


def seed_azure_plan(state: SimulatorState) -> None:
    state.add_customer(customer_body(CUSTOMER_ID, "Contoso Ltd"))
    state.add_subscription(
        CUSTOMER_ID,
        subscription_body(AZURE_PLAN_ID, offerId="DZH318Z0BPS6:0001", offerName="Azure plan", quantity=1),
        azure_entitlements=[{"id": ENTITLEMENT_ID, "friendlyName": "Production"}],
    )


def subscription_path(subscription_id: str = SUBSCRIPTION_ID) -> str:
    return f"/v1/customers/{CUSTOMER_ID}/subscriptions/{subscription_id}"
