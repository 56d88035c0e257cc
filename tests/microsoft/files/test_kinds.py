from __future__ import annotations

import pytest

from cspdesk.microsoft.files import (
    KIND_SPECS,
    FileKind,
    UnknownFileKindError,
    canonical_name,
    detect_kind,
    read_partner_center_file,
)
from tests.microsoft.files.helpers import fixture_path, template_row


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("recon_microsoft_examples.csv", FileKind.NCE_RECON),
        ("usage_small.csv", FileKind.DAILY_USAGE),
        ("legacy_small.csv", FileKind.LEGACY_LICENSE),
        ("recon_aliases_case.csv", FileKind.NCE_RECON),
    ],
)
def test_detect_kind_from_header_names(fixture: str, kind: FileKind) -> None:
    header, _ = template_row(fixture)
    assert detect_kind(header) is kind


def test_detect_kind_ignores_order_and_case() -> None:
    header = [name.upper() for name in reversed(KIND_SPECS[FileKind.DAILY_USAGE].column_names)]
    assert detect_kind(header) is FileKind.DAILY_USAGE


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("MpnId", "MpnId"),
        ("MPNID", "MpnId"),
        ("Tier2MpnId", "Tier2MpnId"),
        ("ResellerMpnId", "Tier2MpnId"),
        ("ResellerMPNID", "Tier2MpnId"),
        ("ReferenceID", "ReferenceId"),
        ("PromotionID", "PromotionId"),
        ("  billingpretaxtotal ", "BillingPreTaxTotal"),
        ("PCTOBCEXCHANGERATE", "PCToBCExchangeRate"),
        ("PartnerNotes", None),
    ],
)
def test_canonical_name(written: str, canonical: str | None) -> None:
    assert canonical_name(written) == canonical


def test_unknown_header_names_the_closest_kind_and_its_missing_columns() -> None:
    header = [name for name in KIND_SPECS[FileKind.NCE_RECON].column_names if name != "BillableQuantity"]
    with pytest.raises(UnknownFileKindError) as raised:
        detect_kind(header, file_label="march.csv")
    message = str(raised.value)
    assert message == (
        "march.csv: line 1: header matches no Partner Center file kind; closest is nce-recon "
        "(missing required columns: BillableQuantity)"
    )


def test_price_list_is_not_a_reconciliation_file() -> None:
    with pytest.raises(UnknownFileKindError, match=r"unknown_kind\.csv: line 1: header matches no Partner Center"):
        read_partner_center_file(fixture_path("unknown_kind.csv"))


def test_every_kind_has_distinct_required_columns() -> None:
    for spec in KIND_SPECS.values():
        assert detect_kind(spec.required_names) is spec.kind
