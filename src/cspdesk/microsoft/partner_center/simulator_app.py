"""The Partner Center simulator as a FastAPI app: the /v1 endpoints cspdesk uses, plus /_sim admin."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.middleware.base import RequestResponseEndpoint

from .simulator_admin import admin_router
from .simulator_faults import Fault, FaultKind
from .simulator_rules import (
    CONTINUATION_HEADER,
    apply_service_request_patch,
    apply_subscription_patch,
    check_if_match,
    collection_page,
    offset_from_token,
    render_service_request,
    renewal_conflict,
    set_entitlement_status,
)
from .simulator_state import JsonObject, LoggedRequest, RecordedResponse, SimApiError, SimulatorState

API_PREFIX = "/v1"
REPLAY_HEADER = "X-Simulator-Replay"
DEFAULT_PAGE_SIZE = 100
Operation = Callable[[], tuple[int, JsonObject, str | None]]


def create_simulator_app(state: SimulatorState) -> FastAPI:
    """A Partner Center look-alike over `state`: bearer auth, paging, ETags, idempotency, faults."""
    app = FastAPI(title="Partner Center simulator", docs_url="/_sim/docs", openapi_url="/_sim/openapi.json")
    app.add_exception_handler(SimApiError, _handle_sim_error)  # type: ignore[arg-type]
    app.middleware("http")(_gate(state))
    app.include_router(_customer_routes(state), prefix=API_PREFIX)
    app.include_router(_subscription_routes(state), prefix=API_PREFIX)
    app.include_router(_support_routes(state), prefix=API_PREFIX)
    app.include_router(admin_router(state), prefix="/_sim")
    return app


def error_response(error: SimApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.http_status, headers=error.headers)


async def _handle_sim_error(_: Request, error: SimApiError) -> JSONResponse:
    return error_response(error)


def _fault_error(fault: Fault) -> SimApiError:
    if fault.kind is FaultKind.THROTTLED:
        headers = {} if fault.retry_after_seconds is None else {"Retry-After": str(fault.retry_after_seconds)}
        return SimApiError(
            429, 429, "Too many requests.", error_name="TooManyRequests", retryable=True, headers=headers
        )
    if fault.kind is FaultKind.CONFLICT:
        return renewal_conflict()
    return SimApiError(500, 500, "An internal server error occurred.", error_name="InternalServerError", retryable=True)


def _log_entry(request: Request, status_code: int, *, fault: Fault | None, replayed: bool) -> LoggedRequest:
    headers = request.headers
    return LoggedRequest(
        method=request.method,
        path=request.url.path,
        status_code=status_code,
        request_id=headers.get("MS-RequestId"),
        correlation_id=headers.get("MS-CorrelationId"),
        if_match=headers.get("If-Match"),
        continuation_token=headers.get(CONTINUATION_HEADER),
        fault=fault.kind.value if fault else None,
        replayed=replayed,
    )


def _gate(state: SimulatorState) -> Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]:
    async def gate(request: Request, call_next: RequestResponseEndpoint) -> Response:
        if not request.url.path.startswith(API_PREFIX + "/"):
            return await call_next(request)
        if not state.is_authorized(request.headers.get("Authorization")):
            state.log_request(_log_entry(request, 401, fault=None, replayed=False))
            return error_response(SimApiError(401, 401, "Unauthorized.", error_name="Unauthorized"))
        fault = state.faults.draw(request.method, request.url.path)
        if fault is not None and fault.kind is not FaultKind.DELAY:
            error = _fault_error(fault)
            state.log_request(_log_entry(request, error.http_status, fault=fault, replayed=False))
            return error_response(error)
        response = await call_next(request)
        replayed = response.headers.get(REPLAY_HEADER) == "true"
        state.log_request(_log_entry(request, response.status_code, fault=fault, replayed=replayed))
        if fault is not None:
            await asyncio.sleep(fault.delay_ms / 1000)
        return response

    return gate


def _mutate(state: SimulatorState, request: Request, kind: str, operation: Operation) -> JSONResponse:
    """Run a change once per MS-RequestId and record it; a repeated id replays the first answer."""
    request_id = request.headers.get("MS-RequestId")
    key = (request.method, request.url.path, request_id) if request_id else None

    def run() -> RecordedResponse:
        status_code, body, summary = operation()
        if summary is not None:
            state.record_change(kind, request.url.path, request_id, summary)
        return RecordedResponse(status_code, body)

    recorded, replayed = state.run_once(key, run)
    headers = {REPLAY_HEADER: "true"} if replayed else {}
    return JSONResponse(recorded.body, status_code=recorded.status_code, headers=headers)


def _page(request: Request, items: list[JsonObject], collection: str, size: int) -> JsonObject:
    offset = offset_from_token(collection, request.headers.get(CONTINUATION_HEADER))
    next_uri = request.url.path.removeprefix(API_PREFIX) + f"?size={size}&seekOperation=Next"
    return collection_page(items, collection=collection, offset=offset, size=size, next_uri=next_uri)


def _customer_routes(state: SimulatorState) -> APIRouter:
    router = APIRouter()

    @router.get("/customers")
    def list_customers(request: Request, size: int = DEFAULT_PAGE_SIZE) -> JsonObject:
        with state.lock:
            return copy.deepcopy(_page(request, list(state.customers.values()), "customers", size))

    @router.get("/customers/{customer_id}")
    def get_customer(customer_id: str) -> JsonObject:
        with state.lock:
            return copy.deepcopy(state.customer(customer_id))

    return router


def _subscription_routes(state: SimulatorState) -> APIRouter:
    router = APIRouter(prefix="/customers/{customer_id}/subscriptions")

    @router.get("")
    def list_subscriptions(request: Request, customer_id: str, size: int = DEFAULT_PAGE_SIZE) -> JsonObject:
        with state.lock:
            items = [item.render() for item in state.customer_subscriptions(customer_id)]
            return _page(request, items, f"subscriptions:{customer_id}", size)

    @router.get("/{subscription_id}")
    def get_subscription(customer_id: str, subscription_id: str) -> JsonObject:
        with state.lock:
            return state.subscription(customer_id, subscription_id).render()

    @router.patch("/{subscription_id}")
    def patch_subscription(
        request: Request, customer_id: str, subscription_id: str, body: Annotated[JsonObject, Body()]
    ) -> JSONResponse:
        def operation() -> tuple[int, JsonObject, str | None]:
            subscription = state.subscription(customer_id, subscription_id)
            if subscription.renewal_in_progress:
                raise renewal_conflict()
            check_if_match(subscription, request.headers.get("If-Match"))
            summary = apply_subscription_patch(
                subscription, body, now=state.now(), suspension_reasons=state.suspension_reasons
            )
            if summary is not None:
                subscription.bump_version()
            return 200, subscription.render(), summary

        return _mutate(state, request, "subscription", operation)

    _add_entitlement_routes(router, state)
    return router


def _add_entitlement_routes(router: APIRouter, state: SimulatorState) -> None:
    path = "/{subscription_id}/azureEntitlements/{entitlement_id}"

    @router.get(path)
    def get_entitlement(customer_id: str, subscription_id: str, entitlement_id: str) -> JsonObject:
        with state.lock:
            return copy.deepcopy(state.entitlement(customer_id, subscription_id, entitlement_id))

    def change(request: Request, ids: tuple[str, str, str], status: str, http_status: int) -> JSONResponse:
        def operation() -> tuple[int, JsonObject, str | None]:
            entitlement = state.entitlement(*ids)
            summary = set_entitlement_status(entitlement, status)
            return http_status, copy.deepcopy(entitlement), summary

        return _mutate(state, request, "azure_entitlement", operation)

    @router.post(path + "/cancel", status_code=202)
    def cancel_entitlement(
        request: Request,
        customer_id: str,
        subscription_id: str,
        entitlement_id: str,
        body: Annotated[JsonObject | None, Body()] = None,
    ) -> JSONResponse:
        return change(request, (customer_id, subscription_id, entitlement_id), "canceled", 202)

    @router.post(path + "/reactivate")
    def reactivate_entitlement(
        request: Request, customer_id: str, subscription_id: str, entitlement_id: str
    ) -> JSONResponse:
        return change(request, (customer_id, subscription_id, entitlement_id), "active", 200)


def _support_routes(state: SimulatorState) -> APIRouter:
    router = APIRouter()

    @router.get("/servicerequests")
    def list_service_requests(request: Request, size: int = DEFAULT_PAGE_SIZE) -> JsonObject:
        with state.lock:
            numeric = state.numeric_enums_in_lists
            items = [render_service_request(item, numeric_enums=numeric) for item in state.service_requests.values()]
            return copy.deepcopy(_page(request, items, "servicerequests", size))

    @router.get("/servicerequests/{service_request_id}")
    def get_service_request(service_request_id: str) -> JsonObject:
        with state.lock:
            return copy.deepcopy(state.service_request(service_request_id))

    @router.patch("/servicerequests/{service_request_id}")
    def patch_service_request(
        request: Request, service_request_id: str, body: Annotated[JsonObject, Body()]
    ) -> JSONResponse:
        def operation() -> tuple[int, JsonObject, str | None]:
            service_request = state.service_request(service_request_id)
            summary = apply_service_request_patch(service_request, body, now=state.now())
            return 200, copy.deepcopy(service_request), summary

        return _mutate(state, request, "service_request", operation)

    # The docs name both paths for the partner's support profile.
    @router.get("/profiles/support")
    @router.get("/profiles/supportprofile")
    def get_support_profile() -> JsonObject:
        with state.lock:
            return {**copy.deepcopy(state.support_profile), "attributes": {"objectType": "SupportProfile"}}

    return router
