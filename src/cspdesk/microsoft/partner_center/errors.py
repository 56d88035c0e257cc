"""Partner Center failures as typed exceptions with clear, actionable messages."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

RENEWAL_RETRY_AFTER_SECONDS = 120


class PartnerCenterErrorCode(IntEnum):
    """Microsoft error codes that cspdesk reacts to; any other code is kept as a plain int."""

    CANNOT_UPDATE_SUSPENDED_SUBSCRIPTION = 800091
    NO_QUANTITY_CHANGE_WHILE_SUSPENDING = 2001
    CANCELLATION_WINDOW_PASSED = 900117
    CANCELLATION_WINDOW_PASSED_NCE = 900213
    AZURE_PLAN_HAS_ACTIVE_SUBSCRIPTIONS = 900115


KNOWN_ERROR_MESSAGES: Mapping[int, str] = {
    PartnerCenterErrorCode.CANNOT_UPDATE_SUSPENDED_SUBSCRIPTION: (
        "Cannot update a suspended subscription: reactivate it first, changing nothing but its status."
    ),
    PartnerCenterErrorCode.NO_QUANTITY_CHANGE_WHILE_SUSPENDING: (
        "The quantity cannot change while suspending a subscription: send the current quantity."
    ),
    PartnerCenterErrorCode.CANCELLATION_WINDOW_PASSED: (
        "The cancellation window has passed: the partner pays for the rest of the term."
    ),
    PartnerCenterErrorCode.CANCELLATION_WINDOW_PASSED_NCE: (
        "The cancellation window has passed: the partner pays for the rest of the term."
    ),
    PartnerCenterErrorCode.AZURE_PLAN_HAS_ACTIVE_SUBSCRIPTIONS: (
        "The Azure plan cannot be suspended while it has active Azure subscriptions: cancel them first."
    ),
}


class PartnerCenterError(Exception):
    """A failed Partner Center call; `retryable` tells whether repeating the same request may succeed."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: int | None = None,
        retryable: bool = False,
        error_name: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.retryable = retryable
        self.error_name = error_name
        self.description = description

    def __str__(self) -> str:
        details = [f"HTTP {self.http_status}" if self.http_status is not None else "no HTTP response"]
        if self.code is not None:
            details.append(f"code {self.code}")
        return f"{self.message} ({', '.join(details)})"


class AuthenticationError(PartnerCenterError):
    """The token was missing, expired or lacks the rights for the call (401/403)."""


class NotFoundError(PartnerCenterError):
    """The customer, subscription or other resource does not exist (404)."""


class PreconditionFailedError(PartnerCenterError):
    """The If-Match ETag is stale: somebody changed the resource since it was read (412)."""


class BusinessRuleError(PartnerCenterError):
    """Partner Center refused the change under one of its rules; repeating it will fail the same way."""


class ThrottledError(PartnerCenterError):
    """Too many requests (429); wait `retry_after_seconds` when given, else back off."""

    def __init__(self, message: str, *, retry_after_seconds: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, retryable=True, **kwargs)
        self.retry_after_seconds = retry_after_seconds


class ServerError(PartnerCenterError):
    """Partner Center failed on its side (5xx); the same request may succeed later."""


class TransportFailureError(PartnerCenterError):
    """No usable response arrived (timeout, refused or dropped connection)."""


class RetryLaterError(PartnerCenterError):
    """Partner Center asks to come back later (renewal in progress, long throttling): reschedule."""

    def __init__(self, message: str, *, retry_after_seconds: int, **kwargs: Any) -> None:
        super().__init__(message, retryable=True, **kwargs)
        self.retry_after_seconds = retry_after_seconds


def parse_error_code(raw: object) -> int | None:
    """Read Microsoft's `code`, documented as a string but often sent as a number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def error_from_response(
    http_status: int, body: object, *, retry_after_seconds: int | None = None
) -> PartnerCenterError:
    """Turn an error response (status and decoded JSON body, if any) into the matching exception."""
    fields = body if isinstance(body, Mapping) else {}
    code = parse_error_code(fields.get("code"))
    description = _optional_str(fields.get("description"))
    details: dict[str, Any] = {
        "http_status": http_status,
        "code": code,
        "error_name": _optional_str(fields.get("errorName")),
        "description": description,
    }
    message = _message_for(http_status, code, description)
    if code is not None and code in KNOWN_ERROR_MESSAGES:
        return BusinessRuleError(message, **details)
    return _error_for_status(http_status, message, details, retry_after_seconds)


def _error_for_status(
    http_status: int, message: str, details: dict[str, Any], retry_after_seconds: int | None
) -> PartnerCenterError:
    if http_status in (401, 403):
        return AuthenticationError(message, **details)
    if http_status == 404:
        return NotFoundError(message, **details)
    if http_status == 409:
        # Partner Center answers 409 while a subscription renews; Microsoft advises ~2 minutes.
        return RetryLaterError(message, retry_after_seconds=RENEWAL_RETRY_AFTER_SECONDS, **details)
    if http_status == 412:
        return PreconditionFailedError(message, **details)
    if http_status == 429:
        return ThrottledError(message, retry_after_seconds=retry_after_seconds, **details)
    if http_status >= 500 or http_status == 408:
        return ServerError(message, retryable=True, **details)
    return PartnerCenterError(message, **details)


_STATUS_MESSAGES: Mapping[int, str] = {
    401: "Partner Center rejected the access token.",
    403: "The account lacks the Partner Center role needed for this call.",
    404: "Partner Center does not know this resource.",
    409: "Partner Center is busy with this resource (renewal in progress): try again in about two minutes.",
    412: "The resource changed since it was read (stale ETag).",
    429: "Partner Center is throttling requests.",
}


def _message_for(http_status: int, code: int | None, description: str | None) -> str:
    if code is not None and code in KNOWN_ERROR_MESSAGES:
        return KNOWN_ERROR_MESSAGES[code]
    if http_status in _STATUS_MESSAGES:
        return _STATUS_MESSAGES[http_status]
    if description:
        return f"Partner Center refused the request: {description}"
    if http_status >= 500:
        return "Partner Center failed on its side."
    return "Partner Center refused the request."


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
