"""A small, realistic demo state for the simulator; `python -m` this module to serve it on loopback."""

from __future__ import annotations

import argparse
import threading

from .simulator_server import run_simulator_in_thread
from .simulator_state import DEFAULT_SIM_TOKEN, JsonObject, SimulatorState

CONTOSO = "2d3f7a9e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
FABRIKAM = "7c1e4b2a-9d8f-4e3a-b5c6-d7e8f9a0b1c2"
NORTHWIND = "b4a3c2d1-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


def _customer(tenant_id: str, company_name: str, domain: str) -> JsonObject:
    return {
        "id": tenant_id,
        "companyProfile": {"tenantId": tenant_id, "domain": domain, "companyName": company_name},
        "relationshipToPartner": "reseller",
    }


def _license_subscription(subscription_id: str, offer_name: str, quantity: int, **fields: object) -> JsonObject:
    return {
        "id": subscription_id,
        "offerId": "CFQ7TTC0LCHC:0002",
        "offerName": offer_name,
        "friendlyName": offer_name,
        "quantity": quantity,
        "unitType": "Licenses",
        "creationDate": "2025-02-03T10:15:00Z",
        "effectiveStartDate": "2025-02-03T00:00:00Z",
        "commitmentEndDate": "2026-02-02T00:00:00Z",
        "status": "active",
        "autoRenewEnabled": True,
        "billingType": "license",
        "billingCycle": "monthly",
        "termDuration": "P1Y",
        "isTrial": False,
        "suspensionReasons": [],
        "cancellationAllowedUntilDate": "2025-02-10T10:15:00Z",
        **fields,
    }


def _azure_plan(subscription_id: str) -> JsonObject:
    return {
        "id": subscription_id,
        "offerId": "DZH318Z0BPS6:0001",
        "offerName": "Azure plan",
        "friendlyName": "Azure plan",
        "quantity": 1,
        "unitType": "Usage-based",
        "billingType": "usage",
        "billingCycle": "monthly",
        "termDuration": "",
        "creationDate": "2024-06-01T08:00:00Z",
    }


def seed_demo_state(state: SimulatorState) -> None:
    """Three customers, NCE and Azure plan subscriptions (one renewing, one suspended), two tickets."""
    state.add_customer(_customer(CONTOSO, "Contoso Ltd", "contoso.onmicrosoft.com"))
    state.add_customer(_customer(FABRIKAM, "Fabrikam Inc", "fabrikam.onmicrosoft.com"))
    state.add_customer(_customer(NORTHWIND, "Northwind Traders", "northwindtraders.onmicrosoft.com"))
    state.add_subscription(
        CONTOSO,
        _license_subscription("a1000000-0000-4000-8000-000000000001", "Microsoft 365 Business Premium", 25),
    )
    state.add_subscription(
        CONTOSO, _license_subscription("a1000000-0000-4000-8000-000000000002", "Exchange Online (Plan 1)", 40)
    )
    state.add_subscription(
        CONTOSO,
        _azure_plan("a1000000-0000-4000-8000-000000000003"),
        azure_entitlements=[{"id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "friendlyName": "Contoso production"}],
    )
    state.add_subscription(
        FABRIKAM,
        _license_subscription("b2000000-0000-4000-8000-000000000001", "Microsoft 365 Business Standard", 12),
        renewal_in_progress=True,
    )
    state.add_subscription(
        NORTHWIND,
        _license_subscription(
            "c3000000-0000-4000-8000-000000000001",
            "Microsoft 365 E3",
            8,
            status="suspended",
            autoRenewEnabled=False,
            suspensionReasons=["CustomerNonPayment"],
        ),
    )
    state.add_service_request(
        {
            "Id": "2504170040001234",
            "Title": "Invoice G012345678 shows duplicate Exchange seats",
            "Description": "Customer Contoso was billed twice for 40 Exchange Online seats in March.",
            "Severity": "moderate",
            "SupportTopicName": "Billing",
            "Status": "open",
            "ProductName": "Partner Center",
            "CreatedDate": "2025-04-17T09:30:00Z",
            "LastModifiedDate": "2025-04-17T09:30:00Z",
            "PrimaryContact": {"FirstName": "Avery", "LastName": "Moss", "Email": "billing@partner.example"},
        }
    )
    state.add_service_request(
        {
            "Id": "2503280040005678",
            "Title": "Cannot reactivate suspended E3 subscription",
            "Severity": "critical",
            "SupportTopicName": "Subscriptions",
            "Status": "closed",
            "ProductName": "Partner Center",
            "CreatedDate": "2025-03-28T14:00:00Z",
            "LastClosedDate": "2025-03-30T11:00:00Z",
        }
    )
    state.set_support_profile(
        {
            "email": "support@partner.example",
            "telephone": "+44 20 7946 0000",
            "website": "https://partner.example/help",
        }
    )


def main() -> None:
    """Serve the demo state until interrupted and print how to reach it."""
    parser = argparse.ArgumentParser(description="Serve a demo Partner Center simulator on loopback.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fault-rate", type=int, default=0, help="percent of calls that fail at random")
    args = parser.parse_args()
    state = SimulatorState()
    seed_demo_state(state)
    state.faults.configure(rate_percent=args.fault_rate)
    base_url, stop = run_simulator_in_thread(state, port=args.port)
    print(f"Partner Center simulator at {base_url} (Authorization: Bearer {DEFAULT_SIM_TOKEN}); Ctrl+C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop()


if __name__ == "__main__":
    main()
