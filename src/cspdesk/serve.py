"""`cspdesk serve`: run the web application with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from cspdesk.cli_common import DatabaseUrl, settings_with
from cspdesk.web import workers as web_workers


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port")] = 8000,
        workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
        database_url: DatabaseUrl = None,
    ) -> None:
        """Serve the console, the portal and the API."""
        from cspdesk.app import create_app

        settings = settings_with(database_url)
        if workers > 1:
            web_workers.run("cspdesk.asgi:app", host=host, port=port, workers=workers, proxy_headers=True)
            return
        application = create_app(settings)
        web_workers.tune_gc()
        uvicorn.run(application, host=host, port=port, proxy_headers=True, http=web_workers.HTTP)
