"""`cspdesk tickets`: auto-close, SLA scan, email intake (IMAP poll, SMTP listener), escalation sync."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from cspdesk.auth.principal import SYSTEM
from cspdesk.cli_common import DatabaseUrl, console, settings_with, unit_of_work
from cspdesk.db import Database
from cspdesk.kit import clock
from cspdesk.kit.storage import storage_for
from cspdesk.support import escalations, mailbox, sla_scan, tickets

tickets_app = typer.Typer(help="Support tickets: scheduled work and email intake.", no_args_is_help=True)
DryRun = Annotated[bool, typer.Option("--dry-run", help="show what would be done, change nothing")]


@tickets_app.command("autoclose")
def autoclose(dry_run: DryRun = False, database_url: DatabaseUrl = None) -> None:
    """Close tickets resolved N days ago (CSPDESK_SUPPORT_AUTOCLOSE_DAYS) without a reply from the customer."""
    days = settings_with(database_url).support_autoclose_days
    with unit_of_work(database_url) as session:
        done = tickets.autoclose(session, SYSTEM, days, dry_run=dry_run)
        for ticket in done:
            console.print(f"{'would close' if dry_run else 'closed'} {ticket.display_number} {ticket.subject}")
        console.print(f"{len(done)} ticket(s)")


@tickets_app.command("sla-scan")
def scan(dry_run: DryRun = False, database_url: DatabaseUrl = None) -> None:
    """Enqueue SLA warnings and escalation-rule actions (notify, raise priority) for tickets near or past due."""
    with unit_of_work(database_url) as session:
        planned = sla_scan.scan(session, clock.now(), dry_run=dry_run)
        for action in planned:
            console.print(f"T-{action.ticket_number:06d} {action.rule.when}: {action.rule.action}")
        console.print(f"{len(planned)} action(s){' (dry run)' if dry_run else ''}")


def _desk_factory(database_url: str | None) -> mailbox.DeskFactory:
    settings = settings_with(database_url)
    return lambda: tickets.Desk(settings, storage_for(settings))


@tickets_app.command("poll-imap")
def poll_imap(database_url: DatabaseUrl = None) -> None:
    """Read unseen messages from the support mailbox (CSPDESK_SUPPORT_IMAP_*) into tickets."""
    settings = settings_with(database_url)
    if not (settings.support_imap_host and settings.support_imap_user and settings.support_imap_password):
        console.print("set CSPDESK_SUPPORT_IMAP_HOST, _USER and _PASSWORD")
        raise typer.Exit(2)
    database = Database.from_url(settings.database_url)
    connection = mailbox.imap_connect(
        settings.support_imap_host, settings.support_imap_user, settings.support_imap_password
    )
    try:
        results = mailbox.poll(connection, settings.support_imap_folder, database, _desk_factory(database_url))
    finally:
        connection.logout()
        database.engine.dispose()
    for result in results:
        console.print(f"{result.action} {result.ticket_number or ''} {result.reason}")


@tickets_app.command("smtp-listen")
def smtp_listen(host: str = "127.0.0.1", database_url: DatabaseUrl = None) -> None:
    """Accept support email over SMTP on CSPDESK_SUPPORT_SMTP_LISTEN_PORT until interrupted."""
    settings = settings_with(database_url)
    database = Database.from_url(settings.database_url)
    controller, _ = mailbox.smtp_listener(
        database, _desk_factory(database_url), host, settings.support_smtp_listen_port
    )
    controller.start()
    console.print(f"listening on {host}:{settings.support_smtp_listen_port}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
        database.engine.dispose()


@tickets_app.command("sync-escalations")
def sync_escalations(
    base_url: Annotated[str, typer.Option(help="Partner Center API base URL (ending in /v1)")],
    token: Annotated[str, typer.Option(envvar="CSPDESK_PARTNER_CENTER_TOKEN", help="bearer token")],
    database_url: DatabaseUrl = None,
) -> None:
    """Pull status and notes of every open escalation's Partner Center service request."""
    from cspdesk.microsoft.partner_center import PartnerCenterClient, StaticTokenProvider

    with PartnerCenterClient(base_url, StaticTokenProvider(token)) as client, unit_of_work(database_url) as session:
        for escalation in escalations.open_with_case_number(session):
            outcome = escalations.sync(session, SYSTEM, escalation.id, client)
            console.print(f"{outcome.escalation.microsoft_case_number}: {outcome.summary}")


def register(app: typer.Typer) -> None:
    app.add_typer(tickets_app, name="tickets")
