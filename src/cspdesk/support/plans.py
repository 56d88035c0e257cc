"""Support plans, the customer's plan, the partner's support profile and Microsoft support packages."""

from __future__ import annotations

import copy
import uuid
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit
from cspdesk.kit.errors import Conflict, NotFound, ValidationFailed, field_error
from cspdesk.models.customer import Customer
from cspdesk.models.support import Ticket
from cspdesk.models.support_plans import (
    CustomerSupportPlan,
    PartnerSupportPackage,
    SupportPlan,
    SupportPlanTerms,
    SupportProfile,
)
from cspdesk.support.schemas import PackageIn, PlanIn, ProfileIn
from cspdesk.support.sla import WEEKDAY_NAMES, BusinessCalendar, CalendarError, SlaTargets

PLAN_FIELDS = [
    "name",
    "description",
    "channels",
    "calendar",
    "targets",
    "monthly_price_minor",
    "currency",
    "is_default",
]
PROFILE_FIELDS = ["email", "phone", "website", "hours_text", "indirect_reseller"]
PACKAGE_FIELDS = ["package_type", "valid_from", "valid_to", "reference"]
# What a ticket's SLA clocks read: a plan's current terms, or the terms a ticket was opened under.
Terms = SupportPlan | SupportPlanTerms

# Used only until the partner defines a plan: Microsoft's break-fix first-response targets, office hours.
FALLBACK_CALENDAR: dict[str, Any] = {
    "time_zone": "UTC",
    "weekly_hours": {day: ["09:00-17:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    "holidays": [],
}
FALLBACK_TARGETS: dict[str, dict[str, int]] = {
    "A": {"first_response": 120, "resolution": 960},
    "B": {"first_response": 240, "resolution": 2400},
    "C": {"first_response": 480, "resolution": 4800},
}


def calendar_of(terms: Terms | None) -> BusinessCalendar:
    return BusinessCalendar.from_dict(terms.calendar if terms else FALLBACK_CALENDAR)


def targets_of(terms: Terms | None, severity: str) -> SlaTargets:
    targets = (terms.targets if terms else FALLBACK_TARGETS).get(severity) or FALLBACK_TARGETS[severity]
    return SlaTargets(int(targets["first_response"]), int(targets["resolution"]))


def ticket_terms(session: Session, ticket: Ticket) -> SupportPlanTerms | None:
    """The terms the ticket was opened under (None: the fallback terms); tickets of one plan share one row."""
    return session.get(SupportPlanTerms, ticket.sla_terms_id) if ticket.sla_terms_id else None


def default_plan(session: Session) -> SupportPlan | None:
    stmt = select(SupportPlan).where(SupportPlan.is_default.is_(True)).order_by(SupportPlan.name).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def plan_for_customer(session: Session, customer_id: uuid.UUID) -> SupportPlan | None:
    """The customer's own plan, else the default plan (None only while no plan exists at all); one query."""
    own = select(CustomerSupportPlan.plan_id).where(CustomerSupportPlan.customer_id == customer_id).scalar_subquery()
    stmt = (
        select(SupportPlan)
        .where(or_(SupportPlan.id == own, SupportPlan.is_default.is_(True)))
        .order_by(case((SupportPlan.id == own, 0), else_=1), SupportPlan.name)
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def all_plans(session: Session) -> list[SupportPlan]:
    return list(session.execute(select(SupportPlan).order_by(SupportPlan.name)).scalars())


def get_plan(session: Session, plan_id: uuid.UUID) -> SupportPlan:
    plan = session.get(SupportPlan, plan_id)
    if plan is None:
        raise NotFound("support plan not found")
    return plan


def customer_count(session: Session, plan_id: uuid.UUID) -> int:
    """Customers with this plan as their own (customers on the default plan have no row)."""
    stmt = select(func.count()).select_from(CustomerSupportPlan).where(CustomerSupportPlan.plan_id == plan_id)
    return int(session.execute(stmt).scalar_one())


def _calendar_field(message: str) -> str:
    """The payload field a calendar error is about, so that forms can show it next to the input."""
    day = message.split(":", 1)[0]
    if day in WEEKDAY_NAMES:
        return f"calendar.weekly_hours.{day}"
    if message.startswith("holiday"):
        return "calendar.holidays"
    if "time zone" in message or message.startswith("time_zone"):
        return "calendar.time_zone"
    return "calendar.weekly_hours" if "weekly_hours" in message else "calendar"


def _normal_calendar(data: PlanIn) -> dict[str, Any]:
    try:
        return dict(BusinessCalendar.from_dict(data.calendar).to_dict())
    except CalendarError as exc:
        raise ValidationFailed(str(exc), details=[field_error(_calendar_field(str(exc)), str(exc))]) from exc


def _check_name(session: Session, name: str, plan: SupportPlan | None) -> None:
    clash = session.execute(select(SupportPlan).where(SupportPlan.name == name)).scalar_one_or_none()
    if clash is not None and clash is not plan:
        raise Conflict("a plan with this name exists", details=[field_error("name", "already used")])


def _clear_default(session: Session, keep: uuid.UUID) -> None:
    for plan in session.execute(select(SupportPlan).where(SupportPlan.is_default.is_(True))).scalars():
        if plan.id != keep:
            plan.is_default = False


def _new_terms(session: Session, plan: SupportPlan) -> None:
    terms = SupportPlanTerms(
        plan_id=plan.id,
        plan_name=plan.name,
        calendar=copy.deepcopy(plan.calendar),
        targets=copy.deepcopy(plan.targets),
    )
    session.add(terms)
    session.flush()
    plan.terms_id = terms.id


def save_plan(session: Session, principal: Principal, data: PlanIn, plan_id: uuid.UUID | None = None) -> SupportPlan:
    """Create or change a plan; making one the default takes the flag from the others.

    Changed calendar or targets become new terms: they apply to tickets opened from now on, while open tickets
    keep the terms they were opened under. The default plan stays the default until another plan takes the flag.
    """
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    calendar = _normal_calendar(data)
    plan = get_plan(session, plan_id) if plan_id else None
    _check_name(session, data.name, plan)
    if plan is not None and plan.is_default and not data.is_default:
        message = "the default plan stays the default until another plan is made the default"
        raise ValidationFailed(message, details=[field_error("is_default", message)])
    before = audit.snapshot(plan, PLAN_FIELDS) if plan else None
    if plan is None:
        plan = SupportPlan()
        session.add(plan)
    for name, value in (data.model_dump() | {"calendar": calendar}).items():
        setattr(plan, name, value)
    session.flush()
    if before is None or (before["calendar"], before["targets"]) != (plan.calendar, plan.targets):
        _new_terms(session, plan)
    if plan.is_default:
        _clear_default(session, plan.id)
    after = audit.snapshot(plan, PLAN_FIELDS)
    if before is None:
        audit.record(session, principal, "support_plan.create", "support_plan", plan.id, after=after)
    else:
        old, new = audit.changed(before, after)
        audit.record(session, principal, "support_plan.update", "support_plan", plan.id, before=old, after=new)
    return plan


class PlanInUse(Conflict):
    """The plan is the default plan or customers have it."""

    code = "support_plan_in_use"


def delete_plan(
    session: Session, principal: Principal, plan_id: uuid.UUID, move_customers_to: uuid.UUID | None = None
) -> None:
    """Delete a plan; refused while it is the default or customers have it, unless they are moved to another plan.

    Tickets opened under the plan keep its terms (they outlive the plan).
    """
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    plan = get_plan(session, plan_id)
    if plan.is_default:
        raise PlanInUse("the default plan cannot be deleted: make another plan the default first")
    customers = customer_count(session, plan.id)
    if customers and move_customers_to is None:
        raise PlanInUse(
            f"{customers} customer(s) have this plan: move them to another plan first",
            details=[field_error("move_customers_to", f"{customers} customer(s) have this plan")],
        )
    if customers and move_customers_to is not None:
        _move_customers(session, principal, plan, move_customers_to)
    audit.record(
        session, principal, "support_plan.delete", "support_plan", plan.id, before=audit.snapshot(plan, PLAN_FIELDS)
    )
    session.delete(plan)
    session.flush()


def _move_customers(session: Session, principal: Principal, plan: SupportPlan, target_id: uuid.UUID) -> None:
    target = session.get(SupportPlan, target_id)
    if target is None or target.id == plan.id:
        message = "choose another existing plan"
        raise ValidationFailed(message, details=[field_error("move_customers_to", message)])
    stmt = select(CustomerSupportPlan.customer_id).where(CustomerSupportPlan.plan_id == plan.id)
    moved = list(session.execute(stmt).scalars())
    session.execute(
        update(CustomerSupportPlan)
        .where(CustomerSupportPlan.plan_id == plan.id)
        .values(plan_id=target.id)
        .execution_options(synchronize_session="fetch")
    )
    before, after = {"plan_id": str(plan.id)}, {"plan_id": str(target.id)}
    for customer_id in moved:
        audit.record(session, principal, "customer.support_plan", "customer", customer_id, before=before, after=after)


def assign_plan(session: Session, principal: Principal, customer_id: uuid.UUID, plan_id: uuid.UUID | None) -> None:
    """Give a customer a plan; None returns it to the default plan."""
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    if session.get(Customer, customer_id) is None:
        raise NotFound("customer not found")
    row = session.get(CustomerSupportPlan, customer_id)
    before = {"plan_id": str(row.plan_id) if row else None}
    if plan_id is None:
        if row is not None:
            session.delete(row)
    else:
        if session.get(SupportPlan, plan_id) is None:
            raise ValidationFailed("unknown plan", details=[field_error("plan_id", "unknown plan")])
        if row is None:
            session.add(CustomerSupportPlan(customer_id=customer_id, plan_id=plan_id))
        else:
            row.plan_id = plan_id
    session.flush()
    after = {"plan_id": str(plan_id) if plan_id else None}
    audit.record(session, principal, "customer.support_plan", "customer", customer_id, before=before, after=after)


def profile(session: Session) -> SupportProfile:
    """The partner's support profile (an empty one until saved)."""
    found = session.execute(select(SupportProfile).limit(1)).scalar_one_or_none()
    return found if found is not None else SupportProfile(email="", phone="", website="", hours_text="")


def save_profile(session: Session, principal: Principal, data: ProfileIn) -> SupportProfile:
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    current = profile(session)
    before = audit.snapshot(current, PROFILE_FIELDS) if current.id else None
    for name, value in data.model_dump().items():
        setattr(current, name, value)
    session.add(current)
    session.flush()
    audit.record(
        session,
        principal,
        "support_profile.save",
        "support_profile",
        current.id,
        before=before,
        after=audit.snapshot(current, PROFILE_FIELDS),
    )
    return current


def add_package(session: Session, principal: Principal, data: PackageIn) -> PartnerSupportPackage:
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    package = PartnerSupportPackage(**data.model_dump())
    session.add(package)
    session.flush()
    after = audit.snapshot(package, PACKAGE_FIELDS)
    audit.record(session, principal, "support_package.add", "support_package", package.id, after=after)
    return package


def get_package(session: Session, package_id: uuid.UUID) -> PartnerSupportPackage:
    package = session.get(PartnerSupportPackage, package_id)
    if package is None:
        raise NotFound("support package not found")
    return package


def update_package(
    session: Session, principal: Principal, package_id: uuid.UUID, data: PackageIn
) -> PartnerSupportPackage:
    """Correct a package's type, validity or reference; technical escalations already made are not revisited."""
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    package = get_package(session, package_id)
    before = audit.snapshot(package, PACKAGE_FIELDS)
    for name, value in data.model_dump().items():
        setattr(package, name, value)
    session.flush()
    old, new = audit.changed(before, audit.snapshot(package, PACKAGE_FIELDS))
    audit.record(session, principal, "support_package.update", "support_package", package.id, before=old, after=new)
    return package


def delete_package(session: Session, principal: Principal, package_id: uuid.UUID) -> None:
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    package = get_package(session, package_id)
    before = audit.snapshot(package, PACKAGE_FIELDS)
    audit.record(session, principal, "support_package.delete", "support_package", package.id, before=before)
    session.delete(package)
    session.flush()


def packages(session: Session) -> list[PartnerSupportPackage]:
    stmt = select(PartnerSupportPackage).order_by(PartnerSupportPackage.valid_from.desc())
    return list(session.execute(stmt).scalars())


def active_package(session: Session, day: date) -> PartnerSupportPackage | None:
    return next((p for p in packages(session) if p.active_on(day)), None)
