"""Cost of ``--multivariate`` at 100k and 1M rows per side (wall time, peak memory).

Run from the repository root::

    python benchmarks/bench_multivariate.py                 # 100,000 and 1,000,000 rows
    python benchmarks/bench_multivariate.py --rows 100000 --repeat 1

For each size it writes (into a temporary folder) a reference and a current Parquet file of
10 numeric and 2 categorical columns, the current side with the correlation of two columns
flipped (their marginals unchanged), then times as child processes (wall, peak RSS from
``os.wait4``; the fastest of ``--repeat`` runs, 3 by default, since a shared machine is noisy):

1. ``driftcli compare REF CUR`` (per-column tests only);
2. the same with a config file setting ``max_duplicate_share``: the row sample is built
   (every row hashed) but no classifier runs, which isolates the cost of sampling;
3. ``driftcli compare REF CUR --multivariate`` (row samples of 20,000 rows per side, the
   classifier test and its column importances).

Run 2 minus run 1 is the cost of hashing; run 3 minus run 2 the test itself, which works on
the sample whatever the input size. This is a benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make(rows: int, rho: float, seed: int) -> pd.DataFrame:
    """10 numeric columns (n0 and n1 correlated by ``rho``) and 2 categorical ones."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    x = rng.normal(size=rows)
    data["n0"] = x
    data["n1"] = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=rows)
    for i in range(2, 10):
        data[f"n{i}"] = rng.normal(size=rows)
    data["c0"] = rng.choice(["a", "b", "c", "d"], rows)
    data["c1"] = rng.choice([f"k{i}" for i in range(20)], rows)
    return pd.DataFrame(data)


def timed(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    """Run the benchmark and print one JSON line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement; the fastest is kept"
    )
    args = parser.parse_args()
    driftcli = [sys.executable, "-m", "driftcli", "compare"]
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            ref, cur = Path(tmp, f"ref{rows}.parquet"), Path(tmp, f"cur{rows}.parquet")
            make(rows, 0.5, 1).to_parquet(ref)
            make(rows, -0.5, 2).to_parquet(cur)
            out = Path(tmp, "out.json")
            config = Path(tmp, "sample.toml")
            config.write_text("max_duplicate_share = 1.0\n")
            runs: list[tuple[str, list[str]]] = [
                ("per-column", []),
                ("row sample only", ["--config", str(config)]),
                ("multivariate", ["--multivariate"]),
            ]
            for label, extra in runs:
                command = [*driftcli, str(ref), str(cur), "--json", str(out), "-q", *extra]
                wall, rss, code = min(timed(command) for _ in range(max(args.repeat, 1)))
                line: dict[str, object] = {
                    "rows": rows,
                    "run": label,
                    "wall_s": round(wall, 2),
                    "peak_rss_mb": round(rss),
                    "exit": code,
                }
                if label == "multivariate":
                    mv = json.loads(out.read_text())["multivariate"]
                    line["auc"] = round(mv["auc"], 3)
                    line["p_value"] = mv["p_value"]
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
