"""Support plans' monthly price billed on the customer's invoice run draft."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from cspdesk.billing.drafting import LineDraft, charge_line
from cspdesk.billing.loading import CustomerRow
from cspdesk.models.billing import RecurringCharge
from cspdesk.support.plans import plan_for_customer


def support_line(
    session: Session, customer: CustomerRow, period: str, recurring: list[RecurringCharge], errors: list[dict[str, str]]
) -> LineDraft | None:
    """The plan's monthly price as a recurring line, unless a due recurring charge names the plan already.

    A plan priced in another currency than the customer's billing currency is skipped and reported in the run's errors.
    """
    plan = plan_for_customer(session, customer.id)
    if plan is None or plan.monthly_price_minor <= 0:
        return None
    if any(plan.name.lower() in rc.description.lower() for rc in recurring):
        return None
    if plan.currency != customer.currency:
        message = (
            f"support plan '{plan.name}' is priced in {plan.currency}, the customer is billed in "
            f"{customer.currency}: the plan was not billed"
        )
        errors.append({"customer": customer.name, "error": message})
        return None
    description = f"Support plan {plan.name} ({period})"
    return charge_line("recurring", description, plan.monthly_price_minor, Decimal(1), plan.currency)
