"""`cspdesk import`, `cspdesk payables`, `cspdesk microsoft-invoices add/pay`, `cspdesk reconcile`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cspdesk.auth.principal import SYSTEM
from cspdesk.cli_common import DatabaseUrl, console, err_console, settings_with, unit_of_work
from cspdesk.kit import clock
from cspdesk.kit.errors import NotFound
from cspdesk.kit.money import format_money
from cspdesk.kit.storage import storage_for
from cspdesk.microsoft.imports import ImportSummary, import_file
from cspdesk.microsoft.payables import queries, service
from cspdesk.microsoft.schemas import AmountIn, MicrosoftInvoiceIn, MicrosoftPaymentIn

invoices_app = typer.Typer(
    help="Microsoft invoices: register by hand, record payments to Microsoft.", no_args_is_help=True
)
KINDS = ("auto", "nce-recon", "daily-usage", "legacy-license")


@contextmanager
def _progress_bar() -> Iterator[Progress]:
    columns = (
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        yield bar


SHOWN = 10


def _print_some(label: str, items: list[str]) -> None:
    """The first few, then a count: a first import can discover thousands of subscriptions."""
    for item in items[:SHOWN]:
        console.print(f"{label}: {item}")
    if len(items) > SHOWN:
        console.print(
            f"… and {len(items) - SHOWN} more ({len(items)} in all); see `cspdesk customers list --needs-review`"
        )


def print_summary(summary: ImportSummary) -> None:
    state = "billed" if summary.billed else "unbilled"
    console.print(f"[bold]{summary.file_name}[/bold] ({summary.kind}, {state}): {summary.message}")
    console.print(
        f"rows {summary.rows} · valid {summary.valid_rows} · new {summary.new_rows} · already imported "
        f"{summary.already_imported_rows} · rejected {summary.rejected_rows} · customers {summary.customers} · "
        f"subscriptions {summary.subscriptions}"
    )
    table = Table("currency", "charge type", "amount")
    for currency, by_type in summary.totals_by_charge_type.items():
        for charge_type, amount in by_type.items():
            table.add_row(currency, charge_type, format(amount.normalize(), "f"))
    console.print(table)
    _print_some("new customer (to review)", [f"{c['name']} {c['tenant_id']}" for c in summary.new_customers])
    _print_some(
        "new subscription (to review)", [f"{s['product_name']} {s['microsoft_id']}" for s in summary.new_subscriptions]
    )
    for reason, count in summary.rejected_reasons.items():
        console.print(f"[yellow]rejected[/yellow] {count} × {reason}")
    if summary.rejects_path:
        console.print(f"rejected rows written to {summary.rejects_path}")


def _import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Partner Center CSV file")],
    kind: Annotated[str, typer.Option(help="auto | nce-recon | daily-usage | legacy-license")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and summarise, write nothing")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="import valid rows, write the rest to --rejects")
    ] = False,
    rejects: Annotated[Path | None, typer.Option(help="rejects CSV (default FILE.rejects.csv)")] = None,
    invoice_number: Annotated[str | None, typer.Option(help="invoice number for legacy files")] = None,
    invoice_date: Annotated[
        str | None, typer.Option(help="Microsoft invoice date YYYY-MM-DD (default: day after period)")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Import a Partner Center file into the cost ledger (one transaction; the same file twice adds nothing)."""
    if kind not in KINDS:
        raise typer.BadParameter(f"--kind must be one of {', '.join(KINDS)}")
    settings = settings_with(database_url)
    rejects_path = rejects or (file.with_name(file.name + ".rejects.csv") if skip_invalid else None)
    with unit_of_work(database_url) as session, _progress_bar() as bar:
        task = bar.add_task("import", total=1.0)
        summary = import_file(
            session,
            SYSTEM,
            storage_for(settings),
            file,
            kind=kind,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=lambda stage, done: bar.update(task, description=stage, completed=done),
            rejects_path=rejects_path,
            invoice_number=invoice_number,
            invoice_date=date.fromisoformat(invoice_date) if invoice_date else None,
            terms_days=settings.microsoft_payment_terms_days,
        )
    print_summary(summary)


def _payables(
    days: Annotated[int, typer.Option(help="show what falls due within this many days")] = 30,
    database_url: DatabaseUrl = None,
) -> None:
    """What is owed to Microsoft: due dates, overdue invoices and warnings before due dates."""
    settings = settings_with(database_url)
    with unit_of_work(database_url) as session:
        report = queries.payables(
            session, SYSTEM, clock.today(), horizon_days=days, warning_days=settings.payables_warning_days
        )
        table = Table("invoice", "due", "currency", "total", "paid", "outstanding", "state")
        for item in report.items:
            if item.outstanding_minor > 0 and (item.days_to_due <= days or item.state != "open"):
                table.add_row(
                    item.invoice.number,
                    str(item.invoice.due_date),
                    item.currency,
                    format_money(item.total_minor, item.currency),
                    format_money(item.paid_minor, item.currency),
                    format_money(item.outstanding_minor, item.currency),
                    item.warning or item.state,
                )
        console.print(table)
        for currency, minor in sorted(report.overdue.items()):
            console.print(f"[red]overdue[/red] {format_money(minor, currency)}")
        for currency, minor in sorted(report.due_within_horizon.items()):
            console.print(f"due within {days} days: {format_money(minor, currency)}")


def _reconcile(
    number: Annotated[str, typer.Argument(help="Microsoft invoice number")], database_url: DatabaseUrl = None
) -> None:
    """Compare a Microsoft invoice's total with the sum of its reconciliation lines."""
    with unit_of_work(database_url) as session:
        invoice = service.invoice_by_number(session, number)
        if invoice is None:
            raise NotFound(f"Microsoft invoice {number} is not registered")
        result = queries.reconcile(session, SYSTEM, invoice)
        table = Table("currency", "invoice total", "lines total", "difference", "lines")
        for check in result.currencies:
            table.add_row(
                check.currency,
                format_money(check.invoice_total_minor, check.currency),
                format_money(check.lines_total_minor, check.currency),
                format_money(check.difference_minor, check.currency),
                str(check.line_count),
            )
        console.print(table)
        for mismatch in result.mismatches:
            line = mismatch.line
            console.print(
                f"line {line.line_no} {line.charge_type}: subtotal {format_money(line.subtotal_minor, line.currency)}, "
                f"formula gives {format_money(mismatch.expected_subtotal_minor, line.currency)}"
            )
        console.print("[green]balanced[/green]" if result.balanced else "[red]differences found[/red]")


def _parse_total(text: str) -> AmountIn:
    currency, _, amount = text.partition(":")
    if not amount:
        raise typer.BadParameter(f"{text!r}: expected CURRENCY:AMOUNT, e.g. EUR:1209.60")
    return AmountIn(currency=currency, amount=Decimal(amount))


@invoices_app.command("add")
def add_invoice(
    number: Annotated[str, typer.Argument(help="invoice number, e.g. G012345678")],
    invoice_date: Annotated[str, typer.Option("--date", help="invoice date YYYY-MM-DD")],
    total: Annotated[list[str], typer.Option(help="CURRENCY:AMOUNT, repeat per currency")],
    due: Annotated[str | None, typer.Option(help="due date (default: invoice date + payment terms)")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Register a Microsoft invoice by hand."""
    settings = settings_with(database_url)
    data = MicrosoftInvoiceIn(
        number=number,
        invoice_date=date.fromisoformat(invoice_date),
        totals=[_parse_total(t) for t in total],
        due_date=date.fromisoformat(due) if due else None,
    )
    with unit_of_work(database_url) as session:
        invoice = service.register_invoice(session, SYSTEM, data, terms_days=settings.microsoft_payment_terms_days)
        console.print(f"registered {invoice.number}, due {invoice.due_date}")


@invoices_app.command("pay")
def pay_invoice(
    number: Annotated[str, typer.Argument(help="invoice number")],
    amount: Annotated[str, typer.Option(help="amount paid, e.g. 1209.60")],
    currency: Annotated[str, typer.Option(help="currency of the payment")],
    paid_date: Annotated[str | None, typer.Option("--date", help="payment date (default today)")] = None,
    reference: Annotated[str, typer.Option(help="bank reference")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Record a payment made to Microsoft."""
    data = MicrosoftPaymentIn(
        paid_date=date.fromisoformat(paid_date) if paid_date else clock.today(),
        currency=currency,
        amount=Decimal(amount),
        reference=reference,
    )
    with unit_of_work(database_url) as session:
        invoice = service.invoice_by_number(session, number)
        if invoice is None:
            raise NotFound(f"Microsoft invoice {number} is not registered")
        payment = service.record_payment(session, SYSTEM, invoice.id, data)
        console.print(f"recorded {format_money(payment.amount_minor, payment.currency)} paid on {payment.paid_date}")


def register(app: typer.Typer) -> None:
    app.command("import")(_import)
    app.command("payables")(_payables)
    app.command("reconcile")(_reconcile)
    app.add_typer(invoices_app, name="microsoft-invoices")
