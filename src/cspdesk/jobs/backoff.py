"""How long to wait before the next attempt of a failed outbox message."""

from __future__ import annotations

import random


def backoff_seconds(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": between half and all of base * 2^(attempt-1), capped."""
    step: float = min(cap, base * 2.0 ** max(0, attempt - 1))
    return step / 2 + rng.uniform(0, step / 2)
