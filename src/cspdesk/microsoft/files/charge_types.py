"""ChargeType values: compared case-insensitively, written in Microsoft's canonical spelling."""

from __future__ import annotations

from typing import Any, cast

import polars as pl

NCE_CHARGE_TYPES: tuple[str, ...] = (
    "new",
    "renew",
    "cycleCharge",
    "addQuantity",
    "removeQuantity",
    "moveQuantity",
    "cancelImmediate",
    "convert",
    "changeBillingPlan",
    "customerCredit",
    "extendTerm",
)

LEGACY_CHARGE_TYPES: tuple[str, ...] = (
    "Activation fee",
    "Cancel fee",
    "Cancel instance prorate",
    "Cycle fee",
    "Cycle instance prorate",
    "Prorate fees when cancel",
    "Prorate fees when convert away from current offering",
    "Prorate fees when convert to a new offering",
    "New purchase cycle fee",
    "Prorate fees when purchase",
    "Prorate fee when renew",
    "Prorate fees when activate",
)

_CANONICAL: dict[str, str] = {value.lower(): value for value in NCE_CHARGE_TYPES + LEGACY_CHARGE_TYPES}


def canonical_charge_type(value: str) -> str:
    """The canonical spelling of a known charge type; an unknown one is returned unchanged."""
    return _CANONICAL.get(value.strip().lower(), value)


def is_known_charge_type(value: str) -> bool:
    return value.strip().lower() in _CANONICAL


def normalise_charge_type(raw: pl.Expr) -> pl.Expr:
    # A when/then chain, not replace()/replace_strict(): with those the streaming engine held the whole file in
    # memory (1.4 GB more for a 1M-row usage file).
    lowered = raw.str.strip_chars().str.to_lowercase()
    chain: Any = pl
    for spelling, canonical in _CANONICAL.items():
        chain = chain.when(lowered == spelling).then(pl.lit(canonical))
    return cast(pl.Expr, chain.otherwise(raw))
