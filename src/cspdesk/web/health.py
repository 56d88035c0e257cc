"""Health check: the process answers and the database is reachable."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from cspdesk import __version__
from cspdesk.web.deps import get_database

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database check", responses={503: {"description": "database down"}})
def healthz(request: Request) -> JSONResponse:
    try:
        with get_database(request).engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "version": __version__})
