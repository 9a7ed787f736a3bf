"""Generate the example datasets shipped in this folder (run: python examples/generate.py).

Reference and current have 2,000 rows each. Drift is planted in exactly four columns:

* ``income``          — current incomes are 35% higher (log-normal, shifted scale)
* ``session_length``  — current sessions are twice as spread out
* ``device``          — current traffic moved from desktop to mobile
* ``region``          — a new region, "APAC", takes a fifth of current rows

Every other column is drawn from the same distribution on both sides. ``customer_id``
is id-like and ``signup_date`` is a date: both are reported but not drift-tested.
4 of 8 tested columns drift, so dataset drift (share >= 0.5) is detected and
``driftcli compare`` exits with 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 2_000
SEED = 20261124
HERE = Path(__file__).resolve().parent
DRIFTED = ("income", "session_length", "device", "region")


def make(rng: np.random.Generator, *, drifted: bool, id_offset: int) -> pd.DataFrame:
    """One side of the example: the same generator, with the planted shifts when ``drifted``."""
    n = ROWS
    regions = ["north", "south", "east", "west"]
    region_p = [0.3, 0.3, 0.2, 0.2]
    if drifted:
        regions, region_p = [*regions, "APAC"], [0.24, 0.24, 0.16, 0.16, 0.2]
    return pd.DataFrame(
        {
            "customer_id": [f"C{id_offset + i:07d}" for i in range(n)],
            "age": rng.integers(18, 80, n),
            "income": rng.lognormal(np.log(52_000 * (1.35 if drifted else 1.0)), 0.4, n).round(2),
            "credit_score": rng.normal(680, 60, n).round(0),
            "session_length": rng.normal(12.0, 6.0 if drifted else 3.0, n).round(3),
            "num_products": rng.choice([1, 2, 3, 4], n, p=[0.5, 0.3, 0.15, 0.05]),
            "region": rng.choice(regions, n, p=region_p),
            "device": rng.choice(
                ["mobile", "desktop", "tablet"],
                n,
                p=[0.7, 0.2, 0.1] if drifted else [0.45, 0.45, 0.1],
            ),
            "is_active": rng.random(n) < 0.8,
            "signup_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        }
    )


def main(out: Path = HERE) -> None:
    """Write reference/current as CSV and Parquet into ``out``."""
    rng = np.random.default_rng(SEED)
    sides = {
        "reference": make(rng, drifted=False, id_offset=0),
        "current": make(rng, drifted=True, id_offset=ROWS),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, df in sides.items():
        df.to_parquet(out / f"{name}.parquet", index=False)
        df.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
