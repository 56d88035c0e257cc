"""Billing in Chromium: a billing admin runs a period, reviews a draft's margin and issues it; the customer sees it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cspdesk.db import Database
from cspdesk.models.billing import PriceRule
from cspdesk.models.customer import Customer
from tests.billing import factories
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_console_and_portal import _sign_in

pytestmark = pytest.mark.browser

# Far from the demo's three invoiced months, so no other browser test sees these drafts.
PERIOD = "2030-01"
PRODUCT = "Browser Suite E5"
SKU = "BROWSER-E5"


def _cost_lines_for_contoso(server: LiveServer) -> None:
    """Ten seats at 32.40 EUR cost for Contoso, priced by its own rule for the SKU: 12 % over cost."""
    database = Database.from_url(server.database_url)
    with database.unit_of_work() as session:
        contoso = session.execute(select(Customer).where(Customer.name == "Contoso GmbH")).unique().scalar_one()
        session.add(PriceRule(customer_id=contoso.id, sku_id=SKU, mode="markup_cost", percent=Decimal(12)))
        factories.cost_line(
            session,
            contoso,
            factories.batch(session),
            product_name=PRODUCT,
            sku_name=PRODUCT,
            sku_id=SKU,
            charge_start_date=date(2030, 1, 1),
            charge_end_date=date(2030, 1, 31),
            unit_price=Decimal("36.00"),
            effective_unit_price=Decimal("32.40"),
        )
    database.engine.dispose()


def _run_and_open_draft(page: Any, server: LiveServer) -> None:
    _sign_in(page, server, "billing@partner.example")
    page.wait_for_url("**/console/**")
    page.goto(f"{server.url}/console/billing/invoices")
    page.fill("#run-form input[name=period]", PERIOD)
    page.click("#run-form button[type=submit]")
    page.wait_for_url(f"**/console/billing/invoices?period={PERIOD}&status=draft")
    screenshot(page, "billing-run-drafts")
    page.click("tr:has-text('Contoso GmbH') a")
    page.wait_for_selector("#invoice-status")


def test_billing_admin_runs_reviews_issues_and_the_customer_downloads(
    page: Any, browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    _cost_lines_for_contoso(live_server)
    _run_and_open_draft(page, live_server)
    row = page.locator(f"tr:has-text('{PRODUCT}')")
    assert page.inner_text("#invoice-status") == "draft"
    # text_content: the DOM text, whatever the stylesheet's text-transform does to the headers.
    assert "Margin" in (page.locator("table.list thead").text_content() or "")
    # 10 x 32.40 = 324.00 cost; +12 % = 362.88; margin 38.88 (the live demo has no tax rules: no tax).
    cells = row.locator("td").all_inner_texts()
    assert [c.strip() for c in cells[3:9]] == ["10", "36.288000", "€362.88", "€0.00", "€324.00", "€38.88"]
    assert page.inner_text("#invoice-total") == "€362.88"
    screenshot(page, "billing-draft-margin")
    page.click("#issue-button")
    page.wait_for_selector("#invoice-status:has-text('issued')")
    number = page.inner_text("h1").split()[-1]
    assert re.fullmatch(r"INV-\d{4}-\d{6}", number), number
    screenshot(page, "billing-issued")
    _customer_downloads(browser, live_server, number, tmp_path)


def _customer_downloads(browser: Any, server: LiveServer, number: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    try:
        _sign_in(page, server, "admin@contoso.de")
        page.wait_for_url("**/portal**")
        page.goto(f"{server.url}/portal/billing")
        row = page.locator(f"tr:has-text('{PERIOD}')")
        assert row.locator("td").first.inner_text().strip() == number
        assert row.locator("td.num").inner_text() == "€362.88"
        screenshot(page, "billing-portal-invoices")
        with page.expect_download() as download_info:
            row.locator("a:has-text('PDF')").click()
        target = tmp_path / "invoice.pdf"
        download_info.value.save_as(target)
        assert target.read_bytes().startswith(b"%PDF-")
    finally:
        context.close()
