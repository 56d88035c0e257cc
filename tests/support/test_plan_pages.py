"""Editing and deleting support plans and Microsoft packages in the console and through the API."""

from __future__ import annotations

import json
import uuid
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.models.audit import AuditEntry
from cspdesk.models.support_plans import PartnerSupportPackage, SupportPlan
from cspdesk.support import plans
from cspdesk.support.schemas import PackageIn
from tests.helpers import csrf_from
from tests.support.matrix_cases import PLAN_FORM
from tests.support.test_plan_terms import changed_plan
from tests.support.test_tickets import berlin_plan
from tests.world import World


def _console(client: TestClient, world: World, role: str = "global_admin") -> str:
    client.cookies.set("cspdesk_session", world.actors[role].cookie)
    return csrf_from(client, "/console/support")


def _api(world: World, role: str = "global_admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.actors[role].token}"}


def _audit(session: Session, action: str, object_id: uuid.UUID) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == str(object_id))
    return list(session.execute(stmt).scalars())


def _exists(session: Session, model: type[SupportPlan | PartnerSupportPackage], object_id: uuid.UUID) -> bool:
    return session.execute(select(func.count()).select_from(model).where(model.id == object_id)).scalar_one() > 0


def _plan(session: Session, name: str) -> SupportPlan:
    session.expire_all()
    return session.execute(select(SupportPlan).where(SupportPlan.name == name)).scalar_one()


def _default(session: Session) -> SupportPlan:
    berlin_plan(session)
    plan = plans.default_plan(session)
    assert plan is not None
    return plan


def test_console_edits_a_plan_with_audit(client: TestClient, world: World, session: Session) -> None:
    plan = _default(session)
    token = _console(client, world)
    page = client.get(f"/console/support/plans/{plan.id}")
    assert page.status_code == 200
    assert 'value="09:00-17:00"' in page.text and "2026-11-25" in page.text
    assert "tickets already open keep the terms" in page.text
    form = PLAN_FORM | {"csrf_token": token, "name": "Test plan", "is_default": "on", "res_A": "240", "fr_A": "30"}
    response = client.post(f"/console/support/plans/{plan.id}", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "Plan saved." in client.get(response.headers["location"]).text
    saved = _plan(session, "Test plan")
    assert saved.targets["A"] == {"first_response": 30, "resolution": 240}
    assert saved.calendar["time_zone"] == "UTC"
    [row] = _audit(session, "support_plan.update", plan.id)
    assert json.loads(row.before or "{}")["calendar"]["time_zone"] == "Europe/Berlin"
    assert json.loads(row.after or "{}")["calendar"]["time_zone"] == "UTC"


def test_console_shows_plan_errors_next_to_their_fields(client: TestClient, world: World, session: Session) -> None:
    plan = _default(session)
    token = _console(client, world)
    bad = PLAN_FORM | {"csrf_token": token, "name": "Test plan", "is_default": "on", "hours_tuesday": "17:00-09:00"}
    response = client.post(f"/console/support/plans/{plan.id}", data=bad)
    assert response.status_code == 422
    assert 'value="17:00-09:00"' in response.text  # the typed value is shown again
    assert "end must be after start" in _field_error_after(response.text, "hours_tuesday")
    unchanged = _plan(session, "Test plan")
    assert unchanged.calendar["time_zone"] == "Europe/Berlin"
    targets = PLAN_FORM | {"csrf_token": token, "name": "Test plan", "is_default": "on", "res_B": "10"}
    response = client.post(f"/console/support/plans/{plan.id}", data=targets)
    assert response.status_code == 422
    assert "resolution target is shorter" in _field_error_after(response.text, "res_B")
    undefault = PLAN_FORM | {"csrf_token": token, "name": "Test plan"}
    response = client.post(f"/console/support/plans/{plan.id}", data=undefault)
    assert "stays the default" in _field_error_after(response.text, "is_default")
    assert _audit(session, "support_plan.update", plan.id) == []


def _field_error_after(html: str, name: str) -> str:
    """The field error shown in the label of input `name`."""
    start = html.index(f'name="{name}"')
    label_end = html.index("</label>", start)
    return html[start:label_end]


def test_console_new_plan_errors_are_shown_on_the_settings_page(client: TestClient, world: World) -> None:
    token = _console(client, world)
    response = client.post("/console/support/plans", data=PLAN_FORM | {"csrf_token": token, "price": "ten"})
    assert response.status_code == 422
    assert "greater than or equal to 0" in _field_error_after(response.text, "price")
    assert 'value="Matrix form plan"' in response.text


def test_console_delete_is_refused_then_moves_the_customers(client: TestClient, world: World, session: Session) -> None:
    default = _default(session)
    premium = plans.save_plan(session, SYSTEM, changed_plan(default, name="Premium", is_default=False))
    plans.assign_plan(session, SYSTEM, world.customer_a, premium.id)
    token = _console(client, world)
    page = client.get(f"/console/support/plans/{default.id}")
    assert "The default plan cannot be deleted" in page.text and "delete-plan-form" not in page.text
    refused = client.post(f"/console/support/plans/{default.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 409 and "make another plan the default first" in refused.text
    refused = client.post(f"/console/support/plans/{premium.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "1 customer(s) have this plan: move them to another plan first" in refused.text
    assert _audit(session, "support_plan.delete", premium.id) == []
    moved = {"csrf_token": token, "move_customers_to": str(default.id)}
    response = client.post(f"/console/support/plans/{premium.id}/delete", data=moved, follow_redirects=False)
    assert response.status_code == 303
    assert not _exists(session, SupportPlan, premium.id)
    assert plans.plan_for_customer(session, world.customer_a).id == default.id  # type: ignore[union-attr]
    assert len(_audit(session, "support_plan.delete", premium.id)) == 1
    assert len(_audit(session, "customer.support_plan", world.customer_a)) == 2


def test_only_plan_writers_reach_the_edit_pages(client: TestClient, world: World, session: Session) -> None:
    plan = _default(session)
    token = _console(client, world, "helpdesk_agent")
    assert "/console/support/plans/" not in client.get("/console/support").text  # no edit links
    assert client.get(f"/console/support/plans/{plan.id}").status_code == 403
    denied = client.post(f"/console/support/plans/{plan.id}/delete", data={"csrf_token": token})
    assert denied.status_code == 403
    patch = client.patch(f"/api/support/plans/{plan.id}", json={"name": "X"}, headers=_api(world, "admin_agent"))
    assert patch.status_code == 403


def test_api_patch_and_delete_plan(client: TestClient, world: World, session: Session) -> None:
    default = _default(session)
    response = client.patch(f"/api/support/plans/{default.id}", json={"monthly_price_minor": 9900}, headers=_api(world))
    assert response.status_code == 200, response.text
    assert response.json()["monthly_price_minor"] == 9900
    assert response.json()["targets"]["A"] == {"first_response": 60, "resolution": 480}  # untouched fields stay
    bad = {"targets": {"A": {"first_response": 60, "resolution": 30}}}
    response = client.patch(f"/api/support/plans/{default.id}", json=bad, headers=_api(world))
    assert response.status_code == 422
    partial_targets = {"targets": {"A": {"first_response": 60, "resolution": 90}}}
    response = client.patch(f"/api/support/plans/{default.id}", json=partial_targets, headers=_api(world))
    assert response.status_code == 422 and "severities A, B and C" in response.text
    response = client.delete(f"/api/support/plans/{default.id}", headers=_api(world))
    assert response.status_code == 409 and response.json()["code"] == "support_plan_in_use"
    other = client.post(
        "/api/support/plans",
        json={"name": "Spare", "calendar": default.calendar, "targets": default.targets},
        headers=_api(world),
    ).json()
    assert client.delete(f"/api/support/plans/{other['id']}", headers=_api(world)).status_code == 204
    assert client.delete(f"/api/support/plans/{other['id']}", headers=_api(world)).status_code == 404


def test_console_edits_and_deletes_a_package(client: TestClient, world: World, session: Session) -> None:
    package = plans.add_package(session, SYSTEM, PackageIn(package_type="advanced", valid_from=date(2026, 1, 1)))
    token = _console(client, world)
    page = client.get(f"/console/support/packages/{package.id}")
    assert page.status_code == 200 and 'value="2026-01-01"' in page.text
    bad = {"csrf_token": token, "package_type": "premier", "valid_from": "2026-06-01", "valid_to": "2026-01-01"}
    response = client.post(f"/console/support/packages/{package.id}", data=bad)
    assert response.status_code == 422
    assert "valid_to is before valid_from" in _field_error_after(response.text, "valid_to")
    good = bad | {"valid_to": "2026-12-31", "reference": "PSP-42"}
    assert client.post(f"/console/support/packages/{package.id}", data=good, follow_redirects=False).status_code == 303
    session.expire_all()
    stored = session.get(PartnerSupportPackage, package.id)
    assert stored is not None and (stored.package_type, stored.reference) == ("premier", "PSP-42")
    [row] = _audit(session, "support_package.update", package.id)
    assert json.loads(row.before or "{}")["package_type"] == "advanced"
    delete = f"/console/support/packages/{package.id}/delete"
    assert client.post(delete, data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert not _exists(session, PartnerSupportPackage, package.id)
    assert len(_audit(session, "support_package.delete", package.id)) == 1


def test_api_packages(client: TestClient, world: World) -> None:
    body = {"package_type": "signature", "valid_from": "2026-02-01", "reference": "SCS"}
    created = client.post("/api/support/packages", json=body, headers=_api(world))
    assert created.status_code == 201, created.text
    package_id = created.json()["id"]
    listed = client.get("/api/support/packages", headers=_api(world, "helpdesk_agent")).json()
    assert package_id in {p["id"] for p in listed}
    url = f"/api/support/packages/{package_id}"
    patched = client.patch(url, json={"valid_to": "2027-01-31"}, headers=_api(world))
    assert patched.status_code == 200 and patched.json()["valid_to"] == "2027-01-31"
    assert patched.json()["reference"] == "SCS"
    reversed_dates = client.patch(url, json={"valid_to": "2025-01-31"}, headers=_api(world))
    assert reversed_dates.status_code == 422 and "valid_to is before valid_from" in reversed_dates.text
    assert client.get("/api/support/packages", headers=_api(world, "customer_admin")).status_code == 403
    assert client.delete(url, headers=_api(world, "helpdesk_agent")).status_code == 403
    assert client.delete(url, headers=_api(world)).status_code == 204
