"""Runs the Partner Center simulator with uvicorn on a loopback port in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from .simulator_app import API_PREFIX, create_simulator_app
from .simulator_state import SimulatorState

STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0


def _listening_socket(host: str, port: int) -> socket.socket:
    # Bound and listening before the thread starts, so the port is known and early connections queue up.
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say so (else 40 ms per reply).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("The Partner Center simulator stopped while starting.")
        if time.monotonic() > deadline:
            raise RuntimeError("The Partner Center simulator did not start in time.")
        time.sleep(0.01)


def run_simulator_in_thread(
    state: SimulatorState, host: str = "127.0.0.1", port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Serve the simulator over HTTP; returns its API base URL (ending in /v1) and a stop function."""
    sock = _listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_simulator_app(state),
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="pc-simulator", daemon=True)
    thread.start()
    _wait_until_started(server, thread)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=SHUTDOWN_TIMEOUT_SECONDS)
        sock.close()

    return f"http://{host}:{bound_port}{API_PREFIX}", stop
