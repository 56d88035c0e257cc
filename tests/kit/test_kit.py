"""Money, counters, the UTC and decimal column types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Column, MetaData, Table, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from cspdesk.db import ExactDecimal, UTCDateTime
from cspdesk.kit.counters import assign_next, next_value, peek
from cspdesk.kit.money import Money, format_money, minor_digits, to_minor


def test_minor_units_per_currency() -> None:
    assert (minor_digits("EUR"), minor_digits("JPY"), minor_digits("KWD")) == (2, 0, 3)


def test_to_minor_rounds_half_up_once() -> None:
    assert to_minor(Decimal("100.805"), "EUR") == 10081
    assert to_minor(Decimal("-100.805"), "EUR") == -10081
    assert to_minor(Decimal("1234.5"), "JPY") == 1235


def test_money_refuses_more_decimals_than_the_currency_has() -> None:
    assert Money.parse("1209.60", "EUR") == Money(120960, "EUR")
    with pytest.raises(ValueError, match="more decimals"):
        Money.parse("1.001", "EUR")
    with pytest.raises(ValueError, match="unknown currency"):
        Money(1, "EURO")


def test_money_arithmetic_keeps_currency() -> None:
    assert Money(100, "EUR") + Money(5, "EUR") == Money(105, "EUR")
    with pytest.raises(ValueError, match="currency mismatch"):
        _ = Money(100, "EUR") - Money(5, "USD")


def test_format_money_in_en_and_ru() -> None:
    assert format_money(120960, "EUR", "en") == "€1,209.60"
    assert format_money(120960, "RUB", "ru").replace("\xa0", " ") == "1 209,60 ₽"


def test_counter_advances_atomically(session: Session) -> None:
    assert peek(session, "test-series") == 0
    assert [next_value(session, "test-series") for _ in range(3)] == [1, 2, 3]
    assert peek(session, "test-series") == 3


class _ProbeBase(DeclarativeBase):
    pass


class _Numbered(_ProbeBase):
    __tablename__ = "kit_numbered_probe"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)


def test_assign_next_writes_the_number_last(session: Session) -> None:
    _ProbeBase.metadata.create_all(session.connection())
    rows = [_Numbered(id=i, number=-i) for i in (1, 2)]
    session.add_all(rows)
    session.flush()
    assert assign_next(session, "probe-series", rows[0], "number") == 1  # the counter is made on first use
    assert assign_next(session, "probe-series", rows[1], "number") == 2
    assert [r.number for r in rows] == [1, 2] and not session.dirty
    stored = session.execute(select(_Numbered.id, _Numbered.number).order_by(_Numbered.id)).all()
    assert [tuple(r) for r in stored] == [(1, 1), (2, 2)]
    assert peek(session, "probe-series") == 2


def test_column_types_keep_utc_and_exact_decimals(session: Session) -> None:
    table = Table("kit_types_probe", MetaData(), Column("at", UTCDateTime), Column("amount", ExactDecimal))
    table.create(session.connection())
    moscow = timezone(timedelta(hours=3))
    session.execute(insert(table).values(at=datetime(2026, 3, 1, 12, 0, tzinfo=moscow), amount=Decimal("0.846202666")))
    at, amount = session.execute(select(table.c.at, table.c.amount)).one()
    assert at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert at.tzinfo == UTC
    assert amount == Decimal("0.846202666")
    assert str(amount) == "0.846202666"
    with pytest.raises(Exception, match="naive datetime"):
        session.execute(insert(table).values(at=datetime(2026, 3, 1, 12, 0), amount=Decimal(1)))  # noqa: DTZ001


def test_exact_decimal_refuses_floats(session: Session) -> None:
    table = Table("kit_float_probe", MetaData(), Column("amount", ExactDecimal))
    table.create(session.connection())
    with pytest.raises(Exception, match="takes Decimal"):
        session.execute(insert(table).values(amount=0.1))
