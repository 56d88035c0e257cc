"""Partner Center file readers: NCE reconciliation, NCE daily rated usage and legacy license files.

Pure functions over files, no database. `read_partner_center_file` validates a file in one streaming Polars pass
and returns a `ParsedFile`: counts, the first row errors, per-currency totals and a LazyFrame of typed valid rows.

Decisions (CSP-REFERENCE.md section 2 gives the formats):
- Numbers are parsed from their text into Decimal(38, 18), never through float. Exponents (1E-06, as .NET
  writes small doubles) are accepted and converted exactly; a value needing more than 18 decimal places is a
  row error, never rounded.
- Dates are M/D/YYYY with an optional H:MM or H:MM:SS, UTC: each date column gives a Date and, when a time was
  written, a `<column>_at` UTC datetime. Two-digit years are row errors.
- UTF-8 with or without BOM is read. UTF-16 (Excel's "Unicode Text") is refused with a how-to-fix message:
  Excel rewrites prices and dates as displayed, so transcoding would import altered values.
- Header only is a result (status HEADER_ONLY), not an error; blank lines are counted, not rejected.
- A row with fewer fields than the header is padded with blanks by the CSV reader and shows up as row errors,
  except the last row, which is reported as a truncated file.
"""

from cspdesk.microsoft.files.charge_types import (
    LEGACY_CHARGE_TYPES,
    NCE_CHARGE_TYPES,
    canonical_charge_type,
    is_known_charge_type,
)
from cspdesk.microsoft.files.errors import (
    DuplicateHeaderError,
    EmptyFileError,
    FileEncodingError,
    MalformedCsvError,
    MissingColumnsError,
    PartnerCenterFileError,
    RowError,
    RowErrorReason,
    TruncatedFileError,
    UnknownFileKindError,
)
from cspdesk.microsoft.files.fingerprint import ROW_KEY, file_fingerprint, row_key_columns, with_row_keys
from cspdesk.microsoft.files.formulas import (
    expected_subtotal,
    is_usage_based,
    rounddown,
    seat_based_subtotal,
    usage_based_subtotal,
)
from cspdesk.microsoft.files.header import DATETIME_SUFFIX, PRODUCT_FAMILY, PRODUCT_KIND
from cspdesk.microsoft.files.kinds import KIND_SPECS, ColumnType, FileKind, canonical_name, detect_kind
from cspdesk.microsoft.files.products import ProductKind
from cspdesk.microsoft.files.reader import MAX_ERRORS_KEPT, ParsedFile, ParseStatus, read_partner_center_file
from cspdesk.microsoft.files.rejects import write_rejects
from cspdesk.microsoft.files.scan import REJECT_COLUMN, REJECT_LINE, REJECT_REASON
from cspdesk.microsoft.files.structure import LINE_NO
from cspdesk.microsoft.files.values import DECIMAL_DTYPE, DECIMAL_SCALE, ISO_CURRENCIES
from cspdesk.models.subscription import ProductFamily

__all__ = [
    "DATETIME_SUFFIX",
    "DECIMAL_DTYPE",
    "DECIMAL_SCALE",
    "ISO_CURRENCIES",
    "KIND_SPECS",
    "LEGACY_CHARGE_TYPES",
    "LINE_NO",
    "MAX_ERRORS_KEPT",
    "NCE_CHARGE_TYPES",
    "PRODUCT_FAMILY",
    "PRODUCT_KIND",
    "REJECT_COLUMN",
    "REJECT_LINE",
    "REJECT_REASON",
    "ROW_KEY",
    "ColumnType",
    "DuplicateHeaderError",
    "EmptyFileError",
    "FileEncodingError",
    "FileKind",
    "MalformedCsvError",
    "MissingColumnsError",
    "ParseStatus",
    "ParsedFile",
    "PartnerCenterFileError",
    "ProductFamily",
    "ProductKind",
    "RowError",
    "RowErrorReason",
    "TruncatedFileError",
    "UnknownFileKindError",
    "canonical_charge_type",
    "canonical_name",
    "detect_kind",
    "expected_subtotal",
    "file_fingerprint",
    "is_known_charge_type",
    "is_usage_based",
    "read_partner_center_file",
    "rounddown",
    "row_key_columns",
    "seat_based_subtotal",
    "usage_based_subtotal",
    "with_row_keys",
    "write_rejects",
]
