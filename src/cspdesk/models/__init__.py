"""All models. Every module in this package is imported here, so metadata is complete for Alembic and tests."""

from __future__ import annotations

import importlib
import pkgutil

from cspdesk.models.base import Base

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")

from cspdesk.models.audit import AuditEntry  # noqa: E402
from cspdesk.models.counter import Counter  # noqa: E402
from cspdesk.models.customer import BillingContact, Customer, CustomerGroup  # noqa: E402
from cspdesk.models.subscription import Subscription  # noqa: E402
from cspdesk.models.user import ApiToken, LoginAttempt, User, UserRole, WebSession  # noqa: E402

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
