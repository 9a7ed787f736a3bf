"""Profiles: each side of a comparison summarized on its own, batch by batch.

A :class:`Profile` is built from a stream of Arrow record batches in bounded memory, merges
with another profile of the same columns (``merge(profile(A), profile(B))`` is the profile of
``A ∪ B``: exactly for counts and exact columns, within the tracked bounds for summaries), and
saves to one versioned file (:mod:`driftcli.profiles.store`). Comparisons read profiles only.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from driftcli import __version__
from driftcli.errors import InputError
from driftcli.profiles.column import ColumnBuilder, ColumnProfile, merge_columns, ns_per_value
from driftcli.profiles.numeric import EXACT_LIMIT, SUMMARY_POINTS, gather_size

if TYPE_CHECKING:  # the row sample is built only when a row-level check asks for it
    from driftcli.profiles.sample import RowSample, SampleBuilder

__all__ = ["ColumnProfile", "Profile", "ProfileBuilder", "build"]

#: ``progress(rows_done, rows_total_or_None)`` after each batch.
BatchProgress = Callable[[int, int | None], None]


@dataclass
class Profile:
    """One side of a comparison, summarized column by column."""

    columns: dict[str, ColumnProfile]
    rows: int
    path: str | None = None
    format: str = "profile"
    options: dict[str, Any] = field(default_factory=dict)
    model: Any = None
    """Mergeable model-quality statistics of the role columns (``driftcli.model.ModelStats``)."""
    driftcli_version: str = __version__
    sample: RowSample | None = None
    """Bottom-k row sample for row-level checks (None unless asked for: ``sample_rows``)."""

    @property
    def column_names(self) -> list[str]:
        """Column names in the input's order."""
        return list(self.columns)

    @property
    def exact_limit(self) -> int:
        """Distinct values a numeric column keeps exactly."""
        return int(self.options.get("exact_limit", EXACT_LIMIT))

    @property
    def summary_points(self) -> int:
        """Points a summarized numeric column keeps (fewer than the default only in wide
        profiles, whose columns share one budget)."""
        return int(self.options.get("summary_points", SUMMARY_POINTS))

    def merge(self, *others: Profile) -> Profile:
        """The profile of the union of this side and ``others`` (same columns required)."""
        parts = common_time_units([self, *others])
        names = self.column_names
        for other in others:
            if set(other.column_names) != set(names):
                missing = sorted(set(names) ^ set(other.column_names))[:3]
                where = other.path or "a profile"
                raise InputError(
                    f"{where}: cannot merge profiles with different columns ({', '.join(missing)})"
                )
        limit = min(p.exact_limit for p in parts)
        points = min(p.summary_points for p in parts)
        columns = {n: merge_columns([p.columns[n] for p in parts], limit, points) for n in names}
        model = None
        if all(p.model is not None for p in parts):
            model = parts[0].model
            for p in parts[1:]:
                model = model.merge(p.model)
        options = dict(self.options, exact_limit=limit)
        if points != SUMMARY_POINTS:
            options["summary_points"] = points
        sample = None
        if all(p.sample is not None for p in parts):
            first, *rest = [p.sample for p in parts if p.sample is not None]
            sample = first.merge(*rest)
        return Profile(
            columns,
            sum(p.rows for p in parts),
            None,
            "profile",
            options,
            model,
            __version__,
            sample,
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write to one versioned file (see :mod:`driftcli.profiles.store`)."""
        from driftcli.profiles.store import save

        save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Profile:
        """Read a file written by :meth:`save` (any earlier format version)."""
        from driftcli.profiles.store import load

        return load(path)


def common_time_units(profiles: Sequence[Profile]) -> list[Profile]:
    """``profiles`` with every time column that the sides hold in different units (seconds,
    milli-, micro-, nanoseconds) in the finest of them on every side; the others unchanged
    (the same objects when nothing differs). Comparisons and merges go through this."""
    shared: dict[str, set[int]] = {}
    for p in profiles:
        for name, col in p.columns.items():
            factor = ns_per_value(col.type)
            if factor is not None and col.numeric is not None:
                shared.setdefault(name, set()).add(factor)
    # the finest unit the sides use: no value is scaled past what its own side could hold
    finest = {name: min(factors) for name, factors in shared.items() if len(factors) > 1}
    if not finest:
        return list(profiles)
    out = []
    for p in profiles:
        columns = {n: c.in_unit(finest[n]) if n in finest else c for n, c in p.columns.items()}
        out.append(dataclasses.replace(p, columns=columns))
    return out


class ProfileBuilder:
    """Builds a :class:`Profile` from record batches of one side."""

    def __init__(
        self,
        schema: pa.Schema,
        *,
        role: str,
        numerical: Sequence[str] = (),
        exact_limit: int = EXACT_LIMIT,
        model: Any = None,
        model_columns: Sequence[str] = (),
        sample_rows: int = 0,
        seed: int = 0,
        summary_points: int = SUMMARY_POINTS,
        columns_in_flight: int | None = None,
    ) -> None:
        forced = set(numerical)
        # summarized columns gather values before each sort, within one shared budget for
        # the columns read together (all of them unless the caller reads them in groups)
        gather = gather_size(summary_points, columns_in_flight or len(schema))
        self.builders = [
            ColumnBuilder(
                f.name,
                f.type,
                role=role,
                numerical=f.name in forced,
                exact_limit=exact_limit,
                summary_points=summary_points,
                gather=gather,
            )
            for f in schema
        ]
        self.summary_points = summary_points
        self.rows = 0
        self.exact_limit = exact_limit
        self.model = model
        self.model_columns = list(model_columns)
        self.numerical = sorted(forced)
        self.schema = schema
        self.sampler: SampleBuilder | None = None
        if sample_rows > 0:
            from driftcli.profiles.sample import SampleBuilder

            self.sampler = SampleBuilder(sample_rows, seed)
        self._workers = max(1, min(len(self.builders), _cpus()))
        self._pool = ThreadPoolExecutor(max_workers=self._workers)
        self._inflight: list[Future[None]] = []
        self._closed = False

    def _submit(self, work: Callable[[list[Any]], None], items: Sequence[Any]) -> None:
        """Wait for the work in flight (each column takes its calls in order), then hand
        ``items`` to the workers in one task each: interleaved shares, so columns of similar
        cost spread evenly and thousands of columns cost no thousands of tasks."""
        self._wait()
        n = self._workers
        shares = [list(items[k::n]) for k in range(n)]
        self._inflight = [self._pool.submit(work, share) for share in shares if share]

    def _then(self, work: Callable[[list[Any]], None], items: Sequence[Any]) -> None:
        """Hand ``items`` to the workers after the work in flight without waiting for it:
        share ``k`` runs once share ``k`` in flight is done. ``items`` must list the same
        columns, in the same order, as the work in flight, so each column still takes its
        calls in order. The caller goes on reading meanwhile."""
        n = self._workers
        shares = [share for share in (list(items[k::n]) for k in range(n)) if share]
        before = self._inflight
        if len(before) != len(shares):  # not the shares in flight (a group with no rows)
            self._submit(work, items)
            return

        def after(prior: Future[None], share: list[Any]) -> None:
            prior.result()  # an earlier task's error surfaces here, and at the next wait
            work(share)

        self._inflight = [
            self._pool.submit(after, prior, share)
            for prior, share in zip(before, shares, strict=True)
        ]

    def _wait(self) -> None:
        inflight, self._inflight = self._inflight, []
        for f in inflight:
            f.result()

    def add(self, batch: pa.RecordBatch, columns: Sequence[int] | None = None) -> None:
        """Add one batch: all columns in the schema's order, or, for a group of a wide
        input, the columns at positions ``columns`` of the schema (whose rows were counted
        with the first group). The workers profile it while the caller reads the next one;
        an error of this batch surfaces at the next call."""
        if columns is None:
            self.rows += batch.num_rows
            columns = range(len(self.builders))

        def work(share: list[tuple[int, int]]) -> None:
            for i, j in share:
                self.builders[i].add(batch.column(j))

        self._submit(work, list(zip(columns, range(batch.num_columns), strict=True)))
        if self.model is not None:
            names = batch.schema.names
            cols = [c for c in self.model_columns if c in names]
            if cols:
                self.model.update(batch.select(cols))
        if self.sampler is not None:
            self.sampler.add(batch)

    def add_rows(self, rows: int) -> None:
        """Count rows whose columns come in groups (see :meth:`add`)."""
        self.rows += rows

    def release(self, columns: Sequence[int]) -> None:
        """The columns at these positions get no more batches for a while (a column group
        of a wide input is done): their gathered values are summarized and the buffers
        freed, so memory follows the group in flight, not the table's width."""

        def work(share: list[int]) -> None:
            for i in share:
                self.builders[i].release()

        # queued behind the group's last batch, not waited for: the next group is read
        # while the workers still profile this one
        self._then(work, columns)

    def close(self) -> None:
        """Stop the worker threads once the work in flight is done; :meth:`finish` still
        works after it, on the calling thread."""
        self._closed = True
        self._pool.shutdown(wait=True)

    def finish(self, *, path: str | None, fmt: str) -> Profile:
        """The profile of everything added."""
        done: dict[int, ColumnProfile] = {}

        def work(share: list[int]) -> None:
            for i in share:
                done[i] = self.builders[i].finish()

        everything = range(len(self.builders))
        if self._closed:
            self._wait()
            work(list(everything))
        else:  # the last merges and compressions of each column, on the workers too
            self._submit(work, everything)
            self._wait()
            self.close()
        columns = {self.builders[i].name: done[i] for i in range(len(self.builders))}
        options: dict[str, Any] = {"exact_limit": self.exact_limit, "numerical": self.numerical}
        if self.summary_points != SUMMARY_POINTS:
            options["summary_points"] = self.summary_points
        sample = None
        if self.sampler is not None:
            sample = self.sampler.finish(self.schema)
            options["sample_rows"] = self.sampler.k
        return Profile(columns, self.rows, path, fmt, options, self.model, __version__, sample)


def build(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    *,
    role: str,
    path: str | None,
    fmt: str,
    numerical: Sequence[str] = (),
    exact_limit: int = EXACT_LIMIT,
    model: Any = None,
    model_columns: Sequence[str] = (),
    total_rows: int | None = None,
    progress: BatchProgress | None = None,
    sample_rows: int = 0,
    seed: int = 0,
    summary_points: int = SUMMARY_POINTS,
) -> Profile:
    """Profile a stream of record batches that conform to ``schema``."""
    builder = ProfileBuilder(
        schema,
        role=role,
        numerical=numerical,
        exact_limit=exact_limit,
        model=model,
        model_columns=model_columns,
        sample_rows=sample_rows,
        seed=seed,
        summary_points=summary_points,
    )
    try:
        for batch in batches:
            builder.add(batch)
            if progress is not None:
                progress(builder.rows, total_rows)
        return builder.finish(path=path, fmt=fmt)
    finally:
        builder.close()


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
