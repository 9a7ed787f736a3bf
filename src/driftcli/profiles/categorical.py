"""Category counts of one column of one side: exact, merged in Arrow (never per label in Python)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from driftcli.arrays import (
    SMALL_LABELS,
    first_seen,
    from_numpy,
    large_strings,
    raw_values,
    sort_ranks,
    take_strings,
    text_bytes,
    to_numpy,
    valid_mask,
)
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
        return cls(pa.nulls(0, pa.large_string()), np.empty(0, np.int64))

    def as_dict(self) -> dict[str, int]:
        """Label -> count (for small tables and tests)."""
        return dict(zip(self.labels.to_pylist(), self.counts.tolist(), strict=True))


def as_labels(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Any categorical column as large_string labels (dictionary decoded, NaN missing)."""
    t = arr.type
    if isinstance(arr, pa.Array) and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return large_strings(arr)  # e.g. a Parquet dictionary's labels: no pyarrow.compute
    import pyarrow.compute as pc

    if pa.types.is_dictionary(t):
        arr = pc.cast(arr, t.value_type)
        t = t.value_type
    if pa.types.is_floating(t):
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, t), arr)
    if not pa.types.is_large_string(t):
        arr = pc.cast(arr, pa.large_string())
    return arr


def _grouped(labels: pa.Array, counts: IntArray) -> tuple[pa.Array, IntArray]:
    """Sum counts per label, labels in first-seen order: few labels hashed in Python by
    their bytes, many in Arrow; summed in numpy."""
    if len(labels) <= SMALL_LABELS and labels.null_count == 0 and _is_text(labels):
        codes, firsts = first_seen(text_bytes(labels))
        summed = np.bincount(codes, weights=counts, minlength=len(firsts))
        grouped = labels if len(firsts) == len(labels) else _picked(labels, firsts)
        return grouped, summed.astype(np.int64)
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(labels)
    summed = np.bincount(to_numpy(enc.indices), weights=counts, minlength=len(enc.dictionary))
    return enc.dictionary, summed.astype(np.int64)


def _is_text(labels: pa.Array) -> bool:
    return bool(pa.types.is_string(labels.type) or pa.types.is_large_string(labels.type))


def _picked(labels: pa.Array, positions: np.ndarray[Any, Any]) -> pa.Array:
    """``labels.take(positions)``; the positions hold no nulls. Few labels are gathered in
    numpy (no pyarrow.compute), many by Arrow."""
    if len(labels) <= SMALL_LABELS and pa.types.is_large_string(labels.type):
        return take_strings(labels, positions)
    return labels.take(from_numpy(np.asarray(positions, dtype=np.int64)))


def _bool_labels() -> pa.Array:
    """``["true", "false"]`` as large_string, built from buffers (no pandas bridge)."""
    offsets = pa.py_buffer(np.array([0, 4, 9], dtype=np.int64).tobytes())
    return pa.Array.from_buffers(pa.large_string(), 2, [None, offsets, pa.py_buffer(b"truefalse")])


def _counted(arr: pa.Array) -> tuple[pa.Array, IntArray, int] | None:
    """Labels, counts and missing count of a boolean or dictionary batch, counted on its
    bits or codes rather than by hashing decoded strings; None for other types."""
    t = arr.type
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    valid = valid_mask(arr)
    if pa.types.is_boolean(t):
        bits = raw_values(arr)
        n_valid = len(arr) - arr.null_count
        n_true = int(np.count_nonzero(bits if valid is None else bits & valid))
        counts = np.array([n_true, n_valid - n_true], dtype=np.int64)
        return _bool_labels(), counts, arr.null_count
    if pa.types.is_dictionary(t) and not pa.types.is_floating(t.value_type):
        codes = raw_values(arr.indices)
        if valid is not None:
            codes = codes[valid]
        counts = np.bincount(codes, minlength=len(arr.dictionary)).astype(np.int64)
        labels = as_labels(arr.dictionary)
        missing = arr.null_count
        if labels.null_count:  # a null in the dictionary itself
            label_valid = valid_mask(labels)
            assert label_valid is not None
            missing += int(counts[~label_valid].sum())
            labels, counts = _picked(labels, np.flatnonzero(label_valid)), counts[label_valid]
        return labels, counts, missing
    return None


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
        counted = _counted(arr)
        if counted is not None:
            values, counts, missing = counted
            self.missing += missing
            if self.overflow:
                return
            seen = counts > 0
            if not seen.all():
                values, counts = _picked(values, np.flatnonzero(seen)), counts[seen]
            if len(values) > 1 and pa.types.is_dictionary(arr.type):  # a dictionary may repeat
                values, counts = _grouped(values, counts)
        else:
            import pyarrow.compute as pc

            # strings are counted as they come; only the distinct labels are converted
            labels = arr if pa.types.is_string(arr.type) else as_labels(arr)
            self.missing += labels.null_count
            if self.overflow:
                return
            vc = pc.value_counts(labels)
            values, counts_arr = vc.field("values"), vc.field("counts")
            if values.null_count:
                keep = pc.is_valid(values)
                values, counts_arr = values.filter(keep), counts_arr.filter(keep)
            values = as_labels(values)
            counts = to_numpy(counts_arr).astype(np.int64)
        self._append(values, counts)

    def add_counts(self, other: CategoryCounts) -> None:
        """Add an already counted part (a merge)."""
        self.missing += other.missing
        if other.overflow:
            self._drop()
            return
        if self.overflow:
            return
        self._append(other.labels, other.counts)

    def _append(self, labels: pa.Array, counts: IntArray) -> None:
        # Few labels are grouped before a part would take them past SMALL_LABELS, so that
        # they stay few enough to group without pyarrow.compute (see _grouped); the result
        # is the same whenever parts are grouped. Many are grouped when memory calls for it.
        if len(self._labels) > 1 and self._pending <= SMALL_LABELS < self._pending + len(labels):
            self._consolidate()
            if self.overflow:
                return
        self._labels.append(labels)
        self._counts.append(counts)
        self._pending += len(labels)
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
                pa.nulls(0, pa.large_string()), np.empty(0, np.int64), self.missing, True
            )
        self._consolidate()
        if self.overflow or not self._labels:
            out = CategoryCounts.empty()
            out.missing, out.overflow = self.missing, self.overflow
            return out
        # labels stay in first-seen order: the same input gives the same bytes, and no
        # statistic depends on the order (pairs align labels by value)
        return CategoryCounts(self._labels[0], self._counts[0], self.missing, False)


def _encoded(labels: pa.Array) -> tuple[IntArray, pa.Array, IntArray]:
    """``labels`` (no nulls) dictionary-encoded: each one's code, the distinct labels in
    first-seen order, and each distinct label's rank in label order. Few labels are
    encoded in Python and numpy (no pyarrow.compute), many by Arrow."""
    if len(labels) <= SMALL_LABELS and labels.null_count == 0 and _is_text(labels):
        values = text_bytes(labels)
        codes, firsts = first_seen(values)
        return codes, _picked(labels, firsts), sort_ranks([values[i] for i in firsts])
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(labels)
    grouped = enc.dictionary
    rank = np.empty(len(grouped), np.int64)
    rank[to_numpy(pc.sort_indices(grouped))] = np.arange(len(grouped))
    return to_numpy(enc.indices), grouped, rank


def align(ref: CategoryCounts, cur: CategoryCounts) -> tuple[pa.Array, IntArray, IntArray]:
    """Labels of both sides with aligned counts, ordered by total count, then label."""
    n_ref = len(ref.labels)
    codes, grouped, rank = _encoded(pa.concat_arrays([ref.labels, cur.labels]))
    r = np.bincount(codes[:n_ref], weights=ref.counts, minlength=len(grouped)).astype(np.int64)
    c = np.bincount(codes[n_ref:], weights=cur.counts, minlength=len(grouped)).astype(np.int64)
    total = r + c
    order = np.lexsort((rank, -total))
    order = order[total[order] > 0]
    return _picked(grouped, order), r[order].astype(np.int64), c[order].astype(np.int64)
