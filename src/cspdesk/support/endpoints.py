"""API: tickets, replies, status, escalations and support plans."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.kit.pagination import paginate
from cspdesk.kit.storage import storage_for
from cspdesk.support import escalations, plans, repository, tickets
from cspdesk.support.schemas import (
    EscalationIn,
    EscalationOut,
    MessageIn,
    MessageOut,
    PlanIn,
    PlanOut,
    StatusIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketPage,
)
from cspdesk.web.deps import DbSession, api, get_settings
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["support"], responses=API_ERRORS)
P = Permission


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
) -> TicketOut:
    ticket = tickets.create_ticket(session, principal, data, _desk(request), via="api")
    # Commit here, in the endpoint's worker thread: FastAPI validates a sync endpoint's response in another
    # threadpool call, and a request waiting there for a free thread while holding the ticket counter's row
    # lock deadlocks against the 40 threads queued behind that lock (seen in bench/support_bench.py).
    session.commit()
    return TicketOut.model_validate(ticket)


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
