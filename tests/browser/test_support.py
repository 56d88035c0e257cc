"""Support desk in a real Chromium: a customer opens a ticket with a script payload, an agent replies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from cspdesk.demo.data import DEMO_PASSWORD
from tests.browser.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser
PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def _sign_in(page: Any, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _sign_out(page: Any) -> None:
    page.click("button:has-text('Sign out')")
    page.wait_for_load_state()


def test_portal_ticket_and_agent_reply_with_escaped_customer_text(page: Any, live_server: LiveServer) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    subject = f"Printer {uuid.uuid4().hex[:6]} {PAYLOAD}"
    _sign_in(page, live_server, "admin@contoso.de")
    page.goto(f"{live_server.url}/portal/tickets/new")
    page.fill("input[name=subject]", subject)
    page.fill("textarea[name=description]", f"It broke. {PAYLOAD}")
    page.select_option("select[name=category]", "billing")
    page.click("#portal-ticket-form button[type=submit]")
    page.wait_for_selector("#ticket-description")
    assert PAYLOAD in page.inner_text("#ticket-description")
    assert page.evaluate("window.__xss") is None
    number = page.inner_text("h1").split(" ")[0]
    screenshot(page, "support-portal-ticket")
    _sign_out(page)

    _sign_in(page, live_server, "helpdesk@partner.example")
    page.goto(f"{live_server.url}/console/tickets?view=unassigned")
    page.click(f"#ticket-queue a:has-text('{number}')")
    page.wait_for_selector("#reply-form")
    assert PAYLOAD in page.inner_text("#ticket-description")
    assert page.evaluate("window.__xss") is None
    page.fill("#reply-form textarea[name=body]", "We credited the duplicate seats.")
    page.select_option("#reply-form select[name=status]", "pending_customer")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("text=We credited the duplicate seats.")
    assert page.inner_text("#ticket-status") == "pending_customer"
    screenshot(page, "support-console-ticket")
    _sign_out(page)

    _sign_in(page, live_server, "admin@contoso.de")
    page.goto(f"{live_server.url}/portal/tickets")
    page.click(f"#portal-tickets a:has-text('{number}')")
    page.wait_for_selector("text=We credited the duplicate seats.")
    page.fill("#reply-form textarea[name=body]", "Thanks, confirmed.")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("text=Thanks, confirmed.")
    assert page.inner_text("#ticket-status") == "open"
    assert dialogs == []
    assert page.evaluate("window.__xss") is None


def test_admin_creates_edits_and_deletes_a_support_plan(page: Any, live_server: LiveServer) -> None:
    name = f"Gold {uuid.uuid4().hex[:6]}"
    _sign_in(page, live_server, "admin@partner.example")
    page.goto(f"{live_server.url}/console/support")
    page.fill("#new-plan-form input[name=name]", name)
    page.click("#new-plan-form button[type=submit]")
    page.click(f"#plan-table tr:has-text('{name}') a:has-text('Edit')")
    page.wait_for_selector("#plan-form")
    assert "tickets already open keep the terms" in page.inner_text("#terms-note")

    page.fill("#plan-form input[name=hours_tuesday]", "17:00-09:00")
    page.click("#plan-form button[type=submit]")
    error = page.locator("label:has(input[name=hours_tuesday]) .field-error")
    assert "end must be after start" in error.inner_text()
    screenshot(page, "support-plan-edit-error")

    page.fill("#plan-form input[name=hours_tuesday]", "08:00-18:00")
    page.fill("#plan-form input[name=fr_A]", "30")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#plan-saved")
    assert page.input_value("#plan-form input[name=hours_tuesday]") == "08:00-18:00"
    assert page.input_value("#plan-form input[name=fr_A]") == "30"
    assert page.locator(".field-error").count() == 0
    screenshot(page, "support-plan-edit")

    page.click("#delete-plan-form button[type=submit]")
    page.wait_for_selector("#plan-table")
    assert name not in page.inner_text("#plan-table")
