"""Matrix cases for the support desk: tickets, replies, escalations, plans, portal pages, attachments."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.kit import clock
from cspdesk.models.support import Attachment, Escalation, Ticket, TicketEvent
from cspdesk.models.support_plans import PartnerSupportPackage, SupportPlan
from tests.matrix import Case
from tests.world import World

PLAN = {
    "name": "Matrix plan",
    "calendar": {"time_zone": "UTC", "weekly_hours": {"monday": ["09:00-17:00"]}, "holidays": []},
    "targets": {k: {"first_response": 60, "resolution": 600} for k in ("A", "B", "C")},
}
PLAN_FORM = {
    "name": "Matrix form plan",
    "time_zone": "UTC",
    "hours_monday": "09:00-17:00",
    **{f"fr_{k}": "60" for k in "ABC"},
    **{f"res_{k}": "600" for k in "ABC"},
    "price": "1000",
    "currency": "EUR",
    "channels": ["portal"],
}


def _ticket(session: Session, world: World, number: int, category: str) -> Ticket:
    ticket = Ticket(
        id=uuid.uuid4(),
        number=number,
        customer_id=world.customer_a,
        subject=f"Matrix ticket {number}",
        category=category,
        service="microsoft_365",
        severity="B",
        status="open",
        requester_email="ap@alpha.test",
    )
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, at=clock.now(), kind="created", seq=1))
    return ticket


def extend_world(session: Session, world: World) -> None:
    ticket = _ticket(session, world, 990001, "billing")
    _ticket(session, world, 990002, "billing")
    escalation = Escalation(
        ticket_id=ticket.id,
        escalation_type="commercial",
        severity="moderate",
        status="filed",
        microsoft_case_number="2511240040009999",
    )
    attachment = Attachment(
        ticket_id=ticket.id,
        storage_key="support/matrix/missing",
        filename="a.txt",
        content_type="text/plain",
        size_bytes=0,
    )
    # Not the default and nobody's plan, so every role allowed to may delete it; the package expired long ago.
    plan = SupportPlan(name="Matrix edit plan", calendar=PLAN["calendar"], targets=PLAN["targets"])
    package = PartnerSupportPackage(package_type="premier", valid_from=date(2020, 1, 1), valid_to=date(2020, 12, 31))
    session.add_all([escalation, attachment, plan, package])
    session.flush()
    world.params["ticket_id"] = ticket.id
    world.params["escalation_id"] = escalation.id
    world.params["attachment_id"] = attachment.id
    world.params["plan_id"] = plan.id
    world.params["package_id"] = package.id


def _new_ticket(w: World) -> dict[str, Any]:
    return {"subject": "Matrix new", "customer_id": str(w.customer_a), "category": "billing"}


TICKET_OBJ = Case(object_scoped=True)
CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/tickets"): Case(),
    ("POST", "/api/tickets"): Case(json=_new_ticket),
    ("GET", "/api/tickets/{ticket_id}"): TICKET_OBJ,
    ("POST", "/api/tickets/{ticket_id}/messages"): Case(object_scoped=True, json=lambda w: {"body": "hello"}),
    ("POST", "/api/tickets/{ticket_id}/status"): Case(
        object_scoped=True, json=lambda w: {"status": "pending_customer"}
    ),
    ("POST", "/api/tickets/{ticket_id}/escalations"): Case(
        object_scoped=True, json=lambda w: {"escalation_type": "commercial"}
    ),
    ("GET", "/api/support/plans"): Case(),
    ("POST", "/api/support/plans"): Case(json=lambda w: PLAN),
    ("PATCH", "/api/support/plans/{plan_id}"): Case(json=lambda w: {"description": "patched"}),
    ("DELETE", "/api/support/plans/{plan_id}"): Case(),
    ("GET", "/api/support/packages"): Case(),
    ("POST", "/api/support/packages"): Case(json=lambda w: {"package_type": "advanced", "valid_from": "2026-01-01"}),
    ("PATCH", "/api/support/packages/{package_id}"): Case(json=lambda w: {"reference": "PSP-1"}),
    ("DELETE", "/api/support/packages/{package_id}"): Case(),
    ("GET", "/portal/tickets"): Case(),
    ("GET", "/portal/tickets/new"): Case(),
    ("POST", "/portal/tickets/new"): Case(form=lambda w: {"subject": "Portal matrix", "severity": "C"}),
    ("GET", "/portal/tickets/{ticket_id}"): TICKET_OBJ,
    ("POST", "/portal/tickets/{ticket_id}/reply"): Case(object_scoped=True, form=lambda w: {"body": "thanks"}),
    ("GET", "/portal/support"): Case(),
    ("GET", "/portal/attachments/{attachment_id}"): Case(object_scoped=True),
    ("GET", "/console/support"): Case(),
    ("POST", "/console/support/plans"): Case(form=lambda w: PLAN_FORM),
    ("POST", "/console/support/profile"): Case(form=lambda w: {"email": "help@partner.test"}),
    ("GET", "/console/support/plans/{plan_id}"): Case(),
    ("POST", "/console/support/plans/{plan_id}"): Case(form=lambda w: PLAN_FORM | {"name": "Matrix edit plan"}),
    ("POST", "/console/support/plans/{plan_id}/delete"): Case(form=lambda w: {}),
    ("POST", "/console/support/packages"): Case(form=lambda w: {"package_type": "premier", "valid_from": "2026-01-01"}),
    ("GET", "/console/support/packages/{package_id}"): Case(),
    ("POST", "/console/support/packages/{package_id}"): Case(
        form=lambda w: {"package_type": "premier", "valid_from": "2020-01-01", "valid_to": "2020-06-30"}
    ),
    ("POST", "/console/support/packages/{package_id}/delete"): Case(form=lambda w: {}),
    ("POST", "/console/support/canned"): Case(form=lambda w: {"title": "Matrix", "body": "Hello"}),
    ("POST", "/console/support/customers/{customer_id}/plan"): Case(object_scoped=True, form=lambda w: {}),
    ("GET", "/console/support/report"): Case(),
    ("GET", "/console/tickets"): Case(),
    ("GET", "/console/tickets/new"): Case(),
    ("POST", "/console/tickets/new"): Case(form=_new_ticket),
    ("GET", "/console/tickets/{ticket_id}"): TICKET_OBJ,
    ("POST", "/console/tickets/{ticket_id}/merge"): Case(object_scoped=True, form=lambda w: {"into": "T-990002"}),
    ("POST", "/console/tickets/{ticket_id}/escalations"): Case(
        object_scoped=True, form=lambda w: {"escalation_type": "commercial"}
    ),
    ("POST", "/console/escalations/{escalation_id}"): Case(object_scoped=True, form=lambda w: {"note": "n"}),
    # The test application has no Partner Center credentials: allowed staff reach the sync and get 503.
    ("POST", "/console/escalations/{escalation_id}/sync"): Case(object_scoped=True, allowed_status=503),
    ("GET", "/console/attachments/{attachment_id}"): Case(object_scoped=True),
}
for _prefix in ("tickets", "billing-tickets"):
    CASES[("POST", f"/console/{_prefix}/{{ticket_id}}/reply")] = Case(object_scoped=True, form=lambda w: {"body": "hi"})
    CASES[("POST", f"/console/{_prefix}/{{ticket_id}}/status")] = Case(
        object_scoped=True, form=lambda w: {"status": "resolved"}
    )
    CASES[("POST", f"/console/{_prefix}/{{ticket_id}}/assign")] = Case(object_scoped=True, form=lambda w: {})
