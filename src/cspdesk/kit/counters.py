"""Atomic human-number counters: one UPDATE ... RETURNING per number, safe under concurrency."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, inspect, select, update
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
    (the counter update in a CTE, run exactly once); a counter that does not exist yet is made by next_value.
    """
    mapper = inspect(type(obj))
    table, column = mapper.local_table, mapper.columns[attribute]
    key = zip(mapper.primary_key, inspect(obj).identity or (), strict=True)
    target = update(table).where(*(pk == value for pk, value in key))
    value = None
    if session.get_bind().dialect.name == "postgresql":
        advanced = select(_advance(name).cte("advanced").c.value).scalar_subquery()
        stmt = target.values({column: func.coalesce(advanced, column)}).returning(advanced)
        value = session.execute(stmt).scalar_one()
    if value is None:
        value = next_value(session, name)
        session.execute(target.values({column: value}))
    set_committed_value(obj, attribute, value)
    return int(value)


def peek(session: Session, name: str) -> int:
    return int(session.execute(select(Counter.value).where(Counter.name == name)).scalar_one_or_none() or 0)
