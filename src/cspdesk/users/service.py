"""Managing staff and portal users and their roles."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cspdesk.auth.passwords import hash_password
from cspdesk.auth.permissions import PORTAL_ROLES, STAFF_ROLES, Permission, Role
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit
from cspdesk.kit.errors import Conflict, NotFound, ValidationFailed, field_error
from cspdesk.models.customer import Customer
from cspdesk.models.user import User, UserRole
from cspdesk.users.schemas import UserIn, UserPatch

USER_FIELDS = ["email", "name", "kind", "role_names", "customer_id", "language", "is_active"]


def readable_users(principal: Principal) -> Select[User]:
    principal.require(Permission.USERS_READ)
    return select(User).order_by(User.kind.desc(), User.email)


def access_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    user = session.execute(readable_users(principal).where(User.id == user_id)).scalar_one_or_none()
    if user is None:
        raise NotFound("user not found")
    return user


def _snapshot(user: User) -> dict[str, Any]:
    return audit.snapshot(user, USER_FIELDS)


def create_user(session: Session, principal: Principal, data: UserIn) -> User:
    """Create a staff or portal user; a portal user belongs to exactly one existing customer."""
    principal.require(Permission.USERS_WRITE)
    if session.execute(select(User.id).where(User.email == data.email)).first():
        raise Conflict(f"{data.email} already has an account", details=[field_error("email", "already registered")])
    if data.customer_id is not None and session.get(Customer, data.customer_id) is None:
        raise ValidationFailed("unknown customer", details=[field_error("customer_id", "no such customer")])
    user = User(
        email=data.email,
        name=data.name.strip(),
        password_hash=hash_password(data.password),
        kind=data.kind,
        customer_id=data.customer_id,
        language=data.language,
        roles=[UserRole(role=r.value) for r in sorted(set(data.roles))],
    )
    session.add(user)
    session.flush()
    audit.record(session, principal, "user.create", "user", user.id, after=_snapshot(user))
    return user


def _set_roles(user: User, roles: list[Role]) -> None:
    allowed = STAFF_ROLES if user.kind == "staff" else PORTAL_ROLES
    wrong = [r.value for r in roles if r not in allowed]
    if wrong:
        raise ValidationFailed(
            f"roles {', '.join(wrong)} are not {user.kind} roles",
            details=[field_error("roles", "wrong kind")],
        )
    wanted = {r.value for r in roles}
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(role=name) for name in sorted(wanted - set(user.role_names))
    ]


def update_user(session: Session, principal: Principal, user_id: uuid.UUID, data: UserPatch) -> User:
    principal.require(Permission.USERS_WRITE)
    user = access_user(session, principal, user_id)
    if user.id == principal.user_id and data.is_active is False:
        raise ValidationFailed("you cannot deactivate yourself", details=[field_error("is_active", "own account")])
    before = _snapshot(user)
    changes = data.model_dump(exclude_unset=True, exclude={"roles", "password"})
    for name, value in changes.items():
        setattr(user, name, value)
    if data.roles is not None:
        _set_roles(user, data.roles)
    if data.password is not None:
        user.password_hash = hash_password(data.password)
    session.flush()
    old, new = audit.changed(before, _snapshot(user))
    if data.password is not None:
        new["password"] = "changed"  # noqa: S105 - audit says that it changed, never the value
    if new:
        audit.record(session, principal, "user.update", "user", user.id, before=old, after=new)
    return user


def delete_user(session: Session, principal: Principal, user_id: uuid.UUID) -> None:
    principal.require(Permission.USERS_WRITE)
    user = access_user(session, principal, user_id)
    if user.id == principal.user_id:
        raise ValidationFailed("you cannot delete yourself")
    audit.record(session, principal, "user.delete", "user", user.id, before=_snapshot(user))
    session.delete(user)
    session.flush()
