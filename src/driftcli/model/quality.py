"""The model-quality sections of a result, and what they are without role columns.

A comparison without ``--target``, ``--prediction`` or ``--proba`` needs only this module:
the summaries, labels and metrics of :mod:`driftcli.model.evaluate` are imported where
role columns are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftcli.errors import UsageError

if TYPE_CHECKING:
    from driftcli.settings import Settings


@dataclass
class ModelQuality:
    """The three result sections: ``performance``, ``target_drift``, ``prediction_drift``."""

    performance: dict[str, Any] | None = None
    target_drift: dict[str, Any] | None = None
    prediction_drift: dict[str, Any] | None = None


def without_roles(settings: Settings) -> ModelQuality:
    """The sections when no role column is given: all empty (metric limits need roles)."""
    if settings.min_metric:
        raise UsageError("--min-metric needs --target with --prediction or --proba")
    return ModelQuality()
