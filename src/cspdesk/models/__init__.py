"""All models, imported here so that metadata is complete for Alembic and tests."""

from cspdesk.models.audit import AuditEntry
from cspdesk.models.base import Base
from cspdesk.models.counter import Counter
from cspdesk.models.customer import BillingContact, Customer, CustomerGroup
from cspdesk.models.subscription import Subscription
from cspdesk.models.user import ApiToken, LoginAttempt, User, UserRole, WebSession

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "BillingContact",
    "Counter",
    "Customer",
    "CustomerGroup",
    "LoginAttempt",
    "Subscription",
    "User",
    "UserRole",
    "WebSession",
]
