"""The one permission table: which role may do what. Every endpoint and page checks through it."""

from __future__ import annotations

from enum import StrEnum
from functools import cache


class Role(StrEnum):
    GLOBAL_ADMIN = "global_admin"
    USER_ADMIN = "user_admin"
    ADMIN_AGENT = "admin_agent"
    BILLING_ADMIN = "billing_admin"
    HELPDESK_AGENT = "helpdesk_agent"
    SALES_AGENT = "sales_agent"
    CUSTOMER_ADMIN = "customer_admin"
    CUSTOMER_BILLING = "customer_billing"
    CUSTOMER_USER = "customer_user"


STAFF_ROLES = frozenset(
    {
        Role.GLOBAL_ADMIN,
        Role.USER_ADMIN,
        Role.ADMIN_AGENT,
        Role.BILLING_ADMIN,
        Role.HELPDESK_AGENT,
        Role.SALES_AGENT,
    }
)
PORTAL_ROLES = frozenset({Role.CUSTOMER_ADMIN, Role.CUSTOMER_BILLING, Role.CUSTOMER_USER})


class Permission(StrEnum):
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    AUDIT_READ = "audit:read"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_CREATE = "customers:create"
    CUSTOMERS_UPDATE = "customers:update"
    CUSTOMERS_DELETE = "customers:delete"
    SUBSCRIPTIONS_READ = "subscriptions:read"
    SUBSCRIPTIONS_CREATE = "subscriptions:create"
    SUBSCRIPTIONS_UPDATE = "subscriptions:update"
    SUBSCRIPTIONS_DELETE = "subscriptions:delete"
    SUBSCRIPTIONS_SUSPEND = "subscriptions:suspend"
    TOKENS_OWN = "tokens:own"
    COST_LEDGER_READ = "cost_ledger:read"
    IMPORTS_WRITE = "imports:write"
    PAYABLES_READ = "payables:read"
    PAYABLES_WRITE = "payables:write"
    PRICE_RULES_WRITE = "price_rules:write"
    INVOICES_READ = "invoices:read"
    INVOICES_WRITE = "invoices:write"
    PAYMENTS_READ = "payments:read"
    PAYMENTS_WRITE = "payments:write"
    MARGIN_READ = "margin:read"
    POLICY_READ = "policy:read"
    POLICY_WRITE = "policy:write"
    DUNNING_READ = "dunning:read"
    DUNNING_WRITE = "dunning:write"
    OUTBOX_MANAGE = "outbox:manage"
    TICKETS_READ = "tickets:read"
    TICKETS_CREATE = "tickets:create"
    TICKETS_WORK = "tickets:work"
    TICKETS_BILLING_WORK = "tickets:work_billing"
    ESCALATIONS_WRITE = "escalations:write"
    SUPPORT_PLANS_WRITE = "support_plans:write"


P = Permission
_STAFF_READ = {P.CUSTOMERS_READ, P.SUBSCRIPTIONS_READ, P.TOKENS_OWN, P.POLICY_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.GLOBAL_ADMIN: frozenset(Permission),
    Role.USER_ADMIN: frozenset({P.USERS_READ, P.USERS_WRITE, P.TOKENS_OWN}),
    Role.ADMIN_AGENT: frozenset(
        _STAFF_READ
        | {
            P.CUSTOMERS_CREATE,
            P.CUSTOMERS_UPDATE,
            P.CUSTOMERS_DELETE,
            P.SUBSCRIPTIONS_CREATE,
            P.SUBSCRIPTIONS_UPDATE,
            P.SUBSCRIPTIONS_DELETE,
            P.SUBSCRIPTIONS_SUSPEND,
            P.COST_LEDGER_READ,
            P.INVOICES_READ,
            P.DUNNING_READ,
            P.TICKETS_READ,
            P.TICKETS_WORK,
            P.ESCALATIONS_WRITE,
        }
    ),
    Role.BILLING_ADMIN: frozenset(
        _STAFF_READ
        | {
            P.SUBSCRIPTIONS_SUSPEND,
            P.COST_LEDGER_READ,
            P.IMPORTS_WRITE,
            P.PAYABLES_READ,
            P.PAYABLES_WRITE,
            P.PRICE_RULES_WRITE,
            P.INVOICES_READ,
            P.INVOICES_WRITE,
            P.PAYMENTS_READ,
            P.PAYMENTS_WRITE,
            P.MARGIN_READ,
            P.POLICY_WRITE,
            P.DUNNING_READ,
            P.DUNNING_WRITE,
            P.OUTBOX_MANAGE,
            P.TICKETS_READ,
            P.TICKETS_BILLING_WORK,
        }
    ),
    Role.HELPDESK_AGENT: frozenset(
        _STAFF_READ
        | {
            P.SUBSCRIPTIONS_SUSPEND,
            P.INVOICES_READ,
            P.PAYMENTS_READ,
            P.DUNNING_READ,
            P.TICKETS_READ,
            P.TICKETS_WORK,
            P.ESCALATIONS_WRITE,
        }
    ),
    Role.SALES_AGENT: frozenset(
        _STAFF_READ | {P.CUSTOMERS_CREATE, P.SUBSCRIPTIONS_CREATE, P.COST_LEDGER_READ, P.INVOICES_READ, P.TICKETS_READ}
    ),
    # Portal roles: every permission is scoped to the user's own customer.
    Role.CUSTOMER_ADMIN: frozenset(
        {
            P.CUSTOMERS_READ,
            P.SUBSCRIPTIONS_READ,
            P.INVOICES_READ,
            P.PAYMENTS_READ,
            P.POLICY_READ,
            P.DUNNING_READ,
            P.TICKETS_READ,
            P.TICKETS_CREATE,
        }
    ),
    Role.CUSTOMER_BILLING: frozenset(
        {
            P.CUSTOMERS_READ,
            P.INVOICES_READ,
            P.PAYMENTS_READ,
            P.POLICY_READ,
            P.DUNNING_READ,
            P.TICKETS_READ,
            P.TICKETS_CREATE,
        }
    ),
    Role.CUSTOMER_USER: frozenset({P.POLICY_READ, P.TICKETS_READ, P.TICKETS_CREATE}),
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.GLOBAL_ADMIN: "Everything.",
    Role.USER_ADMIN: "Manages staff and portal users and their roles; no billing data.",
    Role.ADMIN_AGENT: "Manages customers and subscriptions, escalations to Microsoft; reads billing.",
    Role.BILLING_ADMIN: "Microsoft bills and payables, price rules, invoices, payments, the payment policy.",
    Role.HELPDESK_AGENT: "Tickets, customer details, billing questions; suspends or reactivates for a customer.",
    Role.SALES_AGENT: "Customers and subscriptions (read and create), reads tickets; no invoices or payments.",
    Role.CUSTOMER_ADMIN: "Portal: everything of their own company.",
    Role.CUSTOMER_BILLING: "Portal: invoices, payments, billing questions of their own company.",
    Role.CUSTOMER_USER: "Portal: tickets only.",
}


def permissions_for(roles: list[str] | frozenset[str]) -> frozenset[Permission]:
    """The union of the permissions of the given roles; unknown role names grant nothing."""
    return _permissions_of(frozenset(roles))


@cache
def _permissions_of(roles: frozenset[str]) -> frozenset[Permission]:
    # Cached: pages ask principal.can(...) a dozen times per request, and there are few role combinations.
    granted: set[Permission] = set()
    for name in roles:
        if name in Role.__members__.values():
            granted |= ROLE_PERMISSIONS[Role(name)]
    return frozenset(granted)


def roles_with(permission: Permission) -> frozenset[Role]:
    return frozenset(role for role, perms in ROLE_PERMISSIONS.items() if permission in perms)


def permission_table_markdown() -> str:
    """The permission table as Markdown (docs/permissions.md is checked against this by a test)."""
    roles = list(Role)
    header = "| permission | " + " | ".join(r.value for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| `{p.value}` | " + " | ".join("✔" if p in ROLE_PERMISSIONS[r] else "" for r in roles) + " |"
        for p in Permission
    ]
    return "\n".join([header, rule, *rows]) + "\n"
