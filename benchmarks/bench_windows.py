"""Benchmark: a 7d vs 30d windowed compare on a large prediction log in SQLite and
PostgreSQL, against profiling the whole table.

    python benchmarks/bench_windows.py --rows 10000000            # SQLite only
    python benchmarks/bench_windows.py --rows 10000000 --pg URL   # and PostgreSQL

The log spans 365 days evenly (ts, four numeric features, one categorical); the windowed
compare should read only the 37 days of its two windows (about 10% of the rows). Each
measurement runs in a fresh process, so its peak RSS is its own. Reported per database:
rows the database returned to driftcli, wall time and peak memory, for the windowed compare
and for a profile of the whole table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

DAYS = 365
START = datetime(2025, 1, 1)
CHUNK = 500_000


def chunks(rows: int) -> Iterator[pa.Table]:
    """The log in chunks of at most CHUNK rows, deterministic."""
    rng = np.random.default_rng(7)
    step = DAYS * 86_400 / rows
    for lo in range(0, rows, CHUNK):
        n = min(CHUNK, rows - lo)
        secs = (np.arange(lo, lo + n) * step).astype("int64")
        ts = (np.datetime64(START, "s") + secs).astype("datetime64[us]")
        cols = {"ts": pa.array(ts)}
        for i in range(4):
            cols[f"x{i}"] = pa.array(rng.normal(i, 1 + i, n).round(4))
        cols["segment"] = pa.array(rng.choice(["a", "b", "c", "d"], n))
        yield pa.table(cols)


def make_sqlite(path: Path, rows: int) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE log (ts TEXT, x0 REAL, x1 REAL, x2 REAL, x3 REAL, segment TEXT)")
        for t in chunks(rows):
            d = t.to_pydict()
            ts = [v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in d["ts"]]
            db.executemany(
                "INSERT INTO log VALUES (?, ?, ?, ?, ?, ?)",
                zip(ts, d["x0"], d["x1"], d["x2"], d["x3"], d["segment"], strict=True),
            )
        db.execute("CREATE INDEX log_ts ON log (ts)")
    return f"sqlite:///{path}"


def make_postgres(url: str, rows: int) -> str:
    import adbc_driver_postgresql.dbapi as dbapi

    with dbapi.connect(url) as conn, conn.cursor() as cur:
        for i, t in enumerate(chunks(rows)):
            cur.adbc_ingest("bench_log", t, mode="replace" if i == 0 else "append")
        cur.execute("CREATE INDEX IF NOT EXISTS bench_log_ts ON bench_log (ts)")
        cur.execute("ANALYZE bench_log")
        conn.commit()
    return url


def measure(mode: str, url: str, table: str) -> dict[str, float]:
    """Run in a child process: one windowed compare, or one whole-table profile."""
    from driftcli.api import compare
    from driftcli.profiles import build
    from driftcli.sources import open_source
    from driftcli.windows import Selection

    t0 = time.perf_counter()
    if mode == "window":
        sel = Selection(table=table, time_column="ts", current_window="7d", reference_window="30d")
        result = compare(url, selection=sel)
        rows = result.reference.rows + result.current.rows
    else:
        src = open_source(url, role="current", table=table)
        names = [n for n in src.schema().names if n != "ts"]
        prof = build(
            src.batches(names),
            src.projected_schema(names),
            role="current",
            path=src.path,
            fmt=src.format,
        )
        rows = prof.rows
    seconds = time.perf_counter() - t0
    peak = peak_mib()
    return {"rows_read": rows, "seconds": round(seconds, 2), "peak_mib": round(peak)}


def peak_mib() -> float:
    """This process's peak RSS. ``ru_maxrss`` survives exec (a child started by a big parent
    reports the parent's peak), so read VmHWM, which starts afresh with the new program."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(mode: str, url: str, table: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", mode, url, table],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--pg", default=os.environ.get("DRIFTCLI_TEST_PG_URL"))
    parser.add_argument("--measure", nargs=3, metavar=("MODE", "URL", "TABLE"))
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        targets = []
        t0 = time.perf_counter()
        targets.append(("sqlite", make_sqlite(Path(tmp) / "log.db", args.rows), "log"))
        print(f"made SQLite log: {args.rows:,} rows in {time.perf_counter() - t0:.0f} s")
        if args.pg:
            t0 = time.perf_counter()
            targets.append(("postgresql", make_postgres(args.pg, args.rows), "bench_log"))
            print(f"made PostgreSQL log: {args.rows:,} rows in {time.perf_counter() - t0:.0f} s")
        print(f"{'database':<11} {'run':<22} {'rows read':>11} {'seconds':>8} {'peak MiB':>9}")
        for name, url, table in targets:
            for mode, label in (("window", "7d vs 30d compare"), ("full", "whole-table profile")):
                r = child(mode, url, table)
                print(
                    f"{name:<11} {label:<22} {int(r['rows_read']):>11,} {r['seconds']:>8} "
                    f"{int(r['peak_mib']):>9}"
                )


if __name__ == "__main__":
    main()
