"""Write examples/history_week.sqlite: a week of nightly churn checks, as cron would record.

Each night compares that day's predictions log with ``churn_reference.parquet``; the days
are simulated from the shipped examples (a growing share of ``churn_current.parquet`` mixed
into fresh reference rows), so drift creeps in from mid-week. On the sixth night the first
attempt finds no file (exit 2) and the re-run an hour later succeeds. Equivalent crontab::

    0 6 * * * driftcli compare ref.parquet today.parquet --target churned \
        --prediction predicted_churn --history history.sqlite --monitor churn

Run: ``python examples/history_week.py``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

from driftcli import compare
from driftcli.history import open_history

HERE = Path(__file__).resolve().parent
OUT = HERE / "history_week.sqlite"
#: Share of rows from the drifted current sample on each of the seven days.
MIX = [0.0, 0.0, 0.1, 0.3, 0.6, 0.9, 1.0]
ROWS = 800


def day_frame(ref: pd.DataFrame, cur: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """One day's log: ``share`` of it from ``cur``, the rest from ``ref``."""
    k = round(ROWS * share)
    parts = [ref.sample(ROWS - k, random_state=seed), cur.sample(k, random_state=seed)]
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    ref = pd.read_parquet(HERE / "churn_reference.parquet")
    cur = pd.read_parquet(HERE / "churn_current.parquet")
    OUT.unlink(missing_ok=True)
    hist = open_history(str(OUT))
    work = tempfile.TemporaryDirectory()
    os.chdir(work.name)  # inputs are recorded as given: data/... as in the crontab
    Path("data").mkdir()
    ref.to_parquet("data/reference.parquet", index=False)
    options = {"target": "churned", "prediction": "predicted_churn"}
    for day, share in enumerate(MIX):
        stamp = f"2026-11-{23 + day:02d}T06:00:00Z"
        if day == 5:
            hist.record_error(
                "current file not found: data/2026-11-28.parquet",
                monitor="churn",
                reference="data/reference.parquet",
                current="data/2026-11-28.parquet",
            )
            hist.conn.execute("UPDATE runs SET started_at = ? WHERE id = ?", [stamp, day + 1])
            stamp = f"2026-11-{23 + day:02d}T07:10:00Z"
        today = f"data/2026-11-{23 + day:02d}.parquet"
        day_frame(ref, cur, share, seed=day).to_parquet(today, index=False)
        result = compare("data/reference.parquet", today, **options)
        hist.record(replace(result, generated_at=stamp), monitor="churn")
    hist.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hist.close()
    os.chdir(HERE)
    work.cleanup()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
