"""In-memory inputs: pandas DataFrames and pyarrow Tables, yielded in slices.

Nothing is copied whole: a Table is sliced zero-copy; a DataFrame is converted slice by
slice, with each column's Arrow type fixed once from the whole column so that every slice
has the same schema (an object column mixing numbers and strings becomes text, as a whole).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from driftcli.errors import InputError
from driftcli.sources.base import Source, check_names, conform, normalized_schema, sliced


class ArrowSource(Source):
    """A pyarrow Table (or RecordBatch) in zero-copy slices."""

    format = "arrow"

    def __init__(self, table: pa.Table, *, role: str) -> None:
        self.role = role
        self.path = None
        self._table = table
        check_names(table.column_names, self.where)
        self._schema = normalized_schema(table.schema)

    def schema(self) -> pa.Schema:
        return self._schema

    @property
    def num_rows(self) -> int | None:
        return int(self._table.num_rows)

    def _batches(self, columns: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        target = self.projected_schema(columns)
        for batch in self._table.select(columns).to_batches(max_chunksize=batch_rows):
            for piece in sliced(batch, batch_rows):
                yield from conform(piece, target, self.where)


def is_pandas_frame(obj: Any) -> bool:
    """A pandas DataFrame (checked without importing pandas for other inputs)."""
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


class PandasSource(Source):
    """A pandas DataFrame converted slice by slice; the index is not a column."""

    format = "pandas"

    def __init__(self, df: Any, *, role: str) -> None:
        import pandas as pd

        self.role = role
        self.path = None
        self._df = df
        self._names: list[str] = []
        self._as_text: set[str] = set()
        fields = []
        for pos, name in enumerate(df.columns):
            col = df.iloc[:, pos]
            if isinstance(df[name], pd.DataFrame):
                raise InputError(f"{role} DataFrame: duplicate column name {name!r}")
            arrow_type = self._column_type(str(name), col)
            self._names.append(str(name))
            fields.append(pa.field(str(name), arrow_type))
        check_names(self._names, f"{role} DataFrame")
        self._schema = normalized_schema(pa.schema(fields))
        self._raw = pa.schema(fields)

    def _column_type(self, name: str, col: Any) -> pa.DataType:
        """The Arrow type of the whole column: from the dtype, or (object columns) from the
        values, with text as the fallback for values Arrow cannot put in one type."""
        sample = col if col.dtype == object else col.iloc[:0]
        try:
            return pa.array(sample, from_pandas=True).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            self._as_text.add(name)
            return pa.string()

    def schema(self) -> pa.Schema:
        return self._schema

    @property
    def num_rows(self) -> int | None:
        return len(self._df)

    def _batches(self, columns: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        target = self.projected_schema(columns)
        positions = [self._names.index(n) for n in columns]
        for start in range(0, len(self._df), batch_rows):
            part = self._df.iloc[start : start + batch_rows]
            arrays = []
            for pos in positions:
                name = self._names[pos]
                col = part.iloc[:, pos]
                if name in self._as_text:
                    col = col.astype("string")
                arrays.append(_arrow(col, self._raw.field(name).type))
            batch = pa.RecordBatch.from_arrays(
                arrays, schema=pa.schema([self._raw.field(n) for n in columns])
            )
            yield from conform(batch, target, self.where)


def _arrow(col: Any, t: pa.DataType) -> pa.Array:
    """One pandas column as an Arrow array of type ``t``. Arrow-backed columns (for example
    after ``pd.concat`` of frames read with ``dtype_backend="pyarrow"``) hand over chunked
    data, which ``pa.array`` refuses: those are combined first."""
    arr = pa.array(col, type=t, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr
