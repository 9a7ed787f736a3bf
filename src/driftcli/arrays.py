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
