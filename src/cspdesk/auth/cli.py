"""`cspdesk users` and `cspdesk tokens`."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy import select

from cspdesk.auth import service
from cspdesk.auth.permissions import Role
from cspdesk.auth.principal import SYSTEM
from cspdesk.cli_common import DatabaseUrl, console, err_console, settings_with, unit_of_work
from cspdesk.models.user import User
from cspdesk.users import service as users
from cspdesk.users.schemas import UserIn

users_app = typer.Typer(help="Staff and portal users.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@users_app.command("create")
def create_user(
    email: Annotated[str, typer.Option(help="sign-in email")],
    role: Annotated[list[Role], typer.Option("--role", help="a role; repeat for several")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    password: Annotated[str | None, typer.Option(help="at least 10 characters; asked for when missing")] = None,
    customer_id: Annotated[str | None, typer.Option(help="portal users: their customer's id")] = None,
    language: Annotated[str, typer.Option(help="en or ru")] = "en",
    database_url: DatabaseUrl = None,
) -> None:
    """Create a staff user (staff roles) or a portal user (customer_* roles and --customer-id)."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    kind = "portal" if any(r.value.startswith("customer_") for r in role) else "staff"
    try:
        data = UserIn(
            email=email,
            name=name or email.split("@")[0],
            password=password,
            kind=kind,
            roles=role,
            customer_id=uuid.UUID(customer_id) if customer_id else None,
            language=language,
        )
    except (ValidationError, ValueError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    with unit_of_work(database_url) as session:
        user = users.create_user(session, SYSTEM, data)
        console.print(f"[green]created[/green] {kind} user {user.email} ({', '.join(user.role_names)}) id={user.id}")


@users_app.command("list")
def list_users(database_url: DatabaseUrl = None) -> None:
    """List users and their roles."""
    with unit_of_work(database_url) as session:
        table = Table("email", "kind", "roles", "active")
        for user in session.execute(select(User).order_by(User.kind, User.email)).scalars():
            table.add_row(user.email, user.kind, ", ".join(user.role_names), "yes" if user.is_active else "no")
        console.print(table)


@tokens_app.command("create")
def create_token(
    email: Annotated[str, typer.Option(help="the user the token acts as")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API token for a user; it is printed once and only its hash is stored."""
    settings = settings_with(database_url)
    with unit_of_work(database_url) as session:
        user = session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
        if user is None:
            err_console.print(f"[red]error:[/red] no user {email}")
            raise typer.Exit(2)
        issued = service.create_api_token(session, settings, user, name, SYSTEM)
        console.print(issued.token, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")

    @app.command("permissions")
    def permissions() -> None:
        """Print the permission table (role -> permissions) as Markdown."""
        from cspdesk.auth.permissions import permission_table_markdown

        print(permission_table_markdown(), end="")
