"""Model quality: performance metrics per side, their degradation, target and prediction drift,
and prediction confidence without labels.

Everything here is computed with numpy on Arrow columns; scikit-learn is only used by the tests,
which check every metric against it.

Roles (``--target``, ``--prediction``, ``--proba``) are read apart from the feature columns: they
are never part of the feature drift share, and a target missing from the current data means
"labels not yet available" (performance is skipped with the reason), not a schema change.

Rules (documented in README, "Model quality"):

* **Task** ``auto``: classification when ``--proba`` is given, or when the target (else the
  prediction) is boolean or string, or integer with at most 20 distinct reference values;
  regression otherwise. ``--task`` forces either.
* **Rows**: a row counts for the metrics of its side when its target and its prediction (and,
  when given, every probability) are present; the others are dropped and counted.
* **Labels** are compared as text (``1`` and ``1.0`` are the same label; booleans mixed with
  numbers read as 0/1) and ordered numerically when they are all numbers, else alphabetically.
* **Undefined metrics** (ROC AUC with one class, precision without positive predictions, R² of
  a constant target, ...) are ``null`` with the reason, and never breach.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from driftcli.columns import decoded, family, infer_kind
from driftcli.drift import analyze_column
from driftcli.errors import InputError, UsageError
from driftcli.result import ColumnResult
from driftcli.settings import Settings, split_names
from driftcli.stattests.base import FloatArray, IntArray

BoolArray = npt.NDArray[np.bool_]

TASKS = ("auto", "classification", "regression")
#: ``--task auto``: integer targets with at most this many distinct values are classes.
MAX_AUTO_CLASSES = 20
#: Probabilities are clipped to [EPS, 1 - EPS] in the log loss (as scikit-learn does).
EPS = float(np.finfo(np.float64).eps)

HIGHER, LOWER, ZERO = "higher", "lower", "zero"
#: Every metric and which way is better: ``zero`` means closest to zero (the bias).
DIRECTIONS: dict[str, str] = {
    "accuracy": HIGHER,
    "precision": HIGHER,
    "recall": HIGHER,
    "f1": HIGHER,
    "precision_macro": HIGHER,
    "recall_macro": HIGHER,
    "f1_macro": HIGHER,
    "precision_weighted": HIGHER,
    "recall_weighted": HIGHER,
    "f1_weighted": HIGHER,
    "roc_auc": HIGHER,
    "log_loss": LOWER,
    "mae": LOWER,
    "rmse": LOWER,
    "r2": HIGHER,
    "mape": LOWER,
    "mean_error": ZERO,
    "error_std": LOWER,
}
BINARY_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
MULTICLASS_METRICS = (
    "accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
    "roc_auc",
    "log_loss",
)
REGRESSION_METRICS = ("mae", "rmse", "r2", "mape", "mean_error", "error_std")
#: Bins of the top-class probability histogram (confidence), on [0, 1].
CONFIDENCE_BINS = 10


# --------------------------------------------------------------------------------------------
# settings


def parse_min_metric(values: Any) -> dict[str, float]:
    """``["accuracy=0.8", "mae=3"]`` (or a mapping) -> ``{"accuracy": 0.8, "mae": 3.0}``."""
    if isinstance(values, dict):
        values = [f"{k}={v}" for k, v in values.items()]
    out: dict[str, float] = {}
    for item in split_names(values):
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--min-metric expects NAME=VALUE, got {item!r}")
        if name not in DIRECTIONS:
            raise UsageError(
                f"--min-metric: unknown metric {name!r}; choose from: {', '.join(DIRECTIONS)}"
            )
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"--min-metric {name}: {raw.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"--min-metric {name}: the limit must be finite, got {raw.strip()}")
        out[name] = value
    return out


def validate_settings(settings: Settings) -> None:
    """Normalize and check the model-quality options (called by :meth:`Settings.validate`)."""
    s = settings
    s.proba = split_names(s.proba)
    if isinstance(s.min_metric, dict):
        s.min_metric = [f"{k}={v}" for k, v in s.min_metric.items()]
    s.min_metric = split_names(s.min_metric)
    parse_min_metric(s.min_metric)
    if s.pos_label is not None:
        s.pos_label = str(s.pos_label)
    for opt in ("target", "prediction"):
        value = getattr(s, opt)
        if value is not None and not str(value).strip():
            raise UsageError(f"--{opt} needs a column name")
    if s.task not in TASKS:
        raise UsageError(f"--task must be one of {', '.join(TASKS)}, got {s.task!r}")
    if not (isinstance(s.max_metric_drop, int | float) and 0 <= s.max_metric_drop < math.inf):
        raise UsageError(f"--max-metric-drop must be >= 0, got {s.max_metric_drop}")
    if not (isinstance(s.max_confidence_drop, int | float) and 0 <= s.max_confidence_drop <= 1):
        raise UsageError(f"--max-confidence-drop must be in [0, 1], got {s.max_confidence_drop}")
    if not (isinstance(s.low_confidence, int | float) and 0 < s.low_confidence <= 1):
        raise UsageError(f"low_confidence must be in (0, 1], got {s.low_confidence}")
    names = [("--target", s.target), ("--prediction", s.prediction)] + [
        ("--proba", _proba_spec(p)[0]) for p in s.proba
    ]
    seen: dict[str, str] = {}
    for flag, name in names:
        if name is None:
            continue
        if name in seen:
            raise UsageError(f"column {name!r} is given to both {seen[name]} and {flag}")
        seen[name] = flag
    if s.task == "regression" and s.proba:
        raise UsageError("--proba needs a classification task, but --task is regression")
    if s.pos_label is not None and s.task == "regression":
        raise UsageError("--pos-label needs a classification task, but --task is regression")


def _proba_spec(item: str) -> tuple[str, str | None]:
    """``"p_yes=yes"`` -> ``("p_yes", "yes")``; ``"p_yes"`` -> ``("p_yes", None)``."""
    name, sep, label = item.partition("=")
    return (name.strip(), label.strip()) if sep and label.strip() else (item.strip(), None)


def role_columns(settings: Settings) -> set[str]:
    """Names of the target, prediction and probability columns (never feature-tested)."""
    names = {settings.target, settings.prediction}
    names.update(_proba_spec(p)[0] for p in split_names(settings.proba))
    return {n for n in names if n}


# --------------------------------------------------------------------------------------------
# metrics (pure numpy; tested against scikit-learn)


@dataclass(frozen=True)
class Value:
    """A metric value on one side, or ``None`` with the reason it is undefined."""

    value: float | None
    reason: str | None = None


def _ratio(num: float, den: float, why: str) -> Value:
    return Value(float(num) / float(den)) if den > 0 else Value(None, why)


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
            ("accuracy", "precision", "recall", "f1")
            if pos is not None
            else (MULTICLASS_METRICS[:7])
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


def average_ranks(values: FloatArray) -> FloatArray:
    """Ranks from 1, ties sharing their average rank (``scipy.stats.rankdata``'s default)."""
    order = np.argsort(values)
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # first of each tie group
    counts = np.diff(np.r_[starts, values.size])
    group = np.repeat(np.arange(starts.size), counts)
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = (starts + (counts + 1) / 2.0)[group]
    return ranks


def binary_roc_auc(y: BoolArray, score: FloatArray) -> Value:
    """Area under the ROC curve: the Mann-Whitney probability that a positive outscores a
    negative, ties counting one half (equal to the trapezoidal ROC area)."""
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return Value(None, "only one class in the target")
    ranks = average_ranks(score)
    u = float(ranks[y].sum()) - n_pos * (n_pos + 1) / 2.0
    return Value(u / (n_pos * n_neg))


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
    aucs = [binary_roc_auc(t == c, proba[:, c]).value for c in range(len(labels))]
    if any(a is None for a in aucs):
        return Value(None, "only one class in the target")
    return Value(float(np.mean(np.asarray(aucs, dtype=np.float64))))


def log_loss(t: IntArray, proba: FloatArray) -> Value:
    """Mean negative log probability of the true class, clipped to [eps, 1 - eps]."""
    if t.size == 0:
        return Value(None, "no rows with a target and probabilities")
    p_true = proba[np.arange(t.size), t]
    return Value(float(-np.log(np.clip(p_true, EPS, 1 - EPS)).mean()))


def regression_metrics(y: FloatArray, yhat: FloatArray) -> dict[str, Value]:
    """MAE, RMSE, R², MAPE, mean error (bias, prediction minus target) and error std.

    MAPE averages ``|error| / |target|`` over the rows whose target is not zero (a zero target
    has no percentage error; scikit-learn divides by 2.2e-16 instead, which explodes), and is
    ``None`` when every target is zero. R² is ``None`` for a constant target. The error std is
    the sample standard deviation (ddof 1).
    """
    n = y.size
    if n == 0:
        why = "no rows with both a target and a prediction"
        return {m: Value(None, why) for m in REGRESSION_METRICS}
    err = yhat - y
    ss_res = float(np.dot(err, err))
    dev = y - y.mean()
    ss_tot = float(np.dot(dev, dev))
    nonzero = y != 0
    return {
        "mae": Value(float(np.abs(err).mean())),
        "rmse": Value(math.sqrt(ss_res / n)),
        "r2": Value(1.0 - ss_res / ss_tot) if ss_tot > 0 else Value(None, "the target is constant"),
        "mape": Value(float((np.abs(err[nonzero]) / np.abs(y[nonzero])).mean()))
        if nonzero.any()
        else Value(None, "every target is zero"),
        "mean_error": Value(float(err.mean())),
        "error_std": Value(float(err.std(ddof=1))) if n > 1 else Value(None, "fewer than 2 rows"),
    }


def shared_histogram(a: FloatArray, b: FloatArray, max_bins: int = 50) -> dict[str, Any] | None:
    """Counts of both samples on shared Sturges bins over their combined range."""
    if a.size + b.size == 0:
        return None
    both = np.concatenate([a, b])
    edges = np.histogram_bin_edges(both, bins="sturges")
    if edges.size - 1 > max_bins:
        edges = np.linspace(edges[0], edges[-1], max_bins + 1)
    return {
        "edges": edges.tolist(),
        "reference": np.histogram(a, edges)[0].tolist(),
        "current": np.histogram(b, edges)[0].tolist(),
    }


# --------------------------------------------------------------------------------------------
# reading the role columns


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table.column(name) if name in table.column_names else None


def _floats(col: pa.ChunkedArray, what: str) -> FloatArray:
    """A column as float64 with NaN for missing; strings are a :class:`UsageError`."""
    col = decoded(col)
    if family(col.type) not in ("integer", "float", "boolean", "null"):
        raise UsageError(f"{what} must hold numbers, but it holds {family(col.type)} values")
    arr = pc.cast(col, pa.float64()).fill_null(np.nan)
    return np.asarray(arr.to_numpy(), dtype=np.float64)


def _as_labels(col: pa.ChunkedArray, numbers: bool) -> pa.ChunkedArray:
    """Label values, null when missing; whole floats read as integers (``1.0`` -> ``1``),
    booleans as 0/1 when ``numbers`` (they are compared with numeric labels)."""
    col = decoded(col)
    fam = family(col.type)
    if fam in ("datetime", "other"):
        raise UsageError(f"labels of type {col.type} are not supported")
    if fam == "float":
        col = pc.if_else(pc.is_finite(col), col, pa.scalar(None, col.type))
        whole = pc.all(pc.equal(pc.floor(col), col)).as_py()
        if whole is not False:
            col = pc.cast(col, pa.int64())
    elif fam == "integer" or (fam == "boolean" and numbers):
        col = pc.cast(col, pa.int64())
    elif fam == "string":
        col = pc.cast(col, pa.string())
    return col


def _sort_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def encode_labels(
    columns: list[pa.ChunkedArray | None],
) -> tuple[list[str], list[IntArray | None]]:
    """Shared class codes (``-1`` for missing) of several label columns, and the sorted classes.

    Classes sort numerically when every label is a number, else as text.
    """
    present = [c for c in columns if c is not None]
    fams = {family(decoded(c).type) for c in present} - {"null"}
    numbers = bool(fams & {"integer", "float"}) and "string" not in fams
    values = [_as_labels(c, numbers) for c in present]
    if not values:
        return [], [None for _ in columns]
    # one value type for all: as they are when they agree, else float64 (numbers) or text
    types = {v.type for v in values if not pa.types.is_null(v.type)}
    if len(types) == 1:
        common = types.pop()
    elif numbers:
        common = pa.float64()
    else:
        common = pa.string()
    values = [v if v.type == common else pc.cast(v, common) for v in values]
    combined = pa.chunked_array(
        [chunk for v in values for chunk in v.chunks], type=common
    ).combine_chunks()
    encoded = pc.dictionary_encode(combined)
    dictionary: list[str] = pc.cast(encoded.dictionary, pa.string()).to_pylist()
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)
    order = sorted(range(len(dictionary)), key=lambda i: _sort_key(dictionary[i]))
    remap = np.empty(len(dictionary) + 1, dtype=np.int64)
    remap[np.asarray(order, dtype=np.int64)] = np.arange(len(dictionary), dtype=np.int64)
    remap[-1] = -1  # missing stays missing (index -1 picks this slot)
    codes = remap[codes]
    labels = [dictionary[i] for i in order]
    out: list[IntArray | None] = []
    start = 0
    for c in columns:
        if c is None:
            out.append(None)
            continue
        out.append(codes[start : start + len(c)])
        start += len(c)
    return labels, out


def _match_label(wanted: str, labels: list[str]) -> str | None:
    if wanted in labels:
        return wanted
    lowered = {lab.lower(): lab for lab in labels}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    alias = {"true": "1", "false": "0", "1": "true", "0": "false"}.get(wanted.lower())
    if alias is not None and alias in lowered:
        return lowered[alias]
    try:
        number = float(wanted)
    except ValueError:
        return None
    for lab in labels:
        key = _sort_key(lab)
        if key[0] == 0 and key[1] == number:
            return lab
    return None


def default_pos_label(labels: list[str]) -> str:
    """The positive class of a binary task: ``1`` for 0/1 labels, ``true`` for booleans, else
    the greater of the labels (in their sort order; ``1`` when there are none)."""
    if set(labels) <= {"0", "1"}:
        return "1"
    if set(labels) <= {"false", "true"}:
        return "true"
    return labels[-1]


# --------------------------------------------------------------------------------------------
# evaluation


@dataclass
class ModelQuality:
    """The three result sections: ``performance``, ``target_drift``, ``prediction_drift``."""

    performance: dict[str, Any] | None = None
    target_drift: dict[str, Any] | None = None
    prediction_drift: dict[str, Any] | None = None


@dataclass
class _Roles:
    target: str | None
    prediction: str | None
    proba: list[tuple[str, str | None]] = field(default_factory=list)


def _num(v: float, *others: float) -> str:
    """A value in a message: two decimals, or three significant digits when it (or a value it
    is shown beside) is below 0.1 in size."""
    small = [abs(x) for x in (v, *others) if x != 0]
    if small and min(small) < 0.1:
        return f"{v:.3g}"
    return f"{v:,.2f}"


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def detect_task(settings: Settings, ref: pa.Table, roles: _Roles) -> str:
    """``classification`` or ``regression`` (see the module docstring for ``auto``)."""
    if settings.task != "auto":
        return settings.task
    if roles.proba:
        return "classification"
    name = roles.target or roles.prediction
    if name is None:
        return "classification"
    col = decoded(ref.column(name))
    fam = family(col.type)
    if fam in ("boolean", "string"):
        return "classification"
    if fam == "integer":
        distinct = int(pc.count_distinct(col, mode="only_valid").as_py())
        return "classification" if distinct <= MAX_AUTO_CLASSES else "regression"
    return "regression"


def _check_roles(settings: Settings, ref: pa.Table, cur: pa.Table) -> _Roles:
    roles = _Roles(
        settings.target,
        settings.prediction,
        [_proba_spec(p) for p in settings.proba],
    )
    named = [("--target", roles.target), ("--prediction", roles.prediction)] + [
        ("--proba", name) for name, _ in roles.proba
    ]
    for flag, name in named:
        if name is None:
            continue
        if name not in ref.column_names:
            where = "either input" if name not in cur.column_names else "reference"
            raise UsageError(f"{flag}: column {name!r} is missing from {where}")
        if flag != "--target" and name not in cur.column_names:
            raise UsageError(f"{flag}: column {name!r} is missing from current")
    if roles.target is not None and ref.column(roles.target).null_count == len(ref):
        raise InputError(f"--target: column {roles.target!r} has no values in reference")
    return roles


def _target_state(cur: pa.Table, target: str) -> str | None:
    """Why the current labels cannot be used (delayed labels), or None when they can."""
    if target not in cur.column_names:
        return f"current has no target column {target!r} (labels not available yet?)"
    col = cur.column(target)
    values = decoded(col)
    if family(values.type) == "float":
        valid = int(pc.sum(pc.is_finite(values)).as_py() or 0)
    else:
        valid = len(col) - col.null_count
    if valid == 0:
        return f"target column {target!r} is empty in current (labels not available yet?)"
    return None


def _role_column(
    name: str,
    role: str,
    ref: pa.Table,
    cur: pa.Table,
    settings: Settings,
    *,
    categorical: bool,
) -> dict[str, Any]:
    """Drift of one role column with the feature machinery, as a dict with its ``role``."""
    rc, cc = ref.column(name), cur.column(name)
    typed = infer_kind(
        name,
        rc,
        cc,
        categorical=categorical,
        numerical=not categorical,
        max_int_categories=settings.max_int_categories,
        id_unique_share=settings.id_unique_share,
    )
    col: ColumnResult = analyze_column(name, typed, rc, cc, settings)
    out = asdict(col)
    out["role"] = role
    return out


def _drift_message(section: str, col: dict[str, Any]) -> str:
    if col["output"] == "p_value":
        rule = f"p={col['p_value']:.3g} < {col['threshold']:g}"
    else:
        rule = f"{col['statistic']:.3g} >= {col['threshold']:g}"
    return f"{section} drift: {col['name']!r} drifted ({col['test']} {rule})"


def _proba_matrix(ref: pa.Table, cur: pa.Table, roles: _Roles) -> tuple[FloatArray, FloatArray]:
    """Probability columns of each side as float64 matrices (NaN when missing); range-checked."""
    out = []
    for side, table in (("reference", ref), ("current", cur)):
        cols = [_floats(table.column(n), f"--proba column {n!r}") for n, _ in roles.proba]
        m = np.column_stack(cols) if cols else np.empty((table.num_rows, 0))
        finite = m[np.isfinite(m)]
        if finite.size and (finite.min() < 0 or finite.max() > 1):
            bad = float(finite.min() if finite.min() < 0 else finite.max())
            raise InputError(f"--proba: {side} probabilities must lie in [0, 1], found {bad:g}")
        out.append(m)
    return out[0], out[1]


def _confidence(
    ref_p: FloatArray, cur_p: FloatArray, settings: Settings
) -> tuple[dict[str, Any], list[str]]:
    """Mean top-class probability and the share of low-confidence rows, per side."""

    def top(m: FloatArray) -> FloatArray:
        m = m[np.isfinite(m).all(axis=1)]
        if m.shape[1] == 1:
            return np.maximum(m[:, 0], 1 - m[:, 0])
        return np.asarray(m.max(axis=1), dtype=np.float64)

    sides: dict[str, Any] = {}
    tops: dict[str, FloatArray] = {}
    for side, m in (("reference", ref_p), ("current", cur_p)):
        t = top(m)
        tops[side] = t
        sides[side] = {
            "rows": int(t.size),
            "mean_top_probability": float(t.mean()) if t.size else None,
            "low_confidence_share": float((t < settings.low_confidence).mean()) if t.size else None,
        }
    r, c = sides["reference"]["mean_top_probability"], sides["current"]["mean_top_probability"]
    drop = r - c if r is not None and c is not None else None
    breached = drop is not None and drop > settings.max_confidence_drop + 1e-12
    edges = np.linspace(0.0, 1.0, CONFIDENCE_BINS + 1)
    info = {
        **sides,
        "drop": drop,
        "max_drop": settings.max_confidence_drop,
        "low_threshold": settings.low_confidence,
        "breached": breached,
        "histogram": {
            "edges": edges.tolist(),
            "reference": np.histogram(tops["reference"], edges)[0].tolist(),
            "current": np.histogram(tops["current"], edges)[0].tolist(),
        },
    }
    breaches = []
    if breached and r is not None and c is not None and drop is not None:
        breaches.append(
            f"mean top-class probability dropped from {_num(r, c)} to {_num(c, r)} "
            f"(-{_num(drop)}, max drop {settings.max_confidence_drop:g})"
        )
    return info, breaches


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
                breaches.append(f"{name} {verb} from 0 to {_num(c)} (reference was 0)")
            elif r != 0 and worse / abs(r) > max_drop + 1e-12:
                breaches.append(
                    f"{name} {verb} from {_num(r, c)} to {_num(c, r)} "
                    f"({(rel or 0.0) * 100:+.1f}%, {rule} {_pct(max_drop)})"
                )
        if limit is not None:
            if direction == HIGHER and c < limit:
                breaches.append(f"{name} is {_num(c)}, below the minimum {limit:g}")
            elif direction == LOWER and c > limit:
                breaches.append(f"{name} is {_num(c)}, above the maximum {limit:g}")
            elif direction == ZERO and abs(c) > limit:
                breaches.append(f"{name} is {_num(c)}, beyond the maximum |{name}| {limit:g}")
    row = {
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
    return row, breaches


def _classification(
    ref: pa.Table,
    cur: pa.Table,
    roles: _Roles,
    settings: Settings,
    skipped_reason: str | None,
) -> dict[str, Any]:
    """The classification part of ``performance`` (classes, metrics per side, confusion)."""
    target = roles.target
    has_cur_target = skipped_reason is None and target is not None
    label_cols: list[pa.ChunkedArray | None] = [
        _column(ref, target) if target else None,
        _column(cur, target) if has_cur_target and target else None,
        _column(ref, roles.prediction) if roles.prediction else None,
        _column(cur, roles.prediction) if roles.prediction else None,
    ]
    try:
        labels, (t_ref, t_cur, p_ref, p_cur) = encode_labels(label_cols)
    except UsageError as err:
        raise UsageError(f"--target/--prediction: {err}") from None

    encoded = list(labels)
    # probability columns -> classes
    proba_labels: list[str | None] = [lab for _, lab in roles.proba]
    explicit = [lab for lab in proba_labels if lab is not None]
    for lab in explicit:
        if _match_label(lab, labels) is None:
            labels.append(lab)
    labels.sort(key=_sort_key)

    n_proba = len(roles.proba)
    binary = n_proba == 1 or (n_proba != 1 and n_proba <= 2 and len(labels) <= 2)
    pos_label: str | None = None
    if settings.pos_label is not None:
        pos_label = _match_label(settings.pos_label, labels)
        if pos_label is None and (len(labels) >= 2 or not binary):
            raise UsageError(
                f"--pos-label {settings.pos_label!r} is not a class of the target or "
                f"prediction (classes: {', '.join(labels[:10])})"
            )
        pos_label = pos_label or settings.pos_label
    if binary:
        pos_label = pos_label or default_pos_label(labels)
        if pos_label not in labels:
            labels.append(pos_label)
        if n_proba == 1 and len(labels) < 2:
            labels.append(f"not {pos_label}")  # a name for the complement of the probability
        if len(labels) > 2:
            raise UsageError(
                f"--proba: one probability column needs a binary task, but the target and "
                f"prediction have {len(labels)} classes ({', '.join(labels[:10])}); give one "
                "column per class"
            )
        labels.sort(key=_sort_key)
    if labels != encoded:  # classes were added: move the codes to the final order
        moved = np.asarray([labels.index(lab) for lab in encoded] + [-1], dtype=np.int64)
        t_ref, t_cur, p_ref, p_cur = (
            None if c is None else moved[c] for c in (t_ref, t_cur, p_ref, p_cur)
        )
    k = len(labels)
    pos = labels.index(pos_label) if binary and pos_label is not None else None

    # the probability matrix over the classes, per side
    ref_p, cur_p = _proba_matrix(ref, cur, roles)
    prob: dict[str, FloatArray | None] = {"reference": None, "current": None}
    proba_classes: list[str] = []
    if roles.proba:
        if n_proba == 1 and pos is not None:
            proba_classes = [labels[pos]]
            for side, m in (("reference", ref_p), ("current", cur_p)):
                full = np.zeros((m.shape[0], k))
                full[:, pos] = m[:, 0]
                full[:, 1 - pos] = 1 - m[:, 0]
                prob[side] = full
        else:
            proba_classes = _map_proba(roles, labels)
            index = [labels.index(lab) for lab in proba_classes]
            for side, m in (("reference", ref_p), ("current", cur_p)):
                full = np.zeros((m.shape[0], k))
                full[:, index] = m
                prob[side] = full

    sides: dict[str, dict[str, Value]] = {}
    matrices: dict[str, list[list[int]]] = {}
    rows: dict[str, dict[str, int]] = {}
    for side, t, p, pm in (
        ("reference", t_ref, p_ref, prob["reference"]),
        ("current", t_cur, p_cur, prob["current"]),
    ):
        if t is None:
            continue
        ok = t >= 0
        if p is not None:
            ok &= p >= 0
        if pm is not None:
            ok &= np.isfinite(pm).all(axis=1)
        rows[side] = {"rows": int(t.size), "used": int(ok.sum()), "dropped": int((~ok).sum())}
        values: dict[str, Value] = {}
        if p is not None:
            cm = confusion_matrix(t[ok], p[ok], k)
            matrices[side] = cm.tolist()
            values.update(label_metrics(cm, pos))
        if pm is not None:
            values["roc_auc"] = roc_auc(t[ok], pm[ok], pos, labels)
            values["log_loss"] = log_loss(t[ok], pm[ok])
        sides[side] = values

    out: dict[str, Any] = {
        "type": "binary" if binary else "multiclass",
        "classes": labels,
        "pos_label": labels[pos] if pos is not None else None,
        "proba_classes": proba_classes,
        "rows": rows,
        "confusion_matrix": {"labels": labels, **matrices} if matrices else None,
        "_sides": sides,
        "_order": BINARY_METRICS if binary else MULTICLASS_METRICS,
    }
    return out


def _map_proba(roles: _Roles, labels: list[str]) -> list[str]:
    """The class of each probability column: ``COL=LABEL``, else the label the column name
    ends with (``proba_cat`` -> ``cat``), else the classes in sorted order."""
    names = [n for n, _ in roles.proba]
    given = [lab for _, lab in roles.proba]
    mapped: list[str | None] = []
    for name, lab in zip(names, given, strict=True):
        if lab is not None:
            mapped.append(_match_label(lab, labels))
            continue
        hits = [c for c in labels if name.lower().endswith(("_" + c.lower(), "-" + c.lower()))]
        hits += [c for c in labels if name.lower().endswith((":" + c.lower(), "." + c.lower()))]
        mapped.append(max(hits, key=len) if hits else None)
    if all(m is not None for m in mapped) and len(set(mapped)) == len(mapped):
        return [m for m in mapped if m is not None]
    if any(lab is not None for lab in given):
        raise UsageError(
            "--proba: give COL=LABEL for every probability column, or for none "
            f"(classes: {', '.join(labels[:10])})"
        )
    if len(names) != len(labels):
        raise UsageError(
            f"--proba: {len(names)} probability columns for {len(labels)} classes "
            f"({', '.join(labels[:10])}); give one per class, as COL=LABEL when the names "
            "do not end with the class"
        )
    return list(labels)


def _regression(
    ref: pa.Table, cur: pa.Table, roles: _Roles, skipped_reason: str | None
) -> dict[str, Any]:
    """The regression part of ``performance``: metrics per side and the residual histogram."""
    sides: dict[str, dict[str, Value]] = {}
    rows: dict[str, dict[str, int]] = {}
    residuals: dict[str, FloatArray] = {}
    zero_targets: dict[str, int] = {}
    assert roles.target is not None and roles.prediction is not None
    for side, table in (("reference", ref), ("current", cur)):
        if side == "current" and skipped_reason is not None:
            continue
        y = _floats(table.column(roles.target), f"--target column {roles.target!r}")
        yhat = _floats(table.column(roles.prediction), f"--prediction column {roles.prediction!r}")
        ok = np.isfinite(y) & np.isfinite(yhat)
        rows[side] = {"rows": int(y.size), "used": int(ok.sum()), "dropped": int((~ok).sum())}
        sides[side] = regression_metrics(y[ok], yhat[ok])
        residuals[side] = yhat[ok] - y[ok]
        zero_targets[side] = int((y[ok] == 0).sum())
    hist = (
        shared_histogram(residuals["reference"], residuals["current"])
        if "current" in residuals
        else None
    )
    return {
        "type": None,
        "rows": rows,
        "zero_targets": zero_targets,
        "residuals": hist,
        "_sides": sides,
        "_order": REGRESSION_METRICS,
    }


def evaluate(ref: pa.Table, cur: pa.Table, settings: Settings) -> ModelQuality:
    """Performance, target drift and prediction drift for the role columns of ``settings``.

    Returns empty sections (all ``None``) when no role column is given. Raises
    :class:`UsageError` / :class:`InputError` naming the option when the roles cannot be read.
    """
    roles = _check_roles(settings, ref, cur)
    if not (roles.target or roles.prediction or roles.proba):
        if settings.min_metric:
            raise UsageError("--min-metric needs --target with --prediction or --proba")
        return ModelQuality()
    task = detect_task(settings, ref, roles)
    if task == "regression" and roles.proba:
        raise UsageError("--proba needs a classification task, but the task is regression")
    limits = parse_min_metric(settings.min_metric)
    for name in limits:
        if (name in REGRESSION_METRICS) != (task == "regression"):
            raise UsageError(f"{settings.where('min_metric')} {name}: not a {task} metric")
    quality = ModelQuality()
    skipped_reason = _target_state(cur, roles.target) if roles.target is not None else None
    if roles.target is not None:
        quality.performance = _performance(ref, cur, roles, settings, task, skipped_reason, limits)
    elif limits:
        raise UsageError("--min-metric needs --target")
    categorical = task == "classification"

    if roles.target is not None:
        if skipped_reason is None:
            col = _role_column(roles.target, "target", ref, cur, settings, categorical=categorical)
            breaches = [_drift_message("target", col)] if col["drift"] else []
            quality.target_drift = {"columns": [col], "breaches": breaches, "skipped_reason": None}
        else:
            quality.target_drift = {"columns": [], "breaches": [], "skipped_reason": skipped_reason}

    pred_cols: list[dict[str, Any]] = []
    if roles.prediction is not None:
        pred_cols.append(
            _role_column(
                roles.prediction, "prediction", ref, cur, settings, categorical=categorical
            )
        )
    pred_cols.extend(
        _role_column(name, "proba", ref, cur, settings, categorical=False)
        for name, _ in roles.proba
    )
    if pred_cols:
        breaches = [_drift_message("prediction", c) for c in pred_cols if c["drift"]]
        confidence = None
        if roles.proba:
            ref_p, cur_p = _proba_matrix(ref, cur, roles)
            confidence, conf_breaches = _confidence(ref_p, cur_p, settings)
            breaches.extend(conf_breaches)
        quality.prediction_drift = {
            "columns": pred_cols,
            "breaches": breaches,
            "confidence": confidence,
        }
    return quality


def _performance(
    ref: pa.Table,
    cur: pa.Table,
    roles: _Roles,
    settings: Settings,
    task: str,
    skipped_reason: str | None,
    limits: dict[str, float],
) -> dict[str, Any]:
    """The ``performance`` section: metrics per side, their comparison and the breaches."""
    assert roles.target is not None
    perf: dict[str, Any] = {
        "task": task,
        "target": roles.target,
        "prediction": roles.prediction,
        "proba": [n for n, _ in roles.proba],
        "max_metric_drop": settings.max_metric_drop,
        "skipped_reason": skipped_reason,
        "metrics": [],
        "breaches": [],
    }
    if roles.prediction is None and not roles.proba:
        if limits:
            raise UsageError("--min-metric needs --prediction or --proba")
        perf["skipped_reason"] = "no --prediction or --proba given: nothing to score"
        return perf
    if task == "regression":
        if roles.prediction is None:
            raise UsageError("--task regression needs --prediction")
        detail = _regression(ref, cur, roles, skipped_reason)
    else:
        detail = _classification(ref, cur, roles, settings, skipped_reason)
    sides: dict[str, dict[str, Value]] = detail.pop("_sides")
    metric_order: tuple[str, ...] = detail.pop("_order")
    perf.update(detail)
    computed = [m for m in metric_order if m in sides["reference"]]
    for name in limits:
        if name not in computed:
            raise UsageError(
                f"--min-metric {name}: not computed for this {detail.get('type') or task} "
                f"task with these columns (computed: {', '.join(computed)})"
            )
    if skipped_reason is not None:
        perf["reference_metrics"] = {m: sides["reference"][m].value for m in computed}
        return _ordered(perf)
    for name in computed:
        row, msgs = compare_metric(
            name,
            sides["reference"][name],
            sides["current"][name],
            settings.max_metric_drop,
            limits.get(name),
        )
        perf["metrics"].append(row)
        perf["breaches"].extend(msgs)
    return _ordered(perf)


#: Key order of the ``performance`` section: what was scored, the verdict, then the detail.
PERFORMANCE_KEYS = (
    "task",
    "type",
    "target",
    "prediction",
    "proba",
    "pos_label",
    "classes",
    "proba_classes",
    "skipped_reason",
    "max_metric_drop",
    "metrics",
    "breaches",
    "reference_metrics",
    "confusion_matrix",
    "residuals",
    "rows",
    "zero_targets",
)


def _ordered(perf: dict[str, Any]) -> dict[str, Any]:
    first = {k: perf[k] for k in PERFORMANCE_KEYS if k in perf}
    return {**first, **{k: v for k, v in perf.items() if k not in first}}
