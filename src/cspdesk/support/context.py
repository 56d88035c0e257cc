"""The customer's context on a ticket page: what support shows itself, plus what other domains provide.

Billing and dunning register a `CustomerContextProvider`; the ticket page renders every registered section.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session, lazyload

from cspdesk.auth.principal import Principal
from cspdesk.customers import repository as customers
from cspdesk.models.subscription import Subscription
from cspdesk.models.support_plans import SupportPlan
from cspdesk.support import plans


@dataclass(frozen=True)
class ContextFact:
    label: str
    value: str
    href: str = ""


@dataclass(frozen=True)
class ContextSection:
    """One block of facts, e.g. "Balance" or "Dunning" with its stage and next step."""

    title: str
    facts: list[ContextFact] = field(default_factory=list)


class CustomerContextProvider(Protocol):
    """Implemented by other domains (billing: balance, overdue invoices; dunning: stage and next step).

    Return None when the principal may not see the section or there is nothing to say.
    """

    def section(self, session: Session, principal: Principal, customer_id: uuid.UUID) -> ContextSection | None: ...


_PROVIDERS: dict[str, CustomerContextProvider] = {}


def register_provider(name: str, provider: CustomerContextProvider) -> None:
    """Register (or replace) a provider under a stable name such as "billing.balance"."""
    _PROVIDERS[name] = provider


def unregister_provider(name: str) -> None:
    _PROVIDERS.pop(name, None)


_DISCOVERED: list[bool] = []


def _discover_providers() -> None:
    """Import every `cspdesk.<domain>.support_context` once; each registers its provider when imported."""
    if not _DISCOVERED:
        from cspdesk.discovery import modules_named

        list(modules_named("support_context"))
        _DISCOVERED.append(True)


def registered_providers() -> dict[str, CustomerContextProvider]:
    return dict(_PROVIDERS)


@dataclass(frozen=True)
class CustomerContext:
    plan: SupportPlan | None
    subscriptions: list[Subscription]
    sections: list[ContextSection]


_LOOKUP = object()


def customer_context(
    session: Session, principal: Principal, customer_id: uuid.UUID, plan: SupportPlan | object | None = _LOOKUP
) -> CustomerContext:
    """The plan (pass it when the caller has it already), subscriptions and every registered section."""
    from cspdesk.auth.permissions import Permission

    subscriptions: list[Subscription] = []
    if principal.can(Permission.SUBSCRIPTIONS_READ):
        subscriptions = _subscriptions(session, principal, customer_id)
    _discover_providers()
    sections = []
    for name in sorted(_PROVIDERS):
        section = _PROVIDERS[name].section(session, principal, customer_id)
        if section is not None:
            sections.append(section)
    if not (plan is None or isinstance(plan, SupportPlan)):
        plan = plans.plan_for_customer(session, customer_id)
    return CustomerContext(plan, subscriptions, sections)


def _subscriptions(session: Session, principal: Principal, customer_id: uuid.UUID) -> list[Subscription]:
    """The customer's subscriptions without their (already known) customer and its contacts."""
    stmt = customers.readable_subscriptions(principal).where(Subscription.customer_id == customer_id)
    stmt = stmt.options(lazyload(Subscription.customer))
    return list(session.execute(stmt.order_by(Subscription.product_name, Subscription.microsoft_id)).scalars())
