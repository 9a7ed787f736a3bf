"""Welch's two-sample t-test (unequal variances)."""

from __future__ import annotations

import math

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class WelchTTest(StatTest):
    """Welch's t-test for a shift of the mean; blind to changes of shape or spread.

    Notes
    -----
    t = (mean_ref - mean_cur) / sqrt(s_ref²/n_ref + s_cur²/n_cur) with Welch–Satterthwaite
    degrees of freedom, as ``scipy.stats.ttest_ind(equal_var=False)``. It needs only the
    count, mean and variance of each side, which every profile keeps exactly, so it is
    exact at any size. Two constant sides give p = 1 when equal and p = 0 when not, with
    t = ±inf carrying the sign of mean_ref - mean_cur; a side with a single value gives p = 1.

    Examples
    --------
    >>> out = WelchTTest().run(ColumnPair.numeric([1, 2, 3, 4], [3, 4, 5, 6]))
    >>> round(out.statistic, 3), round(out.p_value, 3)
    (-2.191, 0.071)
    """

    name = "t_test"
    kinds = (Kind.NUMERIC,)
    output = Output.P_VALUE
    default_threshold = 0.05
    description = "Welch's t-test: has the mean moved? (ignores shape and spread)"

    def run(self, pair: ColumnPair) -> Outcome:
        from scipy import stats  # here, not on top: ~1 s to import

        r, c = pair.ref_moments, pair.cur_moments
        if r.n < 2 or c.n < 2:
            return Outcome(0.0, 1.0)  # no variance estimate on a single-value side
        if not (r.min == r.max and c.min == c.max):
            res = stats.ttest_ind_from_stats(
                r.mean, r.std, r.n, c.mean, c.std, c.n, equal_var=False
            )
            if math.isfinite(res.pvalue):
                return Outcome(float(res.statistic), float(res.pvalue))
        # constant sides, or variances that underflow to 0 (values ~1e-300): t = d / 0
        diff = r.mean - c.mean
        if diff == 0:
            return Outcome(0.0, 1.0)
        return Outcome(math.copysign(math.inf, diff), 0.0)
