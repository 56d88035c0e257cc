"""Demo data: three months of Partner Center files for the customers already in the database, imported through
`import_file` like a real partner's files (the bench generator makes up its own customers, so a small one here)."""

from __future__ import annotations

import csv
import random
import tempfile
import zlib
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.kit.storage import Storage
from cspdesk.microsoft.files import KIND_SPECS, FileKind
from cspdesk.microsoft.imports import import_file
from cspdesk.models.customer import Customer
from cspdesk.models.subscription import Subscription

PARTNER_ID = "5a1d0c55-0000-4000-8000-00000000c5d0"
METERS = [
    ("Virtual Machines", "D2s v5", "1 Hour", Decimal("0.096")),
    ("Storage", "LRS Data Stored", "1 GB/Month", Decimal("0.0208")),
    ("Azure App Service", "P1 v3", "1 Hour", Decimal("0.169")),
]


def _us(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def _months(today: date, count: int = 3) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _base(customer: Customer, invoice: str) -> dict[str, str]:
    return {
        "PartnerId": PARTNER_ID,
        "CustomerId": str(customer.tenant_id),
        "CustomerName": customer.name,
        "CustomerDomainName": customer.primary_domain,
        "CustomerCountry": customer.country,
        "InvoiceNumber": invoice,
        "PublisherName": "Microsoft Corporation",
        "Currency": customer.billing_currency,
        "PricingCurrency": customer.billing_currency,
        "BillingCurrency": customer.billing_currency,
        "PCToBCExchangeRate": "1",
        "TaxTotal": "0",
    }


def _license_line(sub: Subscription, base: dict[str, str], month: date, rng: random.Random) -> dict[str, str]:
    price = Decimal(rng.choice(["6.00", "10.08", "20.60", "33.75", "54.75"]))
    quantity = Decimal(max(sub.quantity, 1))
    subtotal = (price.quantize(Decimal("0.01"), ROUND_DOWN) * quantity).quantize(Decimal("0.01"))
    return base | {
        "OrderId": f"ord-{sub.microsoft_id[:8]}",
        "ProductId": sub.offer_id.split(":")[0] or "CFQ7TTC0LF8Q",
        "SkuId": sub.sku_id or "0001",
        "SkuName": sub.product_name,
        "ProductName": sub.product_name,
        "ChargeType": "cycleCharge",
        "UnitPrice": str(price),
        "EffectiveUnitPrice": str(price),
        "Quantity": str(quantity),
        "BillableQuantity": str(quantity),
        "Subtotal": str(subtotal),
        "Total": str(subtotal),
        "SubscriptionDescription": sub.product_name,
        "SubscriptionId": sub.microsoft_id,
        "ChargeStartDate": _us(month),
        "ChargeEndDate": _us(_month_end(month)),
        "TermAndBillingCycle": "One Month Subscription",
        "BillingFrequency": "Monthly",
        "UnitType": "Licenses",
    }


def _usage_lines(sub: Subscription, base: dict[str, str], month: date, rng: random.Random) -> list[dict[str, str]]:
    lines = []
    for day_number in range((_month_end(month) - month).days + 1):
        day = month + timedelta(days=day_number)
        for category, name, unit, price in METERS:
            quantity = Decimal(rng.randint(1, 240)) / 10
            amount = (price * quantity * Decimal("0.85")).quantize(Decimal("0.000001"))
            lines.append(
                base
                | {
                    "ProductId": "DZH318Z0BPS6",
                    "SkuId": "0001",
                    "SubscriptionId": sub.microsoft_id,
                    "SubscriptionDescription": "Azure plan",
                    "ChargeStartDate": _us(month),
                    "ChargeEndDate": _us(_month_end(month)),
                    "UsageDate": _us(day),
                    "MeterCategory": category,
                    "MeterId": f"{category[:3]}-{name}".lower().replace(" ", "-"),
                    "MeterName": name,
                    "Unit": unit,
                    "ResourceGroup": "rg-prod",
                    "ResourceURI": f"/subscriptions/{sub.microsoft_id}/{name}",
                    "ChargeType": "new",
                    "UnitPrice": str(price),
                    "EffectiveUnitPrice": str(price * Decimal("0.85")),
                    "Quantity": str(quantity),
                    "BillingPreTaxTotal": str(amount),
                    "PricingPreTaxTotal": str(amount),
                    "EntitlementId": sub.microsoft_id,
                    "EntitlementDescription": "Production",
                    "PartnerEarnedCreditPercentage": "15",
                }
            )
    return lines


def _write(path: Path, kind: FileKind, lines: list[dict[str, str]]) -> Path:
    names = list(KIND_SPECS[kind].column_names)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([line.get(name, "") for name in names] for line in lines)
    return path


def _month_files(session: Session, month: date, folder: Path, rng: random.Random) -> list[Path]:
    recon: list[dict[str, str]] = []
    usage: list[dict[str, str]] = []
    for customer in session.execute(select(Customer).order_by(Customer.name)).unique().scalars():
        invoice = f"G{month:%y%m}{zlib.crc32(customer.billing_currency.encode()) % 10000:04d}0"
        base = _base(customer, invoice)
        subs = session.execute(select(Subscription).where(Subscription.customer_id == customer.id)).scalars().all()
        for sub in sorted(subs, key=lambda s: s.microsoft_id):
            if sub.product_family == "azure_plan":
                usage.extend(_usage_lines(sub, base, month, rng))
            else:
                recon.append(_license_line(sub, base, month, rng))
    files = [_write(folder / f"nce_recon_{month:%Y_%m}.csv", FileKind.NCE_RECON, recon)] if recon else []
    if usage:
        files.append(_write(folder / f"daily_usage_{month:%Y_%m}.csv", FileKind.DAILY_USAGE, usage))
    return files


def load_microsoft_demo(session: Session, storage: Storage, today: date) -> None:
    """Generate and import three billed months of reconciliation and usage files for the existing customers."""
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="cspdesk-demo-") as folder:
        for month in _months(today):
            for path in _month_files(session, month, Path(folder), rng):
                import_file(session, SYSTEM, storage, path)
