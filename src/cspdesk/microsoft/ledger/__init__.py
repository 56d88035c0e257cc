"""The cost ledger: what each customer cost the partner, line by line and usage by meter and day."""

from cspdesk.microsoft.ledger.detail import DETAIL_GROUPS, usage_detail
from cspdesk.microsoft.ledger.queries import CostLedger, cost_ledger, readable_batches

__all__ = ["DETAIL_GROUPS", "CostLedger", "cost_ledger", "readable_batches", "usage_detail"]
