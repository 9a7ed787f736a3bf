"""The :class:`Source` interface shared by every input kind, and the type normalization
that lets downstream code see one spelling of "text".

A source is a re-readable stream of Arrow record batches with a fixed schema: every batch
conforms to :meth:`Source.schema`, only the requested columns are read, and the whole table is
never held in memory (in-memory frames are sliced, not copied).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from driftcli.errors import InputError, UsageError

#: Rows per record batch unless the caller asks otherwise (Arrow's own scanner default).
DEFAULT_BATCH_ROWS = 131_072


def first_line(err: BaseException) -> str:
    """The first line of an exception's message (Arrow messages can span many lines)."""
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


class Source(ABC):
    """A dataset read as a stream of Arrow record batches.

    ``path`` is what to show the user (None for in-memory frames); ``format`` is ``csv``,
    ``parquet``, ``pandas`` or ``arrow``; ``role`` (``reference``/``current``) names the side
    in messages.
    """

    path: str | None
    format: str
    role: str
    _indexed: tuple[pa.Schema, list[str], list[pa.Field], dict[str, int]] | None = None

    @abstractmethod
    def schema(self) -> pa.Schema:
        """The full schema; every batch of :meth:`batches` conforms to it (projected)."""

    @abstractmethod
    def _batches(self, columns: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Batches of exactly ``columns`` (validated, in that order), at most ``batch_rows``."""

    def _dictionary_batches(
        self, columns: list[str], batch_rows: int, dictionary: list[str]
    ) -> Iterator[pa.RecordBatch]:
        """:meth:`_batches` with the ``dictionary`` text columns as dictionary arrays where
        the format stores them so (Parquet): no decoding of every string. Others decode."""
        return self._batches(columns, batch_rows)

    def batches(
        self,
        columns: Sequence[str] | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        *,
        dictionary: Sequence[str] = (),
    ) -> Iterator[pa.RecordBatch]:
        """Stream the requested columns (None = all, in schema order) from the start.

        Each call re-reads the input; batches hold at most ``batch_rows`` rows and have the
        schema ``self.schema()`` restricted to ``columns`` in the order given, except that
        text columns named in ``dictionary`` may come as dictionary arrays of that text type.
        """
        if batch_rows < 1:
            raise UsageError(f"batch_rows must be >= 1, got {batch_rows}")
        names = self.columns(columns)
        schema = self.schema()
        requested = set(names)
        text = [c for c in dictionary if c in requested and is_text(schema.field(c).type)]
        if text:
            return self._dictionary_batches(names, batch_rows, text)
        return self._batches(names, batch_rows)

    def close(self) -> None:  # noqa: B027 (a hook: most sources keep nothing open)
        """Release what the source keeps open between reads (nothing, unless overridden)."""

    def dictionary_schema(self, columns: list[str], dictionary: list[str]) -> pa.Schema:
        """The projected schema with the ``dictionary`` columns dictionary-encoded."""
        fields = []
        encoded = set(dictionary)
        for f in self.projected_schema(columns):
            if f.name in encoded:
                f = pa.field(f.name, pa.dictionary(pa.int32(), f.type), f.nullable)
            fields.append(f)
        return pa.schema(fields)

    def _index(self) -> tuple[list[str], list[pa.Field], dict[str, int]]:
        """The schema's names, fields and name positions, built once per schema object: every
        column group of a wide input checks its columns and projects the schema, which cost
        4.7 ms a group at 5,000 columns when done from the schema each time (0.6 ms now; 42
        groups a side of 100k x 5,000), on the thread that reads."""
        schema = self.schema()
        cached = self._indexed
        if cached is None or cached[0] is not schema:
            names = schema.names
            fields = [schema.field(i) for i in range(len(names))]
            cached = (schema, names, fields, {n: i for i, n in enumerate(names)})
            self._indexed = cached
        return cached[1], cached[2], cached[3]

    def columns(self, columns: Sequence[str] | None = None) -> list[str]:
        """``columns`` checked against the schema (None = every column)."""
        names, _, index = self._index()
        if columns is None:
            return list(names)
        if not columns:
            raise UsageError(f"{self.where}: no columns requested")
        out: list[str] = []
        seen: set[str] = set()
        for name in columns:
            if name not in index:
                raise UsageError(f"{self.where}: unknown column {name!r}")
            if name in seen:
                raise UsageError(f"{self.where}: column {name!r} requested twice")
            seen.add(name)
            out.append(name)
        return out

    def projected_schema(self, columns: Sequence[str] | None = None) -> pa.Schema:
        """The schema of the batches that ``batches(columns)`` yields."""
        _, fields, index = self._index()
        return pa.schema([fields[index[n]] for n in self.columns(columns)])

    @property
    def num_rows(self) -> int | None:
        """Rows in the input when known without reading it (Parquet metadata, frames)."""
        return None

    @property
    def batch_rows_hint(self) -> int | None:
        """Rows a batch holds at most when the format fixes it (Parquet: the largest row
        group, read one at a time), else None."""
        return None

    def input_files(self) -> list[Path]:
        """The real files read (resolved), so that no output ever overwrites one."""
        return []

    @property
    def where(self) -> str:
        """How messages name this input: its path, else ``reference pandas input``."""
        return self.path or f"{self.role} {self.format} input"

    def read_all(self, columns: Sequence[str] | None = None) -> pa.Table:
        """Every batch concatenated into one table (for code that still needs a table).

        When the row count is known the batches are as large as the input allows, so that
        columns come in as few chunks as a whole-table read gives (numpy views stay cheap).
        """
        schema = self.projected_schema(columns)
        rows = self.num_rows or DEFAULT_BATCH_ROWS
        return pa.Table.from_batches(list(self.batches(columns, batch_rows=rows)), schema=schema)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.where}>"


# -- type normalization -------------------------------------------------------------------


def _is_text_like(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_binary_view(t)
    )


def normalized_type(t: pa.DataType) -> pa.DataType:
    """The type a column is yielded as: large/view strings and binary become ``string``.

    Downstream code then handles one text type; binary values are decoded as UTF-8 (a
    batch holding bytes that are not UTF-8 is an :class:`InputError`).
    """
    if _is_text_like(t):
        return pa.string()
    if pa.types.is_dictionary(t) and _is_text_like(t.value_type):
        return pa.dictionary(t.index_type, pa.string(), t.ordered)
    return t


def is_text(t: pa.DataType) -> bool:
    """Plain (not dictionary) string types."""
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def normalized_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with :func:`normalized_type` applied and metadata dropped."""
    return pa.schema([pa.field(f.name, normalized_type(f.type), f.nullable) for f in schema])


def check_names(names: Sequence[str], where: str) -> None:
    """A column must mean one thing: repeated names are an :class:`InputError`."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{where}: duplicate column name {name!r}")
        seen.add(name)


def _cast(arr: pa.Array, target: pa.DataType) -> pa.Array:
    if pa.types.is_null(target) and arr.null_count == len(arr):
        return pa.nulls(len(arr))
    if pa.types.is_dictionary(arr.type):
        return pa.DictionaryArray.from_arrays(
            arr.indices, arr.dictionary.cast(target.value_type), ordered=target.ordered
        )
    return arr.cast(target)


def conform(batch: pa.RecordBatch, schema: pa.Schema, where: str) -> Iterator[pa.RecordBatch]:
    """``batch`` with its columns cast to ``schema`` (same names, same order).

    Text that would overflow 32-bit string offsets is split into smaller batches rather
    than failing; bytes that are not UTF-8 are an :class:`InputError` naming the column.
    """
    if batch.schema.equals(schema, check_metadata=False):
        yield batch
        return
    try:
        arrays = []
        for field, arr in zip(schema, batch.columns, strict=True):
            if arr.type == field.type:
                arrays.append(arr)
                continue
            try:
                arrays.append(_cast(arr, field.type))
            except pa.ArrowInvalid as err:
                if "utf8" in str(err).lower():
                    raise InputError(
                        f"{where}: column {field.name!r} holds bytes that are not UTF-8 text"
                    ) from err
                raise
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowCapacityError) as err:
        if batch.num_rows < 2:
            raise InputError(f"{where}: cannot convert a batch: {first_line(err)}") from err
        half = batch.num_rows // 2  # too much text for one string array: halve and retry
        yield from conform(batch.slice(0, half), schema, where)
        yield from conform(batch.slice(half), schema, where)


def sliced(batch: pa.RecordBatch, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """``batch`` in pieces of at most ``batch_rows`` rows (zero-copy slices)."""
    if batch.num_rows <= batch_rows:
        if batch.num_rows:
            yield batch
        return
    for start in range(0, batch.num_rows, batch_rows):
        yield batch.slice(start, batch_rows)


def coalesced(
    batches: Iterator[pa.RecordBatch], batch_rows: int, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """Batches of exactly ``batch_rows`` rows (the last may be shorter) from small ones, so
    that a reader with small blocks does not hand out thousands of tiny batches."""
    buf: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        for piece in sliced(batch, batch_rows):
            buf.append(piece)
            rows += piece.num_rows
            if rows < batch_rows:
                continue
            table = pa.Table.from_batches(buf, schema=schema).combine_chunks()
            yield from table.slice(0, batch_rows).to_batches()
            rest = table.slice(batch_rows)
            buf, rows = rest.to_batches(), rest.num_rows
    if rows:
        yield from pa.Table.from_batches(buf, schema=schema).combine_chunks().to_batches()
