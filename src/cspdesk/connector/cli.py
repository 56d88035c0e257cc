"""`cspdesk pc-simulator` and `cspdesk partner-center sync`."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from cspdesk.cli_common import DatabaseUrl, console, err_console, settings_with, unit_of_work
from cspdesk.connector.client import client_from_settings
from cspdesk.connector.sync import sync_from_partner_center

pc_app = typer.Typer(help="Partner Center: import customers and subscriptions.", no_args_is_help=True)


def pc_simulator(
    port: Annotated[int, typer.Option(help="loopback port")] = 8765,
    fault_rate: Annotated[int, typer.Option(help="percent of calls that fail at random")] = 0,
) -> None:
    """Serve the Partner Center simulator with demo data on 127.0.0.1 until interrupted."""
    from cspdesk.microsoft.partner_center.simulator import (
        DEFAULT_SIM_TOKEN,
        SimulatorState,
        run_simulator_in_thread,
        seed_demo_state,
    )

    state = SimulatorState()
    seed_demo_state(state)
    state.faults.configure(rate_percent=fault_rate)
    base_url, stop = run_simulator_in_thread(state, port=port)
    console.print(f"Partner Center simulator at {base_url}")
    console.print(
        f"Point cspdesk at it: CSPDESK_PARTNER_CENTER_BASE_URL={base_url} "
        f"CSPDESK_PARTNER_CENTER_STATIC_TOKEN={DEFAULT_SIM_TOKEN}"
    )
    try:
        threading.Event().wait()
    finally:
        stop()


@pc_app.command("sync")
def sync(
    country: Annotated[
        str, typer.Option(help="country for new customers (Partner Center lists none); reviewed later")
    ] = "US",
    currency: Annotated[str, typer.Option(help="billing currency for new customers; reviewed later")] = "USD",
    database_url: DatabaseUrl = None,
) -> None:
    """Import customers and subscriptions from Partner Center, following every page."""
    client = client_from_settings(settings_with(database_url))
    if client is None:
        err_console.print("[red]error:[/red] no Partner Center credentials are configured (manual mode)")
        raise typer.Exit(2)
    with client, unit_of_work(database_url) as session:
        report = sync_from_partner_center(session, client, country=country, currency=currency)
    console.print(
        f"customers: {report.customers_seen} seen, {report.customers_created} new; "
        f"subscriptions: {report.subscriptions_created} new, {report.subscriptions_updated} updated"
    )
    for line in report.skipped:
        console.print(f"[yellow]skipped[/yellow] {line}")


def register(app: typer.Typer) -> None:
    app.command("pc-simulator")(pc_simulator)
    app.add_typer(pc_app, name="partner-center")
