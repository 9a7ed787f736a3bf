"""Class labels: how a target or prediction value becomes a label, how labels sort, and how
a label typed by the user is matched to one of the data.

Labels are compared as text, so that ``1`` and ``1.0`` are the same label. A value's text is
fixed by the value alone (never by the rest of its column), so each batch can be labelled on
its own: integers as ``"1"``, whole floats as integers, other floats in Arrow's shortest
form, booleans as ``"true"``/``"false"`` (renamed ``"1"``/``"0"`` when they meet numeric
labels, see :func:`numbers_rename`), strings as they are. Null, NaN and ±inf are missing.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from driftcli.arrays import to_numpy
from driftcli.columns import family
from driftcli.stattests.base import FloatArray, IntArray

#: Type families a label column may have (datetime and nested types cannot be labels).
LABEL_FAMILIES = ("boolean", "integer", "float", "string", "null")
NUMERIC_FAMILIES = ("integer", "float", "boolean", "null")


def decoded_array(arr: pa.Array) -> pa.Array:
    """A dictionary array as its plain value type; other arrays unchanged."""
    import pyarrow.compute as pc

    if pa.types.is_dictionary(arr.type):
        return pc.cast(arr, arr.type.value_type)
    return arr


def numbers(arr: pa.Array) -> FloatArray:
    """A numeric (or boolean) array as float64 with NaN for missing."""
    import pyarrow.compute as pc

    return np.asarray(to_numpy(pc.cast(decoded_array(arr), pa.float64()), null=np.nan))


def batch_labels(arr: pa.Array, most: int) -> tuple[IntArray, list[str]] | None:
    """Codes into the batch's own label texts (``-1`` for missing) and those texts, or
    ``None`` when the batch holds more than ``most`` distinct labels (checked before any
    text is made, so a continuous column costs one dictionary encoding)."""
    import pyarrow.compute as pc

    arr = decoded_array(arr)
    fam = family(arr.type)
    if fam == "null" or len(arr) == 0:
        return np.full(len(arr), -1, dtype=np.int64), []
    if fam == "float":
        arr = pc.if_else(pc.is_finite(arr), arr, pa.scalar(None, arr.type))
    head = arr.slice(0, 4 * most)  # a continuous column overflows here, cheaply
    if len(arr) > len(head) and pc.count_distinct(head).as_py() > most:
        return None
    encoded = pc.dictionary_encode(arr)
    dictionary = encoded.dictionary
    if len(dictionary) > most:
        return None
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)
    return codes, label_texts(dictionary, fam)


def label_texts(values: pa.Array, fam: str) -> list[str]:
    """The label text of each (non-missing, distinct) value; see the module docstring."""
    import pyarrow.compute as pc

    if fam == "float":
        v = np.asarray(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False))
        whole = (np.floor(v) == v) & (np.abs(v) < 2.0**63)
        as_int = pc.cast(pa.array(np.where(whole, v, 0.0).astype(np.int64)), pa.string())
        as_float = pc.cast(pc.cast(values, pa.float64()), pa.string())
        texts: list[str] = pc.if_else(pa.array(whole), as_int, as_float).to_pylist()
        return texts
    return [str(x) for x in pc.cast(values, pa.string()).to_pylist()]


def numbers_rename(families: set[str]) -> dict[str, str]:
    """Booleans read as 0/1 when they meet numeric labels (and no text labels)."""
    fams = families - {"null"}
    if fams & {"integer", "float"} and "string" not in fams:
        return {"true": "1", "false": "0"}
    return {}


def sort_key(label: str) -> tuple[int, float, str]:
    """Numbers first in numeric order, then text in alphabetical order."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def match_label(wanted: str, labels: list[str]) -> str | None:
    """The label of the data that ``wanted`` (typed by the user) names: exactly, ignoring
    case, ``true``/``false`` for ``1``/``0`` and back, or as the same number."""
    if wanted in labels:
        return wanted
    lowered = {lab.lower(): lab for lab in labels}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    alias = {"true": "1", "false": "0", "1": "true", "0": "false"}.get(wanted.lower())
    if alias is not None and alias in lowered:
        return lowered[alias]
    try:
        number = float(wanted)
    except ValueError:
        return None
    for lab in labels:
        key = sort_key(lab)
        if key[0] == 0 and key[1] == number:
            return lab
    return None


def default_pos_label(labels: list[str]) -> str:
    """The positive class of a binary task: ``1`` for 0/1 labels, ``true`` for booleans, else
    the greater of the labels (in their sort order; ``1`` when there are none)."""
    if set(labels) <= {"0", "1"}:
        return "1"
    if set(labels) <= {"false", "true"}:
        return "true"
    return labels[-1]
