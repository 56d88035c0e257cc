"""Ticket queries, scoped to what a principal may read; hidden tickets answer 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound, PermissionDenied
from cspdesk.models.support import OPEN_STATUSES, Attachment, Escalation, Ticket, TicketEvent, TicketMessage
from cspdesk.models.user import User, UserRole

WARNING_MINUTES = 60


def readable_tickets(principal: Principal) -> Select[Any]:
    """All tickets for staff who read tickets; only their own customer's for a portal user."""
    principal.require(Permission.TICKETS_READ)
    stmt = select(Ticket)
    if principal.is_portal:
        stmt = stmt.where(Ticket.customer_id == principal.customer_id)
    return stmt


def access_ticket(session: Session, principal: Principal, ticket_id: uuid.UUID) -> Ticket:
    ticket: Ticket | None = session.execute(
        readable_tickets(principal).where(Ticket.id == ticket_id)
    ).scalar_one_or_none()
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket


def can_work(principal: Principal, ticket: Ticket) -> bool:
    """helpdesk and admin agents work every ticket; billing admins only billing tickets."""
    if principal.can(Permission.TICKETS_WORK):
        return True
    return principal.can(Permission.TICKETS_BILLING_WORK) and ticket.category == "billing"


def workable_ticket(session: Session, principal: Principal, ticket_id: uuid.UUID) -> Ticket:
    ticket = access_ticket(session, principal, ticket_id)
    if principal.is_portal or not can_work(principal, ticket):
        raise PermissionDenied("you may not work this ticket")
    return ticket


@dataclass(frozen=True)
class QueueFilter:
    mine: bool = False
    unassigned: bool = False
    breaching: bool = False
    category: str = ""
    service: str = ""
    customer_id: uuid.UUID | None = None
    status: str = "open"  # "open" = every not yet resolved status, "" = all, else one status
    q: str = ""


def queue(principal: Principal, f: QueueFilter, now: datetime) -> Select[Any]:
    """The agent queue: filtered, most urgent SLA first (high priority, then the earliest due time)."""
    stmt = readable_tickets(principal).where(Ticket.merged_into_id.is_(None))
    if f.status == "open":
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES))
    elif f.status:
        stmt = stmt.where(Ticket.status == f.status)
    if f.mine:
        stmt = stmt.where(Ticket.assignee_id == principal.user_id)
    if f.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if f.breaching:
        soon = now + timedelta(minutes=WARNING_MINUTES)
        stmt = stmt.where(
            or_(Ticket.sla_breached.is_(True), Ticket.first_response_due_at <= soon, Ticket.resolution_due_at <= soon)
        )
    for column, value in ((Ticket.category, f.category), (Ticket.service, f.service)):
        if value:
            stmt = stmt.where(column == value)
    if f.customer_id:
        stmt = stmt.where(Ticket.customer_id == f.customer_id)
    if f.q:
        stmt = stmt.where(Ticket.subject.ilike(f"%{f.q.strip()}%"))
    due = Ticket.resolution_due_at
    return stmt.order_by(Ticket.priority.desc(), due.is_(None), due, Ticket.number)


def messages_of(session: Session, principal: Principal, ticket: Ticket) -> list[TicketMessage]:
    """Portal users see public replies only; staff see internal notes too."""
    stmt = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    if principal.is_portal:
        stmt = stmt.where(TicketMessage.kind == "public")
    return list(session.execute(stmt.order_by(TicketMessage.created_at, TicketMessage.id)).scalars())


def events_of(session: Session, ticket_id: uuid.UUID) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at, TicketEvent.seq)
    return list(session.execute(stmt).scalars())


def attachments_of(session: Session, principal: Principal, ticket: Ticket) -> list[Attachment]:
    stmt = select(Attachment).where(Attachment.ticket_id == ticket.id)
    if principal.is_portal:
        public = select(TicketMessage.id).where(TicketMessage.kind == "public")
        stmt = stmt.where(or_(Attachment.message_id.is_(None), Attachment.message_id.in_(public)))
    return list(session.execute(stmt.order_by(Attachment.created_at, Attachment.filename)).scalars())


def access_attachment(session: Session, principal: Principal, attachment_id: uuid.UUID) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("attachment not found")
    ticket = access_ticket(session, principal, attachment.ticket_id)
    if attachment not in attachments_of(session, principal, ticket):
        raise NotFound("attachment not found")
    return attachment


def escalations_of(session: Session, ticket_id: uuid.UUID) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.ticket_id == ticket_id).order_by(Escalation.created_at)
    return list(session.execute(stmt).scalars())


def ticket_by_number(session: Session, number: int) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()


def agents(session: Session) -> list[User]:
    """Staff users who may work tickets, for the assignment list."""
    roles = ("global_admin", "admin_agent", "helpdesk_agent", "billing_admin")
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(and_(User.kind == "staff", User.is_active.is_(True), UserRole.role.in_(roles)))
        .order_by(User.name)
    )
    return list(session.execute(stmt).unique().scalars())
