"""The dunning engine: runs the published payment policy against customers' open invoices."""

from cspdesk.policy.engine.run import (
    PlannedAction,
    RunReport,
    on_invoice_issued,
    on_payment,
    run_daily,
    run_dunning,
)
from cspdesk.policy.engine.selection import candidate_customers

__all__ = [
    "PlannedAction",
    "RunReport",
    "candidate_customers",
    "on_invoice_issued",
    "on_payment",
    "run_daily",
    "run_dunning",
]
