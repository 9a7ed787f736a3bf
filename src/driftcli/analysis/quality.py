"""Data-quality checks with user thresholds (top-level keys of the config file).

* ``max_out_of_range_share``: share of current numeric values outside the reference's
  [min, max] (from the profiles: exact for exact columns, within the summary's rank error
  beyond);
* ``max_new_category_share``: share of current values in categories the reference never had;
* ``constant_check``: a column that varied in the reference and is constant in current;
* ``max_duplicate_share``: share of current rows that repeat another row. Exact counting of
  distinct rows is unbounded, so this reads the row sample (exact when the side has at most
  ``sample_rows`` distinct rows, a ratio estimate beyond); it is only checked when set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftcli.profiles import Profile
from driftcli.profiles.column import ColumnProfile


def _out_of_range(rc: ColumnProfile, cc: ColumnProfile) -> float | None:
    if rc.numeric is None or cc.numeric is None or rc.numeric.n == 0 or cc.numeric.n == 0:
        return None
    lo, hi = rc.numeric.moments.min, rc.numeric.moments.max
    pts = cc.numeric.points
    outside = int(pts.weights[(pts.values < lo) | (pts.values > hi)].sum())
    return outside / max(pts.total, 1)


def _new_categories(rc: ColumnProfile, cc: ColumnProfile) -> tuple[float, list[str]] | None:
    if rc.categories is None or cc.categories is None or cc.categories.valid == 0:
        return None
    known = set(rc.categories.labels.to_pylist())
    labels = cc.categories.labels.to_pylist()
    new = np.array([lab not in known for lab in labels], dtype=bool)
    counts = cc.categories.counts
    share = float(counts[new].sum() / counts.sum()) if counts.sum() else 0.0
    found = sorted(np.flatnonzero(new), key=lambda i: (-int(counts[i]), str(labels[i])))
    names = [str(labels[i]) for i in found[:5]]
    return share, names


def _distinct(col: ColumnProfile) -> int:
    if col.numeric is not None:
        return int(col.numeric.points.values.size)
    if col.categories is not None:
        return int(col.categories.distinct)
    return 0


def check(
    ref: Profile,
    cur: Profile,
    names: list[str],
    *,
    max_out_of_range_share: float,
    max_new_category_share: float,
    constant_check: bool,
    max_duplicate_share: float | None,
) -> dict[str, Any]:
    """The ``quality`` section: a list of checks (each with its value, limit and outcome)."""
    checks: list[dict[str, Any]] = []

    def add(check: str, column: str | None, value: float, limit: float, detail: str) -> None:
        failed = value > limit
        checks.append(
            {
                "check": check,
                "column": column,
                "value": value,
                "limit": limit,
                "failed": failed,
                "detail": detail,
            }
        )

    for name in names:
        rc, cc = ref.columns[name], cur.columns[name]
        oor = _out_of_range(rc, cc)
        if oor is not None and oor > 0:
            add(
                "out_of_range",
                name,
                oor,
                max_out_of_range_share,
                f"{oor:.1%} of current values outside the reference range",
            )
        new = _new_categories(rc, cc)
        if new is not None and new[0] > 0:
            add(
                "new_categories",
                name,
                new[0],
                max_new_category_share,
                f"{new[0]:.1%} of current values in new categories ({', '.join(new[1])})",
            )
        if constant_check and _distinct(rc) > 1 and _distinct(cc) == 1:
            add("constant", name, 1.0, 0.0, "varied in reference, constant in current")
    if max_duplicate_share is not None:
        sample = cur.sample
        if sample is None:
            checks.append(
                {
                    "check": "duplicates",
                    "column": None,
                    "value": None,
                    "limit": max_duplicate_share,
                    "failed": False,
                    "detail": "not checked: the current profile holds no row sample",
                }
            )
        else:
            share = sample.duplicate_share()
            how = "exact" if sample.complete else f"estimated from {sample.k:,} sampled rows"
            ref_share = ref.sample.duplicate_share() if ref.sample is not None else None
            was = f"; reference {ref_share:.1%}" if ref_share is not None else ""
            add(
                "duplicates",
                None,
                share,
                max_duplicate_share,
                f"{share:.1%} of current rows are duplicates ({how}{was})",
            )
    breaches = [
        f"quality: {c['column'] + ': ' if c['column'] else ''}{c['detail']}"
        + ("" if c["check"] == "constant" else f" (limit {c['limit']:.1%})")
        for c in checks
        if c["failed"]
    ]
    return {"checks": checks, "breaches": breaches}


__all__ = ["check"]
