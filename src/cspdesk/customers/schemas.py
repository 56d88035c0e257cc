"""Customer and subscription payloads for the API and the console forms."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from cspdesk.kit import validation
from cspdesk.models.subscription import PRODUCT_FAMILIES

Country = Annotated[str, AfterValidator(validation.country)]
Currency = Annotated[str, AfterValidator(validation.currency)]
Email = Annotated[str, AfterValidator(validation.email)]
Language = Annotated[str, AfterValidator(validation.language)]
CustomerStatus = Literal["active", "inactive", "prospect"]
ProductFamily = Literal["azure_plan", "microsoft_365", "dynamics_365", "software", "marketplace", "other"]
Term = Literal["P1M", "P1Y", "P3Y"]
BillingFrequency = Literal["monthly", "annual", "triennial", "one_time", "usage"]

assert set(PRODUCT_FAMILIES) == set(ProductFamily.__args__)  # type: ignore[attr-defined]


class ContactIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: Email
    phone: str = Field(default="", max_length=40)


class ContactOut(ContactIn):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID


class CustomerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    tenant_id: uuid.UUID
    primary_domain: str = Field(default="", max_length=253)
    country: Country
    billing_currency: Currency
    language: Language = "en"
    group: str | None = Field(default=None, max_length=120, description="customer group name; created if new")
    tax_id: str = Field(default="", max_length=64)
    notes: str = Field(default="", max_length=10000)
    status: CustomerStatus = "active"
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class CustomerPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    primary_domain: str | None = Field(default=None, max_length=253)
    country: Country | None = None
    billing_currency: Currency | None = None
    language: Language | None = None
    group: str | None = Field(default=None, max_length=120)
    tax_id: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, max_length=10000)
    status: CustomerStatus | None = None
    needs_review: bool | None = None
    contacts: list[ContactIn] | None = Field(default=None, max_length=20)


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    tenant_id: uuid.UUID
    primary_domain: str
    country: str
    billing_currency: str
    language: str
    group_name: str | None
    tax_id: str
    notes: str
    status: str
    needs_review: bool
    contacts: list[ContactOut]
    created_at: datetime
    updated_at: datetime


class PortalCustomerOut(BaseModel):
    """What a portal user sees of their own company: no internal notes or review flags."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    tenant_id: uuid.UUID
    primary_domain: str
    country: str
    billing_currency: str
    language: str
    contacts: list[ContactOut]


class SubscriptionIn(BaseModel):
    microsoft_id: str = Field(min_length=1, max_length=64)
    offer_id: str = Field(default="", max_length=120)
    sku_id: str = Field(default="", max_length=64)
    product_name: str = Field(min_length=1, max_length=250)
    product_family: ProductFamily = "other"
    quantity: int = Field(default=1, ge=0, le=10_000_000)
    unit_type: str = Field(default="Licenses", max_length=40)
    term: Term | None = None
    billing_frequency: BillingFrequency | None = None
    start_date: date | None = None
    end_date: date | None = None
    auto_renew: bool = True
    status: str = Field(default="active", min_length=1, max_length=40)

    @model_validator(mode="after")
    def _dates_in_order(self) -> SubscriptionIn:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class SubscriptionPatch(BaseModel):
    offer_id: str | None = Field(default=None, max_length=120)
    sku_id: str | None = Field(default=None, max_length=64)
    product_name: str | None = Field(default=None, min_length=1, max_length=250)
    product_family: ProductFamily | None = None
    quantity: int | None = Field(default=None, ge=0, le=10_000_000)
    unit_type: str | None = Field(default=None, max_length=40)
    term: Term | None = None
    billing_frequency: BillingFrequency | None = None
    start_date: date | None = None
    end_date: date | None = None
    auto_renew: bool | None = None
    status: str | None = Field(default=None, min_length=1, max_length=40)
    needs_review: bool | None = None


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    microsoft_id: str
    customer_id: uuid.UUID
    offer_id: str
    sku_id: str
    product_name: str
    product_family: str
    quantity: int
    unit_type: str
    term: str | None
    billing_frequency: str | None
    start_date: date | None
    end_date: date | None
    auto_renew: bool
    status: str
    status_known: bool
    needs_review: bool
