"""Population stability index."""

from __future__ import annotations

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import (
    EPSILON,
    ColumnPair,
    FloatArray,
    Kind,
    Outcome,
    Output,
    StatTest,
    diagonal_term_bounds,
    weighted_quantiles,
)

#: Numeric columns are cut at the reference deciles.
N_BINS = 10


def decile_shares(pair: ColumnPair, n_bins: int = N_BINS) -> tuple[FloatArray, ...]:
    """Shares of each side in bins cut at the reference quantiles, with their error bounds.

    Bins are ``[a, b)``; the outer bins are open-ended so current values outside the
    reference range still count. A value that is more than one quantile (a tenth or more of
    the reference: zero in a zero-inflated column, the value of a constant one) gets a bin
    ``[v, v]`` of its own, so values moving off it or onto it are seen. A bin's count comes
    from two CDF evaluations, so its share is within twice the side's CDF error (once for
    outer bins).
    """
    qs = weighted_quantiles(pair.ref_points, np.arange(1, n_bins) / n_bins)
    inner, repeats = np.unique(qs, return_counts=True)
    heavy = repeats > 1
    # cut positions in order: before each edge, and after each heavy one
    order = np.argsort(np.concatenate([np.arange(inner.size), np.flatnonzero(heavy) + 0.5]))
    shares, errors = [], []
    for s in (pair.ref_summary, pair.cur_summary):
        assert s is not None
        cuts = np.concatenate([s.points.cdf_left(inner), s.points.cdf_right(inner[heavy])])
        counts = np.diff(np.concatenate([[0], cuts[order], [s.n]]))
        shares.append(counts / s.n)
        err = np.full(counts.size, 2 * s.rank_error_share)
        err[0] = err[-1] = s.rank_error_share
        errors.append(err)
    return shares[0], shares[1], errors[0], errors[1]


def psi_term(p: FloatArray, q: FloatArray) -> FloatArray:
    """(q - p) ln(q / p) per bin, shares floored at :data:`EPSILON`."""
    p, q = np.maximum(p, EPSILON), np.maximum(q, EPSILON)
    out: FloatArray = (q - p) * np.log(q / p)
    return out


def psi(p: FloatArray, q: FloatArray) -> float:
    """PSI = sum((q - p) * ln(q / p)) over bins, shares below 1e-4 counted as 1e-4."""
    return float(np.sum(psi_term(p, q)))


@register
class PopulationStabilityIndex(StatTest):
    """Population stability index between reference and current shares.

    Notes
    -----
    PSI = sum_i (cur_i - ref_i) * ln(cur_i / ref_i). Numeric columns are cut at the
    reference deciles (open-ended outer bins); categorical columns use category shares.
    Shares below 1e-4 count as 1e-4 (so empty bins stay finite and PSI is continuous).
    Rule of thumb: < 0.1 stable, 0.1–0.2 moderate, > 0.2 significant; the default threshold
    is 0.1 (as in Evidently). From a summarized profile each bin's share lies in a known
    interval; each per-bin term is convex, zero where the shares agree and growing away
    from that, so its range over the box of the two intervals is exact at the box's
    corners, and the bound is the largest distance of the PSI from those ranges' sums.

    Examples
    --------
    >>> pair = ColumnPair.categorical(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20)
    >>> round(PopulationStabilityIndex().run(pair).statistic, 4)
    0.4159

    References
    ----------
    Yurdakul, "Statistical properties of population stability index" (2018).
    """

    name = "psi"
    kinds = (Kind.NUMERIC, Kind.CATEGORICAL)
    output = Output.DISTANCE
    default_threshold = 0.1
    description = "Population stability index over reference-decile bins or categories."

    def run(self, pair: ColumnPair) -> Outcome:
        if pair.kind is not Kind.NUMERIC:
            p, q = pair.shares()
            return Outcome(psi(p, q))
        p, q, ep, eq = decile_shares(pair)
        value = psi(p, q)
        if pair.exact:
            return Outcome(value)
        lo, hi = diagonal_term_bounds(
            psi_term,
            np.clip(p - ep, 0, 1),
            np.clip(p + ep, 0, 1),
            np.clip(q - eq, 0, 1),
            np.clip(q + eq, 0, 1),
        )
        return Outcome(value, error_bound=max(hi - value, value - lo, 0.0))
