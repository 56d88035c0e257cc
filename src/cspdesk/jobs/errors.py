"""What a handler raises to steer the worker: come back later, or stop retrying."""

from __future__ import annotations


class RetryLater(Exception):
    """The action cannot run now but will later (e.g. a Partner Center renewal in progress): retry after a delay."""

    def __init__(self, message: str, *, delay_seconds: float) -> None:
        super().__init__(message)
        self.delay_seconds = delay_seconds


class PermanentFailure(Exception):
    """Retrying will fail the same way (a business rule, a missing resource): mark failed for staff at once."""
