"""Every knob of a comparison, with its default, in one place.

The command line, the library API and (later) the config file all fill a :class:`Settings`;
nothing else carries options around.
"""

from __future__ import annotations

import codecs
import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from driftcli.errors import UsageError
from driftcli.sources.csv import DEFAULT_NA_VALUES

#: What ``--fail-on`` accepts. ``never`` turns every breach into a pass (exit 0).
#: ``target`` (drift of the --target column) is reported always but breaches only when listed.
#: ``persisted`` (drift in ``--persist`` consecutive runs) is decided with the run history.
FAIL_CONDITIONS = (
    "dataset",
    "column",
    "schema",
    "performance",
    "prediction",
    "target",
    "persisted",
    "multivariate",
    "missing",
    "quality",
    "segment",
    "never",
)
DEFAULT_FAIL_ON = ("dataset", "schema", "performance", "prediction")
#: Multiple-testing corrections applied across the p-value tests of one comparison.
CORRECTIONS = ("none", "bonferroni", "holm", "fdr_bh")
#: What happens when a side has fewer than ``min_rows`` rows.
MIN_ROWS_ACTIONS = ("error", "pass")
#: Kinds a ``[columns."name"]`` table may force.
OVERRIDE_KINDS = ("numeric", "categorical")
#: Integer settings and their sane ranges (inclusive): a typo such as ``seed = -1`` or
#: ``top_categories = 0`` is an error, never a silently odd run.
INT_RANGES = {
    "small_sample_rows": (0, 10**12),
    "max_int_categories": (0, 10**6),
    "top_categories": (1, 10**6),
    "exact_limit": (1, 10**9),
    "seed": (0, 2**32 - 1),
    "min_rows": (0, 10**12),
    "sample_rows": (20, 10**7),
    "max_segments": (1, 1000),
}


def _finite(value: Any) -> bool:
    """A real number that is neither infinite nor NaN (booleans are not numbers here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def split_names(values: Any) -> list[str]:
    """Accept ``["a,b", "c"]``, ``"a,b"`` or ``None``; return ``["a", "b", "c"]``."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in str(v).split(",") if p.strip())
    return out


@dataclass
class ColumnOverride:
    """Per-column settings (a ``[columns."name"]`` table of the config file)."""

    test: str | None = None
    """Stat test for this column (beats ``stattest``)."""
    threshold: float | None = None
    """Threshold for this column (beats ``threshold`` and the test's own)."""
    kind: str | None = None
    """Force ``numeric`` or ``categorical``."""
    ignore: bool = False
    """Never compare this column."""
    source: str | None = None
    """Where the override was set (``file:line``), for error messages."""


@dataclass
class Settings:
    """Options of a comparison. Field docs are the user-facing help."""

    columns: list[str] = field(default_factory=list)
    """Only these columns are compared (default: all shared columns)."""
    ignore: list[str] = field(default_factory=list)
    """Columns never compared."""
    categorical: list[str] = field(default_factory=list)
    """Columns forced to the categorical kind."""
    numerical: list[str] = field(default_factory=list)
    """Columns forced to the numeric kind."""
    stattest: str | None = None
    """Test used for every column it applies to (default: chosen per column)."""
    threshold: float | None = None
    """Threshold for every column (default: the test's own)."""
    drift_share: float = 0.5
    """Dataset drift when at least this share of tested columns drifted."""
    fail_on: list[str] = field(default_factory=lambda: list(DEFAULT_FAIL_ON))
    """Conditions that breach (exit code 1)."""
    small_sample_rows: int = 1000
    """Up to this many non-missing reference values, p-value tests are chosen automatically."""
    max_int_categories: int = 10
    """Integer columns with at most this many distinct reference values are categorical."""
    id_unique_share: float = 0.5
    """String columns with more distinct values than this share of rows are id-like (skipped)."""
    top_categories: int = 20
    """Categories kept per column in the result (the rest are summed as "other")."""
    exact_limit: int = 100_000
    """Distinct values a numeric column's profile keeps exactly; beyond, a bounded summary."""
    target: str | None = None
    """Target (true label or value) column: enables performance metrics and target drift."""
    prediction: str | None = None
    """Prediction column (predicted label or value): performance metrics and prediction drift."""
    proba: list[str] = field(default_factory=list)
    """Predicted probability columns: one per class (COL or COL=LABEL), or one column holding
    the positive-class probability of a binary task."""
    task: str = "auto"
    """auto, classification or regression (auto: classification for boolean, string or
    integer targets with at most 20 distinct values, or when --proba is given)."""
    pos_label: str | None = None
    """Positive class of a binary task (default: 1, true, else the greater label)."""
    max_metric_drop: float = 0.05
    """Breach when a metric worsens by more than this share of its reference value."""
    min_metric: list[str] = field(default_factory=list)
    """Absolute limits NAME=VALUE: a floor for higher-is-better metrics (accuracy, f1, r2, ...),
    a ceiling for lower-is-better ones (log_loss, mae, rmse, mape, error_std, |mean_error|)."""
    max_confidence_drop: float = 0.1
    """Breach when the mean top-class probability drops by more than this (absolute)."""
    low_confidence: float = 0.6
    """A prediction whose top-class probability is below this counts as low-confidence."""
    delimiter: str = ","
    """CSV field delimiter."""
    encoding: str = "utf8"
    """CSV text encoding."""
    na_values: list[str] = field(default_factory=lambda: list(DEFAULT_NA_VALUES))
    """CSV strings read as missing (default: pyarrow's list: NA, N/A, NULL, NaN, nan, null,
    #N/A, ...). An empty cell is always missing; [""] makes it the only one, so that a
    country code NA stays a value."""
    seed: int = 0
    """Seed of the Monte Carlo p-value of chisquare on sparse tables (same seed, same result)."""
    correction: str = "none"
    """Multiple-testing correction across p-value tests: none, bonferroni, holm or fdr_bh."""
    min_rows: int = 100
    """Fewest rows each side needs; with fewer the check cannot run (exit 2)."""
    min_rows_action: str = "error"
    """Below min_rows: "error" (exit 2) or "pass" (skip every column, exit 0)."""
    multivariate: bool = False
    """Run the multivariate (classifier two-sample) test on the sides' row samples."""
    multivariate_alpha: float = 0.05
    """Significance level of the multivariate test."""
    sample_rows: int = 20_000
    """Distinct rows kept per side in the row sample (multivariate and duplicate checks)."""
    missing_alpha: float = 0.05
    """Significance level of the missing-share two-proportion test."""
    max_missing_change: float = 0.05
    """A column drifts in missingness when its missing share moves by at least this much
    (absolute) and the test is significant; an all-missing current column always does."""
    max_out_of_range_share: float = 0.05
    """Quality: breach when more than this share of current values lies outside the
    reference's [min, max]."""
    max_new_category_share: float = 0.05
    """Quality: breach when more than this share of current values is in unseen categories."""
    constant_check: bool = True
    """Quality: breach when a column that varied in the reference is constant in current."""
    max_duplicate_share: float | None = None
    """Quality: breach when more than this share of current rows are duplicates (from the
    row sample; not checked when unset)."""
    segment_by: list[str] = field(default_factory=list)
    """Run the drift tests and model metrics per value of these columns."""
    max_segments: int = 10
    """Segments kept per --segment-by column (the largest by reference rows; the rest pooled
    as "(other)")."""
    min_segment_ratio: float | None = None
    """Disparity: breach when a segment's metric is below this ratio of the best segment's
    (0.8 is the four-fifths rule)."""
    column_overrides: dict[str, ColumnOverride] = field(
        default_factory=dict, metadata={"config": "columns"}
    )
    """Per-column test, threshold, kind and ignore: the config file's [columns."name"] tables."""
    sources: dict[str, str] = field(
        default_factory=dict, repr=False, compare=False, metadata={"config": False}
    )
    """Where each option that is not a default came from (for error messages)."""
    config_file: str | None = field(default=None, compare=False, metadata={"config": False})
    """The config file these settings were read from (None: defaults and command line only)."""

    def validate(self) -> Settings:
        """Check values and normalize lists; raises :class:`UsageError` naming the option."""
        from driftcli import stattests

        self._check_types()
        self._check_numbers()
        self._check_encoding()
        for name in ("columns", "ignore", "categorical", "numerical", "segment_by"):
            setattr(self, name, split_names(getattr(self, name)))
        if self.fail_on is None:  # a library caller's "not set"
            self.fail_on = list(DEFAULT_FAIL_ON)
        else:
            self.fail_on = split_names(self.fail_on)
            if not self.fail_on:  # an empty value is a mistake, never the default in disguise
                raise UsageError("--fail-on names no condition; to never fail, give 'never'")
        for cond in self.fail_on:
            if cond not in FAIL_CONDITIONS:
                raise UsageError(
                    f"unknown --fail-on condition {cond!r}; "
                    f"choose from: {', '.join(FAIL_CONDITIONS)}"
                )
        if "never" in self.fail_on and len(self.fail_on) > 1:
            raise UsageError("--fail-on never cannot be combined with other conditions")
        if self.stattest is not None:
            stattests.get(self.stattest)
        if self.threshold is not None and not self.threshold > 0:
            raise UsageError(f"--threshold must be > 0, got {self.threshold}")
        if not 0 < self.drift_share <= 1:
            raise UsageError(f"--drift-share must be in (0, 1], got {self.drift_share}")
        for key in (
            "multivariate_alpha",
            "missing_alpha",
            "max_missing_change",
            "max_out_of_range_share",
            "max_new_category_share",
            "max_duplicate_share",
            "min_segment_ratio",
        ):
            value = getattr(self, key)
            if value is not None and not 0 <= value <= 1:
                raise UsageError(f"{self.where(key)} must be in [0, 1], got {value}")
        if not 0 < self.id_unique_share <= 1:
            raise UsageError(f"id_unique_share must be in (0, 1], got {self.id_unique_share}")
        both = set(self.categorical) & set(self.numerical)
        if both:
            raise UsageError(f"column {sorted(both)[0]!r} is in both --categorical and --numerical")
        if not isinstance(self.na_values, list | tuple) or not all(
            isinstance(v, str) for v in self.na_values
        ):
            raise UsageError(f"{self.where('na_values')} must be a list of strings")
        self.na_values = list(self.na_values)
        if self.delimiter == "\\t":  # typed as two characters: a shell passes '\t' so
            self.delimiter = "\t"
        if len(self.delimiter) != 1:
            raise UsageError(f"--delimiter must be one character, got {self.delimiter!r}")
        from driftcli.model.options import validate_settings

        validate_settings(self)
        self._check_limits_have_a_target()
        if self.correction not in CORRECTIONS:
            raise UsageError(
                f"unknown correction {self.correction!r}; choose from: {', '.join(CORRECTIONS)}"
            )
        if self.min_rows_action not in MIN_ROWS_ACTIONS:
            raise UsageError(
                f"min_rows_action must be one of {', '.join(MIN_ROWS_ACTIONS)}, "
                f"got {self.min_rows_action!r}"
            )
        try:  # the library accepts plain dicts: {"income": {"test": "psi"}}
            self.column_overrides = {
                str(k): v if isinstance(v, ColumnOverride) else ColumnOverride(**v)
                for k, v in self.column_overrides.items()
            }
        except TypeError as exc:
            raise UsageError(f"column_overrides: {exc}") from None
        for name, ov in self.column_overrides.items():
            where = f"{ov.source}: " if ov.source else ""
            if ov.test is not None:
                stattests.get(ov.test)
            if ov.kind is not None and ov.kind not in OVERRIDE_KINDS:
                raise UsageError(
                    f"{where}column {name!r}: kind must be one of {', '.join(OVERRIDE_KINDS)}"
                )
            if ov.threshold is not None and not _finite(ov.threshold):
                raise UsageError(
                    f"{where}column {name!r}: threshold must be a finite number, "
                    f"got {ov.threshold!r}"
                )
            if ov.threshold is not None and not ov.threshold > 0:
                raise UsageError(f"{where}column {name!r}: threshold must be > 0")
        return self

    def _check_types(self) -> None:
        """Library callers pass Python values, not text: a setting of the wrong type is one
        line naming it, never a TypeError deep in the run, and a string is never read as a
        switch (``multivariate="no"`` would be true)."""
        for f in fields(self):
            value = getattr(self, f.name)
            where = self.where(f.name)
            if f.type == "float" and value is None:
                raise UsageError(f"{where} must be a finite number, got None")
            if f.type == "bool" and not isinstance(value, bool):
                raise UsageError(f"{where} must be true or false, got {value!r}")
            if f.type == "str" and not isinstance(value, str):
                raise UsageError(f"{where} must be text, got {value!r}")
            if f.type == "list[str]" and not (
                value is None
                or isinstance(value, str)
                or (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value))
            ):
                raise UsageError(f"{where} must be a list of names, got {value!r}")
        for key in ("stattest", "target", "prediction"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise UsageError(f"{self.where(key)} must be a column or test name, got {value!r}")
        if not isinstance(self.column_overrides, dict):
            raise UsageError(
                "column_overrides must map column names to settings, got "
                f"{type(self.column_overrides).__name__}"
            )

    def _check_numbers(self) -> None:
        """Every float setting is a finite number; every integer one lies in its range."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("float", "float | None") and value is not None and not _finite(value):
                raise UsageError(f"{self.where(f.name)} must be a finite number, got {value!r}")
        for key, (low, high) in INT_RANGES.items():
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int):
                raise UsageError(f"{self.where(key)} must be an integer, got {value!r}")
            if not low <= value <= high:
                raise UsageError(f"{self.where(key)} must be in [{low}, {high}], got {value}")

    def _check_limits_have_a_target(self) -> None:
        """Metric limits need a target; the message names what the user wrote, where."""
        if not self.min_metric or self.target is not None:
            return
        source = self.sources.get("min_metric")
        if source:  # from the config file ([metrics] table or min_metric key): config terms
            raise UsageError(
                f'{source}: metric limits need a target column: set target = "COLUMN" '
                "(with prediction or proba) in the file, or pass --target"
            )
        raise UsageError("--min-metric needs --target (with --prediction or --proba)")

    def _check_encoding(self) -> None:
        """``encoding`` names a text codec that can decode a CSV chunk (one line if not)."""
        where = self.where("encoding")
        try:
            info = codecs.lookup(self.encoding)
        except (LookupError, TypeError, ValueError):
            raise UsageError(
                f"{where}: unknown encoding {self.encoding!r} (use a Python codec name: "
                "utf8, latin-1, cp1252, utf-16, ...)"
            ) from None
        usable = getattr(info, "_is_text_encoding", True)
        if usable:
            try:  # round trip as Arrow's CSV reader does it: it hands the decoder its buffers
                import pyarrow as pa

                sample = pa.py_buffer(codecs.encode("a,b\n", info.name))
                decoded = codecs.getincrementaldecoder(info.name)().decode(sample, final=True)
                usable = decoded == "a,b\n"
            except Exception:
                usable = False
        if not usable:
            raise UsageError(
                f"{where}: {self.encoding!r} cannot decode CSV text (use a text encoding: "
                "utf8, latin-1, cp1252, utf-16, ...)"
            )

    def where(self, key: str, flag: str | None = None) -> str:
        """How to name option ``key`` in a message: its config location, else its flag."""
        return self.sources.get(key) or flag or "--" + key.replace("_", "-")

    def updated(self, **options: Any) -> Settings:
        """A copy with ``options`` applied; an unknown option is a :class:`UsageError`."""
        known = {f.name for f in fields(self)}
        for key in options:
            if key not in known:
                raise UsageError(f"unknown option {key!r}")
        return replace(self, **options)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the result's ``settings`` key."""
        out = asdict(self)
        out.pop("sources", None)
        return out
