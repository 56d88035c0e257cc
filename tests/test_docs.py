"""Documentation that is generated from code stays in step with it."""

from __future__ import annotations

from pathlib import Path

from cspdesk.auth.permissions import permission_table_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_permissions_doc_matches_the_table() -> None:
    assert permission_table_markdown() in (ROOT / "docs" / "permissions.md").read_text()


def test_readme_documents_every_setting() -> None:
    from cspdesk.config import Settings

    readme = (ROOT / "README.md").read_text()
    missing = [f"CSPDESK_{name.upper()}" for name in Settings.model_fields if f"CSPDESK_{name.upper()}" not in readme]
    assert missing == []


def test_readme_commands_exist() -> None:
    import re

    from typer.testing import CliRunner

    from cspdesk.cli import app

    readme = (ROOT / "README.md").read_text()
    commands = sorted(set(re.findall(r"`cspdesk ([a-z-]+)", readme)))
    runner = CliRunner()
    failing = [c for c in commands if runner.invoke(app, [c, "--help"]).exit_code != 0]
    assert commands
    assert failing == []
