"""Support payloads for the API and the console/portal forms."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cspdesk.kit import validation

Category = Literal["billing", "subscription_management", "technical", "other"]
Service = Literal["azure", "microsoft_365", "dynamics_365", "other"]
Severity = Literal["A", "B", "C"]
Status = Literal["new", "open", "pending_customer", "pending_microsoft", "resolved", "closed"]
EscalationType = Literal["commercial", "technical"]
EscalationStatus = Literal["draft", "filed", "open", "attention_needed", "closed"]
PackageType = Literal["premier", "advanced", "signature"]
Channel = Literal["portal", "email", "phone"]
Currency = Annotated[str, AfterValidator(validation.currency)]
OptionalEmail = Annotated[str, AfterValidator(lambda v: validation.email(v) if v.strip() else "")]


class TicketIn(BaseModel):
    subject: str = Field(min_length=1, max_length=250)
    description: str = Field(default="", max_length=50_000)
    category: Category = "other"
    service: Service = "other"
    severity: Severity = "C"
    customer_id: uuid.UUID | None = Field(default=None, description="staff only; portal users open for their own")
    related_invoice_id: uuid.UUID | None = None
    related_subscription_id: uuid.UUID | None = None
    requester_email: OptionalEmail = ""
    requester_name: str = Field(default="", max_length=200)


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=50_000)
    internal: bool = False


class StatusIn(BaseModel):
    status: Status


class AssignIn(BaseModel):
    assignee_id: uuid.UUID | None = None


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    author_label: str
    from_staff: bool
    body: str
    via: str
    created_at: datetime


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str = Field(validation_alias="display_number")
    customer_id: uuid.UUID
    subject: str
    description: str
    category: str
    service: str
    severity: str
    priority: str
    status: str
    via: str
    requester_email: str
    assignee_id: uuid.UUID | None
    related_invoice_id: uuid.UUID | None
    related_subscription_id: uuid.UUID | None
    triage: bool
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_breached: bool
    created_at: datetime
    updated_at: datetime


class TicketDetailOut(TicketOut):
    messages: list[MessageOut] = []


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    page: int
    size: int


class TargetIn(BaseModel):
    first_response: int = Field(ge=1, le=525_600)
    resolution: int = Field(ge=1, le=5_256_000)

    @model_validator(mode="after")
    def _order(self) -> TargetIn:
        if self.resolution < self.first_response:
            raise ValueError("resolution target is shorter than the first-response target")
        return self


class PlanIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=5000)
    channels: list[Channel] = Field(default_factory=lambda: list[Channel](["portal", "email"]))
    calendar: dict[str, Any]
    targets: dict[Severity, TargetIn]
    monthly_price_minor: int = Field(default=0, ge=0)
    currency: Currency = "EUR"
    is_default: bool = False

    @field_validator("targets")
    @classmethod
    def _all_severities(cls, value: dict[str, TargetIn]) -> dict[str, TargetIn]:
        if set(value) != {"A", "B", "C"}:
            raise ValueError("targets are needed for severities A, B and C")
        return value


class PlanPatch(BaseModel):
    """Fields to change; `calendar` and `targets` are replaced whole."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=5000)
    channels: list[Channel] | None = None
    calendar: dict[str, Any] | None = None
    targets: dict[Severity, TargetIn] | None = None
    monthly_price_minor: int | None = Field(default=None, ge=0)
    currency: Currency | None = None
    is_default: bool | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    channels: list[str]
    calendar: dict[str, Any]
    targets: dict[str, Any]
    monthly_price_minor: int
    currency: str
    is_default: bool


class ProfileIn(BaseModel):
    email: OptionalEmail = ""
    phone: str = Field(default="", max_length=40)
    website: str = Field(default="", max_length=300)
    hours_text: str = Field(default="", max_length=2000)
    indirect_reseller: bool = False


class PackageIn(BaseModel):
    package_type: PackageType
    valid_from: date
    valid_to: date | None = None
    reference: str = Field(default="", max_length=120)

    @model_validator(mode="after")
    def _dates(self) -> PackageIn:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class PackagePatch(BaseModel):
    """Fields to change; `valid_to: null` makes the package open-ended."""

    package_type: PackageType | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    reference: str | None = Field(default=None, max_length=120)


class PackageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    package_type: str
    valid_from: date
    valid_to: date | None
    reference: str


class EscalationIn(BaseModel):
    escalation_type: EscalationType
    tried: str = Field(default="", max_length=10_000)


class EscalationPatch(BaseModel):
    microsoft_case_number: str | None = Field(default=None, max_length=64)
    status: EscalationStatus | None = None
    note: str = Field(default="", max_length=10_000)


class EscalationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ticket_id: uuid.UUID
    escalation_type: str
    severity: str
    status: str
    microsoft_case_number: str | None
    case_summary: str
    notes: str
    synced_at: datetime | None
