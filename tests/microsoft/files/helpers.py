"""Paths to the hand-written fixtures and small CSV builders for the file reader tests."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def template_row(fixture: str, index: int = 0) -> tuple[list[str], dict[str, str]]:
    """Header and one row (as a dict) of a hand-written fixture, to build variations from."""
    with fixture_path(fixture).open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    header = rows[0]
    return header, dict(zip(header, rows[index + 1], strict=True))


def write_rows(path: Path, header: Sequence[str], rows: Sequence[Mapping[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[row.get(name, "") for name in header] for row in rows])
    return path
