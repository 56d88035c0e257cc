"""Plan changes: a ticket keeps the terms it was opened under; deleting a plan is refused while it is in use."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.db import make_engine
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import ValidationFailed
from cspdesk.kit.storage import LocalStorage
from cspdesk.migrations import runner
from cspdesk.models.audit import AuditEntry
from cspdesk.models.support import Ticket
from cspdesk.models.support_plans import CustomerSupportPlan, SupportPlan, SupportPlanTerms
from cspdesk.support import plans, sla_scan, tickets
from cspdesk.support.schemas import PackageIn, PlanIn, TicketIn
from tests.support.test_tickets import MONDAY_10_BERLIN, berlin_plan, desk, principal
from tests.test_migrations import empty_database_url
from tests.world import World, build_world

__all__ = ["desk", "empty_database_url"]
FASTER_A = {"A": {"first_response": 30, "resolution": 240}}


def changed_plan(plan: SupportPlan, **changes: Any) -> PlanIn:
    return PlanIn.model_validate(audit.snapshot(plan, plans.PLAN_FIELDS) | changes)


def _audit(session: Session, action: str) -> list[AuditEntry]:
    return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def _default(session: Session) -> SupportPlan:
    plan = plans.default_plan(session)
    assert plan is not None
    return plan


def test_changed_targets_apply_to_tickets_opened_afterwards(session: Session, world: World, desk: tickets.Desk) -> None:
    berlin_plan(session)
    plan = _default(session)
    own = principal(session, world, "customer_user", own=True)
    agent = principal(session, world, "admin_agent")
    with clock.frozen_at(MONDAY_10_BERLIN) as frozen:
        old = tickets.create_ticket(session, own, TicketIn(subject="Before", severity="A"), desk)
        old_due = (old.first_response_due_at, old.resolution_due_at)
        plans.save_plan(session, SYSTEM, changed_plan(plan, targets=plan.targets | FASTER_A), plan.id)
        new = tickets.create_ticket(session, own, TicketIn(subject="After", severity="A"), desk)
        assert new.first_response_due_at == MONDAY_10_BERLIN + timedelta(minutes=30)
        frozen.advance(timedelta(minutes=10))
        tickets.change_status(session, agent, old.id, "open")  # recomputes the SLA columns
        sla_scan.scan(session, clock.now(), dry_run=True)  # so does the scan
    assert (old.first_response_due_at, old.resolution_due_at) == old_due
    assert old.sla_terms_id != new.sla_terms_id == plan.terms_id
    [update] = _audit(session, "support_plan.update")
    assert json.loads(update.before or "{}")["targets"]["A"] == {"first_response": 60, "resolution": 480}
    assert json.loads(update.after or "{}")["targets"]["A"] == FASTER_A["A"]


def test_same_terms_keep_the_terms_row_and_moving_a_customer_keeps_ticket_terms(
    session: Session, world: World, desk: tickets.Desk
) -> None:
    berlin_plan(session)
    plan = _default(session)
    terms_id = plan.terms_id
    plans.save_plan(session, SYSTEM, changed_plan(plan, monthly_price_minor=4900, description="Now billed"), plan.id)
    assert plan.terms_id == terms_id
    own = principal(session, world, "customer_user", own=True)
    ticket = tickets.create_ticket(session, own, TicketIn(subject="Keep", severity="A"), desk)
    faster = plans.save_plan(
        session, SYSTEM, changed_plan(plan, name="Faster", is_default=False, targets=plan.targets | FASTER_A)
    )
    plans.assign_plan(session, SYSTEM, world.customer_a, faster.id)
    assert plans.ticket_terms(session, ticket) is not None
    assert ticket.sla_terms_id == terms_id


def test_the_default_plan_stays_default_until_another_takes_the_flag(session: Session) -> None:
    berlin_plan(session)
    plan = _default(session)
    with pytest.raises(ValidationFailed) as refused:
        plans.save_plan(session, SYSTEM, changed_plan(plan, is_default=False), plan.id)
    assert refused.value.details[0]["field"] == "is_default"
    other = plans.save_plan(session, SYSTEM, changed_plan(plan, name="Other", is_default=True))
    assert (plan.is_default, other.is_default) == (False, True)


def test_calendar_errors_name_the_field(session: Session) -> None:
    berlin_plan(session)
    plan = _default(session)
    bad = dict(plan.calendar) | {"weekly_hours": {"tuesday": ["17:00-09:00"]}}
    with pytest.raises(ValidationFailed) as refused:
        plans.save_plan(session, SYSTEM, changed_plan(plan, calendar=bad), plan.id)
    assert refused.value.details[0]["field"] == "calendar.weekly_hours.tuesday"


def test_delete_is_refused_for_the_default_plan_and_while_customers_have_it(
    session: Session, world: World, desk: tickets.Desk
) -> None:
    berlin_plan(session)
    default = _default(session)
    with pytest.raises(plans.PlanInUse, match="default plan cannot be deleted"):
        plans.delete_plan(session, SYSTEM, default.id)
    premium = plans.save_plan(session, SYSTEM, changed_plan(default, name="Premium", is_default=False))
    plans.assign_plan(session, SYSTEM, world.customer_a, premium.id)
    plans.assign_plan(session, SYSTEM, world.customer_b, premium.id)
    own = principal(session, world, "customer_user", own=True)
    ticket = tickets.create_ticket(session, own, TicketIn(subject="On premium", severity="A"), desk)
    with pytest.raises(plans.PlanInUse, match="2 customer"):
        plans.delete_plan(session, SYSTEM, premium.id)
    with pytest.raises(ValidationFailed, match="another existing plan"):
        plans.delete_plan(session, SYSTEM, premium.id, move_customers_to=premium.id)
    assert not _audit(session, "support_plan.delete")

    plans.delete_plan(session, SYSTEM, premium.id, move_customers_to=default.id)
    moved = select(CustomerSupportPlan.plan_id).where(CustomerSupportPlan.customer_id == world.customer_a)
    assert session.execute(moved).scalar_one() == default.id
    assert session.get(SupportPlan, premium.id) is None
    assert len(_audit(session, "customer.support_plan")) == 4  # two assignments, two moves
    [deleted] = _audit(session, "support_plan.delete")
    assert json.loads(deleted.before or "{}")["name"] == "Premium"
    terms = plans.ticket_terms(session, ticket)
    assert terms is not None and terms.plan_name == "Premium"  # the ticket keeps the deleted plan's terms


def test_packages_are_corrected_and_deleted_with_audit(session: Session) -> None:
    today = clock.today()
    package = plans.add_package(session, SYSTEM, PackageIn(package_type="advanced", valid_from=today))
    fixed = PackageIn(package_type="premier", valid_from=today, valid_to=today + timedelta(days=365), reference="P-1")
    plans.update_package(session, SYSTEM, package.id, fixed)
    assert (package.package_type, package.reference) == ("premier", "P-1")
    [update] = _audit(session, "support_package.update")
    assert json.loads(update.before or "{}") == {"package_type": "advanced", "reference": "", "valid_to": None}
    plans.delete_package(session, SYSTEM, package.id)
    assert package.id not in {p.id for p in plans.packages(session)}
    assert len(_audit(session, "support_package.delete")) == 1


def test_migration_gives_plans_and_tickets_their_current_terms(empty_database_url: str, tmp_path: Path) -> None:
    """0007 backfills: every plan gets its terms, every ticket its customer's plan terms (own, else default)."""
    runner.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with Session(engine) as session:
            fresh = build_world(session)
            berlin_plan(session)
            own = plans.save_plan(session, SYSTEM, changed_plan(_default(session), name="Own", is_default=False))
            plans.assign_plan(session, SYSTEM, fresh.customer_a, own.id)
            staff = principal(session, fresh, "admin_agent")
            local_desk = tickets.Desk(Settings(database_url="sqlite://"), LocalStorage(tmp_path))
            for customer_id in (fresh.customer_a, fresh.customer_b):
                tickets.create_ticket(session, staff, TicketIn(subject="x", customer_id=customer_id), local_desk)
            session.commit()
        runner.downgrade(empty_database_url, "0007-1")
        runner.upgrade(empty_database_url)
        with engine.connect() as conn:
            join = SupportPlanTerms.id == Ticket.sla_terms_id
            rows = conn.execute(select(Ticket.customer_id, SupportPlanTerms.plan_name).join(SupportPlanTerms, join))
            by_customer = {row[0]: row[1] for row in rows}
            no_terms = select(func.count()).select_from(SupportPlan).where(SupportPlan.terms_id.is_(None))
            assert conn.execute(no_terms).scalar_one() == 0
    finally:
        engine.dispose()
    assert by_customer == {fresh.customer_a: "Own", fresh.customer_b: "Test plan"}
