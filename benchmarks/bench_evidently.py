"""Time Evidently's DataDriftPreset on the files of ``bench_compare.py``, and set the verdicts
side by side with driftcli's.

Evidently is never a driftcli dependency: install it in a separate virtual environment and
point ``--python`` at that environment's interpreter::

    python -m venv /tmp/evvenv
    /tmp/evvenv/bin/pip install 'evidently==0.7.*' 'pandas<3'
    python benchmarks/bench_evidently.py --python /tmp/evvenv/bin/python --rows 100000
    python benchmarks/bench_evidently.py --python /tmp/evvenv/bin/python -n 1   # 1M rows: minutes

Each run is one child process under that interpreter: import Evidently, read both Parquet files
with pandas, run ``Report([DataDriftPreset()])`` and write the per-column results; its wall
time and peak RSS are measured as in ``bench_compare.py``. Then ``driftcli compare`` runs once
(untimed) on the same files and both verdicts are printed per column.

This is a benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

DISTANCE_WORDS = ("distance", "psi", "divergence", "wasserstein", "hellinger")


def child(reference: str, current: str, out: str) -> None:
    """Run inside the Evidently environment: one DataDriftPreset report, results to ``out``."""
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref = pd.read_parquet(reference)
    cur = pd.read_parquet(current)
    snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
    columns = {}
    share = None
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config.get("type", "").endswith("ValueDrift"):
            columns[config["column"]] = {
                "method": config["method"],
                "threshold": config["threshold"],
                "value": metric["value"],
            }
        elif config.get("type", "").endswith("DriftedColumnsCount"):
            share = metric["value"]
    Path(out).write_text(json.dumps({"columns": columns, "drifted": share}))


def drifted(entry: dict[str, Any]) -> bool:
    """Evidently's rule: distances drift at or above the threshold, p-values below it."""
    method = entry["method"].lower()
    if any(word in method for word in DISTANCE_WORDS):
        return bool(entry["value"] >= entry["threshold"])
    return bool(entry["value"] < entry["threshold"])


def side_by_side(evidently: dict[str, Any], driftcli: dict[str, Any]) -> None:
    """Per column: each tool's test, statistic and verdict; disagreements are marked."""
    ours = {c["name"]: c for c in driftcli["columns"]}
    print(f"\n{'column':<22} {'driftcli':<28} {'evidently':<42} agree")
    agree = 0
    for name, ev in evidently["columns"].items():
        dc = ours.get(name, {})
        stat = dc.get("statistic")
        dc_text = f"{dc.get('test')} {stat:.4f} {'DRIFT' if dc.get('drift') else '-'}"
        ev_text = f"{ev['method'][:26]} {ev['value']:.4f} {'DRIFT' if drifted(ev) else '-'}"
        same = bool(dc.get("drift")) == drifted(ev)
        agree += same
        print(f"{name:<22} {dc_text:<28} {ev_text:<42} {'yes' if same else 'NO'}")
    print(f"verdicts agree on {agree} of {len(evidently['columns'])} columns")


def main(argv: list[str] | None = None) -> int:
    """Parent: make the data if needed, time the Evidently children, compare the verdicts."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_compare as bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="/tmp/evvenv/bin/python", help="Evidently's Python")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per side")
    parser.add_argument("--numeric", type=int, default=20, help="numeric columns")
    parser.add_argument("--categorical", type=int, default=10, help="categorical columns")
    parser.add_argument("--repeat", "-n", type=int, default=1, help="timed runs")
    args = parser.parse_args(argv)
    if not Path(args.python).exists():
        parser.error(f"--python {args.python}: not found (see the module docstring)")

    ref, cur = bench.ensure_data(args.rows, args.numeric, args.categorical, regenerate=False)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        ev_out, dc_out = Path(tmp) / "evidently.json", Path(tmp) / "driftcli.json"
        cmd = [args.python, str(Path(__file__).resolve()), "--child", str(ref), str(cur)]
        cmd.append(str(ev_out))
        print("$ " + " ".join(cmd))
        for i in range(args.repeat):
            run, stderr = bench.run_once(cmd)
            if run.exit_code != 0:
                print(stderr, file=sys.stderr)
                print(f"run {i + 1}: Evidently exited with {run.exit_code}", file=sys.stderr)
                return 2
            runs.append(run)
        ours = [*bench.driftcli_command(), "compare", str(ref), str(cur), "--json", str(dc_out)]
        subprocess.run([*ours, "--quiet"], check=False)
        side_by_side(json.loads(ev_out.read_text()), json.loads(dc_out.read_text()))

    width = args.numeric + args.categorical
    print(f"\nEvidently DataDriftPreset, {args.rows:,} rows x {width} columns")
    print(f"{'run':>5}  {'wall s':>8}  {'cpu s':>7}  {'peak RSS MiB':>12}")
    for i, run in enumerate(runs, start=1):
        print(f"{i:>5}  {run.seconds:>8.2f}  {run.cpu_seconds:>7.2f}  {run.peak_mib:>12.0f}")
    if len(runs) > 1:
        print(f"{'med':>5}  {statistics.median(r.seconds for r in runs):>8.2f}")
    print(f"load average (1 min) after the runs: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
