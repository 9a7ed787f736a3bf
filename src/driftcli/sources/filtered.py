"""A source restricted to a time window ``[start, end)`` of one column.

:class:`ParquetFilteredSource` hands the window to :mod:`pyarrow.dataset` as a filter, so
row groups whose statistics lie outside it are never decoded; :class:`FilteredSource`
filters the batches of any source (CSV, frames). Both drop the time column unless asked
to keep it. Window parsing and the timezone rule live in :mod:`driftcli.windows`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from driftcli.errors import InputError
from driftcli.sources.base import Source, conform, first_line, sliced

#: ``to_utc(array, where, column)``: the time column as ``timestamp[us]`` in UTC.
ToUtc = Callable[[Any, str, str], pa.Array]


class FilteredSource(Source):
    """The rows of ``inner`` whose ``column`` lies in ``[start, end)``, batch by batch."""

    def __init__(
        self,
        inner: Source,
        column: str,
        names: list[str],
        start: datetime,
        end: datetime,
        to_utc: ToUtc,
    ) -> None:
        self.inner = inner
        self.role = inner.role
        self.path = inner.path
        self.format = inner.format
        self.column = column
        self._names = names
        self._lo = pa.scalar(start, pa.timestamp("us"))
        self._hi = pa.scalar(end, pa.timestamp("us"))
        self._to_utc = to_utc
        full = inner.schema()
        self._schema = pa.schema([full.field(n) for n in names])
        #: rows read from the input (before the filter), for benchmarks
        self.rows_scanned = 0

    def schema(self) -> pa.Schema:
        return self._schema

    def close(self) -> None:
        self.inner.close()

    def input_files(self) -> list[Path]:
        return self.inner.input_files()

    def _mask(self, times: Any) -> pa.Array:
        import pyarrow.compute as pc

        ts = self._to_utc(times, self.where, self.column)
        return pc.and_(pc.greater_equal(ts, self._lo), pc.less(ts, self._hi))

    def _raw(self, read: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        return self.inner.batches(read, batch_rows)

    def _batches(self, columns: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        read = list(columns) if self.column in columns else [*columns, self.column]
        for batch in self._raw(read, batch_rows):
            self.rows_scanned += batch.num_rows
            mask = self._mask(batch.column(read.index(self.column)))
            kept = batch.filter(mask).select([read.index(c) for c in columns])
            if kept.num_rows:
                yield from sliced(kept, batch_rows)


class ParquetFilteredSource(FilteredSource):
    """A Parquet file or directory read through a :mod:`pyarrow.dataset` filter: row groups
    outside the window are skipped by their statistics (typed time columns)."""

    def __init__(
        self,
        inner: Source,
        column: str,
        names: list[str],
        start: datetime,
        end: datetime,
        to_utc: ToUtc,
    ) -> None:
        import pyarrow.dataset as ds

        super().__init__(inner, column, names, start, end, to_utc)
        from driftcli.sources.parquet import ParquetDirSource

        if isinstance(inner, ParquetDirSource):  # with its Hive partition columns
            dataset = inner.dataset()
        else:
            dataset = ds.dataset([str(p) for p in inner.input_files()], format="parquet")
        self._dataset = dataset
        t = dataset.schema.field(column).type
        self._filter: Any = None
        if pa.types.is_timestamp(t):
            lo, hi = start, end
            if t.tz is not None:
                from datetime import timezone

                lo, hi = start.replace(tzinfo=timezone.utc), end.replace(tzinfo=timezone.utc)
            f = ds.field(column)
            self._filter = (f >= pa.scalar(lo, t)) & (f < pa.scalar(hi, t))
        elif pa.types.is_date(t):
            f = ds.field(column)
            # a date d is the instant d 00:00: d >= start's day (ceil) and d < end (ceil)
            self._filter = (f >= pa.scalar(_ceil_day(start), t)) & (
                f < pa.scalar(_ceil_day(end), t)
            )

    def _raw(self, read: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        target = self.inner.projected_schema(read)
        try:
            for batch in self._dataset.to_batches(
                columns=read, filter=self._filter, batch_size=batch_rows, use_threads=True
            ):
                if batch.num_rows:
                    yield from conform(batch, target, self.where)
        except MemoryError:  # not a bad file: the command says what to do about it
            raise
        except (pa.ArrowException, OSError) as err:
            raise InputError(f"{self.where}: cannot read Parquet: {first_line(err)}") from err


def _ceil_day(t: datetime) -> Any:
    day = t.date()
    if t != datetime.combine(day, datetime.min.time()):
        from datetime import timedelta

        day = day + timedelta(days=1)
    return day
