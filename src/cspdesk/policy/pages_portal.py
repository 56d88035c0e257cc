"""Portal pages: the customer's overdue invoices and what happens next, and the policy in their language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.kit.errors import NotFound
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.models.policy import PolicyVersion
from cspdesk.policy import ledger, service
from cspdesk.policy.pdf import policy_pdf
from cspdesk.policy.status import customer_status
from cspdesk.policy.wording import render_policy
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, portal
from cspdesk.web.templating import render, request_language

router = APIRouter(prefix="/portal", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission


def _customer(session: DbSession, principal: Principal) -> Customer:
    customer = session.get(Customer, principal.customer_id) if principal.customer_id else None
    if customer is None:
        raise NotFound("customer not found")
    return customer


@router.get("/dunning", response_class=HTMLResponse)
def portal_status(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(portal(P.DUNNING_READ))]
) -> Response:
    customer = _customer(session, principal)
    status = customer_status(session, customer, clock.today(), request_language(request))
    return render(request, "policy/portal_status.html", {"customer": customer, "status": status})


def _governed(session: DbSession, customer: Customer) -> list[tuple[str, int | None]]:
    """The customer's issued invoices with the policy version that governs each."""
    stmt = (
        select(Invoice.number, PolicyVersion.version)
        .outerjoin(PolicyVersion, PolicyVersion.id == Invoice.policy_version_id)
        .where(Invoice.customer_id == customer.id, ledger.ISSUED_INVOICE)
        .order_by(Invoice.issue_date.desc(), Invoice.number.desc())
        .limit(100)
    )
    return [(number or "", version) for number, version in session.execute(stmt).all()]


def _policy_page(request: Request, session: DbSession, principal: Principal, version: PolicyVersion | None) -> Response:
    customer = _customer(session, principal)
    language = request_language(request)
    rendered = render_policy(service.document_of(version), language, customer.billing_currency) if version else None
    context = {
        "version": version,
        "current": service.current_version(session),
        "policy": rendered,
        "versions": service.all_versions(session),
        "governed": _governed(session, customer),
    }
    return render(request, "policy/portal_policy.html", context)


@router.get("/policy", response_class=HTMLResponse)
def portal_policy(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(portal(P.POLICY_READ))]
) -> Response:
    return _policy_page(request, session, principal, service.current_version(session))


@router.get("/policy/{version}", response_class=HTMLResponse)
def portal_policy_version(
    version: int,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.POLICY_READ))],
) -> Response:
    return _policy_page(request, session, principal, service.version_by_number(session, version))


@router.get("/policy/{version}/pdf")
def portal_policy_pdf(
    version: int,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(portal(P.POLICY_READ))],
) -> Response:
    found = service.version_by_number(session, version)
    customer = _customer(session, principal)
    language = request_language(request)
    pdf = policy_pdf(found, language, customer.billing_currency)
    headers = {"Content-Disposition": f'inline; filename="payment-policy-v{found.version}-{language}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
