"""One side's model summary, built batch by batch and merged exactly: :class:`ModelStats`.

What is kept (see README, "Model quality", for what is exact):

* label sets of the target and prediction (up to ``MAX_CLASSES`` labels each) and the counts
  of (target, prediction) label pairs over the scored rows: the confusion matrix;
* per probability column and target label, the count and log-loss sum of the rows, and their
  scores as :class:`ValueCounts` (exact up to ``exact_limit`` distinct values, then on a grid
  of ``UNIT_BINS`` bins on [0, 1]);
* for regression, sums of absolute, squared and percentage errors, Chan moments of the target
  and the error, and the residuals as :class:`ValueCounts` (logarithmic grid beyond the budget);
* for the confidence: the top-class probability's sum, counts and 10-bin histogram.

Which task applies is decided only when both sides are evaluated, so a side keeps what both
tasks need while its labels stay few; a continuous column stops label tracking on its first
batch. Rows are never kept; no Python loop runs over rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from driftcli.columns import family
from driftcli.errors import InputError, UsageError
from driftcli.model.counts import Moments, ValueCounts
from driftcli.model.labels import (
    LABEL_FAMILIES,
    NUMERIC_FAMILIES,
    batch_labels,
    decoded_array,
    numbers,
    sort_key,
)
from driftcli.model.options import CONFIDENCE_BINS, EPS, MAX_CLASSES, Roles
from driftcli.settings import Settings
from driftcli.stattests.base import FloatArray, IntArray

#: Version of the ``to_state`` layout; ``from_state`` refuses others.
STATE_VERSION = 1
DEFAULT_EXACT_LIMIT = 100_000
CONFIDENCE_EDGES = np.linspace(0.0, 1.0, CONFIDENCE_BINS + 1)


def _neg_log(p: FloatArray) -> FloatArray:
    return np.asarray(-np.log(np.clip(p, EPS, 1 - EPS)), dtype=np.float64)


def _add(d: dict[Any, Any], key: Any, value: Any) -> None:
    d[key] = d.get(key, 0) + value


@dataclass
class LabelSet:
    """Distinct labels of one column, until there are more than ``MAX_CLASSES``."""

    labels: set[str] = field(default_factory=set)
    overflow: bool = False

    def merged(self, other: LabelSet) -> LabelSet:
        both = self.labels | other.labels
        if self.overflow or other.overflow or len(both) > MAX_CLASSES:
            return LabelSet(set(), True)
        return LabelSet(both)


@dataclass
class ClassCounts:
    """Classification counts of the scored rows, keyed by label text (see module docstring)."""

    n_proba: int
    limit: int
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)
    label_rows: dict[str, int] = field(default_factory=dict)
    scores: dict[tuple[int, str], ValueCounts] = field(default_factory=dict)
    loss: dict[tuple[int, str], float] = field(default_factory=dict)
    loss_rest: dict[str, float] = field(default_factory=dict)

    @property
    def used(self) -> int:
        """Rows scored (target, prediction and every probability present)."""
        return sum(self.label_rows.values())

    def add(
        self,
        t: IntArray,
        t_texts: list[str],
        p: tuple[IntArray, list[str]] | None,
        proba: list[FloatArray] | None,
    ) -> None:
        """Count scored rows: ``t`` target codes into ``t_texts``, ``p`` prediction codes."""
        k = len(t_texts)
        if t.size == 0:
            return
        rows = np.bincount(t, minlength=k)
        for i in np.flatnonzero(rows):
            _add(self.label_rows, t_texts[i], int(rows[i]))
        if p is not None:
            codes, p_texts = p
            kp = max(len(p_texts), 1)
            uniq, counts = np.unique(t * kp + codes, return_counts=True)
            for u, c in zip(uniq.tolist(), counts.tolist(), strict=True):
                _add(self.pairs, (t_texts[u // kp], p_texts[u % kp]), int(c))
        if proba is None:
            return
        order = np.argsort(t, kind="stable")
        sorted_t = t[order]
        starts = np.flatnonzero(np.r_[True, sorted_t[1:] != sorted_t[:-1]])
        ends = np.r_[starts[1:], sorted_t.size]
        for j, scores in enumerate(proba):
            loss = np.bincount(t, weights=_neg_log(scores), minlength=k)
            single = self.n_proba == 1
            rest = np.bincount(t, weights=_neg_log(1 - scores), minlength=k) if single else None
            ordered = scores[order]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                label = t_texts[int(sorted_t[s])]
                _add(self.loss, (j, label), float(loss[sorted_t[s]]))
                if rest is not None:
                    _add(self.loss_rest, label, float(rest[sorted_t[s]]))
                vc = self.scores.get((j, label))
                if vc is None:
                    vc = self.scores[(j, label)] = ValueCounts("unit", self.limit)
                vc.add(ordered[s:e])

    def merged(self, other: ClassCounts) -> ClassCounts:
        """Both sides' counts together (a new object)."""
        out = ClassCounts(self.n_proba, min(self.limit, other.limit))
        for src in (self, other):
            for key, n in src.pairs.items():
                _add(out.pairs, key, n)
            for label, n in src.label_rows.items():
                _add(out.label_rows, label, n)
            for key2, x in src.loss.items():
                _add(out.loss, key2, x)
            for label, x in src.loss_rest.items():
                _add(out.loss_rest, label, x)
            for key2, vc in src.scores.items():
                have = out.scores.get(key2)
                out.scores[key2] = vc.merged(have, out.limit) if have is not None else vc.copy()
        return out

    def renamed(self, rename: dict[str, str]) -> ClassCounts:
        """The same counts with labels renamed (merging labels that become equal)."""
        if not rename:
            return self
        out = ClassCounts(self.n_proba, self.limit)

        def r(label: str) -> str:
            return rename.get(label, label)

        for (a, b), n in self.pairs.items():
            _add(out.pairs, (r(a), r(b)), n)
        for label, n in self.label_rows.items():
            _add(out.label_rows, r(label), n)
        for (j, label), x in self.loss.items():
            _add(out.loss, (j, r(label)), x)
        for label, x in self.loss_rest.items():
            _add(out.loss_rest, r(label), x)
        for (j, label), vc in self.scores.items():
            have = out.scores.get((j, r(label)))
            out.scores[(j, r(label))] = vc.merged(have, self.limit) if have else vc.copy()
        return out


@dataclass
class RegressionSums:
    """Sums and moments of the scored rows of a regression (target and prediction finite)."""

    limit: int
    sum_abs: float = 0.0
    sum_sq: float = 0.0
    sum_ape: float = 0.0
    nonzero: int = 0
    y_min: float = math.inf
    y_max: float = -math.inf
    y: Moments = field(default_factory=Moments)
    err: Moments = field(default_factory=Moments)
    residuals: ValueCounts | None = None

    def __post_init__(self) -> None:
        if self.residuals is None:
            self.residuals = ValueCounts("log", self.limit)

    @property
    def n(self) -> int:
        return self.err.n

    @property
    def zero_targets(self) -> int:
        return self.n - self.nonzero

    def add(self, y: FloatArray, yhat: FloatArray) -> None:
        """Fold in finite targets ``y`` and predictions ``yhat``."""
        if y.size == 0:
            return
        err = yhat - y
        self.sum_abs += float(np.abs(err).sum())
        self.sum_sq += float((err * (err)).sum())
        nz = y != 0
        self.sum_ape += float((np.abs(err[nz]) / np.abs(y[nz])).sum())
        self.nonzero += int(nz.sum())
        self.y_min = min(self.y_min, float(y.min()))
        self.y_max = max(self.y_max, float(y.max()))
        self.y.add(y)
        self.err.add(err)
        assert self.residuals is not None
        self.residuals.add(err)

    def merged(self, other: RegressionSums) -> RegressionSums:
        out = RegressionSums(min(self.limit, other.limit))
        for src in (self, other):
            out.sum_abs += src.sum_abs
            out.sum_sq += src.sum_sq
            out.sum_ape += src.sum_ape
            out.nonzero += src.nonzero
            out.y_min = min(out.y_min, src.y_min)
            out.y_max = max(out.y_max, src.y_max)
            out.y.merge_in(src.y)
            out.err.merge_in(src.err)
        assert self.residuals is not None and other.residuals is not None
        out.residuals = self.residuals.merged(other.residuals)
        return out


@dataclass
class ProbaSums:
    """The probability columns of every row: range, and the top-class probability of the
    rows where every probability is present (the confidence)."""

    limit: int
    rows: int = 0
    sum_top: float = 0.0
    lo: float = math.inf
    hi: float = -math.inf
    hist: IntArray = field(default_factory=lambda: np.zeros(CONFIDENCE_BINS, dtype=np.int64))
    top: ValueCounts | None = None

    def __post_init__(self) -> None:
        if self.top is None:
            self.top = ValueCounts("unit", self.limit)

    def add(self, proba: list[FloatArray]) -> None:
        m = np.column_stack(proba)
        finite = np.isfinite(m)
        values = m[finite]
        if values.size:
            self.lo = min(self.lo, float(values.min()))
            self.hi = max(self.hi, float(values.max()))
        m = m[finite.all(axis=1)]
        top = np.maximum(m[:, 0], 1 - m[:, 0]) if m.shape[1] == 1 else m.max(axis=1)
        top = np.asarray(top, dtype=np.float64)
        self.rows += int(top.size)
        self.sum_top += float(top.sum())
        self.hist += np.histogram(top, CONFIDENCE_EDGES)[0].astype(np.int64)
        assert self.top is not None
        self.top.add(top)

    def merged(self, other: ProbaSums) -> ProbaSums:
        assert self.top is not None and other.top is not None
        return ProbaSums(
            min(self.limit, other.limit),
            self.rows + other.rows,
            self.sum_top + other.sum_top,
            min(self.lo, other.lo),
            max(self.hi, other.hi),
            self.hist + other.hist,
            self.top.merged(other.top),
        )


@dataclass
class ModelStats:
    """One side's model summary: build with :meth:`empty` and :meth:`update` per batch,
    combine with :meth:`merge`, save with :meth:`to_state` / :meth:`from_state`.

    Counts merge exactly and sums up to float rounding, in any order and for any batch
    split; score and residual counts switch to their grid exactly when the merged data hold
    more than ``exact_limit`` distinct values. Errors about the data (wrong types, values out
    of range) are raised by the evaluation, which knows which side it reads.
    """

    roles: Roles
    exact_limit: int = DEFAULT_EXACT_LIMIT
    rows: int = 0
    families: dict[str, str] = field(default_factory=dict)
    target_nulls: int = 0
    target_valid: int = 0
    labels: dict[str, LabelSet] = field(default_factory=dict)
    cls: ClassCounts | None = None
    reg: RegressionSums | None = None
    proba: ProbaSums | None = None

    @classmethod
    def empty(cls, settings: Settings, exact_limit: int = DEFAULT_EXACT_LIMIT) -> ModelStats:
        """No rows yet, for the role columns of ``settings``."""
        if exact_limit < 1:
            raise UsageError(f"exact_limit must be >= 1, got {exact_limit}")
        roles = Roles.of(settings)
        return cls(
            roles,
            exact_limit,
            labels={n: LabelSet() for n in (roles.target, roles.prediction) if n},
            cls=ClassCounts(len(roles.proba), exact_limit),
            reg=RegressionSums(exact_limit),
            proba=ProbaSums(exact_limit) if roles.proba else None,
        )

    @classmethod
    def build(
        cls,
        batches: Any,
        settings: Settings,
        exact_limit: int = DEFAULT_EXACT_LIMIT,
    ) -> ModelStats:
        """The summary of an iterable of record batches."""
        out = cls.empty(settings, exact_limit)
        for batch in batches:
            out.update(batch)
        return out

    # ---------------------------------------------------------------------------------------
    # building

    def update(self, batch: pa.RecordBatch) -> None:
        """Fold in one batch; it holds (at least) the role columns present in this side."""
        import pyarrow.compute as pc

        r = self.roles
        self.rows += batch.num_rows
        names = set(batch.schema.names)
        cols: dict[str, pa.Array] = {}
        for name in r.names:
            if name in names:
                col = decoded_array(batch.column(name))
                cols[name] = col
                self.families.setdefault(name, family(col.type))
        fams = self.families
        proba: list[FloatArray] | None = None
        if r.proba and all(n in cols and fams[n] in NUMERIC_FAMILIES for n in r.proba_names):
            proba = [numbers(cols[n]) for n in r.proba_names]
            assert self.proba is not None
            self.proba.add(proba)
        pred = cols.get(r.prediction) if r.prediction else None
        p = self._labels_of(r.prediction, pred) if r.prediction and pred is not None else None
        target = cols.get(r.target) if r.target else None
        if r.target is None or target is None:
            return
        self.target_nulls += target.null_count
        if fams[r.target] == "float":
            self.target_valid += int(pc.sum(pc.is_finite(target)).as_py() or 0)
        else:
            self.target_valid += len(target) - target.null_count
        t = self._labels_of(r.target, target)
        self._update_classes(t, p, pred is not None, proba)
        if self.reg is None or pred is None or r.prediction is None:
            return
        if fams[r.target] in NUMERIC_FAMILIES and fams[r.prediction] in NUMERIC_FAMILIES:
            y, yhat = numbers(target), numbers(pred)
            ok = np.isfinite(y) & np.isfinite(yhat)
            self.reg.add(y[ok], yhat[ok])
        else:
            self.reg = None  # not numbers: no regression (the evaluation says so if asked)

    def _labels_of(self, name: str, col: pa.Array) -> tuple[IntArray, list[str]] | None:
        """Label codes and texts of one column, tracking its label set (None on overflow)."""
        seen = self.labels[name]
        if seen.overflow or self.families[name] not in LABEL_FAMILIES:
            return None
        got = batch_labels(col, MAX_CLASSES)
        if got is not None:
            seen.labels.update(got[1])
            if len(seen.labels) <= MAX_CLASSES:
                return got
        self.labels[name] = LabelSet(set(), True)
        return None

    def _update_classes(
        self,
        t: tuple[IntArray, list[str]] | None,
        p: tuple[IntArray, list[str]] | None,
        has_pred: bool,
        proba: list[FloatArray] | None,
    ) -> None:
        """Count the scored rows of a batch into the classification counts."""
        if self.cls is None:
            return
        if t is None or (has_pred and p is None):
            self.cls = None  # too many labels (or not labels): no classification counts
            return
        if self.roles.proba and proba is None:
            return  # probabilities that are not numbers: the evaluation says so
        ok = t[0] >= 0
        if p is not None:
            ok &= p[0] >= 0
        if proba is not None:
            ok &= np.isfinite(np.column_stack(proba)).all(axis=1)
        self.cls.add(
            t[0][ok],
            t[1],
            (p[0][ok], p[1]) if p is not None else None,
            [s[ok] for s in proba] if proba is not None else None,
        )

    # ---------------------------------------------------------------------------------------
    # merging

    def merge(self, other: ModelStats) -> ModelStats:
        """Both summaries together (a new object): exact for counts, order-independent."""
        if self.roles != other.roles:
            raise UsageError("cannot merge model summaries built for different role columns")
        fams: dict[str, str] = {}
        for name in sorted(set(self.families) | set(other.families)):
            a, b = self.families.get(name, "null"), other.families.get(name, "null")
            if a == b or b == "null":
                fams[name] = a
            elif a == "null":
                fams[name] = b
            elif {a, b} == {"integer", "float"}:
                fams[name] = "float"
            else:
                raise InputError(
                    f"cannot merge model summaries: column {name!r} holds {a} values in one "
                    f"part and {b} values in the other"
                )
        labels = {n: s.merged(other.labels[n]) for n, s in self.labels.items()}
        classes = self.cls.merged(other.cls) if self.cls and other.cls else None
        r = self.roles
        if r.target in fams and any(labels[n].overflow for n in (r.target, r.prediction) if n):
            # the parts' labels together are too many: as :meth:`update` would have found
            # on the whole data, no classification counts (the same state for any split)
            classes = None
        return ModelStats(
            self.roles,
            min(self.exact_limit, other.exact_limit),
            self.rows + other.rows,
            fams,
            self.target_nulls + other.target_nulls,
            self.target_valid + other.target_valid,
            labels,
            classes,
            self.reg.merged(other.reg) if self.reg and other.reg else None,
            self.proba.merged(other.proba) if self.proba and other.proba else None,
        )

    # ---------------------------------------------------------------------------------------
    # saving

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """A JSON-able description and named arrays; the same data give the same state."""
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {
            "version": STATE_VERSION,
            "roles": {
                "target": self.roles.target,
                "prediction": self.roles.prediction,
                "proba": [[n, lab] for n, lab in self.roles.proba],
            },
            "exact_limit": self.exact_limit,
            "rows": self.rows,
            "families": dict(sorted(self.families.items())),
            "target_nulls": self.target_nulls,
            "target_valid": self.target_valid,
            "labels": {
                n: {"labels": sorted(s.labels, key=sort_key), "overflow": s.overflow}
                for n, s in self.labels.items()
            },
            "classes": None if self.cls is None else _cls_state(self.cls, arrays),
            "regression": None if self.reg is None else _reg_state(self.reg, arrays),
            "proba": None if self.proba is None else _proba_state(self.proba, arrays),
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> ModelStats:
        """The summary saved by :meth:`to_state`; a malformed state is an :class:`InputError`."""
        if not isinstance(meta, dict) or meta.get("version") != STATE_VERSION:
            got = meta.get("version") if isinstance(meta, dict) else None
            raise InputError(
                f"model summary: unsupported version {got!r} (this driftcli reads {STATE_VERSION})"
            )
        try:
            r = meta["roles"]
            roles = Roles(r["target"], r["prediction"], tuple((n, lab) for n, lab in r["proba"]))
            limit = int(meta["exact_limit"])
            out = cls(
                roles,
                limit,
                int(meta["rows"]),
                {str(k): str(v) for k, v in meta["families"].items()},
                int(meta["target_nulls"]),
                int(meta["target_valid"]),
                {
                    str(n): LabelSet(set(map(str, s["labels"])), bool(s["overflow"]))
                    for n, s in meta["labels"].items()
                },
            )
            c, g, p = meta["classes"], meta["regression"], meta["proba"]
            out.cls = None if c is None else _cls_from(c, arrays, len(roles.proba), limit)
            out.reg = None if g is None else _reg_from(g, arrays, limit)
            out.proba = None if p is None else _proba_from(p, arrays, limit)
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise InputError(f"model summary is corrupt ({type(err).__name__}: {err})") from None
        return out


def _vc_state(vc: ValueCounts, key: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    vc._compact()
    arrays[f"{key}.values"] = vc.values.astype(np.float64 if vc.exact else np.int64)
    arrays[f"{key}.counts"] = vc.counts.astype(np.int64)
    finite = math.isfinite(vc.lo)
    return {
        "grid": vc.grid,
        "exact": vc.exact,
        "lo": vc.lo if finite else None,
        "hi": vc.hi if finite else None,
    }


def _vc_from(m: dict[str, Any], key: str, arrays: dict[str, np.ndarray], limit: int) -> ValueCounts:
    values, counts = np.asarray(arrays[f"{key}.values"]), np.asarray(arrays[f"{key}.counts"])
    if values.ndim != 1 or values.shape != counts.shape or str(m["grid"]) not in ("unit", "log"):
        raise ValueError(f"{key}: bad value counts")
    return ValueCounts(
        str(m["grid"]),
        limit,
        bool(m["exact"]),
        values.astype(np.float64 if m["exact"] else np.int64),
        counts.astype(np.int64),
        math.inf if m["lo"] is None else float(m["lo"]),
        -math.inf if m["hi"] is None else float(m["hi"]),
    )


def _cls_state(c: ClassCounts, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    names = set(c.label_rows) | {a for a, _ in c.pairs} | {b for _, b in c.pairs}
    names |= {lab for _, lab in c.scores} | {lab for _, lab in c.loss} | set(c.loss_rest)
    labels = sorted(names, key=sort_key)
    index = {lab: i for i, lab in enumerate(labels)}
    pairs = sorted((index[a], index[b], n) for (a, b), n in c.pairs.items())
    arrays["cls.pairs"] = np.asarray(pairs, dtype=np.int64).reshape(-1, 3)
    arrays["cls.label_rows"] = np.asarray(
        [c.label_rows.get(lab, 0) for lab in labels], dtype=np.int64
    )
    loss = np.zeros((c.n_proba, len(labels)))
    for (j, lab), x in c.loss.items():
        loss[j, index[lab]] = x
    arrays["cls.loss"] = loss
    arrays["cls.loss_rest"] = np.asarray([c.loss_rest.get(lab, 0.0) for lab in labels])
    scores = []
    for j, lab in sorted(c.scores, key=lambda k: (k[0], index[k[1]])):
        key = f"cls.scores.{j}.{index[lab]}"
        scores.append(
            {"column": j, "label": index[lab], **_vc_state(c.scores[j, lab], key, arrays)}
        )
    return {"labels": labels, "scores": scores}


def _cls_from(
    m: dict[str, Any], arrays: dict[str, np.ndarray], n_proba: int, limit: int
) -> ClassCounts:
    labels = [str(x) for x in m["labels"]]
    out = ClassCounts(n_proba, limit)
    for a, b, n in np.asarray(arrays["cls.pairs"]).reshape(-1, 3).tolist():
        out.pairs[labels[a], labels[b]] = int(n)
    rows = np.asarray(arrays["cls.label_rows"]).tolist()
    loss = np.asarray(arrays["cls.loss"], dtype=np.float64).reshape(n_proba, len(labels))
    rest = np.asarray(arrays["cls.loss_rest"], dtype=np.float64).tolist()
    for i, lab in enumerate(labels):
        if rows[i]:
            out.label_rows[lab] = int(rows[i])
    for s in m["scores"]:
        j, i = int(s["column"]), int(s["label"])
        out.scores[j, labels[i]] = _vc_from(s, f"cls.scores.{j}.{i}", arrays, limit)
        out.loss[j, labels[i]] = float(loss[j, i])
        if n_proba == 1:
            out.loss_rest[labels[i]] = float(rest[i])
    return out


_REG_SCALARS = ("sum_abs", "sum_sq", "sum_ape", "nonzero", "y_min", "y_max")


def _reg_state(g: RegressionSums, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    assert g.residuals is not None
    out: dict[str, Any] = {k: getattr(g, k) for k in _REG_SCALARS}
    if g.n == 0:
        out["y_min"] = out["y_max"] = None
    out["y"] = [g.y.n, g.y.mean, g.y.m2]
    out["err"] = [g.err.n, g.err.mean, g.err.m2]
    out["residuals"] = _vc_state(g.residuals, "reg.residuals", arrays)
    return out


def _reg_from(m: dict[str, Any], arrays: dict[str, np.ndarray], limit: int) -> RegressionSums:
    g = RegressionSums(
        limit,
        float(m["sum_abs"]),
        float(m["sum_sq"]),
        float(m["sum_ape"]),
        int(m["nonzero"]),
        math.inf if m["y_min"] is None else float(m["y_min"]),
        -math.inf if m["y_max"] is None else float(m["y_max"]),
        Moments(int(m["y"][0]), float(m["y"][1]), float(m["y"][2])),
        Moments(int(m["err"][0]), float(m["err"][1]), float(m["err"][2])),
        _vc_from(m["residuals"], "reg.residuals", arrays, limit),
    )
    return g


def _proba_state(p: ProbaSums, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    assert p.top is not None
    arrays["proba.hist"] = p.hist.astype(np.int64)
    finite = math.isfinite(p.lo)
    return {
        "rows": p.rows,
        "sum_top": p.sum_top,
        "lo": p.lo if finite else None,
        "hi": p.hi if finite else None,
        "top": _vc_state(p.top, "proba.top", arrays),
    }


def _proba_from(m: dict[str, Any], arrays: dict[str, np.ndarray], limit: int) -> ProbaSums:
    hist = np.asarray(arrays["proba.hist"], dtype=np.int64)
    if hist.shape != (CONFIDENCE_BINS,):
        raise ValueError("proba.hist: bad shape")
    return ProbaSums(
        limit,
        int(m["rows"]),
        float(m["sum_top"]),
        math.inf if m["lo"] is None else float(m["lo"]),
        -math.inf if m["hi"] is None else float(m["hi"]),
        hist,
        _vc_from(m["top"], "proba.top", arrays, limit),
    )
