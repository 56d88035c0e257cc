"""API: staff and portal users."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.pagination import paginate
from cspdesk.users import service
from cspdesk.users.schemas import UserIn, UserOut, UserPatch
from cspdesk.web.deps import DbSession, api
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api", tags=["users"], responses=API_ERRORS)
P = Permission


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    page: int
    size: int


@router.get("/users", response_model=UserPage)
def list_users(
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.USERS_READ))],
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserPage:
    result = paginate(session, service.readable_users(principal), page, size)
    return UserPage(
        items=[UserOut.model_validate(u) for u in result.items],
        total=result.total,
        page=result.page,
        size=result.size,
    )


@router.post("/users", response_model=UserOut, status_code=201, responses=WRITE_ERRORS)
def create_user(
    data: UserIn, session: DbSession, principal: Annotated[Principal, Depends(api(P.USERS_WRITE))]
) -> UserOut:
    return UserOut.model_validate(service.create_user(session, principal, data))


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(
    user_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.USERS_READ))]
) -> UserOut:
    return UserOut.model_validate(service.access_user(session, principal, user_id))


@router.patch("/users/{user_id}", response_model=UserOut, responses=WRITE_ERRORS)
def update_user(
    user_id: uuid.UUID,
    data: UserPatch,
    session: DbSession,
    principal: Annotated[Principal, Depends(api(P.USERS_WRITE))],
) -> UserOut:
    return UserOut.model_validate(service.update_user(session, principal, user_id, data))


@router.delete("/users/{user_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS)
def delete_user(
    user_id: uuid.UUID, session: DbSession, principal: Annotated[Principal, Depends(api(P.USERS_WRITE))]
) -> Response:
    service.delete_user(session, principal, user_id)
    return Response(status_code=204)
