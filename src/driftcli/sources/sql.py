"""Database inputs by URL, read through ADBC as streamed Arrow record batches.

``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` open an existing SQLite
file read-only (a missing file is an error, never a new empty database);
``postgresql://user@host:port/db`` (also ``postgres://``) needs the ``postgres`` extra. Each
input reads one ``table`` or the rows of one ``query``. The URL shown to the user never
holds a password.

SQLite columns have no fixed type: one column may hold integers, reals and text. The ADBC
driver guesses each column's type from its first batch and fails on a later value that does
not fit, so :class:`SqliteSource` first counts each column's storage classes in one SQL
pass and reads every column with one type (text if any value is text, else real if any is
real, else integer), cast in SQL.
"""

from __future__ import annotations

import contextlib
import importlib
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pyarrow as pa

from driftcli.errors import InputError, UsageError
from driftcli.sources.base import (
    Source,
    check_names,
    conform,
    first_line,
    normalized_schema,
    sliced,
)

SQLITE_SCHEMES = ("sqlite",)
POSTGRES_SCHEMES = ("postgresql", "postgres")
#: A value of each SQLite cast type (the typing first row of a SQLite select).
_SAMPLE = {"TEXT": "''", "REAL": "0.0", "INTEGER": "0", "BLOB": "X''", "": "NULL"}
#: Seconds a PostgreSQL connection may take before the input is unreachable.
CONNECT_TIMEOUT = 10


def is_database_url(obj: Any) -> bool:
    """A string that looks like ``scheme://...`` (any scheme: unknown ones are an error)."""
    if not isinstance(obj, str) or "://" not in obj:
        return False
    scheme = obj.split("://", 1)[0]
    return scheme.replace("+", "").isalnum() and len(scheme) > 1


def sqlite_file(url: str) -> str | None:
    """The file a ``sqlite:///relative`` or ``sqlite:////absolute`` URL names (the scheme in
    any case, a query dropped); None when ``url`` is no SQLite URL of that form.

    >>> sqlite_file("SQLite:///data/ref.db?mode=ro"), sqlite_file("sqlite://ref.db")
    ('data/ref.db', None)
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in SQLITE_SCHEMES or not rest.startswith("/"):
        return None
    return rest[1:].split("?", 1)[0]


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe for every output)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{user}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _ident(name: str) -> str:
    """A quoted SQL identifier (``"`` doubled), the same in SQLite and PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


def _base_query(where: str, table: str | None, query: str | None) -> str:
    if table is not None and query is not None:
        raise UsageError(f"{where}: give a table or a query, not both")
    if table is None and query is None:
        raise UsageError(f"{where}: a database input needs a table or a query")
    if table is not None:
        if not table.strip():
            raise UsageError(f"{where}: the table name is empty")
        # schema.table is two identifiers; a name holding a dot can be given as a query
        return "SELECT * FROM " + ".".join(_ident(p) for p in table.split("."))
    assert query is not None
    text = query.strip().rstrip(";").strip()
    if not text:
        raise UsageError(f"{where}: the query is empty")
    return text


class _AdbcSource(Source):
    """Shared reading: one connection per pass, a RecordBatchReader streamed and closed."""

    _base: str

    def _connect(self) -> Any:
        raise NotImplementedError

    def _select(self, columns: list[str]) -> str:
        return f"SELECT {', '.join(_ident(c) for c in columns)} FROM ({self._base}) AS q"

    def _set_batch_rows(self, cursor: Any, batch_rows: int) -> None:
        """Driver option for rows per batch (SQLite only; PostgreSQL sizes by bytes)."""

    def _fail(self, err: BaseException) -> InputError:
        return InputError(f"{self.path}: {first_line(err)}")

    def _run(self, sql: str, batch_rows: int | None = None) -> Iterator[pa.RecordBatch]:
        try:
            with self._connect() as conn, conn.cursor() as cursor:
                if batch_rows is not None:
                    self._set_batch_rows(cursor, batch_rows)
                cursor.execute(sql)
                reader = cursor.fetch_record_batch()
                try:
                    yield from reader
                finally:
                    with contextlib.suppress(Exception):
                        reader.close()
        except InputError:
            raise
        except (OSError, pa.ArrowException, RuntimeError, ValueError) as err:
            raise self._fail(err) from err
        except Exception as err:  # the driver's DBAPI errors (adbc_driver_manager.Error)
            if type(err).__module__.startswith("adbc_driver"):
                raise self._fail(err) from err
            raise

    #: Rows the select puts before the data (SQLite: one row that fixes the types).
    _lead_rows = 0

    def _batches(self, columns: list[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        target = self.projected_schema(columns)
        skip = self._lead_rows
        for batch in self._run(self._select(columns), batch_rows):
            if skip:
                dropped = min(skip, batch.num_rows)
                batch, skip = batch.slice(dropped), skip - dropped
            if batch.num_rows:
                for piece in conform(batch, target, self.where):
                    yield from sliced(piece, batch_rows)


class SqliteSource(_AdbcSource):
    """A table or query of an existing SQLite file, opened read-only."""

    format = "sqlite"

    def __init__(
        self, url: str, *, role: str, table: str | None = None, query: str | None = None
    ) -> None:
        self.role = role
        self.path = redact(url)
        rest = url.split("://", 1)[1]
        if not rest.startswith("/") or rest == "/":
            raise UsageError(
                f"{self.path}: a SQLite URL is sqlite:///relative/path.db or "
                "sqlite:////absolute/path.db"
            )
        file = Path(rest[1:])
        try:
            st = file.stat()
        except FileNotFoundError:
            raise InputError(f"{role} database not found: {file}") from None
        except OSError as err:
            raise InputError(f"{file}: cannot read: {err.strerror or err}") from err
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{file}: not a regular file; a SQLite database is a file")
        self._file = file
        self._base = _base_query(self.path, table, query)
        self._schema, self._rows = self._profile_types()

    def _connect(self) -> Any:
        try:
            dbapi = importlib.import_module("adbc_driver_sqlite.dbapi")
        except ImportError as err:  # pragma: no cover - a dependency of driftcli
            raise InputError(
                f"{self.path}: the SQLite driver is missing (pip install adbc-driver-sqlite)"
            ) from err
        uri = "file:" + quote(str(self._file.resolve())) + "?mode=ro"
        return dbapi.connect(uri)

    def _set_batch_rows(self, cursor: Any, batch_rows: int) -> None:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})

    def _column_names(self) -> list[str]:
        try:
            with self._connect() as conn, conn.cursor() as cursor:
                cursor.execute(f"SELECT * FROM ({self._base}) AS q LIMIT 0")
                names = [str(d[0]) for d in cursor.description or []]
                cursor.fetchall()
        except Exception as err:
            if isinstance(err, OSError) or type(err).__module__.startswith("adbc_driver"):
                raise self._fail(err) from err
            raise
        return names

    def _profile_types(self) -> tuple[pa.Schema, int]:
        """One SQL pass: the storage classes of every column, and the row count."""
        names = self._column_names()
        check_names(names, self.path or "")
        if not names:
            raise InputError(f"{self.path}: the query returns no columns")
        counts = []
        for name in names:
            col = _ident(name)
            counts += [
                f"SUM(typeof({col}) = '{kind}')" for kind in ("integer", "real", "text", "blob")
            ]
        sql = f"SELECT COUNT(*), {', '.join(counts)} FROM ({self._base}) AS q"
        table = pa.Table.from_batches(list(self._run(sql)))
        row = [table.column(i)[0].as_py() for i in range(table.num_columns)]
        rows = int(row[0] or 0)
        self._casts: dict[str, str] = {}
        fields = []
        for i, name in enumerate(names):
            ints, reals, texts, blobs = (int(v or 0) for v in row[1 + 4 * i : 5 + 4 * i])
            if texts or (blobs and (ints or reals)):
                arrow_type, cast = pa.string(), "TEXT"
            elif blobs:
                arrow_type, cast = pa.binary(), "BLOB"
            elif reals:
                arrow_type, cast = pa.float64(), "REAL"
            elif ints:
                arrow_type, cast = pa.int64(), "INTEGER"
            else:
                arrow_type, cast = pa.null(), ""
            self._casts[name] = cast
            fields.append(pa.field(name, arrow_type))
        return normalized_schema(pa.schema(fields)), rows

    _lead_rows = 1

    def _select(self, columns: list[str]) -> str:
        """Every column cast to its one type, after a first row of values of those types: the
        driver infers types from its first batch, which may hold only NULLs otherwise."""
        lead, parts = [], []
        for name in columns:
            cast = self._casts[name]
            col = _ident(name)
            lead.append(f"{_SAMPLE[cast]} AS {col}")
            parts.append(f"CAST({col} AS {cast})" if cast else "NULL")
        return (
            f"SELECT {', '.join(lead)} UNION ALL SELECT {', '.join(parts)} FROM ({self._base}) AS q"
        )

    def schema(self) -> pa.Schema:
        return self._schema

    @property
    def num_rows(self) -> int | None:
        return self._rows

    def input_files(self) -> list[Path]:
        return [self._file.resolve()]


class PostgresSource(_AdbcSource):
    """A table or query of a PostgreSQL database (the ``postgres`` extra)."""

    format = "postgresql"

    def __init__(
        self, url: str, *, role: str, table: str | None = None, query: str | None = None
    ) -> None:
        self.role = role
        self.path = redact(url)
        parts = urlsplit(url)
        scheme = "postgresql"
        query_string = parts.query
        if "connect_timeout=" not in query_string:
            sep = "&" if query_string else ""
            query_string = f"{query_string}{sep}connect_timeout={CONNECT_TIMEOUT}"
        self._url = urlunsplit((scheme, parts.netloc, parts.path, query_string, ""))
        self._base = _base_query(self.path, table, query)
        self._schema = self._read_schema()

    def _connect(self) -> Any:
        try:
            dbapi = importlib.import_module("adbc_driver_postgresql.dbapi")
        except ImportError as err:
            raise InputError(
                f"{self.path}: PostgreSQL needs the postgres extra: "
                "pip install 'driftcli[postgres]'"
            ) from err
        return dbapi.connect(self._url)

    def _fail(self, err: BaseException) -> InputError:
        text = first_line(err)
        if "timeout" in text.lower() or "could not connect" in text.lower():
            text += f" (gave up after {CONNECT_TIMEOUT} s)"
        secret = urlsplit(self._url).password
        if secret:
            text = text.replace(secret, "***")
        return InputError(f"{self.path}: {text}")

    def _read_schema(self) -> pa.Schema:
        try:
            with self._connect() as conn, conn.cursor() as cursor:
                cursor.execute(f"SELECT * FROM ({self._base}) AS q LIMIT 0")
                schema = cursor.fetch_arrow_table().schema
        except InputError:
            raise
        except Exception as err:
            if isinstance(err, OSError) or type(err).__module__.startswith("adbc_driver"):
                raise self._fail(err) from err
            raise
        check_names(schema.names, self.path or "")
        return normalized_schema(schema)

    def schema(self) -> pa.Schema:
        return self._schema


def open_database(
    url: str, *, role: str, table: str | None = None, query: str | None = None
) -> Source:
    """A :class:`Source` for a database URL; an unknown scheme is one line."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in SQLITE_SCHEMES:
        return SqliteSource(url, role=role, table=table, query=query)
    if scheme in POSTGRES_SCHEMES or scheme.startswith("postgresql+"):
        return PostgresSource(url, role=role, table=table, query=query)
    raise InputError(
        f"{redact(url)}: unknown URL scheme {scheme!r}; use sqlite:///path.db or "
        "postgresql://user@host/db"
    )
