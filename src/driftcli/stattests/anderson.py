"""k-sample Anderson–Darling test (two samples)."""

from __future__ import annotations

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest


def anderson_2samp(ref: object, cur: object) -> tuple[float, float]:
    """``scipy.stats.anderson_ksamp`` (midrank variant).

    Its "p-value capped/floored" warnings are silenced once by :func:`driftcli.compare`
    (warning filters are process-wide, so not here in the worker threads).
    """
    from scipy import stats  # here, not on top: ~1 s to import

    try:
        res = stats.anderson_ksamp([ref, cur], variant="midrank")
    except TypeError:  # scipy < 1.17 has no `variant`
        res = stats.anderson_ksamp([ref, cur])
    return float(res.statistic), float(res.pvalue)


@register
class AndersonDarling(StatTest):
    """k-sample Anderson–Darling test; more weight in the tails than KS.

    Notes
    -----
    The midrank statistic of Scholz & Stephens; scipy interpolates the p-value from
    tabulated values, so it is floored at 0.001 and capped at 0.25. Identical constant
    samples (no distinct observation) and a side with a single value (nothing to test;
    scipy raises or returns NaN) give statistic 0 and p = 1.

    Examples
    --------
    >>> out = AndersonDarling().run(ColumnPair.numeric(range(50), range(25, 75)))
    >>> out.p_value < 0.05
    True

    References
    ----------
    Scholz & Stephens, "K-Sample Anderson-Darling Tests", JASA 82 (1987).
    """

    name = "anderson"
    kinds = (Kind.NUMERIC,)
    output = Output.P_VALUE
    default_threshold = 0.05
    description = "Anderson–Darling k-sample test: like KS, more sensitive in the tails."

    def run(self, pair: ColumnPair) -> Outcome:
        r, c = pair.ref, pair.cur
        if r.size < 2 or c.size < 2 or r[0] == r[-1] == c[0] == c[-1]:
            return Outcome(0.0, 1.0)  # scipy raises, or returns NaN, on a single-value side
        return Outcome(*anderson_2samp(r, c))
