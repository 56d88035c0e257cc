"""The boundaries: CLI commands and the JSON API (the console upload runs as a job: tests/microsoft/import_jobs)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cspdesk.cli import app as cli_app
from cspdesk.migrations import runner
from cspdesk.models.microsoft import CostLine, ImportBatch
from tests.helpers import web_login
from tests.microsoft.imports.samples import recon_csv, recon_line, write
from tests.world import PASSWORD, World

TENANT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner.upgrade(url)
    monkeypatch.setenv("CSPDESK_DATA_DIR", str(tmp_path / "var"))
    return url


def test_cli_import_twice_then_payables_pay_and_reconcile(cli_db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", recon_csv([recon_line(CustomerId=TENANT)]))
    cli = CliRunner()
    first = cli.invoke(cli_app, ["import", str(path), "--database-url", cli_db])
    assert first.exit_code == 0, first.output
    assert "imported 1 new rows" in first.output and "new customer (to review): Contoso GmbH" in first.output
    second = cli.invoke(cli_app, ["import", str(path), "--database-url", cli_db])
    assert "already imported" in second.output
    payables = cli.invoke(cli_app, ["payables", "--days", "100000", "--database-url", cli_db])
    assert "G000012345" in payables.output
    paid = cli.invoke(
        cli_app,
        [
            "microsoft-invoices",
            "pay",
            "G000012345",
            "--amount",
            "100.80",
            "--currency",
            "EUR",
            "--database-url",
            cli_db,
        ],
    )
    assert "recorded €100.80" in paid.output
    reconciled = cli.invoke(cli_app, ["reconcile", "G000012345", "--database-url", cli_db])
    assert "balanced" in reconciled.output


def test_cli_refuses_a_bad_file_with_line_and_column(cli_db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", recon_csv([recon_line(Total="abc")]))
    result = CliRunner().invoke(cli_app, ["import", str(path), "--database-url", cli_db])
    assert result.exit_code == 2
    assert "nothing was imported" in result.output and "line 2 Total" in result.output


def test_cli_add_invoice_by_hand(cli_db: str) -> None:
    args = [
        "microsoft-invoices",
        "add",
        "G999",
        "--date",
        "2026-03-06",
        "--total",
        "EUR:1209.60",
        "--database-url",
        cli_db,
    ]
    result = CliRunner().invoke(cli_app, args)
    assert "registered G999, due 2026-05-05" in result.output


def _bearer(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.actors[role].token}"}


def test_api_upload_as_csv_body(client: TestClient, world: World, session: Session) -> None:
    body = recon_csv([recon_line(CustomerId=TENANT, SubscriptionId=str(uuid.uuid4()))]).encode()
    headers = _bearer(world, "billing_admin") | {"Content-Type": "text/csv"}
    response = client.post("/api/imports?file_name=feb.csv", content=body, headers=headers)
    assert response.status_code == 201, response.text
    assert (response.json()["new_rows"], response.json()["file_name"]) == (1, "feb.csv")
    again = client.post("/api/imports?file_name=feb.csv", content=body, headers=headers)
    assert again.json()["status"] == "duplicate_file"
    assert web_login(client, world.actors["billing_admin"].email, PASSWORD) == 303
    listed = client.get("/console/microsoft/imports").text
    assert "feb.csv" in listed and "February 2026</td>" in listed  # the month, not the first charge date twice


def test_api_refuses_uploads_over_the_limit(client: TestClient, world: World, app: object) -> None:
    app.state.settings = app.state.settings.model_copy(update={"upload_max_bytes": 10})  # type: ignore[attr-defined]
    headers = _bearer(world, "billing_admin") | {"Content-Type": "text/csv"}
    response = client.post("/api/imports", content=b"x" * 100, headers=headers)
    assert response.status_code == 413 and "upload limit" in response.json()["message"]


def test_api_bad_file_is_422_with_row_details(client: TestClient, world: World) -> None:
    headers = _bearer(world, "billing_admin") | {"Content-Type": "text/csv"}
    response = client.post("/api/imports", content=recon_csv([recon_line(Currency="EURO")]).encode(), headers=headers)
    assert response.status_code == 422
    detail = response.json()["details"][0]
    assert (detail["line"], detail["column"], detail["value"]) == (2, "Currency", "EURO")


def test_portal_users_never_see_microsoft_costs(client: TestClient, world: World) -> None:
    response = client.get(f"/api/cost-ledger/{world.customer_a}", headers=_bearer(world, "customer_admin"))
    assert response.status_code == 403


@pytest.mark.postgres
def test_concurrent_imports_of_the_same_file_import_it_once(engine: object, tmp_path: Path) -> None:
    """Two real connections in separate committed transactions; the unique sha256 makes the second wait, then lose."""
    import threading

    from cspdesk.auth.principal import SYSTEM
    from cspdesk.db import Database
    from cspdesk.kit.storage import LocalStorage
    from cspdesk.microsoft.imports import import_file

    database = Database(engine)  # type: ignore[arg-type]
    tenant = str(uuid.uuid4())
    path = write(tmp_path / "same.csv", recon_csv([recon_line(CustomerId=tenant, SubscriptionId=str(uuid.uuid4()))]))
    statuses: list[str] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with database.unit_of_work() as session:
            barrier.wait(timeout=30)
            statuses.append(import_file(session, SYSTEM, LocalStorage(tmp_path / "s"), path).status)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert sorted(statuses) == ["duplicate_file", "imported"]
        with database.unit_of_work() as session:
            sha_batches = session.execute(
                select(func.count()).select_from(ImportBatch).where(ImportBatch.file_name == "same.csv")
            )
            assert sha_batches.scalar_one() == 1
            assert (
                session.execute(select(func.count()).select_from(CostLine).where(CostLine.line_no == 2)).scalar_one()
                >= 1
            )
    finally:
        with database.unit_of_work() as session:
            session.execute(text("DELETE FROM import_batches WHERE file_name = 'same.csv'"))
            session.execute(text("DELETE FROM customers WHERE tenant_id = :t"), {"t": uuid.UUID(tenant)})
            session.execute(text("DELETE FROM microsoft_invoices WHERE number = 'G000012345'"))
    _ = create_engine
