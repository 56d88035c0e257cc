"""Browser tests: a real uvicorn server on loopback with its own SQLite database, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from cspdesk.app import create_app
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.demo.data import load_demo
from cspdesk.kit import clock
from cspdesk.migrations import runner

CHROMIUM = os.environ.get("CSPDESK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("CSPDESK_ARTIFACTS", "test-artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(server: uvicorn.Server, deadline_seconds: float) -> None:
    deadline = time.monotonic() + deadline_seconds
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start in time")
        time.sleep(0.05)  # polling a thread's start flag with a deadline, not waiting blindly


@contextmanager
def serve_demo(directory: Path) -> Iterator[LiveServer]:
    """The demo partner served from `directory` (database and stored files), for as long as the block runs."""
    database_url = f"sqlite:///{directory / 'live.sqlite'}"
    runner.upgrade(database_url)
    database = Database.from_url(database_url)
    with database.unit_of_work() as session:
        load_demo(session, clock.today())
    port = _free_port()
    settings = Settings(
        database_url=database_url,
        secret_key="browser-test",
        base_url=f"http://127.0.0.1:{port}",
        data_dir=directory / "data",
    )
    config = uvicorn.Config(create_app(settings, database), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_until_up(server, 20)
    yield LiveServer(f"http://127.0.0.1:{port}", database_url)
    server.should_exit = True
    thread.join(timeout=10)
    database.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if os.environ.get("CI", "").lower() in ("1", "true"):
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
