"""Generate realistic, self-consistent Partner Center CSV files for tests and benchmarks.

    python bench/generate_pc_files.py --out-dir /tmp/pc --usage-rows 1000000 --recon-rows 100000 --legacy-rows 5000

Deterministic for a seed. Amounts follow CSP-REFERENCE.md 2.1-2.3: recon Subtotals use Microsoft's seat-based or
usage-based formula, prorations count the calendar days of the month in which the charge cycle started, tax is
rounded down per line, Total = Subtotal + TaxTotal. Each generator keeps its own exact totals (per currency and,
for recon, per invoice) while it writes, so a reader can be checked against them to the cent.

Column lists are copied from the reference on purpose rather than imported from cspdesk: the generator is an
independent oracle for the reader's tests.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import random
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

RECON_COLUMNS: tuple[str, ...] = (
    "PartnerId",
    "CustomerId",
    "CustomerName",
    "CustomerDomainName",
    "CustomerCountry",
    "InvoiceNumber",
    "MpnId",
    "Tier2MpnId",
    "OrderId",
    "OrderDate",
    "ProductId",
    "SkuId",
    "AvailabilityId",
    "SkuName",
    "ProductName",
    "ChargeType",
    "UnitPrice",
    "Quantity",
    "Subtotal",
    "TaxTotal",
    "Total",
    "Currency",
    "PriceAdjustmentDescription",
    "PublisherName",
    "PublisherId",
    "SubscriptionDescription",
    "SubscriptionId",
    "ChargeStartDate",
    "ChargeEndDate",
    "TermAndBillingCycle",
    "EffectiveUnitPrice",
    "UnitType",
    "AlternateId",
    "BillableQuantity",
    "BillingFrequency",
    "PricingCurrency",
    "PCToBCExchangeRate",
    "PCToBCExchangeRateDate",
    "MeterDescription",
    "ReservationOrderId",
    "CreditReasonCode",
    "SubscriptionStartDate",
    "SubscriptionEndDate",
    "ReferenceId",
    "ProductQualifiers",
    "PromotionId",
    "ProductCategory",
)

USAGE_COLUMNS: tuple[str, ...] = (
    "PartnerId",
    "PartnerName",
    "CustomerId",
    "CustomerName",
    "CustomerDomainName",
    "CustomerCountry",
    "MpnId",
    "Tier2MpnId",
    "InvoiceNumber",
    "ProductId",
    "SkuId",
    "AvailabilityId",
    "SkuName",
    "ProductName",
    "PublisherName",
    "PublisherId",
    "SubscriptionDescription",
    "SubscriptionId",
    "ChargeStartDate",
    "ChargeEndDate",
    "UsageDate",
    "MeterType",
    "MeterCategory",
    "MeterId",
    "MeterSubCategory",
    "MeterName",
    "MeterRegion",
    "Unit",
    "ResourceLocation",
    "ConsumedService",
    "ResourceGroup",
    "ResourceURI",
    "ChargeType",
    "UnitPrice",
    "Quantity",
    "UnitType",
    "BillingPreTaxTotal",
    "BillingCurrency",
    "PricingPreTaxTotal",
    "PricingCurrency",
    "ServiceInfo1",
    "ServiceInfo2",
    "Tags",
    "AdditionalInfo",
    "EffectiveUnitPrice",
    "PCToBCExchangeRate",
    "PCToBCExchangeRateDate",
    "EntitlementId",
    "EntitlementDescription",
    "PartnerEarnedCreditPercentage",
    "CreditPercentage",
    "CreditType",
    "BenefitOrderId",
    "BenefitId",
    "BenefitType",
)

LEGACY_COLUMNS: tuple[str, ...] = (
    "PartnerId",
    "CustomerId",
    "CustomerName",
    "MpnId",
    "Tier2MpnId",
    "OrderId",
    "SubscriptionId",
    "SyndicationPartnerSubscriptionNumber",
    "OfferId",
    "DurableOfferId",
    "OfferName",
    "SubscriptionStartDate",
    "SubscriptionEndDate",
    "ChargeStartDate",
    "ChargeEndDate",
    "ChargeType",
    "UnitPrice",
    "Quantity",
    "Amount",
    "TotalOtherDiscount",
    "Subtotal",
    "Tax",
    "TotalForCustomer",
    "Currency",
    "DomainName",
    "SubscriptionName",
    "SubscriptionDescription",
    "BillingCycleType",
)

RECON_AMOUNTS = ("Subtotal", "TaxTotal", "Total")
USAGE_AMOUNTS = ("BillingPreTaxTotal",)
LEGACY_AMOUNTS = ("Amount", "TotalOtherDiscount", "Subtotal", "Tax", "TotalForCustomer")

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)


# --------------------------------------------------------------------------------------------- shared helpers


def rounddown(value: Decimal, places: int = 2) -> Decimal:
    """Excel ROUNDDOWN: toward zero."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def seat_based_subtotal(price: Decimal, quantity: Decimal, rate: Decimal) -> Decimal:
    return rounddown(price * rate) * quantity


def usage_based_subtotal(price: Decimal, quantity: Decimal, rate: Decimal) -> Decimal:
    return rounddown(rounddown(price * quantity) * rate)


def us_date(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def exchange_rate_date(year: int, month: int) -> date:
    """Two business days before the end of the month before the billing month."""
    day = date(year, month, 1) - timedelta(days=1)
    business_days = 0
    while business_days < 2:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            business_days += 1
    return day


def plain(value: Decimal) -> str:
    """A decimal without exponent, as Partner Center writes it."""
    return f"{value:f}"


def scaled(value: int, scale: int) -> str:
    """Text of the integer `value` / 10**scale, trailing zeros removed (fast path for millions of rows)."""
    sign = "-" if value < 0 else ""
    digits = str(abs(value)).rjust(scale + 1, "0")
    whole, fraction = digits[:-scale], digits[-scale:].rstrip("0")
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def new_guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(frozen=True)
class Market:
    country: str
    billing_currency: str
    license_currency: str
    license_rate: Decimal
    """PCToBCExchangeRate from the license pricing currency to the billing currency."""
    usd_rate: Decimal
    """PCToBCExchangeRate from USD (Azure prices) to the billing currency."""
    tax_rate: Decimal
    region: tuple[str, str]


MARKETS: tuple[Market, ...] = (
    Market("US", "USD", "USD", ONE, ONE, ZERO, ("US East", "eastus")),
    Market("CA", "CAD", "CAD", ONE, Decimal("1.3562"), Decimal("0.05"), ("CA Central", "canadacentral")),
    Market("GB", "GBP", "GBP", ONE, Decimal("0.7902"), Decimal("0.20"), ("UK South", "uksouth")),
    Market("DE", "EUR", "EUR", ONE, Decimal("0.9211"), ZERO, ("EU West", "westeurope")),
    Market("FR", "EUR", "EUR", ONE, Decimal("0.9211"), ZERO, ("FR Central", "francecentral")),
    Market("NL", "EUR", "EUR", ONE, Decimal("0.9211"), ZERO, ("EU West", "westeurope")),
    Market("DK", "DKK", "EUR", Decimal("7.4589"), Decimal("6.8713"), Decimal("0.25"), ("EU North", "northeurope")),
    Market("AU", "AUD", "AUD", ONE, Decimal("1.5234"), Decimal("0.10"), ("AU East", "australiaeast")),
)

_LICENSE_PRICE_FACTOR = {
    "USD": ONE,
    "EUR": Decimal("0.84"),
    "GBP": Decimal("0.79"),
    "CAD": Decimal("1.36"),
    "AUD": Decimal("1.52"),
}

_NAME_WORDS = [
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Adatum",
    "Proseware",
    "Lamna",
    "Woodgrove",
    "Alpine",
    "Coho",
    "Fourth",
    "Relecloud",
    "Margie",
    "Trey",
    "Humongous",
    "Lucerne",
    "Wide",
    "World",
    "Blue",
    "Yonder",
]
_NAME_TRADES = [
    "Pharma",
    "Logistics",
    "Bakery",
    "Dental",
    "Legal",
    "Motors",
    "Retail",
    "Studio",
    "Energy",
    "Foods",
    "Consulting",
    "Labs",
]
_NAME_FORMS = {"US": "Inc.", "CA": "Ltd.", "GB": "Ltd", "DE": "GmbH", "FR": "SARL", "NL": "B.V.", "DK": "ApS"}


@dataclass(frozen=True)
class Partner:
    partner_id: str
    name: str
    mpn_id: str
    resellers: tuple[str, ...]


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    domain: str
    market: Market
    tier2_mpn_id: str


def make_partner(rng: random.Random) -> Partner:
    resellers = tuple(str(rng.randint(1_000_000, 6_999_999)) for _ in range(4))
    return Partner(new_guid(rng), "Cloudway Solutions", str(rng.randint(1_000_000, 6_999_999)), resellers)


def make_customer(rng: random.Random, partner: Partner, number: int) -> Customer:
    market = rng.choice(MARKETS)
    brand, trade = rng.choice(_NAME_WORDS), rng.choice(_NAME_TRADES)
    name = f"{brand} {trade} {number} {_NAME_FORMS.get(market.country, 'Pty Ltd')}"
    domain = f"{brand}{trade}{number}".lower() + ".onmicrosoft.com"
    tier2 = rng.choice(partner.resellers) if rng.random() < 0.3 else ""
    return Customer(new_guid(rng), name, domain, market, tier2)


@dataclass
class Totals:
    """Exact sums the generator keeps of what it wrote."""

    amount_columns: tuple[str, ...]
    rows: int = 0
    by_currency: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    by_invoice: dict[str, Decimal] = field(default_factory=dict)

    def add(self, currency: str, amounts: Sequence[Decimal]) -> None:
        self.rows += 1
        sums = self.by_currency.setdefault(currency, dict.fromkeys(self.amount_columns, ZERO))
        for name, amount in zip(self.amount_columns, amounts, strict=True):
            sums[name] += amount

    def add_invoice(self, invoice: str, total: Decimal) -> None:
        self.by_invoice[invoice] = self.by_invoice.get(invoice, ZERO) + total

    def as_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "by_currency": {
                currency: {name: plain(value) for name, value in sums.items()}
                for currency, sums in sorted(self.by_currency.items())
            },
            "by_invoice": {invoice: plain(value) for invoice, value in sorted(self.by_invoice.items())},
        }


def invoice_numbers(rng: random.Random) -> dict[str, str]:
    """One NCE invoice (number starting with G) per billing currency."""
    currencies = sorted({market.billing_currency for market in MARKETS})
    return {currency: f"G{rng.randint(10**8, 10**9 - 1):09d}" for currency in currencies}


# ------------------------------------------------------------------------------------------ daily rated usage


@dataclass(frozen=True)
class Meter:
    category: str
    subcategory: str
    name: str
    unit: str
    unit_price_micro: int
    """USD list price, in millionths."""
    daily_quantity_micro: tuple[int, int]
    consumed_service: str
    resource_type: str
    usage_type: str


METERS: tuple[Meter, ...] = (
    Meter(
        "Virtual Machines",
        "Dv3/DSv3 Series",
        "D2s v3",
        "1 Hour",
        96_000,
        (1_000_000, 24_000_000),
        "Microsoft.Compute",
        "virtualMachines",
        "ComputeHR",
    ),
    Meter(
        "Virtual Machines",
        "BS Series",
        "B2ms",
        "1 Hour",
        83_200,
        (500_000, 24_000_000),
        "Microsoft.Compute",
        "virtualMachines",
        "ComputeHR",
    ),
    Meter(
        "Storage",
        "Standard SSD Managed Disks",
        "E10 LRS Disk",
        "1/Month",
        9_600_000,
        (32_258, 32_259),
        "Microsoft.Compute",
        "disks",
        "",
    ),
    Meter(
        "Storage",
        "Tables",
        "LRS Data Stored",
        "1 GB/Month",
        45_000,
        (1_000, 90_000_000),
        "Microsoft.Storage",
        "storageAccounts",
        "",
    ),
    Meter(
        "Storage",
        "General Block Blob v2",
        "Hot LRS Write Operations",
        "10K",
        55_000,
        (1, 5_000_000),
        "Microsoft.Storage",
        "storageAccounts",
        "",
    ),
    Meter(
        "Bandwidth",
        "Rtn Preference: MGN",
        "Standard Data Transfer Out",
        "1 GB",
        87_000,
        (1, 40_000_000),
        "Microsoft.Network",
        "publicIPAddresses",
        "",
    ),
    Meter(
        "Azure App Service",
        "Premium v3 Plan",
        "P1 v3 App",
        "1 Hour",
        200_000,
        (24_000_000, 24_000_001),
        "Microsoft.Web",
        "serverfarms",
        "",
    ),
    Meter(
        "SQL Database",
        "General Purpose - Compute Gen5",
        "vCore",
        "1 Hour",
        252_200,
        (2_000_000, 48_000_000),
        "Microsoft.Sql",
        "servers",
        "",
    ),
    Meter(
        "Log Analytics",
        "Analytics Logs",
        "Data Ingestion",
        "1 GB",
        2_760_000,
        (1_000, 9_000_000),
        "Microsoft.OperationalInsights",
        "workspaces",
        "",
    ),
    Meter(
        "Virtual Network",
        "IP Addresses",
        "Standard IPv4 Static Public IP",
        "1 Hour",
        5_000,
        (24_000_000, 24_000_001),
        "Microsoft.Network",
        "publicIPAddresses",
        "",
    ),
    Meter("Key Vault", "Key Vault", "Operations", "10K", 30_000, (1, 2_000_000), "Microsoft.KeyVault", "vaults", ""),
)
_METER_IDS = {meter.name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"meter/{meter.name}")) for meter in METERS}
_ENVIRONMENTS = ("prod", "test", "dev", "shared")
AZURE_PLAN = {"ProductId": "DZH318Z0BCZC", "SkuId": "0001", "AvailabilityId": "DZH318Z0BJ2P"}


@dataclass(frozen=True)
class UsageSeries:
    """One meter of one resource: a row per day of the month on which it was used."""

    static: dict[str, str]
    market: Market
    meter: Meter
    pec_percent: int
    credited: bool


class DailyUsageGenerator:
    header = USAGE_COLUMNS

    def __init__(self, seed: int = 1, year: int = 2024, month: int = 1) -> None:
        self.rng = random.Random(seed)
        self.year, self.month = year, month
        self.partner = make_partner(self.rng)
        self.invoices = invoice_numbers(self.rng)
        self.totals = Totals(USAGE_AMOUNTS)
        self._days = [date(year, month, day) for day in range(1, days_in_month(year, month) + 1)]
        self._day_text = [us_date(day) for day in self._days]

    def rows(self, count: int) -> Iterator[list[str]]:
        produced = 0
        customer_number = 0
        while produced < count:
            customer_number += 1
            customer = make_customer(self.rng, self.partner, customer_number)
            for series in self._customer_series(customer):
                for row in self._series_rows(series):
                    yield row
                    produced += 1
                    if produced == count:
                        return

    def _customer_series(self, customer: Customer) -> Iterator[UsageSeries]:
        rng = self.rng
        base = self._customer_fields(customer)
        for _ in range(rng.randint(1, 4)):
            entitlement = new_guid(rng)
            for group_number in range(rng.randint(1, 5)):
                group = f"rg-{rng.choice(_ENVIRONMENTS)}-{group_number + 1}"
                for resource_number in range(rng.randint(1, 6)):
                    meter = rng.choice(METERS)
                    resource = f"{meter.resource_type[:-1].lower()}-{group_number + 1}-{resource_number + 1}"
                    for extra in (meter, *rng.sample(METERS, rng.randint(0, 1))):
                        yield self._series(customer, base, entitlement, group, resource, extra)

    def _customer_fields(self, customer: Customer) -> dict[str, str]:
        month_start = date(self.year, self.month, 1)
        return {
            "PartnerId": self.partner.partner_id,
            "PartnerName": self.partner.name,
            "CustomerId": customer.customer_id,
            "CustomerName": customer.name,
            "CustomerDomainName": customer.domain,
            "CustomerCountry": customer.market.country,
            "MpnId": self.partner.mpn_id,
            "Tier2MpnId": customer.tier2_mpn_id,
            "InvoiceNumber": self.invoices[customer.market.billing_currency],
            **AZURE_PLAN,
            "SkuName": "Azure plan",
            "ProductName": "Azure plan",
            "PublisherName": "Microsoft",
            "PublisherId": "",
            "SubscriptionDescription": "Azure plan",
            "SubscriptionId": new_guid(self.rng),
            "ChargeStartDate": us_date(month_start),
            "ChargeEndDate": us_date(add_months(month_start, 1) - timedelta(days=1)),
            "ChargeType": "new",
            "BillingCurrency": customer.market.billing_currency,
            "PricingCurrency": "USD",
            "ServiceInfo1": "",
            "ServiceInfo2": "",
            "PCToBCExchangeRate": plain(customer.market.usd_rate),
            "PCToBCExchangeRateDate": us_date(exchange_rate_date(self.year, self.month)),
            "BenefitOrderId": "",
            "BenefitId": "",
            "BenefitType": "",
        }

    def _series(
        self, customer: Customer, base: dict[str, str], entitlement: str, group: str, resource: str, meter: Meter
    ) -> UsageSeries:
        rng = self.rng
        region, location = customer.market.region
        provider_path = f"providers/{meter.consumed_service}/{meter.resource_type}/{resource}"
        tags = json.dumps({"env": group.split("-")[1], "costcenter": f"cc-{rng.randint(100, 140)}"})
        additional = (
            json.dumps({"ServiceType": f"Standard_{meter.name.replace(' ', '_')}", "UsageType": meter.usage_type})
            if meter.usage_type
            else ""
        )
        credited = rng.random() < 0.03
        static = base | {
            "MeterType": meter.unit,
            "MeterCategory": meter.category,
            "MeterId": _METER_IDS[meter.name],
            "MeterSubCategory": meter.subcategory,
            "MeterName": meter.name,
            "MeterRegion": region,
            "Unit": meter.unit,
            "ResourceLocation": location,
            "ConsumedService": meter.consumed_service,
            "ResourceGroup": group,
            "ResourceURI": f"/subscriptions/{entitlement}/resourceGroups/{group}/{provider_path}",
            "UnitPrice": scaled(meter.unit_price_micro, 6),
            "UnitType": meter.unit,
            "Tags": tags if rng.random() < 0.7 else "",
            "AdditionalInfo": additional,
            "EntitlementId": entitlement,
            "EntitlementDescription": f"{customer.name.split()[0]} {group.split('-')[1]}",
            "CreditType": "Azure Credit Applied" if credited else "",
        }
        pec = 15 if rng.random() < 0.6 else 0
        return UsageSeries(static, customer.market, meter, pec, credited)

    def _series_rows(self, series: UsageSeries) -> Iterator[list[str]]:
        rng = self.rng
        meter = series.meter
        rate_scaled = int(series.market.usd_rate * 10_000)
        # EffectiveUnitPrice = UnitPrice * (100 - PEC%) / 100, exact at 8 places.
        effective = 0 if series.credited else meter.unit_price_micro * (100 - series.pec_percent)
        template = [series.static.get(column, "") for column in USAGE_COLUMNS]
        low, high = meter.daily_quantity_micro
        for day_text in self._day_text:
            if rng.random() < 0.08:
                continue
            quantity = rng.randint(low, high)
            pricing_total = effective * quantity  # 8 + 6 = 14 places
            billing_total = pricing_total * rate_scaled  # 14 + 4 = 18 places
            row = template.copy()
            row[_USAGE_INDEX["UsageDate"]] = day_text
            row[_USAGE_INDEX["Quantity"]] = scaled(quantity, 6)
            row[_USAGE_INDEX["EffectiveUnitPrice"]] = scaled(effective, 8)
            row[_USAGE_INDEX["PricingPreTaxTotal"]] = scaled(pricing_total, 14)
            row[_USAGE_INDEX["BillingPreTaxTotal"]] = scaled(billing_total, 18)
            row[_USAGE_INDEX["PartnerEarnedCreditPercentage"]] = str(series.pec_percent)
            row[_USAGE_INDEX["CreditPercentage"]] = "100" if series.credited else "0"
            self.totals.add(series.market.billing_currency, (Decimal(billing_total).scaleb(-18),))
            yield row


_USAGE_INDEX = {name: index for index, name in enumerate(USAGE_COLUMNS)}


# ---------------------------------------------------------------------------------- NCE invoice reconciliation


@dataclass(frozen=True)
class Product:
    product_id: str
    sku_id: str
    availability_id: str
    product_name: str
    sku_name: str
    monthly_usd: Decimal
    category: str
    publisher: str = "Microsoft Corporation"
    split_into: tuple[tuple[str, Decimal], ...] = ()
    """Products billed as two lines per charge: (SkuName, share of the price)."""


LICENSES: tuple[Product, ...] = (
    Product(
        "CFQ7TTC0LH18",
        "0001",
        "CFQ7TTC0LGTW",
        "Microsoft 365 Business Basic",
        "Microsoft 365 Business Basic",
        Decimal("6.00"),
        "Microsoft 365",
    ),
    Product(
        "CFQ7TTC0LDPB",
        "0001",
        "CFQ7TTC0LF8Q",
        "Microsoft 365 Business Standard",
        "Microsoft 365 Business Standard",
        Decimal("12.50"),
        "Microsoft 365",
    ),
    Product(
        "CFQ7TTC0LCHC",
        "0002",
        "CFQ7TTC0LH0R",
        "Microsoft 365 Business Premium",
        "Microsoft 365 Business Premium",
        Decimal("22.00"),
        "Microsoft 365",
    ),
    Product(
        "CFQ7TTC0LFLZ",
        "0001",
        "CFQ7TTC0KC9D",
        "Microsoft 365 E3",
        "Microsoft 365 E3",
        Decimal("36.00"),
        "Microsoft 365",
    ),
    Product(
        "CFQ7TTC0LFLX",
        "0002",
        "CFQ7TTC0K9CS",
        "Microsoft 365 E5",
        "Microsoft 365 E5",
        Decimal("57.00"),
        "Microsoft 365",
        split_into=(("Microsoft 365 E5 (no Teams)", Decimal("0.9")), ("Microsoft Teams Enterprise", Decimal("0.1"))),
    ),
    Product(
        "CFQ7TTC0LF8R", "0001", "CFQ7TTC0K5DB", "Office 365 E1", "Office 365 E1", Decimal("12.00"), "Microsoft 365"
    ),
    Product(
        "CFQ7TTC0LH16",
        "0001",
        "CFQ7TTC0LFS1",
        "Exchange Online (Plan 1)",
        "Exchange Online (Plan 1)",
        Decimal("4.00"),
        "Microsoft 365",
    ),
    Product(
        "CFQ7TTC0RM8K",
        "0001",
        "CFQ7TTC0RM6S",
        "Microsoft Teams Essentials",
        "Microsoft Teams Essentials",
        Decimal("4.00"),
        "Microsoft 365",
    ),
    Product("CFQ7TTC0HD33", "0001", "CFQ7TTC0HD31", "Visio Plan 2", "Visio Plan 2", Decimal("15.00"), "Microsoft 365"),
    Product(
        "CFQ7TTC0HDB0", "0002", "CFQ7TTC0HDB1", "Project Plan 3", "Project Plan 3", Decimal("30.00"), "Microsoft 365"
    ),
    Product(
        "CFQ7TTC0LHPB",
        "0001",
        "CFQ7TTC0LHPD",
        "Dynamics 365 Business Central Essentials",
        "Dynamics 365 Business Central Essentials",
        Decimal("70.00"),
        "Dynamics 365",
    ),
    Product(
        "CFQ7TTC0LHVW",
        "0001",
        "CFQ7TTC0LHVX",
        "Dynamics 365 Sales Professional",
        "Dynamics 365 Sales Professional",
        Decimal("65.00"),
        "Dynamics 365",
    ),
    Product("CFQ7TTC0L3PB", "0001", "CFQ7TTC0L3PD", "Power BI Pro", "Power BI Pro", Decimal("10.00"), "Dynamics 365"),
    Product(
        "CFQ7TTC0LSGZ",
        "0002",
        "CFQ7TTC0LSH0",
        "Power Apps Premium",
        "Power Apps Premium",
        Decimal("20.00"),
        "Dynamics 365",
    ),
)
MARKETPLACE: tuple[Product, ...] = (
    Product(
        "DZH318Z0BXXX",
        "0001",
        "DZH318Z0BXX1",
        "Acronis Cyber Protect Cloud",
        "Per workstation",
        Decimal("8.40"),
        "SaaS",
        publisher="Acronis",
    ),
    Product(
        "DZH318Z0BQPT",
        "0001",
        "DZH318Z0BQP1",
        "Adobe Acrobat Pro for teams",
        "Acrobat Pro",
        Decimal("22.99"),
        "SaaS",
        publisher="Adobe Inc.",
    ),
)
RESERVATION = Product(
    "DZH318Z0BQ4P",
    "00H2",
    "DZH318Z0BQ4Q",
    "Reserved VM Instance, Standard_D2s_v3",
    "Reserved VM Instance, Standard_D2s_v3, EU West, 1 Year",
    Decimal("51.10"),
    "Azure",
)
SAVINGS_PLAN = Product(
    "CFQ7TTC0JB8M",
    "0001",
    "CFQ7TTC0JB8N",
    "Azure savings plan for compute",
    "Azure savings plan for compute, 1 Year",
    Decimal("73.00"),
    "Azure",
)
PERPETUAL = Product(
    "DG7GMGF0D7FV",
    "0005",
    "DG7GMGF0D7G1",
    "Windows Server 2022 Standard - 16 Core License Pack",
    "Windows Server 2022 Standard - 16 Core License Pack",
    Decimal("1069.00"),
    "Software",
)

MONTHLY_TERM = "One-Month commitment for monthly billing"
ANNUAL_MONTHLY_TERM = "One-Year commitment for monthly billing"
ANNUAL_PREPAID_TERM = "One-Year commitment for yearly billing"
CREDIT_REASONS = ("Azure Credit Offer", "Service Level Agreement", "Sales Concession")
RECON_SCENARIOS: tuple[str, ...] = (
    "new",
    "renew",
    "cycleCharge",
    "addQuantity",
    "removeQuantity",
    "moveQuantity",
    "cancelImmediate",
    "convert",
    "changeBillingPlan",
    "customerCredit",
    "extendTerm",
    "azure_plan",
    "reservation",
    "savings_plan",
    "perpetual",
    "marketplace",
)


@dataclass(frozen=True)
class Subscription:
    customer: Customer
    product: Product
    subscription_id: str
    order_id: str
    start: date
    term: str
    seats: int

    @property
    def billed_annually(self) -> bool:
        return self.term == ANNUAL_PREPAID_TERM

    def term_end(self, on: date) -> date:
        """Last day of the term (renewed automatically) that is running on `on`."""
        months = 1 if self.term == MONTHLY_TERM else 12
        term_start = self.start
        while add_months(term_start, months) <= on:
            term_start = add_months(term_start, months)
        return add_months(term_start, months) - timedelta(days=1)


@dataclass(frozen=True)
class Charge:
    """One reconciliation line before formatting."""

    subscription: Subscription
    charge_type: str
    sku_name: str
    unit_price: Decimal
    effective_unit_price: Decimal
    quantity: Decimal
    charge_start: date
    charge_end: date | None
    pricing_currency: str
    rate: Decimal
    usage_based: bool = False
    credit_reason: str = ""
    meter_description: str = ""
    unit_type: str = "Licenses"
    reservation_order_id: str = ""


class ReconGenerator:
    header = RECON_COLUMNS

    def __init__(self, seed: int = 1, year: int = 2024, month: int = 2) -> None:
        self.rng = random.Random(seed)
        self.year, self.month = year, month
        self.month_start = date(year, month, 1)
        self.month_end = add_months(self.month_start, 1) - timedelta(days=1)
        self.partner = make_partner(self.rng)
        self.invoices = invoice_numbers(self.rng)
        self.totals = Totals(RECON_AMOUNTS)
        self.rate_date = us_date(exchange_rate_date(year, month))

    def rows(self, count: int) -> Iterator[list[str]]:
        produced = 0
        customer_number = 0
        while True:
            customer_number += 1
            customer = make_customer(self.rng, self.partner, customer_number)
            scenarios = list(RECON_SCENARIOS) if customer_number == 1 else self._some_scenarios()
            for scenario in scenarios:
                for charge in self._charges(customer, scenario):
                    yield self._row(charge)
                    produced += 1
                    if produced == count:
                        return

    def _some_scenarios(self) -> list[str]:
        return self.rng.sample(RECON_SCENARIOS, self.rng.randint(2, 6))

    # ---- subscriptions and charge cycles

    def _subscription(self, customer: Customer, product: Product, start: date, term: str) -> Subscription:
        rng = self.rng
        return Subscription(
            customer, product, new_guid(rng), new_guid(rng).replace("-", ""), start, term, rng.randint(1, 60)
        )

    def _day_this_month(self) -> date:
        return self.month_start + timedelta(days=self.rng.randint(0, (self.month_end - self.month_start).days))

    def _existing(self, customer: Customer, term: str, product: Product | None = None) -> Subscription:
        anniversary = self._day_this_month()
        start = add_months(anniversary, -self.rng.randint(1, 11))
        return self._subscription(customer, product or self.rng.choice(LICENSES), start, term)

    def _cycle_containing(self, subscription: Subscription, day: date) -> tuple[date, date]:
        months = 12 if subscription.billed_annually else 1
        start = subscription.start
        while add_months(start, months) <= day:
            start = add_months(start, months)
        return start, add_months(start, months) - timedelta(days=1)

    def _license_price(self, product: Product, currency: str, annual: bool) -> Decimal:
        monthly = (product.monthly_usd * _LICENSE_PRICE_FACTOR[currency]).quantize(CENT, ROUND_HALF_UP)
        return monthly * 12 if annual else monthly

    def _prorated(self, price: Decimal, subscription: Subscription, event: date) -> tuple[Decimal, date]:
        """Price for the days from `event` to the end of its cycle.

        Monthly cycles count the calendar days of the month in which the cycle started (seats bought on
        21 February: changes until 20 March count 28 days); annual cycles count the days of the year-long cycle.
        """
        cycle_start, cycle_end = self._cycle_containing(subscription, event)
        if subscription.billed_annually:
            cycle_days = (cycle_end - cycle_start).days + 1
        else:
            cycle_days = days_in_month(cycle_start.year, cycle_start.month)
        billable_days = (cycle_end - event).days + 1
        return (price * billable_days / cycle_days).quantize(Decimal("1E-9"), ROUND_HALF_UP), cycle_end

    # ---- scenarios

    def _charges(self, customer: Customer, scenario: str) -> list[Charge]:
        builders: dict[str, Callable[[Customer], list[Charge]]] = {
            "new": self._new,
            "renew": self._renew,
            "cycleCharge": self._cycle_charge,
            "addQuantity": self._add_quantity,
            "removeQuantity": self._remove_quantity,
            "moveQuantity": self._move_quantity,
            "cancelImmediate": self._cancel_immediate,
            "convert": self._convert,
            "changeBillingPlan": self._change_billing_plan,
            "customerCredit": self._customer_credit,
            "extendTerm": self._extend_term,
            "azure_plan": self._azure_plan,
            "reservation": self._reservation,
            "savings_plan": self._savings_plan,
            "perpetual": self._perpetual,
            "marketplace": self._marketplace,
        }
        return builders[scenario](customer)

    def _license_charges(
        self,
        subscription: Subscription,
        charge_type: str,
        price: Decimal,
        effective: Decimal,
        quantity: int,
        start: date,
        end: date | None,
    ) -> list[Charge]:
        market = subscription.customer.market
        parts = subscription.product.split_into or ((subscription.product.sku_name, ONE),)
        return [
            Charge(
                subscription,
                charge_type,
                sku_name,
                (price * share).quantize(CENT, ROUND_HALF_UP),
                (effective * share).quantize(Decimal("1E-9"), ROUND_HALF_UP),
                Decimal(quantity),
                start,
                end,
                market.license_currency,
                market.license_rate,
            )
            for sku_name, share in parts
        ]

    def _full_cycle(self, subscription: Subscription, charge_type: str, cycle_start: date) -> list[Charge]:
        annual = subscription.billed_annually
        price = self._license_price(subscription.product, subscription.customer.market.license_currency, annual)
        cycle_end = add_months(cycle_start, 12 if annual else 1) - timedelta(days=1)
        return self._license_charges(
            subscription, charge_type, price, price, subscription.seats, cycle_start, cycle_end
        )

    def _change(self, subscription: Subscription, charge_type: str, event: date, quantity: int) -> list[Charge]:
        annual = subscription.billed_annually
        price = self._license_price(subscription.product, subscription.customer.market.license_currency, annual)
        effective, cycle_end = self._prorated(price, subscription, event)
        return self._license_charges(subscription, charge_type, price, effective, quantity, event, cycle_end)

    def _term(self) -> str:
        return self.rng.choice((MONTHLY_TERM, ANNUAL_MONTHLY_TERM, ANNUAL_PREPAID_TERM))

    def _new(self, customer: Customer) -> list[Charge]:
        start = self._day_this_month()
        subscription = self._subscription(customer, self.rng.choice(LICENSES), start, self._term())
        return self._full_cycle(subscription, "new", start)

    def _renew(self, customer: Customer) -> list[Charge]:
        renewal = self._day_this_month()
        subscription = self._subscription(customer, self.rng.choice(LICENSES), renewal, ANNUAL_PREPAID_TERM)
        return self._full_cycle(subscription, "renew", renewal)

    def _cycle_charge(self, customer: Customer) -> list[Charge]:
        subscription = self._existing(customer, self.rng.choice((MONTHLY_TERM, ANNUAL_MONTHLY_TERM)))
        cycle_start, _ = self._cycle_containing(subscription, self.month_end)
        if cycle_start < self.month_start:
            cycle_start = add_months(cycle_start, 1)
        return self._full_cycle(subscription, "cycleCharge", cycle_start)

    def _mid_cycle(self, customer: Customer) -> tuple[Subscription, date]:
        subscription = self._existing(customer, self._term())
        return subscription, self._day_this_month()

    def _add_quantity(self, customer: Customer) -> list[Charge]:
        subscription, event = self._mid_cycle(customer)
        return self._change(subscription, "addQuantity", event, self.rng.randint(1, 10))

    def _within_cancellation_window(self, customer: Customer) -> tuple[Subscription, date]:
        start = self.month_start + timedelta(days=self.rng.randint(0, 20))
        subscription = self._subscription(customer, self.rng.choice(LICENSES), start, self._term())
        return subscription, start + timedelta(days=self.rng.randint(1, 6))

    def _remove_quantity(self, customer: Customer) -> list[Charge]:
        subscription, event = self._within_cancellation_window(customer)
        removed = self.rng.randint(1, subscription.seats)
        return [
            *self._full_cycle(subscription, "new", subscription.start),
            *self._change(subscription, "removeQuantity", event, -removed),
        ]

    def _move_quantity(self, customer: Customer) -> list[Charge]:
        subscription, event = self._mid_cycle(customer)
        return self._change(subscription, "moveQuantity", event, -self.rng.randint(1, subscription.seats))

    def _cancel_immediate(self, customer: Customer) -> list[Charge]:
        subscription, event = self._within_cancellation_window(customer)
        return [
            *self._full_cycle(subscription, "new", subscription.start),
            *self._change(subscription, "cancelImmediate", event, -subscription.seats),
        ]

    def _convert(self, customer: Customer) -> list[Charge]:
        subscription, event = self._mid_cycle(customer)
        return self._change(subscription, "convert", event, -subscription.seats)

    def _change_billing_plan(self, customer: Customer) -> list[Charge]:
        subscription = self._existing(customer, ANNUAL_PREPAID_TERM)
        return self._change(subscription, "changeBillingPlan", self._day_this_month(), subscription.seats)

    def _extend_term(self, customer: Customer) -> list[Charge]:
        subscription, event = self._mid_cycle(customer)
        return self._change(subscription, "extendTerm", event, subscription.seats)

    def _customer_credit(self, customer: Customer) -> list[Charge]:
        subscription = self._existing(customer, MONTHLY_TERM)
        credit = -Decimal(self.rng.randint(500, 50_000)).scaleb(-2)
        day = self._day_this_month()
        market = customer.market
        return [
            Charge(
                subscription,
                "customerCredit",
                subscription.product.sku_name,
                credit,
                credit,
                ONE,
                day,
                day,
                market.license_currency,
                market.license_rate,
                credit_reason=self.rng.choice(CREDIT_REASONS),
            )
        ]

    def _azure_plan(self, customer: Customer) -> list[Charge]:
        rng = self.rng
        plan = Product(
            AZURE_PLAN["ProductId"],
            AZURE_PLAN["SkuId"],
            AZURE_PLAN["AvailabilityId"],
            "Azure plan",
            "Azure plan",
            ZERO,
            "Azure",
        )
        subscription = Subscription(
            customer, plan, new_guid(rng), new_guid(rng).replace("-", ""), self.month_start, "", 1
        )
        charges = []
        for meter in rng.sample(METERS, rng.randint(1, 4)):
            price = Decimal(meter.unit_price_micro).scaleb(-6) * Decimal(rng.choice((100, 85))) / 100
            effective = (price * Decimal(rng.randint(900_000_000, 1_000_000_000)).scaleb(-9)).quantize(
                Decimal("1E-9"), ROUND_DOWN
            )
            quantity = Decimal(rng.randint(1, 900_000_000)).scaleb(-6)
            charges.append(
                Charge(
                    subscription,
                    "new",
                    f"{meter.category} - {meter.name}",
                    Decimal(meter.unit_price_micro).scaleb(-6),
                    effective,
                    quantity,
                    self.month_start,
                    self.month_end,
                    "USD",
                    customer.market.usd_rate,
                    usage_based=True,
                    meter_description=f"{meter.category} - {meter.name} - {customer.market.region[0]}",
                    unit_type=meter.unit,
                )
            )
        return charges

    def _azure_commitment(self, customer: Customer, product: Product, term: str) -> list[Charge]:
        subscription = self._existing(customer, MONTHLY_TERM, product)
        cycle_start, cycle_end = self._cycle_containing(subscription, self.month_end)
        price = (product.monthly_usd * customer.market.usd_rate).quantize(CENT, ROUND_HALF_UP)
        charge = Charge(
            subscription,
            "cycleCharge",
            term,
            price,
            price,
            Decimal(self.rng.randint(1, 5)),
            cycle_start,
            cycle_end,
            customer.market.billing_currency,
            ONE,
            unit_type="1 Month",
            reservation_order_id=new_guid(self.rng),
        )
        return [charge]

    def _reservation(self, customer: Customer) -> list[Charge]:
        return self._azure_commitment(customer, RESERVATION, "1 Year Reservation, Monthly Billing")

    def _savings_plan(self, customer: Customer) -> list[Charge]:
        return self._azure_commitment(customer, SAVINGS_PLAN, "1 Year Savings Plan, Monthly Billing")

    def _perpetual(self, customer: Customer) -> list[Charge]:
        day = self._day_this_month()
        subscription = self._subscription(customer, PERPETUAL, day, "")
        market = customer.market
        price = self._license_price(PERPETUAL, market.license_currency, annual=False)
        return [
            Charge(
                subscription,
                "new",
                PERPETUAL.sku_name,
                price,
                price,
                Decimal(self.rng.randint(1, 4)),
                day,
                None,
                market.license_currency,
                market.license_rate,
            )
        ]

    def _marketplace(self, customer: Customer) -> list[Charge]:
        product = self.rng.choice(MARKETPLACE)
        subscription = self._existing(customer, MONTHLY_TERM, product)
        cycle_start, _ = self._cycle_containing(subscription, self.month_end)
        if cycle_start < self.month_start:
            cycle_start = add_months(cycle_start, 1)
        return self._full_cycle(subscription, "cycleCharge", cycle_start)

    # ---- formatting

    def _row(self, charge: Charge) -> list[str]:
        subscription = charge.subscription
        customer = subscription.customer
        market = customer.market
        if charge.usage_based:
            subtotal = usage_based_subtotal(charge.effective_unit_price, charge.quantity, charge.rate)
        else:
            subtotal = seat_based_subtotal(charge.effective_unit_price, charge.quantity, charge.rate)
        tax = rounddown(subtotal * market.tax_rate)
        total = subtotal + tax
        invoice = self.invoices[market.billing_currency]
        self.totals.add(market.billing_currency, (subtotal, tax, total))
        self.totals.add_invoice(invoice, total)
        values = self._row_fields(charge, invoice) | {
            "Subtotal": plain(subtotal),
            "TaxTotal": plain(tax),
            "Total": plain(total),
        }
        return [values.get(column, "") for column in RECON_COLUMNS]

    def _row_fields(self, charge: Charge, invoice: str) -> dict[str, str]:
        subscription = charge.subscription
        customer, product = subscription.customer, subscription.product
        one_time = product is PERPETUAL
        term = "" if one_time else (charge.sku_name if charge.reservation_order_id else subscription.term)
        frequency = "" if one_time else ("Annual" if subscription.billed_annually else "Monthly")
        charge_type = charge.charge_type
        if self.rng.random() < 0.1:
            charge_type = charge_type[0].upper() + charge_type[1:]
        return {
            "PartnerId": self.partner.partner_id,
            "CustomerId": customer.customer_id,
            "CustomerName": customer.name,
            "CustomerDomainName": customer.domain,
            "CustomerCountry": customer.market.country,
            "InvoiceNumber": invoice,
            "MpnId": self.partner.mpn_id,
            "Tier2MpnId": customer.tier2_mpn_id,
            "OrderId": subscription.order_id,
            "OrderDate": f"{us_date(subscription.start)} {self.rng.randint(0, 23)}:{self.rng.randint(0, 59):02d}",
            "ProductId": product.product_id,
            "SkuId": product.sku_id,
            "AvailabilityId": product.availability_id,
            "SkuName": charge.sku_name if not charge.reservation_order_id else product.sku_name,
            "ProductName": product.product_name,
            "ChargeType": charge_type,
            "UnitPrice": plain(charge.unit_price),
            "Quantity": plain(charge.quantity),
            "Currency": customer.market.billing_currency,
            "PublisherName": product.publisher,
            "SubscriptionDescription": "Azure plan" if charge.usage_based else product.product_name,
            "SubscriptionId": subscription.subscription_id,
            "ChargeStartDate": us_date(charge.charge_start),
            "ChargeEndDate": "" if charge.charge_end is None else us_date(charge.charge_end),
            "TermAndBillingCycle": term,
            "EffectiveUnitPrice": plain(charge.effective_unit_price),
            "UnitType": charge.unit_type,
            "BillableQuantity": plain(charge.quantity),
            "BillingFrequency": frequency,
            "PricingCurrency": charge.pricing_currency,
            "PCToBCExchangeRate": plain(charge.rate),
            "PCToBCExchangeRateDate": self.rate_date,
            "MeterDescription": charge.meter_description,
            "ReservationOrderId": charge.reservation_order_id,
            "CreditReasonCode": charge.credit_reason,
            "SubscriptionStartDate": us_date(subscription.start),
            "SubscriptionEndDate": "" if one_time else us_date(subscription.term_end(charge.charge_start)),
            "ProductCategory": product.category,
        }


# -------------------------------------------------------------------------------- legacy license-based


@dataclass(frozen=True)
class LegacyOffer:
    offer_id: str
    name: str
    monthly_price: Decimal


LEGACY_OFFERS: tuple[LegacyOffer, ...] = (
    LegacyOffer("91FD106F-4B2C-4938-95AC-F54F74E9A239", "Office 365 Business Premium", Decimal("12.50")),
    LegacyOffer("796B6B5F-613C-4E24-A17C-EBA730D49C02", "Office 365 E3", Decimal("20.00")),
    LegacyOffer("195416C1-3447-423A-B37B-EE59A99A19C4", "Exchange Online (Plan 1)", Decimal("4.00")),
    LegacyOffer("6FBAD345-B7DE-42A6-B6AB-79B363D0B371", "Microsoft 365 Business Premium", Decimal("20.00")),
)
LEGACY_CHARGES: tuple[tuple[str, int], ...] = (
    ("Cycle fee", 1),
    ("New purchase cycle fee", 1),
    ("Prorate fees when purchase", 1),
    ("Prorate fee when renew", 1),
    ("Prorate fees when activate", 1),
    ("Cycle instance prorate", 1),
    ("Activation fee", 1),
    ("Prorate fees when cancel", -1),
    ("Cancel instance prorate", -1),
    ("Cancel fee", 1),
    ("Prorate fees when convert away from current offering", -1),
    ("Prorate fees when convert to a new offering", 1),
)


class LegacyGenerator:
    header = LEGACY_COLUMNS

    def __init__(self, seed: int = 1, year: int = 2022, month: int = 6) -> None:
        self.rng = random.Random(seed)
        self.year, self.month = year, month
        self.partner = make_partner(self.rng)
        self.totals = Totals(LEGACY_AMOUNTS)

    def rows(self, count: int) -> Iterator[list[str]]:
        customers: list[Customer] = []
        for number in range(count):
            if not customers or self.rng.random() < 0.2:
                customers.append(make_customer(self.rng, self.partner, len(customers) + 1))
            yield self._row(self.rng.choice(customers), number)

    def _row(self, customer: Customer, number: int) -> list[str]:
        rng = self.rng
        offer = rng.choice(LEGACY_OFFERS)
        charge_type, sign = rng.choice(LEGACY_CHARGES)
        month_start = date(self.year, self.month, 1)
        start = month_start + timedelta(days=rng.randint(0, 27))
        end = add_months(start, 1) - timedelta(days=1)
        cycle_days = days_in_month(start.year, start.month)
        days = cycle_days if charge_type in {"Cycle fee", "New purchase cycle fee"} else rng.randint(1, cycle_days)
        quantity = rng.randint(1, 50)
        price = (offer.monthly_price * _LICENSE_PRICE_FACTOR[customer.market.license_currency]).quantize(CENT)
        amount = sign * (price * quantity * days / cycle_days).quantize(CENT, ROUND_HALF_UP)
        discount = (amount * Decimal("0.05")).quantize(CENT, ROUND_HALF_UP) if rng.random() < 0.3 else ZERO
        subtotal = amount - discount
        tax = rounddown(subtotal * customer.market.tax_rate)
        total = subtotal + tax
        currency = customer.market.license_currency
        self.totals.add(currency, (amount, discount, subtotal, tax, total))
        subscription_start = start - timedelta(days=rng.randint(0, 700))
        values = {
            "PartnerId": self.partner.partner_id,
            "CustomerId": customer.customer_id,
            "CustomerName": customer.name,
            "MpnId": self.partner.mpn_id,
            "Tier2MpnId": customer.tier2_mpn_id,
            "OrderId": new_guid(rng).replace("-", "").upper(),
            "SubscriptionId": new_guid(rng),
            "SyndicationPartnerSubscriptionNumber": new_guid(rng).upper(),
            "OfferId": offer.offer_id,
            "DurableOfferId": offer.offer_id,
            "OfferName": offer.name,
            "SubscriptionStartDate": us_date(subscription_start),
            "SubscriptionEndDate": us_date(add_months(subscription_start, 12) - timedelta(days=1)),
            "ChargeStartDate": us_date(start),
            "ChargeEndDate": us_date(end),
            "ChargeType": charge_type,
            "UnitPrice": plain(price),
            "Quantity": str(quantity),
            "Amount": plain(amount),
            "TotalOtherDiscount": plain(discount),
            "Subtotal": plain(subtotal),
            "Tax": plain(tax),
            "TotalForCustomer": plain(total),
            "Currency": currency,
            "DomainName": "" if number % 7 == 0 else customer.domain,
            "SubscriptionName": offer.name,
            "SubscriptionDescription": offer.name,
            "BillingCycleType": "Monthly",
        }
        return [values[column] for column in LEGACY_COLUMNS]


# ------------------------------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    header: tuple[str, ...]
    totals: Totals


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[list[str]],
    *,
    column_order: Sequence[str] | None = None,
    header_names: Mapping[str, str] | None = None,
    line_terminator: str = "\r\n",
    chunk_rows: int = 10_000,
) -> None:
    """Write rows (in `header` order) as CSV, optionally reordering columns and respelling header names."""
    order = list(column_order or header)
    positions = [list(header).index(name) for name in order]
    renamed = [(header_names or {}).get(name, name) for name in order]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator=line_terminator)
        writer.writerow(renamed)
        chunk: list[list[str]] = []
        for row in rows:
            chunk.append([row[position] for position in positions] if column_order else row)
            if len(chunk) == chunk_rows:
                writer.writerows(chunk)
                chunk.clear()
        writer.writerows(chunk)


def write_daily_usage_file(
    path: Path, rows: int, *, seed: int = 1, year: int = 2024, month: int = 1, **layout: Any
) -> GeneratedFile:
    """A daily rated usage file of `rows` rows; `layout` goes to write_csv (column order, header names...)."""
    generator = DailyUsageGenerator(seed, year, month)
    write_csv(path, generator.header, generator.rows(rows), **layout)
    return GeneratedFile(path, generator.header, generator.totals)


def write_recon_file(
    path: Path, rows: int, *, seed: int = 1, year: int = 2024, month: int = 2, **layout: Any
) -> GeneratedFile:
    """An NCE invoice reconciliation file; the first customer gets every charge type and product kind."""
    generator = ReconGenerator(seed, year, month)
    write_csv(path, generator.header, generator.rows(rows), **layout)
    return GeneratedFile(path, generator.header, generator.totals)


def write_legacy_file(
    path: Path, rows: int, *, seed: int = 1, year: int = 2022, month: int = 6, **layout: Any
) -> GeneratedFile:
    generator = LegacyGenerator(seed, year, month)
    write_csv(path, generator.header, generator.rows(rows), **layout)
    return GeneratedFile(path, generator.header, generator.totals)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--usage-rows", type=int, default=0)
    parser.add_argument("--recon-rows", type=int, default=0)
    parser.add_argument("--legacy-rows", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    jobs = (
        ("daily_usage.csv", args.usage_rows, write_daily_usage_file),
        ("nce_recon.csv", args.recon_rows, write_recon_file),
        ("legacy_license.csv", args.legacy_rows, write_legacy_file),
    )
    summary = {}
    for name, rows, writer in jobs:
        if rows > 0:
            generated = writer(args.out_dir / name, rows, seed=args.seed)
            summary[name] = generated.totals.as_json()
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
