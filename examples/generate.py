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

Model quality (``churn_reference.parquet`` / ``churn_current.parquet``): the same rows plus a
churn model's outputs. ``churned`` is the target, ``predicted_churn`` the model's label and
``churn_proba`` its probability. The model only looks at columns that do not drift (age,
credit_score, num_products, is_active), so its predictions keep their distribution; but in
current, churn follows the model's score far less (concept drift): accuracy falls from about
0.91 to about 0.76 while the churn rate stays put. Run with ``--target churned --prediction
predicted_churn --proba churn_proba``: the features still drift 4 of 8, and the performance gate
breaches on the accuracy drop.

Regression (``regression_reference.parquet`` / ``regression_current.parquet``): delivery times
(``delivery_minutes``) and a model's estimate (``predicted_minutes``) from distance, items and
hour. In current, deliveries take 20% longer for the same orders, so MAE and RMSE rise and the
model underestimates (negative mean error); no feature drifts.
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


def add_model(df: pd.DataFrame, rng: np.random.Generator, *, drifted: bool) -> pd.DataFrame:
    """A churn model's label and probability, and the true churn (concept drift when
    ``drifted``: churn follows the score far less, at the same overall rate)."""
    score = (
        -(df["credit_score"] - 680) / 60
        + 0.9 * (df["num_products"] - 1.8)
        - 2.5 * (df["is_active"].astype(float) - 0.8)
        + 0.6 * (df["age"] - 49) / 18
        - 0.9
    )
    proba = (1 / (1 + np.exp(-2.8 * score))).round(4)
    truth_p = proba.mean() + (0.54 if drifted else 1.0) * (proba - proba.mean())
    return df.assign(
        churned=(rng.random(len(df)) < truth_p).astype(np.int64),
        predicted_churn=(proba >= 0.5).astype(np.int64),
        churn_proba=proba,
    )


def regression(rng: np.random.Generator, *, drifted: bool, n: int = 1_000) -> pd.DataFrame:
    """Delivery times and a model's estimate; deliveries 20% slower in current."""
    distance = rng.gamma(2.0, 2.5, n).round(2)
    items = rng.integers(1, 12, n)
    hour = rng.integers(8, 23, n)
    rush = ((hour >= 17) & (hour <= 20)).astype(float)
    expected = 12 + 3.1 * distance + 0.8 * items + 6 * rush
    actual = expected * (1.2 if drifted else 1.0) + rng.normal(0, 3, n)
    return pd.DataFrame(
        {
            "distance_km": distance,
            "items": items,
            "hour": hour,
            "delivery_minutes": actual.round(1),
            "predicted_minutes": (expected + rng.normal(0, 1, n)).round(1),
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
    model_rng = np.random.default_rng(SEED + 1)  # a stream of its own: the files above stay put
    for name, df in sides.items():
        churn = add_model(df, model_rng, drifted=name == "current")
        churn.to_parquet(out / f"churn_{name}.parquet", index=False)
        regression(model_rng, drifted=name == "current").to_parquet(
            out / f"regression_{name}.parquet", index=False
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
