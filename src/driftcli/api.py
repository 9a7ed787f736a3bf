"""The library entry points: :func:`profile` summarizes one side, :func:`compare` compares two
sides (data or profiles) and gates the outcome. Nothing here prints."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from driftcli import io
from driftcli.compare import Progress, check_named_columns, compare_profiles
from driftcli.errors import InputError
from driftcli.performance import ModelQuality, role_columns
from driftcli.performance import evaluate as evaluate_tables
from driftcli.profile import Profile, build
from driftcli.profile.store import is_profile
from driftcli.result import DatasetDrift, Result
from driftcli.settings import Settings

#: Rows per record batch when streaming a side into its profile.
BATCH_ROWS = 131_072


class _RoleRows:
    """The role columns' rows of one side, for model quality (bounded by those columns)."""

    def __init__(self) -> None:
        self.batches: list[pa.RecordBatch] = []

    def update(self, batch: pa.RecordBatch) -> None:
        self.batches.append(batch)

    def merge(self, other: _RoleRows) -> _RoleRows:
        out = _RoleRows()
        out.batches = self.batches + other.batches
        return out

    def table(self, schema: pa.Schema) -> pa.Table:
        return pa.Table.from_batches(self.batches, schema=schema)

    def to_state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        raise InputError("saving model columns in a profile is not supported yet")


class _Opened:
    """A side's data, opened: its schema, and batches of the columns asked for."""

    def __init__(self, data: Any, role: str, settings: Settings) -> None:
        loaded = io.load(data, role=role, delimiter=settings.delimiter, encoding=settings.encoding)
        self.table = loaded.table
        self.schema = loaded.table.schema
        self.path = loaded.path
        self.format = loaded.format
        self.num_rows: int | None = loaded.table.num_rows

    def batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        return iter(self.table.select(columns).to_batches(max_chunksize=BATCH_ROWS))


def wanted_columns(names: list[str], settings: Settings) -> list[str]:
    """The columns a profile needs: the selection without the ignored ones, plus model roles."""
    roles = role_columns(settings)
    keep = set(settings.columns) if settings.columns else None
    ignored = set(settings.ignore) | {n for n, ov in settings.column_overrides.items() if ov.ignore}
    return [n for n in names if n in roles or ((keep is None or n in keep) and n not in ignored)]


def _is_profile_path(data: Any) -> bool:
    return isinstance(data, str | os.PathLike) and is_profile(data)


def profile(
    data: Any,
    settings: Settings | None = None,
    *,
    role: str = "reference",
    progress: Progress | None = None,
    **options: Any,
) -> Profile:
    """Summarize one dataset (a path, DataFrame or Arrow table) column by column.

    ``options`` are :class:`Settings` fields; those that shape a profile are the column
    selection (``columns``, ``ignore``), the forced kinds, the CSV options, the model roles
    and ``exact_limit``. A profile file or :class:`Profile` is returned as it is.
    """
    settings = (settings or Settings()).updated(**options).validate()
    if isinstance(data, Profile):
        return data
    if _is_profile_path(data):
        return Profile.load(data)
    return _build(_Opened(data, role, settings), role, settings, progress)


def _build(opened: _Opened, role: str, settings: Settings, progress: Progress | None) -> Profile:
    names = wanted_columns(opened.schema.names, settings)
    schema = pa.schema([opened.schema.field(n) for n in names])
    batches, path, fmt, total = opened.batches(names), opened.path, opened.format, opened.num_rows
    roles = [c for c in role_columns(settings) if c in schema.names]
    model = _RoleRows() if roles else None

    def tick(done: int, total_rows: int | None) -> None:
        if progress is not None:
            progress(done, total_rows, f"profiling {role}")

    prof = build(
        batches,
        schema,
        role=role,
        path=path,
        fmt=fmt,
        numerical=[n for n in settings.numerical if n in schema.names],
        exact_limit=settings.exact_limit,
        model=model,
        model_columns=roles,
        total_rows=total,
        progress=tick,
    )
    if model is not None:
        prof.options["model_schema"] = pa.schema([schema.field(c) for c in roles])
    return prof


def _evaluate_model(ref: Profile, cur: Profile, settings: Settings) -> ModelQuality:
    tables = []
    for side in (ref, cur):
        if isinstance(side.model, _RoleRows):
            tables.append(side.model.table(side.options["model_schema"]))
        else:
            tables.append(pa.table({}))
    return evaluate_tables(tables[0], tables[1], settings)


def compare(
    reference: Any,
    current: Any,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> Result:
    """Compare two datasets or profiles column by column and gate the outcome.

    ``reference`` and ``current`` are file paths (CSV, ``.csv.gz``, Parquet, a directory of
    Parquet files, or a saved profile, recognized by its content), pandas DataFrames, pyarrow
    Tables or :class:`Profile` objects. ``options`` are :class:`Settings` fields
    (``stattest="psi"``, ``fail_on=["column"]``, ...). Raises a :class:`DriftcliError`
    (exit code 2 on the command line) when the check cannot run.
    """
    settings = (settings or Settings()).updated(**options).validate()
    sides: list[Profile | _Opened] = []
    for data, role in ((reference, "reference"), (current, "current")):
        if isinstance(data, Profile):
            sides.append(data)
        elif _is_profile_path(data):
            sides.append(Profile.load(data))
        else:
            sides.append(_Opened(data, role, settings))
    names = [set(s.column_names if isinstance(s, Profile) else s.schema.names) for s in sides]
    for side, role in zip(sides, ("reference", "current"), strict=True):
        if not isinstance(side, Profile) and not side.schema.names:
            raise InputError(f"{side.path or f'{role} {side.format} input'}: no columns")
    check_named_columns(settings, names[0] | names[1])
    if not role_columns(settings) and not (
        set(wanted_columns(sorted(names[0]), settings)) & names[1]
    ):
        ref_where = sides[0].path or "reference"
        cur_where = sides[1].path or "current"
        raise InputError(f"no shared columns to compare between {ref_where} and {cur_where}")
    ref, cur = (
        s if isinstance(s, Profile) else _build(s, role, settings, progress)
        for s, role in zip(sides, ("reference", "current"), strict=True)
    )
    return compare_profiles(ref, cur, settings, evaluate_model=_evaluate_model, progress=progress)


def merge(profiles: list[Any]) -> Profile:
    """Merge several profiles (objects or files) of the same columns into one."""
    loaded = [p if isinstance(p, Profile) else Profile.load(Path(p)) for p in profiles]
    if not loaded:
        raise InputError("nothing to merge")
    return loaded[0].merge(*loaded[1:])


__all__ = ["DatasetDrift", "Progress", "compare", "merge", "profile", "wanted_columns"]
