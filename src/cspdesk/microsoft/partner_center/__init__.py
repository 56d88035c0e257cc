"""Microsoft Partner Center: MSAL token providers, a retrying REST client and its error types.

The simulator lives in `cspdesk.microsoft.partner_center.simulator` and is not imported here.
"""

from .auth import (
    PARTNER_CENTER_SCOPE,
    AppOnlyTokenProvider,
    AppUserTokenProvider,
    StaticTokenProvider,
    TokenAcquisitionError,
    TokenProvider,
)
from .client import PARTNER_CENTER_BASE_URL, PartnerCenterClient
from .errors import (
    AuthenticationError,
    BusinessRuleError,
    NotFoundError,
    PartnerCenterError,
    PartnerCenterErrorCode,
    PreconditionFailedError,
    RetryLaterError,
    ServerError,
    ThrottledError,
    TransportFailureError,
)
from .models import (
    AzureEntitlement,
    CompanyProfile,
    Customer,
    ServiceRequest,
    ServiceRequestContact,
    ServiceRequestNote,
    ServiceRequestSeverity,
    ServiceRequestStatus,
    Subscription,
    SubscriptionStatus,
    SupportProfile,
)
from .transport import RetryPolicy, new_request_id

__all__ = [
    "PARTNER_CENTER_BASE_URL",
    "PARTNER_CENTER_SCOPE",
    "AppOnlyTokenProvider",
    "AppUserTokenProvider",
    "AuthenticationError",
    "AzureEntitlement",
    "BusinessRuleError",
    "CompanyProfile",
    "Customer",
    "NotFoundError",
    "PartnerCenterClient",
    "PartnerCenterError",
    "PartnerCenterErrorCode",
    "PreconditionFailedError",
    "RetryLaterError",
    "RetryPolicy",
    "ServerError",
    "ServiceRequest",
    "ServiceRequestContact",
    "ServiceRequestNote",
    "ServiceRequestSeverity",
    "ServiceRequestStatus",
    "StaticTokenProvider",
    "Subscription",
    "SubscriptionStatus",
    "SupportProfile",
    "ThrottledError",
    "TokenAcquisitionError",
    "TokenProvider",
    "TransportFailureError",
    "new_request_id",
]
