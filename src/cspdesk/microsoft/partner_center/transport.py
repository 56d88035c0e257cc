"""Sends one logical Partner Center request with the documented headers, retrying what is safe to retry."""

from __future__ import annotations

import logging
import math
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from .auth import TokenProvider
from .errors import (
    PartnerCenterError,
    RetryLaterError,
    ThrottledError,
    TransportFailureError,
    error_from_response,
)

logger = logging.getLogger(__name__)

JsonObject = dict[str, Any]


def new_request_id() -> str:
    """A fresh GUID for the MS-RequestId / MS-CorrelationId headers."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff timing for one logical request; a Retry-After above `max_inline_wait_seconds` is not slept."""

    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0
    max_inline_wait_seconds: int = 60
    budget_seconds: float = 300.0

    def backoff_seconds(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": between half and all of the exponential step."""
        step = min(self.max_delay_seconds, self.base_delay_seconds * math.pow(2, attempt - 1))
        return step / 2 + rng.uniform(0, step / 2)


@dataclass(frozen=True)
class ApiRequest:
    """One logical request; its `request_id` is sent unchanged on every retry so Partner Center can dedupe."""

    method: str
    url: str
    request_id: str
    correlation_id: str
    json_body: JsonObject | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> int | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP-date); None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    remaining = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0, math.ceil(remaining))


def resolve_link(base_url: str, uri: str) -> str:
    """Absolute URL of a `links.next.uri`, which Partner Center gives relative to the versioned base."""
    if uri.startswith(("http://", "https://")):
        return uri
    base = base_url.rstrip("/")
    version_path = urlsplit(base).path
    if version_path and uri.startswith(version_path + "/"):
        uri = uri[len(version_path) :]
    return f"{base}/{uri.lstrip('/')}"


def _decoded_json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


class PartnerCenterTransport:
    """Adds auth and tracing headers, retries 429/5xx/timeouts with backoff, and raises typed errors."""

    def __init__(
        self,
        http: httpx.Client,
        token_provider: TokenProvider,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_attempts: int = 6,
        retry_policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._http = http
        self._token_provider = token_provider
        self._sleep = sleep
        self._clock = clock
        self._max_attempts = max_attempts
        self._policy = retry_policy or RetryPolicy()
        self._rng = rng or random.Random()

    def send(self, request: ApiRequest) -> httpx.Response:
        """The first successful response; raises the last error once retrying is pointless or exhausted."""
        started = self._clock()
        attempt = 1
        while True:
            outcome = self._attempt(request)
            if isinstance(outcome, httpx.Response):
                return outcome
            delay = self._delay_before_retry(outcome, attempt, started)
            logger.info(
                "Partner Center %s %s failed (%s); retry %d in %.2fs with MS-RequestId %s",
                request.method,
                request.url,
                outcome,
                attempt,
                delay,
                request.request_id,
            )
            self._sleep(delay)
            attempt += 1

    def _attempt(self, request: ApiRequest) -> httpx.Response | PartnerCenterError:
        try:
            response = self._http.request(
                request.method, request.url, json=request.json_body, headers=self._headers(request)
            )
        except httpx.TimeoutException:
            return TransportFailureError("Partner Center did not answer in time.", retryable=True)
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            return TransportFailureError(f"Could not reach Partner Center: {exc}", retryable=True)
        if response.is_success:
            return response
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return error_from_response(response.status_code, _decoded_json(response), retry_after_seconds=retry_after)

    def _headers(self, request: ApiRequest) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token_provider.access_token()}",
            "Accept": "application/json",
            "MS-RequestId": request.request_id,
            "MS-CorrelationId": request.correlation_id,
            **request.headers,
        }

    def _delay_before_retry(self, error: PartnerCenterError, attempt: int, started: float) -> float:
        if not error.retryable or isinstance(error, RetryLaterError) or attempt >= self._max_attempts:
            raise error
        delay = self._delay_for(error, attempt)
        if delay > self._policy.max_inline_wait_seconds:
            raise RetryLaterError(
                "Partner Center asked to wait longer than this call may block.",
                retry_after_seconds=math.ceil(delay),
                http_status=error.http_status,
                code=error.code,
            )
        if self._clock() - started + delay > self._policy.budget_seconds:
            raise error
        return delay

    def _delay_for(self, error: PartnerCenterError, attempt: int) -> float:
        if isinstance(error, ThrottledError) and error.retry_after_seconds is not None:
            return error.retry_after_seconds
        return self._policy.backoff_seconds(attempt, self._rng)
