"""Support demo data: a default plan and a premium plan, the support profile, a package, canned replies, and
tickets in every status (some breaching, one escalated to Microsoft)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.kit import clock
from cspdesk.kit.storage import Storage
from cspdesk.models.customer import Customer
from cspdesk.models.support_plans import CannedReply
from cspdesk.support import escalations, plans, sla_scan, tickets
from cspdesk.support.schemas import EscalationIn, EscalationPatch, PackageIn, PlanIn, ProfileIn, TicketIn

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
DEMO_TICKETS = [
    ("Invoice shows duplicate Exchange seats", "billing", "microsoft_365", "B", "new"),
    ("Cannot sign in to Azure portal", "technical", "azure", "A", "open"),
    ("Please reduce Microsoft 365 E3 seats", "subscription_management", "microsoft_365", "C", "pending_customer"),
    ("Dynamics 365 license not assigned", "technical", "dynamics_365", "B", "pending_microsoft"),
    ("VAT number on invoice", "billing", "other", "C", "resolved"),
    ("Renewal date question", "subscription_management", "microsoft_365", "C", "closed"),
]


def _plan(name: str, default: bool, hours: str, price: int, targets: tuple[int, int, int]) -> PlanIn:
    calendar = {"time_zone": "Europe/Berlin", "weekly_hours": {d: [hours] for d in WEEKDAYS}, "holidays": []}
    return PlanIn.model_validate(
        {
            "name": name,
            "description": f"{name}: business-hours support by portal, email and phone.",
            "channels": ["portal", "email", "phone"],
            "calendar": calendar,
            "targets": {sev: {"first_response": t, "resolution": t * 8} for sev, t in zip("ABC", targets, strict=True)},
            "monthly_price_minor": price,
            "currency": "EUR",
            "is_default": default,
        }
    )


def load_support_demo(session: Session, storage: Storage, today: date) -> None:
    """Create the demo support setup; tickets are dated in the past so that some breach their SLA."""
    if plans.default_plan(session) is not None:
        return
    plans.save_plan(session, SYSTEM, _plan("Standard", True, "09:00-17:00", 0, (240, 480, 960)))
    premium = plans.save_plan(session, SYSTEM, _plan("Premium", False, "08:00-20:00", 49900, (60, 120, 240)))
    plans.save_profile(
        session,
        SYSTEM,
        ProfileIn(
            email="support@partner.example",
            phone="+49 30 1234 5678",
            website="https://partner.example/support",
            hours_text="Monday to Friday, 09:00-17:00 (Berlin)",
        ),
    )
    plans.add_package(
        session,
        SYSTEM,
        PackageIn(package_type="advanced", valid_from=today - timedelta(days=90), valid_to=today + timedelta(days=275)),
    )
    session.add(CannedReply(title="Looking into it", body="Thank you, we are looking into this and will update you."))
    customers = list(session.execute(select(Customer).order_by(Customer.name).limit(3)).scalars())
    if not customers:
        return
    plans.assign_plan(session, SYSTEM, customers[0].id, premium.id)
    desk = tickets.Desk(Settings(), storage)
    start = datetime.combine(today - timedelta(days=6), time(9, 0), tzinfo=UTC)
    for index, (subject, category, service, severity, status) in enumerate(DEMO_TICKETS):
        customer = customers[index % len(customers)]
        with clock.frozen_at(start + timedelta(hours=index)):
            _demo_ticket(session, desk, customer, subject, category, service, severity, status)
    sla_scan.scan(session, clock.now(), dry_run=True)  # brings the SLA columns up to now


def _demo_ticket(
    session: Session,
    desk: tickets.Desk,
    customer: Customer,
    subject: str,
    category: str,
    service: str,
    severity: str,
    status: str,
) -> None:
    data = TicketIn(
        subject=subject,
        description=f"{subject}. Details from {customer.name}.",
        category=category,
        service=service,
        severity=severity,
        customer_id=customer.id,
        requester_email=customer.contacts[0].email if customer.contacts else "",
    )
    ticket = tickets.create_ticket(session, SYSTEM, data, desk, via="email")
    if status == "new":
        return
    tickets.agent_message(session, SYSTEM, ticket.id, "Thank you, we are looking into it.", desk)
    if status == "pending_microsoft":
        escalation = escalations.escalate(
            session, SYSTEM, ticket.id, EscalationIn(escalation_type="commercial", tried="Reassigned licenses.")
        )
        escalations.update(session, SYSTEM, escalation.id, EscalationPatch(microsoft_case_number="2504170040001234"))
    elif status != "open":
        tickets.change_status(session, SYSTEM, ticket.id, status)
