"""Hellinger distance."""

from __future__ import annotations

import math

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import (
    ColumnPair,
    FloatArray,
    Kind,
    Outcome,
    Output,
    StatTest,
    diagonal_term_bounds,
    share_boxes,
)


def hellinger_term(p: FloatArray, q: FloatArray) -> FloatArray:
    """(sqrt(p) - sqrt(q))^2 per bin."""
    out: FloatArray = (np.sqrt(p) - np.sqrt(q)) ** 2
    return out


@register
class Hellinger(StatTest):
    """Hellinger distance between the two frequency vectors, in [0, 1].

    Notes
    -----
    H = sqrt(sum_i (sqrt(ref_i) - sqrt(cur_i))^2) / sqrt(2). Numeric columns use Sturges
    bins over the reference range (open outer bins), categorical columns category shares.
    From a summarized profile the bound comes from the per-bin share intervals, as for
    Jensen–Shannon (the per-bin term is convex and zero where the shares agree).

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
        value = math.sqrt(float(np.sum(hellinger_term(p, q)))) / math.sqrt(2.0)
        if pair.exact:
            return Outcome(value)
        _, _, p_lo, p_hi, q_lo, q_hi = share_boxes(pair)
        lo, hi = diagonal_term_bounds(hellinger_term, p_lo, p_hi, q_lo, q_hi)
        lo_d, hi_d = math.sqrt(max(lo, 0.0) / 2.0), math.sqrt(max(hi, 0.0) / 2.0)
        return Outcome(value, error_bound=max(hi_d - value, value - lo_d, 0.0))
