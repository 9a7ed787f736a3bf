"""One column of one side: its Arrow type and whichever summaries its family needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from driftcli.arrays import SMALL_LABELS, from_numpy, strings, to_numpy
from driftcli.errors import NotNumbersError, UsageError
from driftcli.profiles.categorical import CategoryBuilder, CategoryCounts
from driftcli.profiles.numeric import (
    EXACT_LIMIT,
    SUMMARY_POINTS,
    FloatArray,
    Moments,
    NumericBuilder,
    NumericSummary,
    Points,
    _dedupe_sorted,
    compress,
    exact_moments,
    merge_summaries,
)


def family(t: pa.DataType) -> str:
    """Coarse type family: boolean, integer, float, string, datetime, null or other."""
    if pa.types.is_dictionary(t):
        return family(t.value_type)
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_temporal(t):
        return "datetime"
    if pa.types.is_null(t):
        return "null"
    return "other"


def families_compatible(a: str, b: str) -> bool:
    """Whether two families can be compared: equal, both numeric, or one side all-null."""
    numeric = {"integer", "float"}
    return a == b or "null" in (a, b) or {a, b} <= numeric


def as_float64(arr: pa.Array | pa.ChunkedArray) -> FloatArray:
    """Numbers, dates and times as float64 (null -> NaN); integers beyond 2**53 round."""
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        # straight from the value buffer: the values of a float64 cast (numpy's conversion
        # rounds big integers to nearest as Arrow's does), without importing
        # pyarrow.compute (~80 ms of every run) for the common types
        values = to_numpy(arr, null=np.nan)
        return values if values.dtype == np.float64 else values.astype(np.float64)
    import pyarrow.compute as pc

    if pa.types.is_dictionary(t):
        arr = pc.cast(arr, t.value_type)
        t = t.value_type
    if family(t) == "datetime":
        if pa.types.is_date(t):
            arr = pc.cast(arr, pa.timestamp("ns"))
        # time32 casts only to its own 32-bit storage, every other temporal type to int64
        arr = pc.cast(arr, pa.int32() if pa.types.is_time32(t) else pa.int64())
    elif pa.types.is_boolean(t):
        arr = pc.cast(arr, pa.int8())
    exact = family(t) == "string"  # text must be numbers; big integers may round
    if not pa.types.is_float64(arr.type):
        arr = pc.cast(arr, pa.float64(), safe=exact)
    return to_numpy(arr, null=np.nan)


#: Nanoseconds per unit of Arrow's time types.
_NS_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def ns_per_value(t: pa.DataType) -> int | None:
    """Nanoseconds one profiled number of a time column of type ``t`` stands for (None for
    other columns): timestamps, durations and times keep their own unit; dates are profiled
    as nanoseconds (see :func:`numbers`)."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_date(t):
        return 1
    unit = getattr(t, "unit", None) if family(t) == "datetime" else None
    return _NS_PER_UNIT.get(unit) if isinstance(unit, str) else None


def _in_unit_type(t: pa.DataType, ns: int) -> pa.DataType:
    """``t`` with the unit of ``ns`` nanoseconds (dates are profiled in nanoseconds)."""
    unit = next(u for u, n in _NS_PER_UNIT.items() if n == ns)
    if pa.types.is_timestamp(t):
        return pa.timestamp(unit, t.tz)
    if pa.types.is_duration(t):
        return pa.duration(unit)
    if pa.types.is_time(t):
        return pa.time32(unit) if unit in ("s", "ms") else pa.time64(unit)
    return t


@dataclass
class ColumnProfile:
    """A column of one side. ``numeric`` is kept for number, date and forced-numeric columns,
    ``categories`` for text, boolean and dictionary columns."""

    name: str
    type: pa.DataType
    rows: int
    numeric: NumericSummary | None = None
    categories: CategoryCounts | None = None

    @property
    def family(self) -> str:
        """The type family (see :func:`family`)."""
        return family(self.type)

    @property
    def missing(self) -> int:
        """Missing values (null, NaN); for numeric columns ±inf are counted apart."""
        if self.numeric is not None:
            return self.numeric.missing
        if self.categories is not None:
            return self.categories.missing
        return self.rows

    def in_unit(self, ns: int) -> ColumnProfile:
        """This time column with its numbers in units of ``ns`` nanoseconds (a finer unit
        than its own, see :func:`ns_per_value`): a reference written by Spark (microseconds)
        and a current side from pandas (nanoseconds) are compared in one unit, not as numbers
        a thousand times apart. Scaling by a power of ten keeps the points, counts and rank
        error; moments and the transport error scale with it."""
        t = self.type.value_type if pa.types.is_dictionary(self.type) else self.type
        factor = ns_per_value(t)
        if factor is None or factor == ns or self.numeric is None:
            return self
        s, f = self.numeric, float(factor // ns)
        m = s.moments
        points = Points(
            s.points.values * f,
            s.points.weights,
            s.points.rank_error,
            s.points.transport_error * f,
        )
        moments = Moments(m.n, m.mean * f, m.m2 * f * f, m.min * f, m.max * f)
        numeric = NumericSummary(points, moments, s.missing, s.infinite, s.exact)
        return ColumnProfile(self.name, _in_unit_type(t, ns), self.rows, numeric, self.categories)

    def as_numeric(self, role: str, exact_limit: int = EXACT_LIMIT) -> NumericSummary:
        """The column as numbers: its numeric summary, or its categories read as numbers."""
        if self.numeric is not None:
            return self.numeric
        if self.categories is None:  # all-null or unsupported: no values at all
            empty = NumericSummary(Points.empty(), Moments(), self.rows, 0, True)
            return empty
        cats = self.categories
        if cats.overflow:
            raise UsageError(
                f"column {self.name!r}: too many distinct {role} values to read as numbers"
            )
        if self.family == "boolean":
            values = np.where(np.asarray(cats.labels.to_pylist()) == "true", 1.0, 0.0)
        else:
            import pyarrow.compute as pc

            try:
                values = np.asarray(
                    pc.cast(cats.labels, pa.float64()).to_numpy(zero_copy_only=False),
                    dtype=np.float64,
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
                raise NotNumbersError(
                    f"column {self.name!r} is forced numeric (--numerical) but its {role} "
                    f"values are not numbers: {str(err).splitlines()[0]}"
                ) from None
        finite = np.isfinite(values)
        nan = int(cats.counts[np.isnan(values)].sum())
        inf = int(cats.counts[~finite & ~np.isnan(values)].sum())
        v, w = values[finite], cats.counts[finite]
        order = np.argsort(v, kind="stable")
        # labels that parse to one number ("1" and "1.0") become one point
        pts = Points(*_dedupe_sorted(v[order], w[order]))
        expanded_moments = exact_moments(pts)
        exact = pts.values.size <= exact_limit
        if not exact:
            pts = compress(pts, SUMMARY_POINTS)
        return NumericSummary(pts, expanded_moments, cats.missing + nan, inf, exact)

    def as_categories(self, role: str) -> CategoryCounts:
        """The column as category counts: its counts, or its exact numbers as labels."""
        if self.categories is not None:
            return self.categories
        if self.numeric is None:
            return CategoryCounts(pa.nulls(0, pa.large_string()), np.empty(0, np.int64), self.rows)
        num = self.numeric
        if self.family == "string":  # text profiled as numbers (--numerical at profile time)
            raise UsageError(
                f"column {self.name!r} was profiled as numeric (--numerical) on the {role} "
                "side but is compared as categorical; profile it again, or pass --numerical"
            )
        if not num.exact:
            raise UsageError(
                f"column {self.name!r} has more distinct {role} values than the profile keeps "
                "exactly: too many to treat as categories (raise --exact-limit)"
            )
        labels = _labels_of(num.points.values, self.type)
        return CategoryCounts(labels, num.points.weights.copy(), num.missing + num.infinite)


def _labels_of(values: FloatArray, t: pa.DataType) -> pa.Array:
    """Category labels of numbers, formatted as the column's own type prints them."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    values = np.asarray(values, dtype=np.float64)
    if (
        pa.types.is_integer(t)
        and values.size <= SMALL_LABELS
        and bool(np.all(np.abs(values) < 2.0**63))
    ):
        # a few whole numbers: printed as Arrow prints int64, without pyarrow.compute
        return strings([str(v) for v in values.astype(np.int64).tolist()])
    import pyarrow.compute as pc

    arr = from_numpy(values)
    try:
        if pa.types.is_integer(t) or family(t) == "datetime":
            ints = pc.cast(arr, pa.int64(), safe=False)
            typed = ints if pa.types.is_integer(t) else _temporal(ints, t)
        else:
            typed = pc.cast(arr, t, safe=False)
        out = pc.cast(typed, pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = pc.cast(arr, pa.large_string())
    return out


def _temporal(ints: pa.Array, t: pa.DataType) -> pa.Array:
    import pyarrow.compute as pc

    if pa.types.is_date(t):
        return pc.cast(pc.cast(ints, pa.timestamp("ns")), t)
    storage = pa.int32() if pa.types.is_time32(t) else pa.int64()
    return pc.cast(pc.cast(ints, storage), t)


class ColumnBuilder:
    """Streams one column's batches into a :class:`ColumnProfile`."""

    def __init__(
        self,
        name: str,
        t: pa.DataType,
        *,
        role: str,
        numerical: bool,
        exact_limit: int = EXACT_LIMIT,
        summary_points: int = SUMMARY_POINTS,
        gather: int = 0,
    ) -> None:
        self.name, self.type, self.role = name, t, role
        self.rows = 0
        fam = family(t)
        self.numeric: NumericBuilder | None = None
        self.categories: CategoryBuilder | None = None
        if fam in ("integer", "float", "datetime") or (numerical and fam == "string"):
            self.numeric = NumericBuilder(
                exact_limit=exact_limit, points=summary_points, gather=gather
            )
        elif fam in ("string", "boolean"):
            self.categories = CategoryBuilder()

    def add(self, arr: pa.Array) -> None:
        """Add one batch of this column."""
        self.rows += len(arr)
        if self.numeric is not None:
            try:
                values = as_float64(arr)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
                raise NotNumbersError(
                    f"column {self.name!r} is forced numeric (--numerical) but its {self.role} "
                    f"values are not numbers: {str(err).splitlines()[0]}"
                ) from None
            self.numeric.add(values)
        elif self.categories is not None:
            self.categories.add(arr)

    def release(self) -> None:
        """Free what only more batches would fill (see :meth:`NumericBuilder.release`)."""
        if self.numeric is not None:
            self.numeric.release()

    def finish(self) -> ColumnProfile:
        """The column's profile."""
        return ColumnProfile(
            self.name,
            self.type,
            self.rows,
            self.numeric.finish() if self.numeric is not None else None,
            self.categories.finish() if self.categories is not None else None,
        )


def merge_columns(
    parts: list[ColumnProfile], exact_limit: int = EXACT_LIMIT, points: int = SUMMARY_POINTS
) -> ColumnProfile:
    """The profile of one column over the union of several parts of one side."""
    first = parts[0]
    types = {str(p.type) for p in parts if family(p.type) != "null"}
    t = next((p.type for p in parts if family(p.type) != "null"), first.type)
    if len(types) > 1:
        fams = {family(p.type) for p in parts} - {"null"}
        if len(fams) > 1 and not fams <= {"integer", "float"}:
            raise UsageError(f"column {first.name!r} has different types in the merged profiles")
        if fams <= {"integer", "float"}:
            t = pa.float64()
    numeric = [p.numeric for p in parts if p.numeric is not None]
    cats = [p.categories for p in parts if p.categories is not None]
    null_rows = sum(p.rows for p in parts if p.numeric is None and p.categories is None)
    merged_num = None
    merged_cat = None
    if numeric:
        merged_num = merge_summaries(numeric, exact_limit, points)
        merged_num.missing += null_rows
    if cats:
        b = CategoryBuilder()
        for c in cats:
            b.add_counts(c)
        merged_cat = b.finish()
        if merged_num is None:
            merged_cat.missing += null_rows
    return ColumnProfile(first.name, t, sum(p.rows for p in parts), merged_num, merged_cat)
