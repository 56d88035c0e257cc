"""Several uvicorn worker processes, each listening on its own SO_REUSEPORT socket.

uvicorn's --workers share one listening socket, and the first worker to wake accepts every pending connection:
in bench/support_bench.py all 50 keep-alive connections of a load went to one of two workers, which served
everything while the other idled. With a socket per worker the kernel spreads new connections over them.

    python -m cspdesk.web.workers cspdesk.asgi:app --port 8000 --workers 2   (what `cspdesk serve` runs)
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import signal
import socket
from types import FrameType
from typing import Any

import uvicorn

HTTP = "cspdesk.web.http_protocol:NoDelay"
GC_YOUNG_THRESHOLD = 5000


def tune_gc() -> None:
    """For a server process, once the application is built: the objects made so far (modules, routes, templates,
    mappers) move out of the collector's sight, and young collections run 7 times less often. Under load the
    default settings spent 15-18% of a worker's time in the collector, with full collections of 50-150 ms
    (bench/support_bench.py, queue page: 1.5-2 s of 13 s per worker in full collections, 0.1-0.15 s after)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


def run(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Start `workers` processes serving `app` (an import string) and wait for them; SIGTERM/SIGINT stop them all."""
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_serve, args=(app, host, port, options)) for _ in range(workers)]
    for process in processes:
        process.start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.join()


def _serve(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    config = uvicorn.Config(app, host=host, port=port, http=HTTP, **options)
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP stated, so that asyncio also turns Nagle off on the accepted connections.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("app", help="module:attribute of the ASGI application (or of its factory with --factory)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--factory", action="store_true")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args()
    options = {"factory": args.factory, "log_level": args.log_level, "access_log": not args.no_access_log}
    run(args.app, host=args.host, port=args.port, workers=args.workers, **options)


if __name__ == "__main__":
    main()
