"""Arrow arrays to numpy and back, straight through their buffers.

pyarrow's own ``to_numpy`` and ``pa.array`` (and anything that turns a Python scalar into an
Arrow one) go through its pandas bridge, which imports pandas on first use: 0.2 s of every run
that never needs pandas. The profile's hot path converts primitive arrays here instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

_DTYPES: dict[pa.DataType, Any] = {
    pa.int8(): np.int8,
    pa.int16(): np.int16,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.uint8(): np.uint8,
    pa.uint16(): np.uint16,
    pa.uint32(): np.uint32,
    pa.uint64(): np.uint64,
    pa.float16(): np.float16,
    pa.float32(): np.float32,
    pa.float64(): np.float64,
}
_ARROW = {np.dtype(v): k for k, v in _DTYPES.items()}


def _one(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _bits(buf: pa.Buffer, offset: int, n: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    bits = np.unpackbits(np.frombuffer(buf, dtype=np.uint8), bitorder="little")
    return bits[offset : offset + n].view(bool)


def valid_mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.bool_]] | None:
    """True where ``arr`` holds a value; None when it has no nulls."""
    arr = _one(arr)
    if arr.null_count == 0:
        return None
    bitmap = arr.buffers()[0]
    if bitmap is None:  # a null-type array
        return np.zeros(len(arr), dtype=bool)
    return _bits(bitmap, arr.offset, len(arr))


def raw_values(arr: pa.Array | pa.ChunkedArray) -> np.ndarray[Any, Any]:
    """The value buffer of a primitive or boolean array as numpy (a read-only view for
    numbers), whatever sits under its nulls. Other types take pyarrow's path."""
    arr = _one(arr)
    dtype = _DTYPES.get(arr.type)
    is_bool = pa.types.is_boolean(arr.type)
    if len(arr) == 0 and (dtype is not None or is_bool):
        return np.empty(0, dtype=dtype or bool)
    if is_bool:
        return _bits(arr.buffers()[1], arr.offset, len(arr))
    if dtype is None:
        return np.asarray(arr.to_numpy(zero_copy_only=False))
    size = np.dtype(dtype).itemsize
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * size)


def to_numpy(arr: pa.Array | pa.ChunkedArray, *, null: float | None = None) -> np.ndarray[Any, Any]:
    """A primitive array as numpy (a view when it has no nulls). Nulls become ``null``, which
    turns integers into float64; without ``null`` an array with nulls is an error."""
    arr = _one(arr)
    values = raw_values(arr)
    mask = valid_mask(arr)
    if mask is None:
        return values
    if null is None:
        raise ValueError("array has nulls")
    out = values.astype(np.float64) if values.dtype.kind in "iub" else values.copy()
    out[~mask] = null
    return out


def from_numpy(values: np.ndarray[Any, Any]) -> pa.Array:
    """A 1-d numeric or boolean numpy array as an Arrow array without nulls."""
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    return pa.Array.from_buffers(_ARROW[values.dtype], len(values), [None, pa.py_buffer(values)])


# -- text labels without pyarrow.compute ------------------------------------------------------
# Category labels are few in most columns; grouping, ordering and picking them in Python and
# numpy gives pyarrow.compute's results without importing it (~80 ms of every run). Arrays
# with more labels than SMALL_LABELS still go to pyarrow.compute, which is faster there.

#: Most labels an array may hold to be grouped, sorted or picked here. Measured: at this size
#: Python's dict and sort take 20-80 us, within a few times one pyarrow.compute call; at
#: 10,000 labels they take milliseconds, two to six times pyarrow.compute.
SMALL_LABELS = 256


def large_strings(arr: pa.Array) -> pa.Array:
    """A ``string`` array as ``large_string``: the values of ``pc.cast(arr,
    pa.large_string())``, with the offsets widened in numpy (the text is shared)."""
    if pa.types.is_large_string(arr.type):
        return arr
    if not pa.types.is_string(arr.type):
        raise TypeError(f"expected a string array, got {arr.type}")
    n = len(arr)
    if n == 0:
        return pa.nulls(0, pa.large_string())
    _, offsets, data = arr.buffers()
    o = np.frombuffer(offsets, dtype=np.int32, count=arr.offset + n + 1)[arr.offset :]
    start, end = int(o[0]), int(o[-1])
    wide = o.astype(np.int64) - start
    text = data.slice(start, end - start) if data is not None else pa.py_buffer(b"")
    mask = valid_mask(arr)
    bitmap = None if mask is None else pa.py_buffer(np.packbits(mask, bitorder="little"))
    return pa.Array.from_buffers(
        pa.large_string(), n, [bitmap, pa.py_buffer(wide), text], null_count=arr.null_count
    )


def take_strings(arr: pa.Array, positions: np.ndarray[Any, Any]) -> pa.Array:
    """``arr.take(positions)`` for a ``large_string`` array, gathered in numpy; every
    position must hold a value (not a null), and the result has no nulls."""
    if not pa.types.is_large_string(arr.type):
        raise TypeError(f"expected a large_string array, got {arr.type}")
    positions = np.asarray(positions, dtype=np.int64)
    if len(arr) == 0 or positions.size == 0:
        if positions.size:
            raise IndexError("positions out of range")
        return pa.nulls(0, pa.large_string())
    _, offsets, data = arr.buffers()
    o = np.frombuffer(offsets, dtype=np.int64, count=arr.offset + len(arr) + 1)[arr.offset :]
    starts = o[positions]
    lengths = o[positions + 1] - starts
    out = np.zeros(positions.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    total = int(out[-1])
    text = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    picked = text[np.repeat(starts - out[:-1], lengths) + np.arange(total)]
    return pa.Array.from_buffers(
        pa.large_string(), positions.size, [None, pa.py_buffer(out), pa.py_buffer(picked)]
    )


def text_bytes(arr: pa.Array) -> list[bytes | None]:
    """The values of a ``string`` or ``large_string`` array as Python bytes: its buffers
    read as binary, so text that is not valid UTF-8 (Parquet does not check) still groups
    and orders as pyarrow.compute does, byte by byte."""
    binary = pa.large_binary() if pa.types.is_large_string(arr.type) else pa.binary()
    view = pa.Array.from_buffers(
        binary, len(arr), arr.buffers(), null_count=arr.null_count, offset=arr.offset
    )
    out: list[bytes | None] = view.to_pylist()
    return out


def first_seen(values: list[Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """``pc.dictionary_encode`` of a list without nulls: each value's code (its distinct
    values numbered in first-seen order) and where each distinct value first occurs."""
    distinct = dict.fromkeys(values)  # first-seen order
    if len(distinct) == len(values):  # a Parquet dictionary: all distinct
        codes = np.arange(len(values), dtype=np.int64)
        return codes, codes.copy()
    number = {v: i for i, v in enumerate(distinct)}
    codes = np.fromiter(map(number.__getitem__, values), np.int64, len(values))
    # a new code is one above every code before it: where the running maximum rises
    firsts = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
    return codes, firsts


def sort_ranks(values: list[Any]) -> np.ndarray[Any, Any]:
    """Each text's place in ascending order, as ``pc.sort_indices`` orders text: by its
    UTF-8 bytes, which is also Python's code-point order of the decoded strings (ties,
    which distinct labels do not have, keep their order)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values), np.int64)
    rank[order] = np.arange(len(values))
    return rank


def strings(texts: list[str]) -> pa.Array:
    """Python strings as a ``large_string`` array without nulls, built from buffers."""
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
    return pa.Array.from_buffers(
        pa.large_string(),
        len(encoded),
        [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))],
    )
