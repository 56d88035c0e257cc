"""ASGI entry point for process managers: `uvicorn cspdesk.asgi:app` (what `cspdesk serve --workers N` runs)."""

from cspdesk.app import create_app
from cspdesk.web.workers import tune_gc

app = create_app()
tune_gc()
