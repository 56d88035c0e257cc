"""The bulk-insert helpers: minor units rounded in Polars agree with kit.money.to_minor; generated ids are valid."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from sqlalchemy.orm import Session

from cspdesk.kit.money import to_minor
from cspdesk.microsoft.files import DECIMAL_DTYPE
from cspdesk.microsoft.imports.bulk import decimal_text, new_ids
from cspdesk.microsoft.imports.recon import _minor_units

AMOUNTS = ["-1.005", "2.345", "-0.004", "0.5", "-0.5", "1209.60", "100.80", "123456789.125", "0", "-2.4449"]
CURRENCIES = ["USD", "USD", "JPY", "JPY", "JPY", "EUR", "EUR", "BHD", "USD", "GBP"]


def test_minor_units_match_to_minor_half_up() -> None:
    frame = pl.DataFrame(
        {"amount": pl.Series([Decimal(a) for a in AMOUNTS], dtype=DECIMAL_DTYPE), "currency": CURRENCIES}
    )
    minor = frame.select(_minor_units("amount", sorted(set(CURRENCIES))))["amount"].to_list()
    assert minor == [to_minor(Decimal(a), c, ROUND_HALF_UP) for a, c in zip(AMOUNTS, CURRENCIES, strict=True)]
    assert minor == [-101, 235, 0, 1, -1, 120960, 10080, 123456789125, 0, -244]


def test_decimal_text_is_the_canonical_form() -> None:
    values = pl.Series(
        [Decimal("2.040000"), Decimal("100.000"), Decimal("-0.000"), Decimal("-1.5")], dtype=DECIMAL_DTYPE
    )
    texts = pl.select(decimal_text(pl.lit(values)))["literal"].to_list()
    assert texts == ["2.04", "100", "0", "-1.5"]


def test_new_ids_are_unique_ascending_uuids(session: Session) -> None:
    ids = new_ids(session, 1000).to_list()
    parsed = [uuid.UUID(text) for text in ids]
    assert len(set(parsed)) == 1000
    assert parsed == sorted(parsed)
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}
    assert new_ids(session, 0).to_list() == []
