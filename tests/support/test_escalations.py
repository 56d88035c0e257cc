"""Escalation rules and refusals, the case summary, and service request sync against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.kit import clock
from cspdesk.kit.storage import LocalStorage
from cspdesk.microsoft.partner_center import PartnerCenterClient, StaticTokenProvider
from cspdesk.microsoft.partner_center.simulator import DEFAULT_SIM_TOKEN, SimulatorState, run_simulator_in_thread
from cspdesk.models.support import Ticket
from cspdesk.support import escalations, plans, tickets
from cspdesk.support.escalations import EscalationRefused
from cspdesk.support.schemas import EscalationIn, EscalationPatch, PackageIn, ProfileIn, TicketIn
from tests.world import World


def _ticket(session: Session, world: World, tmp_path: Path, service: str = "microsoft_365") -> Ticket:
    desk = tickets.Desk(Settings(database_url="sqlite://"), LocalStorage(tmp_path))
    data = TicketIn(
        subject="Seats",
        description="Billed twice",
        service=service,
        severity="A",
        customer_id=world.customer_a,
        related_subscription_id=world.subscription_a,
    )
    return tickets.create_ticket(session, SYSTEM, data, desk)


def test_commercial_is_always_allowed_and_summarised(session: Session, world: World, tmp_path: Path) -> None:
    ticket = _ticket(session, world, tmp_path)
    escalation = escalations.escalate(
        session, SYSTEM, ticket.id, EscalationIn(escalation_type="commercial", tried="Checked the invoice")
    )
    assert (escalation.severity, escalation.status) == ("critical", "draft")
    assert f"Customer tenant id: {ticket.customer.tenant_id}" in escalation.case_summary
    assert "What was tried:\nChecked the invoice" in escalation.case_summary
    escalations.update(session, SYSTEM, escalation.id, EscalationPatch(microsoft_case_number="2504170040001234"))
    assert (escalation.status, ticket.status) == ("filed", "pending_microsoft")


def test_technical_needs_an_active_package(session: Session, world: World, tmp_path: Path) -> None:
    ticket = _ticket(session, world, tmp_path)
    today = clock.today()
    if plans.active_package(session, today) is not None:
        pytest.skip("an active package exists in this database")
    with pytest.raises(EscalationRefused, match="need an active partner support package"):
        escalations.escalate(session, SYSTEM, ticket.id, EscalationIn(escalation_type="technical"))
    plans.add_package(
        session,
        SYSTEM,
        PackageIn(package_type="premier", valid_from=today - timedelta(days=400), valid_to=today - timedelta(days=1)),
    )
    assert escalations.refusal(session, ticket, "technical", today) is not None  # expired yesterday
    plans.add_package(session, SYSTEM, PackageIn(package_type="advanced", valid_from=today))
    assert escalations.escalate(session, SYSTEM, ticket.id, EscalationIn(escalation_type="technical")).id


def test_indirect_reseller_cannot_escalate_azure_technical(session: Session, world: World, tmp_path: Path) -> None:
    plans.add_package(session, SYSTEM, PackageIn(package_type="signature", valid_from=date(2020, 1, 1)))
    plans.save_profile(session, SYSTEM, ProfileIn(indirect_reseller=True))
    azure = _ticket(session, world, tmp_path, service="azure")
    with pytest.raises(EscalationRefused, match="indirect reseller cannot open Azure technical"):
        escalations.escalate(session, SYSTEM, azure.id, EscalationIn(escalation_type="technical"))
    assert escalations.escalate(session, SYSTEM, azure.id, EscalationIn(escalation_type="commercial")).id
    m365 = _ticket(session, world, tmp_path)
    assert escalations.escalate(session, SYSTEM, m365.id, EscalationIn(escalation_type="technical")).id


@pytest.fixture
def simulator() -> Iterator[tuple[SimulatorState, PartnerCenterClient]]:
    state = SimulatorState()
    state.add_service_request({"Id": "2504170040001234", "Title": "Seats", "Status": "open", "Severity": "critical"})
    base_url, stop = run_simulator_in_thread(state)
    client = PartnerCenterClient(base_url, StaticTokenProvider(DEFAULT_SIM_TOKEN))
    yield state, client
    client.close()
    stop()


def test_sync_pushes_a_note_and_pulls_status(
    session: Session, world: World, tmp_path: Path, simulator: tuple[SimulatorState, PartnerCenterClient]
) -> None:
    state, client = simulator
    ticket = _ticket(session, world, tmp_path)
    escalation = escalations.escalate(session, SYSTEM, ticket.id, EscalationIn(escalation_type="commercial"))
    escalations.update(session, SYSTEM, escalation.id, EscalationPatch(microsoft_case_number="2504170040001234"))
    escalations.sync(session, SYSTEM, escalation.id, client, push_note="Customer confirmed the duplicate")
    assert escalation.status == "open"
    assert "Customer confirmed the duplicate" in escalation.notes
    assert [n["Text"] for n in state.service_request("2504170040001234")["Notes"]] == [
        "Customer confirmed the duplicate"
    ]
    client.update_service_request("2504170040001234", status="closed")
    escalations.sync(session, SYSTEM, escalation.id, client)
    assert escalation.status == "closed"
    assert escalation.synced_at is not None
