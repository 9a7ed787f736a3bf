"""k-sample Anderson–Darling test (two samples)."""

from __future__ import annotations

import math

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest

#: Interpolation coefficients of the critical values (Scholz & Stephens 1987, Table 2).
_B0 = np.array([0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085])
_B1 = np.array([-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615])
_B2 = np.array([-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154])
_SIG = np.array([0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001])


def _harmonic_terms(big_n: int) -> tuple[float, float]:
    """h = sum_{i<N} 1/i and g = sum_{i<N-1} sum_{i<j<N} 1/((N-i) j), in bounded memory."""
    chunk = 1 << 22
    running, g = 0.0, 0.0
    # c_t = sum_{s<t} 1/(N-1-s) for t = 1..N-2; g = sum_t c_t / (t+1)
    for start in range(1, big_n - 1, chunk):
        t = np.arange(start, min(start + chunk, big_n - 1), dtype=np.float64)
        c = np.cumsum(1.0 / (big_n - t)) + running
        running = float(c[-1])
        g += float(np.sum(c / (t + 1)))
    return running + 1.0, g


def anderson_2samp(pair: ColumnPair) -> tuple[float, float]:
    """Standardized midrank statistic A²akN and its interpolated p-value, as
    ``scipy.stats.anderson_ksamp(variant="midrank")``, computed from the pooled counts (the
    statistic is defined on distinct values and multiplicities, so no values are expanded)."""
    pooled = pair.pooled
    z = pooled.values
    lj = pooled.weights.astype(np.float64)
    sizes = (pair.n_ref, pair.n_cur)
    big_n = sizes[0] + sizes[1]
    bj = np.cumsum(lj) - lj + lj / 2.0
    a2 = 0.0
    for pts, n in ((pair.ref_points, sizes[0]), (pair.cur_points, sizes[1])):
        right = pts.cdf_right(z).astype(np.float64)
        fij = right - pts.cdf_left(z)
        mij = right - fij / 2.0
        inner = lj / big_n * (big_n * mij - bj * n) ** 2 / (bj * (big_n - bj) - big_n * lj / 4.0)
        a2 += float(inner.sum()) / n
    a2 *= (big_n - 1.0) / big_n
    k = 2
    hh = sum(1.0 / n for n in sizes)
    h, g = _harmonic_terms(big_n)
    a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * hh
    b = (2 * g - 4) * k**2 + 8 * h * k + (2 * g - 14 * h - 4) * hh - 8 * h + 4 * g - 6
    c = (6 * h + 2 * g - 2) * k**2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * hh + 4 * h
    d = (2 * h + 6) * k**2 - 4 * h * k
    nf = float(big_n)
    sigmasq = (a * nf**3 + b * nf**2 + c * nf + d) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0))
    m = k - 1
    stat = (a2 - m) / math.sqrt(sigmasq)
    critical = _B0 + _B1 / math.sqrt(m) + _B2 / m
    if stat < critical.min():
        return stat, float(_SIG.max())
    if stat > critical.max():
        return stat, float(_SIG.min())
    fit = np.polyfit(critical, np.log(_SIG), 2)
    return stat, math.exp(float(np.polyval(fit, stat)))


@register
class AndersonDarling(StatTest):
    """k-sample Anderson–Darling test; more weight in the tails than KS.

    Notes
    -----
    The midrank statistic of Scholz & Stephens, standardized; the p-value is interpolated
    from their tabulated critical values, so it is floored at 0.001 and capped at 0.25 (as
    scipy does). Identical constant samples and a side with a single value give statistic 0
    and p = 1. From a summarized profile the statistic has no usable error bound: the
    outcome says so and the column is decided by its distance test instead.

    Examples
    --------
    >>> out = AndersonDarling().run(ColumnPair.numeric(range(50), range(25, 75)))
    >>> out.p_value < 0.05
    True

    References
    ----------
    Scholz & Stephens, "K-Sample Anderson-Darling Tests", JASA 82 (1987).
    """

    name = "anderson"
    kinds = (Kind.NUMERIC,)
    output = Output.P_VALUE
    default_threshold = 0.05
    description = "Anderson–Darling k-sample test: like KS, more sensitive in the tails."
    threaded = True  # measured: 100,000-point columns ran 1.5x faster on two threads

    def run(self, pair: ColumnPair) -> Outcome:
        r, c = pair.ref_moments, pair.cur_moments
        if r.n < 2 or c.n < 2 or r.min == r.max == c.min == c.max:
            return Outcome(0.0, 1.0)
        stat, p = anderson_2samp(pair)
        if not pair.exact:
            return Outcome(stat, p, p_value_interval=(0.0, 1.0))
        return Outcome(stat, p)
