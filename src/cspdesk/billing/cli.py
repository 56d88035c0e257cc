"""`cspdesk invoices run --period 2026-10 [--dry-run]`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing.runs import run_invoices
from cspdesk.cli_common import DatabaseUrl, console, settings_with, unit_of_work

invoices_app = typer.Typer(help="Customer invoices.", no_args_is_help=True)


@invoices_app.command("run")
def run(
    period: Annotated[str, typer.Option("--period", help="YYYY-MM")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="compute and report, write nothing")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Make one draft per customer for the period; re-running continues where a crashed run stopped."""
    settings = settings_with(database_url)
    with unit_of_work(database_url) as session:
        result = run_invoices(session, SYSTEM, settings, period, dry_run=dry_run, checkpoint=session.commit)
    table = Table("customers", "drafts", "already invoiced", "nothing to bill", "failed")
    table.add_row(*(str(v) for v in (result.customers, result.created, result.existing, result.empty, result.failed)))
    console.print(table)
    for currency, total in sorted(result.totals.items()):
        console.print(f"total {currency}: {total} minor units")
    for error in result.errors:
        console.print(f"[red]{error['customer']}[/red]: {error['error']}")


def register(app: typer.Typer) -> None:
    app.add_typer(invoices_app, name="invoices")
