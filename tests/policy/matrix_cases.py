"""Matrix cases for the policy and dunning routes; customer A gets an overdue invoice, a dispute and a suspension."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.kit import clock
from cspdesk.models.customer import Customer
from cspdesk.policy import holds, service, suspensions
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from tests.matrix import Case
from tests.policy import factories
from tests.world import World


def _future(w: World) -> str:
    return (clock.today() + timedelta(days=10)).isoformat()


def extend_world(session: Session, world: World) -> None:
    version = service.current_version(session) or service.publish(session, SYSTEM, DEFAULT_POLICY_YAML)
    customer_a = session.get(Customer, world.customer_a)
    assert customer_a is not None
    today = clock.today()
    overdue = factories.invoice(session, customer_a, today - timedelta(days=40), 50_000, number="INV-MATRIX-A1")
    disputed = factories.invoice(session, customer_a, today - timedelta(days=35), 20_000, number="INV-MATRIX-A2")
    dispute = holds.open_dispute(session, SYSTEM, disputed.id, "matrix")
    spare = factories.subscription(session, customer_a, "azure_plan")
    suspension = suspensions.suspend_by_hand(session, SYSTEM, spare.id, "matrix")
    world.params.update(
        {
            "dunning_invoice_id": overdue.id,
            "dispute_id": dispute.id,
            "suspension_id": suspension.id,
            "version": version.version,
        }
    )


def _publish(w: World) -> dict[str, Any]:
    return {"yaml_text": DEFAULT_POLICY_YAML, "note": "matrix"}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/policy/versions"): Case(),
    ("POST", "/api/policy/versions"): Case(json=_publish),
    ("GET", "/api/dunning/customers/{customer_id}"): Case(object_scoped=True),
    ("GET", "/api/dunning/forecast"): Case(),
    ("POST", "/api/dunning/run"): Case(json=lambda w: {}),
    ("GET", "/console/policy"): Case(),
    ("POST", "/console/policy/preview"): Case(form=_publish),
    ("POST", "/console/policy/publish"): Case(form=_publish),
    ("GET", "/console/dunning"): Case(),
    ("GET", "/console/dunning/exposure"): Case(),
    ("GET", "/console/dunning/customers/{customer_id}"): Case(object_scoped=True),
    ("POST", "/console/dunning/invoices/{dunning_invoice_id}/promise"): Case(
        object_scoped=True, form=lambda w: {"until": _future(w), "note": "matrix"}
    ),
    ("POST", "/console/dunning/invoices/{dunning_invoice_id}/dispute"): Case(
        object_scoped=True, form=lambda w: {"reason": "matrix"}
    ),
    ("POST", "/console/dunning/disputes/{dispute_id}/resolve"): Case(
        object_scoped=True, form=lambda w: {"resolution": "matrix"}
    ),
    ("POST", "/console/dunning/customers/{customer_id}/exempt"): Case(
        object_scoped=True, form=lambda w: {"until": _future(w), "reason": "matrix"}
    ),
    ("POST", "/console/dunning/subscriptions/{subscription_id}/suspend"): Case(
        object_scoped=True, form=lambda w: {"reason": "matrix"}
    ),
    ("POST", "/console/dunning/suspensions/{suspension_id}/reactivate"): Case(
        object_scoped=True, form=lambda w: {"reason": "matrix"}
    ),
    ("GET", "/portal/dunning"): Case(),
    ("GET", "/portal/policy"): Case(),
    ("GET", "/portal/policy/{version}"): Case(),
    ("GET", "/portal/policy/{version}/pdf"): Case(),
}
