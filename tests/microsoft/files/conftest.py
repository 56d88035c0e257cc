"""Fixtures for the Partner Center file reader tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from tests.microsoft.files.helpers import template_row, write_rows

FileBuilder = Callable[[Sequence[Mapping[str, str]]], Path]


def _builder(tmp_path: Path, fixture: str, name: str) -> FileBuilder:
    header, base = template_row(fixture)

    def build(overrides: Sequence[Mapping[str, str]]) -> Path:
        return write_rows(tmp_path / name, header, [base | dict(row) for row in overrides])

    return build


@pytest.fixture
def usage_file(tmp_path: Path) -> FileBuilder:
    """Write a daily usage file whose rows are the first usage_small.csv row with the given overrides."""
    return _builder(tmp_path, "usage_small.csv", "usage.csv")


@pytest.fixture
def recon_file(tmp_path: Path) -> FileBuilder:
    """Write a recon file whose rows are the first recon_microsoft_examples.csv row with the given overrides."""
    return _builder(tmp_path, "recon_microsoft_examples.csv", "recon.csv")
