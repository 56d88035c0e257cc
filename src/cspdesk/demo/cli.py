"""`cspdesk demo`: migrate, load the demo partner, print the logins, and serve."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer
import uvicorn
from rich.table import Table
from sqlalchemy.orm import Session

from cspdesk.cli_common import DatabaseUrl, console, settings_with
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.demo.data import DEMO_PASSWORD, demo_already_loaded, demo_logins, load_demo
from cspdesk.kit import clock
from cspdesk.kit.storage import storage_for
from cspdesk.migrations import runner

# Each domain adds its part of the demo, in this order: Microsoft bills, invoices and payments, the payment
# policy and dunning, the support desk. A loader takes (session, storage, today) or (session, today).
DOMAIN_LOADERS = (
    ("Microsoft bills (three months of Partner Center files)", "cspdesk.microsoft.demo", "load_microsoft_demo"),
    ("invoices, credit notes and payments", "cspdesk.billing.demo", "load_billing_demo"),
    ("payment policy and dunning", "cspdesk.policy.demo", "load_policy_demo"),
    ("support desk", "cspdesk.support.demo", "load_support_demo"),
    ("two customers whose bills jumped and fell (explain)", "cspdesk.explain.demo", "load_explain_demo"),
)


def _domain_loaders() -> list[tuple[str, Callable[..., Any]]]:
    loaders = []
    for label, module_name, function_name in DOMAIN_LOADERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        loaders.append((label, getattr(module, function_name)))
    return loaders


def _run_loader(loader: Callable[..., Any], session: Session, settings: Settings, today: date) -> None:
    code = loader.__code__
    if "storage" in code.co_varnames[: code.co_argcount]:
        loader(session, storage_for(settings), today)
    else:
        loader(session, today)


def load_everything(database: Database, settings: Settings, today: date) -> None:
    """The base partner first, then each domain in its own transaction, with a line of progress each."""
    with database.unit_of_work() as session:
        load_demo(session, today)
    console.print("[green]✓[/green] staff, customers, subscriptions and portal users")
    for label, loader in _domain_loaders():
        with console.status(f"loading {label}…"), database.unit_of_work() as session:
            _run_loader(loader, session, settings, today)
        console.print(f"[green]✓[/green] {label}")


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
            loaded = demo_already_loaded(session)
        if loaded:
            console.print("[yellow]demo data already loaded; keeping it[/yellow]")
        else:
            load_everything(database, settings, clock.today())
        base_url = f"http://{host}:{port}"
        _print_logins(base_url)
        if not serve:
            database.engine.dispose()
            return
        from cspdesk.app import create_app
        from cspdesk.demo.live import start_demo_services

        running = start_demo_services(database, settings)
        console.print(
            f"Partner Center simulator at {running.settings.partner_center_base_url}; the outbox worker is running; "
            f"emails land in {running.mail_folder}"
        )
        try:
            uvicorn.run(create_app(running.settings, database), host=host, port=port)
        finally:
            running.stop()
            database.engine.dispose()
