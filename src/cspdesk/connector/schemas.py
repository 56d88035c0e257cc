"""API shapes of manual Partner Center tasks."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ManualTaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    action: str
    customer_id: uuid.UUID
    subscription_id: uuid.UUID
    entitlement_id: str
    target_status: str
    reason: str
    status: str
    created_at: datetime
    done_at: datetime | None
    done_by_label: str
    note: str


class ConfirmIn(BaseModel):
    note: str = Field(default="", max_length=2000)
