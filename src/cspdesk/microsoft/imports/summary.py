"""What an import did, in numbers a billing admin checks against Partner Center: stored on the batch as JSON."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

IMPORTED = "imported"
DRY_RUN = "dry_run"
DUPLICATE_FILE = "duplicate_file"
ALREADY_BILLED = "already_billed"
NOTHING_NEW = "nothing_new"


@dataclass
class ImportSummary:
    file_name: str
    kind: str
    sha256: str
    status: str
    message: str
    batch_id: uuid.UUID | None = None
    billed: bool = False
    period_start: date | None = None
    period_end: date | None = None
    invoice_numbers: list[str] = field(default_factory=list)
    rows: int = 0
    valid_rows: int = 0
    new_rows: int = 0
    already_imported_rows: int = 0
    rejected_rows: int = 0
    customers: int = 0
    subscriptions: int = 0
    new_customers: list[dict[str, str]] = field(default_factory=list)
    new_subscriptions: list[dict[str, str]] = field(default_factory=list)
    totals_by_currency: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    totals_by_charge_type: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    superseded_batches: list[str] = field(default_factory=list)
    registered_invoices: list[str] = field(default_factory=list)
    usage_aggregates: int = 0
    rejects_path: str | None = None

    @property
    def imported(self) -> bool:
        return self.status == IMPORTED

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())  # type: ignore[no-any-return]

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_jsonable, sort_keys=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, uuid.UUID | date):
        return str(value)
    raise TypeError(type(value).__name__)


def decimal_text(value: Decimal | None) -> str:
    return _jsonable(value if value is not None else Decimal(0))  # type: ignore[no-any-return]
