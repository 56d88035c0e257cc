"""Support tickets with their messages, events (replayed for SLA clocks), attachments and Microsoft escalations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.db import UTCDateTime
from cspdesk.kit import clock
from cspdesk.models.base import Base, IdMixin, TimestampMixin
from cspdesk.models.customer import Customer

CATEGORIES = ("billing", "subscription_management", "technical", "other")
SERVICES = ("azure", "microsoft_365", "dynamics_365", "other")
# A critical, B moderate, C minimal: Microsoft's severity letters for break-fix support.
SEVERITIES = ("A", "B", "C")
STATUSES = ("new", "open", "pending_customer", "pending_microsoft", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending_customer", "pending_microsoft")
# Predicate of the partial queue indexes; the queue query states it with literal values so the planner can match it.
OPEN_QUEUE_PREDICATE = "status IN ({}) AND merged_into_id IS NULL".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))
PRIORITIES = ("normal", "high")
CHANNELS = ("portal", "email", "phone", "api")
MESSAGE_KINDS = ("public", "internal")
ESCALATION_TYPES = ("commercial", "technical")
ESCALATION_STATUSES = ("draft", "filed", "open", "attention_needed", "closed")


class Ticket(IdMixin, TimestampMixin, Base):
    __tablename__ = "tickets"
    # The queue's order is (priority, resolution_due_at NULLS LAST, number): these indexes return a page of it
    # without sorting; the partial ones cover the default "open" view and the mine/unassigned views.
    __table_args__ = (
        Index("ix_tickets_queue", "status", "priority", "resolution_due_at", "number"),
        Index(
            "ix_tickets_open_queue",
            "priority",
            "resolution_due_at",
            "number",
            postgresql_where=text(OPEN_QUEUE_PREDICATE),
            sqlite_where=text(OPEN_QUEUE_PREDICATE),
        ),
        Index(
            "ix_tickets_open_assignee",
            "assignee_id",
            "priority",
            "resolution_due_at",
            "number",
            postgresql_where=text(OPEN_QUEUE_PREDICATE),
            sqlite_where=text(OPEN_QUEUE_PREDICATE),
        ),
        Index("ix_tickets_customer_created", "customer_id", "created_at"),
    )

    number: Mapped[int] = mapped_column(Integer, unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"))
    requester_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    requester_email: Mapped[str] = mapped_column(String(254), default="")
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(250))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30), default="other")
    service: Mapped[str] = mapped_column(String(20), default="other")
    severity: Mapped[str] = mapped_column(String(1), default="C")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="new")
    via: Mapped[str] = mapped_column(String(10), default="portal")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # No foreign key yet: the invoices table is built in another migration branch.
    related_invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    related_subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("subscriptions.id", ondelete="SET NULL")
    )
    triage: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tickets.id", ondelete="SET NULL"))
    # SLA state, recomputed from the events on every change, so the queue sorts by an indexed column.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    first_response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    microsoft_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # The plan terms (calendar, targets) in force when the ticket was opened; None: the built-in fallback terms.
    sla_terms_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("support_plan_terms.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_public_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Orders events that share an instant (a reply and a status change in one request, or a frozen test clock).
    event_seq: Mapped[int] = mapped_column(Integer, default=0)

    customer: Mapped[Customer] = relationship(lazy="joined")

    @property
    def display_number(self) -> str:
        return f"T-{self.number:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketMessage(IdMixin, Base):
    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket_at", "ticket_id", "created_at"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="public")
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(254), default="")
    from_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(10), default="portal")
    email_message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class TicketEvent(IdMixin, Base):
    """Status changes, first replies, assignments: the ticket's history and the input of its SLA clocks."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_at", "ticket_id", "at"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class Attachment(IdMixin, Base):
    __tablename__ = "ticket_attachments"

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("ticket_messages.id", ondelete="CASCADE"))
    storage_key: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Escalation(IdMixin, TimestampMixin, Base):
    """A case with Microsoft for a ticket; filed by hand in the Partner Center portal, then tracked here."""

    __tablename__ = "escalations"

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    escalation_type: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    microsoft_case_number: Mapped[str | None] = mapped_column(String(64), index=True)
    case_summary: Mapped[str] = mapped_column(Text, default="")
    tried: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(254), default="")
