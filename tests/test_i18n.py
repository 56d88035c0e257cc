"""Every text the templates translate has a Russian translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from cspdesk.kit.i18n import LOCALE_DIR, gettext_for

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "cspdesk" / "templates"
CALLS = re.compile(r"""_\((["'])(.+?)\1\)""")


def _template_messages() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        found.update(match.group(2) for match in CALLS.finditer(template.read_text()))
    return found


def test_every_template_message_has_a_russian_translation() -> None:
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    translated = {m.id for m in catalog if m.id and m.string}
    statuses = {"active", "suspended", "expired", "disabled", "deleted", "pending", "inactive", "prospect"}
    missing = sorted((_template_messages() | statuses) - translated)
    assert missing == []


def test_russian_catalog_is_used() -> None:
    assert gettext_for("ru").gettext("Your subscriptions") == "Ваши подписки"
    assert gettext_for("en").gettext("Your subscriptions") == "Your subscriptions"
