"""Why an import was refused, in a form every boundary can show: file, line, column, value, reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cspdesk.kit.errors import AppError
from cspdesk.microsoft.files import PartnerCenterFileError, RowError

MAX_DETAILS = 200


def row_error_detail(error: RowError) -> dict[str, Any]:
    return {
        "file": error.file,
        "line": error.line,
        "column": error.column,
        "value": error.value,
        "reason": str(error.reason),
        "field": f"line {error.line} {error.column}",
        "message": f"{error.reason} (value {error.value!r})",
    }


class ImportRejected(AppError):
    """The file has invalid rows and --skip-invalid was not given: nothing was imported."""

    status_code = 422
    code = "import_rejected"

    def __init__(self, file_label: str, error_count: int, errors: Sequence[RowError]) -> None:
        super().__init__(
            f"{file_label}: {error_count} invalid value(s); nothing was imported. "
            'Fix the file, or import only the valid rows (console: tick "Import valid rows, skip invalid ones"; '
            "command line: --skip-invalid).",
            details=[row_error_detail(error) for error in errors[:MAX_DETAILS]],
        )
        self.row_errors = tuple(errors)
        self.error_count = error_count


class ImportFileUnreadable(AppError):
    """The file cannot be read at all (empty, wrong encoding, truncated, duplicate header, unknown kind)."""

    status_code = 422
    code = "import_file_unreadable"

    def __init__(self, error: PartnerCenterFileError) -> None:
        detail = {"file": error.file, "line": error.line, "column": error.column, "reason": error.reason}
        super().__init__(str(error), details=[detail | {"field": "file", "message": str(error)}])
        self.file_error = error


class ImportConflict(AppError):
    """The file contradicts data already imported for the same invoice and period."""

    status_code = 409
    code = "import_conflict"


class UploadTooLarge(AppError):
    status_code = 413
    code = "upload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the upload limit of {limit:,} bytes (CSPDESK_UPLOAD_MAX_BYTES)")
