"""Fast inserts for invoice runs: values converted once per column type, then SQLite executemany or PostgreSQL COPY.

SQLAlchemy's `session.execute(insert(table), rows)` re-processes every parameter of every row through the compiler;
at a million invoice lines that was a third of the run. The values written are the ones SQLAlchemy would write
(each column type's own bind processor), so the ORM reads them back unchanged.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from cspdesk.kit import clock

CHUNK_ROWS = 20_000
Processor = Callable[[Any], Any]


class AscendingIds:
    """New UUIDs, each larger than the last (version 7 layout: start time in ms, then a counter from a random start).

    Ascending keys append to the primary-key index instead of landing on random pages (uuid4), which is what slowed
    the write of a million lines once the index outgrew the page cache. Thread-safe: `itertools.count` is atomic.
    """

    def __init__(self) -> None:
        high = (int(clock.now().timestamp() * 1000) << 16) | 0x7000 | secrets.randbits(12)
        self._base = (high << 64) | (0b10 << 62)
        self._counter = itertools.count(secrets.randbits(61))  # never reaches the 62-bit limit

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(int=self._base | next(self._counter))


new_line_id = AscendingIds()


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows of values in `columns` order (every column the table needs: no defaults are applied)."""
    dialect = session.get_bind().dialect
    converting = [(i, p) for i, name in enumerate(columns) if (p := table.c[name].type._cached_bind_processor(dialect))]
    for start in range(0, len(rows), CHUNK_ROWS):
        values = [_converted(row, converting) for row in rows[start : start + CHUNK_ROWS]]
        if dialect.name == "postgresql":
            _copy(session, table, columns, values)
        else:
            _executemany(session, table, columns, values)


def _converted(row: Sequence[Any], converting: Sequence[tuple[int, Processor]]) -> tuple[Any, ...]:
    values = list(row)
    for i, processor in converting:
        if values[i] is not None:
            values[i] = processor(values[i])
    return tuple(values)


def _executemany(session: Session, table: Table, columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    marks = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names from our metadata
    session.connection().exec_driver_sql(sql, values)


def _copy(session: Session, table: Table, columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    driver = session.connection().connection.driver_connection
    if driver is None:
        raise RuntimeError("no database connection for COPY")
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
