"""Queries for customers and subscriptions, scoped to what a principal may read."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound
from cspdesk.models.customer import Customer, CustomerGroup
from cspdesk.models.subscription import Subscription


def readable_customers(principal: Principal) -> Select[Customer]:
    """All customers for staff who may read them; only their own for a portal user."""
    principal.require(Permission.CUSTOMERS_READ)
    stmt = select(Customer)
    if principal.is_portal:
        stmt = stmt.where(Customer.id == principal.customer_id)
    return stmt


def search_customers(principal: Principal, query: str = "", *, needs_review: bool | None = None) -> Select[Any]:
    stmt = readable_customers(principal)
    if query:
        like = f"%{query.strip().lower()}%"
        from sqlalchemy import String, cast, func

        stmt = stmt.where(
            or_(
                func.lower(Customer.name).like(like),
                func.lower(Customer.primary_domain).like(like),
                func.lower(cast(Customer.tenant_id, String)).like(like.replace("-", "")),
                func.lower(cast(Customer.tenant_id, String)).like(like),
            )
        )
    if needs_review is not None:
        stmt = stmt.where(Customer.needs_review.is_(needs_review))
    return stmt.order_by(Customer.name, Customer.id)


def access_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """The customer if the principal may read it; 404 otherwise, whether it exists or not."""
    customer = session.execute(readable_customers(principal).where(Customer.id == customer_id)).scalar_one_or_none()
    if customer is None:
        raise NotFound("customer not found")
    return customer


def readable_subscriptions(principal: Principal) -> Select[Subscription]:
    principal.require(Permission.SUBSCRIPTIONS_READ)
    stmt = select(Subscription)
    if principal.is_portal:
        stmt = stmt.where(Subscription.customer_id == principal.customer_id)
    return stmt


def access_subscription(session: Session, principal: Principal, subscription_id: uuid.UUID) -> Subscription:
    stmt = readable_subscriptions(principal).where(Subscription.id == subscription_id)
    subscription = session.execute(stmt).scalar_one_or_none()
    if subscription is None:
        raise NotFound("subscription not found")
    return subscription


def subscriptions_of(session: Session, principal: Principal, customer_id: uuid.UUID) -> list[Subscription]:
    stmt = readable_subscriptions(principal).where(Subscription.customer_id == customer_id)
    return list(session.execute(stmt.order_by(Subscription.product_name, Subscription.microsoft_id)).scalars())


def customer_by_tenant(session: Session, tenant_id: uuid.UUID) -> Customer | None:
    return session.execute(select(Customer).where(Customer.tenant_id == tenant_id)).scalar_one_or_none()


def subscription_by_microsoft_id(session: Session, microsoft_id: str) -> Subscription | None:
    stmt = select(Subscription).where(Subscription.microsoft_id == microsoft_id)
    return session.execute(stmt).scalar_one_or_none()


def group_by_name(session: Session, name: str) -> CustomerGroup | None:
    return session.execute(select(CustomerGroup).where(CustomerGroup.name == name)).scalar_one_or_none()


def all_groups(session: Session) -> list[CustomerGroup]:
    return list(session.execute(select(CustomerGroup).order_by(CustomerGroup.name)).scalars())


def access_customer_for_subscriptions(session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """A customer whose subscriptions the principal may list (portal: only their own)."""
    principal.require(Permission.SUBSCRIPTIONS_READ)
    if principal.is_portal and principal.customer_id != customer_id:
        raise NotFound("customer not found")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer not found")
    return customer
