"""Byte-level checks of a Partner Center file: emptiness, byte order marks and UTF-8 validity.

Partner Center exports UTF-8, with or without a BOM. A UTF-16 file means somebody opened the export in Excel and
saved it as "Unicode Text": Excel rewrites numbers and dates to what the cells display on that PC (rounded prices,
local date order), so the file is refused rather than transcoded; the message says how to get a faithful file.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from cspdesk.microsoft.files.errors import EmptyFileError, FileEncodingError

UTF8_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 20

_REDOWNLOAD_HINT = (
    "Download the file again from Partner Center (Billing > invoices / reconciliation files) and upload it "
    "unchanged; if it must go through Excel, save it as 'CSV UTF-8 (Comma delimited) (*.csv)'"
)

_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "UTF-16 BE"),
)


def check_not_empty(path: Path, label: str) -> None:
    """Raise EmptyFileError for a 0-byte file or one holding only whitespace (read until the first other byte)."""
    with path.open("rb") as stream:
        first = stream.read(_CHUNK)
        if not first:
            raise EmptyFileError(label, "the file is empty (0 bytes)", hint=_REDOWNLOAD_HINT)
        chunk = first.removeprefix(UTF8_BOM)
        while not chunk.strip():
            chunk = stream.read(_CHUNK)
            if not chunk:
                raise EmptyFileError(label, "the file contains only whitespace", hint=_REDOWNLOAD_HINT)


def check_supported_encoding(path: Path, label: str) -> None:
    """Refuse UTF-16/32 files (BOM or NUL bytes at the start) with a message that says how to fix them."""
    with path.open("rb") as stream:
        start = stream.read(4096)
    for bom, name in _WIDE_BOMS:
        if start.startswith(bom):
            raise FileEncodingError(
                label,
                f"the file is {name} text (as Excel's 'Unicode Text' save produces), not the UTF-8 CSV "
                "Partner Center exports; Excel may also have rounded numbers and reformatted dates",
                line=1,
                hint=_REDOWNLOAD_HINT,
            )
    if b"\x00" in start:
        raise FileEncodingError(
            label,
            "the file contains NUL bytes: it looks like UTF-16 text without a byte order mark",
            line=1,
            hint=_REDOWNLOAD_HINT,
        )


@dataclass(frozen=True, slots=True)
class InvalidUtf8:
    offset: int
    line: int
    bad_bytes: bytes
    line_prefix: bytes


def find_invalid_utf8(path: Path) -> InvalidUtf8 | None:
    """Where the first byte that is not valid UTF-8 is, streaming through the file."""
    newlines_before = 0
    base = 0
    pending = b""
    last_line_start = b""
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(_CHUNK)
            data = pending + chunk
            final = not chunk
            try:
                _, consumed = codecs.utf_8_decode(data, "strict", final)
            except UnicodeDecodeError as error:
                prefix = data[: error.start]
                line_start = prefix.rfind(b"\n")
                line_prefix = prefix[line_start + 1 :] if line_start >= 0 else last_line_start + prefix
                return InvalidUtf8(
                    offset=base + error.start,
                    line=newlines_before + prefix.count(b"\n") + 1,
                    bad_bytes=data[error.start : error.end],
                    line_prefix=line_prefix,
                )
            decoded = data[:consumed]
            newlines_before += decoded.count(b"\n")
            last_newline = decoded.rfind(b"\n")
            last_line_start = (decoded[last_newline + 1 :] if last_newline >= 0 else last_line_start + decoded)[-65536:]
            base += consumed
            pending = data[consumed:]
            if final:
                return None


def invalid_utf8_error(path: Path, label: str, header: tuple[str, ...]) -> FileEncodingError | None:
    found = find_invalid_utf8(path)
    if found is None:
        return None
    column_index = _field_index(found.line_prefix)
    column = header[column_index] if found.line > 1 and column_index < len(header) else None
    shown = " ".join(f"0x{byte:02X}" for byte in found.bad_bytes)
    as_cp1252 = found.bad_bytes.decode("cp1252", errors="replace")
    return FileEncodingError(
        label,
        f"not valid UTF-8: byte {shown} at byte offset {found.offset} "
        f"(in Windows-1252 this would be {as_cp1252!r}, so the file was probably re-saved in a legacy encoding)",
        line=found.line,
        column=column,
        hint=_REDOWNLOAD_HINT,
    )


def _field_index(line_prefix: bytes) -> int:
    """How many separators lie outside quotes before the bad byte: the index of the field that holds it."""
    in_quotes = False
    index = 0
    for byte in line_prefix:
        if byte == 0x22:
            in_quotes = not in_quotes
        elif byte == 0x2C and not in_quotes:
            index += 1
    return index
