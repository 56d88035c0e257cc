"""Sign-in, throttling, sessions and their expiry, CSRF, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth import crypto
from cspdesk.kit import clock
from cspdesk.models.customer import Customer
from cspdesk.models.user import ApiToken, LoginAttempt, WebSession
from tests.helpers import csrf_from, web_login
from tests.world import PASSWORD, World


def test_login_sets_a_session_and_lands_on_the_console(client: TestClient, world: World) -> None:
    assert web_login(client, world.actors["admin_agent"].email, PASSWORD) == 303
    page = client.get("/console/customers")
    assert page.status_code == 200
    assert "Alpha Target GmbH" in page.text


def test_portal_user_lands_on_the_portal_and_sees_only_their_company(client: TestClient, world: World) -> None:
    actor = world.own_portal["customer_admin"]
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"email": actor.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/portal"
    page = client.get("/portal")
    assert "Alpha Target GmbH" in page.text
    assert "Beta Other AG" not in page.text
    assert client.get(f"/console/customers/{world.customer_b}").status_code == 403


def test_wrong_password_is_refused_and_counted(client: TestClient, world: World, session: Session) -> None:
    assert web_login(client, world.actors["sales_agent"].email, "wrong-password!") == 401
    failures = session.execute(
        select(func.count()).where(
            LoginAttempt.email == world.actors["sales_agent"].email, LoginAttempt.succeeded.is_(False)
        )
    ).scalar_one()
    assert failures == 1


def test_login_is_throttled_after_repeated_failures(client: TestClient, world: World) -> None:
    email = world.actors["billing_admin"].email
    for _ in range(5):
        assert web_login(client, email, "wrong-password!") == 401
    # Even the right password is refused while the account is locked.
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_throttle_lifts_after_the_lock_period(client: TestClient, world: World) -> None:
    email = world.actors["billing_admin"].email
    start = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    with clock.frozen_at(start) as fixed:
        for _ in range(5):
            web_login(client, email, "wrong-password!")
        assert web_login(client, email, PASSWORD) == 429
        fixed.advance(timedelta(minutes=16))
        assert web_login(client, email, PASSWORD) == 303


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client: TestClient) -> None:
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"email": "nobody@nowhere.test", "password": "x" * 12, "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong email or password." in response.text


def test_login_form_without_csrf_token_is_rejected(client: TestClient, world: World, session: Session) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": world.actors["admin_agent"].email, "password": PASSWORD})
    assert response.status_code == 403
    assert "csrf_failed" in response.text
    assert session.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 0


def test_form_post_with_a_token_from_another_browser_is_rejected(
    client: TestClient, world: World, session: Session
) -> None:
    client.cookies.set("cspdesk_session", world.actors["admin_agent"].cookie)
    client.cookies.set("cspdesk_csrf", "nonce-of-this-browser")
    foreign = crypto.sign("test-secret", "csrf:nonce-of-another-browser")
    response = client.post(
        f"/console/customers/{world.customer_a}/delete", data={"csrf_token": foreign}, follow_redirects=False
    )
    assert response.status_code == 403
    assert session.get(Customer, world.customer_a) is not None


def test_logout_ends_the_session(client: TestClient, world: World, session: Session) -> None:
    web_login(client, world.actors["helpdesk_agent"].email, PASSWORD)
    token = csrf_from(client, "/console/customers")
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    response = client.get("/console/customers", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_session_expires_after_idle_time(client: TestClient, world: World, session: Session) -> None:
    start = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    with clock.frozen_at(start) as fixed:
        web_login(client, world.actors["helpdesk_agent"].email, PASSWORD)
        fixed.advance(timedelta(minutes=59))
        assert client.get("/console/customers", follow_redirects=False).status_code == 200
        fixed.advance(timedelta(minutes=61))
        response = client.get("/console/customers", follow_redirects=False)
        assert response.status_code == 303


def test_session_expires_at_its_maximum_age_even_when_active(client: TestClient, world: World) -> None:
    start = datetime(2030, 3, 2, 8, 0, tzinfo=UTC)
    with clock.frozen_at(start) as fixed:
        web_login(client, world.actors["helpdesk_agent"].email, PASSWORD)
        for _ in range(12):  # 12 x 59 min = 11 h 48 min: still inside the 12 h maximum
            fixed.advance(timedelta(minutes=59))
            assert client.get("/console/customers", follow_redirects=False).status_code == 200
        fixed.advance(timedelta(minutes=59))
        assert client.get("/console/customers", follow_redirects=False).status_code == 303


def test_session_cookie_is_http_only_and_stored_hashed(client: TestClient, world: World, session: Session) -> None:
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"email": world.actors["sales_agent"].email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie_header = response.headers["set-cookie"]
    assert "HttpOnly" in cookie_header
    assert "SameSite=lax" in cookie_header
    value = response.cookies["cspdesk_session"]
    stored = session.execute(select(WebSession.token_hash)).scalars().all()
    assert value not in stored
    assert crypto.sha256_hex(value) in stored


def test_api_token_is_shown_once_and_stored_hashed(client: TestClient, world: World, session: Session) -> None:
    actor = world.actors["admin_agent"]
    response = client.post("/api/tokens", json={"name": "script"}, headers={"Authorization": f"Bearer {actor.token}"})
    assert response.status_code == 201
    token = response.json()["token"]
    row = session.execute(select(ApiToken).where(ApiToken.name == "script")).scalar_one()
    assert row.token_hash == crypto.sha256_hex(token)
    assert token not in (row.token_hash, row.prefix)
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == actor.email
    client.cookies.set("cspdesk_session", actor.cookie)
    listed = client.get("/console/tokens")
    assert token not in listed.text
    assert row.prefix in listed.text


def test_revoked_and_expired_tokens_are_refused(client: TestClient, world: World, session: Session) -> None:
    actor = world.actors["admin_agent"]
    row = session.execute(select(ApiToken).where(ApiToken.user_id == actor.user_id)).scalar_one()
    headers = {"Authorization": f"Bearer {actor.token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    row.expires_at = clock.now() - timedelta(seconds=1)
    session.commit()
    assert client.get("/api/me", headers=headers).status_code == 401
    row.expires_at = clock.now() + timedelta(days=1)
    row.revoked_at = clock.now()
    session.commit()
    assert client.get("/api/me", headers=headers).status_code == 401


def test_revoking_own_token_from_the_console(client: TestClient, world: World, session: Session) -> None:
    actor = world.actors["billing_admin"]
    row = session.execute(select(ApiToken).where(ApiToken.user_id == actor.user_id)).scalar_one()
    client.cookies.set("cspdesk_session", actor.cookie)
    token = csrf_from(client, "/console/tokens")
    response = client.post(f"/console/tokens/{row.id}/revoke", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/me", headers={"Authorization": f"Bearer {actor.token}"}).status_code == 401


def test_bearer_token_does_not_open_web_pages_and_cookie_does_not_open_the_api(
    client: TestClient, world: World
) -> None:
    actor = world.actors["global_admin"]
    page = client.get("/console/customers", headers={"Authorization": f"Bearer {actor.token}"}, follow_redirects=False)
    assert page.status_code == 303
    client.cookies.set("cspdesk_session", actor.cookie)
    api = client.get("/api/customers")
    assert api.status_code == 401


def test_next_parameter_only_redirects_within_the_site(client: TestClient, world: World) -> None:
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": world.actors["admin_agent"].email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/customers"
