"""Mapping Partner Center error responses to typed exceptions and clear messages."""

from __future__ import annotations

import pytest

from cspdesk.microsoft.partner_center.errors import (
    AuthenticationError,
    BusinessRuleError,
    NotFoundError,
    PartnerCenterError,
    PreconditionFailedError,
    RetryLaterError,
    ServerError,
    ThrottledError,
    error_from_response,
)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            800091,
            "Cannot update a suspended subscription: reactivate it first, changing nothing but its status.",
        ),
        (2001, "The quantity cannot change while suspending a subscription: send the current quantity."),
        (900117, "The cancellation window has passed: the partner pays for the rest of the term."),
        (900213, "The cancellation window has passed: the partner pays for the rest of the term."),
        (
            900115,
            "The Azure plan cannot be suspended while it has active Azure subscriptions: cancel them first.",
        ),
    ],
)
def test_known_codes_become_business_rule_errors(code: int, message: str) -> None:
    body = {"code": code, "description": "raw text", "errorName": "SomeName", "isRetryable": False}

    error = error_from_response(400, body)

    assert type(error) is BusinessRuleError
    assert (error.code, error.http_status, error.message, error.retryable) == (code, 400, message, False)
    assert (error.description, error.error_name) == ("raw text", "SomeName")


def test_code_sent_as_a_string_is_read_as_a_number() -> None:
    error = error_from_response(400, {"code": "800091", "description": "Subscription is suspended."})

    assert error.code == 800091
    assert isinstance(error, BusinessRuleError)


def test_unknown_code_keeps_microsofts_description() -> None:
    error = error_from_response(400, {"code": 12345, "description": "The offer is not available."})

    assert type(error) is PartnerCenterError
    assert error.message == "Partner Center refused the request: The offer is not available."
    assert str(error) == "Partner Center refused the request: The offer is not available. (HTTP 400, code 12345)"
    assert error.retryable is False


@pytest.mark.parametrize(
    ("status", "error_type", "retryable"),
    [
        (401, AuthenticationError, False),
        (403, AuthenticationError, False),
        (404, NotFoundError, False),
        (412, PreconditionFailedError, False),
        (500, ServerError, True),
        (503, ServerError, True),
    ],
)
def test_http_status_picks_the_error_type(status: int, error_type: type[PartnerCenterError], retryable: bool) -> None:
    error = error_from_response(status, None)

    assert type(error) is error_type
    assert (error.http_status, error.code, error.retryable) == (status, None, retryable)


def test_conflict_means_retry_in_two_minutes() -> None:
    error = error_from_response(409, {"code": 409, "description": "Subscription is not ready to be updated."})

    assert isinstance(error, RetryLaterError)
    assert (error.retry_after_seconds, error.retryable) == (120, True)


def test_throttling_carries_retry_after() -> None:
    error = error_from_response(429, {"code": 429, "description": "Too many requests."}, retry_after_seconds=7)

    assert isinstance(error, ThrottledError)
    assert (error.retry_after_seconds, error.retryable) == (7, True)


def test_a_body_that_is_not_an_object_is_tolerated() -> None:
    error = error_from_response(502, ["unexpected"])

    assert type(error) is ServerError
    assert str(error) == "Partner Center failed on its side. (HTTP 502)"
