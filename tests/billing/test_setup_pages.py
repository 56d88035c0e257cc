"""Tax rules, exchange rates and partner charges managed through the console and the API reach the invoice run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.models.audit import AuditEntry
from cspdesk.models.billing import ExchangeRate, OneOffCharge, RecurringCharge, TaxExemption, TaxRule
from tests.billing import factories as f
from tests.billing.helpers import draft_of, run
from tests.helpers import csrf_from
from tests.world import World


def _console(client: TestClient, world: World, role: str = "billing_admin") -> str:
    client.cookies.set("cspdesk_session", world.actors[role].cookie)
    return csrf_from(client, "/console/billing/charges")


def _api(world: World, role: str = "billing_admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.actors[role].token}"}


def _count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_console_charges_go_on_the_next_draft(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    c = f.customer(session, name="Charges Ltd", country="AT")
    token = _console(client, world)
    common = {"csrf_token": token, "customer_id": str(c.id)}
    recurring = common | {"description": "Backup", "unit_price": "12.50", "quantity": "3", "first_period": "2026-10"}
    one_off = common | {"description": "Setup", "unit_price": "99,99", "quantity": "2"}
    assert client.post("/console/billing/recurring-charges", data=recurring, follow_redirects=False).status_code == 303
    assert client.post("/console/billing/one-off-charges", data=one_off, follow_redirects=False).status_code == 303
    assert "Backup" in client.get("/console/billing/charges").text
    run(session, settings)
    invoice = draft_of(session, c.id)
    # 12.50 * 3 = 37.50; 99.99 * 2 = 199.98
    assert sorted((x.description, x.amount_minor) for x in invoice.lines) == [
        ("Backup (2026-10)", 3750),
        ("Setup", 19998),
    ]
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (23748, 0, 23748)
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.action.like("%_charge.create"))).scalars()
    assert sorted(actions) == ["one_off_charge.create", "recurring_charge.create"]


def test_api_tax_rule_is_applied_on_the_next_run(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    c = f.customer(session, name="Taxed GmbH", country="AT")
    f.cost_line(session, c, f.batch(session))
    body = {"country": "at", "rate_percent": "20", "name": "USt", "valid_from": "2026-01-01"}
    response = client.post("/api/billing/tax-rules", json=body, headers=_api(world))
    assert response.status_code == 201, response.text
    assert response.json()["country"] == "AT"
    run(session, settings)
    invoice = draft_of(session, c.id)
    # 324.00 * 20 % = 64.80
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (32400, 6480, 38880)
    assert invoice.tax_name == "USt"


def test_exchange_rate_keeps_every_decimal(client: TestClient, world: World, session: Session) -> None:
    exact = "0.92345678901234567890123"
    body = {"from_currency": "USD", "to_currency": "EUR", "rate": exact, "valid_from": "2026-03-01"}
    response = client.post("/api/billing/exchange-rates", json=body, headers=_api(world))
    assert response.status_code == 201, response.text
    stored = session.execute(select(ExchangeRate).where(ExchangeRate.valid_from == date(2026, 3, 1))).scalar_one()
    assert stored.rate == Decimal(exact)
    assert Decimal(str(response.json()["rate"])) == Decimal(exact)


def test_bad_input_gives_field_errors_and_changes_nothing(client: TestClient, world: World, session: Session) -> None:
    c = f.customer(session, name="Euro Only", currency="EUR")
    before = [_count(session, m) for m in (TaxRule, ExchangeRate, RecurringCharge, OneOffCharge)]
    token = _console(client, world)
    bad_tax = {"csrf_token": token, "country": "XX", "rate_percent": "19", "name": "VAT", "valid_from": "2026-01-01"}
    page = client.post("/console/billing/tax-rules", data=bad_tax)
    assert page.status_code == 422
    assert "not an ISO 3166 country code" in page.text and 'value="XX"' in page.text
    bad_rate = {"from_currency": "USD", "to_currency": "EUR", "rate": "0", "valid_from": "2026-01-01"}
    response = client.post("/api/billing/exchange-rates", json=bad_rate, headers=_api(world))
    assert response.status_code == 422
    assert response.json()["details"] == [{"field": "rate", "message": "must be greater than zero"}]
    charge = {"customer_id": str(c.id), "description": "X", "unit_price": "1", "quantity": "1", "currency": "USD"}
    response = client.post("/api/billing/one-off-charges", json=charge, headers=_api(world))
    assert response.status_code == 422
    assert response.json()["details"] == [
        {"field": "currency", "message": "must be the customer's billing currency EUR"}
    ]
    after = [_count(session, m) for m in (TaxRule, ExchangeRate, RecurringCharge, OneOffCharge)]
    assert after == before


def test_invoiced_one_off_cannot_be_deleted(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    c = f.customer(session, name="Invoiced Co")
    charge = OneOffCharge(
        customer_id=c.id, description="Done", unit_price_minor=100, currency="EUR", quantity=Decimal(1)
    )
    session.add(charge)
    session.flush()
    run(session, settings)
    assert charge.invoice_id is not None
    response = client.delete(f"/api/billing/one-off-charges/{charge.id}", headers=_api(world))
    assert response.status_code == 409


def test_console_reverse_charge_prints_the_note_and_clear_restores_tax(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    c = f.customer(session, name="Reverse BV", country="AT")
    f.cost_line(session, c, f.batch(session))
    session.add(TaxRule(country="AT", rate_percent=Decimal(20), name="USt", valid_from=date(2026, 1, 1)))
    session.flush()
    token = _console(client, world)
    form = {"csrf_token": token, "kind": "reverse_charge", "legal_note": "Reverse charge, Art. 196"}
    url = f"/console/billing/customers/{c.id}/tax-exemption"
    assert client.post(url, data=form, follow_redirects=False).status_code == 303
    assert "Reverse charge, Art. 196" in client.get("/console/billing/taxes").text
    run(session, settings)
    invoice = draft_of(session, c.id)
    assert (invoice.tax_minor, invoice.tax_note) == (0, "Reverse charge, Art. 196")
    cleared = client.post(f"{url}/clear", data={"csrf_token": token}, follow_redirects=False)
    assert cleared.status_code == 303
    assert session.execute(select(TaxExemption).where(TaxExemption.customer_id == c.id)).first() is None
