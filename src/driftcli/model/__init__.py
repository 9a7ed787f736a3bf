"""Model quality, streamed: one job per module.

* :mod:`~driftcli.model.options` validates the role options and lists the metrics;
* :mod:`~driftcli.model.labels` turns values into class labels, batch by batch;
* :mod:`~driftcli.model.counts` keeps mergeable value counts (exact, then binned) and moments;
* :mod:`~driftcli.model.stats` is one side's summary, :class:`ModelStats`;
* :mod:`~driftcli.model.metrics` computes metrics from the summaries;
* :mod:`~driftcli.model.quality` holds the result sections (all a run without roles needs);
* :mod:`~driftcli.model.evaluate` builds the result sections from two summaries.

Importing the package costs nothing: every comparison reads the role options, but only one
with role columns needs the summaries and metrics, so the names are imported on first use
(PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftcli.model.evaluate import (
        detect_task,
        drift_kinds,
        evaluate,
        evaluate_stats,
        table_stats,
    )
    from driftcli.model.options import role_columns, validate_settings
    from driftcli.model.quality import ModelQuality
    from driftcli.model.stats import ModelStats

_LAZY = {
    "ModelQuality": "driftcli.model.quality",
    "ModelStats": "driftcli.model.stats",
    "detect_task": "driftcli.model.evaluate",
    "drift_kinds": "driftcli.model.evaluate",
    "evaluate": "driftcli.model.evaluate",
    "evaluate_stats": "driftcli.model.evaluate",
    "role_columns": "driftcli.model.options",
    "table_stats": "driftcli.model.evaluate",
    "validate_settings": "driftcli.model.options",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'driftcli.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
