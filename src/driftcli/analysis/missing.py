"""Missing values as drift: each column's missing share compared between the sides.

A jump in missing values is a change in the data even when the values that remain look the
same, so every compared column gets a two-proportion z-test on its missing share, with the
share change (current - reference, absolute) as the effect. A column drifts in missingness
when the p-value is below ``missing_alpha`` *and* the change is at least
``max_missing_change`` (so that a million rows do not flag a 0.1% wobble). A current column
that is entirely missing while the reference had values is always a finding.
Counts are exact in the profiles, so this check is exact.
"""

from __future__ import annotations

import math
from typing import Any

from driftcli.profiles import Profile


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when undefined)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (k2 / n2 - k1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2.0))  # 2 * (1 - Phi(|z|)), as scipy's norm.sf


def _missing(profile: Profile, name: str) -> int:
    col = profile.columns[name]
    extra = col.numeric.infinite if col.numeric is not None else 0
    return int(col.missing + extra)


def compare(
    ref: Profile, cur: Profile, names: list[str], *, alpha: float, max_change: float
) -> dict[str, Any]:
    """The ``missing`` section: one row per column, and the breaches."""
    rows: list[dict[str, Any]] = []
    breaches: list[str] = []
    for name in names:
        n1, n2 = ref.columns[name].rows, cur.columns[name].rows
        k1, k2 = _missing(ref, name), _missing(cur, name)
        s1 = k1 / n1 if n1 else 0.0
        s2 = k2 / n2 if n2 else 0.0
        p = two_proportion_p(k1, n1, k2, n2)
        all_missing = n2 > 0 and k2 == n2 and k1 < n1
        drift = all_missing or (p < alpha and abs(s2 - s1) >= max_change)
        rows.append(
            {
                "name": name,
                "reference_share": s1,
                "current_share": s2,
                "change": s2 - s1,
                "p_value": p,
                "drift": drift,
                "all_missing": all_missing,
            }
        )
        if all_missing:
            breaches.append(f"column {name!r} is entirely missing in current")
        elif drift:
            breaches.append(f"column {name!r}: missing share {s1:.1%} -> {s2:.1%} (p = {p:.2g})")
    return {"alpha": alpha, "max_change": max_change, "columns": rows, "breaches": breaches}


__all__ = ["compare", "two_proportion_p"]
