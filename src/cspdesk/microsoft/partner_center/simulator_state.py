"""In-memory state of the Partner Center simulator: resources, request log, applied changes, idempotency."""

from __future__ import annotations

import base64
import copy
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .simulator_faults import FaultInjector

JsonObject = dict[str, Any]
IdempotencyKey = tuple[str, str, str]

DEFAULT_SIM_TOKEN = "sim-token"  # noqa: S105 - the simulator's public test token
DEFAULT_SUSPENSION_REASONS = ("CustomerNonPayment",)
ERROR_SOURCE = "PartnerFD"


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Partner Center style timestamp (UTC, Z suffix)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class SimApiError(Exception):
    """An error the simulator answers with, in Microsoft's error body shape."""

    def __init__(
        self,
        http_status: int,
        code: int,
        description: str,
        *,
        error_name: str | None = None,
        retryable: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.http_status = http_status
        self.code = code
        self.description = description
        self.error_name = error_name
        self.retryable = retryable
        self.headers = headers or {}

    def body(self) -> JsonObject:
        return {
            "code": self.code,
            "description": self.description,
            "errorName": self.error_name,
            "isRetryable": self.retryable,
            "data": [],
            "source": ERROR_SOURCE,
        }


def not_found(what: str, identifier: str) -> SimApiError:
    # Partner Center's own not-found codes vary by resource; the simulator uses the HTTP status as the code.
    return SimApiError(404, 404, f"{what} with Id {identifier} was not found.", error_name="NotFound")


@dataclass
class SimSubscription:
    """A subscription as stored by the simulator, with simulator-only flags next to its API body."""

    customer_id: str
    body: JsonObject
    version: int = 1
    renewal_in_progress: bool = False
    entitlements: dict[str, JsonObject] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def etag(self) -> str:
        return base64.urlsafe_b64encode(f"{self.id}:{self.version}".encode()).decode()

    def bump_version(self) -> None:
        self.version += 1

    def render(self) -> JsonObject:
        return {**copy.deepcopy(self.body), "attributes": {"etag": self.etag, "objectType": "Subscription"}}


@dataclass(frozen=True)
class LoggedRequest:
    """One call the simulator received under /v1."""

    method: str
    path: str
    status_code: int
    request_id: str | None
    correlation_id: str | None
    if_match: str | None = None
    continuation_token: str | None = None
    fault: str | None = None
    replayed: bool = False


@dataclass(frozen=True)
class AppliedChange:
    """A state change the simulator carried out (replays and no-ops are not changes)."""

    kind: str
    path: str
    request_id: str | None
    summary: str


@dataclass(frozen=True)
class RecordedResponse:
    """A response kept for MS-RequestId replays."""

    status_code: int
    body: JsonObject | None


def _subscription_defaults(subscription_id: str) -> JsonObject:
    return {
        "id": subscription_id,
        "quantity": 1,
        "unitType": "Licenses",
        "status": "active",
        "autoRenewEnabled": True,
        "billingType": "license",
        "billingCycle": "monthly",
        "termDuration": "P1Y",
        "isTrial": False,
        "suspensionReasons": [],
    }


class SimulatorState:
    """Everything the simulator knows; tests may read it while the server runs in another thread."""

    def __init__(
        self,
        *,
        access_tokens: Iterable[str] = (DEFAULT_SIM_TOKEN,),
        faults: FaultInjector | None = None,
        now: Callable[[], datetime] = utc_now,
        suspension_reasons: tuple[str, ...] = DEFAULT_SUSPENSION_REASONS,
        numeric_enums_in_lists: bool = False,
    ) -> None:
        self.lock = threading.RLock()
        self.access_tokens = frozenset(access_tokens)
        self.faults = faults or FaultInjector()
        self.now = now
        self.suspension_reasons = suspension_reasons
        self.numeric_enums_in_lists = numeric_enums_in_lists
        self.customers: dict[str, JsonObject] = {}
        self.subscriptions: dict[tuple[str, str], SimSubscription] = {}
        self.service_requests: dict[str, JsonObject] = {}
        self.support_profile: JsonObject = {"email": None, "telephone": None, "website": None}
        self._log: list[LoggedRequest] = []
        self._changes: list[AppliedChange] = []
        self._recorded: dict[IdempotencyKey, RecordedResponse] = {}

    # Seeding

    def add_customer(self, body: JsonObject) -> None:
        with self.lock:
            customer = copy.deepcopy(body)
            customer.setdefault("attributes", {"objectType": "Customer"})
            self.customers[str(customer["id"])] = customer

    def add_subscription(
        self,
        customer_id: str,
        body: JsonObject,
        *,
        renewal_in_progress: bool = False,
        azure_entitlements: Iterable[JsonObject] = (),
    ) -> SimSubscription:
        with self.lock:
            self.customer(customer_id)
            subscription_body = {**_subscription_defaults(str(body["id"])), **copy.deepcopy(body)}
            subscription_body.pop("attributes", None)
            entitlements = {str(item["id"]): self._entitlement(body["id"], item) for item in azure_entitlements}
            stored = SimSubscription(customer_id, subscription_body, 1, renewal_in_progress, entitlements)
            self.subscriptions[(customer_id, stored.id)] = stored
            return stored

    def add_service_request(self, body: JsonObject) -> None:
        with self.lock:
            request = {"Notes": [], "Status": "open", "Severity": "minimal", **copy.deepcopy(body)}
            request.setdefault("attributes", {"objectType": "ServiceRequest"})
            self.service_requests[str(request["Id"])] = request

    def set_support_profile(self, body: JsonObject) -> None:
        with self.lock:
            self.support_profile = copy.deepcopy(body)

    def set_renewal_in_progress(self, customer_id: str, subscription_id: str, in_progress: bool) -> None:
        with self.lock:
            self.subscription(customer_id, subscription_id).renewal_in_progress = in_progress

    def touch_subscription(self, customer_id: str, subscription_id: str) -> str:
        """Simulate another writer: change the ETag without changing the fields; returns the new ETag."""
        with self.lock:
            subscription = self.subscription(customer_id, subscription_id)
            subscription.bump_version()
            return subscription.etag

    @staticmethod
    def _entitlement(plan_id: object, item: JsonObject) -> JsonObject:
        entitlement = {"status": "active", "entitlementType": "asset", **copy.deepcopy(item)}
        entitlement["subscriptionId"] = str(item.get("subscriptionId", item["id"]))
        entitlement.setdefault("attributes", {"objectType": "AzureEntitlement", "azurePlanId": str(plan_id)})
        return entitlement

    # Lookups

    def customer(self, customer_id: str) -> JsonObject:
        with self.lock:
            if customer_id not in self.customers:
                raise not_found("Customer", customer_id)
            return self.customers[customer_id]

    def subscription(self, customer_id: str, subscription_id: str) -> SimSubscription:
        with self.lock:
            self.customer(customer_id)
            if (customer_id, subscription_id) not in self.subscriptions:
                raise not_found("Subscription", subscription_id)
            return self.subscriptions[(customer_id, subscription_id)]

    def customer_subscriptions(self, customer_id: str) -> list[SimSubscription]:
        with self.lock:
            self.customer(customer_id)
            return [item for (owner, _), item in self.subscriptions.items() if owner == customer_id]

    def entitlement(self, customer_id: str, plan_id: str, entitlement_id: str) -> JsonObject:
        with self.lock:
            entitlements = self.subscription(customer_id, plan_id).entitlements
            if entitlement_id not in entitlements:
                raise not_found("Azure entitlement", entitlement_id)
            return entitlements[entitlement_id]

    def service_request(self, service_request_id: str) -> JsonObject:
        with self.lock:
            if service_request_id not in self.service_requests:
                raise not_found("Service request", service_request_id)
            return self.service_requests[service_request_id]

    # Authorization

    def is_authorized(self, authorization_header: str | None) -> bool:
        scheme, _, token = (authorization_header or "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() in self.access_tokens

    # Idempotency and bookkeeping

    def run_once(
        self, key: IdempotencyKey | None, operation: Callable[[], RecordedResponse]
    ) -> tuple[RecordedResponse, bool]:
        """Run `operation` unless `key` (method, path, MS-RequestId) already succeeded: then replay that.

        Only successes are recorded, so a request refused for a stale ETag or a conflict can be sent again.
        """
        with self.lock:
            if key is not None and key in self._recorded:
                return self._recorded[key], True
            response = operation()
            if key is not None and 200 <= response.status_code < 300:
                self._recorded[key] = response
            return response, False

    def record_change(self, kind: str, path: str, request_id: str | None, summary: str) -> None:
        with self.lock:
            self._changes.append(AppliedChange(kind, path, request_id, summary))

    def log_request(self, entry: LoggedRequest) -> None:
        with self.lock:
            self._log.append(entry)

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self.lock:
            return list(self._log)

    @property
    def applied_changes(self) -> list[AppliedChange]:
        with self.lock:
            return list(self._changes)

    def request_counts(self) -> dict[str, int]:
        """Calls received per "METHOD /path", faults and replays included."""
        with self.lock:
            return dict(Counter(f"{entry.method} {entry.path}" for entry in self._log))

    def snapshot(self) -> JsonObject:
        """A JSON-ready copy of the whole state, for the admin endpoint and assertions."""
        with self.lock:
            return {
                "customers": copy.deepcopy(list(self.customers.values())),
                "subscriptions": [self._subscription_snapshot(item) for item in self.subscriptions.values()],
                "serviceRequests": copy.deepcopy(list(self.service_requests.values())),
                "supportProfile": copy.deepcopy(self.support_profile),
                "requestCounts": self.request_counts(),
                "appliedChanges": [asdict(change) for change in self._changes],
                "faults": self.faults.settings(),
            }

    @staticmethod
    def _subscription_snapshot(subscription: SimSubscription) -> JsonObject:
        return {
            "customerId": subscription.customer_id,
            "subscription": subscription.render(),
            "renewalInProgress": subscription.renewal_in_progress,
            "azureEntitlements": copy.deepcopy(list(subscription.entitlements.values())),
        }
