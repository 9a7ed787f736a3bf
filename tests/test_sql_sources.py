"""Database inputs by URL (issue 10 item 1), tested with SQLite files made in the test.

A SQLite column may mix storage classes; the source reads each column with one type, so the
stream never fails halfway and equals the rows SQLite holds. A missing file is never created,
passwords never reach a message, and every failure is one line.
"""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from driftcli.errors import InputError, UsageError
from driftcli.sources import SqliteSource, open_source
from driftcli.sources.sql import redact


def make_db(path: Path, rows: list[tuple[Any, ...]], columns: str = "a, b, c") -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE t ({columns})")
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    conn.close()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    rows = [(i, i * 0.5, f"w{i % 7}") for i in range(3_000)]
    return make_db(tmp_path / "log.db", rows)


def url(path: Path) -> str:
    return f"sqlite:///{path}"  # an absolute path: sqlite:////tmp/...


@pytest.mark.parametrize("batch_rows", [1, 100, 1024, 131_072])
def test_table_streams_in_batches_equal_to_the_rows(db, batch_rows):
    src = open_source(url(db), role="reference", table="t")
    assert src.format == "sqlite" and src.num_rows == 3_000
    assert src.schema() == pa.schema([("a", pa.int64()), ("b", pa.float64()), ("c", pa.string())])
    batches = list(src.batches(batch_rows=batch_rows))
    assert all(0 < b.num_rows <= batch_rows for b in batches)
    got = pa.Table.from_batches(batches)
    with sqlite3.connect(db) as conn:
        expected = conn.execute("SELECT a, b, c FROM t").fetchall()
    assert list(zip(*got.to_pydict().values(), strict=True)) == expected


def test_query_and_projection(db):
    src = open_source(url(db), role="current", query="SELECT c, a FROM t WHERE a >= 2990;")
    assert src.num_rows == 10
    got = src.read_all(["a"])
    assert got.column_names == ["a"] and got.column("a").to_pylist() == list(range(2990, 3000))


def test_relative_url(db, monkeypatch):
    monkeypatch.chdir(db.parent)
    src = open_source("sqlite:///log.db", role="reference", table="t")
    assert src.input_files() == [db.resolve()]
    assert src.path == "sqlite:///log.db"


MIXES = {
    "int_then_real": ([1] * 1500 + [2.5], pa.float64()),
    "real_then_int": ([2.5] * 1500 + [1], pa.float64()),
    "int_then_text": ([1] * 1500 + ["x"], pa.string()),
    "text_then_int": (["x"] * 1500 + [1], pa.string()),
    "nulls_then_int": ([None] * 1500 + [1], pa.int64()),
    "nulls_then_text": ([None] * 1500 + ["late"], pa.string()),
    "only_nulls": ([None] * 1501, pa.null()),
    "utf8_blobs": ([b"abc"] * 1501, pa.string()),
    "blob_and_text": ([b"abc"] * 1500 + ["x"], pa.string()),
}


@pytest.mark.parametrize("mix", sorted(MIXES))
def test_columns_mixing_storage_classes_get_one_type(tmp_path, mix):
    values, expected = MIXES[mix]
    path = make_db(tmp_path / "mix.db", [(v, i) for i, v in enumerate(values)], "v, i")
    src = open_source(url(path), role="reference", table="t")
    assert src.schema().field("v").type == expected
    got = pa.Table.from_batches(list(src.batches(batch_rows=1024)))
    assert got.num_rows == len(values)
    py = got.column("v").to_pylist()
    if expected == pa.float64():
        assert py == [float(v) for v in values]
    elif expected == pa.string():
        text = [v.decode() if isinstance(v, bytes) else v for v in values]
        assert py == [None if v is None else str(v) for v in text]
    else:
        assert py == values


def test_blobs_that_are_not_utf8_are_one_line(tmp_path):
    path = make_db(tmp_path / "b.db", [(b"\xff\xfe", 1)] * 10, "v, i")
    src = open_source(url(path), role="current", table="t")
    with pytest.raises(InputError, match="column 'v' holds bytes that are not UTF-8"):
        src.read_all()


def test_missing_file_is_an_error_and_never_created(tmp_path):
    missing = tmp_path / "nope.db"
    with pytest.raises(InputError, match="reference database not found"):
        open_source(url(missing), role="reference", table="t")
    assert not missing.exists()


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"table": "missing"}, InputError, "no such table: missing"),
        ({"query": "SELECT nope FROM t"}, InputError, "no such column: nope"),
        ({"query": "SELEC 1"}, InputError, "syntax error"),
        ({}, UsageError, "needs a table or a query"),
        ({"table": "t", "query": "SELECT 1"}, UsageError, "not both"),
        ({"query": " ; "}, UsageError, "the query is empty"),
    ],
)
def test_sql_errors_are_one_line(db, kwargs, error, needle):
    with pytest.raises(error) as info:
        open_source(url(db), role="current", **kwargs)
    msg = str(info.value)
    assert needle in msg and "\n" not in msg


def test_empty_result_is_no_rows(db):
    with pytest.raises(InputError, match="no rows"):
        open_source(url(db), role="current", query="SELECT * FROM t WHERE a < 0")


def test_reading_never_writes_the_database(db):
    before = db.read_bytes()
    src = open_source(url(db), role="reference", table="t")
    src.read_all()
    with pytest.raises(InputError):
        open_source(url(db), role="current", query="DELETE FROM t RETURNING a")
    assert db.read_bytes() == before


def test_odd_table_and_column_names(tmp_path):
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as conn:
        conn.execute('CREATE TABLE "my ""table""" ("col one" INTEGER, "x;y" TEXT)')
        conn.executemany('INSERT INTO "my ""table""" VALUES (?, ?)', [(1, "a"), (2, "b")])
    conn.close()
    src = open_source(url(path), role="reference", table='my "table"')
    assert src.read_all().to_pydict() == {"col one": [1, 2], "x;y": ["a", "b"]}


@pytest.mark.parametrize(
    "bad", ["sqlite://log.db", "sqlite:///", "mysql://u:pw@host/db", "ftp://host/file.csv"]
)
def test_bad_urls_are_one_line(db, monkeypatch, bad):
    monkeypatch.chdir(db.parent)
    with pytest.raises((InputError, UsageError)) as info:
        open_source(bad, role="reference", table="t")
    assert "pw" not in str(info.value) and "\n" not in str(info.value)


def test_table_or_query_only_for_database_urls(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("a\n1\n")
    with pytest.raises(UsageError, match="only to a database URL"):
        open_source(csv, role="reference", table="t")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("postgresql://bob:s3cret@db.example:5432/app", "postgresql://bob:***@db.example:5432/app"),
        ("postgres://bob@db/app", "postgres://bob@db/app"),
        ("postgresql://:p%40ss@db/app?sslmode=require", "postgresql://:***@db/app?sslmode=require"),
        ("sqlite:////var/log.db", "sqlite:////var/log.db"),
    ],
)
def test_passwords_are_redacted(raw, shown):
    assert redact(raw) == shown


def test_unreachable_postgres_names_the_url_without_the_password():
    pytest.importorskip("adbc_driver_postgresql")
    with pytest.raises(InputError) as info:
        open_source("postgresql://bob:s3cret@127.0.0.1:1/app", role="current", table="t")
    msg = str(info.value)
    assert msg.startswith("postgresql://bob:***@127.0.0.1:1/app: ")
    assert "s3cret" not in msg and "\n" not in msg


def test_missing_postgres_driver_names_the_extra(monkeypatch):
    real = importlib.import_module

    def without_postgres(name: str, *args: Any) -> Any:
        if name.startswith("adbc_driver_postgresql"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_postgres)
    with pytest.raises(InputError, match=r"driftcli\[postgres\]"):
        open_source("postgres://bob:pw@127.0.0.1:1/app", role="current", table="t")


def test_sqlite_source_is_exported():
    assert SqliteSource.format == "sqlite"
