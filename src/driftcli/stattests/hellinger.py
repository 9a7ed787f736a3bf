"""Hellinger distance."""

from __future__ import annotations

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class Hellinger(StatTest):
    """Hellinger distance between the two frequency vectors, in [0, 1].

    Notes
    -----
    H = sqrt(sum_i (sqrt(ref_i) - sqrt(cur_i))^2) / sqrt(2). Numeric columns use shared
    Sturges bins, categorical columns category shares.

    Examples
    --------
    >>> pair = ColumnPair.categorical(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20)
    >>> round(Hellinger().run(pair).statistic, 4)
    0.2265
    """

    name = "hellinger"
    kinds = (Kind.NUMERIC, Kind.CATEGORICAL)
    output = Output.DISTANCE
    default_threshold = 0.1
    description = "Hellinger distance between binned or category frequencies (0 to 1)."

    def run(self, pair: ColumnPair) -> Outcome:
        p, q = pair.shares()
        return Outcome(float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2.0)))
