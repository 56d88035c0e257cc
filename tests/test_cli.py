"""The core CLI: every command answers --help; users, tokens and customers work on a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cspdesk.auth import crypto
from cspdesk.cli import app
from cspdesk.db import Database
from cspdesk.models.user import ApiToken

runner = CliRunner()
CORE_COMMANDS = [
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["users", "create"],
    ["users", "list"],
    ["tokens", "create"],
    ["customers", "list"],
    ["serve"],
    ["demo"],
    ["permissions"],
]


@pytest.mark.parametrize("command", CORE_COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_users_tokens_and_customers_on_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "Ops@Partner.example",
            "--role",
            "global_admin",
            "--role",
            "billing_admin",
            "--password",
            "a-long-password",
            "--database-url",
            url,
        ],
    )
    assert created.exit_code == 0, created.output
    assert "ops@partner.example (billing_admin, global_admin)" in created.output
    token = runner.invoke(app, ["tokens", "create", "--email", "ops@partner.example", "--database-url", url])
    assert token.exit_code == 0
    value = token.output.strip()
    assert value.startswith("csp_")
    database = Database.from_url(url)
    with database.unit_of_work() as session:
        stored = session.execute(select(ApiToken.token_hash)).scalar_one()
    database.engine.dispose()
    assert stored == crypto.sha256_hex(value)
    listed = runner.invoke(app, ["customers", "list", "--database-url", url])
    assert listed.exit_code == 0


def test_bad_role_and_short_password_are_clear_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner.invoke(app, ["db", "upgrade", "--database-url", url])
    wrong_role = runner.invoke(
        app,
        ["users", "create", "--email", "a@b.example", "--role", "king", "--password", "x" * 12, "--database-url", url],
    )
    assert wrong_role.exit_code == 2
    short = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "a@b.example",
            "--role",
            "sales_agent",
            "--password",
            "short",
            "--database-url",
            url,
        ],
    )
    assert short.exit_code == 2
    assert "at least 10 characters" in short.output


def test_portal_user_needs_a_customer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner.invoke(app, ["db", "upgrade", "--database-url", url])
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "p@c.example",
            "--role",
            "customer_admin",
            "--password",
            "x" * 12,
            "--database-url",
            url,
        ],
    )
    assert result.exit_code == 2
    assert "customer_id is required" in result.output


def test_demo_loads_once_and_prints_logins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    first = runner.invoke(app, ["demo", "--database-url", url, "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "admin@partner.example" in first.output and "admin@romashka.ru" in first.output
    second = runner.invoke(app, ["demo", "--database-url", url, "--no-serve"])
    assert "already loaded" in second.output
