"""Model quality, streamed: one job per module.

* :mod:`~driftcli.model.options` validates the role options and lists the metrics;
* :mod:`~driftcli.model.labels` turns values into class labels, batch by batch;
* :mod:`~driftcli.model.counts` keeps mergeable value counts (exact, then binned) and moments;
* :mod:`~driftcli.model.stats` is one side's summary, :class:`ModelStats`;
* :mod:`~driftcli.model.metrics` computes metrics from the summaries;
* :mod:`~driftcli.model.evaluate` builds the result sections from two summaries.
"""

from __future__ import annotations

from driftcli.model.evaluate import (
    ModelQuality,
    detect_task,
    drift_kinds,
    evaluate,
    evaluate_stats,
    table_stats,
)
from driftcli.model.options import role_columns, validate_settings
from driftcli.model.stats import ModelStats

__all__ = [
    "ModelQuality",
    "ModelStats",
    "detect_task",
    "drift_kinds",
    "evaluate",
    "evaluate_stats",
    "role_columns",
    "table_stats",
    "validate_settings",
]
