"""Billing's part of a ticket's customer context: balance, credit and the overdue invoices."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import receivables
from cspdesk.kit import clock
from cspdesk.kit.money import format_money
from cspdesk.models.customer import Customer
from cspdesk.support.context import ContextFact, ContextSection, register_provider


class BillingContext:
    """Shown to staff who may read invoices: what the customer owes and what is overdue."""

    def section(self, session: Session, principal: Principal, customer_id: uuid.UUID) -> ContextSection | None:
        customer = session.get(Customer, customer_id)
        if customer is None or not principal.can(Permission.INVOICES_READ):
            return None
        today = clock.today()
        balance = receivables.balance(session, customer)
        currency = balance.currency
        facts = [
            ContextFact("Balance", format_money(balance.balance_minor, currency), "/console/billing/receivables"),
            ContextFact("Credit", format_money(balance.credit_minor, currency)),
        ]
        for item in receivables.open_invoices(session, today, customer_id):
            invoice = item.invoice
            if invoice.due_date is not None and invoice.due_date < today:
                facts.append(
                    ContextFact(
                        f"Overdue {invoice.number}",
                        f"{format_money(item.open_minor, invoice.currency)}, {(today - invoice.due_date).days} days",
                        f"/console/billing/invoices/{invoice.id}",
                    )
                )
        return ContextSection("Billing", facts)


register_provider("billing.balance", BillingContext())
