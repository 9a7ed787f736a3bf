"""Two-proportion z-test for binary columns."""

from __future__ import annotations

import math

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class TwoProportionZ(StatTest):
    """Two-proportion z-test with pooled variance, for columns with two categories.

    Notes
    -----
    z = (p_ref - p_cur) / sqrt(p (1 - p) (1/n_ref + 1/n_cur)) with p the pooled share of
    the first category; two-sided p-value. z² equals the uncorrected chi-square statistic
    of the 2×2 table. A column with one category over both sides gives z = 0, p = 1.

    Examples
    --------
    >>> pair = ColumnPair.categorical(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20)
    >>> out = TwoProportionZ().run(pair)
    >>> round(out.statistic, 3), round(out.p_value, 6)
    (-4.447, 9e-06)
    """

    name = "z"
    kinds = (Kind.CATEGORICAL,)
    output = Output.P_VALUE
    default_threshold = 0.05
    binary_only = True
    description = "Two-proportion z-test (binary columns)."

    def run(self, pair: ColumnPair) -> Outcome:
        n1, n2 = pair.n_ref, pair.n_cur
        x1, x2 = int(pair.ref_counts[0]), int(pair.cur_counts[0])
        pooled = (x1 + x2) / (n1 + n2)
        if len(pair.labels) < 2 or pooled in (0.0, 1.0):
            return Outcome(0.0, 1.0)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        from scipy import stats  # here, not on top: ~1 s to import

        return Outcome(z, float(2 * stats.norm.sf(abs(z))))
