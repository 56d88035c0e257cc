"""uvicorn's HTTP protocol with TCP_NODELAY on every connection: `uvicorn --http cspdesk.web.http_protocol:NoDelay`.

With `--workers N` uvicorn binds the listening socket itself (protocol number 0), and asyncio sets TCP_NODELAY only
on sockets that say IPPROTO_TCP, so every connection kept Nagle's algorithm: a response written in two parts
(headers, then body) waited for the client's delayed ACK, 40 ms on Linux (bench/support_bench.py: 44 ms per
request at low concurrency with two workers, 1 ms with one).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class NoDelay(AutoHTTPProtocol):  # type: ignore[misc, valid-type]  # uvicorn's choice of h11 or httptools
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in TCP_FAMILIES:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
