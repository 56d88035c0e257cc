"""Queries for dunning: scoped access to customers and invoices, and what was done under the policy."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.models.policy import (
    CustomerExemption,
    DunningAction,
    InvoiceDispute,
    PolicySuspension,
    PromiseToPay,
)
from cspdesk.models.subscription import Subscription


def access_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """The customer if the principal may see it (portal users: only their own); 404 otherwise."""
    customer = session.get(Customer, customer_id)
    if customer is None or not principal.may_see_customer(customer_id):
        raise NotFound("customer not found")
    return customer


def access_invoice(session: Session, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.status != "issued" or not principal.may_see_customer(invoice.customer_id):
        raise NotFound("invoice not found")
    return invoice


def access_suspension(session: Session, principal: Principal, suspension_id: uuid.UUID) -> PolicySuspension:
    found = session.get(PolicySuspension, suspension_id)
    if found is None or not principal.may_see_customer(found.customer_id):
        raise NotFound("suspension not found")
    return found


def access_subscription(session: Session, principal: Principal, subscription_id: uuid.UUID) -> Subscription:
    found = session.get(Subscription, subscription_id)
    if found is None or not principal.may_see_customer(found.customer_id):
        raise NotFound("subscription not found")
    return found


def actions_of(session: Session, customer_id: uuid.UUID) -> list[DunningAction]:
    stmt = (
        select(DunningAction)
        .where(DunningAction.customer_id == customer_id)
        .order_by(DunningAction.action_date.desc(), DunningAction.created_at.desc())
    )
    return list(session.execute(stmt).scalars())


def open_disputes(session: Session, invoice_ids: list[uuid.UUID]) -> dict[uuid.UUID, InvoiceDispute]:
    stmt = select(InvoiceDispute).where(InvoiceDispute.invoice_id.in_(invoice_ids), InvoiceDispute.status == "open")
    return {dispute.invoice_id: dispute for dispute in session.execute(stmt).scalars()}


def promises(session: Session, invoice_ids: list[uuid.UUID]) -> dict[uuid.UUID, date]:
    stmt = (
        select(PromiseToPay.invoice_id, func.max(PromiseToPay.until_date))
        .where(PromiseToPay.invoice_id.in_(invoice_ids))
        .group_by(PromiseToPay.invoice_id)
    )
    return {row[0]: row[1] for row in session.execute(stmt).all()}


def exempt_until(session: Session, customer_id: uuid.UUID) -> date | None:
    stmt = select(func.max(CustomerExemption.until_date)).where(CustomerExemption.customer_id == customer_id)
    value: date | None = session.execute(stmt).scalar_one()
    return value


def open_suspensions(session: Session, customer_id: uuid.UUID) -> list[PolicySuspension]:
    stmt = select(PolicySuspension).where(
        PolicySuspension.customer_id == customer_id, PolicySuspension.reactivated_at.is_(None)
    )
    return list(session.execute(stmt.order_by(PolicySuspension.suspended_at)).scalars())


def suspensions_of(session: Session, customer_id: uuid.UUID) -> list[PolicySuspension]:
    stmt = select(PolicySuspension).where(PolicySuspension.customer_id == customer_id)
    return list(session.execute(stmt.order_by(PolicySuspension.suspended_at.desc())).scalars())


def promises_of(session: Session, customer_id: uuid.UUID) -> list[PromiseToPay]:
    stmt = select(PromiseToPay).where(PromiseToPay.customer_id == customer_id)
    return list(session.execute(stmt.order_by(PromiseToPay.created_at.desc())).scalars())


def disputes_of(session: Session, customer_id: uuid.UUID) -> list[InvoiceDispute]:
    stmt = select(InvoiceDispute).where(InvoiceDispute.customer_id == customer_id)
    return list(session.execute(stmt.order_by(InvoiceDispute.opened_at.desc())).scalars())


def exemptions_of(session: Session, customer_id: uuid.UUID) -> list[CustomerExemption]:
    stmt = select(CustomerExemption).where(CustomerExemption.customer_id == customer_id)
    return list(session.execute(stmt.order_by(CustomerExemption.created_at.desc())).scalars())
