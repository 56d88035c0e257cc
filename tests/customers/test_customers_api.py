"""Customers and subscriptions through the API: validation, uniqueness, audit, portal scoping."""

from __future__ import annotations

import json
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.models.audit import AuditEntry
from cspdesk.models.customer import Customer
from cspdesk.models.subscription import Subscription
from tests.world import World


def _auth(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.actors[role].token}"}


def _customer_payload(**overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "name": "Gamma Corp",
        "tenant_id": str(uuid.uuid4()),
        "primary_domain": "Gamma.Example",
        "country": "us",
        "billing_currency": "usd",
        "language": "ru",
        "group": "Enterprise",
        "contacts": [{"name": "Pat", "email": "Pat@Gamma.Example", "phone": "+1 555"}],
    }
    payload.update(overrides)
    return payload


def test_create_customer_normalises_and_audits(client: TestClient, world: World, session: Session) -> None:
    response = client.post("/api/customers", json=_customer_payload(), headers=_auth(world, "admin_agent"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["country"], body["billing_currency"], body["primary_domain"]) == (
        "US",
        "USD",
        "gamma.example",
    )
    assert body["group_name"] == "Enterprise"
    assert body["contacts"][0]["email"] == "pat@gamma.example"
    entry = session.execute(select(AuditEntry).where(AuditEntry.object_id == body["id"])).scalar_one()
    assert entry.action == "customer.create"
    assert entry.actor_label == world.actors["admin_agent"].email
    assert json.loads(entry.after or "{}")["name"] == "Gamma Corp"


def test_invalid_customer_fields_are_named(client: TestClient, world: World, session: Session) -> None:
    before = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    payload = _customer_payload(country="XX", billing_currency="EURO", tenant_id="not-a-uuid", language="de")
    response = client.post("/api/customers", json=payload, headers=_auth(world, "admin_agent"))
    assert response.status_code == 422
    fields = {tuple(e["loc"])[-1] for e in response.json()["detail"]}
    assert fields == {"country", "billing_currency", "tenant_id", "language"}
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == before


def test_tenant_id_is_unique(client: TestClient, world: World, session: Session) -> None:
    tenant = session.get(Customer, world.customer_a)
    assert tenant is not None
    payload = _customer_payload(tenant_id=str(tenant.tenant_id))
    response = client.post("/api/customers", json=payload, headers=_auth(world, "admin_agent"))
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["details"] == [{"field": "tenant_id", "message": "already used by another customer"}]


def test_update_records_only_changed_fields(client: TestClient, world: World, session: Session) -> None:
    response = client.patch(
        f"/api/customers/{world.customer_a}",
        json={"notes": "VIP", "country": "DE"},
        headers=_auth(world, "admin_agent"),
    )
    assert response.status_code == 200
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "customer.update", AuditEntry.object_id == str(world.customer_a))
    ).scalar_one()
    assert json.loads(entry.before or "{}") == {"notes": ""}
    assert json.loads(entry.after or "{}") == {"notes": "VIP"}


def test_subscription_lifecycle_with_unknown_status(client: TestClient, world: World, session: Session) -> None:
    headers = _auth(world, "admin_agent")
    payload = {
        "microsoft_id": "b1c2d3e4-0000-4000-8000-000000000001",
        "product_name": "Microsoft 365 Business Premium",
        "product_family": "microsoft_365",
        "quantity": 12,
        "term": "P1Y",
        "billing_frequency": "monthly",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "status": "pendingTransition",
    }
    created = client.post(f"/api/customers/{world.customer_a}/subscriptions", json=payload, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pendingTransition"
    assert created.json()["status_known"] is False
    sub_id = created.json()["id"]
    patched = client.patch(
        f"/api/subscriptions/{sub_id}", json={"quantity": 15, "status": "suspended"}, headers=headers
    )
    assert patched.json()["quantity"] == 15
    assert patched.json()["status_known"] is True
    duplicate = client.post(f"/api/customers/{world.customer_a}/subscriptions", json=payload, headers=headers)
    assert duplicate.status_code == 409
    assert client.delete(f"/api/subscriptions/{sub_id}", headers=headers).status_code == 204
    actions = (
        session.execute(select(AuditEntry.action).where(AuditEntry.object_id == sub_id).order_by(AuditEntry.at))
        .scalars()
        .all()
    )
    assert sorted(actions) == ["subscription.create", "subscription.delete", "subscription.update"]


def test_subscription_dates_must_be_in_order(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/api/subscriptions/{world.subscription_a}",
        json={"start_date": "2026-05-01", "end_date": "2026-04-01"},
        headers=_auth(world, "admin_agent"),
    )
    assert response.status_code == 422
    assert response.json()["details"] == [{"field": "end_date", "message": "before start_date"}]


def test_portal_user_lists_only_their_customer(client: TestClient, world: World) -> None:
    own = world.own_portal["customer_admin"]
    response = client.get("/api/customers", headers={"Authorization": f"Bearer {own.token}"})
    names = [c["name"] for c in response.json()["items"]]
    assert names == ["Alpha Target GmbH"]
    assert "notes" not in response.json()["items"][0]
    other = world.actors["customer_admin"]
    response = client.get("/api/customers", headers={"Authorization": f"Bearer {other.token}"})
    assert [c["name"] for c in response.json()["items"]] == ["Beta Other AG"]


def test_portal_user_reads_own_subscriptions_but_not_others(client: TestClient, world: World) -> None:
    own = {"Authorization": f"Bearer {world.own_portal['customer_admin'].token}"}
    assert client.get(f"/api/customers/{world.customer_a}/subscriptions", headers=own).status_code == 200
    assert client.get(f"/api/subscriptions/{world.subscription_a}", headers=own).status_code == 200
    assert client.get(f"/api/subscriptions/{world.subscription_b}", headers=own).status_code == 404
    assert client.get(f"/api/customers/{world.customer_b}", headers=own).status_code == 404
    assert client.get(f"/api/customers/{uuid.uuid4()}", headers=own).status_code == 404


def test_deleting_a_customer_removes_its_subscriptions(client: TestClient, world: World, session: Session) -> None:
    assert client.delete(f"/api/customers/{world.customer_a}", headers=_auth(world, "admin_agent")).status_code == 204
    assert session.get(Customer, world.customer_a) is None
    remaining = session.execute(select(Subscription).where(Subscription.customer_id == world.customer_a)).all()
    assert remaining == []


def test_search_and_paging(client: TestClient, world: World) -> None:
    headers = _auth(world, "sales_agent")
    for i in range(3):
        client.post(
            "/api/customers",
            json=_customer_payload(name=f"Search Me {i}"),
            headers=_auth(world, "admin_agent"),
        )
    page = client.get("/api/customers", params={"q": "search me", "size": 2, "page": 2}, headers=headers).json()
    assert page["total"] == 3
    assert [c["name"] for c in page["items"]] == ["Search Me 2"]
