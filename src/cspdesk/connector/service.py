"""Deciding Partner Center actions (written to the outbox) and confirming the ones staff carry out by hand."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.connector import repository
from cspdesk.jobs.outbox import PRIORITY_REACTIVATE, PRIORITY_SUSPEND, Enqueued, cancel_pending, enqueue
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import Conflict, NotFound
from cspdesk.models.jobs_manual_task import ManualTask
from cspdesk.models.subscription import Subscription

STATUS_KIND = "pc.subscription_status"
ENTITLEMENT_KIND = "pc.azure_entitlement"
AUTO_RENEW_KIND = "pc.subscription_auto_renew"
SUBJECT = "subscription"
TASK_FIELDS = ["status", "done_by_label", "note"]
STATUS_TASK_ACTIONS = ("suspend", "reactivate", "cancel")
AUTO_RENEW_TASK_ACTIONS = ("auto_renew_off", "auto_renew_on")

Target = Literal["suspended", "active", "deleted"]
EntitlementAction = Literal["cancel", "reactivate"]


def request_subscription_status(
    session: Session,
    subscription_id: uuid.UUID,
    target: Target,
    reason: str,
    key: str,
    *,
    not_before: datetime | None = None,
    actor: Principal | None = None,
) -> Enqueued:
    """Decide to suspend, reactivate or cancel ("deleted") a subscription; the worker carries it out once per `key`
    after commit. Reactivations run ahead of suspensions, and a new decision cancels the not-yet-started other one.
    """
    if target not in ("suspended", "active", "deleted"):
        raise ValueError(f"target must be 'suspended', 'active' or 'deleted', not {target!r}")
    if session.get(Subscription, subscription_id) is None:
        raise NotFound("subscription not found")
    payload = {"subscription_id": str(subscription_id), "target": target, "reason": reason}
    priority = PRIORITY_REACTIVATE if target == "active" else PRIORITY_SUSPEND
    enqueued = enqueue(
        session,
        STATUS_KIND,
        payload,
        key,
        priority=priority,
        not_before=not_before,
        subject_type=SUBJECT,
        subject_id=str(subscription_id),
    )
    if enqueued.created:
        cancel_pending(session, STATUS_KIND, SUBJECT, str(subscription_id), keep=key, reason=f"superseded by {key}")
        after = {"target": target, "reason": reason, "key": key}
        audit.record(session, actor, "subscription.status_requested", SUBJECT, subscription_id, after=after)
    return enqueued


def request_auto_renew(
    session: Session,
    subscription_id: uuid.UUID,
    enabled: bool,
    reason: str,
    key: str,
    *,
    actor: Principal | None = None,
) -> Enqueued:
    """Decide to turn a subscription's auto-renew on or off in Partner Center (the client has no call for it, so
    the worker hands it to staff as a task)."""
    if session.get(Subscription, subscription_id) is None:
        raise NotFound("subscription not found")
    payload = {"subscription_id": str(subscription_id), "enabled": enabled, "reason": reason}
    enqueued = enqueue(
        session, AUTO_RENEW_KIND, payload, key, subject_type="subscription_auto_renew", subject_id=str(subscription_id)
    )
    if enqueued.created:
        cancel_pending(
            session,
            AUTO_RENEW_KIND,
            "subscription_auto_renew",
            str(subscription_id),
            keep=key,
            reason=f"superseded by {key}",
        )
        after = {"auto_renew": enabled, "reason": reason, "key": key}
        audit.record(session, actor, "subscription.auto_renew_requested", SUBJECT, subscription_id, after=after)
    return enqueued


def set_auto_renew_in_cspdesk(
    session: Session, subscription: Subscription, enabled: bool, actor: Principal | None, note: str
) -> None:
    """Record the auto-renew setting Partner Center now has, audited."""
    if subscription.auto_renew == enabled:
        return
    subscription.auto_renew = enabled
    session.flush()
    audit.record(
        session,
        actor,
        "subscription.auto_renew_sync",
        SUBJECT,
        subscription.id,
        before={"auto_renew": not enabled},
        after={"auto_renew": enabled},
        note=note,
    )


def request_entitlement_action(
    session: Session,
    azure_plan_id: uuid.UUID,
    entitlement_id: str,
    action: EntitlementAction,
    reason: str,
    key: str,
    *,
    actor: Principal | None = None,
) -> Enqueued:
    """Decide to cancel or reactivate one Azure subscription (entitlement) under a customer's Azure plan."""
    if action not in ("cancel", "reactivate"):
        raise ValueError(f"action must be 'cancel' or 'reactivate', not {action!r}")
    if session.get(Subscription, azure_plan_id) is None:
        raise NotFound("subscription not found")
    payload = {"subscription_id": str(azure_plan_id), "entitlement_id": entitlement_id, "action": action}
    priority = PRIORITY_REACTIVATE if action == "reactivate" else PRIORITY_SUSPEND
    subject_id = f"{azure_plan_id}/{entitlement_id}"
    enqueued = enqueue(
        session,
        ENTITLEMENT_KIND,
        payload | {"reason": reason},
        key,
        priority=priority,
        subject_type="azure_entitlement",
        subject_id=subject_id,
    )
    if enqueued.created:
        cancel_pending(
            session, ENTITLEMENT_KIND, "azure_entitlement", subject_id, keep=key, reason=f"superseded by {key}"
        )
        after = {"entitlement_id": entitlement_id, "action": action, "reason": reason, "key": key}
        audit.record(session, actor, "azure_entitlement.requested", SUBJECT, azure_plan_id, after=after)
    return enqueued


def set_status_in_cspdesk(
    session: Session, subscription: Subscription, status: str, actor: Principal | None, note: str
) -> None:
    """Record the status Partner Center now has (unknown values are kept as sent), audited."""
    if subscription.status == status:
        return
    before = {"status": subscription.status}
    subscription.status = status
    session.flush()
    audit.record(
        session,
        actor,
        "subscription.status_sync",
        SUBJECT,
        subscription.id,
        before=before,
        after={"status": status},
        note=note,
    )


def confirm_task(session: Session, principal: Principal, task_id: uuid.UUID, note: str = "") -> ManualTask:
    """Staff did the action in Partner Center: close the task and update the subscription's status in cspdesk."""
    principal.require(Permission.SUBSCRIPTIONS_SUSPEND)
    task = repository.access_task(session, principal, task_id)
    if task.status != "open":
        raise Conflict(f"this task is already {task.status}")
    before = audit.snapshot(task, TASK_FIELDS)
    task.status = "done"
    task.done_at = clock.now()
    task.done_by_id = principal.user_id
    task.done_by_label = principal.label
    task.note = note.strip()
    if task.action in STATUS_TASK_ACTIONS:
        set_status_in_cspdesk(session, task.subscription, task.target_status, principal, "confirmed by staff")
    if task.action in AUTO_RENEW_TASK_ACTIONS:
        enabled = task.action == "auto_renew_on"
        set_auto_renew_in_cspdesk(session, task.subscription, enabled, principal, "confirmed by staff")
    session.flush()
    audit.record(
        session,
        principal,
        "manual_task.confirm",
        "manual_task",
        task.id,
        before=before,
        after=audit.snapshot(task, TASK_FIELDS),
    )
    return task
