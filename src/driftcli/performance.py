"""Model quality: kept as the old import path of :mod:`driftcli.model`, which does the work
(streamed, from mergeable per-side summaries). New code imports from :mod:`driftcli.model`."""

from __future__ import annotations

from driftcli.model.evaluate import (
    PERFORMANCE_KEYS,
    ModelQuality,
    detect_task,
    drift_kinds,
    evaluate,
    evaluate_stats,
)
from driftcli.model.labels import default_pos_label
from driftcli.model.metrics import (
    Value,
    average_ranks,
    binary_roc_auc,
    compare_metric,
    confusion_matrix,
    label_metrics,
    log_loss,
    regression_metrics,
    roc_auc,
)
from driftcli.model.options import (
    BINARY_METRICS,
    CONFIDENCE_BINS,
    DIRECTIONS,
    EPS,
    HIGHER,
    LOWER,
    MAX_AUTO_CLASSES,
    MULTICLASS_METRICS,
    REGRESSION_METRICS,
    TASKS,
    ZERO,
    parse_min_metric,
    role_columns,
    validate_settings,
)
from driftcli.model.stats import ModelStats

__all__ = [
    "BINARY_METRICS",
    "CONFIDENCE_BINS",
    "DIRECTIONS",
    "EPS",
    "HIGHER",
    "LOWER",
    "MAX_AUTO_CLASSES",
    "MULTICLASS_METRICS",
    "PERFORMANCE_KEYS",
    "REGRESSION_METRICS",
    "TASKS",
    "ZERO",
    "ModelQuality",
    "ModelStats",
    "Value",
    "average_ranks",
    "binary_roc_auc",
    "compare_metric",
    "confusion_matrix",
    "default_pos_label",
    "detect_task",
    "drift_kinds",
    "evaluate",
    "evaluate_stats",
    "label_metrics",
    "log_loss",
    "parse_min_metric",
    "regression_metrics",
    "roc_auc",
    "role_columns",
    "validate_settings",
]
