"""Partner Center REST client: customers, subscriptions, Azure entitlements, tickets, support profile."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote

import httpx

from .auth import TokenProvider
from .errors import PartnerCenterError, PreconditionFailedError
from .models import (
    AzureEntitlement,
    Customer,
    JsonObject,
    ServiceRequest,
    Subscription,
    SupportProfile,
    subscription_etag,
)
from .transport import ApiRequest, PartnerCenterTransport, RetryPolicy, new_request_id, resolve_link

logger = logging.getLogger(__name__)

PARTNER_CENTER_BASE_URL = "https://api.partnercenter.microsoft.com/v1"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_STALE_ETAG_ROUNDS = 5
CONTINUATION_HEADER = "MS-ContinuationToken"


@dataclass(frozen=True)
class _NextLink:
    uri: str
    headers: dict[str, str]


def _segment(value: str) -> str:
    return quote(value, safe="")


def _as_object(payload: object) -> JsonObject:
    if not isinstance(payload, dict):
        raise PartnerCenterError("Partner Center answered with something other than a JSON object.")
    return payload


def _collection_items(page: JsonObject) -> list[JsonObject]:
    items = page.get("items", [])
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _next_link(page: JsonObject) -> _NextLink | None:
    links = page.get("links")
    next_link = links.get("next") if isinstance(links, dict) else None
    if not isinstance(next_link, dict) or not isinstance(next_link.get("uri"), str):
        return None
    headers = {
        str(header["key"]): str(header["value"])
        for header in next_link.get("headers") or []
        if isinstance(header, dict) and "key" in header and "value" in header
    }
    return _NextLink(next_link["uri"], headers)


class PartnerCenterClient:
    """Synchronous Partner Center client; every logical request keeps one MS-RequestId across its retries."""

    def __init__(
        self,
        base_url: str,
        token_provider: TokenProvider,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Callable[[], float] = time.monotonic,
        retry_policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        stale_etag_rounds: int = DEFAULT_STALE_ETAG_ROUNDS,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=DEFAULT_TIMEOUT_SECONDS)
        self._transport = PartnerCenterTransport(
            self._http,
            token_provider,
            sleep=sleep,
            clock=clock,
            max_attempts=max_attempts,
            retry_policy=retry_policy,
            rng=rng,
        )
        self._stale_etag_rounds = stale_etag_rounds

    def close(self) -> None:
        """Close the HTTP client if this instance created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> PartnerCenterClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # Customers

    def iter_customers(self, page_size: int = 100) -> Iterator[Customer]:
        """All customers, page by page (`links.next` with its MS-ContinuationToken)."""
        for item in self._iter_collection(self._url("customers") + f"?size={page_size}"):
            yield Customer.model_validate(item)

    def get_customer(self, tenant_id: str) -> Customer:
        return Customer.model_validate(self._get_json(self._url("customers", tenant_id)))

    # Subscriptions

    def iter_subscriptions(self, customer_id: str) -> Iterator[Subscription]:
        for item in self._iter_collection(self._url("customers", customer_id, "subscriptions")):
            yield Subscription.model_validate(item)

    def get_subscription(self, customer_id: str, subscription_id: str) -> Subscription:
        return Subscription.model_validate(self._get_json(self._subscription_url(customer_id, subscription_id)))

    def set_subscription_status(
        self, customer_id: str, subscription_id: str, status: str, *, request_id: str | None = None
    ) -> Subscription:
        """Suspend, reactivate or cancel: PATCH the fresh full body with If-Match; re-read on 412.

        Does nothing when the subscription already has `status`, so a retried outbox job is harmless.
        """
        target = status.strip().lower()
        patch_request_id = request_id or new_request_id()
        correlation_id = new_request_id()
        url = self._subscription_url(customer_id, subscription_id)
        for _ in range(self._stale_etag_rounds):
            body = self._get_json(url, correlation_id=correlation_id)
            current = Subscription.model_validate(body)
            if current.has_status(target):
                return current
            try:
                return self._patch_status(url, body, target, patch_request_id, correlation_id)
            except PreconditionFailedError:
                logger.info("Subscription %s changed under us (412); reading it again", subscription_id)
        raise PreconditionFailedError(
            "The subscription kept changing while updating it; try again later.",
            http_status=412,
            retryable=True,
        )

    def _patch_status(
        self, url: str, body: JsonObject, status: str, request_id: str, correlation_id: str
    ) -> Subscription:
        etag = subscription_etag(body)
        request = ApiRequest(
            "PATCH",
            url,
            request_id,
            correlation_id,
            json_body={**body, "status": status},
            headers={"If-Match": etag} if etag else {},
        )
        return Subscription.model_validate(self._send_json(request))

    # Azure plan entitlements

    def get_azure_entitlement(self, customer_id: str, azure_plan_id: str, entitlement_id: str) -> AzureEntitlement:
        url = self._entitlement_url(customer_id, azure_plan_id, entitlement_id)
        return AzureEntitlement.model_validate(self._get_json(url))

    def cancel_azure_entitlement(
        self,
        customer_id: str,
        azure_plan_id: str,
        entitlement_id: str,
        *,
        cancellation_reason: str = "compromise",
        request_id: str | None = None,
    ) -> AzureEntitlement:
        """Cancel one Azure subscription under an Azure plan (the plan itself is suspended, not cancelled)."""
        body = {"cancellationReason": cancellation_reason}
        return self._post_entitlement_action(customer_id, azure_plan_id, entitlement_id, "cancel", body, request_id)

    def reactivate_azure_entitlement(
        self, customer_id: str, azure_plan_id: str, entitlement_id: str, *, request_id: str | None = None
    ) -> AzureEntitlement:
        return self._post_entitlement_action(customer_id, azure_plan_id, entitlement_id, "reactivate", None, request_id)

    def _post_entitlement_action(
        self,
        customer_id: str,
        azure_plan_id: str,
        entitlement_id: str,
        action: str,
        body: JsonObject | None,
        request_id: str | None,
    ) -> AzureEntitlement:
        url = self._entitlement_url(customer_id, azure_plan_id, entitlement_id)
        request = ApiRequest("POST", f"{url}/{action}", request_id or new_request_id(), new_request_id(), body)
        response = self._transport.send(request)
        if response.content:
            return AzureEntitlement.model_validate(_as_object(response.json()))
        return self.get_azure_entitlement(customer_id, azure_plan_id, entitlement_id)

    # Service requests

    def list_service_requests(self) -> list[ServiceRequest]:
        return [ServiceRequest.model_validate(item) for item in self._iter_collection(self._url("servicerequests"))]

    def get_service_request(self, service_request_id: str) -> ServiceRequest:
        return ServiceRequest.model_validate(self._get_json(self._url("servicerequests", service_request_id)))

    def update_service_request(
        self,
        service_request_id: str,
        *,
        status: str | None = None,
        new_note: str | None = None,
        request_id: str | None = None,
    ) -> ServiceRequest:
        """Add a note (NewNote) and/or change the status of a ticket filed in the Partner Center portal."""
        body: JsonObject = {}
        if status is not None:
            body["Status"] = status
        if new_note is not None:
            body["NewNote"] = {"Text": new_note}
        if not body:
            raise ValueError("Give a status, a new note, or both.")
        url = self._url("servicerequests", service_request_id)
        response = self._transport.send(
            ApiRequest("PATCH", url, request_id or new_request_id(), new_request_id(), body)
        )
        if response.content:
            return ServiceRequest.model_validate(_as_object(response.json()))
        return self.get_service_request(service_request_id)

    # Partner profile

    def get_support_profile(self) -> SupportProfile:
        return SupportProfile.model_validate(self._get_json(self._url("profiles", "support")))

    # Plumbing

    def _url(self, *segments: str) -> str:
        return "/".join([self._base_url, *(_segment(segment) for segment in segments)])

    def _subscription_url(self, customer_id: str, subscription_id: str) -> str:
        return self._url("customers", customer_id, "subscriptions", subscription_id)

    def _entitlement_url(self, customer_id: str, azure_plan_id: str, entitlement_id: str) -> str:
        subscription_url = self._subscription_url(customer_id, azure_plan_id)
        return f"{subscription_url}/azureEntitlements/{_segment(entitlement_id)}"

    def _get_json(self, url: str, *, correlation_id: str | None = None) -> JsonObject:
        request = ApiRequest("GET", url, new_request_id(), correlation_id or new_request_id())
        return self._send_json(request)

    def _send_json(self, request: ApiRequest) -> JsonObject:
        return _as_object(self._transport.send(request).json())

    def _iter_collection(self, url: str) -> Iterator[JsonObject]:
        correlation_id = new_request_id()
        request = ApiRequest("GET", url, new_request_id(), correlation_id)
        followed: set[tuple[str, str | None]] = set()
        while True:
            page = self._send_json(request)
            yield from _collection_items(page)
            link = _next_link(page)
            if link is None:
                return
            request = self._next_page_request(link, correlation_id, followed)

    def _next_page_request(
        self, link: _NextLink, correlation_id: str, followed: set[tuple[str, str | None]]
    ) -> ApiRequest:
        position = (link.uri, link.headers.get(CONTINUATION_HEADER))
        if position in followed:
            raise PartnerCenterError("Partner Center sent the same next page twice; stopping the listing.")
        followed.add(position)
        url = resolve_link(self._base_url, link.uri)
        return ApiRequest("GET", url, new_request_id(), correlation_id, headers=_continuation_headers(link.headers))


def _continuation_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # Only the paging header is taken from the response; auth and tracing headers stay ours.
    return {key: value for key, value in headers.items() if key.lower() == CONTINUATION_HEADER.lower()}
