"""Fixtures: a fresh simulator state, the simulator served on loopback, and clients with fake sleep."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Protocol

import httpx
import pytest

from cspdesk.microsoft.partner_center import PartnerCenterClient, StaticTokenProvider
from cspdesk.microsoft.partner_center.simulator import SimulatorState, run_simulator_in_thread

from .helpers import TOKEN, FakeClock, FakeSleep

ResponseHook = Callable[[httpx.Response], None]


class ClientFactory(Protocol):
    def __call__(
        self,
        *,
        timeout: float = ...,
        token: str = ...,
        max_attempts: int = ...,
        stale_etag_rounds: int = ...,
        on_response: ResponseHook | None = ...,
    ) -> PartnerCenterClient: ...


@pytest.fixture
def sim_state() -> SimulatorState:
    return SimulatorState()


@pytest.fixture
def sim_url(sim_state: SimulatorState) -> Iterator[str]:
    base_url, stop = run_simulator_in_thread(sim_state)
    yield base_url
    stop()


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_sleep(fake_clock: FakeClock) -> FakeSleep:
    return FakeSleep(fake_clock)


@pytest.fixture
def make_client(sim_url: str, fake_sleep: FakeSleep, fake_clock: FakeClock) -> Iterator[ClientFactory]:
    """Builds clients against the loopback simulator, with fake sleep/clock and a seeded jitter."""
    http_clients: list[httpx.Client] = []

    def build(
        *,
        timeout: float = 5.0,
        token: str = TOKEN,
        max_attempts: int = 6,
        stale_etag_rounds: int = 5,
        on_response: ResponseHook | None = None,
    ) -> PartnerCenterClient:
        hooks = {"response": [on_response]} if on_response else {}
        http = httpx.Client(timeout=timeout, event_hooks=hooks)
        http_clients.append(http)
        return PartnerCenterClient(
            sim_url,
            StaticTokenProvider(token),
            http=http,
            sleep=fake_sleep,
            clock=fake_clock,
            max_attempts=max_attempts,
            rng=random.Random(7),
            stale_etag_rounds=stale_etag_rounds,
        )

    yield build
    for http in http_clients:
        http.close()
