"""Console pages for customers and subscriptions."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.customers import repository, service
from cspdesk.customers.schemas import CustomerIn, CustomerPatch, SubscriptionIn, SubscriptionPatch
from cspdesk.kit.errors import AppError
from cspdesk.kit.pagination import paginate
from cspdesk.models.customer import Customer
from cspdesk.models.subscription import BILLING_FREQUENCIES, PRODUCT_FAMILIES, TERMS, Subscription
from cspdesk.web import forms
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission

CUSTOMER_FORM_FIELDS = [
    "name",
    "tenant_id",
    "primary_domain",
    "country",
    "billing_currency",
    "language",
    "group",
    "tax_id",
    "notes",
    "status",
]
SUBSCRIPTION_FORM_FIELDS = [
    "microsoft_id",
    "offer_id",
    "sku_id",
    "product_name",
    "product_family",
    "quantity",
    "unit_type",
    "term",
    "billing_frequency",
    "start_date",
    "end_date",
    "status",
]
MAX_CONTACT_ROWS = 3


def _contacts_from_form(form: Any) -> list[dict[str, str]]:
    rows = []
    for i in range(MAX_CONTACT_ROWS):
        row = forms.text_fields(form, [f"contact_name_{i}", f"contact_email_{i}", f"contact_phone_{i}"])
        name, email, phone = (row.get(f"contact_{k}_{i}", "") for k in ("name", "email", "phone"))
        if name or email or phone:
            rows.append({"name": name, "email": email, "phone": phone})
    return rows


def _customer_values(customer: Customer) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(customer, name, "") for name in CUSTOMER_FORM_FIELDS if name != "group"}
    values["group"] = customer.group_name or ""
    values["tenant_id"] = str(customer.tenant_id)
    values["contacts"] = [{"name": c.name, "email": c.email, "phone": c.phone} for c in customer.contacts]
    return values


def _customer_form(
    request: Request,
    session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
    customer: Customer | None,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "customer": customer,
        "groups": repository.all_groups(session),
        "max_contacts": MAX_CONTACT_ROWS,
    }
    return render(request, "console/customer_form.html", context, status_code=422 if errors else 200)


@router.get("/customers", response_class=HTMLResponse)
def customer_list(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.CUSTOMERS_READ))],
    q: str = "",
    page: int = 1,
    review: str = "",
) -> Response:
    needs_review = True if review == "1" else None
    result = paginate(session, repository.search_customers(principal, q, needs_review=needs_review), page, 25)
    template = "console/_customer_rows.html" if request.headers.get("hx-request") else "console/customers.html"
    return render(request, template, {"page": result, "q": q, "review": review})


@router.get("/customers/new", response_class=HTMLResponse)
def customer_new(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.CUSTOMERS_CREATE))],
) -> Response:
    values = {"language": "en", "status": "active", "contacts": []}
    return _customer_form(request, session, values, {}, None)


async def _posted_customer(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = forms.text_fields(form, CUSTOMER_FORM_FIELDS)
    values["contacts"] = _contacts_from_form(form)
    return values


@router.post("/customers/new", response_class=HTMLResponse)
async def customer_create(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.CUSTOMERS_CREATE))],
) -> Response:
    values = await _posted_customer(request)
    data, errors = forms.validate(CustomerIn, forms.blank_to_none(values, ["group"]))
    if data is None:
        return _customer_form(request, session, values, errors, None)
    try:
        customer = service.create_customer(session, principal, data)
    except AppError as exc:
        return _customer_form(request, session, values, forms.app_error_fields(exc), None)
    return RedirectResponse(f"/console/customers/{customer.id}", status_code=303)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_detail(
    request: Request,
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.CUSTOMERS_READ))],
) -> Response:
    customer = repository.access_customer(session, principal, customer_id)
    subscriptions: list[Subscription] = []
    if principal.can(P.SUBSCRIPTIONS_READ):
        subscriptions = repository.subscriptions_of(session, principal, customer.id)
    return render(request, "console/customer_detail.html", {"customer": customer, "subscriptions": subscriptions})


@router.get("/customers/{customer_id}/edit", response_class=HTMLResponse)
def customer_edit(
    request: Request,
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.CUSTOMERS_UPDATE))],
) -> Response:
    customer = repository.access_customer(session, principal, customer_id)
    return _customer_form(request, session, _customer_values(customer), {}, customer)


@router.post("/customers/{customer_id}/edit", response_class=HTMLResponse)
async def customer_update(
    request: Request,
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.CUSTOMERS_UPDATE))],
) -> Response:
    customer = repository.access_customer(session, principal, customer_id)
    values = await _posted_customer(request)
    values["tenant_id"] = str(customer.tenant_id)
    patch_values = {k: v for k, v in values.items() if k != "tenant_id"}
    data, errors = forms.validate(CustomerPatch, patch_values)
    if data is None:
        return _customer_form(request, session, values, errors, customer)
    try:
        service.update_customer(session, principal, customer_id, data)
    except AppError as exc:
        return _customer_form(request, session, values, forms.app_error_fields(exc), customer)
    return RedirectResponse(f"/console/customers/{customer_id}", status_code=303)


@router.post("/customers/{customer_id}/delete")
def customer_delete(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.CUSTOMERS_DELETE))],
) -> Response:
    service.delete_customer(session, principal, customer_id)
    return RedirectResponse("/console/customers", status_code=303)


def _subscription_form(
    request: Request,
    customer: Customer,
    values: dict[str, Any],
    errors: dict[str, str],
    subscription: Subscription | None,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "customer": customer,
        "subscription": subscription,
        "families": PRODUCT_FAMILIES,
        "terms": TERMS,
        "frequencies": BILLING_FREQUENCIES,
    }
    return render(request, "console/subscription_form.html", context, status_code=422 if errors else 200)


async def _posted_subscription(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = forms.text_fields(form, SUBSCRIPTION_FORM_FIELDS)
    values["auto_renew"] = form.get("auto_renew") == "on"
    return values


def _validated(model: type[BaseModel], values: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    nullable = ["term", "billing_frequency", "start_date", "end_date"]
    return forms.validate(model, forms.blank_to_none(values, nullable))


@router.get("/customers/{customer_id}/subscriptions/new", response_class=HTMLResponse)
def subscription_new(
    request: Request,
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUBSCRIPTIONS_CREATE))],
) -> Response:
    customer = repository.access_customer(session, principal, customer_id)
    values = {"product_family": "microsoft_365", "quantity": "1", "unit_type": "Licenses", "status": "active"}
    return _subscription_form(request, customer, values | {"auto_renew": True}, {}, None)


@router.post("/customers/{customer_id}/subscriptions/new", response_class=HTMLResponse)
async def subscription_create(
    request: Request,
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUBSCRIPTIONS_CREATE))],
) -> Response:
    customer = repository.access_customer(session, principal, customer_id)
    values = await _posted_subscription(request)
    data, errors = _validated(SubscriptionIn, values)
    if data is None:
        return _subscription_form(request, customer, values, errors, None)
    try:
        service.create_subscription(session, principal, customer_id, data)
    except AppError as exc:
        return _subscription_form(request, customer, values, forms.app_error_fields(exc), None)
    return RedirectResponse(f"/console/customers/{customer_id}", status_code=303)


@router.get("/subscriptions/{subscription_id}/edit", response_class=HTMLResponse)
def subscription_edit(
    request: Request,
    subscription_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUBSCRIPTIONS_UPDATE))],
) -> Response:
    subscription = repository.access_subscription(session, principal, subscription_id)
    values = {name: getattr(subscription, name) for name in SUBSCRIPTION_FORM_FIELDS}
    values["auto_renew"] = subscription.auto_renew
    return _subscription_form(request, subscription.customer, values, {}, subscription)


@router.post("/subscriptions/{subscription_id}/edit", response_class=HTMLResponse)
async def subscription_update(
    request: Request,
    subscription_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUBSCRIPTIONS_UPDATE))],
) -> Response:
    subscription = repository.access_subscription(session, principal, subscription_id)
    values = await _posted_subscription(request)
    values["microsoft_id"] = subscription.microsoft_id
    data, errors = _validated(SubscriptionPatch, {k: v for k, v in values.items() if k != "microsoft_id"})
    if data is None:
        return _subscription_form(request, subscription.customer, values, errors, subscription)
    try:
        service.update_subscription(session, principal, subscription_id, data)
    except AppError as exc:
        return _subscription_form(request, subscription.customer, values, forms.app_error_fields(exc), subscription)
    return RedirectResponse(f"/console/customers/{subscription.customer_id}", status_code=303)


@router.post("/subscriptions/{subscription_id}/delete")
def subscription_delete(
    subscription_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.SUBSCRIPTIONS_DELETE))],
) -> Response:
    subscription = repository.access_subscription(session, principal, subscription_id)
    customer_id = subscription.customer_id
    service.delete_subscription(session, principal, subscription_id)
    return RedirectResponse(f"/console/customers/{customer_id}", status_code=303)
