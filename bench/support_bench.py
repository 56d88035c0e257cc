"""Support desk benchmark (not a test): 200,000 tickets and 2M messages on PostgreSQL; agent queue page and
ticket page latency under 50 concurrent connections (wrk), ticket creation through the API, and a baseline
FastAPI endpoint doing one indexed select on the same database, all in one run against uvicorn on loopback.

    PYTHONPATH=. .venv/bin/python bench/support_bench.py --database-url postgresql://postgres@127.0.0.1:5432/support_bench

`--reuse` skips loading the data (a database from an earlier run of this version); `--workers` (2) applies to the
baseline and cspdesk alike; `--loads` picks some of the loads. Every load is preceded by a 3 s wrk warm-up on the
same server. Each figure is printed with the 1-minute load average before and after it, as the machine is shared.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cspdesk.auth import crypto
from cspdesk.db import Database
from cspdesk.demo.data import load_demo
from cspdesk.kit import clock
from cspdesk.kit.storage import LocalStorage
from cspdesk.migrations import runner

CATEGORIES = ("billing", "subscription_management", "technical", "other")
SERVICES = ("azure", "microsoft_365", "dynamics_365", "other")
STATUSES = ("new", "open", "open", "pending_customer", "pending_microsoft", "resolved", "closed", "closed")
WARM_UP_SECONDS = 3
LOADS = ("queue", "ticket_page", "create")


def baseline_app() -> FastAPI:
    """One indexed select per request on the same database: the yardstick for the real pages."""
    engine = create_engine(os.environ["BENCH_SQLALCHEMY_URL"], pool_size=20)
    app = FastAPI()

    @app.get("/baseline/{number}")
    def one_select(number: int) -> dict[str, str]:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT subject FROM tickets WHERE number = :n"), {"n": number}).first()
        return {"subject": row[0] if row else ""}

    return app


def _sa_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def recreate(url: str) -> None:
    parsed = make_url(_sa_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    runner.upgrade(url)


def seed(url: str, storage: Path) -> tuple[list[uuid.UUID], uuid.UUID, uuid.UUID]:
    from sqlalchemy import select

    from cspdesk.models.customer import Customer
    from cspdesk.models.user import User
    from cspdesk.support.demo import load_support_demo

    database = Database.from_url(url)
    with database.unit_of_work() as session:
        load_demo(session, clock.today())
        load_support_demo(session, LocalStorage(storage), clock.today())
        customers = list(session.execute(select(Customer.id)).scalars())
        staff = session.execute(select(User.id).where(User.email == "helpdesk@partner.example")).scalar_one()
        portal = session.execute(select(User.id).where(User.email == "admin@contoso.de")).scalar_one()
    database.engine.dispose()
    return customers, staff, portal


def _copy(conn: psycopg.Connection, table: str, columns: list[str], rows: io.StringIO) -> None:
    rows.seek(0)
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := rows.read(1 << 20):
            copy.write(chunk)


def bulk(url: str, customers: list[uuid.UUID], agents: list[uuid.UUID], n_tickets: int, n_messages: int) -> None:
    """Tickets with their created event and messages, via COPY; numbers start above the demo's."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    ticket_cols = [
        "id",
        "number",
        "customer_id",
        "requester_email",
        "requester_name",
        "subject",
        "description",
        "category",
        "service",
        "severity",
        "priority",
        "status",
        "via",
        "assignee_id",
        "triage",
        "resolution_due_at",
        "sla_breached",
        "first_response_breached",
        "resolution_breached",
        "microsoft_minutes",
        "event_seq",
        "created_at",
        "updated_at",
    ]
    tickets, events, ids = io.StringIO(), io.StringIO(), []
    for i in range(n_tickets):
        tid, created = uuid.uuid4(), now - timedelta(minutes=rng.randint(1, 525_600))
        ids.append(tid)
        status = rng.choice(STATUSES)
        due = (created + timedelta(hours=rng.randint(1, 72))).isoformat() if status in ("new", "open") else r"\N"
        assignee = str(rng.choice(agents)) if rng.random() < 0.7 else r"\N"
        breached = "t" if rng.random() < 0.1 else "f"
        tickets.write(
            "\t".join(
                [
                    str(tid),
                    str(100_000 + i),
                    str(rng.choice(customers)),
                    "user@example.test",
                    "User",
                    f"Bench ticket {i}",
                    "Something is wrong",
                    rng.choice(CATEGORIES),
                    rng.choice(SERVICES),
                    rng.choice("ABC"),
                    "normal",
                    status,
                    "portal",
                    assignee,
                    "f",
                    due,
                    breached,
                    breached,
                    "f",
                    "0",
                    "1",
                    created.isoformat(),
                    created.isoformat(),
                ]
            )
            + "\n"
        )
        events.write(f"{uuid.uuid4()}\t{tid}\t{created.isoformat()}\t1\tcreated\tbench\t\n")
    messages = io.StringIO()
    for j in range(n_messages):
        kind = "internal" if j % 5 == 0 else "public"
        messages.write(
            f"{uuid.uuid4()}\t{ids[j % n_tickets]}\t{kind}\tbench\t{'t' if j % 2 else 'f'}\t"
            f"Message {j} with some text about the problem.\tportal\t"
            f"{(now - timedelta(minutes=j % 100_000)).isoformat()}\n"
        )
    with psycopg.connect(url) as conn:
        _copy(conn, "tickets", ticket_cols, tickets)
        _copy(conn, "ticket_events", ["id", "ticket_id", "at", "seq", "kind", "actor_label", "detail"], events)
        _copy(
            conn,
            "ticket_messages",
            ["id", "ticket_id", "kind", "author_label", "from_staff", "body", "via", "created_at"],
            messages,
        )
        conn.execute("UPDATE counters SET value = %s WHERE name = 'ticket'", (100_000 + n_tickets,))
        conn.execute("ANALYZE")


def credentials(url: str, staff: uuid.UUID, portal: uuid.UUID) -> tuple[str, str]:
    cookie, token = crypto.random_token(), "csp_" + crypto.random_token()
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO web_sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (uuid.uuid4(), crypto.sha256_hex(cookie), staff, now, now + timedelta(days=1), now + timedelta(days=1)),
        )
        conn.execute(
            "INSERT INTO api_tokens (id, name, prefix, token_hash, user_id, created_at, expires_at) "
            "VALUES (%s, 'bench', %s, %s, %s, %s, %s)",
            (uuid.uuid4(), token[:12], crypto.sha256_hex(token), portal, now, now + timedelta(days=1)),
        )
    return cookie, token


def serve(
    module_app: str, port: int, env: dict[str, str], workers: int, factory: bool = False
) -> subprocess.Popen[bytes]:
    """uvicorn with the same settings for the baseline and cspdesk, started as `cspdesk serve` starts it (one
    SO_REUSEPORT socket per worker, TCP_NODELAY, see cspdesk/web/workers.py), without access log."""
    cmd = [
        sys.executable,
        "-m",
        "cspdesk.web.workers",
        module_app,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ] + (["--factory"] if factory else [])
    process = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz" if not factory else f"http://127.0.0.1:{port}/docs")
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{module_app} did not start")


def wrk(url: str, duration: int, headers: list[str], script: str | None = None) -> dict[str, float]:
    """A warm-up load first (same connections, not recorded): it reaches every worker, which builds its routes,
    compiles its templates and fills its connection pool; then the measured load."""
    _run_wrk(url, WARM_UP_SECONDS, headers, script)
    load_before = os.getloadavg()[0]
    return _run_wrk(url, duration, headers, script) | {"load_before": load_before}


def _run_wrk(url: str, duration: int, headers: list[str], script: str | None) -> dict[str, float]:
    cmd = [
        "wrk",
        "-t",
        "2",
        "-c",
        "50",
        "-d",
        f"{duration}s",
        "--latency",
        *[part for h in headers for part in ("-H", h)],
    ]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    # wrk leaves requests slower than its 2 s timeout out of the percentiles; report them beside the figures.
    timeouts = re.search(r"timeout (\d+)", out)
    return {
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "rps": rps,
        "errors": float(non2xx.group(1) if non2xx else 0),
        "timeouts": float(timeouts.group(1) if timeouts else 0),
        "load1": os.getloadavg()[0],
    }


def rotating_script(path_template: str, count: int, method: str = "GET", body: str = "") -> str:
    lua = f"""
counter = 0
request = function()
  counter = counter + 1
  local path = string.format("{path_template}", 100000 + (counter * 7919) % {count})
  return wrk.format("{method}", path, nil, {("[[" + body + "]]") if body else "nil"})
end
"""
    return _lua_file(lua)


def _lua_file(source: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(source)
    return handle.name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/support_bench")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers, for the baseline and cspdesk alike")
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run of this version")
    parser.add_argument("--loads", default=",".join(LOADS), help=f"which of {', '.join(LOADS)} (the baseline always)")
    args = parser.parse_args()
    started = time.monotonic()
    storage = Path(tempfile.mkdtemp())
    if args.reuse:
        staff, portal = existing_users(args.database_url)
    else:
        recreate(args.database_url)
        customers, staff, portal = seed(args.database_url, storage)
        bulk(args.database_url, customers, [staff], args.tickets, args.messages)
    print(f"data ready in {time.monotonic() - started:.0f}s")
    cookie, token = credentials(args.database_url, staff, portal)
    with psycopg.connect(args.database_url) as conn:
        ticket_ids = [str(r[0]) for r in conn.execute("SELECT id FROM tickets ORDER BY number LIMIT 1000")]
    env = {
        **os.environ,
        "CSPDESK_DATABASE_URL": args.database_url,
        "CSPDESK_SECRET_KEY": "bench-secret-0123456789",
        "CSPDESK_DATA_DIR": str(storage),
        "BENCH_SQLALCHEMY_URL": _sa_url(args.database_url),
        # The caller's PYTHONPATH first: a copy of an older src/ there is measured instead of the installed one.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [os.environ.get("PYTHONPATH"), str(Path(__file__).resolve().parent.parent)])
        ),
    }
    loads = [name for name in args.loads.split(",") if name]
    assert set(loads) <= set(LOADS), f"--loads takes {', '.join(LOADS)}"
    results = run_loads(args.duration, args.workers, env, (cookie, token), ticket_ids, loads)
    for name, r in results.items():
        print(
            f"{name:<12} p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms  {r['rps']:8.1f} req/s  "
            f"non-2xx {r['errors']:.0f}  timeouts {r['timeouts']:.0f}  "
            f"load1 before {r['load_before']:.2f} after {r['load1']:.2f}"
        )
    if "create" in results:
        print(f"creation / baseline rps: {results['create']['rps'] / results['baseline']['rps']:.2%}")


def existing_users(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    with psycopg.connect(url) as conn:
        staff = conn.execute("SELECT id FROM users WHERE email = 'helpdesk@partner.example'").fetchone()
        portal = conn.execute("SELECT id FROM users WHERE email = 'admin@contoso.de'").fetchone()
    assert staff and portal, "no bench data: run once without --reuse"
    return staff[0], portal[0]


def check(base: str, headers: dict[str, str], paths: list[str], method: str = "GET", body: str = "") -> None:
    """A few requests before each load: a failing page stops the run instead of measuring error responses."""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for path in paths:
            response = client.request(method, path, content=body or None)
            assert response.status_code < 400, (path, response.status_code, response.text[:300])


def run_loads(
    duration: int, workers: int, env: dict[str, str], secrets: tuple[str, str], ticket_ids: list[str], loads: list[str]
) -> dict[str, dict[str, float]]:
    """The baseline first, then cspdesk; one server at a time so that neither holds connections or CPU
    while the other is measured."""
    base = serve("bench.support_bench:baseline_app", 8766, env, workers, True)
    try:
        check("http://127.0.0.1:8766", {}, [f"/baseline/{100_000 + i}" for i in range(3)])
        results = {"baseline": wrk("http://127.0.0.1:8766", duration, [], rotating_script("/baseline/%d", 200_000))}
    finally:
        base.terminate()
        base.wait()
    app = serve("cspdesk.asgi:app", 8765, env, workers)
    try:
        results |= run_app_loads(duration, secrets, ticket_ids, loads)
    finally:
        app.terminate()
        app.wait()
    return results


def run_app_loads(
    duration: int, secrets: tuple[str, str], ticket_ids: list[str], loads: list[str]
) -> dict[str, dict[str, float]]:
    site, results = "http://127.0.0.1:8765", {}
    cookie, token = secrets
    cookie_header = f"Cookie: cspdesk_session={cookie}"
    session_headers = {"Cookie": f"cspdesk_session={cookie}"}
    if "queue" in loads:
        check(site, session_headers, ["/console/tickets"])
        results["queue"] = wrk(f"{site}/console/tickets", duration, [cookie_header])
    if "ticket_page" in loads:
        ticket_lua = _lua_file(
            "ids = {" + ",".join(f'"{i}"' for i in ticket_ids) + "}\ncounter = 0\n"
            "request = function()\n counter = counter + 1\n"
            " return wrk.format('GET', '/console/tickets/' .. ids[(counter % #ids) + 1])\nend\n"
        )
        check(site, session_headers, [f"/console/tickets/{i}" for i in ticket_ids[:3]])
        results["ticket_page"] = wrk(site, duration, [cookie_header], ticket_lua)
    if "create" in loads:
        body = '{"subject": "Bench created", "description": "load", "category": "technical", "severity": "B"}'
        api_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        check(site, api_headers, ["/api/tickets"], "POST", body)
        create = rotating_script("/api/tickets", 1, "POST", body)
        results["create"] = wrk(site, duration, [f"{k}: {v}" for k, v in api_headers.items()], create)
    return results


if __name__ == "__main__":
    main()
