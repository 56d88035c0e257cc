"""Pydantic models of the Partner Center resources cspdesk reads; tolerant of values Microsoft adds later."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasGenerator,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)
from pydantic.alias_generators import to_camel, to_pascal

JsonObject = dict[str, Any]


class SubscriptionStatus(StrEnum):
    """Subscription status values documented by Microsoft; others arrive too and are kept as strings."""

    NONE = "none"
    ACTIVE = "active"
    PENDING = "pending"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    DISABLED = "disabled"
    DELETED = "deleted"


class ServiceRequestSeverity(StrEnum):
    """Severity names; lists sometimes send the numbers 0-3 instead."""

    UNKNOWN = "unknown"
    CRITICAL = "critical"
    MODERATE = "moderate"
    MINIMAL = "minimal"


class ServiceRequestStatus(StrEnum):
    """Service request status names; lists sometimes send the numbers 0-3 instead."""

    NONE = "none"
    OPEN = "open"
    CLOSED = "closed"
    ATTENTION_NEEDED = "attention_needed"


def _empty_date_as_none(value: object) -> object:
    # Partner Center writes "0001-01-01T00:00:00" for "never".
    if isinstance(value, str) and value.startswith("0001-01-01"):
        return None
    return value


def _attach_utc(value: datetime | None) -> datetime | None:
    # Some Partner Center dates come without a zone; they are UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime | None, BeforeValidator(_empty_date_as_none), AfterValidator(_attach_utc)]


def _snake_lower(value: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value.strip()).lower()


def _enum_name_normalizer(names: tuple[str, ...]) -> BeforeValidator:
    def normalize(value: object) -> object:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, int):
            return names[value] if 0 <= value < len(names) else str(value)
        if isinstance(value, str):
            return _snake_lower(value)
        return value

    return BeforeValidator(normalize)


_SUBSCRIPTION_STATUS_NAMES = tuple(member.value for member in SubscriptionStatus)
_SEVERITY_NAMES = tuple(member.value for member in ServiceRequestSeverity)
_SR_STATUS_NAMES = tuple(member.value for member in ServiceRequestStatus)


def _lower_status(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class _CamelModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore", strict=False
    )


class _PascalModel(BaseModel):
    # Service requests use PascalCase in the classic docs and camelCase in the newer ones: accept both.
    model_config = ConfigDict(
        alias_generator=AliasGenerator(
            validation_alias=lambda name: AliasChoices(to_pascal(name), to_camel(name)),
            serialization_alias=to_pascal,
        ),
        populate_by_name=True,
        frozen=True,
        extra="ignore",
    )


class CompanyProfile(_CamelModel):
    """The customer's company as Partner Center knows it."""

    tenant_id: str | None = None
    domain: str | None = None
    company_name: str | None = None


class Customer(_CamelModel):
    """A customer tenant of the partner."""

    id: str
    company_profile: CompanyProfile = Field(default_factory=CompanyProfile)
    relationship_to_partner: str | None = None

    @property
    def company_name(self) -> str | None:
        return self.company_profile.company_name

    @property
    def domain(self) -> str | None:
        return self.company_profile.domain


class Subscription(_CamelModel):
    """A customer subscription; `status` keeps any string Microsoft sends, `status_known` flags new ones."""

    id: str
    offer_id: str | None = None
    offer_name: str | None = None
    friendly_name: str | None = None
    quantity: int = 0
    unit_type: str | None = None
    creation_date: UtcDatetime = None
    effective_start_date: UtcDatetime = None
    commitment_end_date: UtcDatetime = None
    status: Annotated[str, BeforeValidator(_lower_status)] = SubscriptionStatus.NONE.value
    auto_renew_enabled: bool | None = None
    billing_type: str | None = None
    billing_cycle: str | None = None
    term_duration: str | None = None
    is_trial: bool = False
    suspension_reasons: tuple[str, ...] = ()
    cancellation_allowed_until_date: UtcDatetime = None
    etag: str | None = Field(default=None, validation_alias=AliasPath("attributes", "etag"))

    @property
    def status_known(self) -> bool:
        return self.status in _SUBSCRIPTION_STATUS_NAMES

    def has_status(self, status: str) -> bool:
        return self.status == status.strip().lower()


class AzureEntitlement(_CamelModel):
    """An Azure subscription under a customer's Azure plan."""

    id: str
    friendly_name: str | None = None
    status: Annotated[str, BeforeValidator(_lower_status)] = "active"
    subscription_id: str | None = None
    entitlement_type: str | None = None


class ServiceRequestContact(_PascalModel):
    """The customer contact named on a service request."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None


class ServiceRequestNote(_PascalModel):
    """One note in a service request's history."""

    created_by_name: str | None = None
    created_date: UtcDatetime = None
    text: str = ""


class ServiceRequest(_PascalModel):
    """A Partner Center support ticket; severity and status accept names or the numbers 0-3."""

    id: str
    title: str | None = None
    description: str | None = None
    severity: Annotated[str, _enum_name_normalizer(_SEVERITY_NAMES)] = ServiceRequestSeverity.UNKNOWN.value
    support_topic_name: str | None = None
    status: Annotated[str, _enum_name_normalizer(_SR_STATUS_NAMES)] = ServiceRequestStatus.NONE.value
    primary_contact: ServiceRequestContact | None = None
    product_name: str | None = None
    created_date: UtcDatetime = None
    last_modified_date: UtcDatetime = None
    last_closed_date: UtcDatetime = None
    notes: tuple[ServiceRequestNote, ...] = ()

    @property
    def severity_known(self) -> bool:
        return self.severity in _SEVERITY_NAMES

    @property
    def status_known(self) -> bool:
        return self.status in _SR_STATUS_NAMES


class SupportProfile(_CamelModel):
    """The support contact the partner shows its customers."""

    email: str | None = None
    telephone: str | None = None
    website: str | None = None


def subscription_etag(body: Mapping[str, Any]) -> str | None:
    """The ETag Partner Center puts in a subscription body's `attributes`."""
    attributes = body.get("attributes")
    if isinstance(attributes, Mapping):
        etag = attributes.get("etag")
        return etag if isinstance(etag, str) else None
    return None
