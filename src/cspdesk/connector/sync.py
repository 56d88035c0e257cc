"""Importing customers and subscriptions from Partner Center (all pages); new ones are flagged for review."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.customers import repository, service
from cspdesk.customers.schemas import CustomerIn, SubscriptionIn, SubscriptionPatch
from cspdesk.microsoft.partner_center import Customer as PcCustomer
from cspdesk.microsoft.partner_center import PartnerCenterClient
from cspdesk.microsoft.partner_center import Subscription as PcSubscription
from cspdesk.models.customer import Customer

TERMS = {"P1M", "P1Y", "P3Y"}
FREQUENCIES = {"monthly": "monthly", "annual": "annual", "triennial": "triennial", "onetime": "one_time"}


@dataclass
class SyncReport:
    customers_created: int = 0
    customers_seen: int = 0
    subscriptions_created: int = 0
    subscriptions_updated: int = 0
    skipped: list[str] = field(default_factory=list)


def _customer(session: Session, item: PcCustomer, country: str, currency: str, report: SyncReport) -> Customer | None:
    try:
        tenant_id = uuid.UUID(item.company_profile.tenant_id or item.id)
    except ValueError:
        report.skipped.append(f"customer {item.id}: not a tenant id")
        return None
    existing = repository.customer_by_tenant(session, tenant_id)
    if existing is not None:
        return existing
    data = CustomerIn(
        name=item.company_name or item.domain or item.id,
        tenant_id=tenant_id,
        primary_domain=item.domain or "",
        country=country,
        billing_currency=currency,
    )
    report.customers_created += 1
    return service.create_customer(session, SYSTEM, data, needs_review=True)


def _fields(item: PcSubscription) -> dict[str, object]:
    return {
        "offer_id": (item.offer_id or "")[:120],
        "product_name": (item.friendly_name or item.offer_name or item.id)[:250],
        "quantity": item.quantity,
        "unit_type": (item.unit_type or "Licenses")[:40],
        "term": item.term_duration if item.term_duration in TERMS else None,
        "billing_frequency": FREQUENCIES.get((item.billing_cycle or "").lower()),
        "start_date": item.effective_start_date.date() if item.effective_start_date else None,
        "end_date": item.commitment_end_date.date() if item.commitment_end_date else None,
        "auto_renew": bool(item.auto_renew_enabled),
        "status": item.status or "none",
    }


def _subscription(session: Session, customer: Customer, item: PcSubscription, report: SyncReport) -> None:
    fields = _fields(item)
    existing = repository.subscription_by_microsoft_id(session, item.id)
    if existing is None:
        data = SubscriptionIn.model_validate({"microsoft_id": item.id, **fields})
        service.create_subscription(session, SYSTEM, customer.id, data, needs_review=True)
        report.subscriptions_created += 1
        return
    changes = {k: v for k, v in fields.items() if getattr(existing, k) != v}
    if changes:
        service.update_subscription(session, SYSTEM, existing.id, SubscriptionPatch.model_validate(changes))
        report.subscriptions_updated += 1


def sync_from_partner_center(
    session: Session, client: PartnerCenterClient, *, country: str, currency: str, page_size: int = 100
) -> SyncReport:
    """Create missing customers and subscriptions (flagged for review) and update the fields Partner Center owns."""
    report = SyncReport()
    for item in client.iter_customers(page_size):
        report.customers_seen += 1
        customer = _customer(session, item, country, currency, report)
        if customer is None:
            continue
        for subscription in client.iter_subscriptions(item.id):
            _subscription(session, customer, subscription, report)
    return report
