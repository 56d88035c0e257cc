"""Fast bulk inserts: rows prepared in Polars, handed to the driver's executemany without per-value ORM work.

Values are written the way SQLAlchemy itself stores them (SQLite: UUID as 32 hex digits, dates as ISO text;
ExactDecimal: canonical decimal text), so the ORM reads them back unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Table
from sqlalchemy.orm import Session

CHUNK_ROWS = 20_000


def decimal_text(column: str | pl.Expr) -> pl.Expr:
    """Canonical text of a Decimal column: 2.040000 -> '2.04', 100.000 -> '100', -0 -> '0'."""
    expr = pl.col(column) if isinstance(column, str) else column
    text = expr.cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".")
    return pl.when(text.is_in(["", "-0", "-"])).then(pl.lit("0")).otherwise(text)


def uuid_text(session: Session, values: pl.Expr) -> pl.Expr:
    """UUID text as the database keeps it (SQLite: hex without dashes; PostgreSQL: canonical form)."""
    return values.str.replace_all("-", "") if session.get_bind().dialect.name == "sqlite" else values


def mapped_ids(session: Session, column: str, mapping: dict[str, uuid.UUID]) -> pl.Expr:
    keys = list(mapping)
    values = [str(mapping[key]) for key in keys]
    return uuid_text(session, pl.col(column).replace_strict(keys, values, default=None, return_dtype=pl.String))


def new_ids(session: Session, count: int) -> pl.Series:
    sqlite = session.get_bind().dialect.name == "sqlite"
    return pl.Series([uuid.uuid4().hex if sqlite else str(uuid.uuid4()) for _ in range(count)], dtype=pl.String)


def insert_frame(session: Session, table: Table, frame: pl.DataFrame, columns: Sequence[str]) -> None:
    """executemany of `frame[columns]` into `table` (dates become ISO text, booleans stay booleans)."""
    prepared = frame.select(
        [pl.col(c).dt.strftime("%Y-%m-%d").alias(c) if frame.schema[c] == pl.Date else pl.col(c) for c in columns]
    )
    dialect = session.get_bind().dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"  # noqa: S608 - names from our own metadata
    connection = session.connection()
    for chunk in prepared.iter_slices(CHUNK_ROWS):
        connection.exec_driver_sql(sql, chunk.rows())
