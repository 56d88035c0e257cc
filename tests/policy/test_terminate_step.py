"""The terminate step: cancel what is inside its cancellation window, turn auto-renew off for the rest."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.connector.service import AUTO_RENEW_KIND, STATUS_KIND
from cspdesk.models.customer import Customer
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.policy import DunningAction
from cspdesk.models.subscription import Subscription
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from cspdesk.policy.engine import run_dunning
from tests.policy import factories as f

ISSUE = date(2026, 1, 1)
DUE = ISSUE + timedelta(days=30)  # 2026-01-31
TERMINATE_DAY = DUE + timedelta(days=45)  # 2026-03-17


def _requests(session: Session, owner: Customer) -> list[tuple[str, str, str]]:
    """(kind, product, what was asked) of the pending Partner Center messages of the customer."""
    subs = session.execute(select(Subscription).where(Subscription.customer_id == owner.id)).scalars()
    names = {str(sub.id): sub.product_name for sub in subs}
    stmt = select(OutboxMessage).where(
        OutboxMessage.kind.in_([STATUS_KIND, AUTO_RENEW_KIND]), OutboxMessage.status == "pending"
    )
    found = []
    for message in session.execute(stmt).scalars():
        payload = json.loads(message.payload_json)
        if payload["subscription_id"] in names:
            wanted = payload.get("target", f"auto_renew={payload.get('enabled')}")
            found.append((message.kind, names[payload["subscription_id"]], str(wanted)))
    return sorted(found)


def _terminate_details(session: Session, owner: Customer) -> dict[str, object]:
    stmt = select(DunningAction.details_json).where(
        DunningAction.customer_id == owner.id, DunningAction.action == "terminate"
    )
    details: dict[str, object] = json.loads(session.execute(stmt).scalar_one())
    return details


def _setup(session: Session, yaml_text: str = DEFAULT_POLICY_YAML) -> Customer:
    f.publish(session, ISSUE, yaml_text)
    owner = f.customer(session)
    # Renewed on 2026-03-15: cancellable until 2026-03-22. Started 2025-06-01: the window closed on 2025-06-08.
    f.subscription(session, owner, product_name="Renewed", microsoft_id="ms-renewed", start_date=date(2025, 3, 15))
    f.subscription(session, owner, product_name="Mid-term", microsoft_id="ms-midterm", start_date=date(2025, 6, 1))
    f.invoice(session, owner, ISSUE, 100_000)
    for day in (DUE + timedelta(days=14), TERMINATE_DAY):
        with f.on(day):
            run_dunning(session, day, customer_ids=[owner.id])
    return owner


def test_terminate_cancels_inside_the_window_and_turns_auto_renew_off_outside(session: Session) -> None:
    owner = _setup(session)
    assert _terminate_details(session, owner) == {
        "cancelled": [{"subscription": "ms-renewed", "cancel_by": "2026-03-22"}],
        "cancellation_no_longer_allowed": [{"subscription": "ms-midterm", "billed_until": "2026-05-31"}],
        "auto_renew_off": ["ms-midterm"],
    }
    # The cancellation supersedes the renewed subscription's not-yet-sent suspension.
    assert _requests(session, owner) == [
        (AUTO_RENEW_KIND, "Mid-term", "auto_renew=False"),
        (STATUS_KIND, "Mid-term", "suspended"),
        (STATUS_KIND, "Renewed", "deleted"),
    ]


def test_terminate_in_disable_auto_renew_mode_cancels_nothing(session: Session) -> None:
    yaml_text = DEFAULT_POLICY_YAML.replace(
        "mode: disable_auto_renew_and_cancel_when_allowed", "mode: disable_auto_renew"
    )
    owner = _setup(session, yaml_text)
    assert _terminate_details(session, owner) == {
        "cancelled": [],
        "cancellation_no_longer_allowed": [],
        "auto_renew_off": ["ms-midterm", "ms-renewed"],
    }
    assert _requests(session, owner) == [
        (AUTO_RENEW_KIND, "Mid-term", "auto_renew=False"),
        (AUTO_RENEW_KIND, "Renewed", "auto_renew=False"),
        (STATUS_KIND, "Mid-term", "suspended"),
        (STATUS_KIND, "Renewed", "suspended"),
    ]
