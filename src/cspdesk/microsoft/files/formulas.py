"""Microsoft's Subtotal formulas for NCE reconciliation lines (CSP-REFERENCE.md 2.1), in exact Decimal.

Excel's ROUNDDOWN rounds toward zero, so a credit of -1.239 becomes -1.23.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from cspdesk.microsoft.files.products import ProductKind

ONE = Decimal(1)


def rounddown(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def seat_based_subtotal(
    effective_unit_price: Decimal, billable_quantity: Decimal, exchange_rate: Decimal = ONE
) -> Decimal:
    """ROUNDDOWN(EffectiveUnitPrice * PCToBCExchangeRate, 2) * BillableQuantity."""
    return rounddown(effective_unit_price * exchange_rate) * billable_quantity


def usage_based_subtotal(
    effective_unit_price: Decimal, billable_quantity: Decimal, exchange_rate: Decimal = ONE
) -> Decimal:
    """ROUNDDOWN(ROUNDDOWN(EffectiveUnitPrice * BillableQuantity, 2) * PCToBCExchangeRate, 2)."""
    return rounddown(rounddown(effective_unit_price * billable_quantity) * exchange_rate)


def is_usage_based(product_kind: ProductKind | str) -> bool:
    """Azure plan consumption is usage-based; every other line is priced per seat or unit."""
    return ProductKind(product_kind) is ProductKind.AZURE_PLAN


def expected_subtotal(
    product_kind: ProductKind | str,
    effective_unit_price: Decimal,
    billable_quantity: Decimal,
    exchange_rate: Decimal | None = None,
) -> Decimal:
    """The Subtotal Microsoft computes for a line; a blank exchange rate means prices are in billing currency."""
    rate = ONE if exchange_rate is None else exchange_rate
    formula = usage_based_subtotal if is_usage_based(product_kind) else seat_based_subtotal
    return formula(effective_unit_price, billable_quantity, rate)
