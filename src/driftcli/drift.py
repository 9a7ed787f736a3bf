"""Per-column drift: automatic test choice, statistics per side, severity, and the
dataset drift share. Works on Arrow columns; knows nothing of files or rendering."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from driftcli import stattests
from driftcli.columns import NumericSide, Typed, category_counts, numeric_side
from driftcli.errors import UsageError
from driftcli.result import ColumnResult, DatasetDrift
from driftcli.settings import Settings
from driftcli.stattests.base import ColumnPair, Kind, Output, StatTest, quantiles_sorted

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
SEVERITIES = ("none", "low", "medium", "high")


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


def _numeric_stats(side: NumericSide, rows: int) -> dict[str, Any]:
    v = side.values
    out: dict[str, Any] = {
        "rows": rows,
        "missing": side.missing,
        "infinite": side.infinite,
        "missing_share": (side.missing + side.infinite) / rows if rows else None,
        "distinct": int(1 + np.count_nonzero(v[1:] != v[:-1])) if v.size else 0,
    }
    if v.size:
        qs = quantiles_sorted(v, QUANTILES)
        out.update(
            min=float(v[0]),
            max=float(v[-1]),
            mean=float(v.mean()),
            std=float(v.std(ddof=1)) if v.size > 1 else 0.0,
            quantiles={f"{q:g}": float(x) for q, x in zip(QUANTILES, qs, strict=True)},
        )
    return out


def _categorical_stats(
    counts: dict[str, int], other: dict[str, int], missing: int, rows: int, top: int
) -> dict[str, Any]:
    valid = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    unseen = sorted((k for k in counts if k not in other), key=lambda k: (-counts[k], k))
    return {
        "rows": rows,
        "missing": missing,
        "missing_share": missing / rows if rows else None,
        "distinct": len(counts),
        "top": [{"value": k, "count": n, "share": n / valid} for k, n in ranked[:top]],
        "unseen_in_other": unseen[:top],
        "unseen_in_other_count": len(unseen),
    }


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
    """Clean a shared column once, test it, and describe both sides."""
    basic = {"rows": len(ref)}, {"rows": len(cur)}
    if typed.reason is not None:
        return skipped(name, typed, *basic)
    if typed.kind is Kind.NUMERIC:
        rs, cs = numeric_side(ref), numeric_side(cur)
        pair = ColumnPair(Kind.NUMERIC, ref=rs.values, cur=cs.values)
        ref_stats, cur_stats = _numeric_stats(rs, len(ref)), _numeric_stats(cs, len(cur))
    else:
        (rcounts, rmiss), (ccounts, cmiss) = category_counts(ref), category_counts(cur)
        pair = ColumnPair.from_counts(rcounts, ccounts)
        top = settings.top_categories
        ref_stats = _categorical_stats(rcounts, ccounts, rmiss, len(ref), top)
        cur_stats = _categorical_stats(ccounts, rcounts, cmiss, len(cur), top)
    for side, n in (("reference", pair.n_ref), ("current", pair.n_cur)):
        if n == 0:
            why = Typed(typed.kind, f"no non-missing values in {side}")
            return skipped(name, why, ref_stats, cur_stats)

    pair.seed = settings.seed
    test = choose_test(pair, settings, forced_test)
    threshold = forced_threshold or settings.threshold or test.default_threshold
    if test.output is Output.P_VALUE and threshold >= 1:
        source = "threshold" if forced_threshold else settings.where("threshold")
        raise UsageError(
            f"{source} {threshold:g} is not a significance level for column {name!r} "
            f"({test.name} gives a p-value); use a value below 1, or a distance --stattest"
        )
    outcome = test.run(pair)
    decisive = outcome.p_value if test.output is Output.P_VALUE else outcome.statistic
    effect_name = "wasserstein" if typed.kind is Kind.NUMERIC else "jensenshannon"
    effect = outcome if test.name == effect_name else stattests.get(effect_name).run(pair)

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
        effect_size={"name": effect_name, "value": effect.statistic},
    )
    if typed.kind is Kind.NUMERIC:
        result.histogram = {
            "edges": pair.hist_edges.tolist(),
            "reference": pair.ref_counts.tolist(),
            "current": pair.cur_counts.tolist(),
        }
    else:
        result.categories = _category_table(pair, settings.top_categories)
    return result


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
