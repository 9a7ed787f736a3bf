"""Time windows (issue 10 items 2 and 6): parsing, the timezone rule, pushdown per source,
the example prediction log, and every window error as one line with exit code 2."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from driftcli.api import compare
from driftcli.errors import InputError, UsageError
from driftcli.sources import open_source
from driftcli.windows import (
    Bounds,
    Selection,
    after,
    parse_as_of,
    parse_instant,
    parse_window,
    to_utc,
    windowed,
)

START = datetime(2026, 1, 1)


# -- parsing and the timezone rule --------------------------------------------------------


def test_durations_and_ranges():
    assert parse_window("6h", "--w").duration == timedelta(hours=6)
    assert parse_window("7d", "--w").duration == timedelta(days=7)
    assert parse_window("4w", "--w").duration == timedelta(weeks=4)
    spec = parse_window("2026-03-01..2026-03-08T12:00:00", "--w")
    assert (spec.start, spec.end) == (datetime(2026, 3, 1), datetime(2026, 3, 8, 12))
    for bad in ("7", "7 days", "0d", "2026-03-08..2026-03-01", "x..y"):
        with pytest.raises(UsageError, match="--w"):
            parse_window(bad, "--w")


def test_offsets_become_utc_and_naive_is_utc():
    assert parse_instant("2026-03-01T02:00:00+02:00", "x") == datetime(2026, 3, 1)
    assert parse_instant("2026-03-01T00:00:00Z", "x") == datetime(2026, 3, 1)
    assert parse_instant("2026-03-01", "x") == datetime(2026, 3, 1)
    now = parse_as_of("now")
    assert now is not None and abs((now - datetime.utcnow()).total_seconds()) < 5
    assert after(datetime(2026, 3, 1, 10, 0, 0, 500)) == datetime(2026, 3, 1, 10, 0, 1)


def test_every_time_representation_converts_to_the_same_utc_instants():
    want = [datetime(2026, 1, 1, 0, 0), datetime(2026, 1, 1, 1, 30)]
    plus2 = timezone(timedelta(hours=2))
    aware = pa.array(
        [datetime(2026, 1, 1, 2, 0, tzinfo=plus2), datetime(2026, 1, 1, 3, 30, tzinfo=plus2)],
        pa.timestamp("s", "+02:00"),
    )
    arrays = [
        pa.array(want, pa.timestamp("us")),
        pa.array(want, pa.timestamp("ms", "UTC")),
        pa.array(["2026-01-01 00:00:00.000000", "2026-01-01T01:30:00"]),
        pa.array(["2026-01-01T02:00:00+02:00", "2026-01-01T01:30:00Z"]),
        pa.array([1767225600, 1767231000]),
        pa.array([1767225600.0, 1767231000.0]),
    ]
    for arr in arrays:
        assert to_utc(arr, "x", "ts").to_pylist() == want, arr.type
    assert to_utc(aware, "x", "ts").to_pylist() == [
        datetime(2026, 1, 1, 0, 0),
        datetime(2026, 1, 1, 1, 30),
    ]
    with pytest.raises(InputError, match="not timestamps"):
        to_utc(pa.array(["north", "south"]), "x", "ts")


# -- sources ------------------------------------------------------------------------------


def hourly(n: int = 24 * 40) -> dict[str, list[object]]:
    rng = np.random.default_rng(0)
    ts = [START + timedelta(hours=i) for i in range(n)]
    return {
        "ts": ts,
        "x": rng.normal(0, 1, n).round(6).tolist(),
        "k": [f"c{i % 3}" for i in range(n)],
    }


def sqlite_log(path: Path, data: dict[str, list[object]], *, epoch: bool) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE log (ts, x REAL, k TEXT)")
        rows = [
            (
                int((t - datetime(1970, 1, 1)).total_seconds())  # type: ignore[operator]
                if epoch
                else t.strftime("%Y-%m-%d %H:%M:%S.%f"),  # type: ignore[attr-defined]
                x,
                k,
            )
            for t, x, k in zip(data["ts"], data["x"], data["k"], strict=True)
        ]
        db.executemany("INSERT INTO log VALUES (?, ?, ?)", rows)
    db.close()
    return f"sqlite:///{path}"


@pytest.fixture
def data() -> dict[str, list[object]]:
    return hourly()


def test_sqlite_text_and_unix_seconds_give_the_same_windows(tmp_path, data):
    b = Bounds(datetime(2026, 1, 10), datetime(2026, 1, 12, 6))
    got = []
    for epoch in (False, True):
        url = sqlite_log(tmp_path / f"log{epoch}.db", data, epoch=epoch)
        src = open_source(url, role="current", table="log")
        win = windowed(url, src, "ts", b)
        assert win.schema().names == ["x", "k"]  # the time column is not compared
        got.append(win.read_all().to_pydict())
    assert got[0] == got[1]
    assert len(got[0]["x"]) == 54  # 2 days and 6 hours of hourly rows, end exclusive


def test_parquet_window_skips_row_groups(tmp_path, data):
    path = tmp_path / "log.parquet"
    pq.write_table(pa.table(data), path, row_group_size=24)  # one row group a day
    src = open_source(path, role="current")
    win = windowed(path, src, "ts", Bounds(datetime(2026, 1, 10), datetime(2026, 1, 12)))
    table = win.read_all()
    assert table.num_rows == 48
    assert win.rows_scanned == 48  # type: ignore[attr-defined]  # other row groups never decoded


def test_csv_window_filters_batches(tmp_path, data):
    path = tmp_path / "log.csv"
    pacsv.write_csv(pa.table(data), path)
    src = open_source(path, role="current")
    win = windowed(path, src, "ts", Bounds(datetime(2026, 1, 10), datetime(2026, 1, 12)))
    assert win.read_all().num_rows == 48


def test_same_log_in_sqlite_parquet_and_csv_gives_the_same_json(tmp_path, data):
    sel = Selection(table="log", time_column="ts", current_window="7d", reference_window="14d")
    url = sqlite_log(tmp_path / "log.db", data, epoch=False)
    pq.write_table(pa.table(data), tmp_path / "log.parquet", row_group_size=100)
    outs = []
    for source in (url, str(tmp_path / "log.parquet")):
        sel_for = sel if source == url else Selection(**{**sel.__dict__, "table": None})
        d = compare(source, selection=sel_for).to_dict()
        for side in ("reference", "current"):
            d[side].pop("path")
            d[side].pop("format")
        d.pop("generated_at")
        outs.append(d)
    assert outs[0] == outs[1]
    assert outs[0]["current"]["window"]["start"] == "2026-02-02T23:00:01Z"
    assert outs[0]["current"]["window"]["rows"] == 7 * 24
    assert outs[0]["reference"]["window"]["rows"] == 14 * 24


# -- the example log (acceptance) ---------------------------------------------------------


def test_example_7d_vs_30d_flags_exactly_the_documented_columns(cli, examples, tmp_path):
    out = tmp_path / "r.json"
    run = cli(
        "compare",
        f"sqlite:///{examples / 'predictions.db'}",
        "--table",
        "predictions",
        "--time-column",
        "ts",
        "--current-window",
        "7d",
        "--reference-window",
        "30d",
        "--fail-on",
        "column",
        "--json",
        out,
    )
    assert run.code == 1, run.err
    d = json.loads(out.read_text())
    assert sorted(c["name"] for c in d["columns"] if c["drift"]) == ["channel", "income"]
    assert d["current"]["window"] == {
        "time_column": "ts",
        "start": "2026-03-24T23:48:01Z",
        "end": "2026-03-31T23:48:01Z",
        "spec": "7d",
        "as_of": "2026-03-31T23:48:01Z",
        "rows": 840,
    }
    assert d["reference"]["window"]["end"] == d["current"]["window"]["start"]
    assert d["reference"]["window"]["rows"] == 3600
    assert "current window: 2026-03-24T23:48:01Z .. 2026-03-31T23:48:01Z" in run.out
    assert "ts" not in {c["name"] for c in d["columns"]}


# -- errors: one line, exit 2, no output file ---------------------------------------------


@pytest.fixture
def log_url(tmp_path, data) -> str:
    return sqlite_log(tmp_path / "log.db", data, epoch=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--time-column", "nope"], "time column 'nope' not found"),
        (["--time-column", "k"], "not timestamps"),
        (["--time-column", "ts", "--current-window", "2030-01-01..2030-01-02"], "holds no rows"),
        (["--time-column", "ts", "--current-window", "7x"], "--current-window"),
        (["--time-column", "ts", "--as-of", "yesterday"], "--as-of"),
        (["--current-window", "7d"], "need --time-column"),
        (["--time-column", "ts", "--query", "SELECT 1"], "cannot be combined"),
    ],
)
def test_window_errors_are_one_line(cli, tmp_path, log_url, args, message):
    out = tmp_path / "out.json"
    run = cli("compare", log_url, "--table", "log", *args, "--json", out)
    assert run.code == 2, run.out
    assert message in run.err and len(run.err.strip().splitlines()) == 1, run.err
    assert "Traceback" not in run.err and not out.exists()


def test_empty_window_names_its_bounds(cli, log_url):
    run = cli(
        "compare", log_url, "--table", "log", "--time-column", "ts",
        "--current-window", "2030-01-01..2030-01-02",
    )  # fmt: skip
    assert run.code == 2
    # both windows are empty: the one the user gave is named
    assert "current window 2030-01-01T00:00:00Z..2030-01-02T00:00:00Z holds no rows" in run.err


def test_window_before_the_data_warns_with_the_rows_covered(cli, log_url):
    run = cli(
        "compare", log_url, "--table", "log", "--time-column", "ts",
        "--reference-window", "2025-12-01..2026-01-03", "--current-window", "7d",
        "--min-rows", "10",
    )  # fmt: skip
    assert run.code in (0, 1), run.err
    assert "starts before the data (first row at 2026-01-01T00:00:00Z)" in run.err
    assert "(48 rows)" in run.err


@pytest.mark.parametrize(
    ("input_", "extra", "message"),
    [
        ("mysql://u@h/db", ["--table", "t"], "unknown URL scheme 'mysql'"),
        ("sqlite:///{tmp}/missing.db", ["--table", "t"], "database not found"),
        ("LOG", ["--table", "nope"], "no such table"),
        ("LOG", ["--query", "SELEC x FROM log"], "syntax error"),
        ("LOG", ["--table", "log", "--query", "SELECT 1"], "cannot be combined"),
    ],
)
def test_database_errors_are_one_line(cli, tmp_path, log_url, input_, extra, message):
    url = log_url if input_ == "LOG" else input_.format(tmp=tmp_path)
    out = tmp_path / "out.json"
    run = cli("compare", url, url, *extra, "--json", out)
    assert run.code == 2
    assert message in run.err and len(run.err.strip().splitlines()) == 1, run.err
    assert not out.exists() and not (tmp_path / "missing.db").exists()


def test_two_inputs_each_window_on_its_own_input(tmp_path, data):
    a = sqlite_log(tmp_path / "a.db", data, epoch=False)
    b = sqlite_log(tmp_path / "b.db", data, epoch=True)
    r = compare(a, b, selection=Selection(table="log", time_column="ts", reference_window="3d",
                                          current_window="1d"), min_rows=10)  # fmt: skip
    assert r.reference.window is not None and r.current.window is not None
    assert r.reference.window["end"] == r.current.window["end"]  # each ends at its own as-of
    assert (r.reference.rows, r.current.rows) == (72, 24)


def test_a_side_without_the_time_column_and_no_window_of_its_own_is_taken_whole(
    cli, tmp_path, data
):
    """A fixed training set (file or saved profile) against the last day of a log."""
    log = sqlite_log(tmp_path / "log.db", data, epoch=False)
    train = tmp_path / "train.parquet"
    pq.write_table(pa.table({"x": data["x"], "k": data["k"]}), train)
    sel = Selection(table="log", time_column="ts", current_window="1d")
    r = compare(train, log, selection=sel, min_rows=10)
    assert r.reference.window is None and r.reference.rows == len(data["x"])
    assert r.current.window is not None and r.current.rows == 24
    saved = tmp_path / "train.profile"
    assert cli("profile", train, "-o", saved, "-q").code == 0
    out = tmp_path / "out.json"
    run = cli("compare", saved, log, "--table", "log", "--time-column", "ts",
              "--current-window", "1d", "--min-rows", "10", "--json", out)  # fmt: skip
    assert run.code in (0, 1), run.err
    got = json.loads(out.read_text())
    assert got["reference"].get("window") is None and got["current"]["window"]["rows"] == 24
    assert {c["name"]: c["statistic"] for c in got["columns"]} == {
        c.name: c.statistic for c in r.columns
    }


@pytest.mark.parametrize("reference", ["train.parquet", "train.profile"])
def test_a_window_given_for_a_side_without_the_time_column_is_an_error(
    cli, tmp_path, data, reference
):
    log = sqlite_log(tmp_path / "log.db", data, epoch=False)
    train = tmp_path / "train.parquet"
    pq.write_table(pa.table({"x": data["x"], "k": data["k"]}), train)
    assert cli("profile", train, "-o", tmp_path / "train.profile", "-q").code == 0
    run = cli("compare", tmp_path / reference, log, "--table", "log", "--time-column", "ts",
              "--reference-window", "30d", "--current-window", "1d")  # fmt: skip
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1, run.err
    assert reference in run.err
    assert ("time column 'ts' not found" if reference.endswith("parquet") else
            "--reference-window needs a data input") in run.err  # fmt: skip
    both = cli("compare", train, train, "--time-column", "ts")
    assert both.code == 2 and "time column 'ts' is in neither input" in both.err


def test_per_side_queries(tmp_path, data):
    url = sqlite_log(tmp_path / "log.db", data, epoch=False)
    sel = Selection(
        reference_query="SELECT x, k FROM log WHERE k = 'c0'",
        current_query="SELECT x, k FROM log WHERE k = 'c1'",
    )
    r = compare(url, url, selection=sel)
    assert r.reference.rows == r.current.rows == 320


def test_examples_stay_under_two_megabytes(examples):
    total = sum(p.stat().st_size for p in examples.rglob("*") if p.is_file())
    assert total < 2 * 1024 * 1024, total


def test_sqlite_offsets_near_the_bounds_and_mixed_storage(tmp_path):
    path = tmp_path / "mixed.db"
    rows = [
        ("2026-01-10T23:30:00-02:00", 1.0),  # 2026-01-11 01:30 UTC: inside
        ("2026-01-11 02:00:00", 2.0),  # the end: outside
        ("2026-01-11T00:30:00+01:00", 3.0),  # 2026-01-10 23:30 UTC: outside
        ("2026-01-11", 4.0),  # midnight: the start, inside
    ]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (ts, x REAL)")
        db.executemany("INSERT INTO t VALUES (?, ?)", rows)
    db.close()
    b = Bounds(datetime(2026, 1, 11), datetime(2026, 1, 11, 2))
    url = f"sqlite:///{path}"

    def window_values() -> list[float]:
        src = open_source(url, role="current", table="t")
        from driftcli.windows import span

        span(url, src, "ts")  # learns how the column is stored
        return sorted(windowed(url, src, "ts", b).read_all().column("x").to_pylist())

    assert window_values() == [1.0, 4.0]
    with sqlite3.connect(path) as db:  # now mixed: Unix seconds beside ISO text
        db.execute("INSERT INTO t VALUES (?, ?)", (1768093200, 5.0))  # 2026-01-11 01:00 UTC
    db.close()
    assert window_values() == [1.0, 4.0, 5.0]
