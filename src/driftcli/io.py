"""Read CSV and Parquet inputs (or in-memory frames) into Arrow tables, with one-line errors."""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from driftcli.errors import InputError, UsageError
from driftcli.render.writer import atomic_writer as atomic_writer  # moved; kept importable

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class Loaded:
    """An input as an Arrow table, with where it came from."""

    table: pa.Table
    path: str | None
    format: str


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


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def read_csv(path: Path, *, delimiter: str = ",", encoding: str = "utf8") -> pa.Table:
    """Read a CSV with pyarrow's multi-threaded reader; retried allowing quoted newlines."""
    if path.name.lower().endswith((".tsv", ".tsv.gz")) and delimiter == ",":
        delimiter = "\t"
    encoding = _arrow_encoding(encoding)
    read = pacsv.ReadOptions(encoding=encoding, use_threads=True)
    convert = pacsv.ConvertOptions(strings_can_be_null=True)
    try:
        try:
            table = pacsv.read_csv(
                path,
                read_options=read,
                parse_options=pacsv.ParseOptions(delimiter=delimiter),
                convert_options=convert,
            )
        except pa.ArrowInvalid:
            # maybe quoted fields spanning lines: the slower reader handles them
            table = pacsv.read_csv(
                path,
                read_options=read,
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=convert,
            )
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        msg = _first_line(err)
        if "Empty CSV file" in msg:
            raise InputError(f"{path}: no data (a blank file, or a header with no rows)") from err
        if "UTF8" in msg or "utf" in msg.lower() or isinstance(err, UnicodeDecodeError):
            msg += " (try --encoding latin-1)"
        raise InputError(f"{path}: cannot read CSV: {msg}") from err
    except (pa.ArrowException, OSError, LookupError) as err:
        raise InputError(f"{path}: cannot read CSV: {_first_line(err)}") from err
    _check_csv_table(path, table, delimiter)
    return table


def _arrow_encoding(name: str) -> str:
    """Normalize an encoding name (``utf-8`` -> Arrow's fast ``utf8``); reject unknown ones."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise UsageError(f"--encoding: unknown encoding {name!r}") from None
    return "utf8" if canonical == "utf-8" else canonical


def _check_csv_table(path: Path, table: pa.Table, delimiter: str) -> None:
    """Catch CSVs that parsed but cannot mean what the user wants: bytes that are not text
    in the given encoding, or a header that is one column because the delimiter is wrong."""
    for field in table.schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            raise InputError(
                f"{path}: column {field.name!r} is not valid UTF-8 text "
                "(try --encoding latin-1, or the encoding the file was written in)"
            )
    if table.num_columns == 1 and delimiter == ",":
        name = table.column_names[0]
        for other in (";", "\t", "|"):
            if other in name:
                shown = "\\t" if other == "\t" else other
                raise InputError(
                    f"{path}: the header is a single column {name!r}; "
                    f"is the delimiter {shown!r}? (use --delimiter '{shown}')"
                )


def read_parquet(path: Path) -> pa.Table:
    """Read a Parquet file, or every Parquet file under a directory as one table."""
    is_dir = path.is_dir()
    if is_dir and not any(
        p.is_file() and p.name.lower().endswith(PARQUET_SUFFIXES) for p in path.rglob("*")
    ):
        raise InputError(f"{path}: directory holds no .parquet files")
    try:
        if is_dir:
            return pq.read_table(path)
        with pq.ParquetFile(path) as one:  # a file: no need to import pyarrow.dataset
            return one.read()
    except (pa.ArrowException, OSError) as err:
        hint = ""
        if is_dir and isinstance(err, pa.ArrowInvalid | pa.ArrowTypeError):
            hint = " (the files of a directory must share one schema)"
        raise InputError(f"{path}: cannot read Parquet: {_first_line(err)}{hint}") from err


def load(source: Any, *, role: str, delimiter: str = ",", encoding: str = "utf8") -> Loaded:
    """Turn a path, a pandas DataFrame or a pyarrow Table into a :class:`Loaded` table."""
    if isinstance(source, pa.Table):
        loaded = Loaded(source, None, "arrow")
    elif _is_dataframe(source):
        loaded = Loaded(from_pandas(source, role), None, "pandas")
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise InputError(f"{role} file not found: {path}")
        fmt = detect_format(path)
        if path.is_file() and path.stat().st_size == 0:
            raise InputError(f"{path}: file is empty")
        if fmt == "csv":
            table = read_csv(path, delimiter=delimiter, encoding=encoding)
        else:
            table = read_parquet(path)
        loaded = Loaded(table, str(path), fmt)
    else:
        raise InputError(
            f"{role}: expected a file path, a pandas DataFrame or a pyarrow Table, "
            f"got {type(source).__name__}"
        )
    check_names(loaded)
    return loaded


def check_names(loaded: Loaded) -> None:
    """Reject tables whose column names repeat: a column must mean one thing."""
    seen: set[str] = set()
    for name in loaded.table.column_names:
        if name in seen:
            where = loaded.path or f"{loaded.format} input"
            raise InputError(f"{where}: duplicate column name {name!r}")
        seen.add(name)


def _is_dataframe(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns") and hasattr(obj, "dtypes")


def from_pandas(df: Any, role: str) -> pa.Table:
    """Convert a DataFrame; object columns mixing types become strings instead of failing."""
    import pandas as pd

    arrays = []
    names = []
    for name in df.columns:
        col = df[name]
        if isinstance(col, pd.DataFrame):
            raise InputError(f"{role} DataFrame: duplicate column name {name!r}")
        try:
            arr = pa.array(col, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            arr = pa.array(col.astype("string"), from_pandas=True)
        arrays.append(arr)
        names.append(str(name))
    return pa.Table.from_arrays(arrays, names=names)
