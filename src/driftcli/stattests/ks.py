"""Two-sample Kolmogorov–Smirnov test."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest

#: Up to this many values per side scipy computes the exact p-value ("auto" mode).
EXACT_P_ROWS = 10_000


def ks_pvalue(d: float, n: int, m: int) -> float:
    """Smirnov's asymptotic two-sided p-value, as ``scipy.stats.ks_2samp`` computes it."""
    from scipy import stats

    big, small = sorted([float(n), float(m)], reverse=True)
    en = big * small / (big + small)
    return float(np.clip(stats.kstwo.sf(d, np.round(en)), 0.0, 1.0))


def reachable(d: float, n: int, m: int, *, up: bool) -> tuple[int, int]:
    """``(k, j)`` with ``k/n - j/m`` the smallest value of that form at least ``d`` (``up``)
    or the largest at most ``d``: the values D can take between samples of n and m values
    (the two empirical CDFs at the point of the largest gap). Clipped to [0, 1]."""
    big = n * m
    scaled = min(max(d, 0.0), 1.0) * big  # k*m - j*n in whole numbers: D = that / (n*m)
    k = np.arange(n + 1, dtype=np.int64)
    if up:  # for each k the j that keeps k*m - j*n at or just above the target
        target = math.ceil(scaled - 1e-9 * big)  # a D computed in floats may sit a hair off
        j = np.clip((k * m - target) // n, 0, m)
        t = k * m - j * n
        best = int(np.argmin(np.where(t >= target, t, big + 1)))
    else:
        target = math.floor(scaled + 1e-9 * big)
        j = np.clip(-((target - k * m) // n), 0, m)
        t = k * m - j * n
        best = int(np.argmax(np.where((t <= target) & (t >= 0), t, -1)))
    return int(k[best]), int(j[best])


def ks_pvalue_auto(d: float, n: int, m: int, *, up: bool = True) -> float:
    """The p-value ``scipy.stats.ks_2samp`` gives two samples of n and m values whose
    statistic is D, the reachable value nearest ``d`` (at least ``d`` when ``up``): exact up
    to 10,000 values per side, asymptotic beyond, as scipy's "auto" decides. Below that size
    scipy's exact p-value depends on D, n and m alone, so it is asked of two samples of two
    values each (k of n, and j of m, at the lower value) that have exactly that D."""
    if max(n, m) > EXACT_P_ROWS:
        return ks_pvalue(d, n, m)
    k, j = reachable(d, n, m, up=up)
    return _two_point_pvalue(k, j, n, m)


@lru_cache(maxsize=256)
def _two_point_pvalue(k: int, j: int, n: int, m: int) -> float:
    """scipy's p-value for k of n values and j of m at the lower of two values (its exact
    computation can take a second at 10,000 values a side: D's interval ends often fall on
    the same reachable value, and columns of one table share n and m)."""
    from scipy import stats

    a = np.repeat([0.0, 1.0], [k, n - k])
    b = np.repeat([0.0, 1.0], [j, m - j])
    return float(stats.ks_2samp(a, b).pvalue)


@register
class KolmogorovSmirnov(StatTest):
    """Two-sample Kolmogorov–Smirnov test on the empirical CDFs.

    Notes
    -----
    D = sup_x |F_ref(x) - F_cur(x)|; the p-value is exact up to 10,000 values per side and
    asymptotic beyond, as ``scipy.stats.ks_2samp(method="auto")`` decides. From a summarized
    profile each CDF is known within its rank error, so D is known within their sum and the
    p-value lies between scipy's p-values (by the same rule) at the values D can reach
    nearest the two ends of that interval.

    Examples
    --------
    >>> out = KolmogorovSmirnov().run(ColumnPair.numeric([1, 2, 3, 4], [3, 4, 5, 6]))
    >>> round(out.statistic, 3), round(out.p_value, 3)
    (0.5, 0.771)

    References
    ----------
    Hodges, "The significance probability of the Smirnov two-sample test" (1958).
    """

    name = "ks"
    kinds = (Kind.NUMERIC,)
    output = Output.P_VALUE
    default_threshold = 0.05
    description = "Two-sample Kolmogorov–Smirnov test: largest gap between the two CDFs."

    def run(self, pair: ColumnPair) -> Outcome:
        n, m = pair.n_ref, pair.n_cur
        if pair.exact and max(n, m) <= EXACT_P_ROWS:
            from scipy import stats

            res = stats.ks_2samp(pair.ref, pair.cur)
            return Outcome(float(res.statistic), float(res.pvalue))
        pooled = pair.pooled
        d = float(np.max(np.abs(pooled.ref_cdf - pooled.cur_cdf)))
        if pair.exact:
            return Outcome(d, ks_pvalue(d, n, m))
        # a summary: p-values as scipy would compute them on the data (exact up to 10,000
        # values a side), at D and at the reachable ends of D's interval
        e = pair.cdf_error
        p = ks_pvalue_auto(d, n, m)
        interval = (ks_pvalue_auto(d + e, n, m, up=False), ks_pvalue_auto(d - e, n, m))
        return Outcome(d, p, error_bound=e, p_value_interval=interval)
