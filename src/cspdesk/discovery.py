"""Finds each domain package's routers and CLI commands, so adding a domain touches no shared file."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import cspdesk

# Pages and API of these packages come first (their paths are the most general).
CORE_ORDER = ("web", "auth", "customers", "users", "audit", "portal")


def domain_packages() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules(cspdesk.__path__) if m.ispkg]
    return [p for p in CORE_ORDER if p in found] + sorted(p for p in found if p not in CORE_ORDER)


def modules_named(name: str) -> Iterator[ModuleType]:
    """`cspdesk.<domain>.<name>` for every domain that has such a module."""
    for package in domain_packages():
        try:
            yield importlib.import_module(f"cspdesk.{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cspdesk.{package}.{name}":
                raise
