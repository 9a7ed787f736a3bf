"""Two-sample Kolmogorov–Smirnov test."""

from __future__ import annotations

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


@register
class KolmogorovSmirnov(StatTest):
    """Two-sample Kolmogorov–Smirnov test on the empirical CDFs.

    Notes
    -----
    D = sup_x |F_ref(x) - F_cur(x)|; the p-value is exact up to 10,000 values per side and
    asymptotic beyond, as ``scipy.stats.ks_2samp(method="auto")`` decides. From a summarized
    profile each CDF is known within its rank error, so D is known within their sum and the
    p-value lies between the asymptotic p-values at the two ends of that interval.

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
        p = ks_pvalue(d, n, m)
        if pair.exact:
            return Outcome(d, p)
        e = pair.cdf_error
        interval = (ks_pvalue(min(d + e, 1.0), n, m), ks_pvalue(max(d - e, 0.0), n, m))
        return Outcome(d, p, error_bound=e, p_value_interval=interval)
