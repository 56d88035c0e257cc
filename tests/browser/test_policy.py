"""The policy editor (a validation error, then publishing) and the customer's dunning status, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from cspdesk.db import Database
from cspdesk.kit import clock
from cspdesk.policy import service
from cspdesk.policy.demo import load_policy_demo
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_console_and_portal import _sign_in

pytestmark = pytest.mark.browser


def _with_policy_demo(server: LiveServer) -> None:
    database = Database.from_url(server.database_url)
    with database.unit_of_work() as session:
        if service.current_version(session) is None:
            load_policy_demo(session, clock.today())
    database.engine.dispose()


def test_billing_admin_fixes_an_error_and_publishes(page: Any, live_server: LiveServer) -> None:
    _with_policy_demo(live_server)
    _sign_in(page, live_server, "billing@partner.example")
    page.wait_for_url("**/console/**")
    page.goto(f"{live_server.url}/console/policy")
    page.fill("#policy-yaml", DEFAULT_POLICY_YAML.replace("percent: 2.0", "percent: 200"))
    page.click("text=Check and preview")
    issues = page.inner_text("#policy-issues")
    assert "line 7, column" in issues and "steps[2].percent" in issues
    screenshot(page, "policy-editor-error")
    page.fill("#policy-yaml", DEFAULT_POLICY_YAML)
    page.fill("#policy-note", "browser test")
    page.click("text=Check and preview")
    assert "we suspend Microsoft 365" in page.inner_text("#policy-preview")
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("#policy-note", "browser test")
    page.click("#policy-publish")
    page.wait_for_selector("#policy-published")
    assert "browser test" in page.inner_text("#policy-versions")
    screenshot(page, "policy-editor-published")


def test_customer_sees_what_happens_next(page: Any, live_server: LiveServer) -> None:
    _with_policy_demo(live_server)
    _sign_in(page, live_server, "admin@contoso.de")
    page.wait_for_url("**/portal**")
    page.goto(f"{live_server.url}/portal/dunning")
    text = page.inner_text("#dunning-status")
    assert "INV-DEMO-" in text and "overdue" in text
    screenshot(page, "portal-dunning-status")
    page.goto(f"{live_server.url}/portal/policy")
    assert "Payment terms" in page.inner_text("#policy-text")
