"""Two-sample Cramér–von Mises test."""

from __future__ import annotations

import math

import numpy as np

from driftcli.profiles.numeric import dot
from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


def cdf_cvm_limit(x: float) -> float:
    """CDF of the limiting Cramér–von Mises distribution (Csörgő & Faraway 1996, eq. 1.2)."""
    from scipy.special import gammaln, kv

    if x < 0.003:  # the CDF is below 1e-18 there
        return 0.0
    total, k = 0.0, 0
    while True:
        y = 4 * k + 1
        q = y * y / (16 * x)
        u = math.exp(gammaln(k + 0.5) - gammaln(k + 1)) / (math.pi**1.5 * math.sqrt(x))
        term = u * math.sqrt(y) * math.exp(-q) * float(kv(0.25, q))
        total += term
        if abs(term) < 1e-7:
            return float(total)
        k += 1


def cvm_2samp_ties(pair: ColumnPair) -> tuple[float, float]:
    """Cramér–von Mises with ties: statistic from the CDFs, asymptotic p.

    T = n m / N² * sum over the N pooled values of (F_u - F_v)², with right-continuous
    empirical CDFs: Anderson's (1962) integral itself, equal to scipy's rank formula when
    nothing is tied. scipy's rank formula is only valid without ties: it gives identical
    constant samples of sizes 50 and 80 a p-value of 1e-6. The p-value is scipy's
    asymptotic one (Anderson's mean and variance of T, then the limiting distribution);
    measured false-alarm rate at α = 0.05 on heavily tied same-distribution samples
    (4 to 30 distinct values, 5 to 5,000 rows): 0.04 to 0.08.
    """
    n, m = pair.n_ref, pair.n_cur
    big_n, k = n + m, n * m
    pooled = pair.pooled
    gaps = pooled.ref_cdf - pooled.cur_cdf
    t = float(k / big_n**2 * dot(pooled.weights, gaps * gaps))
    et = (1 + 1 / big_n) / 6
    vt = (big_n + 1) * (4 * k * big_n - 3 * (n**2 + m**2) - 2 * k) / (45 * big_n**2 * 4 * k)
    tn = 1 / 6 + (t - et) / math.sqrt(45 * vt)
    return t, min(max(1.0 - cdf_cvm_limit(tn), 0.0), 1.0)


@register
class CramerVonMises(StatTest):
    """Two-sample Cramér–von Mises test: the integrated squared gap between the CDFs.

    Notes
    -----
    As ``scipy.stats.cramervonmises_2samp(method="auto")``: exact p-values for small
    samples, asymptotic otherwise. Needs at least two values per side. With tied values
    scipy's rank formula is wrong (identical samples of unequal sizes can get p ≈ 0), so
    tied samples get the statistic from the empirical CDFs and the asymptotic p-value
    (:func:`cvm_2samp_ties`). From a summarized profile the statistic, which scales with
    n m / N, has no error bound narrow enough for a p-value: the outcome says so (p-value
    interval 0 to 1) and the column is decided by its distance test instead.

    Examples
    --------
    >>> out = CramerVonMises().run(ColumnPair.numeric(range(50), range(25, 75)))
    >>> out.p_value < 0.05
    True

    References
    ----------
    Anderson, "On the distribution of the two-sample Cramér–von Mises criterion" (1962).
    """

    name = "cramer_von_mises"
    kinds = (Kind.NUMERIC,)
    output = Output.P_VALUE
    default_threshold = 0.05
    description = "Cramér–von Mises two-sample test: integrated squared gap between CDFs."

    def run(self, pair: ColumnPair) -> Outcome:
        if pair.n_ref < 2 or pair.n_cur < 2:
            return Outcome(0.0, 1.0)
        if not pair.exact:
            t, p = cvm_2samp_ties(pair)
            return Outcome(t, p, p_value_interval=(0.0, 1.0))
        if np.any(pair.pooled.weights > 1):
            return Outcome(*cvm_2samp_ties(pair))
        from scipy import stats  # here, not on top: ~1 s to import

        res = stats.cramervonmises_2samp(pair.ref_points.values, pair.cur_points.values)
        return Outcome(float(res.statistic), float(res.pvalue))
