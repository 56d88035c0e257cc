"""Fast bulk inserts: rows prepared in Polars, then PostgreSQL COPY (CSV written by Polars) or SQLite executemany,
without per-value ORM work, inside the session's transaction.

Values are written the way SQLAlchemy itself stores them (SQLite: UUID as 32 hex digits, dates as ISO text;
ExactDecimal: canonical decimal text), so the ORM reads them back unchanged.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Table
from sqlalchemy.orm import Session

from cspdesk.kit import clock

CHUNK_ROWS = 20_000
COPY_CHUNK_ROWS = 100_000


def decimal_text(column: str | pl.Expr) -> pl.Expr:
    """Canonical text of a Decimal column: 2.040000 -> '2.04', 100.000 -> '100', -0 -> '0'."""
    expr = pl.col(column) if isinstance(column, str) else column
    text = expr.cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".")
    return pl.when(text.is_in(["", "-0", "-"])).then(pl.lit("0")).otherwise(text)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def uuid_text(session: Session, values: pl.Expr) -> pl.Expr:
    """UUID text as the database keeps it (SQLite: hex without dashes; PostgreSQL: canonical form)."""
    return values.str.replace_all("-", "") if is_sqlite(session) else values


def mapped_ids(session: Session, column: str, id_texts: tuple[list[str], list[str]]) -> pl.Expr:
    """`column`'s values mapped to ids through (keys, id texts); null where a value has no id."""
    keys, values = id_texts
    return uuid_text(session, pl.col(column).replace_strict(keys, values, default=None, return_dtype=pl.String))


def new_ids(session: Session, count: int) -> pl.Series:
    """`count` new UUIDs (version 7: time, then a counter from a random start) as text, in ascending order.

    Ascending keys append to the primary-key index instead of landing at random pages: on SQLite, 700k random
    uuid4 keys made the insert ~8x slower once the index outgrew the page cache.
    """
    high = (int(clock.now().timestamp() * 1000) << 16) | 0x7000 | secrets.randbits(12)
    start = secrets.randbits(61)  # the counter never reaches the 62-bit limit
    prefix = f"{high:016x}"
    variant = 0b10 << 62
    texts = [f"{prefix}{variant | (start + i):016x}" for i in range(count)]
    raw = pl.Series("id", texts, dtype=pl.String)
    if is_sqlite(session):
        return raw
    parts = [raw.str.slice(0, 8), raw.str.slice(8, 4), raw.str.slice(12, 4), raw.str.slice(16, 4), raw.str.slice(20)]
    return pl.select(pl.concat_str(parts, separator="-").alias("id")).to_series()


def insert_frame(session: Session, table: Table, frame: pl.DataFrame, columns: Sequence[str]) -> None:
    """Insert `frame[columns]` into `table`: COPY on PostgreSQL, executemany on SQLite (dates as ISO text)."""
    prepared = frame.select(
        [pl.col(c).dt.strftime("%Y-%m-%d").alias(c) if frame.schema[c] == pl.Date else pl.col(c) for c in columns]
    )
    if is_sqlite(session):
        _executemany(session, table, prepared, columns)
    else:
        _copy(session, table, prepared, columns)


def _executemany(session: Session, table: Table, frame: pl.DataFrame, columns: Sequence[str]) -> None:
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})"  # noqa: S608 - names from our own metadata
    connection = session.connection()
    for chunk in frame.iter_slices(CHUNK_ROWS):
        connection.exec_driver_sql(sql, chunk.rows())


def _copy(session: Session, table: Table, frame: pl.DataFrame, columns: Sequence[str]) -> None:
    """COPY FROM STDIN in CSV: Polars writes '' for an empty string and nothing for NULL, as COPY expects."""
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in frame.iter_slices(COPY_CHUNK_ROWS):
            copy.write(chunk.write_csv(include_header=False).encode("utf-8"))
