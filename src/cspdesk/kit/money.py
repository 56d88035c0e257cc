"""Exact money: integer minor units plus an ISO 4217 currency. Never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

ROUNDING_HALF_UP = ROUND_HALF_UP
ROUNDING_DOWN = ROUND_DOWN


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in known_currencies()


@cache
def minor_digits(currency: str) -> int:
    """Number of decimal digits of the currency's minor unit (EUR 2, JPY 0, KWD 3)."""
    if not is_currency(currency):
        raise ValueError(f"unknown currency {currency!r}")
    return int(get_currency_precision(currency))


def parse_decimal(text: str) -> Decimal:
    """Parse a decimal from its text; never goes through float."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return value


def to_minor(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> int:
    """Round a decimal amount to whole minor units; the one rounding point for invoice amounts."""
    digits = minor_digits(currency)
    quantum = Decimal(1).scaleb(-digits)
    return int(amount.quantize(quantum, rounding=rounding).scaleb(digits))


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_digits(currency))


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not is_currency(self.currency):
            raise ValueError(f"unknown currency {self.currency!r}")

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        amount = parse_decimal(text)
        minor = to_minor(amount, currency, ROUND_HALF_UP)
        if from_minor(minor, currency) != amount:
            raise ValueError(f"{text!r} has more decimals than {currency} allows")
        return cls(minor, currency)

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} and {other.currency}")

    def format(self, locale: str = "en") -> str:
        return format_money(self.minor, self.currency, locale)


def format_money(minor: int, currency: str, locale: str = "en") -> str:
    return str(format_currency(from_minor(minor, currency), currency, locale=locale))
