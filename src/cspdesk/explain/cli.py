"""`cspdesk explain INVOICE`: an invoice explained, and why it differs from the previous one."""

from __future__ import annotations

from typing import Annotated

import typer

from cspdesk.auth.principal import SYSTEM
from cspdesk.cli_common import DatabaseUrl, console, unit_of_work
from cspdesk.explain import service
from cspdesk.explain.endpoints import parse_compare_to


def explain(
    invoice: Annotated[str, typer.Argument(help="invoice number or id")],
    compare_to: Annotated[str, typer.Option("--compare-to", help="previous | none | an invoice id")] = "previous",
    lang: Annotated[str, typer.Option("--lang", help="en | ru")] = "en",
    database_url: DatabaseUrl = None,
) -> None:
    """Print every line of an invoice in plain words and the causes of the difference to another invoice."""
    with unit_of_work(database_url) as session:
        found = service.find_invoice(session, SYSTEM, invoice)
        explanation = service.explain_invoice(
            session, SYSTEM, found.id, compare_to=parse_compare_to(compare_to), lang=lang
        )
        console.print(explanation.text, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)
