"""Fisher's exact test for binary columns."""

from __future__ import annotations

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class FisherExact(StatTest):
    """Fisher's exact test on the 2×2 table of a binary column; for small samples.

    Notes
    -----
    As ``scipy.stats.fisher_exact`` (two-sided); the statistic is the sample odds ratio.
    Conditioning on both margins makes the test conservative on discrete data: its false
    alarm rate stays below α, often well below.

    Examples
    --------
    >>> pair = ColumnPair.categorical(["a"] * 5 + ["b"] * 5, ["a"] * 10)
    >>> round(FisherExact().run(pair).p_value, 4)
    0.0325
    """

    name = "fisher_exact"
    kinds = (Kind.CATEGORICAL,)
    output = Output.P_VALUE
    default_threshold = 0.05
    binary_only = True
    description = "Fisher's exact test (binary columns, small samples)."

    def run(self, pair: ColumnPair) -> Outcome:
        from scipy import stats  # here, not on top: ~1 s to import

        if len(pair.labels) < 2:
            return Outcome(1.0, 1.0)
        table = np.vstack([pair.ref_counts, pair.cur_counts])
        res = stats.fisher_exact(table)
        return Outcome(float(res.statistic), float(res.pvalue))
