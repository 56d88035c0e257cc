"""Customers and subscriptions named in a file: matched by tenant id and subscription id, created when unknown."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.kit import audit
from cspdesk.kit.money import is_currency
from cspdesk.microsoft.imports.facts import SUBSCRIPTION, TENANT, FileFacts
from cspdesk.models.customer import Customer
from cspdesk.models.subscription import PRODUCT_FAMILIES, Subscription

T = TypeVar("T")
_CHUNK = 500


def chunked(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Parties:
    customers: dict[str, uuid.UUID] = field(default_factory=dict)
    """tenant id text (lower case) -> customer id"""
    subscriptions: dict[str, uuid.UUID] = field(default_factory=dict)
    """Microsoft subscription id -> subscription id"""
    new_customers: list[dict[str, str]] = field(default_factory=list)
    new_subscriptions: list[dict[str, str]] = field(default_factory=list)


def known_customers(session: Session, tenants: Iterable[str]) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    for part in chunked([uuid.UUID(t) for t in tenants]):
        for customer_id, tenant in session.execute(
            select(Customer.id, Customer.tenant_id).where(Customer.tenant_id.in_(part))
        ):
            found[str(tenant)] = customer_id
    return found


def known_subscriptions(session: Session, microsoft_ids: Iterable[str]) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    stmt = select(Subscription.id, Subscription.microsoft_id)
    for part in chunked(list(microsoft_ids)):
        for subscription_id, microsoft_id in session.execute(stmt.where(Subscription.microsoft_id.in_(part))):
            found[microsoft_id] = subscription_id
    return found


def plan_parties(session: Session, facts: FileFacts) -> Parties:
    """What a dry run reports: which customers and subscriptions would be created."""
    parties = Parties(
        customers=known_customers(session, facts.customers[TENANT].to_list()),
        subscriptions=known_subscriptions(session, [s for s in facts.subscriptions[SUBSCRIPTION].to_list() if s]),
    )
    for row in facts.customers.iter_rows(named=True):
        if row[TENANT] not in parties.customers:
            parties.new_customers.append({"tenant_id": row[TENANT], "name": _text(row["name"], row[TENANT])})
    for row in facts.subscriptions.iter_rows(named=True):
        if row[SUBSCRIPTION] and row[SUBSCRIPTION] not in parties.subscriptions:
            parties.new_subscriptions.append(
                {
                    "microsoft_id": row[SUBSCRIPTION],
                    "product_name": _text(row["product_name"], "?"),
                    "tenant_id": row["tenant"],
                }
            )
    return parties


def ensure_parties(session: Session, principal: Principal, facts: FileFacts) -> Parties:
    """Create, marked for review and audited, the customers and subscriptions the file names but cspdesk lacks."""
    parties = plan_parties(session, facts)
    for row in facts.customers.iter_rows(named=True):
        if row[TENANT] not in parties.customers:
            parties.customers[row[TENANT]] = _discover_customer(session, principal, row).id
    for row in facts.subscriptions.iter_rows(named=True):
        if row[SUBSCRIPTION] and row[SUBSCRIPTION] not in parties.subscriptions:
            customer_id = parties.customers[row["tenant"]]
            parties.subscriptions[row[SUBSCRIPTION]] = _discover_subscription(session, principal, row, customer_id).id
    session.flush()  # once: a flush per new object grew with the session (a 20k-line file took 29 s)
    return parties


def _text(value: Any, default: str) -> str:
    return str(value).strip() if value is not None and str(value).strip() else default


def _discover_customer(session: Session, principal: Principal, row: dict[str, Any]) -> Customer:
    country = _text(row["country"], "").upper()
    currency = _text(row["currency"], "USD").upper()
    customer = Customer(
        id=uuid.uuid4(),
        name=_text(row["name"], row[TENANT])[:200],
        tenant_id=uuid.UUID(row[TENANT]),
        primary_domain=_text(row["domain"], "").lower()[:253],
        country=country if len(country) == 2 and country.isalpha() else "ZZ",
        billing_currency=currency if is_currency(currency) else "USD",
        needs_review=True,
        notes="Discovered in a Partner Center file; please review.",
    )
    session.add(customer)
    after = audit.snapshot(customer, ["name", "tenant_id", "primary_domain", "country", "billing_currency"])
    audit.record(session, principal, "customer.discover", "customer", customer.id, after=after, note="import")
    return customer


def _seats(quantity: Decimal | None) -> int:
    """Whole seats from the file's quantity; 1 when the file has none (an Azure plan)."""
    if quantity is None or quantity < 1:
        return 1
    return int(quantity)


def _discover_subscription(
    session: Session, principal: Principal, row: dict[str, Any], customer_id: uuid.UUID
) -> Subscription:
    family = row["family"] if row["family"] in PRODUCT_FAMILIES else "other"
    subscription = Subscription(
        id=uuid.uuid4(),
        microsoft_id=str(row[SUBSCRIPTION])[:64],
        customer_id=customer_id,
        offer_id=_text(row["offer_id"], "")[:120],
        sku_id=_text(row["sku"], "")[:64],
        product_name=_text(row["product_name"], "?")[:250],
        product_family=family,
        unit_type="Azure plan" if family == "azure_plan" else "Licenses",
        billing_frequency="usage" if family == "azure_plan" else None,
        quantity=_seats(row.get("quantity")),
        needs_review=True,
    )
    session.add(subscription)
    after = audit.snapshot(subscription, ["microsoft_id", "customer_id", "product_name", "product_family"])
    audit.record(
        session, principal, "subscription.discover", "subscription", subscription.id, after=after, note="import"
    )
    return subscription
