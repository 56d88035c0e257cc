"""The cspdesk command line: one root, each domain adds its commands."""

from __future__ import annotations

import typer

from cspdesk.cli_common import console

app = typer.Typer(help="cspdesk: billing support desk for Microsoft CSP partners.", no_args_is_help=True)


def _register() -> None:
    from cspdesk.auth.cli import register_permissions, tokens_app, users_app
    from cspdesk.customers.cli import customers_app
    from cspdesk.dbcli import db_app
    from cspdesk.demo.cli import register as register_demo
    from cspdesk.serve import register as register_serve

    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(customers_app, name="customers")
    register_serve(app)
    register_permissions(app)
    register_demo(app)


_register()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        raise SystemExit(130) from None
