"""The console upload starts a background import and the page polls it until the summary or the error.

The job commits in a unit of work of its own, so these tests use a committed database of their own (SQLite, or
PostgreSQL under CSPDESK_TEST_DATABASE_URL) rather than the rolled-back test transaction."""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from cspdesk.app import create_app
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.kit import clock
from cspdesk.microsoft.import_jobs import ImportJobs
from cspdesk.microsoft.imports import import_file
from cspdesk.migrations import runner
from cspdesk.models.microsoft import CostLine, ImportBatch
from cspdesk.models.user import WebSession
from tests.conftest import PG_ENV, _drop_database, _worker_database
from tests.helpers import csrf_from
from tests.microsoft.imports.samples import recon_csv, recon_line
from tests.world import World, build_world

POLL = re.compile(r'hx-get="(/console/microsoft/imports/jobs/[^"]+)"')
DEADLINE_SECONDS = 30
RUSSIAN_STAGES = {
    "queued": "В очереди",
    "validate": "Проверка строк",
    "describe": "Подсчёт итогов файла",
    "customers": "Сопоставление клиентов и подписок",
    "ledger": "Запись в журнал затрат",
    "archive": "Архивирование файла",
    "done": "Сохранение",
}


@dataclass(frozen=True)
class Committed:
    url: str
    database: Database
    world: World


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Committed]:
    base = os.environ.get(PG_ENV)
    url = _worker_database(base, f"{worker_id}_jobs") if base else f"sqlite:///{tmp_path_factory.mktemp('jobs')}/j.db"
    runner.upgrade(url)
    database = Database.from_url(url)
    with database.unit_of_work() as session:
        world = build_world(session)
    yield Committed(url, database, world)
    database.engine.dispose()
    if base:
        _drop_database(url)


@pytest.fixture
def uploads_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files (the upload, the import's staging) made while the test runs land here."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def web(committed: Committed, tmp_path: Path, uploads_dir: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=committed.url, secret_key="test-secret", data_dir=tmp_path / "var")
    with TestClient(create_app(settings, committed.database), base_url="http://testserver") as client:
        yield client


def _sign_in(client: TestClient, world: World, role: str) -> str:
    client.cookies.set("cspdesk_session", world.actors[role].cookie)
    return csrf_from(client, "/console/microsoft/imports")


def _file(**overrides: Any) -> bytes:
    invoice = f"G{uuid.uuid4().int % 10**9:09d}"
    line = recon_line(CustomerId=uuid.uuid4(), SubscriptionId=uuid.uuid4(), InvoiceNumber=invoice, **overrides)
    return recon_csv([line]).encode()


def _start(client: TestClient, token: str, content: bytes, name: str = "feb.csv", **options: str) -> str:
    response = client.post(
        "/console/microsoft/imports",
        data={"csrf_token": token, "kind": "auto"} | options,
        files={"file": (name, content, "text/csv")},
    )
    assert response.status_code == 202, response.text
    assert 'id="import-job"' in response.text and "<progress" in response.text
    match = POLL.search(response.text)
    assert match, response.text
    return match.group(1)


def _poll_until_done(client: TestClient, url: str) -> httpx.Response:
    """Poll as the page does; the first answer that does not poll again is the end."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        response: httpx.Response = client.get(url)
        assert response.status_code == 200, response.text
        if not POLL.search(response.text):
            return response
        assert time.monotonic() < deadline, "the import did not finish in time"
        time.sleep(0.05)


def test_upload_answers_at_once_and_the_poll_ends_with_the_summary(
    web: TestClient, committed: Committed, uploads_dir: Path
) -> None:
    token = _sign_in(web, committed.world, "billing_admin")
    url = _start(web, token, _file())
    done = _poll_until_done(web, url)
    assert 'id="import-summary"' in done.text and "imported 1 new rows" in done.text
    assert done.headers["HX-Trigger"] == "imports-changed"
    with committed.database.unit_of_work() as session:
        batch = session.execute(select(ImportBatch).where(ImportBatch.file_name == "feb.csv")).scalars().one()
        lines = session.execute(select(func.count()).where(CostLine.batch_id == batch.id)).scalar_one()
    assert lines == 1, "the job's unit of work was committed"
    assert list(uploads_dir.iterdir()) == [], "the upload and the import's staging files are gone"
    assert "feb.csv" in web.get("/console/microsoft/imports").text


def test_the_stage_is_named_in_the_users_language(web: TestClient, committed: Committed) -> None:
    token = _sign_in(web, committed.world, "billing_admin")
    web.cookies.set("cspdesk_lang", "ru")
    response = web.post(
        "/console/microsoft/imports",
        data={"csrf_token": token, "kind": "auto"},
        files={"file": ("ru.csv", _file(), "text/csv")},
    )
    web.cookies.delete("cspdesk_lang")
    stage = re.search(r'data-stage="([a-z]+)"', response.text)
    label = re.search(r'class="import-stage">([^<]+)<', response.text)
    assert stage and label, response.text
    assert label.group(1) == RUSSIAN_STAGES[stage.group(1)]  # the job may have started already: any stage
    assert 'aria-label="Ход импорта"' in response.text
    match = POLL.search(response.text)
    assert match
    _poll_until_done(web, match.group(1))


def test_the_forms_options_reach_the_import(web: TestClient, committed: Committed) -> None:
    token = _sign_in(web, committed.world, "billing_admin")
    dry = _poll_until_done(web, _start(web, token, _file(), "dry.csv", dry_run="1"))
    assert "dry run: 1 valid rows; nothing was written" in dry.text
    skipped = _poll_until_done(web, _start(web, token, _file(Total="abc"), "skip.csv", skip_invalid="1"))
    assert 'id="import-summary"' in skipped.text and "Rejected 1" in skipped.text
    with committed.database.unit_of_work() as session:
        names = set(session.execute(select(ImportBatch.file_name)).scalars())
    assert "dry.csv" not in names and "skip.csv" in names


def test_a_bad_file_ends_with_the_rows_line_column_and_reason(web: TestClient, committed: Committed) -> None:
    token = _sign_in(web, committed.world, "billing_admin")
    done = _poll_until_done(web, _start(web, token, _file(Total="abc"), "bad.csv"))
    assert "alert-error" in done.text and "nothing was imported" in done.text
    cells = re.findall(r"<td>([^<]*)</td>", done.text)
    assert cells[:3] == ["2", "Total", "abc"]
    assert "HX-Trigger" not in done.headers


def test_an_unreadable_file_ends_with_its_error(web: TestClient, committed: Committed) -> None:
    token = _sign_in(web, committed.world, "billing_admin")
    done = _poll_until_done(web, _start(web, token, b"", "empty.csv"))
    assert "alert-error" in done.text and "empty.csv" in done.text


def test_only_the_user_who_started_the_job_can_follow_it(web: TestClient, committed: Committed) -> None:
    world = committed.world
    token = _sign_in(web, world, "billing_admin")
    url = _start(web, token, _file())
    for role, status in (("global_admin", 404), ("sales_agent", 403), ("customer_admin", 403)):
        web.cookies.set("cspdesk_session", world.actors[role].cookie)
        assert web.get(url).status_code == status, role
    web.cookies.set("cspdesk_session", world.actors["billing_admin"].cookie)
    _poll_until_done(web, url)
    web.cookies.set("cspdesk_session", world.actors["global_admin"].cookie)
    assert web.get(url).status_code == 404


def _sqlite_writer_free(url: str) -> bool:
    """Whether another connection could take SQLite's one write lock right now (without waiting)."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def _sqlite_commit_elsewhere(url: str) -> bool:
    """Commit a write (one that changes a page) from another connection, without waiting; False if locked out."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        connection.execute("UPDATE alembic_version SET version_num = version_num")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def test_the_upload_request_holds_no_write_lock_when_the_job_starts(
    web: TestClient, committed: Committed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signing in stamps an idle web session, a write; on SQLite (one writer) the job must not find it locked."""
    if not committed.url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock")
    world = committed.world
    token = _sign_in(web, world, "billing_admin")
    admin = WebSession.user_id == world.actors["billing_admin"].user_id
    with committed.database.unit_of_work() as session:
        session.execute(update(WebSession).where(admin).values(last_seen_at=clock.now() - timedelta(minutes=5)))
    writer_free: list[bool] = []
    start = ImportJobs.start

    def probing_start(self: ImportJobs, *args: Any) -> Any:
        writer_free.append(_sqlite_writer_free(committed.url))
        return start(self, *args)

    monkeypatch.setattr(ImportJobs, "start", probing_start)
    done = _poll_until_done(web, _start(web, token, _file(), "stamped.csv"))
    assert writer_free == [True]
    assert "imported 1 new rows" in done.text
    with committed.database.unit_of_work() as session:
        seen = session.execute(select(WebSession.last_seen_at).where(admin)).scalar_one()
    assert seen > clock.now() - timedelta(minutes=1), "the request did stamp the session (and committed it)"


def test_on_sqlite_the_import_holds_the_write_lock_so_another_writer_cannot_spoil_it(
    web: TestClient, committed: Committed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a commit by another connection between the import's first read and its first write would make that
    write fail ("database is locked"); the job's transaction takes the write lock first, so the other writer waits."""
    if not committed.url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock")
    other_writer: list[str] = []

    def gated(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def report(stage: str, fraction: float) -> None:
            if stage == "describe":  # the import has read (is the file new?) and is about to write
                other_writer.append("committed" if _sqlite_commit_elsewhere(committed.url) else "locked out")
            progress(stage, fraction)

        return import_file(*args, progress=report, **kwargs)

    monkeypatch.setattr("cspdesk.microsoft.views.import_file", gated)
    token = _sign_in(web, committed.world, "billing_admin")
    done = _poll_until_done(web, _start(web, token, _file(), "contended.csv"))
    assert other_writer == ["locked out"]
    assert "imported 1 new rows" in done.text
