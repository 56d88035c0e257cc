"""`cspdesk customers`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cspdesk.auth.principal import SYSTEM
from cspdesk.cli_common import DatabaseUrl, console, unit_of_work
from cspdesk.customers import repository

customers_app = typer.Typer(help="Customers and subscriptions.", no_args_is_help=True)


@customers_app.command("list")
def list_customers(
    search: Annotated[str, typer.Option("--search", "-q", help="part of name, domain or tenant id")] = "",
    needs_review: Annotated[bool, typer.Option(help="only customers discovered from files, to review")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List customers with their tenant ids and subscription counts."""
    with unit_of_work(database_url) as session:
        stmt = repository.search_customers(SYSTEM, search, needs_review=True if needs_review else None)
        table = Table("name", "tenant id", "domain", "country", "currency", "subscriptions", "status")
        for customer in session.execute(stmt).unique().scalars():
            count = len(repository.subscriptions_of(session, SYSTEM, customer.id))
            table.add_row(
                customer.name,
                str(customer.tenant_id),
                customer.primary_domain,
                customer.country,
                customer.billing_currency,
                str(count),
                customer.status,
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(customers_app, name="customers")
