"""Files that cannot be read at all: each message names the file, the line, the column when there is one, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from cspdesk.microsoft.files import (
    DuplicateHeaderError,
    EmptyFileError,
    FileEncodingError,
    FileKind,
    MalformedCsvError,
    MissingColumnsError,
    PartnerCenterFileError,
    TruncatedFileError,
    UnknownFileKindError,
    read_partner_center_file,
)
from tests.microsoft.files.helpers import fixture_path, template_row, write_rows


def _error(name: str, kind: str = "auto") -> PartnerCenterFileError:
    with pytest.raises(PartnerCenterFileError) as raised:
        read_partner_center_file(fixture_path(name), kind)
    return raised.value


def test_empty_file() -> None:
    error = _error("empty.csv")
    assert isinstance(error, EmptyFileError)
    assert str(error).startswith("empty.csv: the file is empty (0 bytes). Download the file again")


def test_whitespace_only_file() -> None:
    error = _error("whitespace_only.csv")
    assert isinstance(error, EmptyFileError)
    assert str(error).startswith("whitespace_only.csv: the file contains only whitespace.")


@pytest.mark.parametrize(("name", "encoding"), [("utf16le_excel_unicode_text.csv", "LE"), ("utf16be.csv", "BE")])
def test_utf16_is_refused_with_how_to_fix(name: str, encoding: str) -> None:
    error = _error(name)
    assert isinstance(error, FileEncodingError)
    assert (error.file, error.line) == (name, 1)
    assert f"the file is UTF-16 {encoding} text (as Excel's 'Unicode Text' save produces)" in str(error)
    assert "save it as 'CSV UTF-8 (Comma delimited) (*.csv)'" in str(error)


def test_utf16_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "nobom.csv"
    path.write_bytes("PartnerId,CustomerId\r\n".encode("utf-16-le"))
    with pytest.raises(FileEncodingError, match=r"nobom\.csv: line 1: the file contains NUL bytes"):
        read_partner_center_file(path)


def test_windows_1252_bytes_report_line_and_column() -> None:
    error = _error("cp1252.csv")
    assert isinstance(error, FileEncodingError)
    assert (error.line, error.column) == (3, "CustomerName")
    assert str(error).startswith(
        "cp1252.csv: line 3: column CustomerName: not valid UTF-8: byte 0xE9 at byte offset 912 "
        "(in Windows-1252 this would be 'é'"
    )


def test_bad_byte_far_into_a_large_file(tmp_path: Path) -> None:
    header, row = template_row("legacy_small.csv")
    path = write_rows(tmp_path / "big.csv", header, [row] * 30_000 + [row | {"OfferName": "CAFE_MARK"}])
    path.write_bytes(path.read_bytes().replace(b"CAFE_MARK", b"Caf\xe9"))
    error = _error_at(path)
    assert (error.line, error.column) == (30_002, "OfferName")


def _error_at(path: Path) -> PartnerCenterFileError:
    with pytest.raises(PartnerCenterFileError) as raised:
        read_partner_center_file(path)
    return raised.value


def test_truncated_last_line() -> None:
    error = _error("truncated_last_line.csv")
    assert isinstance(error, TruncatedFileError)
    assert str(error) == (
        "truncated_last_line.csv: line 5: truncated last line: it has 12 fields but the header has 55. "
        "The download was probably interrupted; download the file again"
    )


def test_unterminated_quote_at_the_end() -> None:
    error = _error("unterminated_quote.csv")
    assert isinstance(error, TruncatedFileError)
    assert str(error).startswith(
        "unterminated_quote.csv: line 4: unterminated quoted field: a quote opened in this record is never closed"
    )


def test_unterminated_quote_in_the_middle_swallows_the_rest(tmp_path: Path) -> None:
    header, row = template_row("legacy_small.csv")
    row |= {"CustomerName": "Fabrikam Ltd"}
    path = write_rows(tmp_path / "middle.csv", header, [row, row | {"OfferName": "QUOTE"}, row, row])
    path.write_text(path.read_text(encoding="utf-8").replace("QUOTE", '"Office 365'), encoding="utf-8")
    error = _error_at(path)
    assert isinstance(error, TruncatedFileError)
    assert (error.line, error.reason) == (3, "unterminated quoted field: a quote opened in this record is never closed")


def test_stray_quote_inside_a_value(tmp_path: Path) -> None:
    header, row = template_row("legacy_small.csv")
    path = write_rows(tmp_path / "stray.csv", header, [row, row | {"OfferName": "QUOTE"}, row])
    path.write_text(path.read_text(encoding="utf-8").replace("QUOTE", '"Office 365'), encoding="utf-8")
    error = _error_at(path)
    assert isinstance(error, MalformedCsvError)
    assert str(error) == (
        "stray.csv: line 3: malformed CSV: ',' expected after '\"' (a quote inside a value that is not doubled?)"
    )


def test_more_fields_than_the_header() -> None:
    error = _error("extra_field.csv")
    assert isinstance(error, MalformedCsvError)
    assert str(error) == (
        "extra_field.csv: line 3: the row has 29 fields but the header has 28 (an unquoted comma inside a value?)"
    )


def test_same_column_twice() -> None:
    error = _error("duplicate_column.csv")
    assert isinstance(error, DuplicateHeaderError)
    assert str(error) == (
        "duplicate_column.csv: line 1: column MpnId: duplicate header: the column appears twice, "
        "as 'MpnId' (field 7) and 'MPNID' (field 48)"
    )


def test_header_repeated_inside_the_data() -> None:
    error = _error("repeated_header.csv")
    assert isinstance(error, DuplicateHeaderError)
    assert str(error) == (
        "repeated_header.csv: line 4: duplicate header: the header row is repeated inside the data, as when two "
        "exports are concatenated; split the file at this line and import each part"
    )


def test_required_column_missing_for_the_named_kind() -> None:
    error = _error("missing_required_column.csv", kind=FileKind.NCE_RECON)
    assert isinstance(error, MissingColumnsError)
    assert str(error) == (
        "missing_required_column.csv: line 1: required columns BillableQuantity, PCToBCExchangeRate missing "
        "for a nce-recon file"
    )


def test_required_column_missing_when_detecting() -> None:
    error = _error("missing_required_column.csv")
    assert isinstance(error, UnknownFileKindError)
    assert str(error) == (
        "missing_required_column.csv: line 1: header matches no Partner Center file kind; closest is nce-recon "
        "(missing required columns: BillableQuantity, PCToBCExchangeRate)"
    )


def test_blank_first_line(tmp_path: Path) -> None:
    path = tmp_path / "blank_first.csv"
    path.write_bytes(b"\r\n" + fixture_path("legacy_small.csv").read_bytes())
    with pytest.raises(MalformedCsvError, match=r"blank_first\.csv: line 1: line 1 is blank"):
        read_partner_center_file(path)


def test_extra_column_clashing_with_a_reader_column(tmp_path: Path) -> None:
    header, row = template_row("legacy_small.csv")
    path = write_rows(tmp_path / "clash.csv", [*header, "line_no"], [row | {"line_no": "7"}])
    with pytest.raises(DuplicateHeaderError, match=r"clash\.csv: line 1: column line_no: extra column name clashes"):
        read_partner_center_file(path)


def test_file_label_replaces_the_path_in_messages() -> None:
    with pytest.raises(EmptyFileError, match=r"^upload 42 \(march\.csv\): the file is empty"):
        read_partner_center_file(fixture_path("empty.csv"), file_label="upload 42 (march.csv)")
