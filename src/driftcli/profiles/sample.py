"""A bounded, seeded, mergeable sample of whole rows, for the checks that need rows.

Per-column profiles cannot see how columns move together, nor duplicated rows. For those
checks a profile may carry a **bottom-k sample**: every row gets a 64-bit hash of
``(seed, row content)``; the sample keeps the ``k`` distinct rows with the smallest hashes,
each with how many times it occurred.

Why bottom-k: the bottom-k of a union is the bottom-k of the parts' bottom-k, so merging two
samples is exact and independent of order and batching, and the same data and seed always
give the same sample. Identical rows hash alike, so the sample is a uniform sample of the
*distinct* rows with their counts: duplicated-row shares follow from it directly (exact when
a side has at most ``k`` distinct rows), and the row-level checks draw rows by count.

``k`` is :data:`SAMPLE_ROWS` (20,000) by default: the multivariate check at 1M rows works on
this many rows per side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from driftcli.errors import InputError

#: Distinct rows a sample keeps per side (the default ``sample_rows``).
SAMPLE_ROWS = 20_000
HASH = "__driftcli_hash"
COUNT = "__driftcli_count"
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(h: np.ndarray[Any, Any], seed: int) -> np.ndarray[Any, Any]:
    """splitmix64 finalizer of ``h`` xor the seed: the seed changes every row's rank."""
    with np.errstate(over="ignore"):
        z = h ^ np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (z ^ (z >> np.uint64(31))) & _MASK


def row_hashes(batch: pa.RecordBatch | pa.Table, seed: int) -> np.ndarray[Any, Any]:
    """One uint64 per row from its content (column order counts) and ``seed``; vectorized.

    Numbers, booleans and times hash their 64-bit values; text and other types are dictionary
    encoded first so that each distinct value is hashed once per batch (a low-cardinality
    text column then costs about as much as a number column)."""
    h = np.full(batch.num_rows, np.uint64(0x2545F4914F6CDD1D), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(batch.num_columns):
            col = batch.column(i)
            if isinstance(col, pa.ChunkedArray):
                col = col.combine_chunks()
            h = _mix(h * np.uint64(0x100000001B3) ^ _column_hash(col), i + 1)
    return _mix(h, seed)


def _column_hash(arr: pa.Array) -> np.ndarray[Any, Any]:
    """A uint64 per value of one column (nulls and NaN all hash alike)."""
    import pyarrow.compute as pc

    t = arr.type
    if pa.types.is_dictionary(t):
        return _dictionary_hash(arr.indices, arr.dictionary)
    if pa.types.is_boolean(t):
        arr = pc.cast(arr, pa.int8())
        t = arr.type
    if pa.types.is_temporal(t):
        arr = pc.cast(arr, pa.int64() if t.bit_width == 64 else pa.int32())
        t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        if pa.types.is_floating(t):
            v = np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False))
            v = np.where(np.isnan(v), np.nan, v + 0.0).view(np.uint64)  # -0.0 == 0.0
        else:
            filled = pc.fill_null(arr, 0) if arr.null_count else arr
            v = np.asarray(filled.to_numpy(zero_copy_only=False)).astype(np.int64)
            v = v.view(np.uint64)
        out = _mix(v, 0x5EED)
        if arr.null_count:
            out[np.asarray(arr.is_null().to_numpy(zero_copy_only=False))] = _NULL
        return out
    try:
        encoded = pc.dictionary_encode(arr)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # nested types: hash their text
        text = pa.array([None if v is None else repr(v) for v in arr.to_pylist()], pa.string())
        encoded = pc.dictionary_encode(text)
    return _dictionary_hash(encoded.indices, encoded.dictionary)


_NULL = np.uint64(0x9E3779B97F4A7C15)


def _dictionary_hash(indices: pa.Array, dictionary: pa.Array) -> np.ndarray[Any, Any]:
    """Hash each distinct value once (as text), then spread by index; nulls alike."""
    import pyarrow.compute as pc

    labels = dictionary.to_pandas().astype(str).to_numpy(dtype=object)
    import pandas as pd  # here: only row samples pay for the import

    values = pd.util.hash_array(labels, categorize=False).astype(np.uint64)
    values = np.append(values, _NULL)
    idx = np.asarray(pc.fill_null(indices, len(labels)).to_numpy(zero_copy_only=False))
    return values[idx.astype(np.int64)]


@dataclass
class RowSample:
    """The ``k`` distinct rows of smallest hash, with their counts (``table`` holds the rows
    plus the hash and count columns, sorted by hash)."""

    table: pa.Table
    k: int
    seed: int
    rows_seen: int

    @property
    def data(self) -> pa.Table:
        """The sampled rows without the bookkeeping columns."""
        return self.table.drop_columns([HASH, COUNT])

    @property
    def counts(self) -> np.ndarray[Any, Any]:
        """How often each sampled row occurs on its side."""
        return np.asarray(self.table.column(COUNT).to_numpy(), dtype=np.int64)

    @property
    def complete(self) -> bool:
        """Whether every distinct row of the side is in the sample."""
        return int(self.counts.sum()) == self.rows_seen

    def duplicate_share(self) -> float:
        """Share of rows that repeat an earlier row: exact when ``complete``, else the ratio
        estimate over the sampled distinct rows (sum(count - 1) / sum(count))."""
        c = self.counts
        return float((c - 1).sum() / c.sum()) if c.size else 0.0

    def draw(self, n: int, seed: int) -> pa.Table:
        """Up to ``n`` rows drawn by count (seeded): a row sample of the side."""
        c = self.counts
        total = int(c.sum())
        if total <= n:
            return self.data.take(pa.array(np.repeat(np.arange(c.size), c)))
        rng = np.random.default_rng(seed)
        idx = rng.choice(c.size, size=n, replace=True, p=c / total)
        return self.data.take(pa.array(np.sort(idx)))

    def merge(self, *others: RowSample) -> RowSample:
        """The sample of the union of the sides (same columns and seed required)."""
        for o in others:
            if o.seed != self.seed:
                raise InputError(
                    f"cannot merge row samples drawn with different seeds ({self.seed}, {o.seed})"
                )
        k = min([self.k, *(o.k for o in others)])
        tables = [self.table, *(o.table for o in others)]
        schema = tables[0].schema
        table = pa.concat_tables([t.select(schema.names).cast(schema) for t in tables])
        return RowSample(
            _bottom(table, k), k, self.seed, self.rows_seen + sum(o.rows_seen for o in others)
        )


def _bottom(table: pa.Table, k: int) -> pa.Table:
    """Collapse equal hashes (summing counts) and keep the ``k`` smallest, sorted."""
    h = np.asarray(table.column(HASH).to_numpy(), dtype=np.uint64)
    c = np.asarray(table.column(COUNT).to_numpy(), dtype=np.int64)
    uniq, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=c, minlength=uniq.size).astype(np.int64)
    keep = np.arange(min(k, uniq.size))
    out = table.take(pa.array(first[keep]))
    return out.set_column(out.schema.get_field_index(COUNT), COUNT, pa.array(counts[keep]))


class SampleBuilder:
    """Keeps the bottom-k rows while batches stream by (memory: about 2k rows)."""

    def __init__(self, k: int = SAMPLE_ROWS, seed: int = 0) -> None:
        self.k = k
        self.seed = seed
        self.rows = 0
        self.parts: list[pa.Table] = []
        self.held = 0
        self.cutoff: np.uint64 | None = None

    def add(self, batch: pa.RecordBatch) -> None:
        """Hash the batch's rows and keep those that may be among the ``k`` smallest."""
        self.rows += batch.num_rows
        if batch.num_rows == 0:
            return
        h = row_hashes(batch, self.seed)
        idx = np.flatnonzero(h <= self.cutoff) if self.cutoff is not None else None
        if idx is not None and idx.size == 0:
            return
        table = pa.Table.from_batches([batch])
        if idx is not None:
            table, h = table.take(pa.array(idx)), h[idx]
        table = table.append_column(HASH, pa.array(h, pa.uint64()))
        table = table.append_column(COUNT, pa.array(np.ones(len(h), np.int64)))
        self.parts.append(table)
        self.held += table.num_rows
        if self.held > 2 * self.k:
            self._compact()

    def _compact(self) -> None:
        table = _bottom(pa.concat_tables(self.parts), self.k)
        self.parts, self.held = [table], table.num_rows
        if table.num_rows >= self.k:
            self.cutoff = np.uint64(table.column(HASH)[-1].as_py())

    def finish(self, schema: pa.Schema) -> RowSample:
        """The sample of everything added."""
        if self.parts:
            self._compact()
            table = self.parts[0]
        else:
            fields = [*schema, pa.field(HASH, pa.uint64()), pa.field(COUNT, pa.int64())]
            table = pa.schema(fields).empty_table()
        return RowSample(table, self.k, self.seed, self.rows)


def to_bytes(sample: RowSample) -> bytes:
    """Arrow IPC stream bytes of the sample's table (for the profile file)."""
    sink = pa.BufferOutputStream()
    table = sample.table.combine_chunks()  # the same rows give the same bytes, however batched
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def from_bytes(data: bytes, k: int, seed: int, rows_seen: int) -> RowSample:
    """Read :func:`to_bytes` output back."""
    table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    return RowSample(table, k, seed, rows_seen)


__all__ = ["SAMPLE_ROWS", "RowSample", "SampleBuilder", "from_bytes", "row_hashes", "to_bytes"]
