"""Small validators shared by schemas: countries, currencies, emails, languages."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from cspdesk.kit.money import is_currency

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("en", "ru")


@cache
def country_codes() -> frozenset[str]:
    return frozenset(
        str(code) for code in Locale("en").territories if isinstance(code, str) and len(code) == 2 and code.isalpha()
    )


def country(value: str) -> str:
    code = value.strip().upper()
    if code not in country_codes():
        raise ValueError(f"{value!r} is not an ISO 3166 country code (e.g. DE, US, RU)")
    return code


def currency(value: str) -> str:
    code = value.strip().upper()
    if not is_currency(code):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD)")
    return code


def email(value: str) -> str:
    address = value.strip().lower()
    if not _EMAIL.match(address) or len(address) > 254:
        raise ValueError(f"{value!r} is not an email address")
    return address


def language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return value
