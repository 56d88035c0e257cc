"""Microsoft import in Chromium: a billing admin uploads a Partner Center reconciliation file, watches the upload and
then the server's import stages go through, reads the summary and the cost ledger, re-uploads it (nothing added) and
uploads one with a bad row (refused). Another admin cannot follow the job; a sales agent reads imports but cannot
upload; a portal user sees no Microsoft costs."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from cspdesk.db import Database
from cspdesk.microsoft.imports import import_file
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import ImportBatch
from cspdesk.models.subscription import Subscription
from tests.browser.conftest import LiveServer, screenshot, serve_demo
from tests.browser.test_console_and_portal import _sign_in
from tests.microsoft.imports.samples import recon_csv, recon_line, write

pytestmark = pytest.mark.browser

# February 2024: far from every month the demo or another browser test touches.
INVOICE = "G000424242"
NEW_CUSTOMER = "Lakeshore Retail Inc"
NEW_PRODUCT = "Power BI Pro"
NEVER_IMPORTED = "Never Imported Ltd"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: the file discovers a customer, which the shared server's customer counts must not see."""
    with serve_demo(tmp_path_factory.mktemp("microsoft")) as live:
        yield live


class StageGate:
    """Holds the server's first import at one stage until the test has seen it on the page (the server runs in
    this process); later imports go straight through."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.reached, self.release = threading.Event(), threading.Event()

    def wrap(self, import_file: Any) -> Any:
        def gated(*args: Any, progress: Any, **kwargs: Any) -> Any:
            def report(stage: str, fraction: float) -> None:
                progress(stage, fraction)
                if stage == self.stage and not self.reached.is_set():
                    self.reached.set()
                    self.release.wait(30)

            return import_file(*args, progress=report, **kwargs)

        return gated


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[StageGate]:
    gate = StageGate("ledger")
    monkeypatch.setattr("cspdesk.microsoft.views.import_file", gate.wrap(import_file))
    yield gate
    gate.release.set()


@dataclass(frozen=True)
class Party:
    tenant: str
    name: str
    domain: str
    country: str
    currency: str


@dataclass(frozen=True)
class Files:
    good: Path
    bad: Path
    contoso_product: str


NEWCOMER = Party("7c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5", NEW_CUSTOMER, "lakeshore.example", "US", "USD")
STRANGER = Party("4d3c2b1a-0000-4000-8000-0000000000aa", NEVER_IMPORTED, "never.example", "GB", "GBP")


def _line(party: Party, subscription: str, product: str, charge: str, qty: int, price: str, total: str) -> Any:
    return recon_line(
        CustomerId=party.tenant,
        CustomerName=party.name,
        CustomerDomainName=party.domain,
        CustomerCountry=party.country,
        InvoiceNumber=INVOICE,
        SubscriptionId=subscription,
        SkuName=product,
        ProductName=product,
        SubscriptionDescription=product,
        ChargeType=charge,
        UnitPrice=price,
        EffectiveUnitPrice=price,
        Quantity=qty,
        BillableQuantity=qty,
        Subtotal=total,
        Total=total,
        Currency=party.currency,
        PricingCurrency=party.currency,
        OrderDate="2/1/2024",
        ChargeStartDate="2/1/2024",
        ChargeEndDate="2/29/2024",
        PCToBCExchangeRateDate="1/29/2024",
        SubscriptionStartDate="2/1/2024",
        SubscriptionEndDate="1/31/2025",
    )


def _contoso(server: LiveServer) -> tuple[Party, Subscription]:
    database = Database.from_url(server.database_url)
    with database.unit_of_work() as session:
        customer = session.execute(select(Customer).where(Customer.name == "Contoso GmbH")).unique().scalar_one()
        stmt = select(Subscription).where(Subscription.customer_id == customer.id).order_by(Subscription.microsoft_id)
        subscription = session.execute(stmt).scalars().first()
        assert subscription is not None
        session.expunge(subscription)
        party = Party(
            str(customer.tenant_id), customer.name, customer.primary_domain, customer.country, customer.billing_currency
        )
    database.engine.dispose()
    return party, subscription


def _files(server: LiveServer, directory: Path) -> Files:
    """Contoso (a demo customer) with one of its subscriptions and a new one, and a customer cspdesk lacks; the
    bad file has one more unknown customer on a valid line and a bad quantity on its second data line."""
    contoso, known = _contoso(server)
    product = known.product_name
    lines = [
        _line(contoso, known.microsoft_id, product, "new", 10, "10.08", "100.80"),
        _line(contoso, known.microsoft_id, product, "addQuantity", 2, "5.76", "11.52"),
        _line(contoso, "c0ffee00-0000-4000-8000-000000000001", NEW_PRODUCT, "cycleCharge", 4, "7.90", "31.60"),
        _line(NEWCOMER, "c0ffee00-0000-4000-8000-000000000002", "Microsoft 365 Business Basic", "new", 5, "6", "30"),
    ]
    bad = [
        _line(STRANGER, "c0ffee00-0000-4000-8000-000000000003", "Visio Plan 2", "new", 1, "13", "13"),
        _line(contoso, known.microsoft_id, product, "new", 1, "10.08", "10.08") | {"Quantity": "1.5.0"},
    ]
    good = write(directory / "february-recon.csv", recon_csv(lines))
    return Files(good, write(directory / "february-recon-bad-row.csv", recon_csv(bad)), product)


def _customer_exists(server: LiveServer, tenant: str) -> bool:
    database = Database.from_url(server.database_url)
    with database.unit_of_work() as session:
        found = session.execute(select(Customer.id).where(Customer.tenant_id == uuid.UUID(tenant))).first()
    database.engine.dispose()
    return found is not None


def _batches(server: LiveServer) -> int:
    database = Database.from_url(server.database_url)
    with database.unit_of_work() as session:
        count = session.execute(select(func.count()).select_from(ImportBatch)).scalar_one()
    database.engine.dispose()
    return int(count)


def _upload(page: Any, path: Path) -> None:
    page.set_input_files("#import-form input[type=file]", str(path))
    page.click("#import-form button[type=submit]")


def _upload_watching_progress(page: Any, path: Path, gate: StageGate) -> str:
    """Hold the request at the network until the upload's progress is on screen, let it through, then see the
    server's stage (held by the gate) in the polled job; returns the job's poll address."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    page.route("**/console/microsoft/imports", hold)
    _upload(page, path)
    deadline = time.monotonic() + 10
    while not held:  # the route handler runs only while Playwright is called: pump its events
        assert time.monotonic() < deadline, "the upload never reached the network"
        page.wait_for_timeout(20)
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text(re.compile(r"^Upload(ing|ed)"))
    expect(page.locator("#import-form button[type=submit]")).to_be_disabled()
    screenshot(page, "microsoft-import-progress")
    held[0].continue_()
    page.unroute("**/console/microsoft/imports", hold)
    job = page.locator("#import-job")
    expect(job.locator(".import-stage")).to_have_text("Writing the cost ledger", timeout=15000)
    expect(job.locator(".import-percent")).to_have_text("40 %")
    assert job.locator("progress").evaluate("bar => bar.value") == 40
    expect(page.locator("#import-progress")).to_be_hidden()
    screenshot(page, "microsoft-import-server-stage")
    poll = job.get_attribute("hx-get")
    assert poll and poll.startswith("/console/microsoft/imports/jobs/")
    gate.release.set()
    page.wait_for_selector("#import-summary")
    expect(page.locator("#import-job")).to_have_count(0)
    return str(poll)


def test_billing_admin_imports_and_other_roles_see_only_what_they_may(
    page: Any, browser: Any, server: LiveServer, tmp_path: Path, gate: StageGate
) -> None:
    files = _files(server, tmp_path)
    _sign_in(page, server, "billing@partner.example")
    page.wait_for_url("**/console/**")
    page.goto(f"{server.url}/console/microsoft/imports")
    poll = _upload_watching_progress(page, files.good, gate)
    screenshot(page, "microsoft-import-summary")
    summary = page.inner_text("#import-summary")
    for text in ("february-recon.csv", "nce-recon", "imported 4 new rows", NEW_CUSTOMER, NEW_PRODUCT):
        assert text in summary, text
    # The finished job's answer reloads the list of imported files.
    expect(page.locator("#imported-files")).to_contain_text("february-recon.csv")
    _assert_summary_figures(page)
    _lost_job_stops_polling(page)
    _open_ledger(page, files.contoso_product)
    _upload_again(page, server, files.good)
    _upload_with_bad_row(page, server, files.bad)
    _as(browser, server, "admin@partner.example", "**/console/**", lambda p, s: _job_is_hidden(p, s, poll, 404))
    _as(browser, server, "sales@partner.example", "**/console/**", _sales_agent_reads_but_cannot_upload)
    _as(browser, server, "sales@partner.example", "**/console/**", lambda p, s: _job_is_hidden(p, s, poll, 403))
    _as(browser, server, "admin@contoso.de", "**/portal", _portal_user_sees_no_microsoft_costs)
    _as(browser, server, "admin@contoso.de", "**/portal", lambda p, s: _job_is_hidden(p, s, poll, 403))


def _assert_summary_figures(page: Any) -> None:
    counts = page.locator("#import-summary .import-counts").inner_text()
    for text in ("Rows 4", "New rows 4", "Customers 2", "Subscriptions 3", "Rejected 0"):
        assert text in counts, (text, counts)
    by_charge = [row.locator("td").all_inner_texts() for row in page.locator("#charge-totals tbody tr").all()]
    assert sorted(by_charge) == [
        ["EUR", "addQuantity", "11.52"],
        ["EUR", "cycleCharge", "31.60"],
        ["EUR", "new", "100.80"],
        ["USD", "new", "30.00"],
    ]
    by_currency = [row.locator("td").all_inner_texts() for row in page.locator("#currency-totals tbody tr").all()]
    assert by_currency == [["EUR", "143.92", "0.00", "143.92"], ["USD", "30.00", "0.00", "30.00"]]


def _lost_job_stops_polling(page: Any) -> None:
    """A job the server no longer knows (restarted, or forgotten) answers 404: the page says so and stops polling."""
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/jobs/gone" in request.url else None)
    page.evaluate(
        """() => {
          const result = document.getElementById("import-result");
          result.insertAdjacentHTML("beforeend", '<div id="import-job" hx-get="/console/microsoft/imports/jobs/gone"'
            + ' hx-trigger="every 200ms" hx-swap="outerHTML" data-lost="lost track of it"></div>');
          htmx.process(result);
        }"""
    )
    expect(page.locator("#import-result p.alert-error")).to_have_text("lost track of it")
    page.wait_for_timeout(600)
    assert len(polls) == 1, polls


def _open_ledger(page: Any, product: str) -> None:
    page.click("nav.subnav >> text=Cost ledger")
    page.select_option("select[name=customer]", label="Contoso GmbH")
    page.fill("input[name=period]", "2024-02")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_selector("h2:has-text('Contoso GmbH')")
    screenshot(page, "microsoft-ledger-contoso")
    rows = page.locator("table.list").first.locator("tbody tr")
    expect(rows).to_have_count(3)
    text = page.inner_text("main")
    for expected in (product, NEW_PRODUCT, "addQuantity", "cycleCharge", "€143.92"):
        assert expected in text, expected


def _upload_again(page: Any, server: LiveServer, path: Path) -> None:
    page.goto(f"{server.url}/console/microsoft/imports")
    before = _batches(server)
    _upload(page, path)
    page.wait_for_selector("#import-summary")
    screenshot(page, "microsoft-import-duplicate")
    summary = page.inner_text("#import-summary")
    assert "already imported" in summary
    assert "nothing added" in summary
    assert _batches(server) == before


def _upload_with_bad_row(page: Any, server: LiveServer, path: Path) -> None:
    before = _batches(server)
    _upload(page, path)
    error = page.locator("#import-result .alert-error")
    error.wait_for()
    screenshot(page, "microsoft-import-bad-row")
    assert "nothing was imported" in error.inner_text()
    cells = error.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[:3] == ["3", "Quantity", "1.5.0"]
    assert cells[3].startswith("bad number")
    assert _batches(server) == before
    assert not _customer_exists(server, STRANGER.tenant)


def _as(browser: Any, server: LiveServer, email: str, landing: str, check: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    try:
        page = context.new_page()
        _sign_in(page, server, email)
        page.wait_for_url(landing)
        check(page, server)
    finally:
        context.close()


def _job_is_hidden(page: Any, server: LiveServer, poll: str, status: int) -> None:
    """Another admin (imports:write, not the owner) finds no such job; roles without the permission are refused."""
    assert page.request.get(f"{server.url}{poll}").status == status


def _sales_agent_reads_but_cannot_upload(page: Any, server: LiveServer) -> None:
    """sales_agent has cost_ledger:read, not imports:write (docs/permissions.md)."""
    page.goto(f"{server.url}/console/microsoft/imports")
    screenshot(page, "microsoft-imports-sales-agent")
    expect(page.locator("h1")).to_have_text("Microsoft bills")
    assert "february-recon.csv" in page.inner_text("main")
    expect(page.locator("#import-form")).to_have_count(0)
    token = page.get_attribute("meta[name=csrf-token]", "content")
    response = page.request.post(
        f"{server.url}/console/microsoft/imports",
        multipart={"file": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"a,b\n"}},
        headers={"X-CSRF-Token": token},
    )
    assert response.status == 403
    assert "imports:write" in response.text(), "refused for the permission, not for the CSRF token"


def _portal_user_sees_no_microsoft_costs(page: Any, server: LiveServer) -> None:
    assert "Microsoft bills" not in page.inner_text("header")
    for path in ("/portal", "/portal/billing"):
        page.goto(f"{server.url}{path}")
        text = page.inner_text("main")
        for cost in (INVOICE, "10.08", "100.80", "143.92"):
            assert cost not in text, (path, cost)
    page.goto(f"{server.url}/portal")
    screenshot(page, "microsoft-portal-no-costs")
    for path in ("/console/microsoft/imports", "/console/microsoft/ledger"):
        assert page.goto(f"{server.url}{path}").status == 403
