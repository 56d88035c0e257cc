"""The three Partner Center file kinds, their columns and how a header is matched to them.

Column lists follow CSP-REFERENCE.md sections 2.1-2.3. A column is "required" when the header must contain it for
the file to be recognised; the documented columns that came and went between export versions are optional and,
when absent, are added as typed nulls so every file of a kind has the same schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum

from cspdesk.microsoft.files.errors import UnknownFileKindError


class FileKind(StrEnum):
    NCE_RECON = "nce-recon"
    DAILY_USAGE = "daily-usage"
    LEGACY_LICENSE = "legacy-license"


class ColumnType(Enum):
    TEXT = "text"
    DECIMAL = "decimal"
    DATE = "date"
    CURRENCY = "currency"
    CHARGE_TYPE = "charge_type"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    value_required: bool = False


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: FileKind
    columns: tuple[ColumnSpec, ...]
    currency_column: str
    amount_columns: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


_T, _D, _DT, _C, _CT = (
    ColumnType.TEXT,
    ColumnType.DECIMAL,
    ColumnType.DATE,
    ColumnType.CURRENCY,
    ColumnType.CHARGE_TYPE,
)


def _req(name: str, type_: ColumnType = _T, *, value: bool = False) -> ColumnSpec:
    return ColumnSpec(name, type_, required=True, value_required=value)


def _opt(name: str, type_: ColumnType = _T) -> ColumnSpec:
    return ColumnSpec(name, type_)


NCE_RECON = KindSpec(
    kind=FileKind.NCE_RECON,
    columns=(
        _req("PartnerId"),
        _req("CustomerId", value=True),
        _req("CustomerName"),
        _opt("CustomerDomainName"),
        _opt("CustomerCountry"),
        _req("InvoiceNumber"),
        _opt("MpnId"),
        _opt("Tier2MpnId"),
        _req("OrderId"),
        _opt("OrderDate", _DT),
        _req("ProductId", value=True),
        _req("SkuId"),
        _opt("AvailabilityId"),
        _req("SkuName"),
        _req("ProductName"),
        _req("ChargeType", _CT, value=True),
        _req("UnitPrice", _D),
        _req("Quantity", _D),
        _req("Subtotal", _D, value=True),
        _req("TaxTotal", _D, value=True),
        _req("Total", _D, value=True),
        _req("Currency", _C, value=True),
        _opt("PriceAdjustmentDescription"),
        _req("PublisherName"),
        _opt("PublisherId"),
        _req("SubscriptionDescription"),
        _req("SubscriptionId", value=True),
        _req("ChargeStartDate", _DT, value=True),
        _req("ChargeEndDate", _DT),
        _req("TermAndBillingCycle"),
        _req("EffectiveUnitPrice", _D),
        _opt("UnitType"),
        _opt("AlternateId"),
        _req("BillableQuantity", _D),
        _opt("BillingFrequency"),
        _req("PricingCurrency", _C),
        _req("PCToBCExchangeRate", _D),
        _opt("PCToBCExchangeRateDate", _DT),
        _opt("MeterDescription"),
        _opt("ReservationOrderId"),
        _opt("CreditReasonCode"),
        _opt("SubscriptionStartDate", _DT),
        _opt("SubscriptionEndDate", _DT),
        _opt("ReferenceId"),
        _opt("ProductQualifiers"),
        _opt("PromotionId"),
        _opt("ProductCategory"),
    ),
    currency_column="Currency",
    amount_columns=("Subtotal", "TaxTotal", "Total"),
)

DAILY_USAGE = KindSpec(
    kind=FileKind.DAILY_USAGE,
    columns=(
        _req("PartnerId"),
        _opt("PartnerName"),
        _req("CustomerId", value=True),
        _req("CustomerName"),
        _opt("CustomerDomainName"),
        _opt("CustomerCountry"),
        _opt("MpnId"),
        _opt("Tier2MpnId"),
        _opt("InvoiceNumber"),
        _req("ProductId"),
        _req("SkuId"),
        _opt("AvailabilityId"),
        _opt("SkuName"),
        _opt("ProductName"),
        _opt("PublisherName"),
        _opt("PublisherId"),
        _opt("SubscriptionDescription"),
        _req("SubscriptionId", value=True),
        _req("ChargeStartDate", _DT),
        _req("ChargeEndDate", _DT),
        _req("UsageDate", _DT, value=True),
        _opt("MeterType"),
        _req("MeterCategory"),
        _req("MeterId"),
        _opt("MeterSubCategory"),
        _req("MeterName"),
        _opt("MeterRegion"),
        _opt("Unit"),
        _opt("ResourceLocation"),
        _opt("ConsumedService"),
        _opt("ResourceGroup"),
        _opt("ResourceURI"),
        _req("ChargeType", _CT),
        _req("UnitPrice", _D),
        _req("Quantity", _D, value=True),
        _opt("UnitType"),
        _req("BillingPreTaxTotal", _D, value=True),
        _req("BillingCurrency", _C, value=True),
        _req("PricingPreTaxTotal", _D),
        _req("PricingCurrency", _C),
        _opt("ServiceInfo1"),
        _opt("ServiceInfo2"),
        _opt("Tags"),
        _opt("AdditionalInfo"),
        _req("EffectiveUnitPrice", _D),
        _req("PCToBCExchangeRate", _D),
        _opt("PCToBCExchangeRateDate", _DT),
        _req("EntitlementId", value=True),
        _opt("EntitlementDescription"),
        _opt("PartnerEarnedCreditPercentage", _D),
        _opt("CreditPercentage", _D),
        _opt("CreditType"),
        _opt("BenefitOrderId"),
        _opt("BenefitId"),
        _opt("BenefitType"),
    ),
    currency_column="BillingCurrency",
    amount_columns=("BillingPreTaxTotal",),
)

LEGACY_LICENSE = KindSpec(
    kind=FileKind.LEGACY_LICENSE,
    columns=(
        _req("PartnerId"),
        _req("CustomerId", value=True),
        _req("CustomerName"),
        _opt("MpnId"),
        _opt("Tier2MpnId"),
        _req("OrderId"),
        _req("SubscriptionId"),
        _req("SyndicationPartnerSubscriptionNumber", value=True),
        _req("OfferId"),
        _req("DurableOfferId"),
        _req("OfferName"),
        _req("SubscriptionStartDate", _DT),
        _req("SubscriptionEndDate", _DT),
        _req("ChargeStartDate", _DT, value=True),
        _req("ChargeEndDate", _DT),
        _req("ChargeType", _CT, value=True),
        _req("UnitPrice", _D),
        _req("Quantity", _D),
        _req("Amount", _D, value=True),
        _req("TotalOtherDiscount", _D),
        _req("Subtotal", _D, value=True),
        _req("Tax", _D, value=True),
        _req("TotalForCustomer", _D, value=True),
        _req("Currency", _C, value=True),
        _opt("DomainName"),
        _opt("SubscriptionName"),
        _opt("SubscriptionDescription"),
        _opt("BillingCycleType"),
    ),
    currency_column="Currency",
    amount_columns=("Amount", "TotalOtherDiscount", "Subtotal", "Tax", "TotalForCustomer"),
)

KIND_SPECS: dict[FileKind, KindSpec] = {spec.kind: spec for spec in (NCE_RECON, DAILY_USAGE, LEGACY_LICENSE)}

# Keys are lower case: header names are compared case-insensitively.
_ALIASES: dict[str, str] = {
    "mpnid": "MpnId",
    "tier2mpnid": "Tier2MpnId",
    "resellermpnid": "Tier2MpnId",
    "referenceid": "ReferenceId",
    "promotionid": "PromotionId",
}

_KNOWN_NAMES: dict[str, str] = {
    name.lower(): name for spec in KIND_SPECS.values() for name in spec.column_names
} | _ALIASES


def canonical_name(header_name: str) -> str | None:
    """The reference spelling of a header name, or None when no Partner Center file documents it."""
    return _KNOWN_NAMES.get(header_name.strip().lower())


def header_spellings(canonical: str) -> frozenset[str]:
    """Every spelling of a column seen in a header row: used to spot a header repeated inside the data."""
    lowered = {key for key, name in _KNOWN_NAMES.items() if name == canonical}
    return frozenset(lowered | {canonical, canonical.upper()})


@dataclass(frozen=True, slots=True)
class KindMatch:
    spec: KindSpec
    missing_required: tuple[str, ...]
    known_columns_present: int

    @property
    def is_complete(self) -> bool:
        return not self.missing_required


def match_kind(spec: KindSpec, header: Iterable[str]) -> KindMatch:
    present = {canonical_name(name) for name in header}
    missing = tuple(name for name in spec.required_names if name not in present)
    known = sum(1 for name in spec.column_names if name in present)
    return KindMatch(spec, missing, known)


def detect_kind(header: Sequence[str], *, file_label: str = "<header>") -> FileKind:
    """The file kind whose required columns all appear in `header` (names compared case-insensitively).

    Raises UnknownFileKindError naming the closest kind and its missing required columns.
    """
    matches = [match_kind(spec, header) for spec in KIND_SPECS.values()]
    complete = [match for match in matches if match.is_complete]
    if complete:
        return max(complete, key=lambda match: match.known_columns_present).spec.kind
    closest = max(matches, key=_closeness)
    raise UnknownFileKindError(
        file_label,
        "header matches no Partner Center file kind; closest is "
        f"{closest.spec.kind} (missing required columns: {', '.join(closest.missing_required)})",
        line=1,
    )


def _closeness(match: KindMatch) -> tuple[float, int]:
    required = len(match.spec.required_names)
    return ((required - len(match.missing_required)) / required, match.known_columns_present)
