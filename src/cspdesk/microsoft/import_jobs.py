"""Console imports run in the background: one thread per process takes uploaded files in turn, each import in its
own unit of work; the page polls the job. Jobs live in memory, belong to the user who started them, and are
forgotten a few minutes after they finish. The uploaded file is deleted whatever happens."""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.db import Database
from cspdesk.kit import clock
from cspdesk.kit.errors import AppError, Conflict, NotFound
from cspdesk.microsoft.imports import ImportSummary

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
Work = Callable[[Progress], dict[str, Any]]

QUEUED = "queued"
KEEP_FINISHED = timedelta(minutes=5)
# Each waiting job holds its upload on disk (up to CSPDESK_UPLOAD_MAX_BYTES): bound how many may wait.
MAX_UNFINISHED = 4


class ImportFailed(AppError):
    """An import stopped on something other than the file's content; its unit of work was rolled back."""

    status_code = 500
    code = "import_failed"

    def __init__(self) -> None:
        super().__init__("the import stopped on an unexpected error and nothing was imported; the server log says why")


@dataclass(frozen=True)
class JobState:
    """One consistent snapshot: the import thread replaces it whole, the pages read it once."""

    stage: str = QUEUED
    fraction: float = 0.0
    summary: dict[str, Any] | None = None
    error: AppError | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        return max(0, min(100, round(self.fraction * 100)))


@dataclass
class ImportJob:
    id: str
    owner_id: uuid.UUID
    file_name: str
    state: JobState = field(default_factory=JobState)

    def report(self, stage: str, fraction: float) -> None:
        self.state = replace(self.state, stage=stage, fraction=fraction)


class ImportJobs:
    """The jobs of one process. Imports run one at a time: SQLite has one writer, and each import already uses
    the cores it can (Polars, hashing and gzip in parallel)."""

    def __init__(self, *, keep_finished: timedelta = KEEP_FINISHED, max_unfinished: int = MAX_UNFINISHED) -> None:
        self.keep_finished = keep_finished
        self.max_unfinished = max_unfinished
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cspdesk-import")

    def make_room(self) -> None:
        """Refuse before an upload is received when too many imports are already waiting."""
        with self._lock:
            self._check_room()

    def start(self, owner: Principal, file_name: str, upload: Path, work: Work) -> ImportJob:
        """Queue `work` for `upload`, which the job now owns and deletes when done (or at once if refused)."""
        try:
            job = self._admit(owner, file_name)
            try:
                self._pool.submit(self._run, job, upload, work)
            except BaseException:
                with self._lock:
                    del self._jobs[job.id]
                raise
        except BaseException:
            upload.unlink(missing_ok=True)
            raise
        return job

    def get(self, owner: Principal, job_id: str) -> ImportJob:
        """The owner's job; anyone else's, an unknown or a forgotten one is not found."""
        with self._lock:
            self._forget_expired()
            job = self._jobs.get(job_id)
        if job is None or owner.user_id is None or job.owner_id != owner.user_id:
            raise NotFound("no such import in progress")
        return job

    def wait_idle(self, timeout: float) -> None:
        """Block until every job queued so far has finished."""
        self._pool.submit(lambda: None).result(timeout=timeout)

    def _admit(self, owner: Principal, file_name: str) -> ImportJob:
        if owner.user_id is None:
            raise ValueError("an import job belongs to a signed-in user")
        job = ImportJob(secrets.token_urlsafe(16), owner.user_id, file_name)
        with self._lock:
            self._check_room()
            self._jobs[job.id] = job
        return job

    def _check_room(self) -> None:
        self._forget_expired()
        unfinished = sum(1 for job in self._jobs.values() if not job.state.finished)
        if unfinished >= self.max_unfinished:
            raise Conflict(f"{unfinished} imports are waiting or running; try again when one has finished")

    def _forget_expired(self) -> None:
        cutoff = clock.now() - self.keep_finished
        for key, job in list(self._jobs.items()):
            finished_at = job.state.finished_at
            if finished_at is not None and finished_at < cutoff:
                del self._jobs[key]

    @staticmethod
    def _run(job: ImportJob, upload: Path, work: Work) -> None:
        summary: dict[str, Any] | None = None
        error: AppError | None = None
        try:
            summary = work(job.report)
        except AppError as refused:
            error = refused
        except Exception:
            logger.exception("import job %s (%s) failed", job.id, job.file_name)
            error = ImportFailed()
        finally:
            upload.unlink(missing_ok=True)
        job.state = replace(job.state, summary=summary, error=error, finished_at=clock.now())


def in_unit_of_work(database: Database, run: Callable[[Session, Progress], ImportSummary]) -> Work:
    """The job thread is a boundary, as a CLI command is: one transaction, committed when the import succeeds."""

    def work(progress: Progress) -> dict[str, Any]:
        # The import reads, then writes: on SQLite it holds the one write lock from the start, so a commit by
        # anyone else in between cannot fail its first write; others wait for the import instead.
        with database.unit_of_work(writes=True) as session:
            return run(session, progress).to_dict()

    return work


_REGISTRY_LOCK = threading.Lock()


def jobs_of(state: Any) -> ImportJobs:
    """The process's jobs, kept on the application's state (one registry per app)."""
    with _REGISTRY_LOCK:
        jobs: ImportJobs | None = getattr(state, "microsoft_import_jobs", None)
        if jobs is None:
            jobs = ImportJobs()
            state.microsoft_import_jobs = jobs
    return jobs
