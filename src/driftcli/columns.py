"""Column typing: the kind each shared column is tested as, decided from the two profiles.

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

import math
from dataclasses import dataclass

import pyarrow as pa

from driftcli.errors import UsageError
from driftcli.profiles.column import (
    ColumnBuilder,
    ColumnProfile,
    families_compatible,
    family,
)
from driftcli.stattests.base import Kind

__all__ = [
    "ID_LIKE_MIN_ROWS",
    "Typed",
    "decoded",
    "families_compatible",
    "family",
    "infer_kind",
    "infer_kind_profiles",
    "profile_array",
]

#: Below this many non-missing values a string column is never called id-like.
ID_LIKE_MIN_ROWS = 20


@dataclass
class Typed:
    """A shared column with its kind, or the reason it is not tested."""

    kind: Kind
    reason: str | None = None


def decoded(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded columns as their plain value type; other columns unchanged."""
    if pa.types.is_dictionary(col.type):
        import pyarrow.compute as pc

        return pc.cast(col, col.type.value_type)
    return col


def profile_array(
    name: str, col: pa.ChunkedArray | pa.Array, role: str, *, numerical: bool = False
) -> ColumnProfile:
    """The profile of one in-memory column (for the model section and small callers)."""
    b = ColumnBuilder(name, col.type, role=role, numerical=numerical)
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    for chunk in chunks:
        b.add(chunk)
    return b.finish()


def _distinct(col: ColumnProfile) -> float:
    """Distinct non-missing values of a profiled column (inf beyond what it keeps exactly)."""
    if col.categories is not None:
        return math.inf if col.categories.overflow else col.categories.distinct
    if col.numeric is not None:
        return col.numeric.points.values.size if col.numeric.exact else math.inf
    return 0


def infer_kind_profiles(
    name: str,
    ref: ColumnProfile,
    cur: ColumnProfile,
    *,
    categorical: bool,
    numerical: bool,
    max_int_categories: int,
    id_unique_share: float,
) -> Typed:
    """Decide how a shared column is tested (see the module docstring for the rules)."""
    fam = ref.family if ref.family != "null" else cur.family
    if (categorical or numerical) and fam == "other":
        flag = "--categorical" if categorical else "--numerical"
        raise UsageError(f"column {name!r} ({ref.type}) cannot be forced with {flag}")
    if categorical:
        return Typed(Kind.CATEGORICAL)
    if numerical:
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
    distinct = _distinct(ref) if ref.family != "null" else 0
    if fam == "integer":
        return Typed(Kind.CATEGORICAL if distinct <= max_int_categories else Kind.NUMERIC)
    valid = ref.rows - ref.missing
    if valid >= ID_LIKE_MIN_ROWS and distinct > id_unique_share * valid:
        shown = f"{distinct:,}" if math.isfinite(distinct) else "too many"
        return Typed(
            Kind.ID_LIKE,
            f"id-like: {shown} distinct values in {valid:,} rows (force with --categorical)",
        )
    return Typed(Kind.CATEGORICAL)


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
    """:func:`infer_kind_profiles` for two in-memory columns."""
    return infer_kind_profiles(
        name,
        profile_array(name, ref, "reference", numerical=numerical),
        profile_array(name, cur, "current", numerical=numerical),
        categorical=categorical,
        numerical=numerical,
        max_int_categories=max_int_categories,
        id_unique_share=id_unique_share,
    )
