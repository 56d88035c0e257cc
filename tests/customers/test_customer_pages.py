"""Console forms: validation messages re-render the form; success redirects; customer text is escaped."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.models.customer import Customer
from tests.helpers import csrf_from
from tests.world import World


def _signed_in(client: TestClient, world: World, role: str) -> str:
    client.cookies.set("cspdesk_session", world.actors[role].cookie)
    return csrf_from(client, "/console/customers/new")


def test_new_customer_form_shows_field_errors_and_keeps_values(
    client: TestClient, world: World, session: Session
) -> None:
    token = _signed_in(client, world, "admin_agent")
    before = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    response = client.post(
        "/console/customers/new",
        data={
            "csrf_token": token,
            "name": "Delta",
            "tenant_id": "nope",
            "country": "Germany",
            "billing_currency": "EUR",
        },
    )
    assert response.status_code == 422
    assert "Please correct the marked fields." in response.text
    assert "is not an ISO 3166 country code" in response.text
    assert 'value="Delta"' in response.text
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == before


def test_new_customer_form_success(client: TestClient, world: World, session: Session) -> None:
    token = _signed_in(client, world, "sales_agent")
    tenant = str(uuid.uuid4())
    response = client.post(
        "/console/customers/new",
        data={
            "csrf_token": token,
            "name": "Delta",
            "tenant_id": tenant,
            "country": "de",
            "billing_currency": "eur",
            "language": "en",
            "status": "active",
            "contact_name_0": "Accounts",
            "contact_email_0": "ap@delta.test",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    customer = session.execute(select(Customer).where(Customer.tenant_id == uuid.UUID(tenant))).scalar_one()
    assert response.headers["location"] == f"/console/customers/{customer.id}"
    assert [c.email for c in customer.contacts] == ["ap@delta.test"]


def test_customer_text_is_escaped(client: TestClient, world: World) -> None:
    token = _signed_in(client, world, "admin_agent")
    client.post(
        f"/console/customers/{world.customer_a}/edit",
        data={
            "csrf_token": token,
            "name": "<script>alert(1)</script>",
            "country": "DE",
            "billing_currency": "EUR",
            "language": "en",
            "status": "active",
            "notes": "<img src=x onerror=alert(2)>",
        },
    )
    page = client.get(f"/console/customers/{world.customer_a}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<img src=x" not in page.text


def test_list_search_returns_rows_fragment_for_htmx(client: TestClient, world: World) -> None:
    _signed_in(client, world, "helpdesk_agent")
    response = client.get("/console/customers", params={"q": "alpha"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Alpha Target GmbH" in response.text
    assert "Beta Other AG" not in response.text


def test_unknown_pages_and_objects_answer_404_pages(client: TestClient, world: World) -> None:
    _signed_in(client, world, "admin_agent")
    response = client.get(f"/console/customers/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "Not found" in response.text
