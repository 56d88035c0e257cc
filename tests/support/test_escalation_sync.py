"""The ticket page's "sync with Partner Center now" button, against the Partner Center simulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.app import create_app
from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.microsoft.partner_center.simulator import DEFAULT_SIM_TOKEN, SimulatorState, run_simulator_in_thread
from cspdesk.models.audit import AuditEntry
from cspdesk.models.support import Escalation
from cspdesk.support import escalations
from cspdesk.support.schemas import EscalationIn, EscalationPatch
from tests.helpers import csrf_from
from tests.support.test_escalations import _ticket
from tests.world import World

CASE = "2511240040001234"


@pytest.fixture
def simulator_url() -> Iterator[tuple[SimulatorState, str]]:
    state = SimulatorState()
    note = {"Text": "Credit issued", "CreatedByName": "Microsoft agent", "CreatedDate": "2026-11-24T09:30:00Z"}
    state.add_service_request({"Id": CASE, "Title": "Seats", "Status": "attention_needed", "Notes": [note]})
    base_url, stop = run_simulator_in_thread(state)
    yield state, base_url
    stop()


@pytest.fixture
def connected(settings: Settings, db: Database, simulator_url: tuple[SimulatorState, str]) -> Iterator[TestClient]:
    """The console with Partner Center credentials pointing at the simulator."""
    update = {"partner_center_base_url": simulator_url[1], "partner_center_static_token": DEFAULT_SIM_TOKEN}
    app: FastAPI = create_app(settings.model_copy(update=update), db)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _escalation(session: Session, world: World, tmp_path: Path, case_number: str | None = CASE) -> Escalation:
    ticket = _ticket(session, world, tmp_path)
    escalation = escalations.escalate(session, SYSTEM, ticket.id, EscalationIn(escalation_type="commercial"))
    if case_number:
        escalations.update(session, SYSTEM, escalation.id, EscalationPatch(microsoft_case_number=case_number))
    session.flush()
    return escalation


def _sign_in(client: TestClient, world: World, role: str, ticket_id: uuid.UUID) -> str:
    client.cookies.set("cspdesk_session", world.actors[role].cookie)
    return csrf_from(client, f"/console/tickets/{ticket_id}")


def test_sync_now_shows_what_changed(connected: TestClient, world: World, session: Session, tmp_path: Path) -> None:
    escalation = _escalation(session, world, tmp_path)
    token = _sign_in(connected, world, "helpdesk_agent", escalation.ticket_id)
    assert (
        f'action="/console/escalations/{escalation.id}/sync"'
        in connected.get(f"/console/tickets/{escalation.ticket_id}").text
    )
    response = connected.post(f"/console/escalations/{escalation.id}/sync", data={"csrf_token": token})
    assert response.status_code == 200, response.text
    assert "Synced with Partner Center: filed → attention_needed; new notes from Microsoft: 1" in response.text
    assert "Microsoft (Microsoft agent): Credit issued" in response.text
    again = connected.post(f"/console/escalations/{escalation.id}/sync", data={"csrf_token": token})
    assert "attention_needed (status unchanged); new notes from Microsoft: 0" in again.text
    session.expire_all()
    rows = session.execute(
        select(AuditEntry).where(AuditEntry.action == "escalation.sync", AuditEntry.object_id == str(escalation.id))
    ).scalars()
    assert [(r.before, r.after) for r in rows] == [
        ('{"status": "filed"}', '{"status": "attention_needed"}'),
        ("{}", "{}"),
    ]


def test_sync_errors_are_shown_on_the_ticket_page(
    connected: TestClient, client: TestClient, world: World, session: Session, tmp_path: Path
) -> None:
    unknown = _escalation(session, world, tmp_path, case_number="2511249999999999")
    token = _sign_in(connected, world, "admin_agent", unknown.ticket_id)
    response = connected.post(f"/console/escalations/{unknown.id}/sync", data={"csrf_token": token})
    assert response.status_code == 502
    assert 'id="sync-result"' in response.text and "Partner Center did not return the service request" in response.text
    draft = _escalation(session, world, tmp_path, case_number=None)
    assert f"/console/escalations/{draft.id}/sync" not in connected.get(f"/console/tickets/{draft.ticket_id}").text
    response = connected.post(f"/console/escalations/{draft.id}/sync", data={"csrf_token": token})
    assert response.status_code == 422 and "record the Microsoft case number first" in response.text
    known = _escalation(session, world, tmp_path)
    manual = _sign_in(client, world, "admin_agent", known.ticket_id)  # the default app: no credentials
    response = client.post(f"/console/escalations/{known.id}/sync", data={"csrf_token": manual})
    assert response.status_code == 503 and "Partner Center is not connected (manual mode)" in response.text
    assert known.status == "filed"


def test_only_escalation_writers_may_sync(
    connected: TestClient, world: World, session: Session, tmp_path: Path
) -> None:
    escalation = _escalation(session, world, tmp_path)
    for role in ("sales_agent", "billing_admin"):
        token = _sign_in(connected, world, role, escalation.ticket_id)
        page = connected.get(f"/console/tickets/{escalation.ticket_id}").text
        assert f"/console/escalations/{escalation.id}/sync" not in page
        response = connected.post(f"/console/escalations/{escalation.id}/sync", data={"csrf_token": token})
        assert response.status_code == 403
    _sign_in(connected, world, "helpdesk_agent", escalation.ticket_id)
    no_csrf = connected.post(f"/console/escalations/{escalation.id}/sync", data={})
    assert no_csrf.status_code == 403 and escalation.synced_at is None
