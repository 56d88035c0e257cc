"""Engine, sessions, the unit of work, and the column types every model uses (UTC instants, exact decimals)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Engine, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant; naive datetimes are refused, SQLite's naive values are read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal kept as its canonical text: full precision on every database, never a float."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"ExactDecimal takes Decimal, got {type(value).__name__}")
        return format(value, "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")  # ignored (stays 'memory') for in-memory databases
    cursor.close()


# Connection execution option: on SQLite, begin with BEGIN IMMEDIATE, taking the one write lock at once.
SQLITE_IMMEDIATE = "cspdesk_sqlite_immediate"


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads, then writes, fails on its first write when another writer committed in between
    # (SQLITE_BUSY_SNAPSHOT, "database is locked", whatever the busy timeout): long ones ask for the lock first.
    immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for SQLite (foreign keys on, WAL for file databases) or PostgreSQL via psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout, i.e. every request. Connections are replaced
    # after 30 minutes instead, and when one turns out dead (server restart), SQLAlchemy raises for that one
    # request and invalidates the whole pool, so the next requests connect afresh.
    return create_engine(url, echo=echo, pool_recycle=1800, pool_size=10, max_overflow=20)


class Database:
    """Owns the engine and the session factory; the boundaries open units of work from it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        immediate = engine.execution_options(**{SQLITE_IMMEDIATE: True})
        self.writer_factory = sessionmaker(bind=immediate, expire_on_commit=False, autoflush=True)
        """Sessions of units of work that will write (the same as session_factory except on SQLite)."""

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session_for(self, *, writes: bool) -> Session:
        """A session for one unit of work. On SQLite one that will write asks for the write lock when it begins
        (BEGIN IMMEDIATE), waiting up to busy_timeout behind a long writer such as an import: a transaction that
        read first and only then wrote would fail at once once that writer committed."""
        return self.writer_factory() if writes and self.is_sqlite else self.session_factory()

    @contextmanager
    def unit_of_work(self, *, writes: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error. Only boundaries call this; a long writer
        passes writes=True (see session_for)."""
        session = self.session_for(writes=writes)
        try:
            yield session
        except BaseException:
            self.end(session, commit=False)
            raise
        self.end(session, commit=True)

    @staticmethod
    def end(session: Session, *, commit: bool) -> None:
        """End a unit of work: commit (or roll back), then give the connection back."""
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
