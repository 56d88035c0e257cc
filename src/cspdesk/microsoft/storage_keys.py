"""Where imported files and usage detail live in Storage.

Usage detail is partitioned by customer tenant and usage month, one file per batch, so one customer's month is
read without touching anyone else's rows: `usage/<tenant>/<YYYY-MM>/<batch id>-<n>.parquet`.
"""

from __future__ import annotations

import uuid
from datetime import datetime


def archive_key(batch_id: uuid.UUID, imported_at: datetime, file_name: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in file_name)[:120] or "file.csv"
    return f"imports/{imported_at:%Y/%m}/{batch_id}/{safe}.zst"


def usage_prefix(customer_tenant_id: uuid.UUID | str, period: str) -> str:
    return f"usage/{str(customer_tenant_id).lower()}/{period}/"


def usage_key(customer_tenant_id: uuid.UUID | str, period: str, batch_id: uuid.UUID, part: int) -> str:
    return f"{usage_prefix(customer_tenant_id, period)}{batch_id}-{part}.parquet"


def batch_of_usage_key(key: str) -> uuid.UUID:
    name = key.rsplit("/", 1)[-1]
    return uuid.UUID(name[:36])
