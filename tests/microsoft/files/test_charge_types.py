from __future__ import annotations

import polars as pl
import pytest

from cspdesk.microsoft.files import (
    LEGACY_CHARGE_TYPES,
    NCE_CHARGE_TYPES,
    canonical_charge_type,
    is_known_charge_type,
)
from cspdesk.microsoft.files.charge_types import normalise_charge_type


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("New", "new"),
        ("NEW", "new"),
        ("cyclecharge", "cycleCharge"),
        ("AddQuantity", "addQuantity"),
        (" removeQuantity ", "removeQuantity"),
        ("CUSTOMERCREDIT", "customerCredit"),
        ("extendterm", "extendTerm"),
        ("cycle fee", "Cycle fee"),
        ("PRORATE FEES WHEN CONVERT TO A NEW OFFERING", "Prorate fees when convert to a new offering"),
        ("priceAdjustment", "priceAdjustment"),
    ],
)
def test_charge_types_compare_case_insensitively(written: str, canonical: str) -> None:
    assert canonical_charge_type(written) == canonical
    frame = pl.DataFrame({"ChargeType": [written]})
    assert frame.select(normalise_charge_type(pl.col("ChargeType"))).item() == canonical


def test_known_lists_match_the_reference() -> None:
    assert len(NCE_CHARGE_TYPES) == 11
    assert len(LEGACY_CHARGE_TYPES) == 12
    assert is_known_charge_type("changeBillingPlan")
    assert not is_known_charge_type("priceAdjustment")


def test_null_charge_type_stays_null() -> None:
    frame = pl.DataFrame({"ChargeType": [None]}, schema={"ChargeType": pl.String})
    assert frame.select(normalise_charge_type(pl.col("ChargeType"))).item() is None
