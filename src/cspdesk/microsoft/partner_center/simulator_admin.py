"""/_sim admin endpoints: seed resources, read state and counters, set faults. No auth: loopback only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from .simulator_faults import DEFAULT_DELAY_MS, Fault, FaultKind
from .simulator_state import JsonObject, SimulatorState


class _AdminModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class FaultSettingsIn(_AdminModel):
    """Random fault settings; omitted fields keep their value."""

    rate_percent: int | None = Field(default=None, ge=0, le=100)
    seed: int | None = None
    weights: dict[FaultKind, int] | None = None
    delay_ms: int | None = Field(default=None, ge=0)
    retry_after_choices: list[int] | None = None


class ScriptedFaultIn(_AdminModel):
    """The next `count` calls to `path` (and `method`, if given) fail with `kind`."""

    path: str
    kind: FaultKind
    method: str | None = None
    count: int = Field(default=1, ge=1)
    retry_after_seconds: int | None = None
    delay_ms: int = Field(default=DEFAULT_DELAY_MS, ge=0)


class SubscriptionSeedIn(_AdminModel):
    subscription: JsonObject
    renewal_in_progress: bool = False
    azure_entitlements: list[JsonObject] = Field(default_factory=list)


class RenewalIn(_AdminModel):
    in_progress: bool


def admin_router(state: SimulatorState) -> APIRouter:
    """Routes to drive the simulator from tests or a demo."""
    router = APIRouter()
    _add_read_routes(router, state)
    _add_seed_routes(router, state)
    _add_fault_routes(router, state)
    return router


def _add_read_routes(router: APIRouter, state: SimulatorState) -> None:
    @router.get("/state")
    def read_state() -> JsonObject:
        return state.snapshot()

    @router.get("/requests")
    def read_request_log() -> list[dict[str, Any]]:
        return [asdict(entry) for entry in state.request_log]

    @router.get("/counts")
    def read_counts() -> JsonObject:
        return {
            "requestsPerPath": state.request_counts(),
            "appliedChanges": [asdict(change) for change in state.applied_changes],
        }


def _add_seed_routes(router: APIRouter, state: SimulatorState) -> None:
    @router.post("/customers", status_code=201)
    def seed_customer(customer: JsonObject) -> JsonObject:
        state.add_customer(customer)
        return state.customer(str(customer["id"]))

    @router.post("/customers/{customer_id}/subscriptions", status_code=201)
    def seed_subscription(customer_id: str, seed: SubscriptionSeedIn) -> JsonObject:
        stored = state.add_subscription(
            customer_id,
            seed.subscription,
            renewal_in_progress=seed.renewal_in_progress,
            azure_entitlements=seed.azure_entitlements,
        )
        return stored.render()

    @router.put("/customers/{customer_id}/subscriptions/{subscription_id}/renewal")
    def set_renewal(customer_id: str, subscription_id: str, renewal: RenewalIn) -> JsonObject:
        state.set_renewal_in_progress(customer_id, subscription_id, renewal.in_progress)
        return {"renewalInProgress": renewal.in_progress}

    @router.post("/servicerequests", status_code=201)
    def seed_service_request(service_request: JsonObject) -> JsonObject:
        state.add_service_request(service_request)
        return state.service_request(str(service_request["Id"]))

    @router.put("/profiles/support")
    def seed_support_profile(profile: JsonObject) -> JsonObject:
        state.set_support_profile(profile)
        return state.support_profile


def _add_fault_routes(router: APIRouter, state: SimulatorState) -> None:
    @router.put("/faults")
    def configure_faults(settings: FaultSettingsIn) -> JsonObject:
        choices = tuple(settings.retry_after_choices) if settings.retry_after_choices is not None else None
        state.faults.configure(
            rate_percent=settings.rate_percent,
            seed=settings.seed,
            weights=settings.weights,
            delay_ms=settings.delay_ms,
            retry_after_choices=choices,
        )
        return state.faults.settings()

    @router.post("/faults/scripted", status_code=201)
    def script_fault(scripted: ScriptedFaultIn) -> JsonObject:
        fault = Fault(scripted.kind, retry_after_seconds=scripted.retry_after_seconds, delay_ms=scripted.delay_ms)
        state.faults.script(scripted.path, fault, count=scripted.count, method=scripted.method)
        return state.faults.settings()

    @router.delete("/faults/scripted")
    def clear_scripted_faults() -> JsonObject:
        state.faults.clear_scripted()
        return state.faults.settings()
