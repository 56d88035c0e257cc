"""Partner Center business rules as the simulator enforces them, on plain JSON bodies."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .errors import PartnerCenterErrorCode
from .models import ServiceRequestSeverity, ServiceRequestStatus
from .simulator_state import JsonObject, SimApiError, SimSubscription, iso

EDITABLE_SUBSCRIPTION_FIELDS = ("quantity", "friendlyName", "autoRenewEnabled", "billingCycle")
RENEWAL_CONFLICT_DESCRIPTION = "Subscription is not ready to be updated. Please try again after sometime."
SIMULATOR_NOTE_AUTHOR = "Partner (API)"


def _error(code: PartnerCenterErrorCode, description: str, error_name: str) -> SimApiError:
    return SimApiError(400, int(code), description, error_name=error_name)


def renewal_conflict() -> SimApiError:
    # Microsoft's exact code for this conflict is not documented; the simulator uses the HTTP status.
    return SimApiError(
        409, 409, RENEWAL_CONFLICT_DESCRIPTION, error_name="SubscriptionRenewalInProgress", retryable=True
    )


def check_if_match(subscription: SimSubscription, if_match: str | None) -> None:
    """412 when the caller's ETag is not the current one (no If-Match means last writer wins)."""
    if if_match is not None and if_match.strip().strip('"') != subscription.etag:
        raise SimApiError(412, 412, "The resource was changed by another request.", error_name="PreconditionFailed")


def _changed_fields(current: JsonObject, requested: JsonObject) -> list[str]:
    return [name for name in EDITABLE_SUBSCRIPTION_FIELDS if name in requested and requested[name] != current.get(name)]


def apply_subscription_patch(
    subscription: SimSubscription,
    requested: JsonObject,
    *,
    now: datetime,
    suspension_reasons: tuple[str, ...],
) -> str | None:
    """Apply a full-body PATCH under Partner Center's rules; the change made, or None for a no-op."""
    current_status = str(subscription.body.get("status", "")).lower()
    target_status = str(requested.get("status", current_status)).lower()
    changed = _changed_fields(subscription.body, requested)
    if target_status == current_status:
        return _update_fields(subscription, requested, changed)
    if target_status == "suspended":
        return _suspend(subscription, changed, suspension_reasons)
    if target_status == "deleted":
        return _cancel(subscription, changed, now)
    if target_status == "active" and current_status == "suspended":
        return _reactivate(subscription, changed)
    raise SimApiError(
        400,
        400,
        f"Cannot change a subscription from {current_status} to {target_status}.",
        error_name="BadRequest",
    )


def _update_fields(subscription: SimSubscription, requested: JsonObject, changed: list[str]) -> str | None:
    if not changed:
        return None
    if subscription.body.get("status") == "suspended":
        raise _cannot_update_suspended()
    for name in changed:
        subscription.body[name] = requested[name]
    return f"updated {', '.join(changed)}"


def _cannot_update_suspended() -> SimApiError:
    return _error(
        PartnerCenterErrorCode.CANNOT_UPDATE_SUSPENDED_SUBSCRIPTION,
        "Cannot update a suspended subscription.",
        "CannotUpdateSuspendedSubscription",
    )


def _suspend(subscription: SimSubscription, changed: list[str], reasons: tuple[str, ...]) -> str:
    if "quantity" in changed:
        raise _error(
            PartnerCenterErrorCode.NO_QUANTITY_CHANGE_WHILE_SUSPENDING,
            "Quantity cannot be changed while suspending a subscription.",
            "QuantityChangeNotAllowedWhileSuspending",
        )
    if any(item.get("status") == "active" for item in subscription.entitlements.values()):
        raise _error(
            PartnerCenterErrorCode.AZURE_PLAN_HAS_ACTIVE_SUBSCRIPTIONS,
            "The Azure plan cannot be suspended while it has active Azure subscriptions.",
            "AzurePlanHasActiveAzureSubscriptions",
        )
    previous = subscription.body.get("status")
    subscription.body.update(status="suspended", autoRenewEnabled=False, suspensionReasons=list(reasons))
    return f"status {previous} -> suspended"


def _reactivate(subscription: SimSubscription, changed: list[str]) -> str:
    if changed:
        raise _cannot_update_suspended()
    # Auto-renew stays off: Microsoft expects the partner to turn it on again after reactivating.
    subscription.body.update(status="active", suspensionReasons=[])
    return "status suspended -> active"


def _cancel(subscription: SimSubscription, changed: list[str], now: datetime) -> str:
    if changed and subscription.body.get("status") == "suspended":
        raise _cannot_update_suspended()
    allowed_until = subscription.body.get("cancellationAllowedUntilDate")
    if isinstance(allowed_until, str) and _as_utc(datetime.fromisoformat(allowed_until)) < now:
        raise _error(
            PartnerCenterErrorCode.CANCELLATION_WINDOW_PASSED,
            "The subscription can no longer be cancelled: the cancellation window has passed.",
            "CancellationWindowExpired",
        )
    previous = subscription.body.get("status")
    subscription.body.update(status="deleted", autoRenewEnabled=False)
    return f"status {previous} -> deleted"


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def set_entitlement_status(entitlement: JsonObject, status: str) -> str | None:
    """Cancel or reactivate one Azure entitlement; None when it already has that status."""
    previous = entitlement.get("status")
    if previous == status:
        return None
    entitlement["status"] = status
    return f"entitlement {previous} -> {status}"


# Service requests

_SEVERITY_NAMES = tuple(member.value for member in ServiceRequestSeverity)
_STATUS_NAMES = tuple(member.value for member in ServiceRequestStatus)


def _field(body: Mapping[str, Any], pascal_name: str) -> Any:
    camel_name = pascal_name[0].lower() + pascal_name[1:]
    return body.get(pascal_name, body.get(camel_name))


def _status_name(value: object) -> str:
    if isinstance(value, int) and 0 <= value < len(_STATUS_NAMES):
        return _STATUS_NAMES[value]
    if isinstance(value, str) and value.lower() in _STATUS_NAMES:
        return value.lower()
    raise SimApiError(400, 400, f"Unknown service request status {value!r}.", error_name="BadRequest")


def apply_service_request_patch(request: JsonObject, patch: JsonObject, *, now: datetime) -> str | None:
    """Add NewNote and/or change Status; a summary of the change, None when nothing changed."""
    changes: list[str] = []
    new_note = _field(patch, "NewNote")
    if isinstance(new_note, Mapping) and _field(new_note, "Text"):
        note = {
            "CreatedByName": SIMULATOR_NOTE_AUTHOR,
            "CreatedDate": iso(now),
            "Text": _field(new_note, "Text"),
        }
        request.setdefault("Notes", []).append(note)
        changes.append("note added")
    status = _field(patch, "Status")
    if status is not None and _status_name(status) != request.get("Status"):
        request["Status"] = _status_name(status)
        if request["Status"] == ServiceRequestStatus.CLOSED.value:
            request["LastClosedDate"] = iso(now)
        changes.append(f"status -> {request['Status']}")
    if not changes:
        return None
    request["LastModifiedDate"] = iso(now)
    return ", ".join(changes)


def render_service_request(request: JsonObject, *, numeric_enums: bool) -> JsonObject:
    """A service request as a list returns it, optionally with Severity and Status as numbers."""
    if not numeric_enums:
        return request
    rendered = dict(request)
    if rendered.get("Severity") in _SEVERITY_NAMES:
        rendered["Severity"] = _SEVERITY_NAMES.index(rendered["Severity"])
    if rendered.get("Status") in _STATUS_NAMES:
        rendered["Status"] = _STATUS_NAMES.index(rendered["Status"])
    return rendered


# Paging

CONTINUATION_HEADER = "MS-ContinuationToken"


def continuation_token(collection: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{collection}|{offset}".encode()).decode()


def offset_from_token(collection: str, token: str | None) -> int:
    """Where a continuation token points to in `collection`; 0 without a token."""
    if not token:
        return 0
    try:
        name, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
    except (binascii.Error, UnicodeDecodeError):
        name, offset = "", ""
    if name != collection or not offset.isdigit():
        raise SimApiError(400, 400, "The continuation token is not valid here.", error_name="BadRequest")
    return int(offset)


def collection_page(items: list[JsonObject], *, collection: str, offset: int, size: int, next_uri: str) -> JsonObject:
    """Partner Center's collection envelope for one page, with `links.next` when more items follow."""
    page = items[offset : offset + size]
    envelope: JsonObject = {
        "totalCount": len(page),
        "items": page,
        "links": {},
        "attributes": {"objectType": "Collection"},
    }
    if offset + size < len(items):
        token = continuation_token(collection, offset + size)
        envelope["links"]["next"] = {
            "uri": next_uri,
            "method": "GET",
            "headers": [{"key": CONTINUATION_HEADER, "value": token}],
        }
    return envelope
