"""ASGI entry point for process managers: `uvicorn cspdesk.asgi:app`."""

from cspdesk.app import create_app

app = create_app()
