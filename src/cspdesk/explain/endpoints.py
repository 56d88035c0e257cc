"""API: the explanation of an invoice, and why it differs from the previous (or a given) invoice."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.explain import service
from cspdesk.kit.errors import ValidationFailed, field_error
from cspdesk.kit.storage import storage_for
from cspdesk.web.deps import DbSession, api, get_settings
from cspdesk.web.errors import API_ERRORS

router = APIRouter(prefix="/api", tags=["explain"], responses=API_ERRORS)


def parse_compare_to(text: str) -> service.CompareTo:
    """'previous' (default), 'none' for no comparison, or the id of another invoice of the same customer."""
    value = text.strip().lower()
    if value in ("", "previous"):
        return "previous"
    if value == "none":
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        message = "use previous, none or an invoice id"
        raise ValidationFailed(message, details=[field_error("compare_to", message)]) from None


@router.get("/invoices/{explain_invoice_id}/explanation", summary="Explain an invoice and its difference to another")
def get_explanation(
    request: Request,
    explain_invoice_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(Permission.INVOICES_READ))],
    compare_to: Annotated[str, Query(description="previous | none | an invoice id")] = "previous",
    lang: Annotated[str | None, Query(pattern="^(en|ru)$")] = None,
) -> dict[str, Any]:
    storage = storage_for(get_settings(request))
    explanation = service.explain_invoice(
        session, principal, explain_invoice_id, compare_to=parse_compare_to(compare_to), lang=lang, storage=storage
    )
    return service.as_dict(explanation)
