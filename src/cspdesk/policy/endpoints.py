"""API: the payment policy (versions, publishing) and dunning (status per customer, forecast, run)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.policy import repository, service
from cspdesk.policy.engine import run_dunning
from cspdesk.policy.forecast import forecast_events
from cspdesk.policy.status import customer_status
from cspdesk.web.deps import DbSession, api
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["policy"], responses=API_ERRORS)
P = Permission


class PolicyVersionOut(BaseModel):
    id: uuid.UUID
    version: int
    name: str
    yaml_text: str
    note: str
    published_by: str
    model_config = {"from_attributes": True}


class PublishIn(BaseModel):
    yaml_text: str
    note: str = ""


class InvoiceStatusOut(BaseModel):
    invoice_id: uuid.UUID
    number: str
    policy_version: int
    currency: str
    due_date: date
    outstanding_minor: int
    stage: str
    next_step: str | None
    next_date: date | None
    text: str


class CustomerStatusOut(BaseModel):
    customer_id: uuid.UUID
    stage: str
    invoices: list[InvoiceStatusOut]


class ForecastOut(BaseModel):
    day: date
    customer_id: uuid.UUID
    invoice_number: str
    step_key: str
    action: str
    fee_minor: int | None
    currency: str


class RunOut(BaseModel):
    customers_considered: int
    actions: int
    reactivated: int
    dry_run: bool


@router.get(
    "/policy/versions", response_model=list[PolicyVersionOut], summary="Published policy versions, newest first"
)
def list_versions(
    session: DbSession, principal: Annotated[Principal, Depends(api(P.POLICY_READ))]
) -> list[PolicyVersionOut]:
    return [PolicyVersionOut.model_validate(v) for v in service.all_versions(session)]


@router.post("/policy/versions", response_model=PolicyVersionOut, status_code=201, responses=WRITE_ERRORS)
def publish_version(
    data: PublishIn, session: DbSession, principal: Annotated[Principal, Depends(api(P.POLICY_WRITE))]
) -> PolicyVersionOut:
    return PolicyVersionOut.model_validate(service.publish(session, principal, data.yaml_text, note=data.note))


@router.get("/dunning/customers/{customer_id}", response_model=CustomerStatusOut)
def dunning_status(
    customer_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.DUNNING_READ))]
) -> CustomerStatusOut:
    customer = repository.access_customer(session, principal, customer_id)
    status = customer_status(session, customer, clock.today(), principal.language)
    return CustomerStatusOut.model_validate(
        {
            "customer_id": status.customer_id,
            "stage": status.stage.value,
            "invoices": [s.__dict__ | {"stage": s.stage.value} for s in status.invoices],
        }
    )


@router.get("/dunning/forecast", response_model=list[ForecastOut], summary="What happens in the next N days")
def dunning_forecast(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.DUNNING_READ))],
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[ForecastOut]:
    scope = ([principal.customer_id] if principal.customer_id else []) if principal.is_portal else None
    events = forecast_events(session, clock.today(), days, scope)
    return [ForecastOut.model_validate(e.__dict__) for e in events]


@router.post("/dunning/run", response_model=RunOut, responses=WRITE_ERRORS, summary="Run the dunning engine for today")
def dunning_run(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.DUNNING_WRITE))],
    dry_run: bool = False,
) -> RunOut:
    report = run_dunning(session, clock.today(), dry_run=dry_run)
    return RunOut(
        customers_considered=report.customers_considered,
        actions=len(report.actions),
        reactivated=report.reactivated,
        dry_run=dry_run,
    )
