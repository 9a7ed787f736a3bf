"""Wasserstein (earth mover's) distance, normalized by the reference standard deviation."""

from __future__ import annotations

import numpy as np

from driftcli.profiles.numeric import dot
from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


def wasserstein_pooled(pair: ColumnPair) -> float:
    """W1 = integral |F_ref - F_cur| dx over the pooled points, as
    ``scipy.stats.wasserstein_distance`` (with weights) computes it."""
    pooled = pair.pooled
    gaps = np.abs(pooled.ref_cdf[:-1] - pooled.cur_cdf[:-1])
    return float(dot(gaps, pooled.widths))


@register
class Wasserstein(StatTest):
    """Wasserstein distance divided by the reference standard deviation.

    Notes
    -----
    W1 = integral |F_ref(x) - F_cur(x)| dx, divided by max(std(ref), 1e-3) so that 0.1
    means "a tenth of a standard deviation of mass moved", comparable across columns.
    This is Evidently's default for numeric columns with more than 1,000 reference rows.
    From summarized profiles, W1 is a metric, so the error is at most the cost of moving
    each side's values onto its summary points (tracked while profiling), over the same
    normalization.

    Examples
    --------
    >>> round(Wasserstein().run(ColumnPair.numeric([0, 1, 2, 3], [1, 2, 3, 4])).statistic, 4)
    0.8944

    References
    ----------
    Villani, Optimal Transport (2009); scipy.stats.wasserstein_distance.
    """

    name = "wasserstein"
    kinds = (Kind.NUMERIC,)
    output = Output.DISTANCE
    default_threshold = 0.1
    description = "Wasserstein distance / reference std: how far the mass moved."

    def run(self, pair: ColumnPair) -> Outcome:
        norm = max(pair.ref_std, 1e-3)
        value = wasserstein_pooled(pair) / norm
        if pair.exact:
            return Outcome(value)
        return Outcome(value, error_bound=pair.transport_error / norm)
