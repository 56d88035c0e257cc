"""Staff see failed actions with their error and retry them (console button, API, CLI)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cspdesk.cli import app as cli_app
from cspdesk.db import Database
from cspdesk.jobs.outbox import enqueue
from cspdesk.models.audit import AuditEntry
from cspdesk.models.outbox import OutboxMessage
from cspdesk.web.csrf import COOKIE as CSRF_COOKIE
from cspdesk.web.csrf import token_for
from tests.world import World


def _failed(db: Database, key: str) -> str:
    with db.unit_of_work() as s:
        message = enqueue(s, "pc.subscription_status", {"x": 1}, key).message
        message.status, message.attempts, message.max_attempts = "failed", 12, 12
        message.last_error = "Cannot update a suspended subscription: reactivate it first (HTTP 400, code 800091)"
        return str(message.id)


def test_the_console_lists_a_failed_action_with_its_error_and_retries_it(
    db: Database, session: Session, world: World, client: TestClient
) -> None:
    message_id = _failed(db, "page:failed:1")
    client.cookies.set("cspdesk_session", world.actors["billing_admin"].cookie)
    client.cookies.set(CSRF_COOKIE, "n1")
    page = client.get("/console/outbox", params={"status": "failed", "q": "page:failed"})
    assert page.status_code == 200
    assert "page:failed:1" in page.text
    assert "code 800091" in page.text
    assert f'action="/console/outbox/{message_id}/retry"' in page.text
    response = client.post(
        f"/console/outbox/{message_id}/retry",
        data={"csrf_token": token_for("test-secret", "n1")},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/console/outbox?status=pending")
    session.expire_all()
    message = session.execute(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == "page:failed:1")
    ).scalar_one()
    assert (message.status, message.attempts, message.max_attempts) == ("pending", 12, 15)
    audit = session.execute(select(AuditEntry).where(AuditEntry.object_id == message_id)).scalar_one()
    assert (audit.action, audit.actor_label) == ("outbox.retry", world.actors["billing_admin"].email)


def test_the_api_filters_and_refuses_to_retry_a_done_message(db: Database, world: World, client: TestClient) -> None:
    _failed(db, "api:failed:1")
    with db.unit_of_work() as s:
        done = enqueue(s, "email.send", {}, "api:done:1").message
        done.status = "done"
        done_id = str(done.id)
    headers = {"Authorization": f"Bearer {world.actors['global_admin'].token}"}
    listed = client.get("/api/outbox", params={"q": "api:", "status": "failed"}, headers=headers).json()
    assert [m["idempotency_key"] for m in listed["items"]] == ["api:failed:1"]
    refused = client.post(f"/api/outbox/{done_id}/retry", headers=headers)
    assert (refused.status_code, refused.json()["message"]) == (409, "a done message cannot be retried")


def test_the_cli_retries_a_failed_message(db: Database, database_url: str) -> None:
    # The CLI opens its own connection, so this message is committed for real and removed afterwards.
    database = Database.from_url(database_url)
    message_id = _failed(database, "cli:failed:1")
    try:
        result = CliRunner().invoke(cli_app, ["outbox", "retry", message_id, "--database-url", database_url])
        assert result.exit_code == 0, result.output
        assert "cli:failed:1: pending again (15 attempts)" in result.output
    finally:
        with database.unit_of_work() as s:
            s.delete(s.get(OutboxMessage, uuid.UUID(message_id)))
            for entry in s.execute(select(AuditEntry).where(AuditEntry.object_id == message_id)).scalars():
                s.delete(entry)
        database.engine.dispose()
