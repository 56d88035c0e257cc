"""Policy editor (validation errors with line/column, preview, publish), staff dunning page, portal pages and PDF."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.kit import clock
from cspdesk.models.audit import AuditEntry
from cspdesk.models.policy import PolicyVersion
from cspdesk.policy import service
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from tests.helpers import csrf_from
from tests.world import World

BROKEN = DEFAULT_POLICY_YAML.replace("percent: 2.0", "percent: 200")


def test_editor_shows_errors_with_line_and_column_then_publishes(
    client: TestClient, world: World, session: Session
) -> None:
    client.cookies.set("cspdesk_session", world.actors["billing_admin"].cookie)
    token = csrf_from(client, "/console/policy")
    response = client.post("/console/policy/preview", data={"csrf_token": token, "yaml_text": BROKEN})
    assert response.status_code == 422
    assert "line 7, column" in response.text
    assert "steps[2].percent" in response.text
    preview = client.post("/console/policy/preview", data={"csrf_token": token, "yaml_text": DEFAULT_POLICY_YAML})
    assert preview.status_code == 200
    assert "14 days after the due date we suspend" in preview.text
    assert "Через 14 дней после срока оплаты мы приостанавливаем" in preview.text
    before = service.current_version(session)
    published = client.post(
        "/console/policy/publish",
        data={"csrf_token": token, "yaml_text": DEFAULT_POLICY_YAML, "note": "v-next"},
        follow_redirects=False,
    )
    assert published.status_code == 303
    current = service.current_version(session)
    assert current is not None and current.version == (before.version if before else 0) + 1
    assert current.note == "v-next"
    audit = session.execute(
        select(AuditEntry).where(AuditEntry.action == "policy.publish", AuditEntry.object_id == str(current.id))
    ).scalar_one()
    assert audit.actor_id == world.actors["billing_admin"].user_id


def test_staff_page_shows_stage_and_records_a_promise(client: TestClient, world: World, session: Session) -> None:
    client.cookies.set("cspdesk_session", world.actors["billing_admin"].cookie)
    page = client.get(f"/console/dunning/customers/{world.customer_a}")
    assert page.status_code == 200
    assert "INV-MATRIX-A1" in page.text
    token = csrf_from(client, f"/console/dunning/customers/{world.customer_a}")
    until = (clock.today() + timedelta(days=5)).isoformat()
    response = client.post(
        f"/console/dunning/invoices/{world.params['dunning_invoice_id']}/promise",
        data={"csrf_token": token, "until": until, "note": "call on Friday"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    after = client.get(f"/console/dunning/customers/{world.customer_a}")
    assert "call on Friday" in after.text


def test_portal_shows_status_policy_versions_and_pdf(client: TestClient, world: World, session: Session) -> None:
    client.cookies.set("cspdesk_session", world.own_portal["customer_admin"].cookie)
    status = client.get("/portal/dunning")
    assert status.status_code == 200
    assert "Invoice INV-MATRIX-A1 is 10 days overdue." in status.text
    version = session.execute(select(PolicyVersion).order_by(PolicyVersion.version)).scalars().first()
    assert version is not None
    policy = client.get(f"/portal/policy/{version.version}?lang=ru")
    assert "Условия оплаты" in policy.text
    assert "INV-MATRIX-A1" in policy.text
    pdf = client.get(f"/portal/policy/{version.version}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
