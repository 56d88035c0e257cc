"""Ticket use cases: open, reply, note, assign, change status, merge, auto-close; every change audited."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.config import Settings
from cspdesk.kit import audit, clock, counters
from cspdesk.kit.errors import Conflict, PermissionDenied, ValidationFailed, field_error
from cspdesk.kit.storage import Storage
from cspdesk.models.subscription import Subscription
from cspdesk.models.support import Ticket, TicketEvent, TicketMessage
from cspdesk.models.user import User
from cspdesk.support import attachments, clocks, email_out, plans, repository
from cspdesk.support.attachments import Upload
from cspdesk.support.schemas import TicketIn

TICKET_FIELDS = ["subject", "category", "service", "severity", "priority", "status", "assignee_id", "triage"]
COUNTER = "ticket"


@dataclass(frozen=True)
class Desk:
    """What ticket use cases need besides the session: settings (addresses, limits) and attachment storage."""

    settings: Settings
    storage: Storage | None = None
    uploads: list[Upload] = field(default_factory=list)


def add_event(
    session: Session, ticket: Ticket, kind: str, actor: str, *, to_status: str | None = None, detail: str = ""
) -> TicketEvent:
    event = _event(ticket, kind, actor, to_status=to_status, detail=detail)
    session.add(event)
    return event


def _event(ticket: Ticket, kind: str, actor: str, *, to_status: str | None = None, detail: str = "") -> TicketEvent:
    ticket.event_seq = (ticket.event_seq or 0) + 1
    return TicketEvent(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        at=clock.now(),
        seq=ticket.event_seq,
        kind=kind,
        to_status=to_status,
        actor_label=actor,
        detail=detail,
    )


def _check_subscription(session: Session, customer_id: uuid.UUID, subscription_id: uuid.UUID | None) -> None:
    if subscription_id is None:
        return
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.customer_id != customer_id:
        message = "not a subscription of this customer"
        raise ValidationFailed(message, details=[field_error("related_subscription_id", message)])


def _customer_for(principal: Principal, data: TicketIn) -> uuid.UUID:
    if principal.is_portal:
        assert principal.customer_id is not None
        return principal.customer_id
    if data.customer_id is None:
        raise ValidationFailed("choose the customer", details=[field_error("customer_id", "required")])
    return data.customer_id


def create_ticket(
    session: Session,
    principal: Principal,
    data: TicketIn,
    desk: Desk,
    *,
    via: str = "portal",
    triage: bool = False,
    take_number: bool = True,
) -> Ticket:
    """Open a ticket: portal users for their own customer, staff (phone, email intake) for any customer.

    The gap-free number is the last write: every row (ticket, event, audit, attachments, the acknowledgement in
    the outbox, which reads the number when it is sent) goes in first, then the counter, so that concurrent
    creations queue on the counter's row lock only for that statement and the commit (the caller commits next).
    With take_number=False the caller takes it with its commit: counters.commit_with_next(session, COUNTER,
    ticket, "number").
    """
    if principal.is_portal:
        principal.require(Permission.TICKETS_CREATE)
    elif not (principal.can(Permission.TICKETS_WORK) or principal.can(Permission.TICKETS_CREATE)):
        raise PermissionDenied("this needs the permission tickets:work")
    customer_id = _customer_for(principal, data)
    _check_subscription(session, customer_id, data.related_subscription_id)
    attachments.check_uploads(session, desk.settings, None, desk.uploads)
    ticket = _new_ticket(principal, data, customer_id, via=via, triage=triage)
    created = _event(ticket, "created", principal.label)
    plan = plans.plan_for_customer(session, customer_id)
    ticket.sla_terms_id = plan.terms_id if plan else None  # kept when the plan changes later
    clocks.apply_state(ticket, clocks.sla_state(ticket, plan, [created], clock.now()))
    session.add_all([ticket, created])
    audit.record(session, principal, "ticket.create", "ticket", ticket.id, after=audit.snapshot(ticket, TICKET_FIELDS))
    email_out.acknowledge(session, ticket, desk.settings.support_address)
    session.flush()  # one flush for all of them; the ticket row must exist before attachments, which refer to it
    if desk.uploads and desk.storage is not None:
        attachments.store(session, desk.storage, ticket, None, desk.uploads)
    if take_number:
        counters.assign_next(session, COUNTER, ticket, "number")
    return ticket


def _provisional_number() -> int:
    """A stand-in until the real number is the transaction's last write; never committed. Random, so that
    concurrent creations do not queue on the unique index (a rare collision waits for the other's commit)."""
    return -1 - secrets.randbelow(2**31 - 1)


def _new_ticket(principal: Principal, data: TicketIn, customer_id: uuid.UUID, *, via: str, triage: bool) -> Ticket:
    requester = _requester(principal)
    return Ticket(
        id=uuid.uuid4(),
        number=_provisional_number(),
        customer_id=customer_id,
        requester_id=principal.user_id if requester else None,
        requester_email=data.requester_email or (requester[0] if requester else ""),
        requester_name=data.requester_name or (requester[1] if requester else ""),
        **data.model_dump(include={"subject", "description", "category", "service", "severity"}),
        related_invoice_id=data.related_invoice_id,
        related_subscription_id=data.related_subscription_id,
        status="new",
        priority="normal",
        via=via,
        triage=triage,
        last_public_at=clock.now(),
        event_seq=0,
    )


def _requester(principal: Principal) -> tuple[str, str] | None:
    """A portal user's email and name, as the principal carries them."""
    if not (principal.user_id and principal.is_portal):
        return None
    return principal.label, principal.name


def _set_status(session: Session, ticket: Ticket, status: str, actor: str) -> None:
    if ticket.status == status:
        return
    ticket.status = status
    now = clock.now()
    if status == "resolved":
        ticket.resolved_at = now
    if status == "closed":
        ticket.closed_at = now
    if status not in ("resolved", "closed"):
        ticket.resolved_at, ticket.closed_at = None, None
    add_event(session, ticket, "status", actor, to_status=status)


def _message(ticket: Ticket, principal: Principal, body: str, *, internal: bool, via: str) -> TicketMessage:
    return TicketMessage(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        kind="internal" if internal else "public",
        author_id=principal.user_id,
        author_label=principal.label,
        from_staff=principal.is_staff,
        body=body,
        via=via,
        created_at=clock.now(),
    )


def agent_message(
    session: Session, principal: Principal, ticket_id: uuid.UUID, body: str, desk: Desk, *, internal: bool = False
) -> TicketMessage:
    """A public reply (emailed to the requester, stops the first-response clock) or an internal note."""
    ticket = repository.workable_ticket(session, principal, ticket_id)
    if ticket.merged_into_id is not None:
        raise Conflict("this ticket was merged into another one")
    attachments.check_uploads(session, desk.settings, ticket, desk.uploads)
    message = _message(ticket, principal, body, internal=internal, via="portal")
    session.add(message)
    session.flush()
    if desk.uploads and desk.storage is not None:
        attachments.store(session, desk.storage, ticket, message.id, desk.uploads)
    if not internal:
        _after_public_reply(session, ticket, principal, message, desk)
    action = "ticket.note" if internal else "ticket.reply"
    audit.record(session, principal, action, "ticket", ticket.id, after={"message_id": str(message.id)})
    return message


def _after_public_reply(
    session: Session, ticket: Ticket, principal: Principal, message: TicketMessage, desk: Desk
) -> None:
    if ticket.first_responded_at is None:
        ticket.first_responded_at = message.created_at
        add_event(session, ticket, "first_reply", principal.label)
    if ticket.status == "new":
        _set_status(session, ticket, "open", principal.label)
    ticket.last_public_at = message.created_at
    clocks.refresh(session, ticket, clock.now())
    email_out.public_reply(session, ticket, message, desk.settings.support_address)


def customer_message(
    session: Session,
    principal: Principal,
    ticket: Ticket,
    body: str,
    desk: Desk,
    *,
    via: str = "portal",
    email_message_id: str | None = None,
) -> TicketMessage:
    """A reply from the customer: reopens a ticket waiting for them or resolved; closed tickets take none."""
    if ticket.status == "closed":
        raise Conflict("this ticket is closed; please open a new one")
    attachments.check_uploads(session, desk.settings, ticket, desk.uploads)
    message = _message(ticket, principal, body, internal=False, via=via)
    message.from_staff = False
    message.email_message_id = email_message_id
    session.add(message)
    session.flush()
    if desk.uploads and desk.storage is not None:
        attachments.store(session, desk.storage, ticket, message.id, desk.uploads)
    if ticket.status in ("pending_customer", "resolved"):
        _set_status(session, ticket, "open", principal.label)
    ticket.last_public_at = message.created_at
    clocks.refresh(session, ticket, clock.now())
    audit.record(
        session,
        principal,
        "ticket.customer_reply",
        "ticket",
        ticket.id,
        after={"message_id": str(message.id), "via": via},
    )
    return message


def portal_reply(session: Session, principal: Principal, ticket_id: uuid.UUID, body: str, desk: Desk) -> TicketMessage:
    principal.require(Permission.TICKETS_CREATE)
    ticket = repository.access_ticket(session, principal, ticket_id)
    return customer_message(session, principal, ticket, body, desk)


def change_status(session: Session, principal: Principal, ticket_id: uuid.UUID, status: str) -> Ticket:
    ticket = repository.workable_ticket(session, principal, ticket_id)
    if ticket.merged_into_id is not None:
        raise Conflict("this ticket was merged into another one")
    before = audit.snapshot(ticket, ["status"])
    _set_status(session, ticket, status, principal.label)
    clocks.refresh(session, ticket, clock.now())
    audit.record(
        session,
        principal,
        "ticket.status",
        "ticket",
        ticket.id,
        before=before,
        after=audit.snapshot(ticket, ["status"]),
    )
    return ticket


def assign(session: Session, principal: Principal, ticket_id: uuid.UUID, assignee_id: uuid.UUID | None) -> Ticket:
    ticket = repository.workable_ticket(session, principal, ticket_id)
    if assignee_id is not None and assignee_id not in {u.id for u in repository.agents(session)}:
        raise ValidationFailed("not an agent", details=[field_error("assignee_id", "not a ticket agent")])
    before = audit.snapshot(ticket, ["assignee_id"])
    ticket.assignee_id = assignee_id
    assignee = session.get(User, assignee_id) if assignee_id else None
    add_event(session, ticket, "assigned", principal.label, detail=assignee.name if assignee else "")
    if ticket.triage and assignee_id is not None:
        ticket.triage = False
    session.flush()
    audit.record(
        session,
        principal,
        "ticket.assign",
        "ticket",
        ticket.id,
        before=before,
        after=audit.snapshot(ticket, ["assignee_id"]),
    )
    return ticket


def merge(session: Session, principal: Principal, ticket_id: uuid.UUID, into_number: int) -> Ticket:
    """Close a duplicate into another ticket of the same customer, leaving a note on both."""
    principal.require(Permission.TICKETS_WORK)
    source = repository.workable_ticket(session, principal, ticket_id)
    target = repository.ticket_by_number(session, into_number)
    if target is None or target.customer_id != source.customer_id or target.id == source.id:
        message = "choose another ticket of the same customer"
        raise ValidationFailed(message, details=[field_error("into", message)])
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict("a merged ticket cannot be merged again")
    source.merged_into_id = target.id
    _set_status(session, source, "closed", principal.label)
    add_event(session, source, "merged", principal.label, detail=target.display_number)
    note = f"Merged from {source.display_number}: {source.subject}\n\n{source.description}"
    session.add(_message(target, principal, note, internal=True, via="portal"))
    clocks.refresh(session, source, clock.now())
    audit.record(session, principal, "ticket.merge", "ticket", source.id, after={"merged_into": target.display_number})
    return target


def due_for_autoclose(session: Session, now: datetime, days: int) -> list[Ticket]:
    """Resolved tickets whose customer has not answered for `days` days (a reply would have reopened them)."""
    cutoff = now - timedelta(days=days)
    stmt = select(Ticket).where(Ticket.status == "resolved", Ticket.resolved_at <= cutoff).order_by(Ticket.number)
    return list(session.execute(stmt).scalars())


def autoclose(session: Session, principal: Principal, days: int, *, dry_run: bool = False) -> list[Ticket]:
    """Close resolved tickets after `days` days without a reply; returns the tickets (closed unless dry run)."""
    due = due_for_autoclose(session, clock.now(), days)
    if dry_run:
        return due
    for ticket in due:
        _set_status(session, ticket, "closed", principal.label)
        clocks.refresh(session, ticket, clock.now())
        audit.record(
            session,
            principal,
            "ticket.autoclose",
            "ticket",
            ticket.id,
            before={"status": "resolved"},
            after={"status": "closed"},
        )
    return due
