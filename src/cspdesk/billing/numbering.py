"""Gap-free invoice numbers per series and year from the atomic counter (INV-2026-000123, CN-2026-000004)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cspdesk.kit.counters import next_value


def counter_name(series: str, year: int) -> str:
    return f"invoice:{series}:{year}"


def next_number(session: Session, series: str, year: int) -> str:
    """Taken inside the issuing transaction: a rollback returns the number, so no gap remains."""
    return f"{series}-{year}-{next_value(session, counter_name(series, year)):06d}"
