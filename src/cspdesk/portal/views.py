"""The customer portal: a customer's own company, nothing of any other."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.customers import repository
from cspdesk.kit.errors import NotFound
from cspdesk.models.customer import Customer
from cspdesk.web.deps import DbSession, portal
from cspdesk.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def home(request: Request, session: DbSession, principal: Annotated[Principal, Depends(portal(None))]) -> Response:
    customer = session.get(Customer, principal.customer_id)
    if customer is None:
        raise NotFound("customer not found")
    subscriptions = []
    if principal.can(Permission.SUBSCRIPTIONS_READ):
        subscriptions = repository.subscriptions_of(session, principal, customer.id)
    context = {
        "customer": customer,
        "subscriptions": subscriptions,
        "show_company": principal.can(Permission.CUSTOMERS_READ),
    }
    return render(request, "portal/home.html", context)
