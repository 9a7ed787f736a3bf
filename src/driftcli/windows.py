"""Time windows over one source: parsing, bounds, and the per-source filters.

A window is a duration (``6h``, ``7d``, ``4w``) or an explicit ``START..END`` (ISO dates or
timestamps); every window is the half-open interval ``[start, end)``.

Timezone rule (one rule for every source):

- every bound is an instant in UTC; internally a naive :class:`datetime` holding UTC;
- a time column with a timezone (``timestamptz``, Arrow ``timestamp[tz=...]``, ISO text with
  ``Z`` or ``+HH:MM``) is converted to UTC; a naive one (``timestamp``, ISO text without an
  offset, as SQLAlchemy's ``DateTime`` stores it) is read as UTC; a date is its midnight UTC;
  a number is Unix seconds;
- ``--as-of`` and ``START..END`` follow the same rule: an offset is honoured, no offset
  means UTC; ``--as-of now`` is the current UTC time. The default ``--as-of`` is the next
  whole second after the latest timestamp in the data, so the latest row is inside.

Window rule: the current window ends at ``as_of``; a duration reference window ends where
the current one starts (one input) or at its own input's ``as_of`` (two inputs).

Filters are pushed down: SQL ``WHERE`` for databases, a :mod:`pyarrow.dataset` filter for
Parquet (row groups skipped by their statistics), batch filtering for CSV and frames.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa

from driftcli.errors import InputError, UsageError
from driftcli.selection import Selection as Selection  # defined apart: every compare makes one
from driftcli.sources import Source, open_source
from driftcli.sources.filtered import FilteredSource, ParquetFilteredSource
from driftcli.sources.parquet import ParquetDirSource, ParquetFileSource
from driftcli.sources.sql import (
    PostgresSource,
    SqliteSource,
    _base_query,
    _ident,
    is_database_url,
    open_database,
    redact,
)

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1)
_DURATION = re.compile(r"^\s*(\d+)\s*(h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


# -- parsing ------------------------------------------------------------------------------


def parse_instant(text: str, what: str) -> datetime:
    """An ISO date or timestamp as a naive UTC datetime (an offset is converted to UTC)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{what}: {text!r} is not an ISO date or timestamp (e.g. 2026-03-01 or "
            "2026-03-01T12:00:00Z)"
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@dataclass(frozen=True)
class WindowSpec:
    """A window as given: a duration, or explicit bounds."""

    text: str
    duration: timedelta | None = None
    start: datetime | None = None
    end: datetime | None = None


def parse_window(text: str, option: str) -> WindowSpec:
    """``6h``/``7d``/``4w`` or ``START..END`` (start inclusive, end exclusive)."""
    m = _DURATION.match(text)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise UsageError(f"{option}: the duration must be at least 1, got {text!r}")
        return WindowSpec(text, duration=n * _UNITS[m.group(2).lower()])
    if ".." in text:
        a, b = text.split("..", 1)
        start, end = parse_instant(a, option), parse_instant(b, option)
        if end <= start:
            raise UsageError(f"{option}: {text!r} ends before it starts")
        return WindowSpec(text, start=start, end=end)
    raise UsageError(
        f"{option}: {text!r} is neither a duration (6h, 7d, 4w) nor START..END "
        "(2026-03-01..2026-03-08)"
    )


def parse_as_of(text: str | None) -> datetime | None:
    """``--as-of``: None (from the data), ``now`` (UTC) or an ISO instant."""
    if text is None:
        return None
    if text.strip().lower() == "now":
        return datetime.now(UTC).replace(tzinfo=None)
    return parse_instant(text, "--as-of")


def iso(t: datetime) -> str:
    """A bound as shown everywhere: ISO-8601 in UTC with a ``Z``."""
    return t.isoformat(timespec="microseconds" if t.microsecond else "seconds") + "Z"


@dataclass(frozen=True)
class Bounds:
    """A resolved window ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    def __str__(self) -> str:
        return f"{iso(self.start)}..{iso(self.end)}"


def after(latest: datetime) -> datetime:
    """The default ``--as-of``: the next whole second after the latest timestamp."""
    return latest.replace(microsecond=0) + timedelta(seconds=1)


def bounds_for(spec: WindowSpec, end: datetime) -> Bounds:
    """``spec`` resolved: a duration ends at ``end``; explicit bounds stay as given."""
    if spec.duration is not None:
        return Bounds(end - spec.duration, end)
    assert spec.start is not None and spec.end is not None
    return Bounds(spec.start, spec.end)


# -- the time column ----------------------------------------------------------------------


def time_kind(source: Source, column: str) -> str:
    """``timestamp``, ``date``, ``number`` (Unix seconds) or ``text`` (ISO-8601), else an
    :class:`InputError` naming the column."""
    names = source.schema().names
    if column not in names:
        raise InputError(f"{source.where}: time column {column!r} not found")
    t = source.schema().field(column).type
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return "number"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "text"
    raise InputError(f"{source.where}: time column {column!r} is {t}, not a timestamp or date")


def to_utc(arr: pa.Array | pa.ChunkedArray, where: str, column: str) -> pa.Array:
    """Any supported time column as ``timestamp[us]`` holding UTC (see the module rule)."""
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    try:
        if pa.types.is_timestamp(t):
            if t.tz is not None:
                arr = arr.cast(pa.timestamp(t.unit, "UTC")).cast(pa.int64())
                return arr.cast(pa.timestamp(t.unit)).cast(pa.timestamp("us"))
            return arr.cast(pa.timestamp("us"))
        if pa.types.is_date(t):
            return arr.cast(pa.timestamp("us"))
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            micros = pc.round(pc.multiply(arr.cast(pa.float64()), 1e6))
            return micros.cast(pa.int64()).cast(pa.timestamp("us"))
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return _text_to_utc(arr)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise InputError(
            f"{where}: time column {column!r} holds values that are not timestamps "
            f"({str(err).splitlines()[0]})"
        ) from None
    raise InputError(f"{where}: time column {column!r} is {t}, not a timestamp or date")


def _text_to_utc(arr: pa.Array) -> pa.Array:
    try:
        return arr.cast(pa.timestamp("us"))
    except pa.ArrowInvalid:
        pass
    # text with offsets (or mixed): convert value by value
    out: list[datetime | None] = []
    for v in arr.to_pylist():
        try:
            out.append(None if v is None else parse_instant(v, "time column"))
        except UsageError:
            raise pa.ArrowInvalid(f"{v!r} is not an ISO date or timestamp") from None
    return pa.array(out, pa.timestamp("us"))


# -- SQL ----------------------------------------------------------------------------------


def _sql_epoch(source: Source, column: str, kind: str) -> str:
    """An SQL expression: the column as Unix seconds (for min/max)."""
    col = _ident(column)
    if isinstance(source, SqliteSource):
        return (
            f"(CASE WHEN typeof({col}) IN ('integer', 'real') THEN {col} "
            f"ELSE unixepoch({col}, 'subsec') END)"
        )
    if kind == "number":
        return f"CAST({col} AS DOUBLE PRECISION)"
    if kind == "text":
        return f"CAST(EXTRACT(EPOCH FROM CAST({col} AS TIMESTAMPTZ)) AS DOUBLE PRECISION)"
    return f"CAST(EXTRACT(EPOCH FROM {col}) AS DOUBLE PRECISION)"


def _sql_where(source: Source, column: str, kind: str, b: Bounds) -> str:
    """An SQL condition for ``[b.start, b.end)``; PostgreSQL compares the typed column
    (an index on it is used)."""
    lo, hi = _epoch(b.start), _epoch(b.end)
    col = _ident(column)
    if isinstance(source, SqliteSource):
        storage = _SQLITE_STORAGE.get(source)
        if storage == "number":  # Unix seconds only: a plain range (an index is used)
            return f"{col} >= {lo!r} AND {col} < {hi!r}"
        exact = f"unixepoch({col}, 'subsec') >= {lo!r} AND unixepoch({col}, 'subsec') < {hi!r}"
        if storage == "text":
            # ISO text sorts by its date prefix: a range on the days around the window (an
            # offset moves an instant by less than a day) narrows the rows, through an
            # index when there is one; the exact test then decides
            day_lo = (b.start - timedelta(days=1)).date().isoformat()
            day_hi = (b.end + timedelta(days=2)).date().isoformat()
            return f"{col} >= '{day_lo}' AND {col} < '{day_hi}' AND {exact}"
        e = _sql_epoch(source, column, kind)
        return f"{e} >= {lo!r} AND {e} < {hi!r}"
    if kind in ("number", "text"):
        e = _sql_epoch(source, column, kind)
        return f"{e} >= {lo!r} AND {e} < {hi!r}"
    t = source.schema().field(column).type
    if pa.types.is_timestamp(t) and t.tz is not None:
        s, e = (
            f"TIMESTAMPTZ '{b.start.isoformat()}+00:00'",
            f"TIMESTAMPTZ '{b.end.isoformat()}+00:00'",
        )
    else:
        s, e = f"TIMESTAMP '{b.start.isoformat()}'", f"TIMESTAMP '{b.end.isoformat()}'"
    return f"{col} >= {s} AND {col} < {e}"


def _epoch(t: datetime) -> float:
    return (t - EPOCH).total_seconds()


def _from_epoch(v: Any) -> datetime | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return EPOCH + timedelta(microseconds=round(float(v) * 1e6))


#: How a SQLite time column is stored (``text``, ``number``, ``mixed``), found by :func:`span`.
_SQLITE_STORAGE: weakref.WeakKeyDictionary[Source, str] = weakref.WeakKeyDictionary()
#: The full SQL of a SQLite side opened from a sample of its rows (:func:`open_side`).
_FULL_BASE: weakref.WeakKeyDictionary[Source, str] = weakref.WeakKeyDictionary()
#: Rows a SQLite side is sampled by to learn its columns before a window is read.
SAMPLE_ROWS = 1000


@dataclass
class Span:
    """What the time column covers: first and latest timestamp, and the rows that have one."""

    first: datetime | None
    latest: datetime | None
    rows: int | None


def _base_sql(source: Source) -> str:
    """The SQL whose rows a database side reads (the full one for a sampled SQLite side)."""
    return _FULL_BASE.get(source) or str(source._base)  # type: ignore[attr-defined]


def _one_row(data: Any, role: str, sql: str) -> list[Any]:
    table = open_database(data, role=role, query=sql).read_all()
    return [table.column(i)[0].as_py() for i in range(table.num_columns)]


def _day(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text[:10])
    except ValueError:
        return None


def _sqlite_span(data: Any, source: Source, column: str) -> Span | None:
    """The span of a SQLite time column from its extremes, through an index when there is
    one: numbers sort before text, and ISO text by its date prefix. None when the column
    mixes numbers and text (then every value is converted)."""
    base, col, role = _base_sql(source), _ident(column), source.role
    (low,) = _one_row(data, role, f"SELECT MIN({col}) AS v FROM ({base}) AS q")
    (high,) = _one_row(data, role, f"SELECT MAX({col}) AS v FROM ({base}) AS q")
    if low is None:
        return Span(None, None, 0)
    if not isinstance(high, str):
        _SQLITE_STORAGE[source] = "number"
        return Span(_from_epoch(low), _from_epoch(high), None)
    if not isinstance(low, str):
        return None
    _SQLITE_STORAGE[source] = "text"
    first_day, last_day = _day(low), _day(high)
    if first_day is None or last_day is None:
        bad = low if first_day is None else high
        raise InputError(
            f"{source.where}: time column {column!r} holds values that are not timestamps "
            f"(ISO-8601 text or Unix seconds), such as {bad[:40]!r}"
        )
    e = f"unixepoch({col}, 'subsec')"
    near_end = (last_day - timedelta(days=2)).date().isoformat()
    near_start = (first_day + timedelta(days=2)).date().isoformat()
    (hi,) = _one_row(
        data, role, f"SELECT MAX({e}) AS v FROM ({base}) AS q WHERE {col} >= '{near_end}'"
    )
    (lo,) = _one_row(
        data, role, f"SELECT MIN({e}) AS v FROM ({base}) AS q WHERE {col} < '{near_start}'"
    )
    if lo is None or hi is None:
        raise InputError(
            f"{source.where}: time column {column!r} holds values that are not timestamps "
            "(ISO-8601 text or Unix seconds)"
        )
    return Span(_from_epoch(lo), _from_epoch(hi), None)


def span(data: Any, source: Source, column: str) -> Span:
    """First and latest timestamp of ``column`` (an SQL aggregate for a database)."""
    import pyarrow.compute as pc

    kind = time_kind(source, column)
    if isinstance(source, SqliteSource):
        fast = _sqlite_span(data, source, column)
        if fast is not None:
            return fast
    if isinstance(source, PostgresSource) and kind != "text":
        # typed extremes: an index on the column answers at once
        col = _ident(column)
        sql = f"SELECT MIN({col}) AS lo, MAX({col}) AS hi FROM ({_base_sql(source)}) AS q"
        ends = open_database(data, role=source.role, query=sql).read_all()
        lo, hi = (to_utc(ends.column(i), source.where, column)[0].as_py() for i in range(2))
        return Span(lo, hi, None)
    if isinstance(source, SqliteSource | PostgresSource):
        e = _sql_epoch(source, column, kind)
        col = _ident(column)
        sql = f"SELECT MIN({e}) AS lo, MAX({e}) AS hi, COUNT({e}) AS n, COUNT({col}) AS m"
        if isinstance(source, SqliteSource):
            sql += f", SUM(typeof({col}) IN ('integer', 'real')) AS nums"
        agg = open_database(
            data, role=source.role, query=f"{sql} FROM ({_base_sql(source)}) AS q"
        ).read_all()
        lo, hi, n, m = (agg.column(i)[0].as_py() for i in range(4))
        if isinstance(source, SqliteSource):
            nums = int(agg.column(4)[0].as_py() or 0)
            _SQLITE_STORAGE[source] = (
                "number" if nums == int(m or 0) else "text" if nums == 0 else "mixed"
            )
        if int(m or 0) > int(n or 0):
            raise InputError(
                f"{source.where}: time column {column!r} holds {int(m) - int(n or 0):,} "
                "values that are not timestamps (ISO-8601 text or Unix seconds)"
            )
        return Span(_from_epoch(lo), _from_epoch(hi), int(n or 0))
    first: datetime | None = None
    latest: datetime | None = None
    rows = 0
    for batch in source.batches([column]):
        ts = to_utc(batch.column(0), source.where, column)
        rows += len(ts) - ts.null_count
        mm = pc.min_max(ts).as_py()
        if mm["min"] is not None:
            first = mm["min"] if first is None else min(first, mm["min"])
            latest = mm["max"] if latest is None else max(latest, mm["max"])
    return Span(first, latest, rows)


def windowed(
    data: Any, source: Source, column: str, b: Bounds, *, keep_time: bool = False
) -> Source:
    """The rows of ``source`` in ``b``, read with the filter pushed down; the time column is
    dropped unless ``keep_time``."""
    kind = time_kind(source, column)
    names = [n for n in source.schema().names if keep_time or n != column]
    if not names:
        raise InputError(f"{source.where}: no columns besides the time column {column!r}")
    if isinstance(source, SqliteSource | PostgresSource):
        cols = ", ".join(_ident(n) for n in names)
        sql = (
            f"SELECT {cols} FROM ({_base_sql(source)}) AS w "
            f"WHERE {_sql_where(source, column, kind, b)}"
        )
        out = open_database(data, role=source.role, query=sql)
        out.path = source.path
        return out
    if isinstance(source, ParquetFileSource | ParquetDirSource):
        return ParquetFilteredSource(source, column, names, b.start, b.end, to_utc)
    return FilteredSource(source, column, names, b.start, b.end, to_utc)


# -- both sides ---------------------------------------------------------------------------


@dataclass
class Side:
    """One opened side and the window it reads (JSON ``reference.window``)."""

    source: Source
    window: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


def open_side(
    data: Any, role: str, selection: Selection, *, sample: bool = False, **opts: Any
) -> Source:
    """``data`` opened with the side's table or query (database URLs only).

    ``sample``: a SQLite side is opened on its first rows only (its columns and the time
    column's kind), so that the whole table is not scanned before a window narrows it; the
    windowed reads use the full SQL.
    """
    table, query = selection.side_query(role)
    if is_database_url(data):
        if sample and data.split("://", 1)[0].lower() == "sqlite":
            full = _base_query(redact(data), table, query)
            head = f"SELECT * FROM ({full}) AS s LIMIT {SAMPLE_ROWS}"
            sampled = open_database(data, role=role, query=head)
            if sampled.num_rows == 0:
                raise InputError(f"{sampled.where}: no rows")
            _FULL_BASE[sampled] = full
            return sampled
        return open_source(data, role=role, table=table, query=query, **opts)
    if selection.reference_query or selection.current_query:
        q_role = "reference" if selection.reference_query else "current"
        if role == q_role:
            raise UsageError(f"--{role}-query applies only to a database URL input")
    return open_source(data, role=role, **opts)


def open_windows(
    reference: Any,
    current: Any | None,
    selection: Selection,
    *,
    profiles: frozenset[str] = frozenset(),
    **opts: Any,
) -> tuple[Side | None, Side | None]:
    """Both sides with their windows resolved and pushed down.

    One input (``current`` None): both windows come from it, the reference ending where the
    current starts unless given as ``START..END``. Two inputs: each window on its own input;
    a side whose window was not given and that has no time column (a fixed training set, or
    a saved profile: its role in ``profiles``, returned as None for the caller to load) is
    taken whole.
    """
    selection.check()
    column = selection.time_column
    if column is None:
        if current is None:
            raise UsageError("compare needs REFERENCE and CURRENT, or one input with --time-column")
        return (
            Side(open_side(reference, "reference", selection, **opts)),
            Side(open_side(current, "current", selection, **opts)),
        )
    cur_spec = parse_window(selection.current_window or "7d", "--current-window")
    ref_spec = parse_window(selection.reference_window or "30d", "--reference-window")
    as_of = parse_as_of(selection.as_of)
    if current is not None:
        return _two_windows(reference, current, selection, (ref_spec, cur_spec), profiles, opts)
    base_ref = open_side(reference, "reference", selection, sample=True, **opts)
    if selection.reference_query or selection.current_query:
        base_cur = open_side(reference, "current", selection, sample=True, **opts)
    else:
        base_cur = base_ref
    sp_cur = span(reference, base_cur, column)
    sp_ref = sp_cur if base_cur is base_ref else span(reference, base_ref, column)
    cur_b = bounds_for(cur_spec, as_of or _default_as_of(sp_cur, base_cur))
    ref_b = bounds_for(ref_spec, cur_b.start)
    return (
        _window_side(reference, base_ref, selection, ref_b, sp_ref, "reference", cur_b.end),
        _window_side(reference, base_cur, selection, cur_b, sp_cur, "current", cur_b.end),
    )


def _two_windows(
    reference: Any,
    current: Any,
    selection: Selection,
    specs: tuple[WindowSpec, WindowSpec],
    profiles: frozenset[str],
    opts: dict[str, Any],
) -> tuple[Side | None, Side | None]:
    """:func:`open_windows` for two inputs: each window on its own input, ending at its own
    latest timestamp (or ``--as-of``); a side with no window given and no time column whole."""
    column = str(selection.time_column)
    as_of = parse_as_of(selection.as_of)
    out: list[Side | None] = []
    for data, role, given, spec in (
        (reference, "reference", selection.reference_window, specs[0]),
        (current, "current", selection.current_window, specs[1]),
    ):
        if role in profiles:
            if given is not None:
                where = redact(data) if isinstance(data, str) else f"the {role} profile"
                raise UsageError(
                    f"{where}: a saved profile has no time column: "
                    f"--{role}-window needs a data input"
                )
            out.append(None)
            continue
        base = open_side(data, role, selection, sample=True, **opts)
        if given is None and column not in base.schema().names:
            base.close()
            out.append(Side(open_side(data, role, selection, **opts)))
            continue
        sp = span(data, base, column)
        b = bounds_for(spec, as_of or _default_as_of(sp, base))
        out.append(_window_side(data, base, selection, b, sp, role, b.end))
    if all(s is None or s.window is None for s in out):
        for s in out:
            if s is not None:
                s.source.close()
        raise InputError(f"time column {column!r} is in neither input")
    return out[0], out[1]


def _window_side(
    data: Any,
    base: Source,
    selection: Selection,
    b: Bounds,
    sp: Span,
    role: str,
    as_of: datetime,
) -> Side:
    """One side read through its window, with the window's JSON and any warning about a
    window that reaches before the data."""
    column = str(selection.time_column)
    src = windowed(data, base, column, b)
    src.role = role
    given = selection.reference_window if role == "reference" else selection.current_window
    side = Side(
        src,
        {
            "time_column": column,
            "start": iso(b.start),
            "end": iso(b.end),
            "spec": given or ("30d" if role == "reference" else "7d"),
            "as_of": iso(as_of),
        },
    )
    if sp.first is not None and b.start < sp.first:
        side.warnings.append(
            f"the {role} window {b} starts before the data (first row at {iso(sp.first)}); "
            f"it covers only {iso(max(sp.first, b.start))}..{iso(b.end)}"
        )
    return side


def _default_as_of(sp: Span, source: Source) -> datetime:
    if sp.latest is None:
        raise InputError(f"{source.where}: the time column holds no timestamps")
    return after(sp.latest)


def check_rows(side: Side, rows: int) -> None:
    """An empty window is an error naming its bounds; the row count goes into the JSON, and
    a warning about a window reaching before the data states the rows it actually covers."""
    if side.window is None:
        return
    side.window["rows"] = rows
    if rows == 0:
        w = side.window
        raise InputError(
            f"{side.source.where}: the {side.source.role} window {w['start']}..{w['end']} "
            f"holds no rows (time column {w['time_column']!r})"
        )
    side.warnings = [f"{w} ({rows:,} rows)" for w in side.warnings]
    if side.warnings:
        side.window["warnings"] = side.warnings


def date_floor(t: datetime) -> datetime:
    """Midnight (UTC) of ``t``'s day."""
    return datetime.combine(t.date(), datetime.min.time())


def iter_batches_with_time(
    source: Source, columns: list[str], column: str, batch_rows: int
) -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
    """Batches of ``columns`` with the time column converted to UTC beside them."""
    for batch in source.batches([*columns, column], batch_rows):
        ts = to_utc(batch.column(len(columns)), source.where, column)
        yield batch.select(list(range(len(columns)))), ts
