"""Authentication use cases: login with throttling, web sessions, API tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, Update, bindparam, delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session

from cspdesk.auth import crypto
from cspdesk.auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from cspdesk.auth.principal import Principal
from cspdesk.config import Settings
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import NotAuthenticated, TooManyRequests
from cspdesk.models.user import ApiToken, LoginAttempt, User, UserRole, WebSession

TOKEN_PREFIX = "csp_"  # noqa: S105 - a public prefix, not a secret


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        label=user.email,
        kind=user.kind,
        roles=frozenset(user.role_names),
        customer_id=user.customer_id,
        language=user.language,
        name=user.name,
    )


def _recent_failures(session: Session, column: InstrumentedAttribute[str], value: str, since: datetime) -> int:
    stmt = select(func.count()).where(
        column == value,
        LoginAttempt.at >= since,
        LoginAttempt.succeeded.is_(False),
    )
    return int(session.execute(stmt).scalar_one())


def check_throttle(session: Session, settings: Settings, email: str, ip: str) -> None:
    """Refuse a login after too many recent failures for the same email or the same address."""
    since = clock.now() - timedelta(minutes=settings.login_lock_minutes)
    by_email = _recent_failures(session, LoginAttempt.email, email, since)
    by_ip = _recent_failures(session, LoginAttempt.ip, ip, since)
    if by_email >= settings.login_max_failures or by_ip >= settings.login_max_failures * 4:
        raise TooManyRequests(
            f"Too many failed sign-ins. Try again in {settings.login_lock_minutes} minutes.",
            retry_after_seconds=settings.login_lock_minutes * 60,
        )


def authenticate(session: Session, settings: Settings, email: str, password: str, ip: str) -> User:
    """Check the password; every attempt is recorded so that throttling can count failures."""
    email = email.strip().lower()
    check_throttle(session, settings, email, ip)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=email, ip=ip, at=clock.now(), succeeded=ok))
    if not ok or user is None:
        raise NotAuthenticated("Wrong email or password.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


@dataclass(frozen=True)
class NewSession:
    token: str
    session: WebSession


def start_session(session: Session, settings: Settings, user: User) -> NewSession:
    token = crypto.random_token()
    now = clock.now()
    row = WebSession(
        token_hash=crypto.sha256_hex(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_max_hours),
    )
    session.add(row)
    audit.record(session, principal_of(user), "session.start", "user", user.id)
    return NewSession(token=token, session=row)


PRINCIPAL_COLUMNS = (
    User.id.label("user_id"),
    User.email,
    User.name,
    User.kind,
    User.customer_id,
    User.language,
    User.is_active,
)


def resolve_session(session: Session, settings: Settings, token: str) -> Principal | None:
    """Who is behind a session cookie, or None when unknown, idle too long or past its maximum age."""
    rows = _principal_rows(session, WebSession, token, WebSession.last_seen_at, WebSession.expires_at)
    if not rows:
        return None
    row, now = rows[0], clock.now()
    if now >= row.expires_at or now >= row.last_seen_at + timedelta(minutes=settings.session_idle_minutes):
        session.execute(delete(WebSession).where(WebSession.id == row.id))
        return None
    if not row.is_active:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        _stamp(
            session, update(WebSession).where(WebSession.id.in_(_unlocked(WebSession, row.id))).values(last_seen_at=now)
        )
    return _principal(rows)


def _principal_rows(
    session: Session, model: type[WebSession] | type[ApiToken], token: str, *columns: InstrumentedAttribute[Any]
) -> list[Row[Any]]:
    """The session or token row with its user and one row per role, in one round trip (every request pays it)."""
    stmt = _principal_statement(model, columns)
    return list(session.execute(stmt, {"token_hash": crypto.sha256_hex(token)}).all())


@cache
def _principal_statement(
    model: type[WebSession] | type[ApiToken], columns: tuple[InstrumentedAttribute[Any], ...]
) -> Select[Any]:
    # Built once per kind: making the statement would cost more Python than running it.
    return (
        select(model.id, *columns, *PRINCIPAL_COLUMNS, UserRole.role)
        .join(User, User.id == model.user_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(model.token_hash == bindparam("token_hash"))
    )


def _principal(rows: list[Row[Any]]) -> Principal:
    first = rows[0]
    return Principal(
        user_id=first.user_id,
        label=first.email,
        kind=first.kind,
        roles=frozenset(row.role for row in rows if row.role is not None),
        customer_id=first.customer_id,
        language=first.language,
        name=first.name,
    )


def _unlocked(model: type[WebSession] | type[ApiToken], row_id: uuid.UUID) -> Select[uuid.UUID]:
    """The row unless another request holds it (PostgreSQL SKIP LOCKED): a burst on one token never queues."""
    return select(model.id).where(model.id == row_id).with_for_update(skip_locked=True)


def _stamp(session: Session, statement: Update) -> None:
    """A best-effort bookkeeping write: when SQLite refuses it under concurrent writers, the request goes on."""
    try:
        with session.begin_nested():
            session.execute(statement, execution_options={"synchronize_session": False})
    except OperationalError:
        pass


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == crypto.sha256_hex(token)))


@dataclass(frozen=True)
class IssuedToken:
    token: str
    row: ApiToken


def create_api_token(session: Session, settings: Settings, user: User, name: str, actor: Principal) -> IssuedToken:
    """Make an API token; the plain value is returned once and only its hash is stored."""
    secret = crypto.random_token()
    token = TOKEN_PREFIX + secret
    now = clock.now()
    row = ApiToken(
        name=name,
        prefix=token[:12],
        token_hash=crypto.sha256_hex(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(days=settings.api_token_days),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "api_token.create", "api_token", row.id, after={"name": name, "user": user.email})
    return IssuedToken(token=token, row=row)


def resolve_api_token(session: Session, token: str) -> Principal | None:
    rows = _principal_rows(session, ApiToken, token, ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at)
    now = clock.now()
    if not rows or rows[0].revoked_at is not None or now >= rows[0].expires_at or not rows[0].is_active:
        return None
    last_used = rows[0].last_used_at
    # Written at most once a minute: a write per request would serialise every API call on SQLite.
    if last_used is None or now - last_used > timedelta(minutes=1):
        _stamp(
            session, update(ApiToken).where(ApiToken.id.in_(_unlocked(ApiToken, rows[0].id))).values(last_used_at=now)
        )
    return _principal(rows)
