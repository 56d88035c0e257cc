"""`cspdesk worker` and `cspdesk outbox`."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from cspdesk.auth.principal import SYSTEM
from cspdesk.cli_common import DatabaseUrl, console, settings_with, unit_of_work
from cspdesk.db import Database
from cspdesk.jobs import registry, repository, service
from cspdesk.jobs.worker import BeforeCommitHook, Worker
from cspdesk.models.outbox import OutboxMessage

outbox_app = typer.Typer(help="The outbox: list, retry.", no_args_is_help=True)
CRASH_ENV = "CSPDESK_WORKER_CRASH_AFTER"


def _crash_hook() -> BeforeCommitHook | None:
    """For crash tests: exit like kill -9 after N messages were acted on but before their "done" committed."""
    limit = int(os.environ.get(CRASH_ENV, "0") or 0)
    if limit <= 0:
        return None
    handled = [0]

    def hook(_message: OutboxMessage) -> None:
        handled[0] += 1
        if handled[0] >= limit:
            os._exit(137)

    return hook


def _pending(database: Database) -> int:
    with database.unit_of_work() as session:
        stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        return int(session.execute(stmt).scalar_one())


def _drain_fully(worker: Worker, max_seconds: float) -> int:
    """Loop until no message is pending (waiting out leases and backoff), or `max_seconds` passed."""
    deadline = time.monotonic() + max_seconds
    handled = 0
    while time.monotonic() < deadline:
        handled += len(worker.run_once())
        if _pending(worker.database) == 0:
            break
        time.sleep(min(worker.settings.worker_poll_seconds, max(0.0, deadline - time.monotonic())))
    return handled


def worker_command(
    once: Annotated[bool, typer.Option("--once", help="run due schedules and due messages once, then exit")] = False,
    until_drained: Annotated[
        bool, typer.Option("--until-drained", help="keep going until no message is pending, then exit")
    ] = False,
    max_seconds: Annotated[float, typer.Option(help="with --until-drained: give up after this long")] = 600.0,
    database_url: DatabaseUrl = None,
) -> None:
    """Carry out outbox messages after commit and run the daily schedules."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_with(database_url)
    database = Database.from_url(settings.database_url)
    worker = Worker(database, settings, before_commit=_crash_hook())
    try:
        if once or until_drained:
            handled = _drain_fully(worker, max_seconds) if until_drained else len(worker.run_once())
            console.print(f"handled {handled} message(s); {_pending(database)} pending")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        console.print(f"worker {worker.worker_id} running; handlers: {', '.join(sorted(registry.handlers()))}")
        worker.run_forever(stop)
    finally:
        worker.resources.close()
        database.engine.dispose()


@outbox_app.command("list")
def list_messages(
    status: Annotated[str, typer.Option(help="pending | done | failed | cancelled")] = "",
    kind: Annotated[str, typer.Option(help="e.g. email.send, pc.subscription_status")] = "",
    limit: Annotated[int, typer.Option(help="rows to show")] = 50,
    database_url: DatabaseUrl = None,
) -> None:
    """List outbox messages, newest first, with their last error."""
    with unit_of_work(database_url) as session:
        table = Table("id", "kind", "key", "status", "attempts", "next attempt (UTC)", "last error / result")
        stmt = repository.readable_messages(SYSTEM, status=status, kind=kind).limit(limit)
        for message in session.execute(stmt).scalars():
            table.add_row(
                str(message.id),
                message.kind,
                message.idempotency_key,
                message.status,
                f"{message.attempts}/{message.max_attempts}",
                message.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S"),
                message.last_error or message.result,
            )
        console.print(table)


@outbox_app.command("retry")
def retry(message_id: uuid.UUID, database_url: DatabaseUrl = None) -> None:
    """Run a failed message again now (same idempotency key)."""
    with unit_of_work(database_url) as session:
        message = service.retry_message(session, SYSTEM, message_id)
        console.print(f"{message.kind} {message.idempotency_key}: pending again ({message.max_attempts} attempts)")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)
    app.add_typer(outbox_app, name="outbox")
