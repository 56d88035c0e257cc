"""Ticket queries, scoped to what a principal may read; hidden tickets answer 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Row, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound, PermissionDenied
from cspdesk.models.customer import Customer
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
    # The customer comes joined with the ticket; its billing contacts load only if something reads them.
    stmt = readable_tickets(principal).where(Ticket.id == ticket_id)
    stmt = stmt.options(joinedload(Ticket.customer).lazyload(Customer.contacts))
    ticket: Ticket | None = session.execute(stmt).scalar_one_or_none()
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


def _by_status(stmt: Select[Any], status: str) -> Select[Any]:
    if status == "open":
        # Literal values (not bound parameters), so that PostgreSQL matches the partial queue indexes.
        open_statuses: BindParameter[tuple[str, ...]] = bindparam("open_statuses", OPEN_STATUSES, literal_execute=True)
        return stmt.where(Ticket.status.in_(open_statuses), Ticket.merged_into_id.is_(None))
    if status and status != "closed":
        # Merged tickets are always closed, so no merge condition here: with it the planner would walk the
        # partial open-queue index (where a paused status sits at the end) instead of ix_tickets_queue.
        return stmt.where(Ticket.status == status)
    stmt = stmt.where(Ticket.merged_into_id.is_(None))
    return stmt.where(Ticket.status == status) if status else stmt


def queue(principal: Principal, f: QueueFilter, now: datetime) -> Select[Any]:
    """The agent queue: filtered, most urgent SLA first (high priority, then the earliest due time)."""
    stmt = _by_status(readable_tickets(principal), f.status)
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
    # "high" sorts before "normal"; the order matches the ix_tickets_*queue indexes, so no sort is needed.
    return stmt.order_by(Ticket.priority, Ticket.resolution_due_at.asc().nulls_last(), Ticket.number)


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue; `total` is None when there are more than COUNT_CAP matches (not counted exactly)."""

    items: list[Any]
    page: int
    size: int
    total: int | None
    has_next: bool

    @property
    def total_label(self) -> str:
        return str(self.total) if self.total is not None else f"{COUNT_CAP}+"


COUNT_CAP = 1000


def queue_page(session: Session, stmt: Select[Any], page: int, size: int) -> QueuePage:
    """Offset paging with a capped count: counting every open ticket on each page view costs a full scan.

    The count rides along with the page's rows as an uncorrelated subquery (PostgreSQL runs it once), so a page
    is one round trip; only a page past the end, which has no rows to carry it, counts separately.
    """
    page = max(1, page)
    capped = stmt.order_by(None).with_only_columns(Ticket.id).limit(COUNT_CAP + 1).subquery()
    counted = select(func.count()).select_from(capped).scalar_subquery().label("matching")
    shown = [getattr(Ticket, name) for name in QUEUE_COLUMNS]
    rows_stmt = stmt.with_only_columns(*shown, Customer.name.label("customer_name"), counted).join(
        Customer, Customer.id == Ticket.customer_id
    )
    rows = session.execute(rows_stmt.limit(size + 1).offset((page - 1) * size)).all()
    total = rows[0].matching if rows else session.execute(select(counted)).scalar_one()
    items = [QueueRow(**{key: value for key, value in row._mapping.items() if key != "matching"}) for row in rows]
    return QueuePage(items[:size], page, size, total if total <= COUNT_CAP else None, len(rows) > size)


QUEUE_COLUMNS = (
    "id",
    "number",
    "subject",
    "category",
    "service",
    "severity",
    "priority",
    "status",
    "assignee_id",
    "triage",
    "first_response_due_at",
    "first_responded_at",
    "resolution_due_at",
    "sla_breached",
)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A queue line: plain columns rather than ORM objects, which cost more than the query on this page."""

    id: uuid.UUID
    number: int
    subject: str
    customer_name: str
    category: str
    service: str
    severity: str
    priority: str
    status: str
    assignee_id: uuid.UUID | None
    triage: bool
    first_response_due_at: datetime | None
    first_responded_at: datetime | None
    resolution_due_at: datetime | None
    sla_breached: bool

    @property
    def display_number(self) -> str:
        return f"T-{self.number:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def messages_of(session: Session, principal: Principal, ticket: Ticket) -> list[TicketMessage]:
    """Portal users see public replies only; staff see internal notes too."""
    stmt = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    if principal.is_portal:
        stmt = stmt.where(TicketMessage.kind == "public")
    return list(session.execute(stmt.order_by(TicketMessage.created_at, TicketMessage.id)).scalars())


MESSAGES_PER_PAGE = 50


@dataclass(frozen=True)
class MessagePage:
    """The latest messages of a ticket (page 1) or older ones, oldest first."""

    items: list[TicketMessage]
    page: int
    has_older: bool


def message_page(session: Session, principal: Principal, ticket: Ticket, page: int = 1) -> MessagePage:
    """One page of the thread, newest page first, so a long thread costs the same as a short one."""
    page = max(1, page)
    stmt = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    if principal.is_portal:
        stmt = stmt.where(TicketMessage.kind == "public")
    stmt = stmt.order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc())
    window = stmt.limit(MESSAGES_PER_PAGE + 1).offset((page - 1) * MESSAGES_PER_PAGE)
    rows = list(session.execute(window).scalars())
    return MessagePage(list(reversed(rows[:MESSAGES_PER_PAGE])), page, len(rows) > MESSAGES_PER_PAGE)


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


AGENT_ROLES = ("global_admin", "admin_agent", "helpdesk_agent", "billing_admin")


def _is_agent() -> Any:
    return and_(User.kind == "staff", User.is_active.is_(True), UserRole.role.in_(AGENT_ROLES))


def agents(session: Session) -> list[User]:
    """Staff users who may work tickets, for the assignment list."""
    stmt = select(User).join(UserRole, UserRole.user_id == User.id).where(_is_agent()).order_by(User.name)
    return list(session.execute(stmt).unique().scalars())


@cache
def _agent_choices() -> Select[uuid.UUID, str]:
    # Built once: making the statement costs more Python than running it, and every ticket page asks.
    stmt = select(User.id, User.name).join(UserRole, UserRole.user_id == User.id).where(_is_agent())
    return stmt.distinct().order_by(User.name, User.id)


def agent_choices(session: Session) -> list[Row[uuid.UUID, str]]:
    """Ticket agents' ids and names, by name, in one narrow query (pages show names only)."""
    return list(session.execute(_agent_choices()).all())


def agent_names(session: Session) -> dict[uuid.UUID, str]:
    return {row.id: row.name for row in agent_choices(session)}
