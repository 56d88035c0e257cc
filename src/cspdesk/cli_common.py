"""Shared pieces for CLI commands: the console, the --database-url option, the unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from cspdesk.config import Settings, get_settings
from cspdesk.db import Database
from cspdesk.kit.errors import AppError

console = Console()
err_console = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar="CSPDESK_DATABASE_URL", help="SQLAlchemy URL; default from settings"),
]


def settings_with(database_url: str | None) -> Settings:
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


@contextmanager
def unit_of_work(database_url: str | None) -> Iterator[Session]:
    """A CLI command is a boundary: one transaction, and a clear message instead of a traceback for AppErrors."""
    database = Database.from_url(settings_with(database_url).database_url)
    try:
        with database.unit_of_work() as session:
            yield session
    except AppError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        for detail in exc.details:
            err_console.print(f"  {detail.get('field', '')}: {detail.get('message', '')}")
        raise typer.Exit(2) from exc
    finally:
        database.engine.dispose()
