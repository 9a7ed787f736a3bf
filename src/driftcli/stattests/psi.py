"""Population stability index."""

from __future__ import annotations

import numpy as np

from driftcli.stattests import register
from driftcli.stattests.base import (
    ColumnPair,
    FloatArray,
    Kind,
    Outcome,
    Output,
    StatTest,
    with_epsilon,
)

#: Numeric columns are cut at the reference deciles.
N_BINS = 10


def quantile_bin_shares(
    ref: FloatArray, cur: FloatArray, n_bins: int
) -> tuple[FloatArray, FloatArray]:
    """Shares of each sorted side in bins cut at the reference quantiles.

    The outer bins are open-ended so current values outside the reference range still count;
    repeated quantiles (heavy ties) merge into one edge.
    """
    inner = np.unique(np.quantile(ref, np.arange(1, n_bins) / n_bins))
    shares = []
    for side in (ref, cur):
        idx = np.concatenate([[0], np.searchsorted(side, inner, side="left"), [side.size]])
        shares.append(np.diff(idx) / side.size)
    return shares[0], shares[1]


def psi(p: FloatArray, q: FloatArray) -> float:
    """PSI = sum((q - p) * ln(q / p)) over bins, empty bins set to a small epsilon."""
    p, q = with_epsilon(p), with_epsilon(q)
    return float(np.sum((q - p) * np.log(q / p)))


@register
class PopulationStabilityIndex(StatTest):
    """Population stability index between reference and current shares.

    Notes
    -----
    PSI = sum_i (cur_i - ref_i) * ln(cur_i / ref_i). Numeric columns are cut at the
    reference deciles (open-ended outer bins); categorical columns use category shares.
    Empty bins get a share of 1e-4. Rule of thumb: < 0.1 stable, 0.1–0.2 moderate,
    > 0.2 significant; the default threshold is 0.1 (as in Evidently).

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
        if pair.kind is Kind.NUMERIC:
            p, q = quantile_bin_shares(pair.ref, pair.cur, N_BINS)
        else:
            p, q = pair.shares()
        return Outcome(psi(p, q))
