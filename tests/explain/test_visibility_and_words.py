"""Who sees what (portal: own invoices, never cost or margin), the API and CLI, and the words in en and ru."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.explain.service import explain_invoice, explanation_for_ticket
from cspdesk.kit.errors import NotFound
from cspdesk.models.billing import Invoice, OneOffCharge, RecurringCharge
from cspdesk.models.customer import Customer
from cspdesk.models.support import Ticket
from cspdesk.web.csrf import COOKIE as CSRF_COOKIE
from cspdesk.web.csrf import token_for
from cspdesk.web.deps import SESSION_COOKIE
from tests.billing import factories
from tests.explain.scenario import Scenario
from tests.world import World

JAN = (date(2027, 1, 1), date(2027, 1, 31))
FEB = (date(2027, 2, 1), date(2027, 2, 28))
COST_KEYS = {"cost_minor", "margin_minor", "price_mode", "effective_price"}


def _issued_pair(session: Session, settings: Settings, world: World) -> Invoice:
    owner = session.get(Customer, world.customer_a)
    assert owner is not None
    # The shared world gives customer A charges of its own (billing's matrix objects); this scenario bills seats only.
    session.execute(delete(OneOffCharge).where(OneOffCharge.customer_id == owner.id))
    session.execute(delete(RecurringCharge).where(RecurringCharge.customer_id == owner.id))
    s = Scenario(session, settings, owner, factories.batch(session))
    s.seats(JAN, 10)
    s.seats(FEB, 12)
    s.seats((date(2027, 2, 13), FEB[1]), 2, effective="5.71", charge_type="addQuantity")
    for number, invoice in (("T-1", s.invoice("2027-01")), ("T-2", s.invoice("2027-02"))):
        invoice.status, invoice.number = "issued", number
    session.flush()
    return invoice


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _get(client: TestClient, world: World, role: str, invoice: Invoice, own: bool = False, **params: str) -> Any:
    actor = (world.own_portal if own else world.actors)[role]
    return client.get(f"/api/invoices/{invoice.id}/explanation", params=params,
                      headers={"Authorization": f"Bearer {actor.token}"})  # fmt: skip


def test_portal_user_sees_own_explanation_without_cost(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    invoice = _issued_pair(session, settings, world)
    for role in ("customer_admin", "customer_billing"):
        response = _get(client, world, role, invoice, own=True)
        assert response.status_code == 200
        body = response.json()
        assert body["comparison"]["difference_minor"] == 3142
        assert not _keys(body) & COST_KEYS
    assert _get(client, world, "customer_admin", invoice).status_code == 404


def test_staff_see_cost_only_with_margin_read(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    invoice = _issued_pair(session, settings, world)
    billing = _get(client, world, "billing_admin", invoice).json()
    assert billing["comparison"]["causes"][0]["cost_minor"] == 3142
    assert billing["comparison"]["causes"][0]["margin_minor"] == 0
    helpdesk = _get(client, world, "helpdesk_agent", invoice).json()
    assert not _keys(helpdesk) & COST_KEYS


def test_rendered_text_in_english_and_russian(session: Session, settings: Settings, world: World) -> None:
    invoice = _issued_pair(session, settings, world)
    en = explain_invoice(session, SYSTEM, invoice.id, lang="en", include_cost=False)
    ru = explain_invoice(session, SYSTEM, invoice.id, lang="ru", include_cost=False)
    assert en.lines[0].text == (
        "Microsoft 365 E3 (seats added): €11.42. Subscription sub-1. Period Feb 13, 2027 – Feb 28, 2027. "
        "2 × €5.71. Prorated: 16 of 28 days of the billing cycle. Microsoft list price 10 EUR per unit. "
        "Price after discounts and credits 5.71 EUR per unit. No tax."
    )
    assert ru.lines[0].text == (
        "Microsoft 365 E3 (добавление лицензий): 11,42\xa0€. Подписка sub-1. Период 13 февраля 2027 – 28 февраля 2027. "
        "2 × 5,71\xa0€. Пропорционально: 16 из 28 дн. расчётного цикла. Прейскурантная цена Microsoft 10 EUR за "
        "единицу. Цена после скидок и кредитов 5,71 EUR за единицу. Без налога."
    )
    assert en.comparison is not None and ru.comparison is not None
    assert en.comparison.causes[0].text == (
        "Seats added or removed — Microsoft 365 E3: +€31.42. Seats 10 → 12. 2 seats changed, prorated 16 of 28 days."
    )
    assert ru.comparison.causes[0].text == (
        "Добавлены или убраны лицензии — Microsoft 365 E3: +31,42\xa0€. Лицензий 10 → 12. "
        "Изменено лицензий: 2, пропорционально 16 из 28 дн."
    )


def test_ticket_seam_and_portal_ask_flow(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    invoice = _issued_pair(session, settings, world)
    text, structured = explanation_for_ticket(session, SYSTEM, invoice.id, "en")
    assert text.startswith("Invoice T-2 for 2027-02: total €131.42")
    assert not _keys(structured) & COST_KEYS
    assert explanation_for_ticket(session, SYSTEM, invoice.id, customer_id=world.customer_a)[0] == text
    with pytest.raises(NotFound):
        explanation_for_ticket(session, SYSTEM, invoice.id, customer_id=world.customer_b)
    client.cookies.set(SESSION_COOKIE, world.own_portal["customer_billing"].cookie)
    client.cookies.set(CSRF_COOKIE, "n")
    page = client.get(f"/portal/invoices/{invoice.id}/explain")
    assert page.status_code == 200 and "Ask about this invoice" in page.text
    form = {"question": "Why more seats?", "csrf_token": token_for("test-secret", "n")}
    response = client.post(f"/portal/invoices/{invoice.id}/ask", data=form, follow_redirects=False)
    assert response.status_code == 303
    ticket = session.query(Ticket).filter(Ticket.related_invoice_id == invoice.id).one()
    assert ticket.category == "billing"
    assert ticket.description.startswith("Why more seats?\n\n---\nInvoice T-2 for 2027-02")
    # The agent sees the explanation on the ticket and can send it as a reply.
    client.cookies.set(SESSION_COOKIE, world.actors["helpdesk_agent"].cookie)
    agent_page = client.get(f"/console/tickets/{ticket.id}")
    assert agent_page.status_code == 200
    assert 'id="invoice-explanation"' in agent_page.text
    assert "Invoice T-2 for 2027-02" in agent_page.text


def test_bad_compare_to_is_422(client: TestClient, session: Session, settings: Settings, world: World) -> None:
    invoice = _issued_pair(session, settings, world)
    assert _get(client, world, "billing_admin", invoice, compare_to="nope").status_code == 422
    assert _get(client, world, "billing_admin", invoice, compare_to="none").json()["comparison"] is None
