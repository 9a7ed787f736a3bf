"""``driftcli timeline`` (issue 10 item 3): periods aligned in UTC, one pass over the source,
every period against the reference and the previous one, the gate on the latest complete
period, incomplete and small periods shown but never gated."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import EXAMPLES
from driftcli.errors import InputError, UsageError
from driftcli.settings import Settings
from driftcli.sources import open_source
from driftcli.timeline import parse_every, period_edges, run_timeline
from driftcli.windows import Selection

DB = f"sqlite:///{EXAMPLES / 'predictions.db'}"


def test_periods_are_aligned_in_utc():
    first, as_of = datetime(2026, 1, 7, 13, 5), datetime(2026, 3, 2, 0, 0, 1)
    weeks = period_edges(first, as_of, parse_every("1w"))
    assert weeks[0] == datetime(2026, 1, 5) and all(e.weekday() == 0 for e in weeks)
    months = period_edges(first, as_of, parse_every("1mo"))
    assert months == [datetime(2026, m, 1) for m in (1, 2, 3)] + [datetime(2026, 4, 1)]
    days = period_edges(first, datetime(2026, 1, 9), parse_every("1d"))
    assert days == [datetime(2026, 1, 7), datetime(2026, 1, 8), datetime(2026, 1, 9)]
    for bad in ("1", "0d", "1y", "day"):
        with pytest.raises(UsageError, match="--every"):
            parse_every(bad)


def test_example_timeline_starts_the_drift_in_the_documented_week(cli, tmp_path):
    out, page = tmp_path / "t.json", tmp_path / "t.html"
    run = cli(
        "timeline", DB, "--table", "predictions", "--time-column", "ts", "--every", "1w",
        "--reference-window", "30d", "--fail-on", "column", "--json", out, "--html", page,
    )  # fmt: skip
    assert run.code == 1, run.err
    data = json.loads(out.read_text())
    periods = data["periods"]
    drifted = [p for p in periods if p["vs_reference"] and p["vs_reference"]["drifted"]]
    assert drifted[0]["start"] == "2026-03-23T00:00:00Z"  # the week of 2026-03-25
    assert sorted(drifted[0]["vs_reference"]["drifted"]) == ["channel", "income"]
    assert drifted[0]["vs_previous"]["columns"]["income"]["drift"] is True
    assert sum(p["rows"] for p in periods) == 10_800  # one pass, every row in one period
    last = periods[-1]
    assert last["start"] == "2026-03-30T00:00:00Z" and not last["complete"]
    assert "incomplete" in last["note"]
    assert data["verdict"]["period"]["start"] == "2026-03-23T00:00:00Z"
    assert data["reference"]["window"] == {
        "start": "2025-12-29T00:00:00Z",
        "end": "2026-01-28T00:00:00Z",
    }
    assert "ts" not in data["columns"]
    assert "2026-03-23" in run.out and "H|H" in run.out
    html = page.read_text()
    assert "Plotly.newPlot" in html and "heatmap" in html and "income" in html


def test_the_gate_follows_the_latest_complete_period_only(tmp_path):
    """Drift only in an incomplete last day: shown, never gated."""
    rng = np.random.default_rng(1)
    n = 24 * 6 * 10  # ten days, a row every 10 minutes
    ts = [datetime(2026, 1, 1) + timedelta(minutes=10 * i) for i in range(n)]
    x = rng.normal(0, 1, n)
    x[-60:] += 5  # the last ten hours drift
    path = tmp_path / "log.parquet"
    pq.write_table(pa.table({"ts": ts[:-30], "x": x[:-30]}), path)
    data = run_timeline(
        str(path),
        Settings(fail_on=["column"]),
        Selection(time_column="ts", as_of="2026-01-10T20:00:00"),
        every="1d",
    )
    last = data["periods"][-1]
    assert not last["complete"] and last["vs_reference"]["drifted"] == ["x"]
    assert data["verdict"]["exit_code"] == 0
    assert data["verdict"]["period"]["start"] == "2026-01-09T00:00:00Z"


def test_small_periods_are_not_checked(tmp_path):
    ts = [datetime(2026, 1, 1) + timedelta(hours=i) for i in range(24 * 3)]
    ts += [datetime(2026, 1, 4, 1)]  # one row on the fourth day
    ts += [datetime(2026, 1, 5) + timedelta(minutes=10 * i) for i in range(144)]
    path = tmp_path / "log.csv"
    import pyarrow.csv as pacsv

    pacsv.write_csv(pa.table({"ts": ts, "x": np.arange(len(ts)) % 7 * 1.0}), path)
    data = run_timeline(
        str(path),
        Settings(min_rows=20),
        Selection(time_column="ts", as_of="2026-01-06"),
        every="1d",
    )
    day4 = next(p for p in data["periods"] if p["start"] == "2026-01-04T00:00:00Z")
    assert not day4["checked"] and "fewer than min_rows = 20" in day4["note"]
    day5 = data["periods"][-1]
    assert day5["checked"] and day5["vs_previous"] is None  # the day before was too small


def test_nothing_checkable_is_an_error(tmp_path):
    path = tmp_path / "log.parquet"
    pq.write_table(pa.table({"ts": [datetime(2026, 1, 1)] * 5, "x": [1.0] * 5}), path)
    with pytest.raises(InputError, match="no complete period"):
        run_timeline(str(path), Settings(), Selection(time_column="ts"), every="1d")


def test_a_reference_file_or_profile(tmp_path, cli):
    ref = tmp_path / "ref.parquet"
    src = open_source(DB, role="reference", query="SELECT * FROM predictions LIMIT 3000")
    pq.write_table(src.read_all(), ref)
    run = cli(
        "timeline", DB, "--table", "predictions", "--time-column", "ts", "--every", "1w",
        "--reference", ref, "--json", "-",
    )  # fmt: skip
    assert run.code in (0, 1), run.err
    data = json.loads(run.out)
    assert data["reference"]["kind"] == "input" and data["reference"]["rows"] == 3000
    profile = tmp_path / "ref.dprof"
    assert cli("profile", ref, "--ignore", "ts", "-o", profile).code == 0
    run2 = cli(
        "timeline", DB, "--table", "predictions", "--time-column", "ts", "--every", "1w",
        "--reference", profile, "--json", "-", "-q",
    )  # fmt: skip
    assert json.loads(run2.out)["periods"] == data["periods"]
