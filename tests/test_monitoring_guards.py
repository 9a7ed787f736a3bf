"""Where cron and alerts look (the exit code, the Prometheus textfile, the history, the
Markdown step summary): a run that fails in any way shows as failed there too."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from driftcli.render import prometheus


def _exit_code(prom: Path) -> str:
    return re.search(r"^driftcli_exit_code(\{.*\})? (\S+)$", prom.read_text(), re.M).group(2)


@pytest.mark.parametrize(
    "bad",
    [
        ["--config", "CONFIG"],  # a typo in the config file
        ["--threshold", "inf"],
        ["--stattest", "nosuch"],
        ["--bogus"],  # not even parsed
        ["--notify-webhook", "ftp://x/y"],
    ],
)
def test_a_run_stopped_by_its_settings_still_writes_exit_code_2(cli, examples, tmp_path, bad):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("drift_shar = 0.3\n")
    prom = tmp_path / "drift.prom"
    prom.write_text("driftcli_exit_code 0\n")  # yesterday's pass
    hist = tmp_path / "h.sqlite"
    args = [str(cfg) if a == "CONFIG" else a for a in bad]
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    run = cli("compare", ref, cur, "-q", "--prometheus", prom, "--history", hist, *args)
    assert run.code == 2
    assert _exit_code(prom) == "2"
    with sqlite3.connect(hist) as conn:
        assert conn.execute("SELECT verdict, exit_code FROM runs").fetchall() == [("error", 2)]


def test_an_early_failure_never_writes_its_textfile_over_an_input(cli, examples, tmp_path):
    ref = tmp_path / "ref.csv"
    ref.write_bytes((examples / "reference.csv").read_bytes())
    before = ref.read_bytes()
    run = cli("compare", ref, examples / "current.parquet", "--bogus", "--prometheus", ref)
    assert run.code == 2 and ref.read_bytes() == before


def test_every_label_driftcli_sets_is_reserved(examples):
    import driftcli

    result = driftcli.compare(
        examples / "reference.parquet",
        examples / "current.parquet",
        segment_by=["device"],
        min_segment_ratio=0.8,
        multivariate=True,
    )
    text = prometheus.dumps(result, {})
    used = {k for k in re.findall(r'[{,]([a-z_]+)="', text)}
    assert used and used <= prometheus.RESERVED_LABELS


def test_a_pass_whose_alert_fails_says_exit_code_2_in_every_output(cli, examples, tmp_path):
    ref = examples / "reference.parquet"
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    cfg = tmp_path / "driftcli.toml"
    cfg.write_text("[notify]\nattempts = 1\ntimeout = 1.0\n")
    run = cli(
        "compare",
        ref,
        ref,
        "--config",
        cfg,
        "--notify-webhook",
        "http://127.0.0.1:9/hook",  # nothing listens on port 9
        "--notify",
        "always",
        "--json",
        out,
        "--markdown",
        md,
        "-q",
    )
    assert run.code == 2
    verdict = json.loads(out.read_text())["verdict"]
    assert verdict["passed"] is True and verdict["exit_code"] == 2
    assert "an alert could not be delivered" in verdict["reasons"][-1]
    assert md.read_text().startswith("## ⚠️ driftcli: drift check passed, but the run failed")


def test_markdown_stays_within_githubs_comment_limit(examples, tmp_path):
    import numpy as np

    import driftcli
    from driftcli.render import markdown

    rng = np.random.default_rng(0)
    names = [f"feature_with_a_rather_long_name_{i:04d}" for i in range(1_000)]
    ref = pd.DataFrame({n: rng.normal(size=200) for n in names})
    cur = pd.DataFrame({n: rng.normal(3, 1, size=200) for n in names})
    cur.iloc[:50] = np.nan
    result = driftcli.compare(ref, cur, fail_on=["column", "missing", "quality"])
    assert len(result.verdict.reasons) > 100
    text = markdown.dumps(result)
    assert len(text) <= markdown.MAX_CHARS
    assert "more (the JSON and HTML reports list all)" in text


#: A driftcli run whose step TARGET ("module:name") prints "reached" and then waits.
_SLOWED = """
import importlib, sys, time
from driftcli import cli
module, name = sys.argv[1].split(":")
def reached(*args, **kwargs):
    print("reached", flush=True)
    time.sleep(60)
setattr(importlib.import_module(module), name, reached)
cli.main(sys.argv[2:])
"""


def _slowed_in_child(target: str, *args: Any) -> subprocess.Popen[str]:
    """``driftcli ARGS`` in a child that stops at ``target``; returns once it is there."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOWED, target, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "reached"
    return proc


def test_sigterm_leaves_exit_code_2_in_the_textfile_and_the_history(examples, tmp_path):
    prom, hist = tmp_path / "drift.prom", tmp_path / "h.sqlite"
    args = [examples / "reference.parquet", examples / "current.parquet", "--prometheus", prom]
    args += ["--history", hist, "-q"]
    proc = _slowed_in_child("driftcli.cli:run_compare", "compare", *args)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "stopped by SIGTERM" in err
    assert _exit_code(prom) == "2"
    assert "driftcli_run_in_progress 0" in prom.read_text()
    with sqlite3.connect(hist) as conn:
        rows = conn.execute("SELECT verdict, exit_code, error FROM runs").fetchall()
    assert rows == [("error", 2, "stopped by SIGTERM; no output was half-written")]


@pytest.mark.parametrize("before", ["an earlier result", "no file"])
def test_ctrl_c_puts_the_textfile_back_as_it_was(examples, tmp_path, before):
    """Ctrl-C writes nothing: the "in progress" mark of the start is taken back."""
    prom = tmp_path / "drift.prom"
    args = [examples / "reference.parquet", examples / "current.parquet", "--prometheus", prom]
    if before == "an earlier result":
        subprocess.run([sys.executable, "-m", "driftcli", "compare", *map(str, args), "-q"])
        earlier = prom.read_text()
        assert "driftcli_column_drift_statistic" in earlier
    proc = _slowed_in_child("driftcli.cli:run_compare", "compare", *args, "-q")
    assert "driftcli_run_in_progress 1" in prom.read_text()  # marked at the start
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "stopped by SIGINT" in err
    if before == "no file":
        assert not prom.exists()
    else:
        assert prom.read_text() == earlier
    assert [p.name for p in tmp_path.iterdir()] == (["drift.prom"] if prom.exists() else [])


@pytest.mark.parametrize("stage", ["writing the outputs", "printing the table"])
def test_ctrl_c_after_the_record(examples, tmp_path, stage):
    """Before the outputs are written, Ctrl-C takes the record and the textfile's mark back;
    once they are written, the run stands as it finished."""
    prom, hist = tmp_path / "drift.prom", tmp_path / "h.sqlite"
    target = {
        "writing the outputs": "driftcli.cli:write_outputs",
        "printing the table": "driftcli.render.console:render",
    }[stage]
    args = [examples / "reference.parquet", examples / "current.parquet", "--prometheus", prom]
    proc = _slowed_in_child(target, "compare", *args, "--history", hist)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    with sqlite3.connect(hist) as conn:
        rows = conn.execute("SELECT verdict, exit_code FROM runs").fetchall()
    if stage == "writing the outputs":
        assert rows == [] and not prom.exists()
    else:
        assert rows == [("breached", 1)]
        assert _exit_code(prom) == "1" and "driftcli_run_in_progress 0" in prom.read_text()


def test_sigterm_after_the_record_marks_it_an_error(examples, tmp_path):
    hist = tmp_path / "h.sqlite"
    args = [examples / "reference.parquet", examples / "current.parquet", "--history", hist]
    # the run is recorded by the time it writes its outputs
    proc = _slowed_in_child("driftcli.cli:write_outputs", "compare", *args, "-q")
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 2
    with sqlite3.connect(hist) as conn:
        rows = conn.execute("SELECT verdict, exit_code, error FROM runs").fetchall()
    assert rows == [("error", 2, "stopped by SIGTERM; no output was half-written")]


def test_ctrl_c_before_a_timelines_outputs_takes_its_periods_back(examples, tmp_path):
    hist = tmp_path / "h.sqlite"
    log = f"sqlite:///{examples / 'predictions.db'}"
    args = ["--table", "predictions", "--time-column", "ts", "--every", "1w"]
    args += ["--history", hist, "--json", tmp_path / "t.json", "-q"]
    # the periods are recorded by the time it writes its files
    proc = _slowed_in_child("driftcli.cli:write_files", "timeline", log, *args)
    with sqlite3.connect(hist) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] > 0
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    with sqlite3.connect(hist) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert not (tmp_path / "t.json").exists()
