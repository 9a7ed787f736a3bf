"""Jensen–Shannon distance."""

from __future__ import annotations

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class JensenShannon(StatTest):
    """Jensen–Shannon distance (natural log) between the two frequency vectors.

    Notes
    -----
    sqrt(JS divergence) as ``scipy.spatial.distance.jensenshannon``; bounded by
    sqrt(ln 2) ≈ 0.83. Numeric columns are binned on shared Sturges bins over both sides,
    categorical columns use category shares. Evidently's default for categorical columns
    with more than 1,000 reference rows.

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
        from scipy.spatial import distance  # here, not on top: ~0.3 s to import

        p, q = pair.shares()
        return Outcome(float(distance.jensenshannon(p, q)))
