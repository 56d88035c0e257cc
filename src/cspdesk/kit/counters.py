"""Atomic human-number counters: one UPDATE ... RETURNING per number, safe under concurrency."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cspdesk.models.counter import Counter


def next_value(session: Session, name: str) -> int:
    """Advance the named counter and return its new value; the row lock holds until the transaction ends."""
    stmt = update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    value = session.execute(stmt).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:
        with session.begin_nested():
            session.execute(insert(Counter).values(name=name, value=0))
    except IntegrityError:
        pass  # another transaction created it first; the update below waits for its lock
    return int(session.execute(stmt).scalar_one())


def peek(session: Session, name: str) -> int:
    return int(session.execute(select(Counter.value).where(Counter.name == name)).scalar_one_or_none() or 0)
