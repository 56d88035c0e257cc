"""Translations from gettext catalogs (.po files compiled in memory with Babel) for en and ru."""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SUPPORTED = ("en", "ru")


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for a language; English is the source language and needs none."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in SUPPORTED or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(language: str) -> gettext.NullTranslations:
    return translations(language if language in SUPPORTED else "en")


def pick_language(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate in SUPPORTED:
            return candidate
    return "en"
