"""API: tickets, replies, status, escalations, support plans and the partner's Microsoft support packages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ValidationError

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit, clock, counters
from cspdesk.kit.errors import ValidationFailed, field_error
from cspdesk.kit.pagination import paginate
from cspdesk.kit.storage import storage_for
from cspdesk.support import escalations, plans, repository, tickets
from cspdesk.support.schemas import (
    EscalationIn,
    EscalationOut,
    MessageIn,
    MessageOut,
    PackageIn,
    PackageOut,
    PackagePatch,
    PlanIn,
    PlanOut,
    PlanPatch,
    StatusIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketPage,
)
from cspdesk.web.deps import DbSession, Requires, api, get_settings
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["support"], responses=API_ERRORS)
P = Permission
M = TypeVar("M", bound=BaseModel)
PlanWriter = Annotated[Principal, Depends(api(P.SUPPORT_PLANS_WRITE))]


def _desk(request: Request) -> tickets.Desk:
    settings = get_settings(request)
    return tickets.Desk(settings=settings, storage=storage_for(settings))


@router.get("/tickets", response_model=TicketPage, summary="Tickets (portal users: their company's), urgent first")
def list_tickets(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.TICKETS_READ))],
    status: str = "open",
    category: str = "",
    service: str = "",
    customer_id: uuid.UUID | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketPage:
    f = repository.QueueFilter(status=status, category=category, service=service, customer_id=customer_id)
    result = paginate(session, repository.queue(principal, f, clock.now()), page, size)
    items = [TicketOut.model_validate(t) for t in result.items]
    return TicketPage(items=items, total=result.total, page=result.page, size=result.size)


@router.post("/tickets", response_model=TicketOut, status_code=201, responses=WRITE_ERRORS)
def create_ticket(
    data: TicketIn,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.TICKETS_CREATE))],
) -> Response:
    ticket = tickets.create_ticket(session, principal, data, _desk(request), via="api", take_number=False)
    # The number and the commit together, in this worker thread: the ticket counter's row lock, which every
    # other creation waits for, must not outlast a wait for the GIL or for another thread (under load that
    # wait was most of the lock's time, and waiting for a thread deadlocked, seen in bench/support_bench.py).
    # The ready response spares FastAPI's check of a returned model: one threadpool call less per request.
    counters.commit_with_next(session, tickets.COUNTER, ticket, "number")
    body = TicketOut.model_validate(ticket).model_dump_json().encode()
    return Response(body, status_code=201, media_type="application/json")


@router.get("/tickets/{ticket_id}", response_model=TicketDetailOut)
def get_ticket(
    ticket_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.TICKETS_READ))]
) -> TicketDetailOut:
    ticket = repository.access_ticket(session, principal, ticket_id)
    out = TicketDetailOut.model_validate(ticket)
    out.messages = [MessageOut.model_validate(m) for m in repository.messages_of(session, principal, ticket)]
    return out


@router.post("/tickets/{ticket_id}/messages", response_model=MessageOut, status_code=201, responses=WRITE_ERRORS)
def add_message(
    ticket_id: uuid.UUID,
    data: MessageIn,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.TICKETS_WORK))],
) -> MessageOut:
    message = tickets.agent_message(session, principal, ticket_id, data.body, _desk(request), internal=data.internal)
    return MessageOut.model_validate(message)


@router.post("/tickets/{ticket_id}/status", response_model=TicketOut, responses=WRITE_ERRORS)
def set_status(
    ticket_id: uuid.UUID,
    data: StatusIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.TICKETS_WORK))],
) -> TicketOut:
    return TicketOut.model_validate(tickets.change_status(session, principal, ticket_id, data.status))


@router.post("/tickets/{ticket_id}/escalations", response_model=EscalationOut, status_code=201, responses=WRITE_ERRORS)
def escalate(
    ticket_id: uuid.UUID,
    data: EscalationIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.ESCALATIONS_WRITE))],
) -> EscalationOut:
    return EscalationOut.model_validate(escalations.escalate(session, principal, ticket_id, data))


@router.get("/support/plans", response_model=list[PlanOut])
def list_plans(session: DbSession, principal: Annotated[Principal, Depends(api(P.TICKETS_READ))]) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in plans.all_plans(session)]


@router.post("/support/plans", response_model=PlanOut, status_code=201, responses=WRITE_ERRORS)
def create_plan(
    data: PlanIn, session: DbSession, principal: Annotated[Principal, Depends(api(P.SUPPORT_PLANS_WRITE))]
) -> PlanOut:
    return PlanOut.model_validate(plans.save_plan(session, principal, data))


def _merged(model: type[M], current: dict[str, Any], patch: BaseModel) -> M:
    """The stored values with the patch's fields over them, validated as a whole (422 with the fields)."""
    try:
        return model.model_validate(current | patch.model_dump(exclude_unset=True))
    except ValidationError as exc:
        details = [field_error(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()]
        raise ValidationFailed("; ".join(d["message"] for d in details), details=details) from exc


@router.patch("/support/plans/{plan_id}", response_model=PlanOut, responses=WRITE_ERRORS)
def update_plan(plan_id: uuid.UUID, data: PlanPatch, session: DbSession, principal: PlanWriter) -> PlanOut:
    """Changed calendar or targets apply to tickets opened from now on; open tickets keep theirs."""
    current = audit.snapshot(plans.get_plan(session, plan_id), plans.PLAN_FIELDS)
    return PlanOut.model_validate(plans.save_plan(session, principal, _merged(PlanIn, current, data), plan_id))


@router.delete("/support/plans/{plan_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS)
def delete_plan(
    plan_id: uuid.UUID, session: DbSession, principal: PlanWriter, move_customers_to: uuid.UUID | None = None
) -> Response:
    """Refused (409 `support_plan_in_use`) for the default plan, or while customers have it and no other plan is
    named in `move_customers_to`."""
    plans.delete_plan(session, principal, plan_id, move_customers_to)
    return Response(status_code=204)


@router.get("/support/packages", response_model=list[PackageOut])
def list_packages(
    session: DbSession, principal: Annotated[Principal, Depends(Requires(P.TICKETS_READ, audience="staff"))]
) -> list[PackageOut]:
    return [PackageOut.model_validate(p) for p in plans.packages(session)]


@router.post("/support/packages", response_model=PackageOut, status_code=201, responses=WRITE_ERRORS)
def create_package(data: PackageIn, session: DbSession, principal: PlanWriter) -> PackageOut:
    return PackageOut.model_validate(plans.add_package(session, principal, data))


@router.patch("/support/packages/{package_id}", response_model=PackageOut, responses=WRITE_ERRORS)
def update_package(package_id: uuid.UUID, data: PackagePatch, session: DbSession, principal: PlanWriter) -> PackageOut:
    current = audit.snapshot(plans.get_package(session, package_id), plans.PACKAGE_FIELDS)
    merged = _merged(PackageIn, current, data)
    return PackageOut.model_validate(plans.update_package(session, principal, package_id, merged))


@router.delete("/support/packages/{package_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS)
def delete_package(package_id: uuid.UUID, session: DbSession, principal: PlanWriter) -> Response:
    plans.delete_package(session, principal, package_id)
    return Response(status_code=204)
