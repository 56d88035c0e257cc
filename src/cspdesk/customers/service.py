"""Customer and subscription use cases; every change is audited in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.customers import repository
from cspdesk.customers.schemas import ContactIn, CustomerIn, CustomerPatch, SubscriptionIn, SubscriptionPatch
from cspdesk.kit import audit
from cspdesk.kit.errors import Conflict, ValidationFailed, field_error
from cspdesk.models.customer import BillingContact, Customer, CustomerGroup
from cspdesk.models.subscription import Subscription

CUSTOMER_FIELDS = [
    "name",
    "tenant_id",
    "primary_domain",
    "country",
    "billing_currency",
    "language",
    "group_name",
    "tax_id",
    "notes",
    "status",
    "needs_review",
]
SUBSCRIPTION_FIELDS = [
    "microsoft_id",
    "customer_id",
    "offer_id",
    "sku_id",
    "product_name",
    "product_family",
    "quantity",
    "unit_type",
    "term",
    "billing_frequency",
    "start_date",
    "end_date",
    "auto_renew",
    "status",
    "needs_review",
]


def _customer_snapshot(customer: Customer) -> dict[str, Any]:
    data = audit.snapshot(customer, CUSTOMER_FIELDS)
    data["contacts"] = [f"{c.name} <{c.email}> {c.phone}".strip() for c in customer.contacts]
    return data


def _group(session: Session, name: str | None) -> CustomerGroup | None:
    if not name or not name.strip():
        return None
    group = repository.group_by_name(session, name.strip())
    if group is None:
        group = CustomerGroup(name=name.strip())
        session.add(group)
    return group


def _contacts(items: list[ContactIn]) -> list[BillingContact]:
    return [BillingContact(name=c.name, email=c.email, phone=c.phone) for c in items]


def _ensure_tenant_free(session: Session, tenant_id: uuid.UUID) -> None:
    if repository.customer_by_tenant(session, tenant_id) is not None:
        raise Conflict(
            f"a customer with tenant id {tenant_id} already exists",
            details=[field_error("tenant_id", "already used by another customer")],
        )


def create_customer(
    session: Session, principal: Principal, data: CustomerIn, *, needs_review: bool = False
) -> Customer:
    """Create a customer; the Microsoft tenant id must be unique."""
    principal.require(Permission.CUSTOMERS_CREATE)
    _ensure_tenant_free(session, data.tenant_id)
    customer = Customer(
        name=data.name.strip(),
        tenant_id=data.tenant_id,
        primary_domain=data.primary_domain.strip().lower(),
        country=data.country,
        billing_currency=data.billing_currency,
        language=data.language,
        group=_group(session, data.group),
        tax_id=data.tax_id.strip(),
        notes=data.notes,
        status=data.status,
        needs_review=needs_review,
        contacts=_contacts(data.contacts),
    )
    session.add(customer)
    session.flush()
    audit.record(session, principal, "customer.create", "customer", customer.id, after=_customer_snapshot(customer))
    return customer


def update_customer(session: Session, principal: Principal, customer_id: uuid.UUID, data: CustomerPatch) -> Customer:
    principal.require(Permission.CUSTOMERS_UPDATE)
    customer = repository.access_customer(session, principal, customer_id)
    before = _customer_snapshot(customer)
    changes = data.model_dump(exclude_unset=True)
    if "group" in changes:
        customer.group = _group(session, changes.pop("group"))
    if "contacts" in changes:
        changes.pop("contacts")
        customer.contacts = _contacts(data.contacts or [])
    for name, value in changes.items():
        setattr(customer, name, value.strip() if isinstance(value, str) and name != "notes" else value)
    session.flush()
    old, new = audit.changed(before, _customer_snapshot(customer))
    if new:
        audit.record(session, principal, "customer.update", "customer", customer.id, before=old, after=new)
    return customer


def delete_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> None:
    """Delete a customer with its subscriptions and portal users."""
    principal.require(Permission.CUSTOMERS_DELETE)
    customer = repository.access_customer(session, principal, customer_id)
    audit.record(session, principal, "customer.delete", "customer", customer.id, before=_customer_snapshot(customer))
    session.delete(customer)
    session.flush()


def create_subscription(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    data: SubscriptionIn,
    *,
    needs_review: bool = False,
) -> Subscription:
    principal.require(Permission.SUBSCRIPTIONS_CREATE)
    customer = repository.access_customer(session, principal, customer_id)
    if repository.subscription_by_microsoft_id(session, data.microsoft_id) is not None:
        raise Conflict(
            f"subscription {data.microsoft_id} already exists",
            details=[field_error("microsoft_id", "already used by another subscription")],
        )
    subscription = Subscription(customer=customer, needs_review=needs_review, **data.model_dump())
    session.add(subscription)
    session.flush()
    after = audit.snapshot(subscription, SUBSCRIPTION_FIELDS)
    audit.record(session, principal, "subscription.create", "subscription", subscription.id, after=after)
    return subscription


def update_subscription(
    session: Session, principal: Principal, subscription_id: uuid.UUID, data: SubscriptionPatch
) -> Subscription:
    principal.require(Permission.SUBSCRIPTIONS_UPDATE)
    subscription = repository.access_subscription(session, principal, subscription_id)
    before = audit.snapshot(subscription, SUBSCRIPTION_FIELDS)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(subscription, name, value)
    if subscription.start_date and subscription.end_date and subscription.end_date < subscription.start_date:
        raise ValidationFailed("end_date is before start_date", details=[field_error("end_date", "before start_date")])
    session.flush()
    old, new = audit.changed(before, audit.snapshot(subscription, SUBSCRIPTION_FIELDS))
    if new:
        audit.record(session, principal, "subscription.update", "subscription", subscription.id, before=old, after=new)
    return subscription


def delete_subscription(session: Session, principal: Principal, subscription_id: uuid.UUID) -> None:
    principal.require(Permission.SUBSCRIPTIONS_DELETE)
    subscription = repository.access_subscription(session, principal, subscription_id)
    before = audit.snapshot(subscription, SUBSCRIPTION_FIELDS)
    audit.record(session, principal, "subscription.delete", "subscription", subscription.id, before=before)
    session.delete(subscription)
    session.flush()


def get_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    return repository.access_customer(session, principal, customer_id)
