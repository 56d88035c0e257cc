"""Errors raised or reported while reading Partner Center files.

File-level problems make the whole file unusable and are raised as `PartnerCenterFileError` subclasses.
Row-level problems reject one row and are reported as `RowError` values; the rest of the file is still read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RowErrorReason(StrEnum):
    MISSING_VALUE = "missing required value"
    BAD_NUMBER = "bad number: expected a plain decimal such as -1209.60 (or 1.5E-05)"
    TOO_MANY_DECIMALS = "too many decimal places: at most 18 can be kept exactly"
    BAD_DATE = "bad date: expected M/D/YYYY, optionally followed by H:MM or H:MM:SS"
    UNKNOWN_CURRENCY = "unknown currency: not an ISO 4217 code"


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    column: str
    value: str | None
    reason: RowErrorReason

    def __str__(self) -> str:
        return f"{self.file}: line {self.line}: column {self.column}: {self.reason} (value {self.value!r})"


class PartnerCenterFileError(ValueError):
    """The file cannot be read at all; the message says where and how to fix it."""

    def __init__(
        self,
        file: str,
        reason: str,
        *,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.reason = reason
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        message = ": ".join([*parts, self.reason])
        return f"{message}. {self.hint}" if self.hint else message


class EmptyFileError(PartnerCenterFileError):
    pass


class FileEncodingError(PartnerCenterFileError):
    pass


class MalformedCsvError(PartnerCenterFileError):
    pass


class TruncatedFileError(MalformedCsvError):
    pass


class DuplicateHeaderError(PartnerCenterFileError):
    pass


class MissingColumnsError(PartnerCenterFileError):
    pass


class UnknownFileKindError(MissingColumnsError):
    pass
