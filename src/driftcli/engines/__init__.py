"""Distributed engines: profile each partition where it lives, merge the partial profiles.

Spark (:mod:`driftcli.engines.spark`) and Dask (:mod:`driftcli.engines.dask`) share this
core: a :class:`Plan` fixed on the driver from the frame's schema and the options (the same
column selection, forced kinds and exact limit as ``driftcli profile``), :func:`partial`
that turns one partition's Arrow batches into the bytes of a partial profile, and
:func:`merge_partials` that merges those bytes on the driver. Only partial profiles travel
to the driver, never data rows. With model roles (``target``, ``prediction``, ``proba``)
each partial also carries the partition's :class:`~driftcli.model.ModelStats` (counts and
sums, a few kilobytes), merged with the column profiles. Partials are merged in the order of
their content hash, so the result does not depend on the order in which partitions are
listed or finish.

Nothing here imports pyspark or dask: ``import driftcli`` never pulls them in.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from driftcli.api import effective_exact_limit, effective_summary_points
from driftcli.errors import InputError, UsageError
from driftcli.model import ModelStats
from driftcli.profiles import Profile, ProfileBuilder
from driftcli.profiles.column import family
from driftcli.profiles.numeric import SUMMARY_POINTS
from driftcli.settings import Settings

__all__ = [
    "CONNECT_TIMEOUT",
    "ENGINES",
    "Plan",
    "bucket",
    "check_reachable",
    "merge_blobs",
    "merge_partials",
    "partial",
    "plan",
    "profile_parquet",
    "require",
]

#: Engines of ``driftcli profile --engine``.
ENGINES = ("local", "spark", "dask")
#: Seconds to wait for a Spark master or Dask scheduler before giving up (exit 2).
CONNECT_TIMEOUT = 30.0
#: Rows per batch fed to a partition's builder (as the local engine batches its input).
BATCH_ROWS = 131_072

#: ``progress(done, total, label)``, as :data:`driftcli.compare.Progress`.
Progress = Callable[[int, int | None, str], None]

_EXTRA_MODULES = {"spark": ("pyspark",), "dask": ("dask.dataframe", "distributed")}


@dataclass(frozen=True)
class Plan:
    """What every partition profiles: fixed once on the driver, shipped to the workers."""

    schema: pa.Schema
    """The selected columns with the Arrow types partitions are cast to."""
    role: str
    numerical: tuple[str, ...]
    exact_limit: int
    summary_points: int
    path: str | None
    fmt: str
    model: ModelStats | None = None
    """An empty model summary of the role columns (None without roles): every partition
    fills a copy, as the local engine fills one for the whole input."""

    @property
    def columns(self) -> list[str]:
        """Selected column names, in the frame's order."""
        return list(self.schema.names)

    @property
    def model_columns(self) -> list[str]:
        """The role columns a partition's model summary reads."""
        return [] if self.model is None else list(self.model.roles.names)

    def builder(self) -> ProfileBuilder:
        """A builder for one partition (or an empty frame), with its own model summary."""
        return ProfileBuilder(
            self.schema,
            role=self.role,
            numerical=self.numerical,
            exact_limit=self.exact_limit,
            summary_points=self.summary_points,
            model=copy.deepcopy(self.model),
            model_columns=self.model_columns,
        )


def plan(
    schema: pa.Schema,
    settings: Settings,
    *,
    role: str,
    path: str | None,
    fmt: str,
    where: str,
    type_names: dict[str, str] | None = None,
) -> Plan:
    """The :class:`Plan` for a frame of ``schema`` under ``settings``.

    Every column the options name must exist in the frame (``where`` names it in the
    error); a selected column of a type profiles cannot summarize (lists, maps, structs,
    binary) is named with its type (``type_names`` gives the engine's own spelling).
    """
    from driftcli.api import wanted_columns
    from driftcli.performance import role_columns

    names = list(schema.names)
    known = set(names)
    named: list[tuple[str, str]] = [
        (opt, n)
        for opt in ("columns", "ignore", "categorical", "numerical")
        for n in getattr(settings, opt)
    ]
    named += [("column_overrides", n) for n in settings.column_overrides]
    named += [("roles", n) for n in sorted(role_columns(settings))]
    for option, name in named:
        if name not in known:
            label = "--" + option.replace("_", "-") if option != "roles" else "a model role"
            raise UsageError(f"{where}: no column {name!r} (named by {label})")
    selected = wanted_columns(names, settings)
    if not selected:
        raise UsageError(f"{where}: no columns left to profile")
    unsupported = [n for n in selected if family(schema.field(n).type) == "other"]
    if unsupported:
        spelled = type_names or {}
        listed = ", ".join(
            f"{n!r} ({spelled.get(n, str(schema.field(n).type))})" for n in unsupported[:5]
        )
        more = f" and {len(unsupported) - 5} more" if len(unsupported) > 5 else ""
        raise UsageError(
            f"{where}: unsupported column type: {listed}{more}; driftcli profiles booleans, "
            "numbers, strings, dates and timestamps (leave these out with --ignore)"
        )
    # the model summary's exact limit is the option itself, as the local engine keeps it
    has_roles = bool(role_columns(settings))
    exact_limit = effective_exact_limit(settings, len(selected))
    return Plan(
        schema=pa.schema([schema.field(n) for n in selected]),
        role=role,
        numerical=tuple(n for n in settings.numerical if n in selected),
        exact_limit=exact_limit,
        summary_points=effective_summary_points(settings, exact_limit),
        path=path,
        fmt=fmt,
        model=ModelStats.empty(settings, exact_limit=settings.exact_limit) if has_roles else None,
    )


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with the plan's columns, in its order, cast to its types where they differ
    (a string arriving as large_string, a timestamp in the session's time zone, ...)."""
    if batch.schema.equals(schema):
        return batch
    arrays = []
    for f in schema:
        arr = batch.column(batch.schema.get_field_index(f.name))
        arrays.append(arr if arr.type.equals(f.type) else arr.cast(f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def rebatch(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Batches of :data:`BATCH_ROWS` rows (the last one shorter), whatever size they arrive
    in: Spark hands Arrow batches of 10,000 rows, and every batch costs the builder a
    dispatch and, beyond the exact limit, a compression."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        rows += batch.num_rows
        if rows >= BATCH_ROWS:
            table = pa.Table.from_batches(pending).combine_chunks()
            chunks = table.to_batches(max_chunksize=BATCH_ROWS)
            full = [c for c in chunks if c.num_rows == BATCH_ROWS]
            yield from full
            pending = [c for c in chunks if c.num_rows < BATCH_ROWS]
            rows = sum(c.num_rows for c in pending)
    if pending:
        yield from pa.Table.from_batches(pending).combine_chunks().to_batches()


def partial(batches: Iterable[pa.RecordBatch], plan: Plan) -> bytes:
    """One partition's partial profile, as bytes (runs on a worker)."""
    from driftcli.profiles.store import to_bytes

    builder = plan.builder()
    try:
        for batch in rebatch(conform(b, plan.schema) for b in batches):
            builder.add(batch)
        return to_bytes(builder.finish(path=plan.path, fmt=plan.fmt))
    finally:
        builder.close()


def _ordered(blobs: Iterable[bytes]) -> list[Profile]:
    """Partials decoded, empty ones dropped, in the order of their content hash."""
    from driftcli.profiles.store import from_bytes

    keyed = sorted((hashlib.sha256(b).digest(), b) for b in blobs)
    profiles = [from_bytes(b, "a partial profile") for _, b in keyed]
    non_empty = [p for p in profiles if p.rows]
    return non_empty or profiles[:1]


def bucket(blob: bytes, buckets: int) -> int:
    """The bucket a partial goes to in a reduction level: from its content hash only."""
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], "big") % buckets


def merge_blobs(*blobs: bytes) -> bytes:
    """Merge partial profiles into one partial (a node of a tree reduction)."""
    from driftcli.profiles.store import to_bytes

    parts = _ordered(blobs)
    return to_bytes(parts[0].merge(*parts[1:]))


def merge_partials(blobs: Sequence[bytes], plan: Plan) -> Profile:
    """The side's profile from its partitions' partial profiles (on the driver)."""
    parts = _ordered(blobs)
    # a frame without partitions: the empty profile (and model summary)
    merged = parts[0].merge(*parts[1:]) if parts else plan.builder().finish(path=None, fmt=plan.fmt)
    if plan.model is None:
        merged.model = None
    elif merged.model is None:  # partials made without roles: not this plan's
        raise InputError("a partial profile lacks the model summary its plan asks for")
    merged.path, merged.format = plan.path, plan.fmt
    merged.options = {"exact_limit": plan.exact_limit, "numerical": sorted(plan.numerical)}
    if plan.summary_points != SUMMARY_POINTS:
        merged.options["summary_points"] = plan.summary_points
    return merged


def require(engine: str) -> None:
    """Fail with one line naming the extra when the engine's packages are not installed."""
    import importlib

    for module in _EXTRA_MODULES[engine]:
        try:
            importlib.import_module(module)
        except ImportError:
            raise UsageError(
                f"--engine {engine} needs the {engine} extra: pip install "
                f'"driftcli[{engine}]" ({module} is not installed)'
            ) from None


def java_available() -> bool:
    """Whether a ``java`` executable is found (``JAVA_HOME`` first, then ``PATH``)."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return True
    return shutil.which("java") is not None


def check_reachable(address: str, what: str, default_port: int) -> None:
    """Fail fast (within :data:`CONNECT_TIMEOUT`) when ``host:port`` of ``address`` does not
    accept a TCP connection. Only ``spark://``, ``tcp://`` and bare ``host:port`` addresses
    are checked; others (``local[*]``, ``yarn``, ``k8s://...``) are left to the engine."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "", address
    if scheme not in ("", "spark", "tcp") or address.startswith(("local", "yarn")):
        return
    rest = rest.split("/", 1)[0].split(",", 1)[0]
    if not rest:
        return
    host, _, port = rest.rpartition(":")
    if not host:
        host, port = rest, str(default_port)
    try:
        with socket.create_connection((host, int(port)), timeout=min(CONNECT_TIMEOUT, 10.0)):
            return
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise InputError(f"{what} {address}: unreachable ({reason})") from None


def _check_parquet(path: Path) -> None:
    if not path.exists():
        raise InputError(f"input not found: {path}")
    if path.is_dir():
        if not any(p.is_file() and p.suffix.lower() == ".parquet" for p in path.rglob("*")):
            raise InputError(f"{path}: directory holds no .parquet files")
        return
    with path.open("rb") as fh:
        head = fh.read(4)
    if head != b"PAR1":
        raise UsageError(f"{path}: --engine spark/dask reads Parquet files or directories only")


def profile_parquet(
    source: str,
    engine: str,
    settings: Settings,
    *,
    spark_master: str = "local[*]",
    dask_scheduler: str | None = None,
    progress: Progress | None = None,
) -> Profile:
    """Profile a Parquet file or directory on Spark or Dask (``driftcli profile --engine``):
    start or join the cluster, profile, stop what was started."""
    if engine not in ("spark", "dask"):
        raise UsageError(f"--engine: unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    path = Path(source)
    _check_parquet(path)
    _check_columns(path, settings)
    require(engine)
    if engine == "spark":
        from driftcli.engines import spark

        with spark.session(spark_master) as session:
            df = spark.read_parquet(session, str(path))
            return spark.profile(df, settings, path=str(path), fmt="parquet", progress=progress)
    from driftcli.engines import dask

    with dask.client(dask_scheduler) as client:
        ddf = dask.read_parquet(str(path))
        return dask.profile(
            ddf, settings, path=str(path), fmt="parquet", client=client, progress=progress
        )


def _check_columns(path: Path, settings: Settings) -> None:
    """Every column the options name is in the data (read from the Parquet footer before
    any cluster starts)."""
    from driftcli.api import check_profile_options
    from driftcli.sources import open_source

    src = open_source(str(path), role="input")
    try:
        check_profile_options(settings, src.schema(), str(path))
    finally:
        src.close()


def settings_of(settings: Settings | None, options: dict[str, Any]) -> Settings:
    """``settings`` updated with ``options`` (Settings fields), validated."""
    return (settings or Settings()).updated(**options).validate()
