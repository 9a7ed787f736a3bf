"""Run history: recording under concurrency, migration, errors, persistence, change alerts."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.test_integrations import Hook

from driftcli import compare
from driftcli.history import open_history, record_run, store
from driftcli.history.gating import persisted
from driftcli.result import Result

FIXTURE = Path(__file__).parent / "fixtures" / "history_v1.sqlite"


def frames(shift: float, seed: int = 3, n: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(0, 1, n)})
    cur = pd.DataFrame({"a": rng.normal(shift, 1, n), "b": rng.normal(0, 1, n)})
    return ref, cur


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    """CSV inputs: ``ref``, ``same`` (no drift) and ``drifted`` (column ``a`` shifted)."""
    ref, cur = frames(1.5)
    paths = {"ref": tmp_path / "ref.csv", "same": tmp_path / "same.csv"}
    paths["drifted"] = tmp_path / "drifted.csv"
    ref.to_csv(paths["ref"], index=False)
    ref.sample(frac=1, random_state=0).to_csv(paths["same"], index=False)
    cur.to_csv(paths["drifted"], index=False)
    return paths


def one_result(shift: float = 1.5) -> Result:
    ref, cur = frames(shift)
    return compare(ref, cur)


# -- concurrency ----------------------------------------------------------------------------


def test_eight_processes_appending_fifty_runs_each_lose_none(tmp_path):
    _eight_writers(str(tmp_path / "history.sqlite"), tmp_path)
    db = str(tmp_path / "history.sqlite")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM columns").fetchone()[0] == 800


#: A PostgreSQL database the tests may empty and fill: the throwaway server .ci/run starts
#: (``DRIFTCLI_TEST_PG_URL``), or any scratch database given as ``DRIFTCLI_TEST_POSTGRES``.
POSTGRES = os.environ.get("DRIFTCLI_TEST_POSTGRES") or os.environ.get("DRIFTCLI_TEST_PG_URL")


def test_eight_processes_appending_to_postgresql_lose_none(tmp_path):
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL in CI: .ci/run should export DRIFTCLI_TEST_PG_URL")
        pytest.skip("no PostgreSQL server: DRIFTCLI_TEST_PG_URL is unset (source .ci/postgres.sh)")
    from adbc_driver_postgresql import dbapi

    with dbapi.connect(POSTGRES) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS columns, metrics, runs, schema_version")
        conn.commit()
    _eight_writers(POSTGRES, tmp_path)


def _eight_writers(db: str, folder: Path) -> None:
    """Eight separate processes (as cron starts them) append 50 runs each, all at once."""
    payload = folder / "result.json"
    payload.write_text(json.dumps(one_result().to_dict()))
    writer = Path(__file__).parent / "history_writer.py"
    procs = [
        subprocess.Popen(
            [sys.executable, str(writer), db, f"job{k}", str(payload), "50"],
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(8)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    hist = open_history(db, create=False)
    try:
        assert hist.count() == 400
        assert hist.monitors() == [f"job{k}" for k in range(8)]
        for k in range(8):
            runs = hist.runs(f"job{k}")
            assert len(runs) == 50
            assert all(set(r.columns) == {"a", "b"} for r in runs)
    finally:
        hist.close()


# -- schema, migration, refusals ------------------------------------------------------------


def test_the_committed_v1_fixture_opens_and_takes_new_runs(tmp_path):
    db = tmp_path / "h.sqlite"
    shutil.copy(FIXTURE, db)
    hist = open_history(str(db))
    try:
        runs = hist.runs("fixture")
        assert [r.verdict for r in runs] == ["passed", "breached", "breached", "error"]
        assert runs[1].columns["a"]["drift"] is True
        assert runs[3].error == "current file not found: missing.csv"
        hist.record(one_result(), monitor="fixture")
        assert len(hist.runs("fixture")) == 5
        assert hist.version() == store.SCHEMA_VERSION
    finally:
        hist.close()


def test_an_older_schema_is_migrated_forward_in_place(tmp_path, monkeypatch):
    db = tmp_path / "h.sqlite"
    shutil.copy(FIXTURE, db)
    step = ["ALTER TABLE runs ADD COLUMN note TEXT", "UPDATE runs SET note = 'migrated'"]
    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, step])
    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    hist = open_history(str(db))
    try:
        assert hist.version() == 2
        assert len(hist.runs("fixture")) == 4
    finally:
        hist.close()
    with sqlite3.connect(db) as conn:
        assert {r[0] for r in conn.execute("SELECT note FROM runs")} == {"migrated"}


def _unchanged(cli, path: Path, args: list[str], message: str) -> None:
    before = path.read_bytes()
    run = cli(*args)
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], run.err
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_corrupt_foreign_and_newer_databases_are_refused_untouched(cli, data, tmp_path):
    args = ["compare", data["ref"], data["same"], "-q", "--history"]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all\n" * 100)
    _unchanged(cli, junk, [*args, junk], "not a driftcli history (not a SQLite database)")

    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE runs (x INTEGER)")
    conn.commit()
    conn.close()
    _unchanged(cli, foreign, [*args, foreign], "not a driftcli history")

    newer = tmp_path / "newer.db"
    shutil.copy(FIXTURE, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    _unchanged(cli, newer, [*args, newer], "newer than this driftcli knows")
    _unchanged(cli, newer, ["history", newer], "upgrade driftcli")


def test_history_of_a_missing_file_or_an_unknown_monitor_is_exit_2(cli, data, tmp_path):
    db = tmp_path / "h.db"
    run = cli("history", db)
    assert run.code == 2 and "no such history database" in run.err
    assert not db.exists()
    assert cli("compare", data["ref"], data["same"], "-q", "--history", db).code == 0
    run = cli("history", db, "--monitor", "nightly")
    assert run.code == 2
    assert "no runs of monitor 'nightly'" in run.err and "default" in run.err
    record_run(str(db), one_result(), monitor="other")
    run = cli("history", db)
    assert run.code == 0 and "monitor default: 1 runs" in run.out
    assert cli("history", db, "--monitor", "other").code == 0


def test_history_without_monitor_shows_the_only_one(cli, tmp_path):
    db = tmp_path / "h.db"
    _week(db)
    run = cli("history", db)
    assert run.code == 0 and "monitor nightly: 7 runs" in run.out


# -- recording from the CLI -----------------------------------------------------------------


def test_compare_records_verdicts_columns_metrics_and_failures(cli, data, tmp_path):
    db = tmp_path / "h.db"
    assert cli("compare", data["ref"], data["drifted"], "-q", "--history", db).code == 1
    assert cli("compare", data["ref"], data["same"], "-q", "--history", db).code == 0
    run = cli("compare", data["ref"], tmp_path / "nope.csv", "-q", "--history", db)
    assert run.code == 2
    hist = open_history(str(db), create=False)
    try:
        runs = hist.runs("default")
    finally:
        hist.close()
    assert [(r.verdict, r.exit_code) for r in runs] == [
        ("breached", 1),
        ("passed", 0),
        ("error", 2),
    ]
    a = runs[0].columns["a"]
    assert a["drift"] is True and a["test"] and a["threshold"] is not None
    assert runs[0].drifted_columns == 1 and runs[0].total_columns == 2
    assert runs[0].reference == str(data["ref"])
    assert "not found" in (runs[2].error or "")
    assert runs[0].settings_digest == runs[1].settings_digest


def test_urls_are_stored_with_passwords_redacted(tmp_path):
    db = str(tmp_path / "h.db")
    hist = open_history(db)
    try:
        hist.record_error("boom", reference="postgresql://me:s3cret@db.local/x")
        assert hist.runs()[0].reference == "postgresql://me:***@db.local/x"
    finally:
        hist.close()


def test_a_history_that_cannot_be_written_is_one_line_and_exit_2_outputs_still_written(
    cli, data, tmp_path, monkeypatch
):
    db = tmp_path / "h.db"
    assert cli("compare", data["ref"], data["same"], "-q", "--history", db).code == 0
    monkeypatch.setattr(store, "BUSY_TIMEOUT", 0.2)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock for too long
    try:
        out = tmp_path / "r.json"
        run = cli("compare", data["ref"], data["same"], "-q", "--history", db, "--json", out)
        assert run.code == 2
        assert run.err.count("\n") == 1 and "history not written" in run.err
        assert json.loads(out.read_text())["verdict"]["passed"] is True
        run = cli("compare", data["ref"], data["drifted"], "-q", "--history", db)
        assert run.code == 1 and "history not written" in run.err
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    hist = open_history(str(db), create=False)
    try:
        assert len(hist.runs()) == 1
    finally:
        hist.close()


# -- persisted -------------------------------------------------------------------------------


def test_persisted_breaches_on_the_nth_consecutive_drifted_run_and_not_before(cli, data, tmp_path):
    db = tmp_path / "h.db"
    gate = ["--fail-on", "persisted", "--persist", "3", "--history", db, "-q"]

    def code(current: str) -> int:
        return cli("compare", data["ref"], data[current], *gate).code

    assert [code("drifted"), code("drifted")] == [0, 0]
    assert code("drifted") == 1  # the third in a row
    assert code("drifted") == 1
    assert code("same") == 0  # the streak ends
    assert [code("drifted"), code("drifted"), code("drifted")] == [0, 0, 1]


def test_persisted_streaks_skip_runs_that_could_not_run(cli, data, tmp_path):
    db = tmp_path / "h.db"
    gate = ["--fail-on", "persisted", "--persist", "2", "--history", db]
    assert cli("compare", data["ref"], data["drifted"], *gate, "-q").code == 0
    assert cli("compare", data["ref"], tmp_path / "nope.csv", *gate, "-q").code == 2
    run = cli("compare", data["ref"], data["drifted"], *gate, "--json", "-")
    assert run.code == 1
    assert json.loads(run.out)["verdict"]["reasons"] == [
        "dataset drift persisted: detected in 2 consecutive runs",
        "drift persisted in 2 consecutive runs: 'a'",
    ]


def test_persisted_combines_with_other_conditions_by_or(cli, data, tmp_path):
    db = tmp_path / "h.db"
    only = ["--fail-on", "persisted", "--persist", "2", "--history", db, "--json", "-"]
    run = cli("compare", data["ref"], data["drifted"], *only)
    assert run.code == 0
    reasons = json.loads(run.out)["verdict"]["reasons"]
    assert "persisted: drift not yet in 2 consecutive runs ('a' 1/2)" in reasons
    both = ["--fail-on", "persisted,dataset", "--history", tmp_path / "b.db", "-q"]
    assert cli("compare", data["ref"], data["drifted"], *both).code == 1  # dataset at once


def test_persisted_needs_a_history_and_persist_needs_persisted(cli, data):
    run = cli("compare", data["ref"], data["same"], "--fail-on", "persisted")
    assert run.code == 2 and "needs --history" in run.err
    run = cli("compare", data["ref"], data["same"], "--persist", "2")
    assert run.code == 2 and "--persist applies to --fail-on persisted" in run.err


def test_persisted_counts_the_dataset_too():
    result = one_result()
    assert result.dataset_drift.detected
    assert persisted(result, [], 1) == [
        "dataset drift persisted: detected in 1 consecutive runs",
        "drift persisted in 1 consecutive runs: 'a'",
    ]
    assert persisted(result, [], 2) == []


# -- notify changes --------------------------------------------------------------------------


def test_notify_changes_alerts_exactly_on_transitions(cli, data, tmp_path):
    db = tmp_path / "h.db"
    sequence = ["same", "drifted", "drifted", "same", "same", "drifted", "same"]
    sent_after: list[int] = []
    with Hook() as hook:
        for i, current in enumerate(sequence):
            args = ["--history", db, "--notify", "changes", "--notify-webhook", hook.url, "-q"]
            before = len(hook.bodies)
            cli("compare", data["ref"], data[current], *args)
            if len(hook.bodies) > before:
                sent_after.append(i)
    assert sent_after == [1, 3, 5, 6]
    texts = [b["text"] for b in hook.bodies]
    assert [t.split(" ")[1] for t in texts] == ["BREACHED", "PASSED", "BREACHED", "PASSED"]


def test_notify_changes_alerts_on_a_first_breach_and_needs_a_history(cli, data, tmp_path):
    with Hook() as hook:
        args = ["--notify", "changes", "--notify-webhook", hook.url, "-q"]
        run = cli("compare", data["ref"], data["same"], *args)
        assert run.code == 2 and "--notify changes needs --history" in run.err
        cli("compare", data["ref"], data["drifted"], *args, "--history", tmp_path / "a.db")
    assert len(hook.bodies) == 1


# -- history command and reports -------------------------------------------------------------


def _week(db: Path) -> None:
    """Seven daily runs: drift appears on day 4 and stays."""
    for day in range(7):
        result = one_result(1.5 if day >= 3 else 0.0)
        result = replace(result, generated_at=f"2026-03-0{day + 1}T06:00:00.000000+00:00")
        record_run(str(db), result, monitor="nightly")


def test_history_table_json_filters_and_html(cli, tmp_path):
    db = tmp_path / "h.db"
    _week(db)
    run = cli("history", db, "--monitor", "nightly", "--column", "a")
    assert run.code == 0
    assert run.out.count("BREACHED") == 4 and "column a" in run.out
    run = cli("history", db, "--monitor", "nightly", "--last", "3", "--json", "-")
    doc = json.loads(run.out)
    assert [r["time"][:10] for r in doc["runs"]] == ["2026-03-05", "2026-03-06", "2026-03-07"]
    assert doc["runs"][0]["top_drifted"] == ["a"]
    assert [p["drift"] for p in doc["columns"]["a"]] == [True, True, True]
    run = cli("history", db, "--monitor", "nightly", "--since", "2026-03-06", "--json", "-")
    assert len(json.loads(run.out)["runs"]) == 2
    page = tmp_path / "h.html"
    assert cli("history", db, "--monitor", "nightly", "--html", page).code == 0
    html = page.read_text()
    charts = json.loads(html.split('id="driftcli-charts">')[1].split("</script>")[0])["charts"]
    assert {c["id"] for c in charts} == {"chart-dataset", "chart-col-0", "chart-col-1"}
    col = next(c for c in charts if c["name"] == "a")
    assert col["type"] == "trend" and len(col["y"]) == 7 and col["drift"][3:] == [True] * 4
    assert "cdn" not in html.lower() or "https://cdn" not in html
    assert cli("history", db, "--monitor", "nightly", "--column", "zzz").code == 2
    assert cli("history", db, "--monitor", "nightly", "--since", "March").code == 2


def test_the_report_shows_each_columns_recent_trend(cli, data, tmp_path):
    db = tmp_path / "h.db"
    for current in ("same", "drifted"):
        cli("compare", data["ref"], data[current], "-q", "--history", db)
    page = tmp_path / "r.html"
    cli("compare", data["ref"], data["drifted"], "-q", "--history", db, "--html", page)
    html = page.read_text()
    charts = json.loads(html.split('id="driftcli-charts">')[1].split("</script>")[0])["charts"]
    sparks = {c["name"]: c for c in charts if c["type"] == "trend"}
    assert set(sparks) == {"a", "b"}
    assert sparks["a"]["drift"] == [False, True, True] and sparks["a"]["small"] is True
    assert f'id="{sparks["a"]["id"]}"' in html
    plain = tmp_path / "plain.html"
    cli("compare", data["ref"], data["drifted"], "-q", "--html", plain)
    assert 'class="spark"' not in plain.read_text()


def test_the_readme_history_output_is_what_the_command_prints(cli, monkeypatch):
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    readme = (root / "README.md").read_text()
    block = readme.split("$ driftcli history examples/history_week.sqlite", 1)[1]
    command, rest = block.split("\n", 1)
    shown = rest.split("```", 1)[0].rstrip("\n").splitlines()
    before = (root / "examples" / "history_week.sqlite").read_bytes()
    run = cli("history", "examples/history_week.sqlite", *command.split())
    assert run.code == 0
    assert run.out.rstrip("\n").splitlines() == shown
    assert (root / "examples" / "history_week.sqlite").read_bytes() == before


def test_a_postgres_history_without_the_driver_names_the_extra(cli, data, monkeypatch):
    import importlib

    real = importlib.import_module

    def without_postgres(name: str, *args: Any) -> Any:
        if name.startswith("adbc_driver_postgresql"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_postgres)
    url = "postgresql://me:pw@127.0.0.1:1/x"
    run = cli("compare", data["ref"], data["same"], "--history", url)
    assert run.code == 2 and "driftcli[postgres]" in run.err and "pw" not in run.err


def test_the_history_file_may_not_be_an_input_or_another_output(cli, data, tmp_path):
    run = cli("compare", data["ref"], data["same"], "--history", data["same"])
    assert run.code == 2 and "would overwrite the input" in run.err
    db = tmp_path / "h.db"
    run = cli("compare", data["ref"], data["same"], "--history", db, "--json", db)
    assert run.code == 2 and "writes the same file" in run.err
    assert not db.exists()


@pytest.mark.browser
def test_history_page_and_sparklines_draw_every_chart_in_chromium(cli, data, tmp_path):
    """The trend page and a report with sparklines in Chromium: all charts drawn by load."""
    from tests.test_html import needs_chromium, open_in_browser

    needs_chromium()
    db = tmp_path / "h.db"
    _week(db)
    page = tmp_path / "week.html"
    assert cli("history", db, "--monitor", "nightly", "--html", page).code == 0
    seen = open_in_browser(page, tmp_path / "week.png")
    assert seen.errors == [] and seen.blocked == []
    assert seen.charts_state == "done" and seen.charts_drawn == seen.plots == 3
    for current in ("same", "drifted"):
        cli("compare", data["ref"], data[current], "-q", "--history", db)
    report = tmp_path / "r.html"
    cli("compare", data["ref"], data["drifted"], "-q", "--history", db, "--html", report)
    seen = open_in_browser(report, tmp_path / "r.png")
    assert seen.errors == [] and seen.charts_state == "done"
    assert seen.panels == {"a": 2, "b": 2}  # the distribution and the sparkline
