"""The result model: one object that every renderer (console, JSON, HTML, ...) reads.

``Result.to_dict()`` is the JSON contract (see README, "JSON output"); ``Result.from_dict``
reads it back so a saved result can be rendered later without the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np

#: Bumped whenever a documented JSON key changes meaning or disappears.
SCHEMA_VERSION = 2


@dataclass
class DatasetInfo:
    """One input: where it came from and its shape."""

    path: str | None
    rows: int
    columns: int
    format: str
    window: dict[str, Any] | None = None
    """The time window read (``time_column``, ``start``, ``end``, ``rows``, ...), or None."""


@dataclass
class ColumnResult:
    """Drift of one column: the test, its outcome and the per-side statistics."""

    name: str
    kind: str
    test: str | None
    statistic: float | None
    p_value: float | None
    threshold: float | None
    drift: bool
    severity: str
    skipped_reason: str | None
    reference: dict[str, Any]
    current: dict[str, Any]
    output: str | None = None
    effect_size: dict[str, Any] | None = None
    histogram: dict[str, Any] | None = None
    categories: dict[str, Any] | None = None
    p_value_adjusted: float | None = None
    """The p-value after the multiple-testing ``correction`` (None when it is ``none``)."""
    approximate: bool = False
    """True when a side's profile is a summary: the statistic is within ``error_bound``."""
    error_bound: float | None = None
    """Bound on |statistic - exact statistic| (None when exact)."""
    p_value_interval: list[float] | None = None
    """For a p-value test on a summary: the interval the exact p-value lies in."""
    deferred_from: str | None = None
    """The test asked for, when it could not decide from a summary and ``test`` decided."""
    note: str | None = None
    """Why the column was decided as it was, when that is not the usual path."""
    missingness: dict[str, Any] | None = None
    """The column's missing share on each side, compared (see the result's ``missing``)."""

    @property
    def tested(self) -> bool:
        """Whether a test ran on the column."""
        return self.skipped_reason is None


@dataclass
class DatasetDrift:
    """Share of tested columns that drifted, against its threshold."""

    detected: bool
    drifted_columns: int
    total_columns: int
    share: float
    threshold: float


@dataclass
class SchemaChanges:
    """Columns missing from or new in the current data, and type changes between sides."""

    missing_in_current: list[str] = field(default_factory=list)
    new_in_current: list[str] = field(default_factory=list)
    type_changed: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Verdict:
    """Passed or breached, the exit code, and the reasons it stands on."""

    passed: bool
    exit_code: int
    reasons: list[str]


@dataclass
class Result:
    """Everything a comparison found. Renderers read it; none of them computes statistics."""

    reference: DatasetInfo
    current: DatasetInfo
    columns: list[ColumnResult]
    dataset_drift: DatasetDrift
    schema_changes: SchemaChanges
    verdict: Verdict
    settings: dict[str, Any]
    generated_at: str
    driftcli_version: str
    schema_version: int = SCHEMA_VERSION
    performance: dict[str, Any] | None = None
    target_drift: dict[str, Any] | None = None
    prediction_drift: dict[str, Any] | None = None
    multivariate: dict[str, Any] | None = None
    """The classifier two-sample test (None unless asked for)."""
    missing: dict[str, Any] | None = None
    """Missing share per column, compared between the sides."""
    quality: dict[str, Any] | None = None
    """Data-quality checks and their outcomes."""
    segments: dict[str, Any] | None = None
    """Per-segment drift and metrics, and the disparity check (None without --segment-by)."""

    @property
    def exit_code(self) -> int:
        """0 passed, 1 breached."""
        return self.verdict.exit_code

    def column(self, name: str) -> ColumnResult:
        """The result of the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def drifted(self) -> list[ColumnResult]:
        """Columns whose test found drift."""
        return [c for c in self.columns if c.drift]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: plain types only, NaN and ±inf as None."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        order = [
            "schema_version",
            "driftcli_version",
            "generated_at",
            "reference",
            "current",
            "verdict",
            "dataset_drift",
            "columns",
            "schema_changes",
            "performance",
            "target_drift",
            "prediction_drift",
            "multivariate",
            "missing",
            "quality",
            "segments",
            "settings",
        ]
        out = {k: jsonable(d[k]) for k in order}
        out["delivery"] = None  # how the alerts went: only the command sends any (README)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        """Rebuild a result from :meth:`to_dict` output (for example a saved JSON file)."""
        col_keys = {f.name for f in fields(ColumnResult)}
        return cls(
            reference=DatasetInfo(**d["reference"]),
            current=DatasetInfo(**d["current"]),
            columns=[
                ColumnResult(**{k: v for k, v in c.items() if k in col_keys}) for c in d["columns"]
            ],
            dataset_drift=DatasetDrift(**d["dataset_drift"]),
            schema_changes=SchemaChanges(**d["schema_changes"]),
            verdict=Verdict(**d["verdict"]),
            settings=d.get("settings", {}),
            generated_at=d.get("generated_at", ""),
            driftcli_version=d.get("driftcli_version", ""),
            schema_version=d.get("schema_version", SCHEMA_VERSION),
            performance=d.get("performance"),
            target_drift=d.get("target_drift"),
            prediction_drift=d.get("prediction_drift"),
            multivariate=d.get("multivariate"),
            missing=d.get("missing"),
            quality=d.get("quality"),
            segments=d.get("segments"),
        )


def jsonable(value: Any) -> Any:
    """Convert numpy scalars and arrays to Python types, and non-finite floats to None."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if is_dataclass(value) and not isinstance(value, type):
        # one walk, no deep copy first (dataclasses.asdict copied every leaf: 1 s at 5,000
        # columns); the containers built here are new anyway
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    return value
