"""Two-sample Cramér–von Mises test."""

from __future__ import annotations

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


@register
class CramerVonMises(StatTest):
    """Two-sample Cramér–von Mises test: the integrated squared gap between the CDFs.

    Notes
    -----
    As ``scipy.stats.cramervonmises_2samp(method="auto")``: exact p-values for small
    samples, asymptotic otherwise. Needs at least two values per side.

    Examples
    --------
    >>> out = CramerVonMises().run(ColumnPair.numeric(range(50), range(25, 75)))
    >>> out.p_value < 0.05
    True

    References
    ----------
    Anderson, "On the distribution of the two-sample Cramér–von Mises criterion" (1962).
    """

    name = "cramer_von_mises"
    kinds = (Kind.NUMERIC,)
    output = Output.P_VALUE
    default_threshold = 0.05
    description = "Cramér–von Mises two-sample test: integrated squared gap between CDFs."

    def run(self, pair: ColumnPair) -> Outcome:
        from scipy import stats  # here, not on top: ~1 s to import

        if pair.ref.size < 2 or pair.cur.size < 2:
            return Outcome(0.0, 1.0)
        res = stats.cramervonmises_2samp(pair.ref, pair.cur)
        return Outcome(float(res.statistic), float(res.pvalue))
