"""The profile file: one ZIP archive, recognized by its content, versioned.

Layout (``FORMAT_VERSION`` 1):

* ``driftcli-profile.json`` (always the first entry): ``format`` = ``"driftcli-profile"``,
  ``format_version``, ``driftcli_version``, ``rows``, ``source`` (path and format of the data
  profiled), ``options`` (exact limit, forced kinds), ``schema`` (the Arrow schema, base64 IPC)
  and per column its rows and scalar summaries, naming the arrays it uses;
* ``arrays/N.npy``: numpy arrays (no pickles): numeric points (values float64, weights
  int64) and category labels (UTF-8 bytes and int64 offsets) with counts;
* optional ``sample`` key in the header (written since driftcli 0.1.0 with the row sample of
  :mod:`driftcli.profiles.sample`; still format version 1): ``k``, ``seed``, ``rows_seen`` and
  ``array``, a uint8 array holding the sampled rows as Arrow IPC stream bytes. Files without
  it (all earlier ones) load with no sample; the row-level checks then say so.

Entries carry a fixed timestamp, so the same profile always gives the same bytes.
A file that is not a ZIP, lacks the header entry, is truncated or corrupt, or has a newer
``format_version`` is rejected with one line naming the file.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from driftcli.errors import InputError
from driftcli.profiles import Profile
from driftcli.profiles.categorical import CategoryCounts
from driftcli.profiles.column import ColumnProfile, family
from driftcli.profiles.numeric import Moments, NumericSummary, Points

if TYPE_CHECKING:
    import zipfile

FORMAT = "driftcli-profile"
FORMAT_VERSION = 1
HEADER = "driftcli-profile.json"
_MAGIC = b"PK\x03\x04"
_EPOCH = (1980, 1, 1, 0, 0, 0)
#: zlib level of every entry (see :func:`_write`).
COMPRESS_LEVEL = 1


def is_profile(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file that starts like a profile (a ZIP whose first entry is the
    profile header), whatever its name."""
    p = Path(path)
    try:
        if not p.is_file():
            return False
        with p.open("rb") as fh:
            head = fh.read(30 + len(HEADER))
    except OSError:
        return False
    return head[:4] == _MAGIC and head[30:].startswith(HEADER.encode())


class _Arrays:
    def __init__(self) -> None:
        self.items: list[np.ndarray[Any, Any]] = []

    def put(self, arr: np.ndarray[Any, Any]) -> str:
        self.items.append(np.ascontiguousarray(arr))
        return f"arrays/{len(self.items) - 1}.npy"


def _labels_to_arrays(labels: pa.Array, arrays: _Arrays) -> dict[str, str]:
    arr = labels.cast(pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    data_buf = arr.buffers()[2]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    )
    start, end = int(offsets[0]) if len(offsets) else 0, int(offsets[-1]) if len(offsets) else 0
    return {
        "label_offsets": arrays.put(offsets - start),
        "label_bytes": arrays.put(data[start:end]),
    }


def _labels_from_arrays(meta: dict[str, Any], get: Any) -> pa.Array:
    offsets = get(meta["label_offsets"]).astype(np.int64)
    data = get(meta["label_bytes"]).astype(np.uint8)
    n = max(len(offsets) - 1, 0)
    if n and (offsets[0] != 0 or offsets[-1] != data.size or np.any(np.diff(offsets) < 0)):
        raise ValueError("category label offsets do not fit their bytes")
    labels = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())
    )
    labels.validate(full=True)  # valid UTF-8, or a ValueError (pyarrow's ArrowInvalid)
    return labels


def _column_meta(col: ColumnProfile, arrays: _Arrays) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": col.name, "rows": col.rows}
    if col.numeric is not None:
        s = col.numeric
        m = s.moments
        meta["numeric"] = {
            "exact": s.exact,
            "missing": s.missing,
            "infinite": s.infinite,
            "moments": {"n": m.n, "mean": m.mean, "m2": m.m2, "min": m.min, "max": m.max},
            "rank_error": s.points.rank_error,
            "transport_error": s.points.transport_error,
            "values": arrays.put(s.points.values),
            "weights": arrays.put(s.points.weights),
        }
    if col.categories is not None:
        c = col.categories
        meta["categories"] = {
            "missing": c.missing,
            "overflow": c.overflow,
            "counts": arrays.put(c.counts),
            **_labels_to_arrays(c.labels, arrays),
        }
    return meta


def _json_float(x: float) -> Any:
    return x if np.isfinite(x) else ("inf" if x > 0 else "-inf")


def _float(x: Any) -> float:
    return float(x)


def save(profile: Profile, path: str | os.PathLike[str]) -> None:
    """Write ``profile`` to ``path`` all or nothing (a temporary file renamed into place)."""
    from driftcli.io import atomic_writer

    with atomic_writer(path, "wb") as fh:
        _dump(profile, fh)


def to_bytes(profile: Profile) -> bytes:
    """The profile file's bytes (for shipping partial profiles between processes)."""
    buf = io.BytesIO()
    _dump(profile, buf)
    return buf.getvalue()


def from_bytes(data: bytes, where: str = "profile bytes") -> Profile:
    """Read bytes written by :func:`to_bytes`."""
    return _read(io.BytesIO(data), where)


def _dump(profile: Profile, fh: Any) -> None:
    arrays = _Arrays()
    schema = pa.schema([pa.field(c.name, c.type) for c in profile.columns.values()])
    header: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "driftcli_version": profile.driftcli_version,
        "rows": profile.rows,
        "source": {"path": profile.path, "format": profile.format},
        "options": profile.options,
        "schema": base64.b64encode(schema.serialize().to_pybytes()).decode("ascii"),
        "columns": [_column_meta(c, arrays) for c in profile.columns.values()],
        "model": None,
    }
    if profile.model is not None:
        meta, model_arrays = profile.model.to_state()
        header["model"] = {
            "meta": meta,
            "arrays": {k: arrays.put(v) for k, v in sorted(model_arrays.items())},
        }
    if profile.sample is not None:
        from driftcli.profiles.sample import to_bytes as sample_bytes

        s = profile.sample
        header["sample"] = {
            "k": s.k,
            "seed": s.seed,
            "rows_seen": s.rows_seen,
            "array": arrays.put(np.frombuffer(sample_bytes(s), dtype=np.uint8)),
        }
    for col in header["columns"]:
        if "numeric" in col:
            mo = col["numeric"]["moments"]
            mo["min"], mo["max"] = _json_float(mo["min"]), _json_float(mo["max"])
    import zipfile  # saving and loading only: every compare asks is_profile, never this

    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        # compact: json's C encoder (indented JSON is encoded in Python: 1 s at 5,000 columns)
        _write(zf, HEADER, json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
        for i, arr in enumerate(arrays.items):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=False)
            _write(zf, f"arrays/{i}.npy", buf.getvalue(), _compressible(arr))


def _write(zf: zipfile.ZipFile, name: str, data: bytes, deflate: bool = True) -> None:
    import zipfile

    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    # level 1: weights and label offsets shrink at any level; zlib's default (6) spent 5 s
    # of an 8 s save at 5,000 columns for a file about as large
    zf.writestr(info, data, compresslevel=COMPRESS_LEVEL)


def _compressible(arr: np.ndarray[Any, Any]) -> bool:
    """Whether to deflate an array: not the doubles of a continuous column, whose low
    mantissa bytes are noise (zlib gains 4% on them, at 20 MB/s on this class of machine:
    5 s of a 7 s save at 5,000 columns). Judged by the share of zero bytes among the first
    8 KB, which whole numbers and repeated values have plenty of; decided by the bytes
    alone, so the same profile still gives the same file."""
    if arr.dtype != np.float64:
        return True
    probe = np.frombuffer(arr[:1024].tobytes(), dtype=np.uint8)
    return probe.size == 0 or int(np.count_nonzero(probe == 0)) * 8 >= probe.size


def load(path: str | os.PathLike[str]) -> Profile:
    """Read a profile file; one-line :class:`InputError` for anything unreadable."""
    where = str(path)
    if not is_profile(path):
        if not os.path.lexists(path):
            raise InputError(f"profile file not found: {where}")
        raise InputError(f"{where}: not a driftcli profile")
    try:
        with open(path, "rb") as fh:
            return _read(fh, where)
    except OSError as err:
        raise InputError(f"{where}: cannot read profile: {err.strerror or err}") from None


def _read(fh: Any, where: str) -> Profile:
    import zipfile

    try:
        with zipfile.ZipFile(fh) as zf:
            header = json.loads(zf.read(HEADER))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise InputError(f"{where}: not a driftcli profile")
            version = header.get("format_version")
            if not isinstance(version, int) or version < 1:
                raise InputError(f"{where}: profile has no valid format_version")
            if version > FORMAT_VERSION:
                raise InputError(
                    f"{where}: profile format version {version} is newer than this driftcli "
                    f"reads ({FORMAT_VERSION}); upgrade driftcli"
                )

            def get(name: str) -> np.ndarray[Any, Any]:
                with zf.open(name) as fh:
                    return _npy(fh.read())

            return _profile(header, get, where)
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, EOFError) as err:
        raise InputError(f"{where}: corrupt or truncated profile ({_first(err)})") from None
    except OSError as err:
        raise InputError(f"{where}: cannot read profile: {err.strerror or err}") from None


#: The .npy headers this module writes (version 1.0, one-dimensional, little-endian).
#: Little-endian as written, whatever the reading machine's byte order (callers convert).
_NPY_DTYPES: dict[str, np.dtype[Any]] = {
    "'<f8'": np.dtype("<f8"),
    "'<i8'": np.dtype("<i8"),
    "'|u1'": np.dtype("u1"),
}


def _npy(data: bytes) -> np.ndarray[Any, Any]:
    """An array from ``.npy`` bytes. The one-dimensional arrays driftcli writes are read
    straight from their header's three fields: numpy's reader evaluates each header with
    ``ast.literal_eval`` (1.2 s for a 5,000-column profile); anything else goes to it.
    The array is a read-only view of ``data``: callers copy what they keep."""
    if data[:8] == b"\x93NUMPY\x01\x00" and len(data) >= 10:
        size = int.from_bytes(data[8:10], "little")
        head = data[10 : 10 + size].decode("latin1").strip()
        # {'descr': '<f8', 'fortran_order': False, 'shape': (3,), }
        parts = head.strip("{} ,").split(", ")
        if len(parts) == 3 and parts[1] == "'fortran_order': False":
            descr = parts[0].removeprefix("'descr': ")
            shape = parts[2].removeprefix("'shape': (").removesuffix(",)")
            dtype = _NPY_DTYPES.get(descr)
            if dtype is not None and shape.isdigit():
                n = int(shape)
                body = memoryview(data)[10 + size :]
                if len(body) != n * dtype.itemsize:
                    raise ValueError(f"array of {n} values holds {len(body)} bytes")
                out: np.ndarray[Any, Any] = np.frombuffer(body, dtype=dtype)
                return out
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def _first(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def _check_column(col: ColumnProfile, rows: int) -> None:
    """A column read from a file adds up: its counts stay within its rows, category labels
    and counts pair up, and a number, text or time column has a summary. A file edited by
    hand or damaged in a way its checksums cannot see fails here with a ValueError (a
    one-line "corrupt profile" for the user) rather than deep in a test or, worse, passing
    as all-missing."""
    name = col.name
    if not 0 <= col.rows <= rows:
        raise ValueError(f"column {name!r}: {col.rows} rows in a profile of {rows}")
    s = col.numeric
    if s is not None:
        w = s.points.weights
        if s.missing < 0 or s.infinite < 0 or (w.size and int(w.min()) < 0):
            raise ValueError(f"column {name!r}: negative counts")
        # at most: a merge of a part profiled as numbers with one profiled as categories
        # keeps both summaries, each covering its own part's rows
        if int(w.sum()) != s.moments.n or s.moments.n + s.missing + s.infinite > col.rows:
            raise ValueError(f"column {name!r}: counts do not add up to its rows")
        mo = s.moments
        # infinite is possible (values near 1e308 overflow the sums); NaN or negative is not
        if mo.n and (math.isnan(mo.mean) or math.isnan(mo.m2) or mo.m2 < 0):
            raise ValueError(f"column {name!r}: its mean or variance is not a number")
    c = col.categories
    if c is not None:
        if len(c.labels) != c.counts.size:
            raise ValueError(f"column {name!r}: category labels and counts differ in length")
        if c.missing < 0 or (c.counts.size and int(c.counts.min()) < 0):
            raise ValueError(f"column {name!r}: negative counts")
        if int(c.counts.sum()) + c.missing > col.rows:
            raise ValueError(f"column {name!r}: counts do not add up to its rows")
    if s is None and c is None and col.rows and family(col.type) not in ("null", "other"):
        raise ValueError(f"column {name!r}: no summary for its {family(col.type)} values")


def _profile(header: dict[str, Any], get: Any, where: str) -> Profile:
    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(header["schema"])))
    columns: dict[str, ColumnProfile] = {}
    for meta in header["columns"]:
        name = meta["name"]
        col = ColumnProfile(name, schema.field(name).type, int(meta["rows"]))
        num = meta.get("numeric")
        if num is not None:
            mo = num["moments"]
            values = get(num["values"]).astype(np.float64)
            weights = get(num["weights"]).astype(np.int64)
            if values.shape != weights.shape:
                raise ValueError(f"column {name!r}: points and weights differ in length")
            col.numeric = NumericSummary(
                Points(values, weights, float(num["rank_error"]), float(num["transport_error"])),
                Moments(
                    int(mo["n"]),
                    float(mo["mean"]),
                    float(mo["m2"]),
                    _float(mo["min"]),
                    _float(mo["max"]),
                ),
                int(num["missing"]),
                int(num["infinite"]),
                bool(num["exact"]),
            )
        cats = meta.get("categories")
        if cats is not None:
            col.categories = CategoryCounts(
                _labels_from_arrays(cats, get),
                get(cats["counts"]).astype(np.int64),
                int(cats["missing"]),
                bool(cats["overflow"]),
            )
        _check_column(col, int(header["rows"]))
        columns[name] = col
    if columns and max(c.rows for c in columns.values()) != int(header["rows"]):
        raise ValueError(f"{header['rows']} rows, but no column has that many")
    model = None
    if header.get("model"):
        from driftcli.model import ModelStats

        m = header["model"]
        model = ModelStats.from_state(m["meta"], {k: get(v).copy() for k, v in m["arrays"].items()})
    options = dict(header.get("options") or {})
    options["source"] = header.get("source") or {}
    sample = None
    if header.get("sample"):
        from driftcli.profiles.sample import from_bytes as sample_from_bytes

        sm = header["sample"]
        raw = get(sm["array"]).astype(np.uint8).tobytes()
        try:
            sample = sample_from_bytes(raw, int(sm["k"]), int(sm["seed"]), int(sm["rows_seen"]))
        except pa.ArrowInvalid as err:
            raise ValueError(f"row sample: {err}") from None
    return Profile(
        columns,
        int(header["rows"]),
        where,
        "profile",
        options,
        model,
        str(header.get("driftcli_version", "")),
        sample,
    )
