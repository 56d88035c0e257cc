"""`cspdesk db`: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from cspdesk.cli_common import DatabaseUrl, console, settings_with
from cspdesk.migrations import runner

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    database_url: DatabaseUrl = None,
    revision: Annotated[str, typer.Argument(help="target revision (default: every head)")] = "heads",
) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    url = settings_with(database_url).database_url
    runner.upgrade(url, revision)
    console.print(f"[green]database at {revision}[/green]")


@db_app.command("downgrade")
def downgrade(
    revision: Annotated[str, typer.Argument(help="target revision, e.g. -1 or base")],
    database_url: DatabaseUrl = None,
) -> None:
    """Migrate the database down to REVISION."""
    runner.downgrade(settings_with(database_url).database_url, revision)
    console.print(f"[green]database at {revision}[/green]")


@db_app.command("current")
def current(database_url: DatabaseUrl = None) -> None:
    """Show the database's current revision."""
    runner.current(settings_with(database_url).database_url)
