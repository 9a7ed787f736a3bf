"""Model-quality options: the role columns, the metric catalogue and the validation of
``--target``, ``--prediction``, ``--proba``, ``--task``, ``--min-metric`` and friends.

Nothing here reads data: these checks run before any batch is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from driftcli.errors import UsageError
from driftcli.settings import Settings, split_names

TASKS = ("auto", "classification", "regression")
#: ``--task auto``: integer targets with at most this many distinct values are classes.
MAX_AUTO_CLASSES = 20
#: Label sets are tracked while streaming up to this many distinct labels per column; a
#: classification with more classes cannot be scored (a regression target never needs them).
MAX_CLASSES = 1000
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


@dataclass(frozen=True)
class Roles:
    """The role columns named by the settings: ``proba`` holds ``(column, label or None)``."""

    target: str | None
    prediction: str | None
    proba: tuple[tuple[str, str | None], ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, settings: Settings) -> Roles:
        """The roles of ``settings`` (already validated)."""
        return cls(
            settings.target,
            settings.prediction,
            tuple(proba_spec(p) for p in split_names(settings.proba)),
        )

    @property
    def proba_names(self) -> list[str]:
        """The probability column names, in the order given."""
        return [name for name, _ in self.proba]

    @property
    def names(self) -> list[str]:
        """Every role column, target first."""
        out = [n for n in (self.target, self.prediction) if n is not None]
        return out + [n for n in self.proba_names if n not in out]

    def __bool__(self) -> bool:
        return bool(self.target or self.prediction or self.proba)


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
        ("--proba", proba_spec(p)[0]) for p in s.proba
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


def proba_spec(item: str) -> tuple[str, str | None]:
    """``"p_yes=yes"`` -> ``("p_yes", "yes")``; ``"p_yes"`` -> ``("p_yes", None)``."""
    name, sep, label = item.partition("=")
    return (name.strip(), label.strip()) if sep and label.strip() else (item.strip(), None)


def role_columns(settings: Settings) -> set[str]:
    """Names of the target, prediction and probability columns (never feature-tested)."""
    names = {settings.target, settings.prediction}
    names.update(proba_spec(p)[0] for p in split_names(settings.proba))
    return {n for n in names if n}
