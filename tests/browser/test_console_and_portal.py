"""Staff and portal flows in a real Chromium."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from cspdesk.demo.data import DEMO_PASSWORD
from tests.browser.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser


def _sign_in(page: Any, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_staff_signs_in_and_sees_customers(page: Any, live_server: LiveServer) -> None:
    _sign_in(page, live_server, "agent@partner.example")
    page.wait_for_url("**/console/customers")
    rows = page.locator("#customers-table tbody tr")
    assert rows.count() == 12
    page.fill("input[name=q]", "contoso")
    expect(rows).to_have_count(1)
    assert "Contoso GmbH" in page.inner_text("#customers-table")
    screenshot(page, "console-customers-search")
    page.click("text=Contoso GmbH")
    page.wait_for_selector("#subscriptions-table")
    assert page.locator("#subscriptions-table tbody tr").count() >= 2
    screenshot(page, "console-customer-detail")


def test_staff_creates_a_customer_after_a_validation_error(page: Any, live_server: LiveServer) -> None:
    _sign_in(page, live_server, "sales@partner.example")
    page.wait_for_url("**/console/customers")
    page.click("text=New customer")
    page.fill("input[name=name]", "Browser Test Corp")
    page.fill("input[name=tenant_id]", "not-a-tenant")
    page.fill("input[name=country]", "Atlantis")
    page.fill("input[name=billing_currency]", "EUR")
    page.click("button:has-text('Save')")
    page.wait_for_selector(".alert-error")
    errors = page.inner_text("form.form")
    assert "is not an ISO 3166 country code" in errors
    assert page.input_value("input[name=name]") == "Browser Test Corp"
    screenshot(page, "console-customer-form-errors")
    page.fill("input[name=tenant_id]", str(uuid.uuid4()))
    page.fill("input[name=country]", "NO")
    page.fill("input[name=contact_email_0]", "ap@browsertest.example")
    page.fill("input[name=contact_name_0]", "Accounts payable")
    page.click("button:has-text('Save')")
    page.wait_for_selector("h1:has-text('Browser Test Corp')")
    assert "ap@browsertest.example" in page.inner_text("dl.facts")
    screenshot(page, "console-customer-created")


def test_portal_user_sees_only_their_company(page: Any, live_server: LiveServer) -> None:
    _sign_in(page, live_server, "admin@fabrikam.co.uk")
    page.wait_for_url("**/portal")
    text = page.inner_text("main")
    assert "Fabrikam Ltd" in text
    for other in ("Contoso GmbH", "Northwind Traders", "Tailspin Toys"):
        assert other not in text
    screenshot(page, "portal-home")
    response = page.goto(f"{live_server.url}/console/customers")
    assert response.status == 403


def test_russian_portal_user_sees_russian_text(page: Any, live_server: LiveServer) -> None:
    _sign_in(page, live_server, "admin@romashka.ru")
    page.wait_for_url("**/portal")
    assert "Ваши подписки" in page.inner_text("main")
    screenshot(page, "portal-home-ru")
