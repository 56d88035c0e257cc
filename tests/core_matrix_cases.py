"""Matrix cases for the core routes: customers, subscriptions, users, audit, tokens, portal."""

from __future__ import annotations

import uuid
from typing import Any

from tests.matrix import Case
from tests.world import World


def _new_customer(w: World) -> dict[str, Any]:
    return {"name": "Gamma Corp", "tenant_id": str(uuid.uuid4()), "country": "US", "billing_currency": "USD"}


def _new_subscription(w: World) -> dict[str, Any]:
    return {"microsoft_id": str(uuid.uuid4()), "product_name": "Exchange Online (Plan 1)", "quantity": "3"}


def _new_user(w: World) -> dict[str, Any]:
    return {
        "email": f"{uuid.uuid4().hex[:8]}@partner.test",
        "name": "New",
        "password": "long-enough-pw",
        "roles": ["sales_agent"],
    }


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/me"): Case(),
    ("POST", "/api/tokens"): Case(json=lambda w: {"name": "matrix"}),
    ("GET", "/api/customers"): Case(),
    ("POST", "/api/customers"): Case(json=_new_customer),
    ("GET", "/api/customers/{customer_id}"): Case(object_scoped=True),
    ("PATCH", "/api/customers/{customer_id}"): Case(object_scoped=True, json=lambda w: {"notes": "patched"}),
    ("DELETE", "/api/customers/{customer_id}"): Case(object_scoped=True),
    ("GET", "/api/customers/{customer_id}/subscriptions"): Case(object_scoped=True),
    ("POST", "/api/customers/{customer_id}/subscriptions"): Case(object_scoped=True, json=_new_subscription),
    ("GET", "/api/subscriptions/{subscription_id}"): Case(object_scoped=True),
    ("PATCH", "/api/subscriptions/{subscription_id}"): Case(object_scoped=True, json=lambda w: {"quantity": 7}),
    ("DELETE", "/api/subscriptions/{subscription_id}"): Case(object_scoped=True),
    ("GET", "/api/users"): Case(),
    ("POST", "/api/users"): Case(json=_new_user),
    ("GET", "/api/users/{user_id}"): Case(),
    ("PATCH", "/api/users/{user_id}"): Case(json=lambda w: {"name": "Renamed"}),
    ("DELETE", "/api/users/{user_id}"): Case(),
    ("GET", "/api/audit"): Case(),
    ("GET", "/console/tokens"): Case(),
    ("POST", "/console/tokens"): Case(form=lambda w: {"name": "matrix"}),
    ("POST", "/console/tokens/{token_id}/revoke"): Case(form=lambda w: {}, owner_scoped=True),
    ("GET", "/console/customers"): Case(),
    ("GET", "/console/customers/new"): Case(),
    ("POST", "/console/customers/new"): Case(form=_new_customer),
    ("GET", "/console/customers/{customer_id}"): Case(object_scoped=True),
    ("GET", "/console/customers/{customer_id}/edit"): Case(object_scoped=True),
    ("POST", "/console/customers/{customer_id}/edit"): Case(
        object_scoped=True,
        form=lambda w: {
            "name": "Alpha Renamed",
            "country": "DE",
            "billing_currency": "EUR",
            "language": "en",
            "status": "active",
        },
    ),
    ("POST", "/console/customers/{customer_id}/delete"): Case(object_scoped=True, form=lambda w: {}),
    ("GET", "/console/customers/{customer_id}/subscriptions/new"): Case(object_scoped=True),
    ("POST", "/console/customers/{customer_id}/subscriptions/new"): Case(object_scoped=True, form=_new_subscription),
    ("GET", "/console/subscriptions/{subscription_id}/edit"): Case(object_scoped=True),
    ("POST", "/console/subscriptions/{subscription_id}/edit"): Case(
        object_scoped=True,
        form=lambda w: {"product_name": "Microsoft 365 E5", "quantity": "9", "status": "active"},
    ),
    ("POST", "/console/subscriptions/{subscription_id}/delete"): Case(object_scoped=True, form=lambda w: {}),
    ("GET", "/console/users"): Case(),
    ("GET", "/console/users/new"): Case(),
    ("POST", "/console/users/new"): Case(form=lambda w: _new_user(w) | {"kind": "staff", "language": "en"}),
    ("GET", "/console/users/{user_id}/edit"): Case(),
    ("POST", "/console/users/{user_id}/edit"): Case(
        form=lambda w: {"name": "Renamed", "roles": ["sales_agent"], "language": "en"}
    ),
    ("POST", "/console/users/{user_id}/delete"): Case(form=lambda w: {}),
    ("GET", "/console/audit"): Case(),
    ("GET", "/portal"): Case(),
}
