"""``timeline --history`` (issue 11 with the timeline of issue 10): one run per complete
period, in period order, stamped at the period's end with its window; periods already
recorded are skipped on a re-run; a timeline that cannot run is recorded as a failure;
``--fail-on persisted`` counts periods; ``driftcli history`` shows the per-period trend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import EXAMPLES
from driftcli.history import open_history
from driftcli.history.store import Run
from driftcli.history.view import top_drifted

DB = f"sqlite:///{EXAMPLES / 'predictions.db'}"
WEEKLY = [DB, "--table", "predictions", "--time-column", "ts", "--every", "1w"]
WEEKLY += ["--reference-window", "30d", "--fail-on", "column"]


def runs_of(target: str | Path, monitor: str = "default") -> list[Run]:
    hist = open_history(str(target), create=False)
    try:
        return hist.runs(monitor)
    finally:
        hist.close()


def test_a_timeline_records_one_run_per_complete_period_with_its_window(cli, tmp_path):
    db, out = tmp_path / "h.sqlite", tmp_path / "t.json"
    run = cli("timeline", *WEEKLY, "--history", db, "--monitor", "weekly", "--json", out)
    assert run.code == 1, run.err
    data = json.loads(out.read_text())
    complete = [p for p in data["periods"] if p["complete"] and p["checked"]]
    assert len(complete) == 13 and not data["periods"][-1]["complete"]
    runs = runs_of(db, "weekly")
    assert len(runs) == 13  # the incomplete last week is not recorded
    assert [(r.window or {}).get("start") for r in runs] == [p["start"] for p in complete]
    assert [(r.window or {}).get("end") for r in runs] == [p["end"] for p in complete]
    assert [r.started_at for r in runs] == [p["end"] for p in complete]  # stamped at its end
    assert [r.exit_code for r in runs] == [p["vs_reference"]["exit_code"] for p in complete]
    assert {r.command for r in runs} == {"timeline"}
    last = runs[-1]
    assert last.verdict == "breached" and sorted(top_drifted(last)) == ["channel", "income"]
    assert last.columns["income"]["drift"] is True and last.columns["age"]["drift"] is False
    assert last.current == DB and last.reference == DB
    assert len({r.settings_digest for r in runs}) == 1
    assert data["history"] == {
        "target": str(db),
        "monitor": "weekly",
        "recorded": 13,
        "skipped": 0,
        "not_recorded": 1,
    }
    assert "recorded 13 period(s) for monitor 'weekly'" in run.err
    hist = open_history(str(db), create=False)
    try:
        row = hist._rows("SELECT reference_info FROM runs WHERE id = ?", [last.id])[0]
    finally:
        hist.close()
    assert json.loads(row[0])["window"]["start"] == "2025-12-29T00:00:00Z"  # the 30d reference


def test_a_rerun_records_no_period_twice_and_a_later_one_only_the_new_periods(cli, tmp_path):
    db = tmp_path / "h.sqlite"
    early = cli("timeline", *WEEKLY, "--history", db, "--as-of", "2026-03-02")
    assert early.code == 0, early.err
    assert len(runs_of(db)) == 9  # weeks ending by 2026-03-02
    full = cli("timeline", *WEEKLY, "--history", db)
    assert full.code == 1
    assert "recorded 4 period(s)" in full.err and "skipped 9 already recorded" in full.err
    again = cli("timeline", *WEEKLY, "--history", db, "--json", "-")
    assert again.code == 1
    assert json.loads(again.out)["history"]["skipped"] == 13
    assert "recorded 0 period(s)" in again.err and "skipped 13 already recorded" in again.err
    runs = runs_of(db)
    assert len(runs) == 13
    starts = [(r.window or {})["start"] for r in runs]
    assert starts == sorted(set(starts))
    # other settings are another check: recorded again, beside the first
    other = cli("timeline", *WEEKLY, "--history", db, "--threshold", "0.3", "-q")
    assert other.code in (0, 1) and other.err == ""
    assert len(runs_of(db)) == 26


def test_two_timelines_at_once_record_each_period_once(tmp_path):
    db = tmp_path / "h.sqlite"
    cmd = [sys.executable, "-m", "driftcli", "timeline", *WEEKLY, "--history", str(db), "-q"]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, err
    runs = runs_of(db)
    assert len(runs) == 13
    assert len({(r.window or {})["start"] for r in runs}) == 13


def test_a_timeline_that_cannot_run_is_recorded_as_a_failure(cli, tmp_path):
    db = tmp_path / "h.sqlite"
    bad = cli("timeline", DB, "--table", "nope", "--time-column", "ts", "--history", db)
    assert bad.code == 2 and bad.err.count("\n") == 1
    also = cli("timeline", DB, "--table", "predictions", "--time-column", "ts", "--every", "1y")
    assert also.code == 2
    runs = runs_of(db)
    assert [(r.verdict, r.exit_code, r.command) for r in runs] == [("error", 2, "timeline")]
    assert runs[0].current == DB and "nope" in (runs[0].error or "")


def test_history_options_of_a_timeline_are_checked_before_reading(cli, tmp_path):
    base = [DB, "--table", "predictions", "--time-column", "ts"]
    assert "give --history DB" in cli("timeline", *base, "--monitor", "m").err
    run = cli("timeline", *base, "--fail-on", "persisted")
    assert run.code == 2 and "needs --history" in run.err
    run = cli("timeline", *base, "--persist", "2", "--history", tmp_path / "h.sqlite")
    assert run.code == 2 and "--fail-on persisted" in run.err
    [failed] = runs_of(tmp_path / "h.sqlite")  # a run that could not run, recorded as such
    assert failed.verdict == "error" and "--fail-on persisted" in (failed.error or "")


def test_history_shows_the_per_period_trend(cli, tmp_path):
    db = tmp_path / "h.sqlite"
    cli("timeline", *WEEKLY, "--history", db, "--monitor", "weekly", "-q")
    run = cli("history", db, "--monitor", "weekly", "--column", "income", "--last", "3")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == "monitor weekly: 3 runs"
    assert lines[1].split() == [
        "time", "(UTC)", "window", "verdict", "exit", "drifted", "top", "drifted", "columns",
    ]  # fmt: skip
    assert lines[4].split()[:6] == [
        "2026-03-30", "00:00", "2026-03-23..2026-03-30", "BREACHED", "1", "25%",
    ]  # fmt: skip
    trend = [ln.split() for ln in lines[lines.index("column income") + 2 :]]
    assert [t[0] for t in trend] == ["2026-03-16", "2026-03-23", "2026-03-30"]
    assert [t[-2] for t in trend] == ["no", "no", "DRIFT"]
    doc = json.loads(cli("history", db, "--monitor", "weekly", "--json", "-").out)
    assert doc["runs"][-1]["command"] == "timeline"
    assert doc["runs"][-1]["window"] == {
        "start": "2026-03-23T00:00:00Z",
        "end": "2026-03-30T00:00:00Z",
    }
    page = tmp_path / "h.html"
    assert cli("history", db, "--monitor", "weekly", "--html", page).code == 0
    assert "<td>2026-03-23..2026-03-30</td>" in page.read_text()


def drifting_log(path: Path, days: int = 8, drift_from: int = 4) -> None:
    """A row every 10 minutes for ``days`` days from 2026-01-01; ``x`` shifts by 3 from day
    ``drift_from`` (0-based) on, ``y`` never does."""
    rng = np.random.default_rng(7)
    n = days * 144
    ts = [datetime(2026, 1, 1) + timedelta(minutes=10 * i) for i in range(n)]
    x = rng.normal(0, 1, n)
    x[drift_from * 144 :] += 3
    pq.write_table(pa.table({"ts": ts, "x": x, "y": rng.normal(0, 1, n)}), path)


def test_persisted_counts_consecutive_drifted_periods(cli, tmp_path):
    log = tmp_path / "log.parquet"
    drifting_log(log)  # days 0-3 clean, 4-7 drifted
    base = [log, "--time-column", "ts", "--every", "1d", "--as-of", "2026-01-09"]
    db = tmp_path / "p2.sqlite"
    run = cli("timeline", *base, "--fail-on", "persisted", "--persist", "2", "--history", db)
    assert run.code == 1, run.err
    assert [r.exit_code for r in runs_of(db)] == [0, 0, 0, 0, 0, 1, 1, 1]
    first = runs_of(db)[4]
    assert any("'x' 1/2" in reason for reason in first.reasons)
    # the streak carries over the periods recorded by an earlier run of the timeline
    db3 = tmp_path / "p3.sqlite"
    opts = ["--fail-on", "persisted", "--persist", "3", "--history", db3]
    early = cli("timeline", *[*base[:-1], "2026-01-07"], *opts, "--json", tmp_path / "e.json")
    assert early.code == 0  # two drifted days so far: 2/3
    assert json.loads((tmp_path / "e.json").read_text())["verdict"]["reasons"][-1].endswith(
        "('x' 2/3)"
    )
    late = cli("timeline", *base, *opts)
    assert late.code == 1 and "skipped 6 already recorded" in late.err
    assert [r.exit_code for r in runs_of(db3)] == [0, 0, 0, 0, 0, 0, 1, 1]
    assert "drift persisted in 3 consecutive runs: 'x'" in late.out


def test_a_history_that_cannot_be_written_keeps_the_timeline_outputs(cli, tmp_path):
    log = tmp_path / "log.parquet"
    drifting_log(log, days=4, drift_from=9)  # no drift: the run passes
    db = tmp_path / "h.sqlite"
    base = [log, "--time-column", "ts", "--every", "1d", "--as-of", "2026-01-05"]
    assert cli("timeline", *base, "--history", db, "-q").code == 0
    hist = open_history(str(db))
    try:
        hist.conn.execute(
            "CREATE TRIGGER no_more BEFORE INSERT ON runs "
            "BEGIN SELECT RAISE(FAIL, 'read-only'); END"
        )
    finally:
        hist.close()
    out = tmp_path / "t.json"
    run = cli(
        "timeline", *base, "--history", db, "--every", "12h", "--min-rows", "50", "--json", out
    )
    assert run.code == 2  # a pass that could not be recorded
    assert "history not written" in run.err and "read-only" in run.err
    assert json.loads(out.read_text())["history"]["error"]


#: A PostgreSQL database the tests may empty and fill (as in test_history.py).
POSTGRES = os.environ.get("DRIFTCLI_TEST_POSTGRES") or os.environ.get("DRIFTCLI_TEST_PG_URL")


def test_a_timeline_history_in_postgresql_skips_recorded_periods(cli, tmp_path):
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL in CI: .ci/run should export DRIFTCLI_TEST_PG_URL")
        pytest.skip("no PostgreSQL server: DRIFTCLI_TEST_PG_URL is unset (source .ci/postgres.sh)")
    from adbc_driver_postgresql import dbapi

    with dbapi.connect(POSTGRES) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS columns, metrics, runs, schema_version")
        conn.commit()
    monitor = ["--history", POSTGRES, "--monitor", "weekly-pg"]
    assert cli("timeline", *WEEKLY, *monitor, "--as-of", "2026-03-02", "-q").code == 0
    run = cli("timeline", *WEEKLY, *monitor)
    assert run.code == 1 and "recorded 4 period(s)" in run.err and "skipped 9" in run.err
    runs = runs_of(POSTGRES, "weekly-pg")
    assert len(runs) == 13 and runs[-1].verdict == "breached"
    assert (runs[-1].window or {})["start"] == "2026-03-23T00:00:00Z"
    shown = cli("history", POSTGRES, "--monitor", "weekly-pg", "--last", "1")
    assert "2026-03-23..2026-03-30" in shown.out


def test_the_readme_timeline_history_output_is_what_the_commands_print(cli, tmp_path, monkeypatch):
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    readme = (root / "README.md").read_text()
    block = readme.split("**A timeline into the history.**", 1)[1].split("```console\n", 1)[1]
    block = block.split("```", 1)[0].replace("\\\n    ", "")
    lines = block.rstrip("\n").splitlines()
    db = str(tmp_path / "weekly.sqlite")
    timeline, history = (ln.removeprefix("$ driftcli ").split() for ln in lines[:2])
    assert cli(*[db if w == "/tmp/weekly.sqlite" else w for w in timeline]).code == 1
    run = cli(*[db if w == "/tmp/weekly.sqlite" else w for w in history])
    assert run.code == 0 and run.out.rstrip("\n").splitlines() == lines[2:]
