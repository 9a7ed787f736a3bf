"""Two-sample Kolmogorov–Smirnov test."""

from __future__ import annotations

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class KolmogorovSmirnov(StatTest):
    """Two-sample Kolmogorov–Smirnov test on the empirical CDFs.

    Notes
    -----
    D = sup_x |F_ref(x) - F_cur(x)|; the p-value is exact for small samples and asymptotic
    otherwise, as ``scipy.stats.ks_2samp(method="auto")`` decides.

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
        from scipy import stats  # here, not on top: ~1 s to import

        res = stats.ks_2samp(pair.ref, pair.cur)
        return Outcome(float(res.statistic), float(res.pvalue))
