"""Pearson's chi-square test of homogeneity (two samples)."""

from __future__ import annotations

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class ChiSquare(StatTest):
    """Chi-square test of homogeneity on the 2×k table of category counts.

    Notes
    -----
    Both samples are random, so this is the two-sample test as
    ``scipy.stats.chi2_contingency(table, correction=False)`` computes it, not the
    one-sample goodness-of-fit test against reference proportions (which takes the
    reference's noisy shares as exact and false-alarms far above α). A category seen on
    one side only has a zero cell but a positive expected count, so it needs no special
    case. A single category over both sides has zero degrees of freedom: p = 1.

    Examples
    --------
    >>> pair = ColumnPair.categorical(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20)
    >>> out = ChiSquare().run(pair)
    >>> round(out.statistic, 3), out.p_value < 0.001
    (19.78, True)

    References
    ----------
    Pearson (1900); Agresti, Categorical Data Analysis (2013), §3.2.
    """

    name = "chisquare"
    kinds = (Kind.CATEGORICAL,)
    output = Output.P_VALUE
    default_threshold = 0.05
    description = "Chi-square test of homogeneity on the 2×k table of category counts."

    def run(self, pair: ColumnPair) -> Outcome:
        from scipy import stats  # here, not on top: ~1 s to import

        table = np.vstack([pair.ref_counts, pair.cur_counts])
        if table.shape[1] < 2:
            return Outcome(0.0, 1.0)
        res = stats.chi2_contingency(table, correction=False)
        return Outcome(float(res.statistic), float(res.pvalue))
