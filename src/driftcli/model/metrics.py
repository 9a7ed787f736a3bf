"""Metrics from accumulated counts and sums, and the comparison of a metric across sides.

Every metric here is computed from the mergeable summaries of :mod:`driftcli.model.stats`;
the array forms (``binary_roc_auc(y, score)``, ``regression_metrics(y, yhat)``, ...) build
the same summaries from arrays, so the tests check the streaming code against scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from driftcli.model.counts import GRIDS, ValueCounts, auc_from_counts
from driftcli.model.options import (
    DIRECTIONS,
    EPS,
    HIGHER,
    LOWER,
    MULTICLASS_METRICS,
    REGRESSION_METRICS,
    ZERO,
)
from driftcli.model.stats import RegressionSums
from driftcli.stattests.base import FloatArray, IntArray

BoolArray = npt.NDArray[np.bool_]
#: At most this many bins in the residual histogram.
MAX_HISTOGRAM_BINS = 50


@dataclass(frozen=True)
class Value:
    """A metric value on one side, or ``None`` with the reason it is undefined.

    ``error_bound`` is set when the value comes from a binned summary: the exact value lies
    within it.
    """

    value: float | None
    reason: str | None = None
    error_bound: float | None = None


def _ratio(num: float, den: float, why: str) -> Value:
    return Value(float(num) / float(den)) if den > 0 else Value(None, why)


# --------------------------------------------------------------------------------------------
# labels


def confusion_matrix(t: IntArray, p: IntArray, k: int) -> IntArray:
    """Counts of (true class, predicted class) for class codes in ``[0, k)``: rows are true."""
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def label_metrics(cm: IntArray, pos: int | None) -> dict[str, Value]:
    """Accuracy, precision, recall and F1 from a confusion matrix.

    With ``pos`` (binary): precision, recall and F1 of that class, ``None`` when undefined
    (no positive predictions, no positive rows, neither). Without (multiclass): macro and
    weighted averages over the classes present in the target or the predictions of this side;
    a class without predictions (or rows) has precision (or recall) 0, as in scikit-learn.
    """
    n = int(cm.sum())
    if n == 0:
        why = "no rows with both a target and a prediction"
        names = (
            ("accuracy", "precision", "recall", "f1") if pos is not None else MULTICLASS_METRICS[:7]
        )
        return {m: Value(None, why) for m in names}
    tp = np.diag(cm).astype(np.float64)
    true = cm.sum(axis=1).astype(np.float64)
    pred = cm.sum(axis=0).astype(np.float64)
    out = {"accuracy": Value(float(tp.sum() / n))}
    if pos is not None:
        t, fp, fn = tp[pos], pred[pos] - tp[pos], true[pos] - tp[pos]
        out["precision"] = _ratio(t, t + fp, "no positive predictions")
        out["recall"] = _ratio(t, t + fn, "no positive rows in the target")
        out["f1"] = _ratio(2 * t, 2 * t + fp + fn, "no positive rows or predictions")
        return out
    present = (true + pred) > 0
    tp, true, pred = tp[present], true[present], pred[present]
    per_class = {
        "precision": np.divide(tp, pred, out=np.zeros_like(tp), where=pred > 0),
        "recall": np.divide(tp, true, out=np.zeros_like(tp), where=true > 0),
        "f1": 2 * tp / (true + pred),
    }
    weights = true / true.sum()
    for name, values in per_class.items():
        out[f"{name}_macro"] = Value(float(values.mean()))
    for name, values in per_class.items():
        out[f"{name}_weighted"] = Value(float((weights * values).sum()))
    return out


# --------------------------------------------------------------------------------------------
# probabilities


def average_ranks(values: FloatArray) -> FloatArray:
    """Ranks from 1, ties sharing their average rank (``scipy.stats.rankdata``)."""
    from scipy.stats import rankdata  # here: scipy.stats takes ~0.5 s to import

    return np.asarray(rankdata(values), dtype=np.float64)


def auc_value(pos: ValueCounts | None, neg: ValueCounts | None, n_pos: int, n_neg: int) -> Value:
    """ROC AUC from the score counts of the positive and negative rows (``None``: no score
    column for this class, every score 0). See :func:`auc_from_counts` for the bound."""
    if n_pos == 0 or n_neg == 0:
        return Value(None, "only one class in the target")
    if pos is None or neg is None:
        return Value(0.5)
    auc, bound = auc_from_counts(pos, neg)
    return Value(auc) if bound == 0 and pos.exact and neg.exact else Value(auc, None, bound)


def mean_auc(values: list[Value]) -> Value:
    """One-vs-rest macro average; its bound is the mean of the bounds."""
    if any(v.value is None for v in values):
        return Value(None, "only one class in the target")
    mean = float(np.mean(np.asarray([v.value for v in values], dtype=np.float64)))
    bounds = [v.error_bound for v in values if v.error_bound is not None]
    if not bounds:
        return Value(mean)
    return Value(mean, None, float(sum(bounds) / len(values)))


def _counts(values: FloatArray, limit: int) -> ValueCounts:
    vc = ValueCounts("unit", limit)
    vc.add(np.asarray(values, dtype=np.float64))
    return vc


def binary_roc_auc(y: BoolArray, score: FloatArray, exact_limit: int = 2**62) -> Value:
    """Area under the ROC curve: the Mann-Whitney probability that a positive outscores a
    negative, ties counting one half (equal to the trapezoidal ROC area)."""
    y = np.asarray(y, dtype=bool)
    return auc_value(
        _counts(score[y], exact_limit),
        _counts(score[~y], exact_limit),
        int(y.sum()),
        int((~y).sum()),
    )


def roc_auc(t: IntArray, proba: FloatArray, pos: int | None, labels: list[str]) -> Value:
    """Binary: AUC of the positive-class column. Multiclass: one-vs-rest AUC per class,
    averaged (macro); undefined unless every class occurs in the target."""
    if t.size == 0:
        return Value(None, "no rows with a target and probabilities")
    if pos is not None:
        return binary_roc_auc(t == pos, proba[:, pos])
    present = np.bincount(t, minlength=len(labels)) > 0
    if not present.all():
        absent = labels[int(np.flatnonzero(~present)[0])]
        return Value(None, f"class {absent!r} is absent from the target (one-vs-rest needs all)")
    return mean_auc([binary_roc_auc(t == c, proba[:, c]) for c in range(len(labels))])


def log_loss(t: IntArray, proba: FloatArray) -> Value:
    """Mean negative log probability of the true class, clipped to [eps, 1 - eps]."""
    if t.size == 0:
        return Value(None, "no rows with a target and probabilities")
    p_true = proba[np.arange(t.size), t]
    return Value(float(-np.log(np.clip(p_true, EPS, 1 - EPS)).sum()) / t.size)


# --------------------------------------------------------------------------------------------
# regression


def regression_from_sums(g: RegressionSums) -> dict[str, Value]:
    """MAE, RMSE, R², MAPE, mean error (bias, prediction minus target) and error std.

    MAPE averages ``|error| / |target|`` over the rows whose target is not zero (a zero target
    has no percentage error; scikit-learn divides by 2.2e-16 instead, which explodes), and is
    ``None`` when every target is zero. R² is ``None`` for a constant target. The error std is
    the sample standard deviation (ddof 1). All are exact up to float rounding: sums, and
    means / squared deviations merged with Chan's update.
    """
    n = g.n
    if n == 0:
        why = "no rows with both a target and a prediction"
        return {m: Value(None, why) for m in REGRESSION_METRICS}
    constant = g.y_min == g.y_max
    return {
        "mae": Value(g.sum_abs / n),
        "rmse": Value(math.sqrt(g.sum_sq / n)),
        "r2": Value(1.0 - g.sum_sq / g.y.m2)
        if not constant and g.y.m2 > 0
        else Value(None, "the target is constant"),
        "mape": Value(g.sum_ape / g.nonzero) if g.nonzero else Value(None, "every target is zero"),
        "mean_error": Value(g.err.mean),
        "error_std": Value(math.sqrt(g.err.m2 / (n - 1)))
        if n > 1
        else Value(None, "fewer than 2 rows"),
    }


def regression_metrics(y: FloatArray, yhat: FloatArray) -> dict[str, Value]:
    """:func:`regression_from_sums` of finite arrays (targets ``y``, predictions ``yhat``)."""
    g = RegressionSums(2**62)
    g.add(np.asarray(y, dtype=np.float64), np.asarray(yhat, dtype=np.float64))
    return regression_from_sums(g)


def sturges_edges(lo: float, hi: float, n: int) -> FloatArray:
    """The edges ``numpy.histogram_bin_edges(x, "sturges")`` gives for ``n`` values from
    ``lo`` to ``hi``: width ``(hi - lo) / (log2 n + 1)``, a unit range around a constant."""
    first, last = (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)
    width = (hi - lo) / (math.log2(n) + 1.0)
    bins = math.ceil((last - first) / width) if width else 1
    return np.linspace(first, last, bins + 1)


def residual_histogram(ref: ValueCounts, cur: ValueCounts) -> dict[str, Any] | None:
    """Counts of both sides' residuals on shared Sturges bins over their combined range
    (at most ``MAX_HISTOGRAM_BINS``).

    Exact while both residual counts are exact. Otherwise each grid bucket counts in the bin
    of its midpoint; a bucket that straddles a bin edge may belong to the neighbour, so each
    count is within ``error_bound`` rows (the largest straddling mass of any bin)."""
    n = ref.n + cur.n
    if n == 0:
        return None
    lo, hi = min(ref.lo, cur.lo), max(ref.hi, cur.hi)
    edges = sturges_edges(lo, hi, n)
    if edges.size - 1 > MAX_HISTOGRAM_BINS:
        edges = np.linspace(edges[0], edges[-1], MAX_HISTOGRAM_BINS + 1)
    out: dict[str, Any] = {"edges": edges.tolist()}
    bound = 0
    for side, vc in (("reference", ref), ("current", cur)):
        if vc.exact:
            vc._compact()
            counts = np.histogram(vc.values, edges, weights=vc.counts)[0]
            out[side] = np.rint(counts).astype(np.int64).tolist()
            continue
        keys, weights = vc.binned()
        grid = GRIDS[vc.grid]
        points = np.clip(grid.points(keys), lo, hi)
        out[side] = np.rint(np.histogram(points, edges, weights=weights)[0]).astype(int).tolist()
        b_lo, b_hi = grid.bounds(keys)
        first = np.clip(
            np.searchsorted(edges, np.clip(b_lo, lo, hi), "right") - 1, 0, edges.size - 2
        )
        last = np.clip(
            np.searchsorted(edges, np.clip(b_hi, lo, hi), "right") - 1, 0, edges.size - 2
        )
        straddle = first != last
        unsure = np.bincount(first[straddle], weights[straddle], minlength=edges.size - 1)
        unsure += np.bincount(last[straddle], weights[straddle], minlength=edges.size - 1)
        bound = max(bound, int(unsure.max()) if unsure.size else 0)
    if not (ref.exact and cur.exact):
        out["approximate"] = True
        out["error_bound"] = bound
    return out


# --------------------------------------------------------------------------------------------
# comparing a metric across sides


def num(v: float, *others: float) -> str:
    """A value in a message: two decimals, or three significant digits when it (or a value it
    is shown beside) is below 0.1 in size."""
    small = [abs(x) for x in (v, *others) if x != 0]
    if small and min(small) < 0.1:
        return f"{v:.3g}"
    return f"{v:,.2f}"


def pct(x: float) -> str:
    return f"{x * 100:g}%"


def compare_metric(
    name: str,
    ref: Value,
    cur: Value,
    max_drop: float,
    limit: float | None,
) -> tuple[dict[str, Any], list[str]]:
    """One row of ``performance.metrics`` and its breach messages.

    Direction-aware: a higher-is-better metric breaches when it falls by more than
    ``max_drop`` of its reference value, or below ``limit``; a lower-is-better one when it rises
    by more than ``max_drop`` or above ``limit``. The bias (``mean_error``) is judged on its
    absolute value and only against ``limit`` (its relative change around zero means nothing).
    A value from a binned summary adds ``approximate: true`` and ``error_bound`` (the larger
    of the two sides' bounds ``e``) to the row. Its verdict can differ from the exact one only
    when the exact current value lies within ``(2 + max_drop) * e`` of the exact threshold
    (``e`` of ``limit``): each side moves by at most ``e`` and the threshold
    ``r -/+ max_drop * |r|`` by at most ``(1 + max_drop) * e``.
    """
    direction = DIRECTIONS[name]
    r, c = ref.value, cur.value
    change = c - r if r is not None and c is not None else None
    rel = change / abs(r) if change is not None and r is not None and r != 0 else None
    if direction == ZERO:
        rel = None  # a relative change of a value around zero (the bias) means nothing
    notes = [
        f"{side}: {v.reason}" for side, v in (("reference", ref), ("current", cur)) if v.reason
    ]
    breaches: list[str] = []
    threshold: float | None = None
    if direction == HIGHER:
        if r is not None:
            threshold = r - max_drop * abs(r)
        if limit is not None:
            threshold = limit if threshold is None else max(threshold, limit)
    elif direction == LOWER:
        if r is not None:
            threshold = r + max_drop * abs(r)
        if limit is not None:
            threshold = limit if threshold is None else min(threshold, limit)
    else:
        threshold = limit
    if c is not None:
        tol = 1e-12 * max(1.0, abs(r) if r is not None else 1.0)
        if r is not None and direction != ZERO and change is not None:
            worse = -change if direction == HIGHER else change
            verb = "dropped" if direction == HIGHER else "rose"
            rule = "max drop" if direction == HIGHER else "max rise"
            if r == 0 and worse > tol:
                breaches.append(f"{name} {verb} from 0 to {num(c)} (reference was 0)")
            elif r != 0 and worse / abs(r) > max_drop + 1e-12:
                breaches.append(
                    f"{name} {verb} from {num(r, c)} to {num(c, r)} "
                    f"({(rel or 0.0) * 100:+.1f}%, {rule} {pct(max_drop)})"
                )
        if limit is not None:
            if direction == HIGHER and c < limit:
                breaches.append(f"{name} is {num(c)}, below the minimum {limit:g}")
            elif direction == LOWER and c > limit:
                breaches.append(f"{name} is {num(c)}, above the maximum {limit:g}")
            elif direction == ZERO and abs(c) > limit:
                breaches.append(f"{name} is {num(c)}, beyond the maximum |{name}| {limit:g}")
    row: dict[str, Any] = {
        "name": name,
        "reference": r,
        "current": c,
        "change": change,
        "relative_change": rel,
        "threshold": threshold,
        "breached": bool(breaches),
        "direction": direction,
        "limit": limit,
        "note": "; ".join(notes) or None,
    }
    bounds = [v.error_bound for v in (ref, cur) if v.error_bound is not None]
    if bounds:
        row["approximate"] = True
        row["error_bound"] = max(bounds)
    return row, breaches
