"""Two months of one customer's ledger, invoiced by the billing engine, ready to be explained."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM, Principal
from cspdesk.config import Settings
from cspdesk.explain.model import Cause, Explanation
from cspdesk.explain.service import explain_invoice
from cspdesk.models.billing import Invoice, PriceRule, TaxRule
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import ImportBatch
from tests.billing import factories
from tests.billing.helpers import run

SEP = (date(2026, 9, 1), date(2026, 9, 30))
OCT = (date(2026, 10, 1), date(2026, 10, 31))


@dataclass
class Scenario:
    session: Session
    settings: Settings
    customer: Customer
    batch: ImportBatch
    made: list[Any] = field(default_factory=list)

    def seats(self, month: tuple[date, date], quantity: int, price: str = "10.00", **kw: Any) -> Any:
        """A monthly license line: quantity x effective price, pass-through amount = Microsoft's subtotal."""
        effective = Decimal(kw.pop("effective", price))
        subtotal = int(effective * quantity * 100 * Decimal(kw.get("exchange_rate", 1)))
        values: dict[str, Any] = {
            "charge_type": "cycleCharge",
            "charge_start_date": month[0],
            "charge_end_date": month[1],
            "unit_price": Decimal(price),
            "effective_unit_price": effective,
            "quantity": Decimal(quantity),
            "billable_quantity": Decimal(quantity),
            "subtotal_minor": subtotal,
            "total_minor": subtotal,
        }
        values.update(kw)
        row = factories.cost_line(self.session, self.customer, self.batch, **values)
        self.made.append(row)
        return row

    def usage(self, day: date, amount: str, **kw: Any) -> Any:
        row = factories.usage(self.session, self.customer, self.batch, usage_date=day,
                              billing_pre_tax_total=Decimal(amount), **kw)  # fmt: skip
        self.made.append(row)
        return row

    def tax(self, percent: str) -> None:
        self.session.add(TaxRule(country=self.customer.country, rate_percent=Decimal(percent), name="VAT",
                                 valid_from=date(2020, 1, 1)))  # fmt: skip
        self.session.flush()

    def markup(self, percent: str) -> PriceRule:
        rule = PriceRule(customer_id=self.customer.id, product_family="microsoft_365", mode="markup_cost",
                         percent=Decimal(percent))  # fmt: skip
        self.session.add(rule)
        self.session.flush()
        return rule

    def invoice(self, period: str) -> Invoice:
        run(self.session, self.settings, period)
        stmt = select(Invoice).where(Invoice.run_key == f"{self.customer.id}:{period}")
        return self.session.execute(stmt).scalar_one()

    def explain(self, principal: Principal = SYSTEM, lang: str = "en", **kw: Any) -> Explanation:
        self.invoice("2026-09")
        current = self.invoice("2026-10")
        return explain_invoice(self.session, principal, current.id, lang=lang, **kw)


def scenario(session: Session, settings: Settings, **kw: Any) -> Scenario:
    owner = factories.customer(session, name=kw.pop("name", "Acme"), **kw)
    return Scenario(session, settings, owner, factories.batch(session))


def causes(explanation: Explanation) -> list[tuple[str, str, int]]:
    assert explanation.comparison is not None
    return [(c.kind, c.subject, c.amount_minor) for c in explanation.comparison.causes]


def cause(explanation: Explanation, kind: str) -> Cause:
    assert explanation.comparison is not None
    found = [c for c in explanation.comparison.causes if c.kind == kind]
    assert len(found) == 1, [c.kind for c in explanation.comparison.causes]
    return found[0]


def assert_adds_up(explanation: Explanation) -> None:
    comparison = explanation.comparison
    assert comparison is not None
    assert sum(c.amount_minor for c in comparison.causes) == comparison.difference_minor
    assert comparison.difference_minor == explanation.total_minor - comparison.previous_total_minor
