"""Manual mode: without credentials each decided action becomes a task for staff, confirmed with a click."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.connector import service
from cspdesk.connector.client import client_from_settings, is_manual_mode
from cspdesk.db import Database
from cspdesk.kit.errors import Conflict
from cspdesk.models.audit import AuditEntry
from cspdesk.models.jobs_manual_task import ManualTask
from cspdesk.models.subscription import Subscription
from tests.jobs.helpers import make_worker
from tests.world import World


def _tasks(session: Session, subscription_id: uuid.UUID) -> list[tuple[str, str, str]]:
    session.expire_all()
    stmt = (
        select(ManualTask)
        .where(ManualTask.subscription_id == subscription_id, ManualTask.reason != "matrix")
        .order_by(ManualTask.created_at)
    )
    return [(t.action, t.target_status, t.status) for t in session.execute(stmt).unique().scalars()]


def test_without_credentials_the_connector_is_in_manual_mode(settings: Settings) -> None:
    assert is_manual_mode(settings) is True
    assert client_from_settings(settings) is None
    with_token = settings.model_copy(update={"partner_center_static_token": "t"})
    assert is_manual_mode(with_token) is False
    assert is_manual_mode(with_token.model_copy(update={"partner_center_mode": "manual"})) is True


def test_a_suspension_becomes_a_task_and_confirming_it_updates_cspdesk(
    db: Database, settings: Settings, session: Session, world: World
) -> None:
    with db.unit_of_work() as s:
        service.request_subscription_status(s, world.subscription_a, "suspended", "invoice overdue", "pol:a:1")
    assert [o.status for o in make_worker(db, settings).drain()] == ["done"]
    make_worker(db, settings).drain()
    assert _tasks(session, world.subscription_a) == [("suspend", "suspended", "open")]
    stmt = select(ManualTask.id).where(
        ManualTask.subscription_id == world.subscription_a, ManualTask.reason != "matrix"
    )
    task_id = session.execute(stmt).scalar_one()
    session.rollback()
    with db.unit_of_work() as s:
        service.confirm_task(s, SYSTEM, task_id, "done at 10:02")
    session.expire_all()
    assert session.get(Subscription, world.subscription_a).status == "suspended"  # type: ignore[union-attr]
    assert _tasks(session, world.subscription_a) == [("suspend", "suspended", "done")]
    actions = session.execute(
        select(AuditEntry.action).where(AuditEntry.object_id.in_([str(task_id), str(world.subscription_a)]))
    )
    assert sorted(actions.scalars()) == [
        "manual_task.confirm",
        "subscription.status_requested",
        "subscription.status_sync",
    ]
    session.rollback()
    with pytest.raises(Conflict, match="this task is already done"), db.unit_of_work() as s:
        service.confirm_task(s, SYSTEM, task_id)


def test_a_reactivation_before_staff_acted_cancels_the_open_suspension_task(
    db: Database, settings: Settings, session: Session, world: World
) -> None:
    with db.unit_of_work() as s:
        service.request_subscription_status(s, world.subscription_a, "suspended", "overdue", "pol:a:suspend")
    make_worker(db, settings).drain()
    with db.unit_of_work() as s:
        service.request_subscription_status(s, world.subscription_a, "active", "paid", "pol:a:reactivate")
    make_worker(db, settings).drain()
    assert _tasks(session, world.subscription_a) == [("suspend", "suspended", "cancelled")]
    assert session.get(Subscription, world.subscription_a).status == "active"  # type: ignore[union-attr]


def test_staff_confirm_a_task_on_the_console_page(
    db: Database, settings: Settings, session: Session, world: World, client: TestClient
) -> None:
    with db.unit_of_work() as s:
        service.request_subscription_status(s, world.subscription_a, "suspended", "overdue", "pol:a:page")
    make_worker(db, settings).drain()
    actor = world.actors["helpdesk_agent"]
    client.cookies.set("cspdesk_session", actor.cookie)
    page = client.get("/console/partner-center/tasks")
    assert page.status_code == 200
    assert "Suspend subscription" in page.text and "Microsoft 365 E3" in page.text
    api = client.get("/api/partner-center/tasks", headers={"Authorization": f"Bearer {actor.token}"})
    mine = [t for t in api.json() if t["reason"] == "overdue"]
    assert [(t["action"], t["status"]) for t in mine] == [("suspend", "open")]
    confirmed = client.post(
        f"/api/partner-center/tasks/{mine[0]['id']}/confirm",
        json={"note": "done"},
        headers={"Authorization": f"Bearer {actor.token}"},
    )
    assert (confirmed.status_code, confirmed.json()["status"], confirmed.json()["note"]) == (200, "done", "done")
    session.expire_all()
    assert session.get(Subscription, world.subscription_a).status == "suspended"  # type: ignore[union-attr]
