"""Every shape from the speed issue beside its floor (pyarrow reading the same columns).

Run from the repository root::

    python benchmarks/bench_shapes.py                    # all shapes
    python benchmarks/bench_shapes.py --only wide        # one of: 1m, 1m-html, 10m, wide,
                                                         #   tall-wide, labels, version, fixed

Data go to the git-ignored ``benchmarks/data/shapes/`` (written once). Each figure is the
median of ``--repeat`` child processes (wall, CPU, peak RSS from ``os.wait4``):

* ``1m``: 1,000,000 rows x 33 columns (bench_compare's generator: 20 numeric, 13
  categorical), ``driftcli compare REF CUR``; ``1m-html`` adds ``--html --json``;
* ``10m``: the same generator at 10,000,000 rows;
* ``wide``: 100,000 rows x 5,000 float columns; ``tall-wide``: 3,000,000 rows x 1,000
  floats rounded to two decimals;
* ``labels``: a 1,000,000-row column with 200,000 distinct labels forced categorical
  (the figure is the time it adds over the same file without that column);
* ``version``: ``driftcli --version``;
* ``fixed``: the CPU time (user + system) a ``driftcli compare`` of the shipped example
  Parquet files has used when it opens its first input file, that is the fixed cost of a
  run before any data is read (the child sets the environment the console script sets,
  then notes ``os.times()`` at the first ``pyarrow.parquet.ParquetFile``).

The floor of a shape is a child that reads both files with pyarrow, the same columns, batch by
batch, keeping nothing. This is a benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_compare import SEED, column_specs, driftcli_command, make_table  # noqa: E402
from bench_profile import in_child, run  # noqa: E402

DATA = HERE / "data" / "shapes"
# row group by row group and at most 256 columns at a time, as driftcli reads: iter_batches
# over a whole file buffers all of it (17 GB for one 100k x 5,000 pair, evicting the page
# cache the next run reads from) and is slower, which would flatter the ratio
FLOOR = """
import sys, pyarrow.parquet as pq
for path in sys.argv[1:]:
    f = pq.ParquetFile(path)
    names = f.schema_arrow.names
    for start in range(0, len(names), 256):
        for group in range(f.metadata.num_row_groups):
            for batch in f.iter_batches(
                batch_size=131072, row_groups=[group], columns=names[start : start + 256]
            ):
                pass
"""

# the fixed cost of a run: CPU used when the first input file is opened (sys.argv: the files)
FIXED = """
import os, sys
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")  # as driftcli's script does
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import pyarrow.parquet as pq
opened = pq.ParquetFile.__init__
seen = []
def first(self, *args, **kwargs):
    if not seen:
        t = os.times()
        seen.append(t.user + t.system)
    opened(self, *args, **kwargs)
pq.ParquetFile.__init__ = first
from driftcli._entry import main
try:
    main(["compare", *sys.argv[1:], "-q", "--fail-on", "never"])
except SystemExit:
    pass
print(seen[0])
"""


def generated(name: str, rows: int, numeric: int, categorical: int) -> tuple[Path, Path]:
    """bench_compare's table at this shape (written once), row groups of 131,072 rows."""
    DATA.mkdir(parents=True, exist_ok=True)
    paths = []
    for side, drifted in (("reference", False), ("current", True)):
        path = DATA / f"{name}_{side}.parquet"
        if not path.exists():
            specs = column_specs(numeric, categorical)
            writer = None
            step = 1_000_000
            for start in range(0, rows, step):
                n = min(step, rows - start)
                t = make_table(specs, n, drifted=drifted, seed=SEED + start)
                if writer is None:
                    writer = pq.ParquetWriter(path.with_suffix(".tmp"), t.schema)
                writer.write_table(t, row_group_size=131_072)
            assert writer is not None
            writer.close()
            path.with_suffix(".tmp").replace(path)
        paths.append(path)
    return paths[0], paths[1]


def floats(
    name: str, rows: int, columns: int, decimals: int | None = None, group: int = 0
) -> tuple[Path, Path]:
    """``rows`` x ``columns`` normal floats (current shifted in every tenth column), rounded
    to ``decimals`` places when given (as measured features are; Parquet then stores each
    column dictionary-encoded, about 1.5 bytes a value instead of 8), in row groups of
    ``group`` rows (0: as many as 50M values allow)."""
    DATA.mkdir(parents=True, exist_ok=True)
    paths = []
    for side, shift in (("reference", 0.0), ("current", 0.3)):
        path = DATA / f"{name}_{side}.parquet"
        if not path.exists():
            rng = np.random.default_rng([SEED, int(shift * 10)])
            names = [f"x{i:05d}" for i in range(columns)]
            schema = pa.schema([(n, pa.float64()) for n in names])
            step = group or max(1, min(rows, 50_000_000 // columns))
            with pq.ParquetWriter(path.with_suffix(".tmp"), schema) as writer:
                for start in range(0, rows, step):
                    n = min(step, rows - start)
                    cols = [
                        rng.normal(shift if i % 10 == 0 else 0.0, 1.0, n) for i in range(columns)
                    ]
                    if decimals is not None:
                        cols = [np.round(c, decimals) for c in cols]
                    writer.write_table(pa.table(cols, schema=schema), row_group_size=step)
            path.with_suffix(".tmp").replace(path)
        paths.append(path)
    return paths[0], paths[1]


def labels_files() -> tuple[Path, Path, Path, Path]:
    """1M rows: a float column, and the same plus 200,000 distinct labels."""
    DATA.mkdir(parents=True, exist_ok=True)
    out = []
    for side in ("reference", "current"):
        rng = np.random.default_rng([SEED, len(side)])
        x = pa.array(rng.normal(size=1_000_000))
        ids = rng.integers(0, 200_000, 1_000_000)
        labels = pa.array(np.char.add("label-", ids.astype(str)))
        plain, both = DATA / f"labels_plain_{side}.parquet", DATA / f"labels_{side}.parquet"
        if not both.exists():
            pq.write_table(pa.table({"x": x}), plain, row_group_size=131_072)
            pq.write_table(pa.table({"x": x, "label": labels}), both, row_group_size=131_072)
        out += [plain, both]
    return out[0], out[2], out[1], out[3]


def median(cmd: list[str], repeat: int) -> tuple[float, float, float]:
    runs = [run(cmd)[0] for _ in range(repeat)]
    return (
        statistics.median(r.seconds for r in runs),
        statistics.median(r.cpu_seconds for r in runs),
        statistics.median(r.peak_mib for r in runs),
    )


def show(name: str, got: tuple[float, float, float], floor: tuple[float, float, float]) -> None:
    print(
        f"{name:<34} {got[0]:7.2f} s {got[2]:7.0f} MiB   floor {floor[0]:6.2f} s "
        f"{floor[2]:6.0f} MiB   {got[0] / floor[0]:5.2f} x floor",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    cli = driftcli_command()
    py = [sys.executable, "-c", FLOOR]
    out = DATA / "out"

    def wanted(shape: str) -> bool:
        return args.only in (None, shape)

    def compare(ref: Path, cur: Path, *extra: str) -> list[str]:
        return [*cli, "compare", str(ref), str(cur), "-q", "--fail-on", "never", *extra]

    if wanted("version"):
        got = median([*cli, "--version"], max(args.repeat, 5))
        print(f"{'driftcli --version':<34} {got[0]:7.3f} s")
    if wanted("fixed"):
        examples = HERE.parent / "examples"
        cmd = [
            *py[:2],
            FIXED,
            str(examples / "reference.parquet"),
            str(examples / "current.parquet"),
        ]
        cpu = statistics.median(float(run(cmd)[1]) for _ in range(max(args.repeat, 5)))
        # this machine's speed at the moment, to read the figure against (shared machines
        # here ran anywhere from 0.5 to 1.7 s for this loop within one day)
        loop = "import time; t = time.process_time(); s = 0\nfor i in range(10**7): s += i\n"
        ref = [*py[:2], loop + "print(time.process_time() - t)"]
        speed = statistics.median(float(run(ref)[1]) for _ in range(3))
        print(
            f"{'fixed CPU before the first read':<34} {cpu:7.3f} s"
            f"   (10M-addition loop {speed:.2f} s)"
        )
    for shape, rows in (("1m", 1_000_000), ("10m", 10_000_000)):
        if wanted(shape) or (shape == "1m" and wanted("1m-html")):
            ref, cur = in_child(generated, shape, rows, 20, 13)
            floor = median([*py, str(ref), str(cur)], args.repeat)
            if wanted(shape):
                show(f"{shape} x 33 compare", median(compare(ref, cur), args.repeat), floor)
            if shape == "1m" and wanted("1m-html"):
                extra = ("--html", f"{out}.html", "--json", f"{out}.json")
                show(
                    "1m x 33 compare --html --json",
                    median(compare(ref, cur, *extra), args.repeat),
                    floor,
                )
    # wide: one row group, as pandas' to_parquet writes a 100,000-row frame (10,000-row
    # groups make pyarrow alone take 29 s to read the pair: 100,000 column chunks).
    # tall-wide as continuous float64 would be 2 x 24 GB of incompressible Parquet: rounded
    # to two decimals (about 800 distinct values a column) it is 2 x ~4 GB
    for shape, rows, cols, decimals, group in (
        ("wide1", 100_000, 5_000, None, 100_000),
        ("tall-wide", 3_000_000, 1_000, 2, 0),
    ):
        if wanted(shape.rstrip("1")):
            ref, cur = in_child(floats, shape, rows, cols, decimals, group)
            floor = median([*py, str(ref), str(cur)], args.repeat)
            show(f"{rows:,} x {cols:,} compare", median(compare(ref, cur), args.repeat), floor)
    if wanted("labels"):
        rp, rb, cp, cb = in_child(labels_files)
        base = median(compare(rp, cp), args.repeat)
        forced = median(compare(rb, cb, "--categorical", "label"), args.repeat)
        print(f"{'200k labels forced categorical':<34} adds {forced[0] - base[0]:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
