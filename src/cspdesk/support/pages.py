"""The one router of the support pages (console and portal); views*.py add their routes to it."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from cspdesk.web.csrf import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
