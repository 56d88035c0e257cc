"""How `cspdesk serve` listens: Nagle's algorithm off on every connection (also on sockets that do not say
IPPROTO_TCP, as uvicorn's own --workers mode binds them), and one SO_REUSEPORT socket per worker."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from unittest.mock import MagicMock

import uvicorn
from uvicorn.server import ServerState

from cspdesk.web.http_protocol import NoDelay
from cspdesk.web.workers import listening_socket


async def _connect(accepted: socket.socket) -> int:
    config = uvicorn.Config(app=MagicMock(), http=NoDelay)
    config.load()
    protocol = NoDelay(config=config, server_state=ServerState(), app_state={})
    transport = MagicMock()
    transport.get_extra_info.side_effect = lambda name, default=None: {
        "socket": accepted,
        "peername": accepted.getpeername(),
        "sockname": accepted.getsockname(),
    }.get(name, default)
    protocol.connection_made(transport)
    protocol.connection_lost(None)
    return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_connections_get_tcp_nodelay() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:  # protocol 0, as uvicorn binds it
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
                assert _in_own_thread(lambda: asyncio.run(_connect(accepted))) != 0


def _in_own_thread(work: Callable[[], int]) -> int:
    """asyncio.run refuses to start inside a running loop, which an earlier test in this worker may have left."""
    results: list[int] = []
    thread = threading.Thread(target=lambda: results.append(work()))
    thread.start()
    thread.join()
    return results[0]


def test_workers_listen_on_sockets_of_their_own() -> None:
    with listening_socket("127.0.0.1", 0) as first:
        port = first.getsockname()[1]
        with listening_socket("127.0.0.1", port) as second:  # the same port: the kernel balances between them
            assert second.getsockname() == first.getsockname()
            assert (first.proto, second.proto) == (socket.IPPROTO_TCP, socket.IPPROTO_TCP)
