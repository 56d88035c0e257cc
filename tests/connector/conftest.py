"""The Partner Center simulator on loopback, fresh per test."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from cspdesk.microsoft.partner_center.simulator import SimulatorState, run_simulator_in_thread
from tests.jobs.helpers import park_world_messages


@pytest.fixture
def sim_state() -> SimulatorState:
    return SimulatorState()


@pytest.fixture
def sim_url(sim_state: SimulatorState) -> Iterator[str]:
    base_url, stop = run_simulator_in_thread(sim_state)
    yield base_url
    stop()


@pytest.fixture(autouse=True)
def _own_outbox(request: pytest.FixtureRequest) -> None:
    if "setups" not in inspect.signature(request.function).parameters:  # the crash test uses its own database files
        park_world_messages(request.getfixturevalue("db"))
