"""Dunning's part of a ticket's customer context: the stage and each overdue invoice's next step with its date."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.models.customer import Customer
from cspdesk.policy.status import customer_status
from cspdesk.support.context import ContextFact, ContextSection, register_provider


class DunningContext:
    """Shown to staff who may read dunning: where the customer stands in the payment policy."""

    def section(self, session: Session, principal: Principal, customer_id: uuid.UUID) -> ContextSection | None:
        customer = session.get(Customer, customer_id)
        if customer is None or not principal.can(Permission.DUNNING_READ):
            return None
        status = customer_status(session, customer, clock.today(), principal.language)
        facts = [ContextFact("Stage", str(status.stage.value), f"/console/dunning/customers/{customer_id}")]
        for item in status.invoices:
            when = item.next_date.isoformat() if item.next_date else "—"
            facts.append(ContextFact(f"Next for {item.number}", f"{item.next_step or 'nothing'} on {when}"))
        return ContextSection("Payment policy", facts)


register_provider("policy.dunning", DunningContext())
