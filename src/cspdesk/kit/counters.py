"""Atomic human-number counters: one UPDATE ... RETURNING per number, safe under concurrency."""

from __future__ import annotations

from functools import cache
from typing import Any

import psycopg
from sqlalchemy import Dialect, bindparam, insert, inspect, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cspdesk.models.counter import Counter


def _advance(name: str) -> Any:
    return update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)


def next_value(session: Session, name: str) -> int:
    """Advance the named counter and return its new value; the row lock holds until the transaction ends."""
    stmt = _advance(name)
    value = session.execute(stmt).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:
        with session.begin_nested():
            session.execute(insert(Counter).values(name=name, value=0))
    except IntegrityError:
        pass  # another transaction created it first; the update below waits for its lock
    return int(session.execute(stmt).scalar_one())


def assign_next(session: Session, name: str, obj: Any, attribute: str) -> int:
    """Set `attribute` of the flushed row `obj` to the named counter's next value, and return it.

    Meant as the last write before the commit: the counter's row lock, which queues every other transaction that
    takes the same counter, then lasts only for this statement and the commit. On PostgreSQL it is one statement
    (the counter upserted in a CTE, which runs exactly once).
    """
    model: Any = type(obj)
    key = _key_of(obj)
    if _is_postgresql(session):
        value = session.execute(_numbering(model, attribute), {"counter": name} | key).scalar_one()
    else:
        value = next_value(session, name)
        session.execute(_set_number(model, attribute, bindparam("number")), {"number": value} | key)
    set_committed_value(obj, attribute, value)
    return int(value)


def commit_with_next(session: Session, name: str, obj: Any, attribute: str) -> int:
    """For boundaries, as it commits the session: assign_next, then the commit.

    On PostgreSQL the numbering statement and COMMIT go to the server together (psycopg pipeline mode): the
    counter's row lock then lasts as long as the server takes, never waiting for this process, whose thread may
    need several milliseconds to get the GIL back under load between a statement's answer and the next one.
    """
    connection = session.connection()
    # Inside a savepoint (a test's transaction, say) the database transaction is not the session's to commit.
    if not _is_postgresql(session) or connection.in_nested_transaction():
        value = assign_next(session, name, obj, attribute)
        session.commit()
        return value
    session.flush()
    model: Any = type(obj)
    sql, defaults = _compiled_numbering(model, attribute, connection.dialect)
    raw = connection.connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.pipeline():
        cursor = raw.execute(sql, defaults | {"counter": name} | _key_of(obj))
        raw.commit()
    row = cursor.fetchone()
    assert row is not None
    session.commit()  # ends SQLAlchemy's side of the transaction; the database's is committed already
    set_committed_value(obj, attribute, row[0])
    return int(row[0])


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _key_of(obj: Any) -> dict[str, Any]:
    return {f"pk_{i}": value for i, value in enumerate(inspect(obj).identity or ())}


def _set_number(model: Any, attribute: str, value: Any) -> Any:
    """UPDATE of one row (by the pk_<n> parameters) setting the number. Columns with an update default
    (updated_at) keep their value: the number completes the row's creation rather than changing it, and
    commit_with_next sends the statement without SQLAlchemy's execution, which is what computes such defaults."""
    mapper = inspect(model)
    table, column = mapper.local_table, mapper.columns[attribute]
    keep = {c: c for c in table.columns if c.onupdate is not None}
    row = (pk == bindparam(f"pk_{i}", type_=pk.type) for i, pk in enumerate(mapper.primary_key))
    return update(table).where(*row).values(keep | {column: value}).returning(column)


@cache
def _numbering(model: Any, attribute: str) -> Any:
    """PostgreSQL: advance the counter (made on first use) and write its value into the row, in one statement."""
    upsert = postgresql.insert(Counter).values(name=bindparam("counter"), value=1)
    upsert = upsert.on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
    return _set_number(model, attribute, select(upsert.returning(Counter.value).cte("advanced")).scalar_subquery())


@cache
def _compiled_numbering(model: Any, attribute: str, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    compiled = _numbering(model, attribute).compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def peek(session: Session, name: str) -> int:
    return int(session.execute(select(Counter.value).where(Counter.name == name)).scalar_one_or_none() or 0)
