"""The cspdesk command line: one root, each domain adds its commands."""

from __future__ import annotations

import typer

from cspdesk.cli_common import console

app = typer.Typer(help="cspdesk: billing support desk for Microsoft CSP partners.", no_args_is_help=True)


def _register() -> None:
    """Each domain's `cli.py` exposes `register(app)`; the core commands come first."""
    from cspdesk.dbcli import db_app
    from cspdesk.discovery import modules_named
    from cspdesk.serve import register as register_serve

    app.add_typer(db_app, name="db")
    register_serve(app)
    for module in modules_named("cli"):
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        raise SystemExit(130) from None
