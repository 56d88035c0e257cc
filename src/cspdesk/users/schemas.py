"""User payloads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from cspdesk.auth.permissions import PORTAL_ROLES, STAFF_ROLES, Role
from cspdesk.kit import validation

Email = Annotated[str, AfterValidator(validation.email)]
Language = Annotated[str, AfterValidator(validation.language)]


def _check_roles(kind: str, roles: list[Role], customer_id: uuid.UUID | None) -> None:
    allowed = STAFF_ROLES if kind == "staff" else PORTAL_ROLES
    wrong = [r.value for r in roles if r not in allowed]
    if wrong:
        raise ValueError(f"roles {', '.join(wrong)} are not {kind} roles")
    if kind == "portal" and customer_id is None:
        raise ValueError("a portal user belongs to one customer: customer_id is required")
    if kind == "staff" and customer_id is not None:
        raise ValueError("staff users do not belong to a customer")


class UserIn(BaseModel):
    email: Email
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=200)
    kind: Literal["staff", "portal"] = "staff"
    roles: list[Role] = Field(min_length=1)
    customer_id: uuid.UUID | None = None
    language: Language = "en"

    @model_validator(mode="after")
    def _roles_fit_kind(self) -> UserIn:
        _check_roles(self.kind, self.roles, self.customer_id)
        return self


class UserPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1)
    language: Language | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    kind: str
    roles: list[str] = Field(validation_alias="role_names")
    customer_id: uuid.UUID | None
    language: str
    is_active: bool
    created_at: datetime


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    token: str = Field(description="the token itself: shown once, only its hash is stored")
    expires_at: datetime
