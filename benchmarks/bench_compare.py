"""Time ``driftcli compare`` on two large Parquet files and measure its peak memory.

Run from the repository root::

    python benchmarks/bench_compare.py                 # 1,000,000 rows x 30 columns, 3 runs
    python benchmarks/bench_compare.py --rows 100000 --repeat 5
    python benchmarks/bench_compare.py --numeric 40 --categorical 20

The first run writes ``reference.parquet`` and ``current.parquet`` into ``benchmarks/data/``
(git-ignored) from a fixed seed; later runs reuse them (``--regenerate`` rewrites them). Each
repetition runs ``driftcli compare REF CUR --json OUT`` as a child process and records its wall
time and its peak resident memory (``ru_maxrss`` of that child, from ``os.wait4``).

The data: ``--numeric`` numeric columns cycling through float normal, lognormal and uniform,
integers with many distinct values, and columns with nulls or NaN; ``--categorical``
categorical columns cycling through strings with 3 to 50 categories (some dictionary-encoded,
some with nulls) and one boolean. Drift is planted in the columns listed in ``DRIFTED``
(when they exist); every other column is drawn from the same distribution on both sides.

This is a benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20261124

#: Columns whose current distribution differs from the reference one.
DRIFTED = ("num_00_normal", "num_02_lognormal", "num_06_int_wide", "cat_00_s3", "cat_04_s50")

Maker = Callable[[np.random.Generator, int, bool], pa.Array]


def _with_nulls(rng: np.random.Generator, arr: pa.Array, share: float) -> pa.Array:
    mask = rng.random(len(arr)) < share
    return pa.array(arr.to_numpy(zero_copy_only=False), mask=mask, type=arr.type)


def _normal(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.normal(0.3 if drift else 0.0, 1.0, n))


def _normal_nulls(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return _with_nulls(rng, pa.array(rng.normal(100.0, 15.0, n)), 0.05)


def _lognormal(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.lognormal(np.log(50_000 * (1.3 if drift else 1.0)), 0.5, n).round(2))


def _uniform(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.uniform(-5.0, 5.0, n))


def _float_nan(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    values = rng.gamma(2.0, 3.0, n)
    values[rng.random(n) < 0.02] = np.nan
    return pa.array(values)  # NaN stays a float value, not a null


def _float32(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.standard_t(5, n).astype(np.float32))


def _int_wide(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.integers(0, 120_000 if drift else 100_000, n, dtype=np.int64))


def _int_poisson(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.poisson(400.0, n).astype(np.int32))


def _int_nulls(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return _with_nulls(rng, pa.array(rng.integers(18, 5_000, n, dtype=np.int64)), 0.1)


def _rounded(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.normal(680.0, 60.0, n).round(0))


NUMERIC: tuple[tuple[str, Maker], ...] = (
    ("normal", _normal),
    ("normal_nulls", _normal_nulls),
    ("lognormal", _lognormal),
    ("uniform", _uniform),
    ("float_nan", _float_nan),
    ("float32", _float32),
    ("int_wide", _int_wide),
    ("int_poisson", _int_poisson),
    ("int_nulls", _int_nulls),
    ("rounded", _rounded),
)


def _strings(k: int, *, dictionary: bool, nulls: float = 0.0) -> Maker:
    labels = pa.array([f"category_{i:02d}" for i in range(k)])
    base = 1.0 / np.arange(1, k + 1)  # Zipf-like shares: a few big categories, a long tail

    def make(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
        p = base[::-1] if drift else base  # drift: the tail becomes the head
        idx = rng.choice(k, size=n, p=p / p.sum()).astype(np.int32)
        mask = rng.random(n) < nulls if nulls else None
        arr = pa.DictionaryArray.from_arrays(pa.array(idx, mask=mask), labels)
        return arr if dictionary else arr.dictionary_decode()

    return make


def _boolean(rng: np.random.Generator, n: int, drift: bool) -> pa.Array:
    return pa.array(rng.random(n) < 0.7)


CATEGORICAL: tuple[tuple[str, Maker], ...] = (
    ("s3", _strings(3, dictionary=False)),
    ("d5", _strings(5, dictionary=True)),
    ("s8_nulls", _strings(8, dictionary=False, nulls=0.03)),
    ("bool", _boolean),
    ("s50", _strings(50, dictionary=False)),
    ("d12", _strings(12, dictionary=True)),
    ("s20", _strings(20, dictionary=False)),
    ("d30_nulls", _strings(30, dictionary=True, nulls=0.01)),
    ("s4", _strings(4, dictionary=False)),
    ("s40", _strings(40, dictionary=False)),
)


def column_specs(numeric: int, categorical: int) -> list[tuple[str, Maker]]:
    """Names and generators of every column; the templates repeat when more are asked for."""
    specs = []
    for i in range(numeric):
        kind, make = NUMERIC[i % len(NUMERIC)]
        specs.append((f"num_{i:02d}_{kind}", make))
    for i in range(categorical):
        kind, make = CATEGORICAL[i % len(CATEGORICAL)]
        specs.append((f"cat_{i:02d}_{kind}", make))
    return specs


def make_table(specs: list[tuple[str, Maker]], rows: int, *, drifted: bool, seed: int) -> pa.Table:
    """One side of the benchmark: every column from its own seeded generator."""
    arrays, names = [], []
    for i, (name, make) in enumerate(specs):
        rng = np.random.default_rng([seed, i, int(drifted)])
        arrays.append(make(rng, rows, drifted and name in DRIFTED))
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def ensure_data(
    rows: int, numeric: int, categorical: int, *, regenerate: bool
) -> tuple[Path, Path]:
    """Write (once) and return the reference and current Parquet files for this shape."""
    folder = DATA / f"r{rows}_n{numeric}_c{categorical}_s{SEED}"
    ref, cur = folder / "reference.parquet", folder / "current.parquet"
    if regenerate or not (ref.exists() and cur.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        specs = column_specs(numeric, categorical)
        started = time.perf_counter()
        for path, drifted in ((ref, False), (cur, True)):
            table = make_table(specs, rows, drifted=drifted, seed=SEED)
            tmp = path.with_suffix(".tmp")
            pq.write_table(table, tmp)
            tmp.replace(path)
        print(f"generated {folder} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return ref, cur


@dataclass
class Run:
    """One timed child process."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    exit_code: int


def child_env() -> dict[str, str]:
    """The environment of a timed child. ``PYTHONDONTWRITEBYTECODE`` is dropped: with it
    every run recompiles driftcli's modules from source (0.2 s), which no installed copy
    does (pip writes the bytecode at install time)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def driftcli_command() -> list[str]:
    """The installed ``driftcli`` script, else ``python -m driftcli``."""
    script = shutil.which("driftcli")
    return [script] if script else [sys.executable, "-m", "driftcli"]


def run_once(cmd: list[str]) -> tuple[Run, str]:
    """Run ``cmd``; wall time, CPU time, the child's peak RSS and exit code, and its stderr."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=child_env())
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1 / 1024 / 1024 if sys.platform == "darwin" else 1 / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss * scale, proc.returncode), stderr


def summary(out: Path) -> str:
    """The drifted columns according to the JSON written by the last run."""
    data = json.loads(out.read_text())
    drifted = [c["name"] for c in data["columns"] if c.get("drift")]
    share = data["dataset_drift"]
    return (
        f"drifted columns ({share['drifted_columns']}/{share['total_columns']}): "
        f"{', '.join(drifted) or 'none'}"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse options, make the data if needed, time the runs and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per side")
    parser.add_argument("--numeric", type=int, default=20, help="numeric columns")
    parser.add_argument("--categorical", type=int, default=10, help="categorical columns")
    parser.add_argument("--repeat", "-n", type=int, default=3, help="timed runs")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the data files")
    parser.add_argument(
        "--generate-only", action="store_true", help="write the data files and exit"
    )
    parser.add_argument(
        "--command",
        help="how to start driftcli, e.g. 'python -m driftcli' (default: the driftcli script)",
    )
    parser.add_argument("extra", nargs="*", help="extra arguments for driftcli compare (after --)")
    args = parser.parse_args(argv)

    ref, cur = ensure_data(args.rows, args.numeric, args.categorical, regenerate=args.regenerate)
    if args.generate_only:
        print(ref.parent)
        return 0

    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        start = shlex.split(args.command) if args.command else driftcli_command()
        cmd = [*start, "compare", str(ref), str(cur), "--json", str(out), *args.extra]
        print("$ " + " ".join(cmd))
        for i in range(args.repeat):
            run, stderr = run_once(cmd)
            if run.exit_code not in (0, 1):
                print(stderr, file=sys.stderr)
                print(f"run {i + 1}: driftcli exited with {run.exit_code}", file=sys.stderr)
                return 2
            runs.append(run)
        print(summary(out))

    print(f"\n{args.rows:,} rows x {args.numeric + args.categorical} columns per side")
    print(f"{'run':>5}  {'wall s':>8}  {'cpu s':>7}  {'peak RSS MiB':>12}  {'exit':>4}")
    for i, run in enumerate(runs, start=1):
        print(
            f"{i:>5}  {run.seconds:>8.2f}  {run.cpu_seconds:>7.2f}  {run.peak_mib:>12.0f}"
            f"  {run.exit_code:>4}"
        )
    if len(runs) > 1:
        best = min(r.seconds for r in runs)
        med = statistics.median(r.seconds for r in runs)
        cpu = statistics.median(r.cpu_seconds for r in runs)
        peak = max(r.peak_mib for r in runs)
        print(f"{'best':>5}  {best:>8.2f}  {'':>7}  {peak:>12.0f}")
        print(f"{'med':>5}  {med:>8.2f}  {cpu:>7.2f}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) after the runs: {load:.2f} on {os.cpu_count()} CPUs")
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            print(f"note: {name}={os.environ[name]} is set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
