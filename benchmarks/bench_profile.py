"""Compare a saved reference profile with a very large current side, beside the read floor.

Run from the repository root (needs about 25 GB of disk for the default 100M rows)::

    python benchmarks/bench_profile.py                       # 1M-row reference, 100M current
    python benchmarks/bench_profile.py --parts 10            # 10M current rows only
    python benchmarks/bench_profile.py --memory 5            # peak memory, 1M against 10M

It writes (once, into the git-ignored ``benchmarks/data/``) a 1,000,000-row reference Parquet
file and a directory of 1,000,000-row Parquet parts (row groups of 131,072 rows) for the
current side, drawn with ``bench_compare.py``'s 30-column generator (drift planted in the same
columns). Then, each as a child process timed by the script (wall, CPU, peak RSS from
``os.wait4``):

1. ``driftcli profile reference.parquet -o reference.profile`` (and the profile's size);
2. ``driftcli compare reference.parquet reference.parquet-sized current`` for 1M rows: raw
   against raw and saved profile against raw;
3. the floor: pyarrow reading every part of the current directory, the same columns, batch by
   batch (nothing kept);
4. ``driftcli compare reference.profile CURRENT_DIR --json OUT`` on the first 10 parts (10M
   rows) and on all parts (100M rows).

``--memory ROUNDS`` measures only whether peak memory grows with rows: in each round, one after
the other, the streaming floor (pyarrow reading the parts exactly as driftcli does, one row
group at a time with the command's jemalloc pool, nothing kept) over 1M and 10M rows, then the
saved-profile compare over 1M and 10M rows; it prints every round and the median 10M/1M peak
ratios. Runs interleave because this machine's speed and memory behaviour drift within minutes.

This is a benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_compare import (  # noqa: E402
    SEED,
    Run,
    child_env,
    column_specs,
    driftcli_command,
    make_table,
)

DATA = HERE / "data"
ROWS_PER_PART = 1_000_000
ROW_GROUP = 131_072

FLOOR = """
import sys, pyarrow.dataset as ds
d = ds.dataset(sys.argv[1], format="parquet")
rows = 0
for batch in d.to_batches(columns=d.schema.names, batch_size=131072, use_threads=True):
    rows += batch.num_rows
print(rows)
"""

# driftcli's own read (sources/parquet.py): each part row group by row group, under the pool
# the command picks before pyarrow loads; the floor of what peak memory can be when streaming
STREAM_FLOOR = """
import os, sys
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
from pathlib import Path
import pyarrow.parquet as pq
rows = 0
for part in sorted(Path(sys.argv[1]).glob("*.parquet")):
    with pq.ParquetFile(part) as pf:
        names = pf.schema_arrow.names
        for g in range(pf.metadata.num_row_groups):
            if pf.metadata.row_group(g).num_rows <= 131072:  # a group within a batch: whole
                batches = pf.read_row_group(g, columns=names, use_threads=True).to_batches()
            else:
                batches = pf.iter_batches(
                    batch_size=131072, row_groups=[g], columns=names, use_threads=True
                )
            for batch in batches:
                rows += batch.num_rows
print(rows)
"""


T = TypeVar("T")


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a fresh process. Writing the data grows a process by gigabytes, and
    Linux carries a process's peak RSS over fork and exec into every child it starts later:
    measured children of a parent that wrote the data would report the writer's peak."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def run(cmd: list[str]) -> tuple[Run, str]:
    """Run a child, return its wall time, CPU time, peak RSS and stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env()
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.strip()}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code), out


def ensure(parts: int) -> tuple[Path, Path]:
    """The reference file and a directory of ``parts`` current parts (written once)."""
    folder = DATA / f"profile_bench_s{SEED}"
    folder.mkdir(parents=True, exist_ok=True)
    specs = column_specs(20, 10)
    ref = folder / "reference.parquet"
    if not ref.exists():
        pq.write_table(
            make_table(specs, ROWS_PER_PART, drifted=False, seed=SEED),
            ref,
            row_group_size=ROW_GROUP,
        )
    cur = folder / "current"
    cur.mkdir(exist_ok=True)
    started = time.perf_counter()
    for i in range(parts):
        part = cur / f"part-{i:04d}.parquet"
        if part.exists():
            continue
        table = make_table(specs, ROWS_PER_PART, drifted=True, seed=SEED + 1 + i)
        tmp = part.with_suffix(".tmp")
        pq.write_table(table, tmp, row_group_size=ROW_GROUP)
        tmp.replace(part)
        print(f"wrote {part.name} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return ref, cur


def subset(cur: Path, parts: int) -> Path:
    """A directory holding hard links to the first ``parts`` parts."""
    out = cur.parent / f"current_{parts}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    for i in range(parts):
        os.link(cur / f"part-{i:04d}.parquet", out / f"part-{i:04d}.parquet")
    return out


def line(what: str, r: Run, rows: int | None = None) -> str:
    rate = f"  {rows / r.seconds / 1e6:6.1f} M rows/s" if rows else ""
    return (
        f"{what:<46} {r.seconds:8.2f} s wall {r.cpu_seconds:8.2f} s CPU "
        f"{r.peak_mib:8.0f} MiB peak{rate}"
    )


def memory_rounds(rounds: int, cli: list[str], ref: Path, cur: Path) -> None:
    """Peak RSS at 1M and 10M rows, interleaved round by round: the streaming floor and the
    saved-profile compare, with the median 10M/1M ratio of each."""
    folder = ref.parent
    prof = folder / "reference.profile"
    if not prof.exists():
        run([*cli, "profile", str(ref), "-o", str(prof), "-q"])
    dirs = {1: subset(cur, 1), 10: subset(cur, 10)}
    out = folder / "out.json"
    peaks: dict[tuple[str, int], list[float]] = {}
    for i in range(rounds):
        cells = []
        for what in ("floor", "compare"):
            for parts, d in dirs.items():
                if what == "floor":
                    r, _ = run([sys.executable, "-c", STREAM_FLOOR, str(d)])
                else:
                    r, _ = run([*cli, "compare", str(prof), str(d), "--json", str(out), "-q"])
                peaks.setdefault((what, parts), []).append(r.peak_mib)
                cells.append(f"{what} {parts}M {r.peak_mib:4.0f} MiB")
        print(f"round {i + 1}: " + ", ".join(cells))
    for what in ("floor", "compare"):
        ratios = [b / a for a, b in zip(peaks[what, 1], peaks[what, 10], strict=True)]
        print(
            f"{what:<8} 1M median {statistics.median(peaks[what, 1]):4.0f} MiB, "
            f"10M median {statistics.median(peaks[what, 10]):4.0f} MiB, "
            f"10M/1M per round {min(ratios):.3f}-{max(ratios):.3f}, "
            f"median {statistics.median(ratios):.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=100, help="current parts of 1M rows")
    ap.add_argument(
        "--memory", type=int, default=0, metavar="ROUNDS", help="only the 1M/10M peak rounds"
    )
    args = ap.parse_args(argv)
    ref, cur = in_child(ensure, 10 if args.memory else args.parts)
    cli = driftcli_command()
    if args.memory:
        memory_rounds(args.memory, cli, ref, cur)
        return 0
    folder = ref.parent
    prof = folder / "reference.profile"
    report: dict[str, object] = {}

    r, _ = run([*cli, "profile", str(ref), "-o", str(prof), "-q"])
    print(line("profile 1M-row reference", r, ROWS_PER_PART))
    print(f"{'reference profile size':<46} {prof.stat().st_size / 1e6:8.2f} MB")
    report["profile_1m"] = vars(r) | {"bytes": prof.stat().st_size}

    one = subset(cur, 1)
    first = one / "part-0000.parquet"
    out = folder / "out.json"
    r_raw, _ = run([*cli, "compare", str(ref), str(first), "--json", str(out), "-q"])
    print(line("compare 1M raw reference vs 1M", r_raw, 2 * ROWS_PER_PART))
    r_prof, _ = run([*cli, "compare", str(prof), str(first), "--json", str(out), "-q"])
    print(line("compare 1M saved profile vs 1M", r_prof, ROWS_PER_PART))
    report["compare_1m_raw"], report["compare_1m_profile"] = vars(r_raw), vars(r_prof)

    for parts in sorted({1, min(10, args.parts), args.parts}):
        d = subset(cur, parts)
        rows = parts * ROWS_PER_PART
        floor, _ = run([sys.executable, "-c", FLOOR, str(d)])
        print(line(f"floor: pyarrow reads {rows / 1e6:.0f}M rows", floor, rows))
        r, _ = run([*cli, "compare", str(prof), str(d), "--json", str(out), "-q"])
        print(line(f"compare saved profile vs {rows / 1e6:.0f}M rows", r, rows))
        print(f"{'':<46} {r.seconds / floor.seconds:8.2f} x floor")
        verdict = json.loads(out.read_text())["verdict"]
        print(f"{'':<46} exit {r.exit_code}: {verdict['reasons'][0]}")
        report[f"floor_{parts}"], report[f"compare_{parts}"] = vars(floor), vars(r)
    (folder / "bench_profile.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
