"""Model quality from two sides' :class:`ModelStats`: performance metrics per side and their
degradation, target and prediction drift, and prediction confidence without labels.

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
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import pyarrow as pa

from driftcli.errors import InputError, UsageError
from driftcli.model.counts import GRIDS, ValueCounts
from driftcli.model.labels import (
    LABEL_FAMILIES,
    NUMERIC_FAMILIES,
    default_pos_label,
    match_label,
    numbers_rename,
    sort_key,
)
from driftcli.model.metrics import (
    Value,
    auc_value,
    compare_metric,
    label_metrics,
    mean_auc,
    num,
    regression_from_sums,
    residual_histogram,
)
from driftcli.model.options import (
    BINARY_METRICS,
    CONFIDENCE_BINS,
    EPS,
    MAX_AUTO_CLASSES,
    MAX_CLASSES,
    MULTICLASS_METRICS,
    REGRESSION_METRICS,
    Roles,
    parse_min_metric,
)
from driftcli.model.quality import ModelQuality as ModelQuality  # its former home
from driftcli.model.quality import without_roles
from driftcli.model.stats import DEFAULT_EXACT_LIMIT, ClassCounts, ModelStats
from driftcli.settings import Settings

#: ``column_drift(name)``: the drift dict of one role column, as ``analyze_column`` builds it.
ColumnDrift = Callable[[str], dict[str, Any]]
SIDES = ("reference", "current")


# --------------------------------------------------------------------------------------------
# checks and task


def _check_roles(roles: Roles, ref: ModelStats, cur: ModelStats) -> None:
    named = [("--target", roles.target), ("--prediction", roles.prediction)] + [
        ("--proba", name) for name in roles.proba_names
    ]
    for flag, name in named:
        if name is None:
            continue
        if name not in ref.families:
            where = "either input" if name not in cur.families else "reference"
            raise UsageError(f"{flag}: column {name!r} is missing from {where}")
        if flag != "--target" and name not in cur.families:
            raise UsageError(f"{flag}: column {name!r} is missing from current")
    if roles.target is not None and ref.target_nulls == ref.rows:
        raise InputError(f"--target: column {roles.target!r} has no values in reference")


def _target_state(cur: ModelStats, target: str) -> str | None:
    """Why the current labels cannot be used (delayed labels), or None when they can."""
    if target not in cur.families:
        return f"current has no target column {target!r} (labels not available yet?)"
    if cur.target_valid == 0:
        return f"target column {target!r} is empty in current (labels not available yet?)"
    return None


def detect_task(settings: Settings, ref: ModelStats) -> str:
    """``classification`` or ``regression`` (see the module docstring for ``auto``)."""
    if settings.task != "auto":
        return str(settings.task)
    roles = ref.roles
    if roles.proba:
        return "classification"
    name = roles.target or roles.prediction
    if name is None:
        return "classification"
    fam = ref.families.get(name, "null")
    if fam in ("boolean", "string"):
        return "classification"
    if fam == "integer":
        seen = ref.labels[name]
        few = not seen.overflow and len(seen.labels) <= MAX_AUTO_CLASSES
        return "classification" if few else "regression"
    return "regression"


def drift_kinds(ref: ModelStats, settings: Settings) -> dict[str, str]:
    """How each role column is drift-tested: ``categorical`` (target and prediction of a
    classification) or ``numeric`` (regression, probabilities). The column-drift function
    given to :func:`evaluate_stats` forces these kinds."""
    categorical = detect_task(settings, ref) == "classification"
    roles = ref.roles
    out = {n: "numeric" for n in roles.proba_names}
    for name in (roles.target, roles.prediction):
        if name is not None:
            out[name] = "categorical" if categorical else "numeric"
    return out


def _drift_message(section: str, col: dict[str, Any]) -> str:
    if col["output"] == "p_value":
        rule = f"p={col['p_value']:.3g} < {col['threshold']:g}"
    else:
        rule = f"{col['statistic']:.3g} >= {col['threshold']:g}"
    return f"{section} drift: {col['name']!r} drifted ({col['test']} {rule})"


def _check_proba(roles: Roles, sides: dict[str, ModelStats]) -> None:
    """Probability columns hold numbers in [0, 1] on both sides."""
    for side, st in sides.items():
        for name in roles.proba_names:
            fam = st.families.get(name, "null")
            if fam not in NUMERIC_FAMILIES:
                raise UsageError(
                    f"--proba column {name!r} must hold numbers, but it holds {fam} values"
                )
        p = st.proba
        if p is not None and p.lo <= p.hi and (p.lo < 0 or p.hi > 1):
            bad = p.lo if p.lo < 0 else p.hi
            raise InputError(f"--proba: {side} probabilities must lie in [0, 1], found {bad:g}")


# --------------------------------------------------------------------------------------------
# classification


def _label_columns(
    ref: ModelStats, cur: ModelStats, skipped_reason: str | None
) -> list[tuple[str, ModelStats, str]]:
    """The (side, summary, column) that name classes: both sides' target and prediction,
    without the current target when its labels are not available."""
    roles = ref.roles
    out = []
    for side, st in (("reference", ref), ("current", cur)):
        for name in (roles.target, roles.prediction):
            if name is None or name not in st.families:
                continue
            if side == "current" and name == roles.target and skipped_reason is not None:
                continue
            out.append((side, st, name))
    return out


def _classification(
    ref: ModelStats, cur: ModelStats, settings: Settings, skipped_reason: str | None
) -> dict[str, Any]:
    """The classification part of ``performance`` (classes, metrics per side, confusion)."""
    roles = ref.roles
    sides = {"reference": ref} if skipped_reason is not None else {"reference": ref, "current": cur}
    columns = _label_columns(ref, cur, skipped_reason)
    fams = set()
    for _, st, name in columns:
        fam = st.families[name]
        if fam not in LABEL_FAMILIES:
            raise UsageError(f"--target/--prediction: labels of type {fam} are not supported")
        fams.add(fam)
    for side, st, name in columns:
        if st.labels[name].overflow:
            raise UsageError(
                f"--target/--prediction: {name!r} has more than {MAX_CLASSES:,} distinct "
                f"labels in {side}: too many classes to score (use --task regression?)"
            )
    counts: dict[str, ClassCounts] = {}
    rename = numbers_rename(fams)
    for side, st in sides.items():
        if st.cls is None:
            raise UsageError(f"--target/--prediction: the {side} labels cannot be scored")
        counts[side] = st.cls.renamed(rename)
    found = {rename.get(lab, lab) for _, st, name in columns for lab in st.labels[name].labels}
    labels = sorted(found, key=sort_key)

    n_proba = len(roles.proba)
    for _, lab in roles.proba:
        if lab is not None and match_label(lab, labels) is None:
            labels.append(lab)
    labels.sort(key=sort_key)
    binary = n_proba == 1 or (n_proba != 1 and n_proba <= 2 and len(labels) <= 2)
    pos_label: str | None = None
    if settings.pos_label is not None:
        pos_label = match_label(settings.pos_label, labels)
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
        labels.sort(key=sort_key)
    k = len(labels)
    pos = labels.index(pos_label) if binary and pos_label is not None else None

    proba_classes: list[str] = []
    if roles.proba:
        _check_proba(roles, {"reference": ref, "current": cur})
        if n_proba == 1 and pos is not None:
            proba_classes = [labels[pos]]
        else:
            proba_classes = _map_proba(roles, labels)
    column_of = {lab: j for j, lab in enumerate(proba_classes)}

    values: dict[str, dict[str, Value]] = {}
    matrices: dict[str, list[list[int]]] = {}
    rows: dict[str, dict[str, int]] = {}
    index = {lab: i for i, lab in enumerate(labels)}
    for side, c in counts.items():
        used = c.used
        rows[side] = {"rows": sides[side].rows, "used": used, "dropped": sides[side].rows - used}
        got: dict[str, Value] = {}
        if roles.prediction is not None:
            cm = np.zeros((k, k), dtype=np.int64)
            for (a, b), n in c.pairs.items():
                cm[index[a], index[b]] += n
            matrices[side] = cm.tolist()
            got.update(label_metrics(cm, pos))
        if roles.proba:
            got["roc_auc"] = _roc_auc(c, labels, pos, column_of)
            got["log_loss"] = _log_loss(c, column_of, n_proba == 1)
        values[side] = got

    return {
        "type": "binary" if binary else "multiclass",
        "classes": labels,
        "pos_label": labels[pos] if pos is not None else None,
        "proba_classes": proba_classes,
        "rows": rows,
        "confusion_matrix": {"labels": labels, **matrices} if matrices else None,
        "_sides": values,
        "_order": BINARY_METRICS if binary else MULTICLASS_METRICS,
    }


def _class_auc(c: ClassCounts, label: str, column: int | None) -> Value:
    """One-vs-rest AUC of ``label`` scored by probability ``column`` (None: scores all 0)."""
    n_pos = c.label_rows.get(label, 0)
    n_neg = c.used - n_pos
    if column is None:
        return Value(None, "only one class in the target") if not (n_pos and n_neg) else Value(0.5)
    pos = c.scores.get((column, label))
    rest = [vc for (j, lab), vc in c.scores.items() if j == column and lab != label]
    neg = ValueCounts.combine(rest, "unit") if rest else None
    return auc_value(pos, neg, n_pos, n_neg)


def _roc_auc(
    c: ClassCounts, labels: list[str], pos: int | None, column_of: dict[str, int]
) -> Value:
    """Binary: AUC of the positive class. Multiclass: one-vs-rest AUC per class, averaged
    (macro); undefined unless every class occurs in the target."""
    if c.used == 0:
        return Value(None, "no rows with a target and probabilities")
    if pos is not None:
        return _class_auc(
            c, labels[pos], column_of.get(labels[pos], 0 if len(column_of) == 1 else None)
        )
    absent = [lab for lab in labels if not c.label_rows.get(lab)]
    if absent:
        return Value(None, f"class {absent[0]!r} is absent from the target (one-vs-rest needs all)")
    return mean_auc([_class_auc(c, lab, column_of.get(lab)) for lab in labels])


def _log_loss(c: ClassCounts, column_of: dict[str, int], single: bool) -> Value:
    """Mean negative log probability of the true class, clipped to [eps, 1 - eps]: a sum of
    per-label sums, exact up to float rounding. With one probability column the rows of the
    other class read ``1 - p``; a class without a column has probability 0."""
    n = c.used
    if n == 0:
        return Value(None, "no rows with a target and probabilities")
    total = 0.0
    for label, rows in c.label_rows.items():
        j = column_of.get(label)
        if j is not None:
            total += c.loss.get((j, label), 0.0)
        elif single:
            total += c.loss_rest.get(label, 0.0)
        else:
            total += rows * -math.log(EPS)
    return Value(total / n)


def _map_proba(roles: Roles, labels: list[str]) -> list[str]:
    """The class of each probability column: ``COL=LABEL``, else the label the column name
    ends with (``proba_cat`` -> ``cat``), else the classes in sorted order."""
    names = roles.proba_names
    given = [lab for _, lab in roles.proba]
    mapped: list[str | None] = []
    for name, lab in zip(names, given, strict=True):
        if lab is not None:
            mapped.append(match_label(lab, labels))
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


# --------------------------------------------------------------------------------------------
# regression


def _regression(ref: ModelStats, cur: ModelStats, skipped_reason: str | None) -> dict[str, Any]:
    """The regression part of ``performance``: metrics per side and the residual histogram."""
    roles = ref.roles
    assert roles.target is not None and roles.prediction is not None
    sides: dict[str, dict[str, Value]] = {}
    rows: dict[str, dict[str, int]] = {}
    zero_targets: dict[str, int] = {}
    sums = {}
    for side, st in (("reference", ref), ("current", cur)):
        if side == "current" and skipped_reason is not None:
            continue
        for flag, name in (("--target", roles.target), ("--prediction", roles.prediction)):
            fam = st.families.get(name, "null")
            if fam not in NUMERIC_FAMILIES:
                raise UsageError(
                    f"{flag} column {name!r} must hold numbers, but it holds {fam} values"
                )
        g = st.reg
        assert g is not None
        sums[side] = g
        rows[side] = {"rows": st.rows, "used": g.n, "dropped": st.rows - g.n}
        sides[side] = regression_from_sums(g)
        zero_targets[side] = g.zero_targets
    hist = None
    if "current" in sums:
        r_res, c_res = sums["reference"].residuals, sums["current"].residuals
        assert r_res is not None and c_res is not None
        hist = residual_histogram(r_res, c_res)
    return {
        "type": None,
        "rows": rows,
        "zero_targets": zero_targets,
        "residuals": hist,
        "_sides": sides,
        "_order": REGRESSION_METRICS,
    }


# --------------------------------------------------------------------------------------------
# confidence


def _confidence(
    ref: ModelStats, cur: ModelStats, settings: Settings
) -> tuple[dict[str, Any], list[str]]:
    """Mean top-class probability and the share of low-confidence rows, per side.

    The mean is a sum (exact). The low-confidence share is exact while the top-class
    probabilities are within the exact budget; beyond it the bin of the threshold is split
    in half and the side carries ``approximate`` and ``error_bound`` (half that bin's share).
    """
    sides: dict[str, Any] = {}
    hists: dict[str, list[int]] = {}
    for side, st in (("reference", ref), ("current", cur)):
        p = st.proba
        assert p is not None and p.top is not None
        hists[side] = p.hist.tolist()
        info: dict[str, Any] = {
            "rows": p.rows,
            "mean_top_probability": p.sum_top / p.rows if p.rows else None,
            "low_confidence_share": None,
        }
        if p.rows:
            low, bound = _share_below(p.top, settings.low_confidence)
            info["low_confidence_share"] = low
            if bound is not None:
                info.update(approximate=True, error_bound=bound)
        sides[side] = info
    r, c = sides["reference"]["mean_top_probability"], sides["current"]["mean_top_probability"]
    drop = r - c if r is not None and c is not None else None
    breached = drop is not None and drop > settings.max_confidence_drop + 1e-12
    edges = np.linspace(0.0, 1.0, CONFIDENCE_BINS + 1)
    out = {
        **sides,
        "drop": drop,
        "max_drop": settings.max_confidence_drop,
        "low_threshold": settings.low_confidence,
        "breached": breached,
        "histogram": {"edges": edges.tolist(), **hists},
    }
    breaches = []
    if breached and r is not None and c is not None and drop is not None:
        breaches.append(
            f"mean top-class probability dropped from {num(r, c)} to {num(c, r)} "
            f"(-{num(drop)}, max drop {settings.max_confidence_drop:g})"
        )
    return out, breaches


def _share_below(vc: ValueCounts, threshold: float) -> tuple[float, float | None]:
    """Share of values below ``threshold``, and the error bound when binned."""
    n = vc.n
    if vc.exact:
        return float(vc.counts[vc.values < threshold].sum()) / n, None
    keys, counts = vc.binned()
    lo, hi = GRIDS[vc.grid].bounds(keys)
    below = float(counts[hi <= threshold].sum())
    unsure = float(counts[(lo < threshold) & (hi > threshold)].sum())
    return (below + unsure / 2) / n, unsure / 2 / n


# --------------------------------------------------------------------------------------------
# the sections


def evaluate_stats(
    ref: ModelStats, cur: ModelStats, settings: Settings, column_drift: ColumnDrift
) -> ModelQuality:
    """Performance, target drift and prediction drift for the role columns of ``settings``.

    ``column_drift(name)`` gives the drift dict of a role column (tested with the kind of
    :func:`drift_kinds`). Returns empty sections (all ``None``) when no role column is given.
    Raises :class:`UsageError` / :class:`InputError` naming the option when the roles cannot
    be read.
    """
    roles = Roles.of(settings)
    if roles != ref.roles or roles != cur.roles:
        raise UsageError("the model summaries were built for other role columns than these options")
    _check_roles(roles, ref, cur)
    if not roles:
        return without_roles(settings)
    task = detect_task(settings, ref)
    if task == "regression" and roles.proba:
        raise UsageError("--proba needs a classification task, but the task is regression")
    limits = parse_min_metric(settings.min_metric)
    for name in limits:
        if (name in REGRESSION_METRICS) != (task == "regression"):
            raise UsageError(f"{settings.where('min_metric')} {name}: not a {task} metric")
    quality = ModelQuality()
    skipped_reason = _target_state(cur, roles.target) if roles.target is not None else None
    if roles.target is not None:
        quality.performance = _performance(ref, cur, settings, task, skipped_reason, limits)
    elif limits:
        raise UsageError("--min-metric needs --target")

    def drift(name: str, role: str) -> dict[str, Any]:
        return {**column_drift(name), "role": role}

    if roles.target is not None:
        if skipped_reason is None:
            col = drift(roles.target, "target")
            breaches = [_drift_message("target", col)] if col["drift"] else []
            quality.target_drift = {"columns": [col], "breaches": breaches, "skipped_reason": None}
        else:
            quality.target_drift = {"columns": [], "breaches": [], "skipped_reason": skipped_reason}

    pred_cols: list[dict[str, Any]] = []
    if roles.prediction is not None:
        pred_cols.append(drift(roles.prediction, "prediction"))
    pred_cols.extend(drift(name, "proba") for name in roles.proba_names)
    if pred_cols:
        breaches = [_drift_message("prediction", c) for c in pred_cols if c["drift"]]
        confidence = None
        if roles.proba:
            _check_proba(roles, {"reference": ref, "current": cur})
            confidence, conf_breaches = _confidence(ref, cur, settings)
            breaches.extend(conf_breaches)
        quality.prediction_drift = {
            "columns": pred_cols,
            "breaches": breaches,
            "confidence": confidence,
        }
    return quality


def _performance(
    ref: ModelStats,
    cur: ModelStats,
    settings: Settings,
    task: str,
    skipped_reason: str | None,
    limits: dict[str, float],
) -> dict[str, Any]:
    """The ``performance`` section: metrics per side, their comparison and the breaches."""
    roles = ref.roles
    assert roles.target is not None
    perf: dict[str, Any] = {
        "task": task,
        "target": roles.target,
        "prediction": roles.prediction,
        "proba": roles.proba_names,
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
        detail = _regression(ref, cur, skipped_reason)
    else:
        detail = _classification(ref, cur, settings, skipped_reason)
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


# --------------------------------------------------------------------------------------------
# whole tables (until the caller passes profile-based column drift)


def table_stats(
    table: pa.Table,
    settings: Settings,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    max_chunksize: int | None = None,
) -> ModelStats:
    """The :class:`ModelStats` of a table's role columns, read batch by batch."""
    names = [n for n in Roles.of(settings).names if n in table.column_names]
    return ModelStats.build(table.select(names).to_batches(max_chunksize), settings, exact_limit)


def evaluate(
    ref: pa.Table,
    cur: pa.Table,
    settings: Settings,
    *,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    max_chunksize: int | None = None,
) -> ModelQuality:
    """:func:`evaluate_stats` of two tables, with the role columns' drift tested on the tables
    by the feature machinery (``analyze_column``)."""
    from driftcli.columns import infer_kind
    from driftcli.drift import analyze_column

    ref_stats = table_stats(ref, settings, exact_limit, max_chunksize)
    cur_stats = table_stats(cur, settings, exact_limit, max_chunksize)

    def column_drift(name: str) -> dict[str, Any]:
        categorical = drift_kinds(ref_stats, settings)[name] == "categorical"
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
        return asdict(analyze_column(name, typed, rc, cc, settings))

    return evaluate_stats(ref_stats, cur_stats, settings, column_drift)
