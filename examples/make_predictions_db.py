"""Make ``examples/predictions.db``: a SQLite log of a churn model's predictions
(run: python examples/make_predictions_db.py).

90 days, 2026-01-01 00:00 to 2026-03-31 23:48 UTC, five predictions an hour (every 12
minutes): 10,800 rows in one table, ``predictions``:

* ``ts``            when the prediction was made: ISO-8601 text without an offset (UTC), the
                    way SQLAlchemy's ``DateTime`` stores it (``2026-01-01 00:12:00.000000``)
* ``age``, ``tenure_months``, ``region``: features that never drift
* ``income``        drifts: from **2026-03-25 00:00 UTC** on, incomes are 40% higher
* ``channel``       drifts: from the same moment, most traffic comes through the app
* ``probability``   the model's churn probability (from age and tenure only, so it does
                    not drift), ``prediction`` its label (probability >= 0.5)
* ``label``         whether the customer churned; it arrives late, so it is NULL for the
                    last three days (from 2026-03-29 00:00)

So the 7-day window (2026-03-25 .. 2026-04-01) against the 30 days before it flags exactly
``income`` and ``channel``, and a daily timeline shows the drift starting on 2026-03-25.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

START = datetime(2026, 1, 1)
DAYS = 90
PER_HOUR = 5
DRIFT_START = datetime(2026, 3, 25)
LABELS_UNTIL = datetime(2026, 3, 29)
OUT = Path(__file__).with_name("predictions.db")


def main() -> None:
    """Write the database (replacing an older one)."""
    rng = np.random.default_rng(20260325)
    n = DAYS * 24 * PER_HOUR
    step = timedelta(minutes=60 // PER_HOUR)
    ts = [START + i * step for i in range(n)]
    drifted = np.array([t >= DRIFT_START for t in ts])
    age = rng.integers(18, 80, n)
    tenure = rng.integers(0, 120, n)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.3, 0.3, 0.2, 0.2])
    income = rng.lognormal(10.5, 0.4, n) * np.where(drifted, 1.4, 1.0)
    channel = np.where(
        drifted,
        rng.choice(["web", "app", "store"], n, p=[0.2, 0.7, 0.1]),
        rng.choice(["web", "app", "store"], n, p=[0.5, 0.3, 0.2]),
    )
    score = 1.5 - 0.03 * (age - 18) - 0.02 * tenure + rng.normal(0, 0.3, n)
    probability = 1 / (1 + np.exp(-score))
    prediction = (probability >= 0.5).astype(int)
    label = (rng.random(n) < probability).astype(int)
    OUT.unlink(missing_ok=True)
    with sqlite3.connect(OUT) as db:
        db.execute(
            "CREATE TABLE predictions (ts TEXT NOT NULL, age INTEGER, tenure_months INTEGER, "
            "region TEXT, income REAL, channel TEXT, probability REAL, prediction INTEGER, "
            "label INTEGER)"
        )
        db.execute("CREATE INDEX predictions_ts ON predictions (ts)")
        db.executemany(
            "INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    ts[i].strftime("%Y-%m-%d %H:%M:%S.%f"),
                    int(age[i]),
                    int(tenure[i]),
                    str(region[i]),
                    round(float(income[i]), 2),
                    str(channel[i]),
                    round(float(probability[i]), 4),
                    int(prediction[i]),
                    int(label[i]) if ts[i] < LABELS_UNTIL else None,
                )
                for i in range(n)
            ),
        )
    with sqlite3.connect(OUT) as db:
        db.execute("VACUUM")
    print(f"wrote {OUT} ({n:,} rows, {OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
