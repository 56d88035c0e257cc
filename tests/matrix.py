"""Reads the permission each route declares, so that the matrix tests are generated from the permission table."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cspdesk.web.deps import Requires

Body = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """How to call one route in the matrix. Objects under test belong to customer A; portal actors to customer B."""

    object_scoped: bool = False
    json: Body | None = None
    form: Body | None = None
    # Routes whose object belongs to the acting user (own API tokens): others' objects answer 404 even when allowed.
    owner_scoped: bool = False
    # What an allowed principal gets where success needs something outside the test world (Partner Center).
    allowed_status: int | None = None


def case_modules() -> list[Any]:
    """tests/core_matrix_cases.py and every tests/<domain>/matrix_cases.py."""
    root = Path(__file__).resolve().parent
    names = ["tests.core_matrix_cases"] + [
        f"tests.{m.name}.matrix_cases"
        for m in pkgutil.iter_modules([str(root)])
        if m.ispkg and (root / m.name / "matrix_cases.py").exists()
    ]
    return [importlib.import_module(name) for name in sorted(names)]


def all_cases() -> dict[tuple[str, str], Case]:
    cases: dict[tuple[str, str], Case] = {}
    for module in case_modules():
        cases.update(module.CASES)
    return cases


PUBLIC_PATHS = frozenset({"/", "/login", "/logout", "/language", "/healthz", "/webhooks/payments"})


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    requires: Requires


def _find_requires(dependant: Dependant) -> list[Requires]:
    found = [d.call for d in dependant.dependencies if isinstance(d.call, Requires)]
    for sub in dependant.dependencies:
        found.extend(_find_requires(sub))
    return found


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every route of the application's routers (FastAPI wraps included routers, so read them at the source)."""
    return [route for router in app.state.routers for route in router.routes if isinstance(route, APIRoute)]


def guarded_routes(app: FastAPI) -> list[RouteRule]:
    rules = []
    for route in api_routes(app):
        if route.path in PUBLIC_PATHS:
            continue
        requires = _find_requires(route.dependant)
        if len(requires) != 1:
            raise AssertionError(f"{route.path} must declare exactly one Requires, found {len(requires)}")
        for method in sorted(route.methods or ()):
            rules.append(RouteRule(method, route.path, requires[0]))
    return rules


def unguarded_routes(app: FastAPI) -> list[str]:
    return [
        route.path
        for route in api_routes(app)
        if route.path not in PUBLIC_PATHS and not _find_requires(route.dependant)
    ]


def expected_status(rule: RouteRule, role_allowed: bool, is_portal: bool, object_scoped: bool) -> str:
    """'ok' | 'forbidden' | 'not_found' for a signed-in principal, from the route's declared rule."""
    audience = rule.requires.audience
    if (audience == "staff" and is_portal) or (audience == "portal" and not is_portal):
        return "forbidden"
    if not role_allowed:
        return "forbidden"
    if is_portal and object_scoped:
        return "not_found"
    return "ok"


def fill(path: str, params: dict[str, Any]) -> str:
    return path.format(**{k: str(v) for k, v in params.items()})
