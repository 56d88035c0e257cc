"""Customers and subscriptions named in a file: matched by tenant id and subscription id, created when unknown."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.kit import audit
from cspdesk.kit.money import is_currency
from cspdesk.microsoft.imports.facts import SUBSCRIPTION, TENANT, FileFacts
from cspdesk.models.base import new_id
from cspdesk.models.customer import Customer
from cspdesk.models.subscription import PRODUCT_FAMILIES, Subscription

T = TypeVar("T")
IdTexts = tuple[list[str], list[str]]
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
    _as_text: dict[tuple[str, int], IdTexts] = field(default_factory=dict, repr=False)

    def id_texts(self, which: Literal["customers", "subscriptions"]) -> IdTexts:
        """The mapping as (keys, id texts) lists, made once: str(UUID) of 20,000 ids per chunk added up."""
        mapping: dict[str, uuid.UUID] = getattr(self, which)
        key = (which, len(mapping))
        if key not in self._as_text:
            self._as_text[key] = (list(mapping), [str(value) for value in mapping.values()])
        return self._as_text[key]


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
    """Create, marked for review and audited, the customers and subscriptions the file names but cspdesk lacks.

    Core bulk inserts, not ORM objects: 20,000 new subscriptions took a minute to flush on PostgreSQL."""
    parties = plan_parties(session, facts)
    customers = [
        _customer_row(row) for row in facts.customers.iter_rows(named=True) if row[TENANT] not in parties.customers
    ]
    for customer in customers:
        parties.customers[str(customer["tenant_id"])] = customer["id"]
    subscriptions = [
        _subscription_row(row, parties.customers[row["tenant"]])
        for row in facts.subscriptions.iter_rows(named=True)
        if row[SUBSCRIPTION] and row[SUBSCRIPTION] not in parties.subscriptions
    ]
    for subscription in subscriptions:
        parties.subscriptions[subscription["microsoft_id"]] = subscription["id"]
    _insert_audited(session, principal, Customer, customers, "customer.discover", _CUSTOMER_AUDITED)
    _insert_audited(session, principal, Subscription, subscriptions, "subscription.discover", _SUBSCRIPTION_AUDITED)
    return parties


_CUSTOMER_AUDITED = ["name", "tenant_id", "primary_domain", "country", "billing_currency"]
_SUBSCRIPTION_AUDITED = ["microsoft_id", "customer_id", "product_name", "product_family"]


def _insert_audited(
    session: Session,
    principal: Principal,
    model: type[Customer] | type[Subscription],
    rows: list[dict[str, Any]],
    action: str,
    audited: list[str],
) -> None:
    if not rows:
        return
    table = cast(Table, model.__table__)
    for part in chunked(rows, 5_000):
        session.execute(insert(table), list(part))  # the Table, not the class: Core executemany, no ORM bulk
    changes = [(row["id"], {name: row[name] for name in audited}) for row in rows]
    audit.record_many(session, principal, action, model.__tablename__, changes, note="import")


def _text(value: Any, default: str) -> str:
    return str(value).strip() if value is not None and str(value).strip() else default


def _customer_row(row: dict[str, Any]) -> dict[str, Any]:
    country = _text(row["country"], "").upper()
    currency = _text(row["currency"], "USD").upper()
    return {
        "id": new_id(),
        "name": _text(row["name"], row[TENANT])[:200],
        "tenant_id": uuid.UUID(row[TENANT]),
        "primary_domain": _text(row["domain"], "").lower()[:253],
        "country": country if len(country) == 2 and country.isalpha() else "ZZ",
        "billing_currency": currency if is_currency(currency) else "USD",
        "needs_review": True,
        "notes": "Discovered in a Partner Center file; please review.",
    }


def _seats(quantity: Decimal | None) -> int:
    """Whole seats from the file's quantity; 1 when the file has none (an Azure plan)."""
    if quantity is None or quantity < 1:
        return 1
    return int(quantity)


def _subscription_row(row: dict[str, Any], customer_id: uuid.UUID) -> dict[str, Any]:
    family = row["family"] if row["family"] in PRODUCT_FAMILIES else "other"
    return {
        "id": new_id(),
        "microsoft_id": str(row[SUBSCRIPTION])[:64],
        "customer_id": customer_id,
        "offer_id": _text(row["offer_id"], "")[:120],
        "sku_id": _text(row["sku"], "")[:64],
        "product_name": _text(row["product_name"], "?")[:250],
        "product_family": family,
        "unit_type": "Azure plan" if family == "azure_plan" else "Licenses",
        "billing_frequency": "usage" if family == "azure_plan" else None,
        "quantity": _seats(row.get("quantity")),
        "needs_review": True,
    }
