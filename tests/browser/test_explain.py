"""'Ask about this invoice' in a real Chromium: a portal user opens their invoice, has it explained, and asks.

The server has its own database (the base demo plus `load_explain_demo`), so the two extra customers do not change
what the other browser tests count on the shared live server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from cspdesk.app import create_app
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.demo.data import DEMO_PASSWORD, load_demo
from cspdesk.explain.demo import JUMPED, load_explain_demo
from cspdesk.kit import clock
from cspdesk.kit.storage import storage_for
from cspdesk.migrations import runner
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from tests.browser.conftest import LiveServer, _free_port, _wait_until_up, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def explain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """A server with the explain demo loaded; yields it and the number of Coho Winery's latest invoice."""
    folder = tmp_path_factory.mktemp("explain-live")
    database_url = f"sqlite:///{folder / 'live.sqlite'}"
    runner.upgrade(database_url)
    database = Database.from_url(database_url)
    port = _free_port()
    settings = Settings(database_url=database_url, secret_key="browser-test", base_url=f"http://127.0.0.1:{port}",
                        data_dir=Path(folder / "data"))  # fmt: skip
    with database.unit_of_work() as session:
        load_demo(session, clock.today())
        load_explain_demo(session, storage_for(settings), clock.today())
    with database.unit_of_work() as session:
        stmt = select(Invoice.number).join(Customer).where(Customer.name == JUMPED.name).order_by(Invoice.period.desc())
        number = str(session.execute(stmt).scalars().first())
    server = uvicorn.Server(uvicorn.Config(create_app(settings, database), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_until_up(server, 20)
    yield LiveServer(f"http://127.0.0.1:{port}", database_url), number
    server.should_exit = True
    thread.join(timeout=10)
    database.engine.dispose()


def test_portal_user_asks_about_an_invoice_with_the_explanation_attached(
    page: Any, explain_server: tuple[LiveServer, str]
) -> None:
    server, number = explain_server
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", f"admin@{JUMPED.domain}")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/portal")
    page.click("nav a:has-text('Invoices')")
    page.click(f"a:has-text('{number}')")
    page.click("a:has-text('Explain this invoice')")
    page.wait_for_selector("table.causes")
    lines = page.inner_text("#explain-lines")
    assert "Microsoft 365 E3 (seats added): €87.05" in lines
    assert "Prorated: 16 of" in lines
    causes = page.locator("table.causes tbody tr.cause")
    assert causes.count() == 2
    assert "Azure usage change" in causes.nth(0).inner_text()
    assert "Seats added or removed — Microsoft 365 E3: +€87.05" in causes.nth(1).inner_text()
    assert page.locator("table.causes svg").count() == 1
    assert "Cost" not in page.inner_text("table.causes thead")
    screenshot(page, "explain-portal-invoice")

    page.click("#ask-link")
    page.fill("#ask-form textarea[name=question]", "Why did the Azure part almost double?")
    screenshot(page, "explain-portal-ask")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ticket-description")
    assert "/portal/tickets/" in page.url
    description = page.inner_text("#ticket-description")
    assert f"Invoice {number}" in description
    assert "Why did the Azure part almost double?" in description
    assert "Seats added or removed — Microsoft 365 E3: +€87.05" in description
    screenshot(page, "explain-portal-ticket")
