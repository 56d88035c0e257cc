"""Escalations to Microsoft: who may escalate what, the case summary to file, tracking and Partner Center sync."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.config import Settings
from cspdesk.connector.client import client_from_settings
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import AppError, NotFound, ValidationFailed, field_error
from cspdesk.microsoft.partner_center import (
    PartnerCenterClient,
    PartnerCenterError,
    RetryPolicy,
    ServiceRequest,
    TokenAcquisitionError,
)
from cspdesk.models.subscription import Subscription
from cspdesk.models.support import Escalation, Ticket
from cspdesk.models.support_plans import PartnerSupportPackage
from cspdesk.support import plans, repository, tickets
from cspdesk.support.schemas import EscalationIn, EscalationPatch

SEVERITY_TO_MICROSOFT = {"A": "critical", "B": "moderate", "C": "minimal"}
MICROSOFT_STATUS = {"none": "filed", "open": "open", "attention_needed": "attention_needed", "closed": "closed"}
FIELDS = ["escalation_type", "severity", "status", "microsoft_case_number"]
# Staff wait for the console's sync: give up after about 20 s of retries instead of the worker's 5 minutes.
CONSOLE_RETRY_POLICY = RetryPolicy(max_inline_wait_seconds=5, budget_seconds=20)


class EscalationRefused(AppError):
    """The partner may not open this kind of case with Microsoft."""

    status_code = 422
    code = "escalation_refused"


class PartnerCenterNotConnected(AppError):
    """Manual mode: no Partner Center credentials, or CSPDESK_PARTNER_CENTER_MODE=manual."""

    status_code = 503
    code = "partner_center_not_connected"


class SyncFailed(AppError):
    """Partner Center refused or did not answer the service request read."""

    status_code = 502
    code = "escalation_sync_failed"


@dataclass(frozen=True)
class SyncOutcome:
    """One escalation synced: its status before and after, and the Microsoft notes it did not have yet."""

    escalation: Escalation
    status_before: str
    new_notes: list[str]

    @property
    def summary(self) -> str:
        status = self.escalation.status
        moved = f"status {self.status_before} -> {status}" if status != self.status_before else f"status {status}"
        return f"{moved}, {len(self.new_notes)} new note(s) from Microsoft"


def refusal(session: Session, ticket: Ticket, escalation_type: str, today: date) -> str | None:
    """Why this escalation is not allowed, or None: commercial always; technical needs an active package."""
    if escalation_type == "commercial":
        return None
    return technical_refusal(session, ticket, plans.active_package(session, today))


def technical_refusal(session: Session, ticket: Ticket, package: PartnerSupportPackage | None) -> str | None:
    """Why a technical escalation is not allowed with this (today's) partner support package, or None."""
    if package is None:
        return (
            "technical escalations need an active partner support package (Premier Support for Partners, "
            "Advanced Support for Partners or Signature Cloud Support) valid today"
        )
    if ticket.service == "azure" and plans.profile(session).indirect_reseller:
        return "an indirect reseller cannot open Azure technical cases: the indirect provider does"
    return None


def case_summary(session: Session, ticket: Ticket, tried: str) -> str:
    """The text to paste into the Partner Center portal (new service requests cannot be filed by API)."""
    stmt = select(Subscription.microsoft_id).where(Subscription.customer_id == ticket.customer_id)
    if ticket.related_subscription_id is not None:
        stmt = stmt.where(Subscription.id == ticket.related_subscription_id)
    subscription_ids = sorted(session.execute(stmt).scalars())
    lines = [
        f"Title: {ticket.subject} ({ticket.display_number})",
        f"Severity: {SEVERITY_TO_MICROSOFT[ticket.severity]}",
        f"Customer: {ticket.customer.name}",
        f"Customer tenant id: {ticket.customer.tenant_id}",
        f"Service: {ticket.service}",
        f"Subscription ids: {', '.join(subscription_ids) or '-'}",
        "",
        "Description:",
        ticket.description or "-",
        "",
        "What was tried:",
        tried or "-",
    ]
    return "\n".join(lines)


def escalate(session: Session, principal: Principal, ticket_id: uuid.UUID, data: EscalationIn) -> Escalation:
    """Prepare an escalation; refused with the reason when the rules do not allow it."""
    principal.require(Permission.ESCALATIONS_WRITE)
    ticket = repository.access_ticket(session, principal, ticket_id)
    reason = refusal(session, ticket, data.escalation_type, clock.today())
    if reason is not None:
        raise EscalationRefused(reason, details=[field_error("escalation_type", reason)])
    escalation = Escalation(
        ticket_id=ticket.id,
        escalation_type=data.escalation_type,
        severity=SEVERITY_TO_MICROSOFT[ticket.severity],
        status="draft",
        tried=data.tried,
        case_summary=case_summary(session, ticket, data.tried),
        created_by=principal.label,
    )
    session.add(escalation)
    session.flush()
    tickets.add_event(session, ticket, "escalated", principal.label, detail=data.escalation_type)
    audit.record(
        session, principal, "escalation.create", "escalation", escalation.id, after=audit.snapshot(escalation, FIELDS)
    )
    return escalation


def access_escalation(session: Session, principal: Principal, escalation_id: uuid.UUID) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound("escalation not found")
    repository.access_ticket(session, principal, escalation.ticket_id)
    return escalation


def _note_line(author: str, text: str) -> str:
    return f"[{clock.now():%Y-%m-%d %H:%M} UTC] {author}: {text.strip()}"


def update(session: Session, principal: Principal, escalation_id: uuid.UUID, data: EscalationPatch) -> Escalation:
    """Record the Microsoft case number, a status or a note; filing a number moves the ticket to pending Microsoft."""
    principal.require(Permission.ESCALATIONS_WRITE)
    escalation = access_escalation(session, principal, escalation_id)
    before = audit.snapshot(escalation, FIELDS)
    if data.microsoft_case_number is not None and data.microsoft_case_number.strip():
        escalation.microsoft_case_number = data.microsoft_case_number.strip()
        if escalation.status == "draft":
            escalation.status = "filed"
            _pending_microsoft(session, principal, escalation.ticket_id)
    if data.status is not None:
        escalation.status = data.status
    if data.note.strip():
        escalation.notes = "\n".join(filter(None, [escalation.notes, _note_line(principal.label, data.note)]))
    session.flush()
    old, new = audit.changed(before, audit.snapshot(escalation, FIELDS))
    audit.record(
        session,
        principal,
        "escalation.update",
        "escalation",
        escalation.id,
        before=old,
        after=new,
        note=data.note or None,
    )
    return escalation


def _pending_microsoft(session: Session, principal: Principal, ticket_id: uuid.UUID) -> None:
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None and ticket.status in ("new", "open"):
        tickets._set_status(session, ticket, "pending_microsoft", principal.label)
        from cspdesk.support import clocks

        clocks.refresh(session, ticket, clock.now())


def _merge_notes(escalation: Escalation, request: ServiceRequest) -> list[str]:
    added: list[str] = []
    for note in request.notes:
        when = f"{note.created_date:%Y-%m-%d %H:%M} UTC" if note.created_date else "?"
        line = f"[{when}] Microsoft ({note.created_by_name or 'Partner Center'}): {note.text.strip()}"
        if line not in escalation.notes.splitlines():
            escalation.notes = "\n".join(filter(None, [escalation.notes, line]))
            added.append(line)
    return added


def _with_case_number(session: Session, principal: Principal, escalation_id: uuid.UUID) -> tuple[Escalation, str]:
    escalation = access_escalation(session, principal, escalation_id)
    if not escalation.microsoft_case_number:
        raise ValidationFailed(
            "record the Microsoft case number first", details=[field_error("microsoft_case_number", "required")]
        )
    return escalation, escalation.microsoft_case_number


def sync(
    session: Session,
    principal: Principal,
    escalation_id: uuid.UUID,
    client: PartnerCenterClient,
    *,
    push_note: str = "",
) -> SyncOutcome:
    """Pull status and notes of the Partner Center service request; optionally add a note to it first."""
    principal.require(Permission.ESCALATIONS_WRITE)
    escalation, case_number = _with_case_number(session, principal, escalation_id)
    if push_note.strip():
        request = client.update_service_request(case_number, new_note=push_note.strip())
    else:
        request = client.get_service_request(case_number)
    before = audit.snapshot(escalation, FIELDS)
    escalation.status = MICROSOFT_STATUS.get(request.status, escalation.status)
    new_notes = _merge_notes(escalation, request)
    escalation.synced_at = clock.now()
    session.flush()
    old, new = audit.changed(before, audit.snapshot(escalation, FIELDS))
    audit.record(session, principal, "escalation.sync", "escalation", escalation.id, before=old, after=new)
    return SyncOutcome(escalation, str(before["status"]), new_notes)


def sync_now(session: Session, principal: Principal, escalation_id: uuid.UUID, settings: Settings) -> SyncOutcome:
    """`sync` with the configured Partner Center client, for staff asking from the console; errors in words."""
    principal.require(Permission.ESCALATIONS_WRITE)
    _with_case_number(session, principal, escalation_id)
    client = client_from_settings(settings, CONSOLE_RETRY_POLICY)
    if client is None:
        raise PartnerCenterNotConnected(
            "Partner Center is not connected (manual mode): read the service request in the Partner Center portal "
            "and record its status here"
        )
    with client:
        try:
            return sync(session, principal, escalation_id, client)
        except (PartnerCenterError, TokenAcquisitionError) as exc:
            raise SyncFailed(f"Partner Center did not return the service request: {exc}") from exc


def open_with_case_number(session: Session) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.microsoft_case_number.is_not(None), Escalation.status != "closed")
    return list(session.execute(stmt.order_by(Escalation.created_at)).scalars())
