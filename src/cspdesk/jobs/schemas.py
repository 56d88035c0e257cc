"""API shapes of outbox messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class OutboxMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    idempotency_key: str
    payload_json: str
    priority: int
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None
    result: str
    locked_by: str | None
    locked_until: datetime | None
    created_at: datetime
    done_at: datetime | None
    subject_type: str
    subject_id: str


class OutboxPage(BaseModel):
    items: list[OutboxMessageOut]
    total: int
    page: int
    size: int
    counts: dict[str, Any]
