"""The registry of console import jobs: owned by their user, one at a time, errors kept, uploads deleted, and
finished jobs forgotten after a while."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cspdesk.auth.principal import Principal
from cspdesk.kit import clock
from cspdesk.kit.errors import AppError, Conflict, NotFound
from cspdesk.microsoft.import_jobs import QUEUED, ImportFailed, ImportJobs, Progress

WAIT = 10.0


def _staff(name: str) -> Principal:
    return Principal(user_id=uuid.uuid4(), label=f"{name}@partner.example", kind="staff", roles=frozenset({"admin"}))


@pytest.fixture
def jobs() -> ImportJobs:
    return ImportJobs(keep_finished=timedelta(minutes=5), max_unfinished=2)


@pytest.fixture
def upload(tmp_path: Path) -> Path:
    path = tmp_path / "upload.csv"
    path.write_text("a,b\n1,2\n")
    return path


def _done(progress: Progress) -> dict[str, Any]:
    progress("validate", 0.0)
    progress("done", 1.0)
    return {"status": "imported"}


class Gate:
    """Work that reports a stage, then waits until the test opens the gate."""

    def __init__(self, stage: str = "ledger", fraction: float = 0.42) -> None:
        self.stage, self.fraction = stage, fraction
        self.reached, self.opened = threading.Event(), threading.Event()

    def __call__(self, progress: Progress) -> dict[str, Any]:
        progress(self.stage, self.fraction)
        self.reached.set()
        assert self.opened.wait(WAIT)
        return {"status": "imported"}


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.opened.set()  # never leave the job thread waiting when a test fails


def test_the_owner_follows_the_job_and_nobody_else_finds_it(jobs: ImportJobs, upload: Path, gate: Gate) -> None:
    owner, colleague = _staff("owner"), _staff("colleague")
    job = jobs.start(owner, "feb.csv", upload, gate)
    assert gate.reached.wait(WAIT)
    state = jobs.get(owner, job.id).state
    assert (state.stage, state.percent, state.finished) == ("ledger", 42, False)
    for principal, job_id in ((colleague, job.id), (owner, "no-such-job")):
        with pytest.raises(NotFound):
            jobs.get(principal, job_id)
    gate.opened.set()
    jobs.wait_idle(WAIT)
    finished = jobs.get(owner, job.id).state
    assert finished.finished and finished.summary == {"status": "imported"} and finished.error is None
    with pytest.raises(NotFound):
        jobs.get(colleague, job.id)


def test_jobs_run_one_at_a_time_and_the_next_one_waits_queued(
    jobs: ImportJobs, tmp_path: Path, upload: Path, gate: Gate
) -> None:
    owner = _staff("owner")
    first = jobs.start(owner, "first.csv", upload, gate)
    second_upload = tmp_path / "second.csv"
    second_upload.write_text("x")
    second = jobs.start(owner, "second.csv", second_upload, _done)
    assert gate.reached.wait(WAIT)
    assert jobs.get(owner, second.id).state.stage == QUEUED
    gate.opened.set()
    jobs.wait_idle(WAIT)
    assert jobs.get(owner, first.id).state.finished and jobs.get(owner, second.id).state.finished


def test_a_refused_file_is_kept_as_the_jobs_error_and_the_upload_deleted(jobs: ImportJobs, upload: Path) -> None:
    refusal = AppError("feb.csv: 1 invalid value(s); nothing was imported.", details=[{"line": 3, "column": "Total"}])

    def refuse(progress: Progress) -> dict[str, Any]:
        progress("validate", 0.0)
        raise refusal

    owner = _staff("owner")
    job = jobs.start(owner, "feb.csv", upload, refuse)
    jobs.wait_idle(WAIT)
    state = jobs.get(owner, job.id).state
    assert state.finished and state.summary is None and state.error is refusal
    assert not upload.exists()


def test_an_unexpected_failure_is_logged_and_shown_without_its_internals(
    jobs: ImportJobs, upload: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(progress: Progress) -> dict[str, Any]:
        raise RuntimeError("database password is hunter2")

    owner = _staff("owner")
    with caplog.at_level(logging.ERROR, logger="cspdesk.microsoft.import_jobs"):
        job = jobs.start(owner, "feb.csv", upload, crash)
        jobs.wait_idle(WAIT)
    error = jobs.get(owner, job.id).state.error
    assert isinstance(error, ImportFailed) and "hunter2" not in error.message
    assert "hunter2" in caplog.text  # the log keeps the cause for the operator
    assert not upload.exists()


def test_the_upload_is_deleted_after_a_successful_import(jobs: ImportJobs, upload: Path) -> None:
    jobs.start(_staff("owner"), "feb.csv", upload, _done)
    jobs.wait_idle(WAIT)
    assert not upload.exists()


def test_too_many_waiting_jobs_are_refused_and_the_refused_upload_deleted(
    jobs: ImportJobs, tmp_path: Path, gate: Gate
) -> None:
    owner = _staff("owner")
    paths = [tmp_path / f"{n}.csv" for n in range(3)]
    for path in paths:
        path.write_text("x")
    jobs.start(owner, "0.csv", paths[0], gate)
    jobs.start(owner, "1.csv", paths[1], _done)
    with pytest.raises(Conflict):
        jobs.make_room()
    with pytest.raises(Conflict):
        jobs.start(owner, "2.csv", paths[2], _done)
    assert not paths[2].exists()
    gate.opened.set()
    jobs.wait_idle(WAIT)
    jobs.make_room()  # finished jobs take no room


def test_finished_jobs_are_forgotten_after_a_while_running_ones_never(
    jobs: ImportJobs, tmp_path: Path, upload: Path, gate: Gate
) -> None:
    owner = _staff("owner")
    with clock.frozen_at(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as now:
        finished = jobs.start(owner, "feb.csv", upload, _done)
        jobs.wait_idle(WAIT)
        running_upload = tmp_path / "running.csv"
        running_upload.write_text("x")
        running = jobs.start(owner, "mar.csv", running_upload, gate)
        assert gate.reached.wait(WAIT)
        now.advance(timedelta(minutes=5))
        assert jobs.get(owner, finished.id).state.finished
        now.advance(timedelta(hours=2))
        with pytest.raises(NotFound):
            jobs.get(owner, finished.id)
        assert jobs.get(owner, running.id).state.stage == "ledger"


def test_a_job_needs_a_signed_in_owner(jobs: ImportJobs, upload: Path) -> None:
    system = Principal(user_id=None, label="system", kind="system")
    with pytest.raises(ValueError, match="signed-in"):
        jobs.start(system, "feb.csv", upload, _done)
    assert not upload.exists()
