"""Documentation that is generated from code stays in step with it."""

from __future__ import annotations

from pathlib import Path

from cspdesk.auth.permissions import permission_table_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_permissions_doc_matches_the_table() -> None:
    assert permission_table_markdown() in (ROOT / "docs" / "permissions.md").read_text()
