"""Category counts of one column of one side: exact, merged in Arrow (never per label in Python)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from driftcli.profiles.numeric import IntArray

#: Distinct labels a column may hold before it is treated as id-like (counting stops).
MAX_CATEGORIES = 1_000_000


@dataclass
class CategoryCounts:
    """Labels (in first-seen order) with their counts, and the missing count."""

    labels: pa.Array
    counts: IntArray
    missing: int = 0
    overflow: bool = False
    """True when more than ``MAX_CATEGORIES`` labels were seen: counts were dropped."""

    @property
    def distinct(self) -> int:
        """Number of labels (a lower bound when ``overflow``)."""
        return len(self.labels)

    @property
    def valid(self) -> int:
        """Non-missing values."""
        return int(self.counts.sum())

    @classmethod
    def empty(cls) -> CategoryCounts:
        """No values."""
        return cls(pa.array([], pa.large_string()), np.empty(0, np.int64))

    def as_dict(self) -> dict[str, int]:
        """Label -> count (for small tables and tests)."""
        return dict(zip(self.labels.to_pylist(), self.counts.tolist(), strict=True))


def as_labels(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Any categorical column as large_string labels (dictionary decoded, NaN missing)."""
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = pc.cast(arr, t.value_type)
        t = t.value_type
    if pa.types.is_floating(t):
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, t), arr)
    if not pa.types.is_large_string(t):
        arr = pc.cast(arr, pa.large_string())
    return arr


def _grouped(labels: pa.Array, counts: IntArray) -> tuple[pa.Array, IntArray]:
    """Sum counts per label (hashing in Arrow, summing in numpy); labels in first-seen order."""
    enc = pc.dictionary_encode(labels)
    summed = np.bincount(enc.indices.to_numpy(), weights=counts, minlength=len(enc.dictionary))
    return enc.dictionary, summed.astype(np.int64)


@dataclass
class CategoryBuilder:
    """Streams batches into :class:`CategoryCounts`."""

    max_categories: int = MAX_CATEGORIES
    missing: int = 0
    overflow: bool = False
    _labels: list[pa.Array] = field(default_factory=list)
    _counts: list[IntArray] = field(default_factory=list)
    _pending: int = 0
    _distinct: int = 0

    def add(self, arr: pa.Array) -> None:
        """Count one batch of a categorical column."""
        labels = as_labels(arr)
        self.missing += labels.null_count
        if self.overflow:
            return
        vc = pc.value_counts(labels)
        values, counts = vc.field("values"), vc.field("counts")
        if values.null_count:
            keep = pc.is_valid(values)
            values, counts = values.filter(keep), counts.filter(keep)
        self._labels.append(values)
        self._counts.append(counts.to_numpy().astype(np.int64))
        self._pending += len(values)
        if self._pending > max(2 * self._distinct, 262_144):
            self._consolidate()

    def add_counts(self, other: CategoryCounts) -> None:
        """Add an already counted part (a merge)."""
        self.missing += other.missing
        if other.overflow:
            self._drop()
            return
        if self.overflow:
            return
        self._labels.append(other.labels)
        self._counts.append(other.counts)
        self._pending += len(other.labels)
        if self._pending > max(2 * self._distinct, 262_144):
            self._consolidate()

    def _drop(self) -> None:
        self.overflow = True
        self._labels, self._counts, self._pending = [], [], 0

    def _consolidate(self) -> None:
        if not self._labels:
            return
        if len(self._labels) == 1:
            labels, counts = self._labels[0], self._counts[0]
        else:
            labels, counts = _grouped(pa.concat_arrays(self._labels), np.concatenate(self._counts))
        self._distinct = len(labels)
        if self._distinct > self.max_categories:
            self._drop()
            return
        self._labels, self._counts, self._pending = [labels], [counts], len(labels)

    def finish(self) -> CategoryCounts:
        """The counts of everything added."""
        if self.overflow:
            return CategoryCounts(
                pa.array([], pa.large_string()), np.empty(0, np.int64), self.missing, True
            )
        self._consolidate()
        if self.overflow or not self._labels:
            out = CategoryCounts.empty()
            out.missing, out.overflow = self.missing, self.overflow
            return out
        # labels stay in first-seen order: the same input gives the same bytes, and no
        # statistic depends on the order (pairs align labels by value)
        return CategoryCounts(self._labels[0], self._counts[0], self.missing, False)


def align(ref: CategoryCounts, cur: CategoryCounts) -> tuple[pa.Array, IntArray, IntArray]:
    """Labels of both sides with aligned counts, ordered by total count, then label."""
    n_ref, n_cur = len(ref.labels), len(cur.labels)
    labels = pa.concat_arrays([ref.labels, cur.labels])
    zeros_r, zeros_c = np.zeros(n_cur, np.int64), np.zeros(n_ref, np.int64)
    table = pa.table(
        {
            "label": labels,
            "r": np.concatenate([ref.counts, zeros_r]),
            "c": np.concatenate([zeros_c, cur.counts]),
        }
    )
    g = table.group_by("label").aggregate([("r", "sum"), ("c", "sum")])
    total = pc.add(g.column("r_sum"), g.column("c_sum"))
    g = g.append_column("total", total).filter(pc.greater(total, 0))
    g = g.sort_by([("total", "descending"), ("label", "ascending")])
    return (
        g.column("label").combine_chunks(),
        g.column("r_sum").to_numpy().astype(np.int64),
        g.column("c_sum").to_numpy().astype(np.int64),
    )
