"""Demo: two customers whose latest bill differs from the one before for reasons the explanation shows.

Coho Winery's bill jumped (5 seats added mid-month, an Azure usage spike); Alpine Ski House's fell (Visio
cancelled two days into the month with a refund, and a service credit). Their Partner Center files are imported like
the Microsoft demo's, and the last two full months are invoiced and issued like the billing demo's (whose price
rules, taxes and rates apply when it ran first). Run after the other demo loaders.
"""

from __future__ import annotations

import csv
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Role
from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import invoices, payments
from cspdesk.billing.periods import add_months, period_of
from cspdesk.billing.runs import run_invoices
from cspdesk.config import get_settings
from cspdesk.customers import service as customers
from cspdesk.customers.schemas import CustomerIn, SubscriptionIn
from cspdesk.demo.data import DEMO_PASSWORD, NAMESPACE
from cspdesk.kit import clock
from cspdesk.kit.storage import Storage
from cspdesk.microsoft.demo import PARTNER_ID
from cspdesk.microsoft.files import KIND_SPECS, FileKind
from cspdesk.microsoft.imports import import_file
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.users import service as users
from cspdesk.users.schemas import UserIn

CENT = Decimal("0.01")
Product = tuple[str, str, str, str, Decimal]  # name, family, offer id, SKU, Microsoft's monthly unit price
E3 = ("Microsoft 365 E3", "microsoft_365", "CFQ7TTC0LFLZ", "0002", Decimal("33.75"))
PREMIUM = ("Microsoft 365 Business Premium", "microsoft_365", "CFQ7TTC0LCHC", "0002", Decimal("22.00"))
VISIO = ("Visio Plan 2", "microsoft_365", "CFQ7TTC0HD33", "0001", Decimal("15.00"))
AZURE = ("Azure plan", "azure_plan", "DZH318Z0BPS6", "0001", Decimal(0))
METERS = (("Virtual Machines", "D4s v5", Decimal("0.192")), ("Storage", "LRS Data Stored", Decimal("0.0208")))


@dataclass(frozen=True)
class Story:
    name: str
    domain: str
    country: str

    @property
    def tenant_id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, self.name)

    def sub_id(self, product: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.name}/{product}"))


JUMPED = Story("Coho Winery", "cohowinery.de", "DE")
FELL = Story("Alpine Ski House", "alpineskihouse.at", "AT")


def _month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def _us(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def _prorated(price: Decimal, start: date, first: date) -> Decimal:
    """Microsoft's price for the days from `start` to the end of the monthly cycle that began on `first`."""
    days, cycle = (_month_end(first) - start).days + 1, (_month_end(first) - first).days + 1
    return (price * days / cycle).quantize(CENT, ROUND_DOWN)


def _base(story: Story, first: date) -> dict[str, str]:
    return {
        "PartnerId": PARTNER_ID, "CustomerId": str(story.tenant_id), "CustomerName": story.name,
        "CustomerDomainName": story.domain, "CustomerCountry": story.country,
        "InvoiceNumber": f"G{first:%y%m}99{len(story.name):02d}", "PublisherName": "Microsoft Corporation",
        "Currency": "EUR", "PricingCurrency": "EUR", "BillingCurrency": "EUR", "PCToBCExchangeRate": "1",
        "TaxTotal": "0", "ChargeStartDate": _us(first), "ChargeEndDate": _us(_month_end(first)),
    }  # fmt: skip


def _license(story: Story, first: date, product: Product, seats: int, charge: str = "cycleCharge",
             effective: Decimal | None = None, start: date | None = None) -> dict[str, str]:  # fmt: skip
    name, _family, offer, sku, price = product
    effective = price if effective is None else effective
    subtotal = str(effective * seats)
    return _base(story, first) | {
        "OrderId": f"ord-{story.sub_id(name)[:8]}", "ProductId": offer, "SkuId": sku, "SkuName": name,
        "ProductName": name, "ChargeType": charge, "UnitPrice": str(price), "EffectiveUnitPrice": str(effective),
        "Quantity": str(seats), "BillableQuantity": str(seats), "Subtotal": subtotal, "Total": subtotal,
        "SubscriptionDescription": name, "SubscriptionId": story.sub_id(name),
        "ChargeStartDate": _us(start or first), "TermAndBillingCycle": "One Month Subscription",
        "BillingFrequency": "Monthly", "UnitType": "Licenses",
    }  # fmt: skip


def _usage(story: Story, first: date, spike_from: int | None) -> list[dict[str, str]]:
    """Two meters a day; from day `spike_from` the virtual machines run four times as many hours."""
    rows = []
    for offset in range((_month_end(first) - first).days + 1):
        day = first + timedelta(days=offset)
        for category, meter, price in METERS:
            quantity = Decimal(24 if category == "Virtual Machines" else 310) + offset % 3
            if category == "Virtual Machines" and spike_from is not None and day.day >= spike_from:
                quantity *= 4
            amount = (price * quantity * Decimal("0.85")).quantize(Decimal("0.000001"))
            rows.append(_base(story, first) | {
                "ProductId": "DZH318Z0BPS6", "SkuId": "0001", "SubscriptionId": story.sub_id("Azure plan"),
                "SubscriptionDescription": "Azure plan", "UsageDate": _us(day), "MeterCategory": category,
                "MeterId": f"{category[:3]}-{meter}".lower().replace(" ", "-"), "MeterName": meter, "Unit": "1 Hour",
                "ResourceGroup": "rg-core" if category == "Storage" else "rg-trading", "ChargeType": "new",
                "ResourceURI": f"/subscriptions/{story.sub_id('Azure plan')}/{meter}", "UnitPrice": str(price),
                "EffectiveUnitPrice": str(price * Decimal("0.85")), "Quantity": str(quantity),
                "BillingPreTaxTotal": str(amount), "PricingPreTaxTotal": str(amount),
                "EntitlementId": story.sub_id("Azure plan"), "EntitlementDescription": "Trading platform",
                "PartnerEarnedCreditPercentage": "15",
            })  # fmt: skip
    return rows


def _recon(first: date, latest: bool) -> list[dict[str, str]]:
    rows = [_license(JUMPED, first, E3, 20), _license(FELL, first, PREMIUM, 15), _license(FELL, first, VISIO, 5)]
    if latest:
        added = first + timedelta(days=15)
        rows.append(_license(JUMPED, first, E3, 5, "addQuantity", _prorated(E3[4], added, first), added))
        cancelled = first + timedelta(days=2)
        refund = -_prorated(VISIO[4], cancelled, first)
        rows.append(_license(FELL, first, VISIO, 5, "cancelImmediate", refund, cancelled))
        credit = _license(FELL, first, PREMIUM, 1, "customerCredit", Decimal("-50.00"))
        rows.append(credit | {"UnitPrice": "0", "CreditReasonCode": "Service credit"})
    return rows


def _write(path: Path, kind: FileKind, rows: list[dict[str, str]]) -> Path:
    names = list(KIND_SPECS[kind].column_names)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([row.get(name, "") for name in names] for row in rows)
    return path


def _customer(session: Session, story: Story, products: list[tuple[Product, int]], today: date) -> None:
    data = CustomerIn(name=story.name, tenant_id=story.tenant_id, primary_domain=story.domain, country=story.country,
                      billing_currency="EUR", language="en", group="SMB")  # fmt: skip
    customer = customers.create_customer(session, SYSTEM, data)
    for (name, family, offer, sku, _price), quantity in products:
        azure = family == "azure_plan"
        customers.create_subscription(session, SYSTEM, customer.id, SubscriptionIn(
            microsoft_id=story.sub_id(name), offer_id=f"{offer}:{sku}", sku_id=sku, product_name=name,
            product_family=family, quantity=quantity,
            unit_type="Azure plan" if azure else "Licenses", term=None if azure else "P1M",
            billing_frequency="usage" if azure else "monthly", start_date=today - timedelta(days=400),
            end_date=None if azure else add_months(today.replace(day=1), 1) - timedelta(days=1),
            status="disabled" if name == VISIO[0] else "active"))  # fmt: skip
    users.create_user(session, SYSTEM, UserIn(email=f"admin@{story.domain}", name=f"{story.name} admin",
                                              password=DEMO_PASSWORD, kind="portal", roles=[Role.CUSTOMER_ADMIN],
                                              customer_id=customer.id, language="en"))  # fmt: skip


def load_explain_demo(session: Session, storage: Storage, today: date) -> None:
    """Create the two customers, import their last two full months and invoice and issue both months."""
    _customer(session, JUMPED, [(E3, 25), (AZURE, 1)], today)
    _customer(session, FELL, [(PREMIUM, 15), (VISIO, 5)], today)
    months = [add_months(today.replace(day=1), -2), add_months(today.replace(day=1), -1)]
    with tempfile.TemporaryDirectory(prefix="cspdesk-explain-demo-") as folder:
        for first in months:
            latest = first == months[-1]
            recon = _write(Path(folder) / f"explain_recon_{first:%Y_%m}.csv", FileKind.NCE_RECON, _recon(first, latest))
            usage = _usage(JUMPED, first, 12 if latest else None)
            daily = _write(Path(folder) / f"explain_usage_{first:%Y_%m}.csv", FileKind.DAILY_USAGE, usage)
            import_file(session, SYSTEM, storage, recon)
            import_file(session, SYSTEM, storage, daily)
    for first in months:
        _invoice_and_issue(session, storage, first, paid=first == months[0])


def _invoice_and_issue(session: Session, storage: Storage, first: date, *, paid: bool) -> None:
    """The billing engine's run for the month (customers invoiced already are skipped), issued like the billing demo."""
    settings = get_settings()
    run_invoices(session, SYSTEM, settings, period_of(first))
    names = [JUMPED.name, FELL.name]
    stmt = select(Invoice).join(Customer).where(Invoice.period == period_of(first), Invoice.status == "draft",
                                                Customer.name.in_(names))  # fmt: skip
    issue_at = datetime.combine(add_months(first, 1) + timedelta(days=2), datetime.min.time(), UTC)
    with clock.frozen_at(issue_at):
        for draft in list(session.execute(stmt).scalars()):
            invoice = invoices.issue_invoice(session, SYSTEM, draft.id, storage, settings)
            if paid:
                payments.record_payment(session, SYSTEM, invoice.customer_id, invoice.total_minor, invoice.currency,
                                        issue_at.date() + timedelta(days=10), reference=str(invoice.number),
                                        invoice_id=invoice.id)  # fmt: skip
