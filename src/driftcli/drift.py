"""Per-column drift: automatic test choice, statistics per side, severity, and the
dataset drift share. Reads column profiles; knows nothing of files or rendering."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from driftcli import stattests
from driftcli.arrays import SMALL_LABELS, sort_ranks, to_numpy
from driftcli.columns import Typed, profile_array
from driftcli.errors import UsageError
from driftcli.profiles.categorical import CategoryCounts
from driftcli.profiles.column import ColumnProfile
from driftcli.profiles.numeric import IntArray, NumericSummary
from driftcli.result import ColumnResult, DatasetDrift
from driftcli.settings import Settings
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest, weighted_quantiles

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
#: Their keys in a column's stats (formatted once, not for every column of every run).
_QUANTILE_KEYS = tuple(f"{q:g}" for q in QUANTILES)
SEVERITIES = ("none", "low", "medium", "high")
#: The distance each kind falls back to when a p-value test cannot decide from a summary.
EFFECT_TEST = {Kind.NUMERIC: "wasserstein", Kind.CATEGORICAL: "jensenshannon"}


def choose_test(pair: ColumnPair, settings: Settings, forced: str | None = None) -> StatTest:
    """The test for a column: the forced one if it applies, else Evidently's defaults.

    Numeric: ``ks`` up to ``small_sample_rows`` non-missing reference values, else
    ``wasserstein``. Categorical: ``z`` for two categories or ``chisquare`` when small, else
    ``jensenshannon``.
    """
    name = forced or settings.stattest
    if name is not None:
        test = stattests.get(name)
        if test.applies_to(pair):
            return test
    small = pair.n_ref <= settings.small_sample_rows
    if pair.kind is Kind.NUMERIC:
        return stattests.get("ks" if small else "wasserstein")
    if small:
        return stattests.get("z" if pair.is_binary else "chisquare")
    return stattests.get("jensenshannon")


def severity(output: Output, value: float | None, threshold: float) -> str:
    """How far past its threshold a statistic lies.

    p-values: none when p >= t, low down to t/10, medium down to t/1000, high below.
    Distances: none below t, low below 2t, medium below 4t, high from 4t.
    """
    if value is None or (not np.isfinite(value) and output is Output.P_VALUE):
        return "none"
    if output is Output.P_VALUE:
        steps = (threshold, threshold / 10, threshold / 1000)
        passed = sum(value < s for s in steps)
    else:
        steps = (threshold, 2 * threshold, 4 * threshold)
        passed = sum(value >= s for s in steps)
    return SEVERITIES[passed]


def _numeric_stats(side: NumericSummary, rows: int, running: IntArray) -> dict[str, Any]:
    m = side.moments
    out: dict[str, Any] = {
        "rows": rows,
        "missing": side.missing,
        "infinite": side.infinite,
        "missing_share": (side.missing + side.infinite) / rows if rows else None,
        "distinct": int(side.points.values.size) if side.exact else None,
    }
    if not side.exact:
        out["approximate"] = True
        out["quantile_rank_error"] = side.rank_error_share
    if m.n:
        qs = weighted_quantiles(side.points, QUANTILES, running)
        out.update(
            min=m.min,
            max=m.max,
            mean=m.mean,
            std=m.std,
            quantiles=dict(zip(_QUANTILE_KEYS, qs.tolist(), strict=True)),
        )
    return out


def _top(labels: pa.Array, counts: np.ndarray[Any, Any], rank: np.ndarray[Any, Any], k: int) -> Any:
    """Indices of the ``k`` largest counts, ties broken by label."""
    order = np.lexsort((rank, -counts))
    return order[:k]


def _categorical_sides(
    pair: ColumnPair, ref: CategoryCounts, cur: CategoryCounts, top: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    labels = pair.label_array
    if len(labels) <= SMALL_LABELS:  # few labels: ranked in Python, no pyarrow.compute
        rank = sort_ranks(pair.labels)
    else:
        import pyarrow.compute as pc

        rank = np.empty(len(labels), np.int64)
        rank[to_numpy(pc.sort_indices(labels))] = np.arange(len(labels))
    out = []
    for mine, other, side in (
        (pair.ref_counts, pair.cur_counts, ref),
        (pair.cur_counts, pair.ref_counts, cur),
    ):
        valid = int(mine.sum())
        present = mine > 0
        idx = np.flatnonzero(present)
        best = idx[_top(labels, mine[idx], rank[idx], top)]
        unseen = np.flatnonzero(present & (other == 0))
        unseen_top = unseen[_top(labels, mine[unseen], rank[unseen], top)]
        rows = valid + side.missing
        out.append(
            {
                "rows": rows,
                "missing": side.missing,
                "missing_share": side.missing / rows if rows else None,
                "distinct": int(present.sum()),
                "top": [
                    {"value": pair.labels[i], "count": int(mine[i]), "share": mine[i] / valid}
                    for i in best
                ],
                "unseen_in_other": [pair.labels[i] for i in unseen_top],
                "unseen_in_other_count": int(unseen.size),
            }
        )
    return out[0], out[1]


def _category_table(pair: ColumnPair, top: int) -> dict[str, Any]:
    labels = pair.labels
    rc, cc = pair.ref_counts, pair.cur_counts
    return {
        "labels": labels[:top],
        "reference": rc[:top].tolist(),
        "current": cc[:top].tolist(),
        "other": {
            "categories": max(len(labels) - top, 0),
            "reference": int(rc[top:].sum()),
            "current": int(cc[top:].sum()),
        },
    }


def skipped(
    name: str, typed: Typed, ref_stats: dict[str, Any], cur_stats: dict[str, Any]
) -> ColumnResult:
    """A column that is not tested, with the stated reason."""
    return ColumnResult(
        name=name,
        kind=typed.kind.value,
        test=None,
        statistic=None,
        p_value=None,
        threshold=None,
        drift=False,
        severity="none",
        skipped_reason=typed.reason,
        reference=ref_stats,
        current=cur_stats,
    )


def _threshold(
    test: StatTest, name: str, settings: Settings, forced: float | None, *, own: bool = False
) -> float:
    threshold = forced or settings.threshold or test.default_threshold
    if own:
        threshold = test.default_threshold
    if test.output is Output.P_VALUE and threshold >= 1:
        source = "threshold" if forced else settings.where("threshold")
        raise UsageError(
            f"{source} {threshold:g} is not a significance level for column {name!r} "
            f"({test.name} gives a p-value); use a value below 1, or a distance --stattest"
        )
    return threshold


def analyze_profiles(
    name: str,
    typed: Typed,
    ref: ColumnProfile,
    cur: ColumnProfile,
    settings: Settings,
    *,
    forced_test: str | None = None,
    forced_threshold: float | None = None,
) -> ColumnResult:
    """Test one shared column from its two profiles, and describe both sides."""
    basic = {"rows": ref.rows}, {"rows": cur.rows}
    if typed.reason is not None:
        return skipped(name, typed, *basic)
    if typed.kind is Kind.NUMERIC:
        rs, cs = ref.as_numeric("reference"), cur.as_numeric("current")
        pair = ColumnPair(Kind.NUMERIC, ref=rs, cur=cs)
        ref_run, cur_run = pair.running
        ref_stats = _numeric_stats(rs, ref.rows, ref_run)
        cur_stats = _numeric_stats(cs, cur.rows, cur_run)
    else:
        rcat, ccat = ref.as_categories("reference"), cur.as_categories("current")
        pair = ColumnPair(Kind.CATEGORICAL, ref_categories=rcat, cur_categories=ccat)
        ref_stats, cur_stats = _categorical_sides(pair, rcat, ccat, settings.top_categories)
    for side, n in (("reference", pair.n_ref), ("current", pair.n_cur)):
        if n == 0:
            why = Typed(typed.kind, f"no non-missing values in {side}")
            return skipped(name, why, ref_stats, cur_stats)

    pair.seed = settings.seed
    test = choose_test(pair, settings, forced_test)
    threshold = _threshold(test, name, settings, forced_threshold)
    outcome = test.run(pair)
    effect_test = stattests.get(EFFECT_TEST[typed.kind])
    effect = outcome if test.name == effect_test.name else effect_test.run(pair)
    note = None
    deferred_from = None
    if test.undecided(outcome, threshold) or (
        outcome.error_bound is not None and not math.isfinite(outcome.error_bound)
    ):
        deferred_from = test.name
        note = (
            f"{test.name} cannot decide from the summarized profile "
            f"(more than {_limit(pair)} distinct values); decided by {effect_test.name}"
        )
        test, outcome = effect_test, effect
        threshold = _threshold(test, name, settings, None, own=True)
    decisive = outcome.p_value if test.output is Output.P_VALUE else outcome.statistic

    result = ColumnResult(
        name=name,
        kind=typed.kind.value,
        test=test.name,
        statistic=outcome.statistic,
        p_value=outcome.p_value,
        threshold=threshold,
        drift=test.drifted(outcome, threshold),
        severity=severity(test.output, decisive, threshold),
        skipped_reason=None,
        reference=ref_stats,
        current=cur_stats,
        output=test.output.value,
        effect_size=_effect(effect_test.name, effect),
        approximate=outcome.approximate,
        error_bound=outcome.error_bound,
        p_value_interval=list(outcome.p_value_interval) if outcome.p_value_interval else None,
        deferred_from=deferred_from,
        note=note,
    )
    if typed.kind is Kind.NUMERIC:
        rc, cc = pair.full_bins
        result.histogram = {
            "edges": pair.hist_edges.tolist(),
            "reference": rc[1:-1].tolist(),
            "current": cc[1:-1].tolist(),
            "below": {"reference": int(rc[0]), "current": int(cc[0])},
            "above": {"reference": int(rc[-1]), "current": int(cc[-1])},
            "approximate": not pair.exact,
        }
    else:
        result.categories = _category_table(pair, settings.top_categories)
    return result


def _limit(pair: ColumnPair) -> str:
    for s in (pair.ref_summary, pair.cur_summary):
        if s is not None and not s.exact:
            return f"{s.points.values.size:,}"
    return "the exact limit of"


def _effect(name: str, effect: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "value": effect.statistic}
    if effect.error_bound is not None:
        out["error_bound"] = effect.error_bound
    return out


def analyze_column(
    name: str,
    typed: Typed,
    ref: pa.ChunkedArray,
    cur: pa.ChunkedArray,
    settings: Settings,
    *,
    forced_test: str | None = None,
    forced_threshold: float | None = None,
) -> ColumnResult:
    """:func:`analyze_profiles` for two in-memory columns (model role columns, tests)."""
    numerical = typed.kind is Kind.NUMERIC
    return analyze_profiles(
        name,
        typed,
        profile_array(name, ref, "reference", numerical=numerical),
        profile_array(name, cur, "current", numerical=numerical),
        settings,
        forced_test=forced_test,
        forced_threshold=forced_threshold,
    )


def dataset_drift(columns: list[ColumnResult], threshold: float) -> DatasetDrift:
    """Share of tested columns that drifted, and whether it reaches ``threshold``."""
    tested = [c for c in columns if c.tested]
    drifted = sum(c.drift for c in tested)
    share = drifted / len(tested) if tested else 0.0
    return DatasetDrift(
        detected=bool(tested) and share >= threshold,
        drifted_columns=drifted,
        total_columns=len(tested),
        share=share,
        threshold=threshold,
    )
