"""Jensen–Shannon distance."""

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


def js_term(p: FloatArray, q: FloatArray) -> FloatArray:
    """Half of p ln(p/m) + q ln(q/m) per bin, m = (p + q) / 2, with 0 ln 0 = 0."""
    m = (p + q) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0) / np.where(m > 0, m, 1.0)), 0.0)
        b = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0) / np.where(m > 0, m, 1.0)), 0.0)
    out: FloatArray = (a + b) / 2.0
    return out


def js_distance(p: FloatArray, q: FloatArray) -> float:
    """sqrt of the Jensen–Shannon divergence (natural log), as scipy's ``jensenshannon``."""
    return math.sqrt(max(float(np.sum(js_term(p, q))), 0.0))


@register
class JensenShannon(StatTest):
    """Jensen–Shannon distance (natural log) between the two frequency vectors.

    Notes
    -----
    sqrt(JS divergence) as ``scipy.spatial.distance.jensenshannon``; bounded by
    sqrt(ln 2) ≈ 0.83. Numeric columns are binned on Sturges bins over the reference range
    (fixed by the reference, open outer bins for current values outside it); categorical
    columns use category shares. Evidently's default for categorical columns with more
    than 1,000 reference rows. From a summarized profile each bin share lies in an
    interval; the per-bin divergence term is convex, zero where the shares agree and
    growing away from it, so its exact range over each box is found at the corners, and
    the distance lies between the square roots of the summed ranges.

    Examples
    --------
    >>> pair = ColumnPair.categorical(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20)
    >>> round(JensenShannon().run(pair).statistic, 4)
    0.2251

    References
    ----------
    Lin, "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory (1991).
    """

    name = "jensenshannon"
    kinds = (Kind.NUMERIC, Kind.CATEGORICAL)
    output = Output.DISTANCE
    default_threshold = 0.1
    description = "Jensen–Shannon distance between binned or category frequencies."

    def run(self, pair: ColumnPair) -> Outcome:
        p, q = pair.shares()
        value = js_distance(p, q)
        if pair.exact:
            return Outcome(value)
        _, _, p_lo, p_hi, q_lo, q_hi = share_boxes(pair)
        lo, hi = diagonal_term_bounds(js_term, p_lo, p_hi, q_lo, q_hi)
        bound = max(math.sqrt(max(hi, 0.0)) - value, value - math.sqrt(max(lo, 0.0)), 0.0)
        return Outcome(value, error_bound=bound)
