"""Profile N rows with local Spark, local Dask and the local streaming engine.

Run from the repository root (needs the spark and dask extras and Java 17)::

    python benchmarks/bench_engines.py                  # 100M rows (every part there is)
    python benchmarks/bench_engines.py --rows 10000000  # the first 10 parts

Data: the 1,000,000-row, 30-column Parquet parts of ``bench_profile.py``
(``benchmarks/data/profile_bench_s20261124/current/part-*.parquet``, git-ignored; ``--data``
to point at another copy). Missing parts of the default directory are written once with
``bench_profile.py``'s generator (about 130 MB and 25 s per part). The first
``ceil(rows / 1M)`` parts are linked into one directory so every engine reads the same input.
Each engine runs in a child process timed by this script:

* ``local``: ``driftcli.profile(DIR)``, what ``driftcli profile DIR --engine local`` runs (the
  streaming source, batches of 131,072 rows; one process);
* ``spark``: ``driftcli.engines.profile_parquet(..., "spark")`` on ``local[W]``;
* ``dask``: the same on a ``LocalCluster`` of W worker processes, one thread each.

For each: wall time, the driver's peak RSS (the child's own ``ru_maxrss``: for Spark the
Python driver, not the JVM), the peak RSS of the whole process tree (JVM, Python workers,
Dask worker processes; sampled every 0.2 s from /proc), and the profile's bytes. Then the
inputs of the projection: one partition's partial profile (1M rows, in this process:
seconds, bytes) and the cost of merging partials. This is a
benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "profile_bench_s20261124" / "current"
ROWS_PER_PART = 1_000_000


def child(engine: str, source: str, out: str, workers: int) -> None:
    """Profile ``source`` with ``engine`` in this process; print a JSON line of figures."""
    from driftcli.settings import Settings

    start = time.perf_counter()
    if engine == "local":
        from driftcli import api

        prof = api.profile(source, Settings(), role="current")
    else:
        from driftcli import engines

        prof = engines.profile_parquet(
            source,
            engine,
            Settings(),
            spark_master=f"local[{workers}]",
            dask_scheduler=None,
        )
    prof.save(out)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rows": prof.rows, "inner_wall": wall, "driver_rss": rss}))


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants now (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_child(engine: str, source: Path, out: Path, workers: int) -> dict[str, Any]:
    """Run one engine as a child; wall time, and peak RSS of its whole process tree (the
    Spark JVM and Dask's worker processes included), sampled every 0.2 s."""
    cmd = [sys.executable, __file__, "--child", engine, str(source), str(out), str(workers)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    status = proc.returncode
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{engine} failed:\n{stderr[-3000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    return {
        "engine": engine,
        "wall_s": round(wall, 1),
        "rows": figures["rows"],
        "driver_peak_rss_mb": round(figures["driver_rss"] / 2**20),
        "tree_peak_rss_mb": round(peak[0] / 2**20),
        "profile_bytes": out.stat().st_size,
    }


def partition_cost(part: Path, copies: int) -> dict[str, Any]:
    """One 1M-row partition's partial profile (time, bytes), and merging ``copies`` of
    such partials (on one core, as a reduction node does)."""
    import pyarrow.dataset as ds

    from driftcli import engines
    from driftcli.settings import Settings

    data = ds.dataset(str(part), format="parquet")
    plan = engines.plan(
        data.schema, Settings(), role="current", path=None, fmt="bench", where=str(part)
    )
    start = time.perf_counter()
    cpu = time.process_time()
    blob = engines.partial(data.to_batches(batch_size=131_072), plan)
    part_wall, part_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    merged = engines.merge_blobs(*([blob] * copies))
    merge_wall = time.perf_counter() - start
    return {
        "partition_rows": data.count_rows(),
        "partial_wall_s": round(part_wall, 2),
        "partial_cpu_s": round(part_cpu, 2),
        "partial_bytes": len(blob),
        "merge_copies": copies,
        "merge_wall_s": round(merge_wall, 2),
        "merged_bytes": len(merged),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000, help="rows to profile")
    parser.add_argument("--data", type=Path, default=DATA, help="directory of part-*.parquet")
    parser.add_argument("--engines", default="local,spark,dask", help="comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="Spark cores / Dask workers")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    wanted = math.ceil(args.rows / ROWS_PER_PART)
    parts = sorted(args.data.glob("part-*.parquet"))
    if len(parts) < wanted and args.data == DATA:  # write the missing parts once
        sys.path.insert(0, str(HERE))
        from bench_profile import ensure, in_child

        in_child(ensure, wanted)
        parts = sorted(args.data.glob("part-*.parquet"))
    if len(parts) < wanted:
        raise SystemExit(f"{args.data}: {len(parts)} parts, {wanted} needed for {args.rows:,}")
    work = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    try:
        source = work / "input"
        source.mkdir()
        for p in parts[:wanted]:
            (source / p.name).symlink_to(p.resolve())
        with open("/proc/loadavg") as fh:
            load = fh.read().split()[:3]
        report: dict[str, Any] = {
            "rows": wanted * ROWS_PER_PART,
            "parts": wanted,
            "workers": args.workers,
            "cpus": os.cpu_count(),
            "load_before": load,
            "nice": os.nice(0),
            "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "runs": [],
        }
        for engine in args.engines.split(","):
            res = run_child(engine, source, work / f"{engine}.profile", args.workers)
            print(json.dumps(res), flush=True)
            report["runs"].append(res)
        report["partition"] = partition_cost(parts[0], copies=16)
        print(json.dumps(report["partition"]), flush=True)
        with open("/proc/loadavg") as fh:
            report["load_after"] = fh.read().split()[:3]
        if args.json:
            args.json.write_text(json.dumps(report, indent=1) + "\n")
        print(json.dumps(report, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
