"""API: who am I, and my API tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from cspdesk.auth import service
from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.config import Settings
from cspdesk.models.user import User
from cspdesk.users.schemas import TokenIn, TokenOut
from cspdesk.web.deps import DbSession, api, get_settings
from cspdesk.web.errors import API_ERRORS

router = APIRouter(prefix="/api", tags=["auth"], responses=API_ERRORS)


class MeOut(BaseModel):
    user_id: uuid.UUID | None
    email: str
    kind: str
    roles: list[str]
    customer_id: uuid.UUID | None
    permissions: list[str]


@router.get("/me", response_model=MeOut, summary="The principal behind the token")
def me(principal: Annotated[Principal, Depends(api(None))]) -> MeOut:
    return MeOut(
        user_id=principal.user_id,
        email=principal.label,
        kind=principal.kind,
        roles=sorted(principal.roles),
        customer_id=principal.customer_id,
        permissions=sorted(p.value for p in principal.permissions),
    )


@router.post("/tokens", response_model=TokenOut, status_code=201, summary="Create an API token for yourself")
def create_token(
    data: TokenIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(Permission.TOKENS_OWN))],
    settings: Annotated[Settings, Depends(get_settings)],
) -> TokenOut:
    user = session.get(User, principal.user_id)
    assert user is not None
    issued = service.create_api_token(session, settings, user, data.name, principal)
    return TokenOut(id=issued.row.id, name=data.name, token=issued.token, expires_at=issued.row.expires_at)
