"""Kullback–Leibler divergence."""

from __future__ import annotations

from driftcli.stattests import register
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest, with_epsilon


@register
class KullbackLeibler(StatTest):
    """Kullback–Leibler divergence KL(reference ‖ current), natural log.

    Notes
    -----
    KL = sum_i ref_i * ln(ref_i / cur_i) as ``scipy.stats.entropy(ref, cur)``, with empty
    bins set to 1e-4 first (KL is infinite otherwise). Not symmetric. Numeric columns use
    Sturges bins over the reference range (open outer bins), categorical columns category
    shares. KL's per-bin terms change sign, so a summarized numeric profile gives it no
    useful bound: there the column is decided by Jensen–Shannon instead, and says so.

    Examples
    --------
    >>> pair = ColumnPair.categorical(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20)
    >>> round(KullbackLeibler().run(pair).statistic, 4)
    0.2231
    """

    name = "kl_div"
    kinds = (Kind.NUMERIC, Kind.CATEGORICAL)
    output = Output.DISTANCE
    default_threshold = 0.1
    description = "Kullback–Leibler divergence of the reference from the current frequencies."

    def run(self, pair: ColumnPair) -> Outcome:
        from scipy import stats  # here, not on top: ~1 s to import

        p, q = pair.shares()
        value = float(stats.entropy(with_epsilon(p), with_epsilon(q)))
        if pair.exact:
            return Outcome(value)
        return Outcome(value, error_bound=float("inf"))
