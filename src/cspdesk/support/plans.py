"""Support plans, the customer's plan, the partner's support profile and Microsoft support packages."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit
from cspdesk.kit.errors import Conflict, NotFound, ValidationFailed, field_error
from cspdesk.models.customer import Customer
from cspdesk.models.support_plans import CustomerSupportPlan, PartnerSupportPackage, SupportPlan, SupportProfile
from cspdesk.support.schemas import PackageIn, PlanIn, ProfileIn
from cspdesk.support.sla import BusinessCalendar, CalendarError, SlaTargets

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


def calendar_of(plan: SupportPlan | None) -> BusinessCalendar:
    return BusinessCalendar.from_dict(plan.calendar if plan else FALLBACK_CALENDAR)


def targets_of(plan: SupportPlan | None, severity: str) -> SlaTargets:
    targets = (plan.targets if plan else FALLBACK_TARGETS).get(severity) or FALLBACK_TARGETS[severity]
    return SlaTargets(int(targets["first_response"]), int(targets["resolution"]))


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


def _check_plan(data: PlanIn) -> None:
    try:
        BusinessCalendar.from_dict(data.calendar)
    except CalendarError as exc:
        raise ValidationFailed(str(exc), details=[field_error("calendar", str(exc))]) from exc


def _clear_default(session: Session, keep: uuid.UUID) -> None:
    for plan in session.execute(select(SupportPlan).where(SupportPlan.is_default.is_(True))).scalars():
        if plan.id != keep:
            plan.is_default = False


def save_plan(session: Session, principal: Principal, data: PlanIn, plan_id: uuid.UUID | None = None) -> SupportPlan:
    """Create or replace a plan; making one the default takes the flag from the others."""
    principal.require(Permission.SUPPORT_PLANS_WRITE)
    _check_plan(data)
    plan = session.get(SupportPlan, plan_id) if plan_id else None
    if plan_id and plan is None:
        raise NotFound("support plan not found")
    clash = session.execute(select(SupportPlan).where(SupportPlan.name == data.name)).scalar_one_or_none()
    if clash is not None and clash is not plan:
        raise Conflict("a plan with this name exists", details=[field_error("name", "already used")])
    before = audit.snapshot(plan, PLAN_FIELDS) if plan else None
    if plan is None:
        plan = SupportPlan()
        session.add(plan)
    for name, value in data.model_dump().items():
        setattr(plan, name, value)
    session.flush()
    if plan.is_default:
        _clear_default(session, plan.id)
    audit.record(
        session,
        principal,
        "support_plan.save",
        "support_plan",
        plan.id,
        before=before,
        after=audit.snapshot(plan, PLAN_FIELDS),
    )
    return plan


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
    after = audit.snapshot(package, ["package_type", "valid_from", "valid_to", "reference"])
    audit.record(session, principal, "support_package.add", "support_package", package.id, after=after)
    return package


def packages(session: Session) -> list[PartnerSupportPackage]:
    stmt = select(PartnerSupportPackage).order_by(PartnerSupportPackage.valid_from.desc())
    return list(session.execute(stmt).scalars())


def active_package(session: Session, day: date) -> PartnerSupportPackage | None:
    return next((p for p in packages(session) if p.active_on(day)), None)
