"""Pages of the policy domain: console (editor, forecast, exposure, per customer) and portal (status, policy)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from cspdesk.policy import pages_console, pages_portal
from cspdesk.web.csrf import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
router.include_router(pages_console.router)
router.include_router(pages_portal.router)
