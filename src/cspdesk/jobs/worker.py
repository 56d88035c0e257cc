"""The outbox worker: claim a due message with a lease (committed), act, then mark it done or reschedule it."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs import claims, registry
from cspdesk.jobs.backoff import backoff_seconds
from cspdesk.jobs.context import JobContext, Resources
from cspdesk.jobs.errors import PermanentFailure, RetryLater
from cspdesk.jobs.outbox import payload_of
from cspdesk.jobs.scheduler import run_due_schedules
from cspdesk.models.outbox import OutboxMessage

logger = logging.getLogger(__name__)

# Called after the handler acted and before "done" commits: the window a crash test aims at.
BeforeCommitHook = Callable[[OutboxMessage], None]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Outcome:
    message_id: uuid.UUID
    status: str  # done | retry | failed | lost (the lease was taken over)


class Worker:
    """Carries out outbox messages after commit; safe to run several on PostgreSQL, one on SQLite."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        resources: Resources | None = None,
        worker_id: str | None = None,
        rng: random.Random | None = None,
        before_commit: BeforeCommitHook | None = None,
        kinds: frozenset[str] | None = None,
        schedules: frozenset[str] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.resources = resources or Resources(settings)
        self.worker_id = worker_id or default_worker_id()
        self.rng = rng or random.Random()
        self.before_commit = before_commit
        # None: every kind / every registered schedule; a set dedicates this worker to some of them.
        self.kinds = kinds
        self.schedules = schedules

    def process_next(self) -> Outcome | None:
        """Claim and carry out the most urgent due message; None when nothing is due."""
        with self.database.unit_of_work() as session:
            message_id = claims.claim_one(session, self.worker_id, self.settings.outbox_lease_seconds, self.kinds)
        if message_id is None:
            return None
        return self._carry_out(message_id)

    def drain(self, limit: int | None = None) -> list[Outcome]:
        """Process due messages until none is due (or `limit` were processed)."""
        outcomes: list[Outcome] = []
        while limit is None or len(outcomes) < limit:
            outcome = self.process_next()
            if outcome is None:
                break
            outcomes.append(outcome)
        return outcomes

    def run_once(self) -> list[Outcome]:
        """One loop turn: due schedules, then every due message."""
        run_due_schedules(self.database, self.settings, self.worker_id, only=self.schedules)
        return self.drain()

    def run_forever(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                if not self.run_once():
                    stop.wait(self.settings.worker_poll_seconds)
        finally:
            self.resources.close()

    def _carry_out(self, message_id: uuid.UUID) -> Outcome:
        try:
            with self.database.unit_of_work() as session:
                message = claims.load_claimed(session, message_id, self.worker_id)
                if message is None:
                    return Outcome(message_id, "lost")
                self._run_handler(JobContext(session, message, payload_of(message), self.resources))
        except RetryLater as exc:
            return self._failed(message_id, f"{exc} (retry in {exc.delay_seconds:.0f} s)", exc.delay_seconds)
        except PermanentFailure as exc:
            return self._failed(message_id, str(exc), None)
        except Exception as exc:
            logger.warning("outbox message %s failed: %s", message_id, exc, exc_info=True)
            return self._failed(message_id, f"{type(exc).__name__}: {exc}", self._backoff(message_id))
        return Outcome(message_id, "done")

    def _run_handler(self, context: JobContext) -> None:
        handler = registry.handler_for(context.message.kind)
        if handler is None:
            raise PermanentFailure(f"no handler is registered for {context.message.kind!r}")
        handler(context)
        if self.before_commit is not None:
            self.before_commit(context.message)
        claims.mark_done(context.message, context.result)

    def _backoff(self, message_id: uuid.UUID) -> float:
        with self.database.unit_of_work() as session:
            message = session.get(OutboxMessage, message_id)
            attempts = message.attempts if message else 1
        base, cap = self.settings.outbox_backoff_base_seconds, self.settings.outbox_backoff_max_seconds
        return backoff_seconds(attempts, base=base, cap=cap, rng=self.rng)

    def _failed(self, message_id: uuid.UUID, error: str, delay_seconds: float | None) -> Outcome:
        with self.database.unit_of_work() as session:
            message = claims.load_claimed(session, message_id, self.worker_id)
            if message is None:
                return Outcome(message_id, "lost")
            claims.record_failure(message, error, delay_seconds)
            return Outcome(message_id, "failed" if message.status == "failed" else "retry")
