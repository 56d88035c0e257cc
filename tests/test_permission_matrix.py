"""The permission matrix, generated from the permission table: every guarded route, every role, anonymous,
and a portal user of another customer. A denied write changes nothing."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, text

from cspdesk.app import create_app
from cspdesk.auth.permissions import PORTAL_ROLES, Role
from cspdesk.config import Settings
from cspdesk.models import Base
from cspdesk.web.csrf import COOKIE as CSRF_COOKIE
from cspdesk.web.csrf import token_for
from cspdesk.web.deps import SESSION_COOKIE
from tests.matrix import Case, all_cases, expected_status, fill, guarded_routes, unguarded_routes
from tests.world import Actor, World

CASES: dict[tuple[str, str], Case] = all_cases()
_APP = create_app(Settings(database_url="sqlite://", secret_key="test-secret"))
RULES = guarded_routes(_APP)
PRINCIPALS = ["anonymous", *(r.value for r in Role)]
VOLATILE_TABLES = {"web_sessions", "api_tokens", "login_attempts"}


def test_every_route_is_guarded_or_public() -> None:
    assert unguarded_routes(_APP) == []


def test_every_guarded_route_has_a_matrix_case() -> None:
    missing = [(r.method, r.path) for r in RULES if (r.method, r.path) not in CASES]
    stale = [key for key in CASES if key not in {(r.method, r.path) for r in RULES}]
    assert missing == []
    assert stale == []


def state_digest(connection: Connection) -> str:
    """A fingerprint of every table's content, except the ones that change on any authenticated request."""
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        if table.name in VOLATILE_TABLES:
            continue
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{rows!r}".encode())
    return digest.hexdigest()


def _params(world: World, actor: Actor | None) -> dict[str, Any]:
    return {
        "customer_id": world.customer_a,
        "subscription_id": world.subscription_a,
        "user_id": world.target_user,
        "token_id": uuid.uuid4(),
        **world.params,
    }


def _request(client: TestClient, rule_method: str, path: str, case: Case, world: World, actor: Actor | None) -> Any:
    is_api = path.startswith("/api")
    headers: dict[str, str] = {}
    if actor is not None and is_api:
        headers["Authorization"] = f"Bearer {actor.token}"
    if not is_api:
        nonce = "matrix-nonce"
        client.cookies.set(CSRF_COOKIE, nonce)
        if actor is not None:
            client.cookies.set(SESSION_COOKIE, actor.cookie)
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if case.json is not None:
        kwargs["json"] = case.json(world)
    if not is_api and rule_method == "POST":
        kwargs["data"] = (case.form(world) if case.form else {}) | {
            "csrf_token": token_for("test-secret", "matrix-nonce")
        }
    return client.request(rule_method, path, **kwargs)


@pytest.mark.parametrize("principal_name", PRINCIPALS)
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.method} {r.path}")
def test_matrix(
    rule: Any, principal_name: str, client: TestClient, world: World, connection: Connection, app: FastAPI
) -> None:
    case = CASES[(rule.method, rule.path)]
    actor = None if principal_name == "anonymous" else world.actors[principal_name]
    path = fill(rule.path, _params(world, actor))
    expected = _expected(rule, case, principal_name)
    # A denied write must change nothing; the digest reads every table, so it is taken only where it proves that.
    before = state_digest(connection) if rule.method != "GET" and expected != "ok" else None
    response = _request(client, rule.method, path, case, world, actor)
    if expected == "login":
        if rule.path.startswith("/api"):
            assert response.status_code == 401
        else:
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")
    elif expected == "ok" and case.allowed_status is not None:
        assert response.status_code == case.allowed_status, response.text[:500]
    elif expected == "ok":
        assert response.status_code < 400, response.text[:500]
    else:
        assert response.status_code == (403 if expected == "forbidden" else 404), response.text[:500]
    if before is not None:
        assert state_digest(connection) == before


def _expected(rule: Any, case: Case, principal_name: str) -> str:
    """'login' | 'ok' | 'forbidden' | 'not_found', from the route's declared permission and the table."""
    if principal_name == "anonymous":
        return "login"
    is_portal = Role(principal_name) in PORTAL_ROLES
    permission = rule.requires.permission
    allowed = permission is None or permission in _role_permissions(principal_name)
    expected = expected_status(rule, allowed, is_portal, case.object_scoped)
    if expected == "ok" and case.owner_scoped:
        return "not_found"
    return expected


def _role_permissions(role: str) -> frozenset[Any]:
    from cspdesk.auth.permissions import ROLE_PERMISSIONS

    return ROLE_PERMISSIONS[Role(role)]


def test_sqlite_digest_sees_changes(connection: Connection, world: World) -> None:
    """The digest used above must notice a change, or the 'nothing changed' assertions prove nothing."""
    before = state_digest(connection)
    connection.execute(text("UPDATE customers SET notes = 'changed'"))
    assert state_digest(connection) != before
