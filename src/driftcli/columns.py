"""Column typing: the Arrow type family of each side, the kind used for testing, and the
clean values (numeric arrays or category counts) that the stat tests read.

Kind rules (documented in README, "Column kinds"):

* forced by ``--categorical`` / ``--numerical`` when named there;
* booleans, strings and dictionary columns are categorical, except string columns where
  distinct values exceed ``id_unique_share`` of the non-missing reference rows (and there are
  at least 20 of them): those are id-like and skipped;
* integers are categorical when the reference has at most ``max_int_categories`` distinct
  values, numeric otherwise; floats and decimals are numeric;
* dates and timestamps are datetime and not drift-tested unless forced numeric.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from driftcli.errors import UsageError
from driftcli.stattests.base import FloatArray, Kind

#: Below this many non-missing values a string column is never called id-like.
ID_LIKE_MIN_ROWS = 20


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


@dataclass
class Typed:
    """A shared column with its kind, or the reason it is not tested."""

    kind: Kind
    reason: str | None = None


def decoded(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded columns as their plain value type; other columns unchanged."""
    if pa.types.is_dictionary(col.type):
        return pc.cast(col, col.type.value_type)
    return col


def infer_kind(
    name: str,
    ref: pa.ChunkedArray,
    cur: pa.ChunkedArray,
    *,
    categorical: bool,
    numerical: bool,
    max_int_categories: int,
    id_unique_share: float,
) -> Typed:
    """Decide how a shared column is tested (see the module docstring for the rules)."""
    fam = family(ref.type) if family(ref.type) != "null" else family(cur.type)
    if (categorical or numerical) and fam == "other":
        flag = "--categorical" if categorical else "--numerical"
        raise UsageError(f"column {name!r} ({ref.type}) cannot be forced with {flag}")
    if categorical:
        return Typed(Kind.CATEGORICAL)
    if numerical:
        if fam in ("integer", "float", "boolean", "datetime", "null"):
            return Typed(Kind.NUMERIC)
        for side, col in (("reference", ref), ("current", cur)):
            if family(col.type) == "string":
                try:
                    pc.cast(decoded(col), pa.float64())
                except pa.ArrowInvalid as err:
                    raise UsageError(
                        f"column {name!r} is forced numeric (--numerical) but its {side} "
                        f"values are not numbers: {str(err).splitlines()[0]}"
                    ) from None
        return Typed(Kind.NUMERIC)
    if fam == "null":
        return Typed(Kind.UNSUPPORTED, "no values on either side (all missing)")
    if fam == "datetime":
        return Typed(Kind.DATETIME, "datetime column: not drift-tested (force with --numerical)")
    if fam == "other":
        return Typed(Kind.UNSUPPORTED, f"unsupported type {ref.type}")
    if fam == "float":
        return Typed(Kind.NUMERIC)
    if fam == "boolean":
        return Typed(Kind.CATEGORICAL)
    if pa.types.is_null(ref.type):  # all missing in the reference: no kernel for the null type
        distinct = 0
    else:
        distinct = int(pc.count_distinct(decoded(ref), mode="only_valid").as_py())
    if fam == "integer":
        return Typed(Kind.CATEGORICAL if distinct <= max_int_categories else Kind.NUMERIC)
    valid = len(ref) - ref.null_count
    if valid >= ID_LIKE_MIN_ROWS and distinct > id_unique_share * valid:
        return Typed(
            Kind.ID_LIKE,
            f"id-like: {distinct:,} distinct values in {valid:,} rows (force with --categorical)",
        )
    return Typed(Kind.CATEGORICAL)


@dataclass
class NumericSide:
    """A numeric column of one side: sorted finite values and what was excluded."""

    values: FloatArray
    missing: int
    infinite: int


def numeric_side(col: pa.ChunkedArray) -> NumericSide:
    """Convert to sorted finite float64 with counts of missing (null, NaN) and ±inf."""
    col = decoded(col)
    if family(col.type) == "datetime":
        if pa.types.is_date(col.type):
            col = pc.cast(col, pa.timestamp("ns"))
        # time32 casts only to its own 32-bit storage, every other temporal type to int64
        col = pc.cast(col, pa.int32() if pa.types.is_time32(col.type) else pa.int64())
    # Integers beyond 2**53 (ids, epoch nanoseconds) lose precision as float64, which a
    # distribution test tolerates; a safe cast would refuse them. Text stays a safe cast.
    exact = family(col.type) == "string"
    arr = pc.cast(col, pa.float64(), safe=exact)
    values = np.asarray(arr.to_numpy(), dtype=np.float64)  # nulls of a float array -> NaN
    keep = np.isfinite(values)
    finite = values[keep]  # a copy, sorted in place below
    excluded = values.size - finite.size
    nan = int(np.count_nonzero(np.isnan(values))) if excluded else 0
    finite.sort()
    return NumericSide(finite, nan, excluded - nan)  # nulls counted as NaN


def category_counts(col: pa.ChunkedArray) -> tuple[dict[str, int], int]:
    """Counts per category label (as text) and the number of missing values."""
    col = decoded(col)
    if family(col.type) == "float":
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
    if family(col.type) != "string":
        col = pc.cast(col, pa.string())
    vc = pc.value_counts(col)
    labels = vc.field("values").to_pylist()
    counts = vc.field("counts").to_numpy()
    out = {lab: int(n) for lab, n in zip(labels, counts, strict=True) if lab is not None}
    return out, int(col.null_count)
