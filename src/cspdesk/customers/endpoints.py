"""API: customers and their subscriptions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.customers import repository, service
from cspdesk.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    PortalCustomerOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
)
from cspdesk.kit.pagination import paginate
from cspdesk.web.deps import DbSession, api
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["customers"], responses=API_ERRORS)
P = Permission


class CustomerPage(BaseModel):
    items: list[CustomerOut | PortalCustomerOut]
    total: int
    page: int
    size: int


def _out(principal: Principal, customer: object) -> CustomerOut | PortalCustomerOut:
    if principal.is_portal:
        return PortalCustomerOut.model_validate(customer)
    return CustomerOut.model_validate(customer)


@router.get("/customers", response_model=CustomerPage, summary="List customers (portal users: their own)")
def list_customers(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.CUSTOMERS_READ))],
    q: str = "",
    needs_review: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerPage:
    result = paginate(session, repository.search_customers(principal, q, needs_review=needs_review), page, size)
    return CustomerPage(
        items=[_out(principal, c) for c in result.items],
        total=result.total,
        page=result.page,
        size=result.size,
    )


@router.post("/customers", response_model=CustomerOut, status_code=201, responses=WRITE_ERRORS)
def create_customer(
    data: CustomerIn, session: DbSession, principal: Annotated[Principal, Depends(api(P.CUSTOMERS_CREATE))]
) -> CustomerOut:
    return CustomerOut.model_validate(service.create_customer(session, principal, data))


@router.get("/customers/{customer_id}", response_model=CustomerOut | PortalCustomerOut)
def get_customer(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.CUSTOMERS_READ))],
) -> CustomerOut | PortalCustomerOut:
    return _out(principal, repository.access_customer(session, principal, customer_id))


@router.patch("/customers/{customer_id}", response_model=CustomerOut, responses=WRITE_ERRORS)
def update_customer(
    customer_id: uuid.UUID,
    data: CustomerPatch,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.CUSTOMERS_UPDATE))],
) -> CustomerOut:
    return CustomerOut.model_validate(service.update_customer(session, principal, customer_id, data))


@router.delete("/customers/{customer_id}", status_code=204, response_class=Response)
def delete_customer(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.CUSTOMERS_DELETE))],
) -> Response:
    service.delete_customer(session, principal, customer_id)
    return Response(status_code=204)


@router.get("/customers/{customer_id}/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.SUBSCRIPTIONS_READ))],
) -> list[SubscriptionOut]:
    customer = repository.access_customer_for_subscriptions(session, principal, customer_id)
    return [SubscriptionOut.model_validate(s) for s in repository.subscriptions_of(session, principal, customer.id)]


@router.post(
    "/customers/{customer_id}/subscriptions",
    response_model=SubscriptionOut,
    status_code=201,
    responses=WRITE_ERRORS,
)
def create_subscription(
    customer_id: uuid.UUID,
    data: SubscriptionIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.SUBSCRIPTIONS_CREATE))],
) -> SubscriptionOut:
    return SubscriptionOut.model_validate(service.create_subscription(session, principal, customer_id, data))


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(
    subscription_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.SUBSCRIPTIONS_READ))],
) -> SubscriptionOut:
    return SubscriptionOut.model_validate(repository.access_subscription(session, principal, subscription_id))


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionOut, responses=WRITE_ERRORS)
def update_subscription(
    subscription_id: uuid.UUID,
    data: SubscriptionPatch,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.SUBSCRIPTIONS_UPDATE))],
) -> SubscriptionOut:
    return SubscriptionOut.model_validate(service.update_subscription(session, principal, subscription_id, data))


@router.delete("/subscriptions/{subscription_id}", status_code=204, response_class=Response)
def delete_subscription(
    subscription_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.SUBSCRIPTIONS_DELETE))],
) -> Response:
    service.delete_subscription(session, principal, subscription_id)
    return Response(status_code=204)
