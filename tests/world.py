"""A small committed world shared by the whole test run: two customers and one principal per role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.auth import crypto
from cspdesk.auth.passwords import hash_password
from cspdesk.auth.permissions import PORTAL_ROLES, Role
from cspdesk.kit import clock
from cspdesk.models.customer import BillingContact, Customer
from cspdesk.models.subscription import Subscription
from cspdesk.models.user import ApiToken, User, UserRole, WebSession

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    email: str
    role: str
    token: str
    cookie: str
    customer_id: uuid.UUID | None


@dataclass
class World:
    customer_a: uuid.UUID
    customer_b: uuid.UUID
    subscription_a: uuid.UUID
    subscription_b: uuid.UUID
    target_user: uuid.UUID
    actors: dict[str, Actor] = field(default_factory=dict)
    own_portal: dict[str, Actor] = field(default_factory=dict)
    # Path parameters that domain tests add (invoice_id, ticket_id, ...): objects of customer A.
    params: dict[str, Any] = field(default_factory=dict)


def _customer(session: Session, name: str, domain: str) -> Customer:
    customer = Customer(
        name=name,
        tenant_id=uuid.uuid4(),
        primary_domain=domain,
        country="DE",
        billing_currency="EUR",
        language="en",
        contacts=[BillingContact(name="AP", email=f"ap@{domain}")],
    )
    session.add(customer)
    session.flush()
    return customer


def _subscription(session: Session, customer: Customer, name: str) -> Subscription:
    subscription = Subscription(
        microsoft_id=str(uuid.uuid4()),
        customer=customer,
        product_name=name,
        product_family="microsoft_365",
        quantity=5,
    )
    session.add(subscription)
    session.flush()
    return subscription


_HASH: list[str] = []


def _password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def make_actor(session: Session, role: str, customer_id: uuid.UUID | None, tag: str = "") -> Actor:
    """A user with exactly one role, an API token and a web session cookie."""
    kind = "portal" if Role(role) in PORTAL_ROLES else "staff"
    email = f"{role}{tag}@{'customer' if kind == 'portal' else 'partner'}.test"
    user = User(
        email=email,
        name=role,
        password_hash=_password_hash(),
        kind=kind,
        customer_id=customer_id,
        roles=[UserRole(role=role)],
    )
    session.add(user)
    session.flush()
    token, cookie = "csp_" + crypto.random_token(), crypto.random_token()
    now = clock.now()
    session.add(
        ApiToken(
            name="test",
            prefix=token[:12],
            token_hash=crypto.sha256_hex(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(days=30),
        )
    )
    session.add(
        WebSession(
            token_hash=crypto.sha256_hex(cookie),
            user_id=user.id,
            created_at=now,
            last_seen_at=now + timedelta(days=3650),
            expires_at=now + timedelta(days=3650),
        )
    )
    return Actor(user.id, email, role, token, cookie, customer_id)


def build_world(session: Session) -> World:
    a = _customer(session, "Alpha Target GmbH", "alpha.test")
    b = _customer(session, "Beta Other AG", "beta.test")
    world = World(
        customer_a=a.id,
        customer_b=b.id,
        subscription_a=_subscription(session, a, "Microsoft 365 E3").id,
        subscription_b=_subscription(session, b, "Office 365 E1").id,
        target_user=make_actor(session, Role.SALES_AGENT, None, "-target").user_id,
    )
    for role in Role:
        # Portal users of the matrix belong to customer B: every object under test belongs to customer A.
        customer_id = b.id if role in PORTAL_ROLES else None
        world.actors[role.value] = make_actor(session, role.value, customer_id)
        if role in PORTAL_ROLES:
            world.own_portal[role.value] = make_actor(session, role.value, a.id, "-own")
    session.flush()
    _extend_by_domains(session, world)
    return world


def _extend_by_domains(session: Session, world: World) -> None:
    """Each tests/<domain>/matrix_cases.py may define extend_world(session, world) to add its objects."""
    from tests.matrix import case_modules

    for module in case_modules():
        extend = getattr(module, "extend_world", None)
        if extend is not None:
            extend(session, world)
            session.flush()
