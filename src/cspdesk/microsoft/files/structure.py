"""CSV structure: the header row, the last record, physical line numbers and the diagnosis of broken files.

The fast path leaves tokenising to Polars. Python only reads the first and the last few kilobytes, except when
Polars refuses the file or a quoted field spans lines: then the slower, precise routines here find the line.
"""

from __future__ import annotations

import csv
import io
from array import array
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cspdesk.microsoft.files.encoding import UTF8_BOM
from cspdesk.microsoft.files.errors import FileEncodingError, MalformedCsvError, TruncatedFileError

ROW_INDEX = "__row"
OVERFLOW = "__overflow"
LINE_NO = "line_no"
_HEADER_READ_LIMIT = 1 << 20
_TAIL_BYTES = 1 << 20
# Real fields are a few kilobytes; a longer one means a quote that is never closed.
_FIELD_LIMIT = 16 << 20


def read_header(path: Path, label: str) -> tuple[str, ...]:
    """The header row's names as written (UTF-8 BOM removed), parsed as CSV."""
    with path.open("rb") as stream:
        start = stream.read(_HEADER_READ_LIMIT)
    first_line = start.removeprefix(UTF8_BOM).split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first_line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileEncodingError(
            label,
            f"the header is not valid UTF-8 (byte 0x{first_line[error.start]:02X} at offset {error.start})",
            line=1,
            hint="Download the file again from Partner Center and upload it unchanged",
        ) from error
    if not text.strip():
        raise MalformedCsvError(label, "line 1 is blank; the header row must be the first line", line=1)
    return tuple(next(csv.reader([text])))


@dataclass(frozen=True, slots=True)
class LastRecord:
    field_count: int
    lines_spanned: int
    trailing_blank_lines: int


def read_last_record(path: Path) -> LastRecord | None:
    """The last non-blank record, found from the end of the file by balancing quotes; None if not found."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        stream.seek(max(0, size - _TAIL_BYTES))
        tail = stream.read()
    lines = tail.split(b"\n")
    if size > _TAIL_BYTES:
        lines = lines[1:]
    if lines and lines[-1] == b"":
        lines.pop()
    trailing_blank = 0
    while lines and not lines[-1].rstrip(b"\r"):
        lines.pop()
        trailing_blank += 1
    record_lines: list[bytes] = []
    while lines:
        record_lines.insert(0, lines.pop())
        if sum(line.count(b'"') for line in record_lines) % 2 == 0:
            text = b"\n".join(record_lines).decode("utf-8", errors="replace")
            fields = next(csv.reader(io.StringIO(text, newline="")), [])
            return LastRecord(len(fields), len(record_lines), trailing_blank)
    return None


def check_last_record(path: Path, label: str, *, field_count: int, physical_lines: int) -> None:
    last = read_last_record(path)
    if last is None:  # quotes do not pair up near the end: let the strict parser say what is wrong, if anything
        problem = diagnose_structure(path, label, field_count=field_count)
        if problem is not None:
            raise problem
        return
    if last.field_count >= field_count:
        return
    line = physical_lines - last.trailing_blank_lines - last.lines_spanned + 1
    raise TruncatedFileError(
        label,
        f"truncated last line: it has {last.field_count} fields but the header has {field_count}",
        line=line,
        hint="The download was probably interrupted; download the file again",
    )


def physical_line_count(path: Path) -> pl.LazyFrame:
    return pl.scan_lines(path).select(pl.len().alias("physical_lines"))


def record_starts_by_quote_parity(path: Path, label: str) -> pl.DataFrame | None:
    """Physical line of each data record, for files whose quoted fields contain line breaks (vectorised).

    A line starts a record when the quotes before it pair up; blank lines are records for Polars too.
    None when the file's quotes do not pair up (a quote never closed, or a stray quote inside a value).
    """
    quotes = pl.col("line").str.count_matches('"', literal=True).fill_null(0)
    lines = (
        pl.scan_lines(path, row_index_name="__physical")
        .select(pl.col("__physical"), quotes.alias("quotes"))
        .with_columns(quotes_before=pl.col("quotes").cum_sum() - pl.col("quotes"))
        .collect(engine="streaming")
    )
    if lines.height and (lines["quotes_before"][-1] + lines["quotes"][-1]) % 2:
        return None
    return (
        lines.lazy()
        .filter(pl.col("quotes_before") % 2 == 0)
        .select((pl.col("__physical").cast(pl.Int64) + 1).alias(LINE_NO))
        .slice(1)
        .with_row_index(ROW_INDEX)
        .collect()
    )


def record_starts_by_csv(path: Path, label: str) -> pl.DataFrame:
    """Physical line of each data record as Python's csv parser sees them; raises on a broken record."""
    starts = array("q")
    previous_limit = csv.field_size_limit(_FIELD_LIMIT)
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, strict=True)
            record_start = 1
            try:
                for _ in reader:
                    starts.append(record_start)
                    record_start = reader.line_num + 1
            except csv.Error as error:
                raise _csv_error(label, str(error), record_start) from error
    finally:
        csv.field_size_limit(previous_limit)
    lines = pl.Series(LINE_NO, starts[1:], dtype=pl.Int64)
    return lines.to_frame().with_row_index(ROW_INDEX)


def diagnose_structure(path: Path, label: str, *, field_count: int) -> MalformedCsvError | None:
    """The first structural problem a strict CSV parser finds, with its physical line; None if none."""
    previous_limit = csv.field_size_limit(_FIELD_LIMIT)
    try:
        return _first_structure_problem(path, label, field_count)
    finally:
        csv.field_size_limit(previous_limit)


def _first_structure_problem(path: Path, label: str, field_count: int) -> MalformedCsvError | None:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, strict=True)
        record_start = 1
        try:
            for fields in reader:
                problem = _field_count_problem(label, fields, field_count, record_start)
                if problem is not None:
                    return problem
                record_start = reader.line_num + 1
        except csv.Error as error:
            return _csv_error(label, str(error), record_start)
    return None


def _field_count_problem(label: str, fields: list[str], field_count: int, line: int) -> MalformedCsvError | None:
    if len(fields) > field_count:
        return MalformedCsvError(
            label,
            f"the row has {len(fields)} fields but the header has {field_count} (an unquoted comma inside a value?)",
            line=line,
        )
    return None


def _csv_error(label: str, message: str, record_start: int) -> MalformedCsvError:
    if "unexpected end of data" in message or "field larger than field limit" in message:
        return TruncatedFileError(
            label,
            "unterminated quoted field: a quote opened in this record is never closed",
            line=record_start,
            hint="The file was probably cut short or edited by hand; download it again",
        )
    return MalformedCsvError(
        label, f"malformed CSV: {message} (a quote inside a value that is not doubled?)", line=record_start
    )
