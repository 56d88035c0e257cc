"""`cspdesk dunning run|forecast` and `cspdesk policy show|publish|versions`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cspdesk.auth.principal import SYSTEM
from cspdesk.cli_common import DatabaseUrl, console, settings_with, unit_of_work
from cspdesk.db import Database
from cspdesk.kit import clock
from cspdesk.kit.money import format_money
from cspdesk.policy import service
from cspdesk.policy.engine import RunReport, run_daily, run_dunning
from cspdesk.policy.engine.run import customers_named
from cspdesk.policy.forecast import forecast_events

dunning_app = typer.Typer(
    help="The dunning engine: run the payment policy, forecast what it will do.", no_args_is_help=True
)
policy_app = typer.Typer(help="The published payment policy and its versions.", no_args_is_help=True)

DateOption = Annotated[str | None, typer.Option("--date", help="the day to run for, YYYY-MM-DD (default: today)")]


def _day(text: str | None) -> date:
    return date.fromisoformat(text) if text else clock.today()


def _print_report(report: RunReport) -> None:
    table = Table("date", "customer", "invoice", "step", "action")
    for action in report.actions:
        table.add_row(
            action.day.isoformat(), action.customer_name, action.invoice_number, action.step_key, action.action
        )
    console.print(table)
    prefix = "dry run: would take" if report.dry_run else "took"
    console.print(
        f"{prefix} {len(report.actions)} step(s) for {report.customers_considered} customer(s); "
        f"{report.reactivated} reactivation(s)"
    )
    for error in report.errors:
        console.print(f"[red]{error}[/red]")


@dunning_app.command("run")
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be done, change nothing")] = False,
    day: DateOption = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Move every customer with a step due along the policy (idempotent: a second run changes nothing)."""
    today = _day(day)
    if dry_run:
        with unit_of_work(database_url) as session:
            _print_report(run_dunning(session, today, dry_run=True))
        return
    database = Database.from_url(settings_with(database_url).database_url)
    try:
        _print_report(run_daily(database, today))
    finally:
        database.engine.dispose()


@dunning_app.command("forecast")
def forecast_command(
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="how many days ahead")] = 30,
    customer: Annotated[list[str] | None, typer.Option("--customer", help="customer name or id (repeatable)")] = None,
    day: DateOption = None,
    database_url: DatabaseUrl = None,
) -> None:
    """What the policy will do in the next N days if nothing is paid."""
    today = _day(day)
    with unit_of_work(database_url) as session:
        ids = customers_named(session, customer) if customer else None
        events = forecast_events(session, today, days, ids)
        table = Table("date", "customer", "invoice", "step", "action", "fee")
        for event in events:
            fee = format_money(event.fee_minor, event.currency) if event.fee_minor else ""
            table.add_row(
                event.day.isoformat(), event.customer_name, event.invoice_number, event.step_key, event.action, fee
            )
        console.print(table)
        console.print(f"{len(events)} step(s) in the next {days} day(s)")


@policy_app.command("show")
def show(database_url: DatabaseUrl = None) -> None:
    """Print the policy in force as YAML."""
    with unit_of_work(database_url) as session:
        version = service.current_version(session)
        if version is None:
            console.print("no policy published yet")
            return
        console.print(
            f"# version {version.version}, published {version.published_at:%Y-%m-%d} by {version.published_by}"
        )
        console.print(version.yaml_text, markup=False, highlight=False)


@policy_app.command("publish")
def publish(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the policy YAML file")],
    note: Annotated[str, typer.Option(help="why it changed")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Validate a YAML policy and publish it as the next version."""
    with unit_of_work(database_url) as session:
        version = service.publish(session, SYSTEM, path.read_text(encoding="utf-8"), note=note)
        console.print(f"published version {version.version}: {version.name}")


@policy_app.command("versions")
def versions(database_url: DatabaseUrl = None) -> None:
    """List the published versions, newest (in force) first."""
    with unit_of_work(database_url) as session:
        table = Table("version", "name", "published", "by")
        for version in service.all_versions(session):
            table.add_row(
                str(version.version), version.name, f"{version.published_at:%Y-%m-%d %H:%M}", version.published_by
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(dunning_app, name="dunning")
    app.add_typer(policy_app, name="policy")
