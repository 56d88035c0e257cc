"""Suspending and reactivating subscriptions, by the policy or by staff; Partner Center is reached via the connector.

What the policy suspended is reactivated when the customer pays; what staff suspended by hand stays until staff
reactivate it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.connector.service import STATUS_KIND, SUBJECT, request_auto_renew, request_subscription_status
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import Conflict
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.policy import PolicySuspension
from cspdesk.models.subscription import Subscription
from cspdesk.policy import repository

SUSPENSION_FIELDS = ["subscription_id", "source", "reason", "reactivated_at", "reactivated_by", "reactivate_reason"]


def open_suspension_of(session: Session, subscription_id: uuid.UUID) -> PolicySuspension | None:
    stmt = select(PolicySuspension).where(
        PolicySuspension.subscription_id == subscription_id, PolicySuspension.reactivated_at.is_(None)
    )
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def suspend(
    session: Session,
    subscription: Subscription,
    *,
    source: str,
    reason: str,
    actor: Principal | None,
    invoice_id: uuid.UUID | None = None,
    policy_version_id: uuid.UUID | None = None,
) -> PolicySuspension:
    """Record the suspension and ask Partner Center (through the outbox, behind any reactivation) to suspend."""
    suspension = PolicySuspension(
        id=uuid.uuid4(),
        customer_id=subscription.customer_id,
        subscription_id=subscription.id,
        source=source,
        reason=reason,
        invoice_id=invoice_id,
        policy_version_id=policy_version_id,
        suspended_at=clock.now(),
        suspended_by=actor.label if actor else "policy",
    )
    session.add(suspension)
    session.flush()
    enqueued = request_subscription_status(
        session, subscription.id, "suspended", reason, f"suspension:{suspension.id}:suspend", actor=actor
    )
    suspension.suspend_message_id = enqueued.message.id
    audit.record(
        session,
        actor,
        "subscription.suspend",
        "subscription",
        subscription.id,
        after=audit.snapshot(suspension, SUSPENSION_FIELDS),
    )
    return suspension


def _suspension_was_cancelled(session: Session, suspension: PolicySuspension) -> bool:
    if suspension.suspend_message_id is None:
        return False
    message = session.get(OutboxMessage, suspension.suspend_message_id)
    return message is not None and message.kind == STATUS_KIND and message.status == "cancelled"


def _turn_auto_renew_back_on(session: Session, suspension: PolicySuspension, actor: Principal | None) -> None:
    """Suspension turned auto-renew off in Partner Center; ask for it back when cspdesk has it on."""
    subscription = session.get(Subscription, suspension.subscription_id)
    if subscription is None or not subscription.auto_renew:
        return
    key = f"suspension:{suspension.id}:auto_renew_on"
    request_auto_renew(session, subscription.id, True, "reactivated after suspension", key, actor=actor)


def reactivate(session: Session, suspension: PolicySuspension, *, reason: str, actor: Principal | None) -> None:
    """Ask Partner Center to reactivate (ahead of every pending suspension, which it cancels) and close the record."""
    before = audit.snapshot(suspension, SUSPENSION_FIELDS)
    enqueued = request_subscription_status(
        session, suspension.subscription_id, "active", reason, f"suspension:{suspension.id}:reactivate", actor=actor
    )
    suspension.reactivate_message_id = enqueued.message.id
    _turn_auto_renew_back_on(session, suspension, actor)
    suspension.reactivated_at = clock.now()
    suspension.reactivated_by = actor.label if actor else "policy"
    suspension.reactivate_reason = reason
    if _suspension_was_cancelled(session, suspension):
        suspension.reactivate_reason = f"{reason} (the suspension was cancelled before it was carried out)"
    session.flush()
    audit.record(
        session,
        actor,
        "subscription.reactivate",
        "subscription",
        suspension.subscription_id,
        before=before,
        after=audit.snapshot(suspension, SUSPENSION_FIELDS),
    )


def suspend_by_hand(
    session: Session, principal: Principal, subscription_id: uuid.UUID, reason: str
) -> PolicySuspension:
    """Staff suspend a subscription with a reason; payments never lift it, only staff do."""
    principal.require(Permission.SUBSCRIPTIONS_SUSPEND)
    subscription = repository.access_subscription(session, principal, subscription_id)
    if open_suspension_of(session, subscription.id) is not None:
        raise Conflict("this subscription is already suspended")
    return suspend(
        session, subscription, source="manual", reason=reason.strip() or "suspended by staff", actor=principal
    )


def reactivate_by_hand(
    session: Session, principal: Principal, suspension_id: uuid.UUID, reason: str
) -> PolicySuspension:
    """Staff lift a suspension (theirs or the policy's) with a reason."""
    principal.require(Permission.SUBSCRIPTIONS_SUSPEND)
    suspension = repository.access_suspension(session, principal, suspension_id)
    if suspension.reactivated_at is not None:
        raise Conflict("this suspension was already lifted")
    reactivate(session, suspension, reason=reason.strip() or "reactivated by staff", actor=principal)
    return suspension


__all__ = ["SUBJECT", "reactivate", "reactivate_by_hand", "suspend", "suspend_by_hand"]
