"""Hand-written Partner Center lines for tests: every documented column, overridable per line."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

from cspdesk.microsoft.files import KIND_SPECS, FileKind

PARTNER = "3f2a9c1e-0000-4000-8000-000000000001"


def _defaults_recon() -> dict[str, str]:
    return {
        "PartnerId": PARTNER,
        "CustomerId": str(uuid.uuid4()),
        "CustomerName": "Contoso GmbH",
        "CustomerDomainName": "contoso.onmicrosoft.com",
        "CustomerCountry": "DE",
        "InvoiceNumber": "G000012345",
        "MpnId": "1234567",
        "Tier2MpnId": "",
        "OrderId": "ord-1",
        "OrderDate": "2/3/2026",
        "ProductId": "CFQ7TTC0LF8Q",
        "SkuId": "0001",
        "AvailabilityId": "CFQ7TTC0K5DJ",
        "SkuName": "Microsoft 365 E3",
        "ProductName": "Microsoft 365 E3",
        "ChargeType": "new",
        "UnitPrice": "10.08",
        "Quantity": "10",
        "Subtotal": "100.80",
        "TaxTotal": "0",
        "Total": "100.80",
        "Currency": "EUR",
        "PriceAdjustmentDescription": "",
        "PublisherName": "Microsoft Corporation",
        "PublisherId": "",
        "SubscriptionDescription": "Microsoft 365 E3",
        "SubscriptionId": str(uuid.uuid4()),
        "ChargeStartDate": "2/1/2026",
        "ChargeEndDate": "2/28/2026",
        "TermAndBillingCycle": "One Month Subscription",
        "EffectiveUnitPrice": "10.08",
        "UnitType": "Licenses",
        "AlternateId": "alt-1",
        "BillableQuantity": "10",
        "BillingFrequency": "Monthly",
        "PricingCurrency": "EUR",
        "PCToBCExchangeRate": "1",
        "PCToBCExchangeRateDate": "1/29/2026",
        "MeterDescription": "",
        "ReservationOrderId": "",
        "CreditReasonCode": "",
        "SubscriptionStartDate": "2/1/2026",
        "SubscriptionEndDate": "1/31/2027",
        "ReferenceId": "",
        "ProductQualifiers": "",
        "PromotionId": "",
        "ProductCategory": "",
    }


def recon_line(**overrides: Any) -> dict[str, str]:
    line = _defaults_recon()
    line.update({key: str(value) for key, value in overrides.items()})
    return line


def usage_line(**overrides: Any) -> dict[str, str]:
    line = {
        "PartnerId": PARTNER,
        "PartnerName": "Cloudway",
        "CustomerId": str(uuid.uuid4()),
        "CustomerName": "Fabrikam",
        "CustomerDomainName": "fabrikam.onmicrosoft.com",
        "CustomerCountry": "GB",
        "MpnId": "",
        "Tier2MpnId": "",
        "InvoiceNumber": "G000012345",
        "ProductId": "DZH318Z0BPS6",
        "SkuId": "0001",
        "AvailabilityId": "",
        "SkuName": "Azure plan",
        "ProductName": "Azure plan",
        "PublisherName": "Microsoft",
        "PublisherId": "",
        "SubscriptionDescription": "Azure plan",
        "SubscriptionId": str(uuid.uuid4()),
        "ChargeStartDate": "2/1/2026",
        "ChargeEndDate": "2/28/2026",
        "UsageDate": "2/3/2026",
        "MeterType": "1 Compute Hour",
        "MeterCategory": "Virtual Machines",
        "MeterId": "mtr-1",
        "MeterSubCategory": "D2s v5",
        "MeterName": "D2s v5",
        "MeterRegion": "EU West",
        "Unit": "1 Hour",
        "ResourceLocation": "westeurope",
        "ConsumedService": "Compute",
        "ResourceGroup": "rg-prod",
        "ResourceURI": "/subscriptions/x/vm-1",
        "ChargeType": "new",
        "UnitPrice": "0.1",
        "Quantity": "24",
        "UnitType": "1 Hour",
        "BillingPreTaxTotal": "2.04",
        "BillingCurrency": "EUR",
        "PricingPreTaxTotal": "2.04",
        "PricingCurrency": "EUR",
        "ServiceInfo1": "",
        "ServiceInfo2": "",
        "Tags": "",
        "AdditionalInfo": "",
        "EffectiveUnitPrice": "0.085",
        "PCToBCExchangeRate": "1",
        "PCToBCExchangeRateDate": "1/29/2026",
        "EntitlementId": "ent-1",
        "EntitlementDescription": "Prod",
        "PartnerEarnedCreditPercentage": "15",
        "CreditPercentage": "0",
        "CreditType": "",
        "BenefitOrderId": "",
        "BenefitId": "",
        "BenefitType": "",
    }
    line.update({key: str(value) for key, value in overrides.items()})
    return line


def _csv(kind: FileKind, lines: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = list(KIND_SPECS[kind].column_names)
    writer.writerow(names)
    for line in lines:
        writer.writerow([line.get(name, "") for name in names])
    return buffer.getvalue()


def recon_csv(lines: list[dict[str, str]]) -> str:
    return _csv(FileKind.NCE_RECON, lines)


def usage_csv(lines: list[dict[str, str]]) -> str:
    return _csv(FileKind.DAILY_USAGE, lines)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path
