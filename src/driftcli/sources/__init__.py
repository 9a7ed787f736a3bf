"""Sources: every input (CSV, Parquet file or directory, pandas, Arrow) as a re-readable
stream of Arrow record batches with a fixed schema and column projection.

:func:`open_source` checks an input up front and returns a :class:`Source`;
:func:`typed_hints` lets a CSV side be read with the types of a typed (Parquet or frame)
side, so that ``"02134"`` stays a string on both.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from driftcli.errors import InputError, UsageError
from driftcli.sources.base import DEFAULT_BATCH_ROWS, Source, normalized_type
from driftcli.sources.csv import DEFAULT_NA_VALUES, CsvSource
from driftcli.sources.frames import ArrowSource, PandasSource, is_pandas_frame
from driftcli.sources.parquet import PARQUET_SUFFIXES, ParquetDirSource, ParquetFileSource
from driftcli.sources.sql import PostgresSource, SqliteSource, is_database_url, open_database

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")


def detect_format(path: Path) -> str:
    """``csv`` or ``parquet`` from the file name; a directory is a Parquet dataset."""
    if path.is_dir():
        return "parquet"
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    raise InputError(
        f"{path}: unknown file format; expected .csv, .csv.gz, .tsv, .parquet "
        "or a directory of .parquet files"
    )


def _check_path(path: Path, role: str) -> os.stat_result:
    """Exists, and is a regular file or a directory: a FIFO or device would block or never
    end, so it is refused before anything opens it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{role} file not found: {path}") from None
    except OSError as err:  # a symlink loop, a permission problem on a parent, ...
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from err
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise InputError(f"{path}: {kind}, not a regular file; give a file or a directory")
    return st


def open_source(
    obj: Any,
    *,
    role: str,
    delimiter: str = ",",
    encoding: str = "utf8",
    na_values: Sequence[str] | None = None,
    column_types: Mapping[str, pa.DataType] | None = None,
    table: str | None = None,
    query: str | None = None,
) -> Source:
    """A :class:`Source` for a path, a database URL, a pandas DataFrame or a pyarrow
    Table/RecordBatch.

    Raises :class:`InputError` (one line naming the input) for a missing file, a FIFO or
    device, an unknown suffix, an empty file, a header without rows, bytes that are not text
    in ``encoding``, a single-column header that suggests another delimiter, repeated column
    names, a directory without Parquet parts or with parts that disagree. ``na_values``
    (CSV) are the strings read as missing (default :data:`DEFAULT_NA_VALUES`);
    ``column_types`` are CSV column types applied where the values allow (see
    :func:`typed_hints`). ``table`` or ``query`` (exactly one) select the rows of a
    database URL (``sqlite:///rel.db``, ``sqlite:////abs.db``, ``postgresql://...``).
    """
    source: Source
    if isinstance(obj, Source):
        return obj
    if is_database_url(obj):
        source = open_database(obj, role=role, table=table, query=query)
        if source.num_rows == 0:
            raise InputError(f"{source.where}: no rows")
        return source
    if table is not None or query is not None:
        raise UsageError("a table or a query applies only to a database URL input")
    if isinstance(obj, pa.RecordBatch):
        obj = pa.Table.from_batches([obj])
    if isinstance(obj, pa.Table):
        source = ArrowSource(obj, role=role)
    elif is_pandas_frame(obj):
        source = PandasSource(obj, role=role)
    elif isinstance(obj, str | os.PathLike):
        path = Path(obj)
        st = _check_path(path, role)
        fmt = detect_format(path)
        if stat.S_ISREG(st.st_mode) and st.st_size == 0:
            raise InputError(f"{path}: file is empty")
        if fmt == "csv":
            source = CsvSource(
                path,
                role=role,
                delimiter=delimiter,
                encoding=encoding,
                na_values=na_values,
                column_types=column_types,
            )
        elif stat.S_ISDIR(st.st_mode):
            source = ParquetDirSource(path, role=role)
        else:
            source = ParquetFileSource(path, role=role)
    else:
        raise InputError(
            f"{role}: expected a file path, a pandas DataFrame or a pyarrow Table, "
            f"got {type(obj).__name__}"
        )
    if source.format != "csv":  # a CSV's header and first rows were checked by CsvSource
        if not source.schema().names:
            raise InputError(f"{source.where}: no columns")
        if source.num_rows == 0:
            raise InputError(f"{source.where}: no rows")
    return source


def _csv_can_read_as(t: pa.DataType) -> pa.DataType | None:
    """The type a CSV column can be read as to match a typed side's ``t`` (or None)."""
    t = normalized_type(t)
    if pa.types.is_dictionary(t):
        t = t.value_type
    ok = (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_string(t)
        or pa.types.is_decimal(t)
        or pa.types.is_date(t)
        or pa.types.is_timestamp(t)
        or pa.types.is_time(t)
    )
    return t if ok and not pa.types.is_float16(t) else None


def typed_hints(a: Source, b: Source) -> tuple[dict[str, pa.DataType], dict[str, pa.DataType]]:
    """``column_types`` for re-opening ``a`` and ``b``: where one side is CSV and the other
    typed (Parquet or a frame), each shared CSV column gets the typed side's type.

    Pass them as ``open_source(..., column_types=...)``; a CSV column whose values do not
    allow the type keeps its inferred type. Only the CSV header is needed (no data read).
    """
    hints: list[dict[str, pa.DataType]] = [{}, {}]
    for i, (csv_side, typed_side) in enumerate(((a, b), (b, a))):
        if not isinstance(csv_side, CsvSource) or typed_side.format == "csv":
            continue
        typed = typed_side.schema()
        shared = [n for n in csv_side.header if n in typed.names]
        for name in shared:
            wanted = _csv_can_read_as(typed.field(name).type)
            if wanted is not None:
                hints[i][name] = wanted
    return hints[0], hints[1]


def open_pair(
    reference: Any,
    current: Any,
    *,
    delimiter: str = ",",
    encoding: str = "utf8",
    na_values: Sequence[str] | None = None,
) -> tuple[Source, Source]:
    """Both sides opened, a CSV side read with the other side's types (:func:`typed_hints`)."""
    opts: dict[str, Any] = {"delimiter": delimiter, "encoding": encoding, "na_values": na_values}
    ref = open_source(reference, role="reference", **opts)
    cur = open_source(current, role="current", **opts)
    ref_hints, cur_hints = typed_hints(ref, cur)
    if ref_hints:
        ref = open_source(reference, role="reference", column_types=ref_hints, **opts)
    if cur_hints:
        cur = open_source(current, role="current", column_types=cur_hints, **opts)
    return ref, cur


__all__ = [
    "CSV_SUFFIXES",
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_NA_VALUES",
    "PARQUET_SUFFIXES",
    "ArrowSource",
    "CsvSource",
    "PandasSource",
    "ParquetDirSource",
    "ParquetFileSource",
    "PostgresSource",
    "Source",
    "SqliteSource",
    "detect_format",
    "open_pair",
    "open_source",
    "typed_hints",
]
