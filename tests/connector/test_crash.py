"""kill -9 mid-drain, then a re-run: the same end state as an uninterrupted run, nothing applied twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.connector.service import request_subscription_status
from cspdesk.db import Database
from cspdesk.microsoft.partner_center.simulator import (
    DEFAULT_SIM_TOKEN,
    FaultInjector,
    FaultKind,
    SimulatorState,
    run_simulator_in_thread,
)
from cspdesk.migrations import runner
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.subscription import Subscription
from tests.connector.helpers import initial_status, microsoft_id, seed

ACTIONS = 30
CRASH_AFTER = 7
CLI = str(Path(sys.executable).parent / "cspdesk")


def _target(number: int) -> str:
    return "suspended" if initial_status(number) == "active" else "active"


class Setup:
    def __init__(self, directory: Path, name: str) -> None:
        # Throttling with Retry-After 0 only: faults cost no wall time in a real subprocess.
        faults = FaultInjector(seed=99, rate_percent=10, weights={FaultKind.THROTTLED: 1}, retry_after_choices=(0,))
        self.state = SimulatorState(faults=faults)
        self.url = f"sqlite:///{directory / name}.sqlite"
        runner.upgrade(self.url)
        self.database = Database.from_url(self.url)
        self.base_url, self.stop = run_simulator_in_thread(self.state)
        with self.database.unit_of_work() as session:
            self.seeded = seed(session, self.state, ACTIONS)
            for number in range(ACTIONS):
                sub_id = self.seeded.subscriptions[microsoft_id(number)]
                request_subscription_status(session, sub_id, _target(number), "crash", f"crash:{number}")  # type: ignore[arg-type]

    def run_worker(self, **extra_env: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "CSPDESK_DATABASE_URL": self.url,
            "CSPDESK_PARTNER_CENTER_BASE_URL": self.base_url,
            "CSPDESK_PARTNER_CENTER_STATIC_TOKEN": DEFAULT_SIM_TOKEN,
            "CSPDESK_OUTBOX_LEASE_SECONDS": "1",
            "CSPDESK_OUTBOX_BACKOFF_BASE_SECONDS": "0.05",
            "CSPDESK_WORKER_POLL_SECONDS": "0.1",
            **extra_env,
        }
        command = [CLI, "worker", "--until-drained", "--max-seconds", "60"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    def end_state(self) -> dict[str, Any]:
        with self.database.unit_of_work() as session:
            return _end_state(session, self.state)

    def close(self) -> None:
        self.stop()
        self.database.engine.dispose()


def _end_state(session: Session, state: SimulatorState) -> dict[str, Any]:
    messages = session.execute(select(OutboxMessage).order_by(OutboxMessage.idempotency_key)).scalars()
    return {
        "outbox": [(m.idempotency_key, m.status, m.result) for m in messages],
        "cspdesk": sorted((s.microsoft_id, s.status) for s in session.execute(select(Subscription)).scalars()),
        "simulator": sorted((sid, sub.body["status"]) for (_, sid), sub in state.subscriptions.items()),
        "changes_per_path": sorted(Counter(c.path for c in state.applied_changes).items()),
    }


@pytest.fixture
def setups(tmp_path: Path) -> Iterator[tuple[Setup, Setup]]:
    crashed, clean = Setup(tmp_path, "crashed"), Setup(tmp_path, "clean")
    yield crashed, clean
    crashed.close()
    clean.close()


def test_a_crash_then_a_rerun_ends_like_an_uninterrupted_run(setups: tuple[Setup, Setup]) -> None:
    crashed, clean = setups
    first = crashed.run_worker(CSPDESK_WORKER_CRASH_AFTER=str(CRASH_AFTER))
    assert first.returncode == 137, first.stderr[-2000:]
    mid = crashed.end_state()
    assert [status for _, status, _ in mid["outbox"]].count("done") == CRASH_AFTER - 1
    # The seventh change reached the simulator, but its "done" never committed.
    assert len(crashed.state.applied_changes) == CRASH_AFTER

    second = crashed.run_worker()
    assert second.returncode == 0, second.stderr[-2000:]
    uninterrupted = clean.run_worker()
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-2000:]

    end, expected = crashed.end_state(), clean.end_state()
    assert end["outbox"] == expected["outbox"]
    assert end["cspdesk"] == expected["cspdesk"]
    assert end["simulator"] == expected["simulator"]
    assert [count for _, count in end["changes_per_path"]] == [1] * ACTIONS
    assert [path.rsplit("/", 1)[1] for path, _ in end["changes_per_path"]] == sorted(
        microsoft_id(n) for n in range(ACTIONS)
    )
    assert sorted(expected["simulator"]) == sorted((microsoft_id(n), _target(n)) for n in range(ACTIONS))
