"""Demo data: a sample partner's staff, customers, subscriptions and portal users, made deterministically."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Role
from cspdesk.auth.principal import SYSTEM
from cspdesk.customers import service as customers
from cspdesk.customers.schemas import ContactIn, CustomerIn, SubscriptionIn
from cspdesk.models.user import User
from cspdesk.users import service as users
from cspdesk.users.schemas import UserIn

DEMO_PASSWORD = "cspdesk-demo-2026"  # noqa: S105 - printed by the demo on purpose
NAMESPACE = uuid.UUID("6b1f3f4e-8d8a-4c1e-9a53-2f0f7f5a1c00")


@dataclass(frozen=True)
class Login:
    email: str
    roles: str
    note: str


STAFF = [
    ("admin@partner.example", "Alex Admin", [Role.GLOBAL_ADMIN]),
    ("useradmin@partner.example", "Uma Users", [Role.USER_ADMIN]),
    ("agent@partner.example", "Ari Agent", [Role.ADMIN_AGENT]),
    ("billing@partner.example", "Bea Billing", [Role.BILLING_ADMIN]),
    ("helpdesk@partner.example", "Hal Helpdesk", [Role.HELPDESK_AGENT]),
    ("sales@partner.example", "Sam Sales", [Role.SALES_AGENT]),
]

CUSTOMERS = [
    ("Contoso GmbH", "contoso.de", "DE", "EUR", "de", "Enterprise"),
    ("Fabrikam Ltd", "fabrikam.co.uk", "GB", "GBP", "en", "SMB"),
    ("Northwind Traders", "northwind.com", "US", "USD", "en", "SMB"),
    ("ООО Ромашка", "romashka.ru", "RU", "RUB", "ru", "SMB"),
    ("Tailspin Toys", "tailspintoys.com", "US", "USD", "en", "Enterprise"),
    ("Wingtip Solutions", "wingtip.fr", "FR", "EUR", "en", "SMB"),
    ("Adatum Corporation", "adatum.nl", "NL", "EUR", "en", "Enterprise"),
    ("Litware Inc", "litware.ca", "CA", "CAD", "en", "SMB"),
    ("АО Северсталь-Софт", "seversoft.ru", "RU", "RUB", "ru", "Enterprise"),
    ("Proseware Oy", "proseware.fi", "FI", "EUR", "en", "SMB"),
    ("Woodgrove Bank", "woodgrove.ch", "CH", "CHF", "en", "Enterprise"),
    ("Trey Research", "treyresearch.se", "SE", "SEK", "en", "SMB"),
]

PRODUCTS = [
    ("Microsoft 365 Business Premium", "microsoft_365", "CFQ7TTC0LCHC", "0002", "Licenses"),
    ("Microsoft 365 E3", "microsoft_365", "CFQ7TTC0LF8Q", "0001", "Licenses"),
    ("Office 365 E1", "microsoft_365", "CFQ7TTC0LF8R", "0001", "Licenses"),
    ("Exchange Online (Plan 1)", "microsoft_365", "CFQ7TTC0LH16", "0001", "Licenses"),
    ("Dynamics 365 Sales Enterprise", "dynamics_365", "CFQ7TTC0LH0R", "0001", "Licenses"),
    ("Dynamics 365 Business Central Essentials", "dynamics_365", "CFQ7TTC0LH26", "0001", "Licenses"),
    ("Azure plan", "azure_plan", "DZH318Z0BPS6", "0001", "Azure plan"),
    ("Windows Server 2022 Standard - 16 Core License Pack", "software", "DG7GMGF0D5RK", "0002", "Licenses"),
    ("Adobe Acrobat Pro for teams", "marketplace", "CFQ7TTC0HH5T", "0001", "Licenses"),
]
STATUSES = ["active"] * 8 + ["suspended", "expired", "pending", "disabled"]


def _tenant(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def _make_staff(session: Session) -> list[Login]:
    logins = []
    for email, name, roles in STAFF:
        users.create_user(session, SYSTEM, UserIn(email=email, name=name, password=DEMO_PASSWORD, roles=roles))
        logins.append(Login(email, ", ".join(r.value for r in roles), "staff console"))
    return logins


def _subscription(rng: random.Random, customer_name: str, index: int, today: date) -> SubscriptionIn:
    product, family, offer, sku, unit = rng.choice(PRODUCTS)
    term, frequency = ("P1M", "monthly") if rng.random() < 0.5 else ("P1Y", rng.choice(["monthly", "annual"]))
    start = today - timedelta(days=rng.randint(20, 400))
    length = timedelta(days=30 if term == "P1M" else 365)
    end = start + length * (1 + (today - start) // length)
    if family == "azure_plan":
        term, frequency, end = None, "usage", None  # type: ignore[assignment]
    return SubscriptionIn(
        microsoft_id=str(uuid.uuid5(NAMESPACE, f"{customer_name}/{index}")),
        offer_id=f"{offer}:{sku}",
        sku_id=sku,
        product_name=product,
        product_family=family,
        quantity=1 if family == "azure_plan" else rng.choice([1, 5, 10, 25, 50, 120]),
        unit_type=unit,
        term=term,
        billing_frequency=frequency,
        start_date=start,
        end_date=end,
        auto_renew=rng.random() < 0.85,
        status=rng.choice(STATUSES),
    )


def _make_customers(session: Session, rng: random.Random, today: date) -> list[Login]:
    logins = []
    for index, (name, domain, country, currency, lang, group) in enumerate(CUSTOMERS):
        language = "ru" if lang == "ru" else "en"
        customer = customers.create_customer(
            session,
            SYSTEM,
            CustomerIn(
                name=name,
                tenant_id=_tenant(name),
                primary_domain=domain,
                country=country,
                billing_currency=currency,
                language=language,
                group=group,
                tax_id=f"{country}{rng.randint(100000000, 999999999)}",
                contacts=[ContactIn(name="Accounts payable", email=f"ap@{domain}", phone="+1 555 0100")],
            ),
        )
        for sub_index in range(rng.randint(2, 5)):
            customers.create_subscription(session, SYSTEM, customer.id, _subscription(rng, name, sub_index, today))
        if index < 3 or language == "ru":
            email = f"admin@{domain}"
            users.create_user(
                session,
                SYSTEM,
                UserIn(
                    email=email,
                    name=f"{name} admin",
                    password=DEMO_PASSWORD,
                    kind="portal",
                    roles=[Role.CUSTOMER_ADMIN],
                    customer_id=customer.id,
                    language=language,
                ),
            )
            logins.append(Login(email, "customer_admin", f"portal of {name}"))
    return logins


def demo_already_loaded(session: Session) -> bool:
    return session.execute(select(User.id).where(User.email == STAFF[0][0])).first() is not None


def load_demo(session: Session, today: date, seed: int = 2026) -> list[Login]:
    """Create the demo partner's users, customers and subscriptions; returns the logins to print."""
    rng = random.Random(seed)
    return _make_staff(session) + _make_customers(session, rng, today)


def demo_logins() -> list[Login]:
    staff = [Login(e, ", ".join(r.value for r in roles), "staff console") for e, _, roles in STAFF]
    portal = [
        Login(f"admin@{domain}", "customer_admin", f"portal of {name}")
        for i, (name, domain, _c, _cur, lang, _g) in enumerate(CUSTOMERS)
        if i < 3 or lang == "ru"
    ]
    explain = [
        Login("admin@cohowinery.de", "customer_admin", "portal of Coho Winery (bill jumped)"),
        Login("admin@alpineskihouse.at", "customer_admin", "portal of Alpine Ski House (bill fell)"),
    ]
    return staff + portal + explain
