"""Outbox handlers that carry out Partner Center actions: by API, or as a task for staff in manual mode."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from cspdesk.connector import repository
from cspdesk.connector.client import request_id_for
from cspdesk.connector.service import (
    AUTO_RENEW_KIND,
    AUTO_RENEW_TASK_ACTIONS,
    ENTITLEMENT_KIND,
    STATUS_KIND,
    SUBJECT,
    request_auto_renew,
    set_status_in_cspdesk,
)
from cspdesk.jobs.context import JobContext
from cspdesk.jobs.errors import PermanentFailure, RetryLater
from cspdesk.jobs.registry import handler
from cspdesk.kit import audit, clock
from cspdesk.microsoft.partner_center import PartnerCenterClient, PartnerCenterError, RetryLaterError
from cspdesk.microsoft.partner_center.errors import PartnerCenterErrorCode
from cspdesk.models.jobs_manual_task import ManualTask
from cspdesk.models.subscription import Subscription

T = TypeVar("T")
TASK_ACTIONS = {"suspended": "suspend", "active": "reactivate", "deleted": "cancel"}
WINDOW_PASSED = (
    PartnerCenterErrorCode.CANCELLATION_WINDOW_PASSED,
    PartnerCenterErrorCode.CANCELLATION_WINDOW_PASSED_NCE,
)
ENTITLEMENT_TARGETS = {"cancel": "canceled", "reactivate": "active"}


def _call(action: Callable[[], T]) -> T:
    """Run a client call, turning its errors into what the worker understands (retry later, retry, give up)."""
    try:
        return action()
    except RetryLaterError as exc:
        raise RetryLater(str(exc), delay_seconds=exc.retry_after_seconds) from exc
    except PartnerCenterError as exc:
        if exc.retryable:
            raise
        raise PermanentFailure(str(exc)) from exc


def _subscription(context: JobContext) -> Subscription | None:
    return context.session.get(Subscription, uuid.UUID(str(context.payload["subscription_id"])))


def _open_task(
    context: JobContext, subscription: Subscription, action: str, target: str, entitlement_id: str = ""
) -> None:
    """Hand the action to staff: one task per outbox message; open tasks for the opposite action are cancelled."""
    _cancel_other_tasks(context, subscription, action, target, entitlement_id)
    if not entitlement_id and subscription.status == target:
        context.result = f"already {target} in cspdesk: no task needed"
        return
    _add_task(context, subscription, action, target, entitlement_id)
    context.result = "manual mode: task created for staff"


def _same_kind(first: str, second: str) -> bool:
    """Status tasks supersede status tasks, auto-renew tasks auto-renew tasks; they never cancel each other."""
    return (first in AUTO_RENEW_TASK_ACTIONS) == (second in AUTO_RENEW_TASK_ACTIONS)


def _cancel_other_tasks(
    context: JobContext, subscription: Subscription, action: str, target: str, entitlement_id: str
) -> None:
    for task in repository.open_tasks_for(context.session, subscription.id, entitlement_id):
        if task.target_status != target and _same_kind(task.action, action):
            task.status = "cancelled"
            task.note = f"superseded by {context.message.idempotency_key}"


def _add_task(
    context: JobContext, subscription: Subscription, action: str, target: str, entitlement_id: str = ""
) -> None:
    if repository.task_for_message(context.session, context.message.id) is None:
        context.session.add(
            ManualTask(
                outbox_message_id=context.message.id,
                action=action,
                customer_id=subscription.customer_id,
                subscription_id=subscription.id,
                entitlement_id=entitlement_id,
                target_status=target,
                reason=str(context.payload.get("reason", "")),
                status="open",
                created_at=clock.now(),
                done_by_label="",
                note="",
            )
        )


@handler(STATUS_KIND)
def carry_out_subscription_status(context: JobContext) -> None:
    """Suspend or reactivate in Partner Center with an MS-RequestId derived from the outbox key, then record it."""
    subscription = _subscription(context)
    if subscription is None:
        context.result = "the subscription no longer exists: nothing to do"
        return
    target = str(context.payload["target"])
    client = context.resources.partner_center()
    if client is None:
        _open_task(context, subscription, TASK_ACTIONS[target], target)
        return
    request_id = request_id_for(context.message.idempotency_key)
    tenant, microsoft_id = str(subscription.customer.tenant_id), subscription.microsoft_id
    if target == "deleted" and not _still_cancellable(client, tenant, microsoft_id):
        _cancellation_not_allowed(context, subscription)
        return
    try:
        result = _call(lambda: client.set_subscription_status(tenant, microsoft_id, target, request_id=request_id))
    except PermanentFailure as exc:
        if target != "deleted" or _error_code(exc) not in WINDOW_PASSED:
            raise
        _cancellation_not_allowed(context, subscription)
        return
    note = f"Partner Center ({context.payload.get('reason', '')})"
    set_status_in_cspdesk(context.session, subscription, result.status, None, note)
    context.result = f"Partner Center status is now {result.status} (MS-RequestId {request_id})"


@handler(ENTITLEMENT_KIND)
def carry_out_entitlement_action(context: JobContext) -> None:
    """Cancel or reactivate an Azure subscription under an Azure plan; does nothing if it already has that status."""
    subscription = _subscription(context)
    if subscription is None:
        context.result = "the Azure plan no longer exists: nothing to do"
        return
    action, entitlement_id = str(context.payload["action"]), str(context.payload["entitlement_id"])
    target = ENTITLEMENT_TARGETS[action]
    client = context.resources.partner_center()
    if client is None:
        _open_task(context, subscription, f"{action}_entitlement", target, entitlement_id)
        return
    tenant, plan = str(subscription.customer.tenant_id), subscription.microsoft_id
    current = _call(lambda: client.get_azure_entitlement(tenant, plan, entitlement_id))
    if current.status == target:
        context.result = f"the Azure subscription is already {target}"
        return
    request_id = request_id_for(context.message.idempotency_key)
    if action == "cancel":
        done = _call(lambda: client.cancel_azure_entitlement(tenant, plan, entitlement_id, request_id=request_id))
    else:
        done = _call(lambda: client.reactivate_azure_entitlement(tenant, plan, entitlement_id, request_id=request_id))
    context.result = f"Azure subscription {entitlement_id} is now {done.status} (MS-RequestId {request_id})"


def _error_code(exc: PermanentFailure) -> int | None:
    cause = exc.__cause__
    return cause.code if isinstance(cause, PartnerCenterError) else None


def _still_cancellable(client: PartnerCenterClient, tenant: str, microsoft_id: str) -> bool:
    """Partner Center's cancellationAllowedUntilDate decides when it sends one; cancellable otherwise."""
    current = _call(lambda: client.get_subscription(tenant, microsoft_id))
    allowed_until = current.cancellation_allowed_until_date
    return allowed_until is None or current.has_status("deleted") or allowed_until >= clock.now()


def _cancellation_not_allowed(context: JobContext, subscription: Subscription) -> None:
    """Past the window Microsoft bills to term end: record that and ask for auto-renew off instead."""
    note = "cancellation is no longer allowed: the partner pays to the end of the term"
    key = f"{context.message.idempotency_key}:auto_renew_off"
    request_auto_renew(context.session, subscription.id, False, note, key)
    audit.record(context.session, None, "subscription.cancel_refused", SUBJECT, subscription.id, after={"reason": note})
    context.result = f"{note}; auto-renew off requested"


@handler(AUTO_RENEW_KIND)
def carry_out_auto_renew(context: JobContext) -> None:
    """The Partner Center client has no auto-renew call: staff turn it on or off by hand and confirm the task."""
    subscription = _subscription(context)
    if subscription is None:
        context.result = "the subscription no longer exists: nothing to do"
        return
    enabled = bool(context.payload["enabled"])
    action, target = ("auto_renew_on", "auto_renew_on") if enabled else ("auto_renew_off", "auto_renew_off")
    _cancel_other_tasks(context, subscription, action, target, "")
    _add_task(context, subscription, action, target)
    context.result = f"task created for staff: turn auto-renew {'on' if enabled else 'off'} in Partner Center"
