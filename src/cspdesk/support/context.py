"""The customer's context on a ticket page: what support shows itself, plus what other domains provide.

Billing and dunning register a `CustomerContextProvider`; the ticket page renders every registered section.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

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


def registered_providers() -> dict[str, CustomerContextProvider]:
    return dict(_PROVIDERS)


@dataclass(frozen=True)
class CustomerContext:
    plan: SupportPlan | None
    subscriptions: list[Subscription]
    sections: list[ContextSection]


def customer_context(session: Session, principal: Principal, customer_id: uuid.UUID) -> CustomerContext:
    from cspdesk.auth.permissions import Permission

    subscriptions: list[Subscription] = []
    if principal.can(Permission.SUBSCRIPTIONS_READ):
        subscriptions = customers.subscriptions_of(session, principal, customer_id)
    sections = []
    for name in sorted(_PROVIDERS):
        section = _PROVIDERS[name].section(session, principal, customer_id)
        if section is not None:
            sections.append(section)
    return CustomerContext(plans.plan_for_customer(session, customer_id), subscriptions, sections)
