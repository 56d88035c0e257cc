"""Queries over the cost ledger; staff with cost_ledger:read only (portal users never see Microsoft costs)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound
from cspdesk.kit.money import to_minor
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import CostLine, ImportBatch, UsageAggregate


def _staff_only(principal: Principal, permission: Permission) -> None:
    principal.require(permission)
    if principal.is_portal:
        raise NotFound("not found")


def readable_batches(principal: Principal) -> Select[Any]:
    _staff_only(principal, Permission.COST_LEDGER_READ)
    return select(ImportBatch).order_by(ImportBatch.imported_at.desc(), ImportBatch.id)


def access_batch(session: Session, principal: Principal, batch_id: uuid.UUID) -> ImportBatch:
    _staff_only(principal, Permission.COST_LEDGER_READ)
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound("import batch not found")
    return batch


@dataclass
class UsageLine:
    entitlement_id: str
    entitlement_description: str
    meter_category: str
    meter_name: str
    usage_date: date
    currency: str
    pec_percentage: Decimal
    credit_type: str
    quantity: Decimal
    amount: Decimal
    rows: int


@dataclass
class CostLedger:
    customer: Customer
    period_start: date
    period_end: date
    lines: list[CostLine]
    usage: list[UsageLine]
    license_totals: dict[str, int] = field(default_factory=dict)
    usage_totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        """Per currency, license lines plus usage (usage rounded half up once, at the total)."""
        result: dict[str, int] = defaultdict(int, self.license_totals)
        for currency, amount in self.usage_totals.items():
            result[currency] += to_minor(amount, currency)
        return dict(sorted(result.items()))


def _lines(session: Session, customer_id: uuid.UUID, start: date, end: date) -> list[CostLine]:
    stmt = (
        select(CostLine)
        .where(
            CostLine.customer_id == customer_id, CostLine.charge_start_date >= start, CostLine.charge_start_date <= end
        )
        .order_by(CostLine.product_name, CostLine.microsoft_subscription_id, CostLine.charge_type, CostLine.line_no)
    )
    return list(session.execute(stmt).scalars())


def _usage(session: Session, customer_id: uuid.UUID, start: date, end: date) -> list[UsageLine]:
    """Usage sums per Azure subscription, meter and day (several PEC/credit rows of a day kept apart)."""
    stmt = select(UsageAggregate).where(
        UsageAggregate.customer_id == customer_id, UsageAggregate.usage_date >= start, UsageAggregate.usage_date <= end
    )
    merged: dict[tuple[Any, ...], UsageLine] = {}
    for agg in session.execute(stmt).scalars():
        key = (
            agg.entitlement_id,
            agg.meter_category,
            agg.meter_name,
            agg.usage_date,
            agg.billing_currency,
            agg.pec_percentage,
            agg.credit_type,
        )
        line = merged.get(key)
        if line is None:
            merged[key] = UsageLine(
                agg.entitlement_id,
                agg.entitlement_description,
                agg.meter_category,
                agg.meter_name,
                agg.usage_date,
                agg.billing_currency,
                agg.pec_percentage,
                agg.credit_type,
                agg.quantity,
                agg.billing_pre_tax_total,
                agg.row_count,
            )
        else:
            line.quantity += agg.quantity
            line.amount += agg.billing_pre_tax_total
            line.rows += agg.row_count
    return sorted(merged.values(), key=lambda u: (u.entitlement_id, u.meter_category, u.meter_name, u.usage_date))


def cost_ledger(
    session: Session, principal: Principal, customer_id: uuid.UUID, period_start: date, period_end: date
) -> CostLedger:
    """License lines whose charge starts in the period and Azure usage of the period for one customer."""
    _staff_only(principal, Permission.COST_LEDGER_READ)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer not found")
    lines = _lines(session, customer_id, period_start, period_end)
    usage = _usage(session, customer_id, period_start, period_end)
    ledger = CostLedger(customer, period_start, period_end, lines, usage)
    for line in lines:
        ledger.license_totals[line.currency] = ledger.license_totals.get(line.currency, 0) + line.total_minor
    for item in usage:
        ledger.usage_totals[item.currency] = ledger.usage_totals.get(item.currency, Decimal(0)) + item.amount
    return ledger


def customers_with_costs(session: Session, principal: Principal) -> list[Customer]:
    _staff_only(principal, Permission.COST_LEDGER_READ)
    with_lines = select(CostLine.customer_id).distinct()
    with_usage = select(UsageAggregate.customer_id).distinct()
    stmt = select(Customer).where(Customer.id.in_(with_lines.union(with_usage))).order_by(Customer.name)
    return list(session.execute(stmt).unique().scalars())
