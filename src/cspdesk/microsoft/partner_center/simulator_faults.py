"""Fault injection for the Partner Center simulator: scripted faults and a seeded random fraction of calls."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FaultKind(StrEnum):
    """What an injected fault does to one call."""

    THROTTLED = "throttled"  # 429, with Retry-After unless retry_after_seconds is None
    SERVER_ERROR = "server_error"  # 500 before any work is done
    CONFLICT = "conflict"  # 409 renewal-in-progress before any work is done
    DELAY = "delay"  # the work is done, then the response is held back (client timeouts)


DEFAULT_FAULT_WEIGHTS: Mapping[FaultKind, int] = {
    FaultKind.THROTTLED: 40,
    FaultKind.SERVER_ERROR: 30,
    FaultKind.CONFLICT: 10,
    FaultKind.DELAY: 20,
}
DEFAULT_DELAY_MS = 1500
DEFAULT_RETRY_AFTER_CHOICES = (0, 1)


@dataclass(frozen=True)
class Fault:
    """One injected failure."""

    kind: FaultKind
    retry_after_seconds: int | None = None
    delay_ms: int = 0


@dataclass
class _ScriptedFault:
    path: str
    method: str | None
    fault: Fault
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.path == path and self.method in (None, method)


class FaultInjector:
    """Decides per call whether it fails: scripted faults first, then `rate_percent` of calls at random.

    The random sequence comes from `seed`, so a run with the same calls in the same order fails the same way.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        rate_percent: int = 0,
        weights: Mapping[FaultKind, int] | None = None,
        delay_ms: int = DEFAULT_DELAY_MS,
        retry_after_choices: tuple[int, ...] = DEFAULT_RETRY_AFTER_CHOICES,
    ) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._rate_percent = 0
        self._weights: dict[FaultKind, int] = {}
        self._delay_ms = delay_ms
        self._retry_after_choices = retry_after_choices
        self._scripted: list[_ScriptedFault] = []
        self.configure(rate_percent=rate_percent, weights=weights or DEFAULT_FAULT_WEIGHTS)

    def configure(
        self,
        *,
        rate_percent: int | None = None,
        seed: int | None = None,
        weights: Mapping[FaultKind, int] | None = None,
        delay_ms: int | None = None,
        retry_after_choices: tuple[int, ...] | None = None,
    ) -> None:
        """Change the random faults; a new `seed` restarts the random sequence."""
        with self._lock:
            if rate_percent is not None:
                if not 0 <= rate_percent <= 100:
                    raise ValueError("rate_percent must be between 0 and 100")
                self._rate_percent = rate_percent
            if seed is not None:
                self._seed = seed
                self._rng = random.Random(seed)
            if weights is not None:
                self._weights = {FaultKind(kind): weight for kind, weight in weights.items() if weight > 0}
            if delay_ms is not None:
                self._delay_ms = delay_ms
            if retry_after_choices is not None:
                self._retry_after_choices = retry_after_choices

    def script(self, path: str, fault: Fault, *, count: int = 1, method: str | None = None) -> None:
        """Make the next `count` calls to `path` (and `method`, if given) fail with `fault`."""
        with self._lock:
            self._scripted.append(_ScriptedFault(path, method.upper() if method else None, fault, count))

    def clear_scripted(self) -> None:
        with self._lock:
            self._scripted.clear()

    def draw(self, method: str, path: str) -> Fault | None:
        """The fault for this call, if any."""
        with self._lock:
            scripted = next((item for item in self._scripted if item.matches(method, path)), None)
            if scripted is not None:
                scripted.remaining -= 1
                return scripted.fault
            return self._draw_random(method)

    def settings(self) -> dict[str, Any]:
        with self._lock:
            return {
                "ratePercent": self._rate_percent,
                "seed": self._seed,
                "weights": {kind.value: weight for kind, weight in self._weights.items()},
                "delayMs": self._delay_ms,
                "retryAfterChoices": list(self._retry_after_choices),
                "scripted": [
                    {
                        "path": item.path,
                        "method": item.method,
                        "kind": item.fault.kind.value,
                        "remaining": item.remaining,
                    }
                    for item in self._scripted
                    if item.remaining > 0
                ],
            }

    def _draw_random(self, method: str) -> Fault | None:
        if not self._weights or self._rng.randrange(100) >= self._rate_percent:
            return None
        kind = self._rng.choices(list(self._weights), weights=list(self._weights.values()))[0]
        if kind is FaultKind.CONFLICT and method not in MUTATING_METHODS:
            kind = FaultKind.SERVER_ERROR  # a renewal conflict only makes sense for a change
        if kind is FaultKind.THROTTLED:
            return Fault(kind, retry_after_seconds=self._rng.choice(self._retry_after_choices))
        if kind is FaultKind.DELAY:
            return Fault(kind, delay_ms=self._delay_ms)
        return Fault(kind)
