"""`cspdesk demo`: migrate, load the demo partner, print the logins, and serve."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from cspdesk.cli_common import DatabaseUrl, console, settings_with
from cspdesk.db import Database
from cspdesk.demo.data import DEMO_PASSWORD, demo_already_loaded, demo_logins, load_demo
from cspdesk.kit import clock
from cspdesk.migrations import runner


def _print_logins(base_url: str) -> None:
    table = Table(title=f"cspdesk demo on {base_url}  (password for every login: {DEMO_PASSWORD})")
    table.add_column("email")
    table.add_column("roles")
    table.add_column("where")
    for login in demo_logins():
        table.add_row(login.email, login.roles, login.note)
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        database_url: DatabaseUrl = None,
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port")] = 8000,
        serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve after loading")] = True,
    ) -> None:
        """Migrate the database, load the demo partner (once), print the logins and serve on HOST:PORT."""
        settings = settings_with(database_url)
        runner.upgrade(settings.database_url)
        database = Database.from_url(settings.database_url)
        with database.unit_of_work() as session:
            if demo_already_loaded(session):
                console.print("[yellow]demo data already loaded; keeping it[/yellow]")
            else:
                with console.status("loading demo data…"):
                    load_demo(session, clock.today())
                console.print("[green]demo data loaded[/green]")
        database.engine.dispose()
        base_url = f"http://{host}:{port}"
        _print_logins(base_url)
        if serve:
            from cspdesk.app import create_app

            uvicorn.run(create_app(settings), host=host, port=port)
