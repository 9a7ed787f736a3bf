"""CSV (also ``.csv.gz`` and TSV) read block by block with pyarrow's streaming reader.

pyarrow's streaming reader infers each column's type from the first block only; a later
block that does not fit fails. :class:`CsvSource` therefore makes one typing pass over the
file before the first batch is yielded: when a block does not convert, the offending column
is widened along Arrow's own inference order (null, int64, bool, date, time, timestamp,
timestamp[ns], with time zone, double, string), skipping the types the offending value
rules out, and the pass restarts. The result is exactly the types a whole-file read gives,
and every later call of :meth:`CsvSource.batches` reads with those types fixed.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from driftcli.errors import InputError, UsageError
from driftcli.sources.base import Source, check_names, coalesced, first_line

T = TypeVar("T")

#: Strings read as missing when ``--na-values`` is not given: pyarrow's defaults (a test
#: checks they still are). An empty cell is always missing, whatever ``na_values`` says.
DEFAULT_NA_VALUES: tuple[str, ...] = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "n/a",
    "nan",
    "null",
)

#: Bytes per block; a row longer than this makes the block grow (x4) up to MAX_BLOCK.
#: pyarrow reads about 32 blocks ahead, so this bounds a CSV's raw buffers near 40 MiB.
BLOCK_SIZE = 1 << 20
MAX_BLOCK = 1 << 30

#: Arrow's type inference order for CSV columns (checked against ``read_csv`` in tests).
LADDER: tuple[pa.DataType, ...] = (
    pa.null(),
    pa.int64(),
    pa.bool_(),
    pa.date32(),
    pa.time32("s"),
    pa.timestamp("s"),
    pa.timestamp("ns"),
    pa.timestamp("s", tz="UTC"),
    pa.timestamp("ns", tz="UTC"),
    pa.float64(),
    pa.string(),
)

_CONVERSION = re.compile(
    r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error to (.+?): (.*)$", re.DOTALL
)
#: Where a conversion message quotes the offending cell.
_CELL = (
    re.compile(r"^invalid value '(.*)'$", re.DOTALL),
    re.compile(r"^expected (?:a|no) zone offset in '(.*?)'", re.DOTALL),
)
_BAD_UTF8 = re.compile(r"In CSV column #(\d+): .*invalid UTF8", re.DOTALL)


def arrow_encoding(name: str) -> str:
    """Normalize an encoding name (``utf-8`` -> Arrow's fast ``utf8``); reject unknown ones."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise UsageError(f"--encoding: unknown encoding {name!r}") from None
    return "utf8" if canonical == "utf-8" else canonical


@dataclass(frozen=True)
class _Plan:
    """How the file is parsed; grows (bigger blocks, quoted newlines) when a read needs it."""

    delimiter: str
    encoding: str
    na_values: tuple[str, ...]
    block_size: int
    newlines_in_values: bool = False


class CsvSource(Source):
    """A CSV file streamed by blocks; see the module docstring for how types are fixed."""

    format = "csv"

    def __init__(
        self,
        path: Path,
        *,
        role: str,
        delimiter: str = ",",
        encoding: str = "utf8",
        na_values: Sequence[str] | None = None,
        column_types: Mapping[str, pa.DataType] | None = None,
    ) -> None:
        self.role = role
        self.path = str(path)
        self._file = path
        if path.name.lower().endswith((".tsv", ".tsv.gz")) and delimiter == ",":
            delimiter = "\t"
        if delimiter == "\\t":  # as Settings reads it: '\t' typed in a shell
            delimiter = "\t"
        if len(delimiter) != 1:
            raise UsageError(f"--delimiter must be one character, got {delimiter!r}")
        nas = DEFAULT_NA_VALUES if na_values is None else tuple(dict.fromkeys(["", *na_values]))
        self._plan = _Plan(delimiter, arrow_encoding(encoding), nas, BLOCK_SIZE)
        self._requested = dict(column_types or {})
        self._schema: pa.Schema | None = None
        self._rows: int | None = None
        self._kept: dict[str, pa.DataType] = {}
        self.header = self._probe()

    # -- reading ---------------------------------------------------------------------------

    def _open(
        self,
        plan: _Plan,
        types: Mapping[str, pa.DataType],
        include: Sequence[str] | None = None,
    ) -> pacsv.CSVStreamingReader:
        return pacsv.open_csv(
            self._file,
            read_options=pacsv.ReadOptions(
                encoding=plan.encoding, use_threads=True, block_size=plan.block_size
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=plan.delimiter, newlines_in_values=plan.newlines_in_values
            ),
            convert_options=_convert_options(plan, types, include),
        )

    def _retrying(self, attempt: Callable[[_Plan], T]) -> T:
        """Run ``attempt`` until it succeeds, growing the block for rows longer
        than a block and allowing quoted newlines on a parse error; map failures to one line."""
        while True:
            try:
                return attempt(self._plan)
            except pa.ArrowInvalid as err:
                msg = first_line(err)
                if "straddl" in msg and self._plan.block_size < MAX_BLOCK:
                    self._plan = replace(self._plan, block_size=self._plan.block_size * 4)
                    continue
                parse_error = "parse error" in msg.lower() or "newlines_in_values" in msg
                if parse_error and not self._plan.newlines_in_values:
                    # maybe a quoted field spans lines across a block boundary
                    self._plan = replace(self._plan, newlines_in_values=True)
                    continue
                raise self._error(err) from err
            except (pa.ArrowException, OSError, UnicodeError, LookupError) as err:
                raise self._error(err) from err

    def _error(self, err: BaseException) -> Exception:
        """A failed read as one line naming the file; running out of memory stays a
        MemoryError (pyarrow's is an ArrowException too): the command says what to do."""
        if isinstance(err, MemoryError):
            return MemoryError(first_line(err))
        disguised = self._disguised()
        if disguised:
            return InputError(f"{self.path}: cannot read CSV: {disguised}")
        msg = first_line(err)
        if "Empty CSV file" in msg:
            return InputError(f"{self.path}: no data (a blank file, or a header with no rows)")
        if "straddl" in msg:
            return InputError(
                f"{self.path}: cannot read CSV: a row is longer than "
                f"{MAX_BLOCK >> 20} MiB (is the quoting broken?)"
            )
        if "UTF8" in msg or "utf" in msg.lower() or isinstance(err, UnicodeError):
            msg += " (try --encoding latin-1)"
        if isinstance(err, OSError) and err.strerror:
            msg = err.strerror
        return InputError(f"{self.path}: cannot read CSV: {msg}")

    def _disguised(self) -> str | None:
        """What the file is when its leading bytes say it is not CSV text under this name
        (a gzip file without ``.gz``, Parquet or SQLite named ``.csv``), and what to do."""
        try:
            with open(self._file, "rb") as fh:
                head = fh.read(16)
        except OSError:
            return None
        gz = self._file.name.lower().endswith(".gz")
        if head.startswith(b"\x1f\x8b") and not gz:
            return f"it is gzip-compressed; name it {self._file.name}.gz"
        if head.startswith(b"PAR1"):
            return f"it is a Parquet file; name it {self._file.stem}.parquet"
        if head.startswith(b"SQLite format 3\x00"):
            return f"it is a SQLite database; read it as sqlite:///{self.path} with --table"
        return None

    def _probe(self) -> list[str]:
        """Header and first rows: empty file, header only, encoding, delimiter, names."""
        header, rows = self._retrying(self._first_block)
        try:
            names = header.names
        except UnicodeDecodeError:  # Arrow keeps the header's bytes; Python cannot name them
            raise InputError(
                f"{self.path}: the header is not valid UTF-8 text "
                "(try --encoding latin-1, or the encoding the file was written in)"
            ) from None
        check_names(names, self.path or "")
        for field in header:
            if pa.types.is_binary(field.type):
                raise self._not_utf8(field.name)
        if len(names) == 1:
            name = names[0]
            for other in (",", ";", "\t", "|"):
                if other != self._plan.delimiter and other in name:
                    shown = "\\t" if other == "\t" else other
                    raise InputError(
                        f"{self.path}: the header is a single column {name!r}; "
                        f"is the delimiter '{shown}'? (use --delimiter '{shown}')"
                    )
        if not rows:
            raise InputError(f"{self.path}: no rows (header only)")
        return list(names)

    def _first_block(self, plan: _Plan) -> tuple[pa.Schema, bool]:
        reader = self._open(plan, {})
        try:
            for batch in reader:
                if batch.num_rows:
                    return reader.schema, True
        except pa.ArrowInvalid as err:  # a later block does not fit the first one's types
            if _CONVERSION.match(first_line(err)) or _BAD_UTF8.match(str(err)):
                return reader.schema, True
            raise
        finally:
            _close(reader)  # stop the read-ahead of the rest of the file
        return reader.schema, False

    def _not_utf8(self, name: str) -> InputError:
        return InputError(
            f"{self.path}: column {name!r} is not valid UTF-8 text "
            "(try --encoding latin-1, or the encoding the file was written in)"
        )

    def _typing_pass(self, plan: _Plan) -> tuple[pa.Schema, int]:
        """Read the whole file once, widening columns until every block converts."""
        types = {n: t for n, t in self._requested.items() if n in self.header}
        forced = set(types)
        while True:
            reader: pacsv.CSVStreamingReader | None = None
            rows = 0
            try:
                reader = self._open(plan, types)  # converts the first block already
                for batch in reader:
                    rows += batch.num_rows
            except pa.ArrowInvalid as err:
                if reader is not None:
                    _close(reader)
                text = str(err).strip()
                bad = _BAD_UTF8.match(text)
                if bad:
                    raise self._not_utf8(self.header[int(bad.group(1))]) from err
                m = _CONVERSION.match(text)
                if not m:
                    raise
                name = self.header[int(m.group(1))]
                if name in forced:  # the values do not allow the requested type
                    forced.discard(name)
                    del types[name]
                    continue
                current = types.get(name)
                if current is None and reader is not None:
                    current = reader.schema.field(name).type
                types[name] = self._wider(current or pa.null(), _cell(m.group(3)), plan)
                continue
            self._kept = {n: t for n, t in self._requested.items() if n in forced}
            return reader.schema, rows

    def _wider(self, current: pa.DataType, value: str | None, plan: _Plan) -> pa.DataType:
        """The next type in Arrow's inference order after ``current`` that accepts ``value``
        (the offending cell, when the message quoted it; else simply the next type)."""
        try:
            start = LADDER.index(current) + 1
        except ValueError:
            return pa.string()
        for candidate in LADDER[start:]:
            if value is None or _accepts(candidate, value, plan):
                return candidate
        return pa.string()

    # -- the Source interface ---------------------------------------------------------------

    def schema(self) -> pa.Schema:
        """Column types of the whole file (one typing pass, then cached)."""
        if self._schema is None:
            self._schema, self._rows = self._retrying(self._typing_pass)
        return self._schema

    @property
    def num_rows(self) -> int | None:
        """Known once the typing pass has run (after the first :meth:`schema` call)."""
        return self._rows

    @property
    def applied_types(self) -> dict[str, pa.DataType]:
        """The requested ``column_types`` the values allowed (after :meth:`schema`)."""
        self.schema()
        return dict(self._kept)

    def _batches(self, columns: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        schema = self.schema()
        types = {f.name: f.type for f in schema}
        try:
            reader = self._open(self._plan, types, columns)
        except (pa.ArrowException, OSError, UnicodeError) as err:
            raise self._error(err) from err
        try:
            yield from coalesced(iter(reader), batch_rows, self.projected_schema(columns))
        except (pa.ArrowException, OSError, UnicodeError) as err:  # changed on disk?
            raise self._error(err) from err
        finally:
            _close(reader)

    def input_files(self) -> list[Path]:
        return [self._file.resolve()]


def _close(reader: pacsv.CSVStreamingReader) -> None:
    """Stop a reader early (its read-ahead thread and buffers go with it)."""
    with contextlib.suppress(Exception):
        reader.close()


def _convert_options(
    plan: _Plan, types: Mapping[str, pa.DataType], include: Sequence[str] | None = None
) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types=dict(types),
        null_values=list(plan.na_values),
        strings_can_be_null=True,
        include_columns=list(include) if include is not None else [],
    )


def _cell(detail: str) -> str | None:
    """The offending cell quoted in a conversion message, if it quotes one."""
    for pattern in _CELL:
        m = pattern.match(detail)
        if m:
            return m.group(1)
    return None


def _accepts(candidate: pa.DataType, value: str, plan: _Plan) -> bool:
    """Whether a CSV cell holding ``value`` converts to ``candidate`` (same null strings)."""
    cell = '"' + value.replace('"', '""') + '"'
    try:
        pacsv.read_csv(
            io.BytesIO(f"v\n{cell}\n".encode()),
            convert_options=_convert_options(plan, {"v": candidate}),
        )
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return False
    return True
