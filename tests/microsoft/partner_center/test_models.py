"""Parsing Partner Center payloads: dates, ETags, unknown enum values, numeric service request enums."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cspdesk.microsoft.partner_center.models import Customer, ServiceRequest, Subscription


def test_subscription_reads_dates_etag_and_reasons() -> None:
    subscription = Subscription.model_validate(
        {
            "id": "sub-1",
            "quantity": 25,
            "status": "suspended",
            "creationDate": "2019-01-04T17:01:09.4867694Z",
            "commitmentEndDate": "2020-01-03T00:00:00",
            "cancellationAllowedUntilDate": "0001-01-01T00:00:00",
            "suspensionReasons": ["CustomerNonPayment"],
            "attributes": {"etag": "eyJpZCI6IjEifQ==", "objectType": "Subscription"},
        }
    )

    assert subscription.creation_date == datetime(2019, 1, 4, 17, 1, 9, 486769, tzinfo=UTC)
    assert subscription.commitment_end_date == datetime(2020, 1, 3, tzinfo=UTC)
    assert subscription.cancellation_allowed_until_date is None
    assert subscription.etag == "eyJpZCI6IjEifQ=="
    assert subscription.suspension_reasons == ("CustomerNonPayment",)
    assert subscription.quantity == 25


@pytest.mark.parametrize(
    ("raw", "status", "known"),
    [
        ("active", "active", True),
        ("Expired", "expired", True),
        ("disabled", "disabled", True),
        ("transferring", "transferring", False),
    ],
)
def test_subscription_status_is_kept_even_when_unknown(raw: str, status: str, known: bool) -> None:
    subscription = Subscription.model_validate({"id": "sub-1", "status": raw})

    assert (subscription.status, subscription.status_known) == (status, known)


def test_fractional_quantity_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Subscription.model_validate({"id": "sub-1", "quantity": 2.5})


def test_customer_exposes_company_profile() -> None:
    customer = Customer.model_validate(
        {
            "id": "t-1",
            "companyProfile": {"tenantId": "t-1", "domain": "contoso.com", "companyName": "Contoso"},
        }
    )

    assert (customer.company_name, customer.domain, customer.company_profile.tenant_id) == (
        "Contoso",
        "contoso.com",
        "t-1",
    )


@pytest.mark.parametrize(
    ("severity", "status", "expected"),
    [
        ("critical", "open", ("critical", "open")),
        (1, 3, ("critical", "attention_needed")),
        ("3", "2", ("minimal", "closed")),
        ("Moderate", "AttentionNeeded", ("moderate", "attention_needed")),
    ],
)
def test_service_request_accepts_names_or_numbers(severity: object, status: object, expected: tuple[str, str]) -> None:
    request = ServiceRequest.model_validate({"Id": "sr-1", "Severity": severity, "Status": status})

    assert (request.severity, request.status) == expected
    assert request.severity_known and request.status_known


def test_service_request_tolerates_unknown_numbers() -> None:
    request = ServiceRequest.model_validate({"Id": "sr-1", "Severity": 9, "Status": "escalated"})

    assert (request.severity, request.severity_known) == ("9", False)
    assert (request.status, request.status_known) == ("escalated", False)


def test_service_request_reads_pascal_and_camel_case() -> None:
    pascal = ServiceRequest.model_validate(
        {
            "Id": "sr-1",
            "Title": "Billing",
            "Notes": [{"Text": "first", "CreatedByName": "Ann"}],
            "LastClosedDate": "0001-01-01T00:00:00",
        }
    )
    camel = ServiceRequest.model_validate(
        {"id": "sr-1", "title": "Billing", "notes": [{"text": "first", "createdByName": "Ann"}]}
    )

    assert pascal == camel
    assert pascal.last_closed_date is None
    assert pascal.notes[0].text == "first"
