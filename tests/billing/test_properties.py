"""Properties: invoice total = sum of lines + tax; full credit notes negate the totals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cspdesk.billing.drafting import LineDraft, apply_tax, totals_of
from cspdesk.billing.taxes import TaxChoice, line_tax

amounts = st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=30)
rates = st.decimals(min_value=0, max_value=30, places=2)


def _lines(values: list[int]) -> list[LineDraft]:
    return [LineDraft(kind="one_off", description="x", quantity=Decimal(1), unit_price=Decimal(0), amount_minor=v)
            for v in values]  # fmt: skip


@given(amounts, rates, st.sampled_from(["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_DOWN", "ROUND_UP"]))
def test_total_is_sum_of_lines_plus_tax_and_credits_negate(values: list[int], rate: Decimal, mode: str) -> None:
    lines = _lines(values)
    apply_tax(lines, TaxChoice(rate, "T"), "EUR", mode)
    totals = totals_of(lines)
    assert totals.subtotal_minor == sum(values)
    assert totals.total_minor == sum(values) + sum(x.tax_minor for x in lines)
    credits = _lines([-v for v in values])
    apply_tax(credits, TaxChoice(rate, "T"), "EUR", mode)
    negated = totals_of(credits)
    assert (negated.subtotal_minor, negated.tax_minor, negated.total_minor) == (
        -totals.subtotal_minor, -totals.tax_minor, -totals.total_minor,
    )  # fmt: skip


@given(st.integers(min_value=-(10**12), max_value=10**12), rates)
def test_line_tax_is_symmetric(amount: int, rate: Decimal) -> None:
    assert line_tax(-amount, rate, "EUR", "ROUND_HALF_UP") == -line_tax(amount, rate, "EUR", "ROUND_HALF_UP")
