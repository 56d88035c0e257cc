"""Carrying out one due step of one invoice, exactly once per (invoice, step, policy version)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.connector.service import request_auto_renew, request_subscription_status
from cspdesk.kit import clock
from cspdesk.models.policy import DunningAction
from cspdesk.models.subscription import Subscription
from cspdesk.policy import ledger, suspensions
from cspdesk.policy.document import LateFeeDestination, LateFeeStep, SuspendStep, TerminateMode, TerminateStep
from cspdesk.policy.engine.state import SKIPPED, CustomerState, OpenInvoice
from cspdesk.policy.engine.writes import Writer
from cspdesk.policy.exposure import cancellation_allowed_until, term_end
from cspdesk.policy.notices import compose_notice
from cspdesk.policy.timeline import ScheduledStep


@dataclass
class StepContext:
    session: Session
    state: CustomerState
    base_url: str
    writer: Writer
    details: dict[str, Any] = field(default_factory=dict)
    outbox_message_id: uuid.UUID | None = None


def notice_key(item: OpenInvoice, key: str) -> str:
    """One notice per (customer, invoice, step, policy version), however often the engine runs."""
    return f"dunning:{item.invoice.customer_id}:{item.invoice.id}:{key}:{item.version.id}"


def _action_row(item: OpenInvoice, key: str, action: str, today: date) -> DunningAction:
    """The row whose unique (invoice, step, policy version) makes the step happen once; a concurrent run that
    inserts the same key fails the customer's savepoint, and that customer is left to the run that won."""
    return DunningAction(
        customer_id=item.invoice.customer_id,
        invoice_id=item.invoice.id,
        step_key=key,
        policy_version_id=item.version.id,
        action=action,
        action_date=today,
        created_at=clock.now(),
    )


def record_skipped(writer: Writer, item: OpenInvoice, entry: ScheduledStep, today: date) -> None:
    """A step the timeline skips (superseded, before issue) is noted so the daily selection stops offering it."""
    if entry.key in item.recorded:
        return
    row = _action_row(item, entry.key, SKIPPED, today)
    row.details_json = json.dumps({"reason": entry.skip_reason.value if entry.skip_reason else ""})
    writer.add_action(row)
    item.recorded.add(entry.key)


def carry_out(ctx: StepContext, item: OpenInvoice, entry: ScheduledStep) -> DunningAction | None:
    """Do one due step once: act, send the notice the step names, and record it under its key."""
    if entry.key in item.recorded:
        return None
    today = ctx.state.today
    row = _action_row(item, entry.key, entry.step.action, today)
    item.recorded.add(entry.key)
    item.mark_done(entry.key, today)
    ctx.details, ctx.outbox_message_id = {}, None
    _ACTIONS[entry.step.action](ctx, item, entry)
    if entry.step.template is not None:
        _notify(ctx, item, entry)
    row.details_json = json.dumps(ctx.details, sort_keys=True, default=str)
    row.outbox_message_id = ctx.outbox_message_id
    ctx.writer.add_action(row)
    return row


def _notify(ctx: StepContext, item: OpenInvoice, entry: ScheduledStep) -> None:
    rendered = compose_notice(
        ctx.state.customer, item.invoice, item.timeline, entry.key, entry.step.action, ctx.base_url
    )
    if rendered is None:
        ctx.details["notice"] = "no billing contact: nothing sent"
        return
    ctx.outbox_message_id = ctx.writer.email(notice_key(item, entry.key), rendered, item.invoice.id)
    ctx.details["notice_to"] = rendered.to


def _nothing(ctx: StepContext, item: OpenInvoice, entry: ScheduledStep) -> None:
    return None


def _late_fee(ctx: StepContext, item: OpenInvoice, entry: ScheduledStep) -> None:
    step = entry.step
    assert isinstance(step, LateFeeStep)
    fee = entry.fee_minor or 0
    ctx.details["fee_minor"] = fee
    if fee <= 0:
        return
    description = f"Late fee {step.percent}% on invoice {item.invoice.number}"
    if item.policy.late_fee_destination is LateFeeDestination.NEXT_RUN:
        ctx.details["one_off_charge_id"] = str(
            ledger.create_late_fee_charge(ctx.session, item.invoice, fee, description).id
        )
        return
    fee_invoice = ledger.create_late_fee_invoice(
        ctx.session, item.invoice, fee, description, item.policy.payment_terms_days, ctx.state.today
    )
    ctx.details["late_fee_invoice"] = fee_invoice.number


def _subscriptions(ctx: StepContext) -> list[Subscription]:
    """The customer's subscriptions by product name, from the batch when it loaded them."""
    loaded = ctx.state.snapshot.subscriptions
    if loaded is not None:
        return loaded.get(ctx.state.customer.id, [])
    stmt = select(Subscription).where(Subscription.customer_id == ctx.state.customer.id)
    return list(ctx.session.execute(stmt.order_by(Subscription.product_name, Subscription.id)).scalars())


def _active_subscriptions(ctx: StepContext, families: list[str]) -> list[Subscription]:
    suspended = {s.subscription_id for s in ctx.state.open_suspensions}
    return [
        sub
        for sub in _subscriptions(ctx)
        if sub.status == "active" and sub.product_family in families and sub.id not in suspended
    ]


def _suspend(ctx: StepContext, item: OpenInvoice, entry: ScheduledStep) -> None:
    step = entry.step
    assert isinstance(step, SuspendStep)
    reason = f"invoice {item.invoice.number} overdue: step {entry.key} of policy v{item.version.version}"
    made = []
    for subscription in _active_subscriptions(ctx, [family.value for family in step.families]):
        suspension = suspensions.suspend(
            ctx.session,
            subscription,
            source="policy",
            reason=reason,
            actor=None,
            invoice_id=item.invoice.id,
            policy_version_id=item.version.id,
        )
        ctx.state.open_suspensions.append(suspension)
        made.append(subscription.microsoft_id)
    ctx.details["suspended"] = made


def _terminate(ctx: StepContext, item: OpenInvoice, entry: ScheduledStep) -> None:
    """Cancel in Partner Center what is still inside its cancellation window (when the mode says so); the rest
    Microsoft bills to term end, so auto-renew is turned off there. Both go through the connector's outbox."""
    step = entry.step
    assert isinstance(step, TerminateStep)
    may_cancel = step.mode is TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED
    reason = f"invoice {item.invoice.number} unpaid: step {entry.key} of policy v{item.version.version}"
    cancelled: list[dict[str, str]] = []
    too_late: list[dict[str, str | None]] = []
    auto_renew_off: list[str] = []
    for subscription in [sub for sub in _subscriptions(ctx) if sub.status in ("active", "suspended")]:
        key = f"terminate:{item.invoice.id}:{entry.key}:{item.version.id}:{subscription.id}"
        until = cancellation_allowed_until(subscription, ctx.state.today)
        if may_cancel and until is not None:
            request_subscription_status(ctx.session, subscription.id, "deleted", reason, f"{key}:cancel")
            cancelled.append({"subscription": subscription.microsoft_id, "cancel_by": until.isoformat()})
            continue
        if may_cancel:
            end = term_end(subscription, ctx.state.today)
            too_late.append(
                {"subscription": subscription.microsoft_id, "billed_until": end.isoformat() if end else None}
            )
        if subscription.auto_renew:
            request_auto_renew(ctx.session, subscription.id, False, reason, f"{key}:auto_renew_off")
            auto_renew_off.append(subscription.microsoft_id)
    ctx.details.update(
        {"cancelled": cancelled, "cancellation_no_longer_allowed": too_late, "auto_renew_off": auto_renew_off}
    )


_ACTIONS = {
    "reminder": _nothing,
    "suspension_warning": _nothing,
    "late_fee": _late_fee,
    "suspend": _suspend,
    "terminate": _terminate,
}
