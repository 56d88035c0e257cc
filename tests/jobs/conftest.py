"""Outbox tests start with the shared world's pending messages parked (inside their rolled-back transaction)."""

from __future__ import annotations

import inspect

import pytest

from tests.jobs.helpers import park_world_messages


@pytest.fixture(autouse=True)
def _own_outbox(request: pytest.FixtureRequest) -> None:
    # Tests on their own committed connection (CLI, PostgreSQL workers) must not hold SQLite's write lock.
    if "database_url" in inspect.signature(request.function).parameters:
        return
    park_world_messages(request.getfixturevalue("db"))
