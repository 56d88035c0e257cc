"""Retry-After parsing, next-link resolution and backoff bounds."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from cspdesk.microsoft.partner_center.transport import RetryPolicy, parse_retry_after, resolve_link


@pytest.mark.parametrize(
    ("header", "seconds"), [("0", 0), ("1", 1), (" 30 ", 30), (None, None), ("", None), ("soon", None)]
)
def test_retry_after_in_seconds(header: str | None, seconds: int | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_http_date() -> None:
    now = datetime(2025, 4, 17, 9, 0, 0, tzinfo=UTC)

    assert parse_retry_after("Thu, 17 Apr 2025 09:00:45 GMT", now=now) == 45
    assert parse_retry_after("Thu, 17 Apr 2025 08:59:00 GMT", now=now) == 0


@pytest.mark.parametrize(
    ("uri", "url"),
    [
        (
            "/customers?size=3&seekOperation=Next",
            "https://api.partnercenter.microsoft.com/v1/customers?size=3&seekOperation=Next",
        ),
        ("/v1/customers?size=3", "https://api.partnercenter.microsoft.com/v1/customers?size=3"),
        ("customers?size=3", "https://api.partnercenter.microsoft.com/v1/customers?size=3"),
        ("https://other.example/v1/customers", "https://other.example/v1/customers"),
    ],
)
def test_next_links_resolve_against_the_versioned_base(uri: str, url: str) -> None:
    assert resolve_link("https://api.partnercenter.microsoft.com/v1/", uri) == url


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base_delay_seconds=0.5, max_delay_seconds=4.0)
    rng = random.Random(3)

    delays = [policy.backoff_seconds(attempt, rng) for attempt in range(1, 7)]

    steps = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(step / 2 <= delay <= step for delay, step in zip(delays, steps, strict=True))
