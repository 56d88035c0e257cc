"""Benchmark `cspdesk import` against the Polars floor and a pandas script, on the same generated files.

    .venv/bin/python bench/import_bench.py --usage-rows 1000000 --recon-rows 100000 \
        --pg-url postgresql://postgres@127.0.0.1:5432/postgres

Each measurement runs in its own subprocess; wall time by the parent, peak RSS by the child itself
(getrusage RUSAGE_SELF at exit). Not a test: prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
RSS_PROBE = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
)
IMPORT_CODE = RSS_PROBE + "from cspdesk.cli import app\nsys.argv = ['cspdesk', *sys.argv[1:]]\napp()\n"
POLARS_CODE = RSS_PROBE + (
    "import polars as pl\n"
    "out = (pl.scan_csv(sys.argv[1]).group_by('CustomerId', 'EntitlementId', 'MeterId', 'UsageDate')"
    ".agg(pl.col('BillingPreTaxTotal').sum()).collect(engine='streaming'))\n"
    "print(out.height)\n"
)
PANDAS_CODE = RSS_PROBE + (
    "import pandas as pd\n"
    "frame = pd.read_csv(sys.argv[1], low_memory=False)\n"
    "out = frame.groupby(['CustomerId', 'EntitlementId', 'MeterId', 'UsageDate'])['BillingPreTaxTotal'].sum()\n"
    "print(len(out))\n"
)


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("generate_pc_files", HERE / "generate_pc_files.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_pc_files"] = module
    spec.loader.exec_module(module)
    return module


def run(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and the child's peak RSS in MB."""
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", code, *args], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{args}: {done.stderr[-2000:]}")
    rss_kb = int(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("MAXRSS_KB")))
    return wall, rss_kb // 1024


def fresh_database(kind: str, work: Path, pg_url: str | None) -> str:
    if kind == "sqlite":
        path = work / "bench.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        assert pg_url
        from sqlalchemy import create_engine, text

        admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS cspdesk_import_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE cspdesk_import_bench"))
        admin.dispose()
        url = pg_url.rsplit("/", 1)[0] + "/cspdesk_import_bench"
    from cspdesk.migrations import runner

    runner.upgrade(url)
    return url


def measure_file(
    path: Path, rows: int, work: Path, pg_url: str | None, usage: bool, pandas: bool = True
) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    env = {"CSPDESK_DATA_DIR": str(work / "var"), "PATH": "/usr/bin:/bin"}
    for database in ["sqlite", *(["postgresql"] if pg_url else [])]:
        url = fresh_database(database, work, pg_url)
        load = os.getloadavg()[0]
        wall, rss = run(IMPORT_CODE, "import", str(path), "--database-url", url, env=env)
        what = f"cspdesk import ({database})"
        results.append({"what": what, "file": path.name, "rows": rows, "s": wall, "rss": rss, "load": load})
    if usage:
        baselines = [("Polars scan_csv + group_by (floor)", POLARS_CODE)]
        if pandas:
            baselines.append(("pandas read_csv + groupby", PANDAS_CODE))
        for name, code in baselines:
            load = os.getloadavg()[0]
            wall, rss = run(code, str(path))
            results.append({"what": name, "file": path.name, "rows": rows, "s": wall, "rss": rss, "load": load})
    return results


def table(results: list[dict[str, object]]) -> str:
    lines = [
        "| measurement | file | rows | wall s | rows/s | peak RSS MB | load before |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        seconds = float(r["s"])  # type: ignore[arg-type]
        rows = int(r["rows"])  # type: ignore[call-overload]
        lines.append(
            f"| {r['what']} | {r['file']} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {r['rss']} "
            f"| {float(r['load']):.1f} |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--usage-rows", type=int, default=1_000_000)
    parser.add_argument("--recon-rows", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cspdesk-import-bench"))
    parser.add_argument("--pg-url", default=None, help="PostgreSQL server URL (a scratch database is created)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas script (it holds the whole file)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    gen = _generator()
    usage_path, recon_path = (
        args.work / f"daily_usage_{args.usage_rows}.csv",
        args.work / f"nce_recon_{args.recon_rows}.csv",
    )
    if not usage_path.exists():
        gen.write_daily_usage_file(usage_path, args.usage_rows)  # type: ignore[attr-defined]
    if args.recon_rows and not recon_path.exists():
        gen.write_recon_file(recon_path, args.recon_rows)  # type: ignore[attr-defined]
    results = measure_file(usage_path, args.usage_rows, args.work, args.pg_url, usage=True, pandas=not args.no_pandas)
    if args.recon_rows:
        results += measure_file(recon_path, args.recon_rows, args.work, args.pg_url, usage=False)
    print(table(results))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
