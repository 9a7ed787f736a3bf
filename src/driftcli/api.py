"""The library entry point: :func:`compare` reads, aligns, tests and gates; it prints nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from driftcli import __version__, correction, io
from driftcli.columns import Typed, families_compatible, family, infer_kind
from driftcli.drift import analyze_column, dataset_drift, skipped
from driftcli.errors import ConfigError, DriftcliError, InputError, UsageError
from driftcli.gate import decide
from driftcli.performance import evaluate as evaluate_model
from driftcli.performance import role_columns
from driftcli.result import ColumnResult, DatasetDrift, DatasetInfo, Result, SchemaChanges, Verdict
from driftcli.settings import Settings
from driftcli.stattests.base import Kind

#: ``progress(done, total, column)`` is called after each column is analyzed.
Progress = Callable[[int, int, str], None]


def _check_named_columns(settings: Settings, known: set[str]) -> None:
    for option in ("columns", "ignore", "categorical", "numerical"):
        for name in getattr(settings, option):
            if name not in known:
                where = settings.where(option)
                error = ConfigError if option in settings.sources else UsageError
                raise error(f"{where}: unknown column {name!r} (in neither input)")
    for name, ov in settings.column_overrides.items():
        if name not in known:
            where = f"{ov.source}: " if ov.source else ""
            raise ConfigError(f'{where}[columns."{name}"]: unknown column (in neither input)')


def _info(loaded: io.Loaded) -> DatasetInfo:
    t = loaded.table
    return DatasetInfo(
        path=loaded.path, rows=t.num_rows, columns=t.num_columns, format=loaded.format
    )


def compare(
    reference: Any,
    current: Any,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> Result:
    """Compare two datasets column by column and gate the outcome.

    ``reference`` and ``current`` are file paths (CSV, ``.csv.gz``, Parquet or a directory of
    Parquet files), pandas DataFrames or pyarrow Tables. ``options`` are :class:`Settings`
    fields (``stattest="psi"``, ``fail_on=["column"]``, ...). Raises a :class:`DriftcliError`
    (exit code 2 on the command line) when the check cannot run.
    """
    settings = (settings or Settings()).updated(**options).validate()
    ref = io.load(
        reference, role="reference", delimiter=settings.delimiter, encoding=settings.encoding
    )
    cur = io.load(current, role="current", delimiter=settings.delimiter, encoding=settings.encoding)
    for role, loaded in (("reference", ref), ("current", cur)):
        where = loaded.path or f"{role} {loaded.format} input"
        if loaded.table.num_columns == 0:
            raise InputError(f"{where}: no columns")
        if loaded.table.num_rows == 0:
            raise InputError(f"{where}: no rows (header only)")

    ref_names = ref.table.column_names
    cur_names = cur.table.column_names
    _check_named_columns(settings, set(ref_names) | set(cur_names))
    wanted = set(settings.columns) if settings.columns else None
    overrides = settings.column_overrides
    ignored = set(settings.ignore) | {n for n, ov in overrides.items() if ov.ignore}
    ignored |= role_columns(settings)  # target/prediction/proba: checked apart from features

    def keep(name: str) -> bool:
        return (wanted is None or name in wanted) and name not in ignored

    cur_set, ref_set = set(cur_names), set(ref_names)
    shared = [n for n in ref_names if n in cur_set and keep(n)]
    schema = SchemaChanges(
        missing_in_current=[n for n in ref_names if n not in cur_set and keep(n)],
        new_in_current=[n for n in cur_names if n not in ref_set and keep(n)],
    )
    if not shared and not role_columns(settings):  # model columns alone are a check
        raise InputError(
            f"no shared columns to compare between {ref.path or 'reference'} "
            f"and {cur.path or 'current'}"
        )

    too_few = _too_few_rows(settings, ref, cur)
    if too_few is not None:
        return _not_checked(settings, ref, cur, shared, schema, too_few)

    model = evaluate_model(ref.table, cur.table, settings)

    def run(name: str) -> ColumnResult:
        rc, cc = ref.table.column(name), cur.table.column(name)
        rf, cf = family(rc.type), family(cc.type)
        ov = overrides.get(name)
        kind = ov.kind if ov else None
        forced_cat = name in settings.categorical or kind == "categorical"
        forced_num = name in settings.numerical or kind == "numeric"
        if not (forced_cat or forced_num) and not families_compatible(rf, cf):
            typed = Typed(Kind.UNSUPPORTED, f"type changed: {rf} in reference, {cf} in current")
            return skipped(name, typed, {"rows": len(rc)}, {"rows": len(cc)})
        typed = infer_kind(
            name,
            rc,
            cc,
            categorical=forced_cat,
            numerical=forced_num,
            max_int_categories=settings.max_int_categories,
            id_unique_share=settings.id_unique_share,
        )
        col = analyze_column(
            name,
            typed,
            rc,
            cc,
            settings,
            forced_test=ov.test if ov else None,
            forced_threshold=ov.threshold if ov else None,
        )
        if ov and ov.test and col.tested and col.test != ov.test:
            where = f"{ov.source}: " if ov.source else ""
            raise ConfigError(
                f'{where}[columns."{name}"]: test {ov.test!r} does not apply to '
                f"this {col.kind} column"
            )
        return col

    columns: list[ColumnResult] = []
    workers = max(1, min(len(shared), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, col in enumerate(pool.map(run, shared), start=1):
            columns.append(col)
            if progress is not None:
                progress(i, len(shared), col.name)

    for col in columns:
        if col.skipped_reason and col.skipped_reason.startswith("type changed"):
            rc, cc = ref.table.column(col.name), cur.table.column(col.name)
            schema.type_changed.append(
                {"column": col.name, "reference": family(rc.type), "current": family(cc.type)}
            )
    if not any(c.tested for c in columns) and not role_columns(settings):
        reasons = "; ".join(f"{c.name}: {c.skipped_reason}" for c in columns[:3])
        raise DriftcliError(f"nothing could be tested: every column was skipped ({reasons})")
    if settings.stattest and not any(c.test == settings.stattest for c in columns):
        raise UsageError(
            f"{settings.where('stattest')} {settings.stattest} applies to none of the "
            "compared columns"
        )
    correction.apply(columns, settings.correction)

    result = Result(
        reference=_info(ref),
        current=_info(cur),
        columns=columns,
        dataset_drift=dataset_drift(columns, settings.drift_share),
        schema_changes=schema,
        verdict=Verdict(passed=True, exit_code=0, reasons=[]),
        settings=settings.to_dict(),
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        driftcli_version=__version__,
    )
    result.performance = model.performance
    result.target_drift = model.target_drift
    result.prediction_drift = model.prediction_drift
    result.verdict = decide(result, settings.fail_on)
    return result


def _too_few_rows(settings: Settings, ref: io.Loaded, cur: io.Loaded) -> str | None:
    """Why the inputs are too small for ``min_rows``, or None when they are large enough."""
    for role, loaded in (("reference", ref), ("current", cur)):
        rows = loaded.table.num_rows
        if rows < settings.min_rows:
            where = loaded.path or f"{role} input"
            return f"{role} ({where}) has {rows:,} rows, fewer than min_rows = {settings.min_rows}"
    return None


def _not_checked(
    settings: Settings,
    ref: io.Loaded,
    cur: io.Loaded,
    shared: list[str],
    schema: SchemaChanges,
    why: str,
) -> Result:
    """Below ``min_rows``: an error, or (``min_rows_action = "pass"``) a passing, empty result."""
    if settings.min_rows_action != "pass":
        raise InputError(
            f'{why}; the check cannot run (lower min_rows, or set min_rows_action = "pass")'
        )
    columns = [
        skipped(n, Typed(Kind.UNSUPPORTED, "not checked: too few rows"), {}, {}) for n in shared
    ]
    return Result(
        reference=_info(ref),
        current=_info(cur),
        columns=columns,
        dataset_drift=dataset_drift(columns, settings.drift_share),
        schema_changes=schema,
        verdict=Verdict(
            passed=True,
            exit_code=0,
            reasons=[f"not checked: {why} (min_rows_action = pass)"],
        ),
        settings=settings.to_dict(),
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        driftcli_version=__version__,
    )


__all__ = ["DatasetDrift", "Progress", "compare"]
