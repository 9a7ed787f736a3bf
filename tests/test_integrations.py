"""CI and monitoring outputs (JUnit, Markdown, GitHub annotations, Prometheus) and alerts
(webhook, SMTP), each checked against a parser or a local server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from junitparser import Failure, JUnitXml, Skipped
from prometheus_client.parser import text_string_to_metric_families

from driftcli import compare
from driftcli.config import EmailSettings, NotifySettings
from driftcli.notify import Delivery, notify, retry, slack_payload
from driftcli.render import github, junit, markdown, prometheus
from driftcli.result import Result

WEIRD = 'we|ird *name* "q" \\ [x](y) <b>'


@pytest.fixture(autouse=True)
def _no_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """Drift in ``shifted`` and ``WEIRD``; an id-like column (skipped), a column missing from
    current, and a type change (numbers -> strings)."""
    rng = np.random.default_rng(7)
    n = 400
    ref = pd.DataFrame(
        {
            "shifted": rng.normal(0, 1, n),
            "steady": rng.normal(0, 1, n),
            WEIRD: rng.normal(0, 1, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "user_id": [f"u{i}" for i in range(n)],
            "gone": rng.normal(0, 1, n),
            "typed": rng.integers(0, 1000, n),
        }
    )
    cur = pd.DataFrame(
        {
            "shifted": rng.normal(1.5, 1, n),
            "steady": rng.permutation(ref["steady"].to_numpy()),  # same values: no drift
            WEIRD: rng.normal(2, 1, n),
            "colour": rng.permutation(ref["colour"].to_numpy()),
            "user_id": [f"v{i}" for i in range(n)],
            "typed": [f"x{i}" for i in range(n)],
        }
    )
    rp, cp = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.to_csv(rp, index=False)
    cur.to_csv(cp, index=False)
    return rp, cp


@pytest.fixture
def result(inputs: tuple[Path, Path]) -> Result:
    return compare(*inputs)


def with_performance(result: Result) -> Result:
    result.performance = {
        "task": "classification",
        "metrics": [
            {
                "name": "accuracy",
                "reference": 0.9,
                "current": 0.7,
                "change": -0.2,
                "relative_change": -0.22,
                "breached": True,
            },
            {
                "name": "f1",
                "reference": 0.8,
                "current": 0.79,
                "change": -0.01,
                "relative_change": -0.0125,
                "breached": False,
            },
        ],
        "breaches": ["accuracy dropped from 0.9 to 0.7 (-22.2%, more than 5%)"],
    }
    return result


# -- JUnit -------------------------------------------------------------------------------------


def junit_counts(result: Result) -> tuple[int, int, int]:
    sc = result.schema_changes
    changed = {c["column"] for c in sc.type_changed}
    tests = len(result.columns) + len(sc.missing_in_current) + 1
    failures = sum(c.drift for c in result.columns) + len(changed) + len(sc.missing_in_current)
    failures += result.dataset_drift.detected
    skipped = sum(not c.tested and c.name not in changed for c in result.columns)
    if result.performance:
        tests += len(result.performance["metrics"])
        failures += sum(m["breached"] for m in result.performance["metrics"])
    if result.missing:  # driftcli.missing: a case per column
        tests += len(result.missing["columns"])
        failures += sum(r["drift"] for r in result.missing["columns"])
    if result.quality:  # driftcli.quality: a case per check that found something
        tests += len(result.quality["checks"])
        failures += sum(bool(c["failed"]) for c in result.quality["checks"])
    return tests, failures, skipped


def test_junit_parses_and_counts_match_the_result(cli, inputs, tmp_path):
    path = tmp_path / "reports" / "drift.xml"
    run = cli("compare", *inputs, "--junit", path, "--json", tmp_path / "r.json")
    assert run.code == 1, run.err
    res = Result.from_dict(json.loads((tmp_path / "r.json").read_text()))
    xml = JUnitXml.fromfile(str(path))
    xml.update_statistics()
    tests, failures, skipped = junit_counts(res)
    assert (xml.tests, xml.failures, xml.skipped, xml.errors) == (tests, failures, skipped, 0)
    cases = {case.name: case for suite in xml for case in suite}
    assert isinstance(cases["shifted"].result[0], Failure)
    assert cases["shifted"].result[0].type == "drift"
    assert cases["steady"].is_passed
    assert isinstance(cases["user_id"].result[0], Skipped)
    assert cases["gone"].result[0].type == "schema"
    assert cases["typed"].result[0].type == "schema"
    assert WEIRD in cases  # XML escaping round-trips any name
    expected = {"driftcli.columns", "driftcli.dataset", "driftcli.missing"}
    expected |= {"driftcli.quality"} if res.quality and res.quality["checks"] else set()
    assert {s.name for s in xml} == expected


def test_junit_has_a_case_per_performance_metric(result, tmp_path):
    res = with_performance(result)
    path = tmp_path / "j.xml"
    junit.write(res, path)
    xml = JUnitXml.fromfile(str(path))
    xml.update_statistics()
    assert (xml.tests, xml.failures, xml.skipped) == junit_counts(res)
    perf = next(s for s in xml if s.name == "driftcli.performance")
    cases = {c.name: c for c in perf}
    assert set(cases) == {"accuracy", "f1"}
    assert "accuracy dropped" in cases["accuracy"].result[0].message
    assert cases["f1"].is_passed


def test_junit_shows_controls_and_replaces_what_xml_cannot_hold(result, tmp_path):
    import xml.etree.ElementTree as ET

    result.columns[0].name = "bad\x01name\x1f"
    result.columns[0].test = "ks\x02"  # in the failure message and details
    untested = next(c for c in result.columns if not c.tested)
    untested.skipped_reason = "why\x00not"
    result.schema_changes.missing_in_current = ["gone\x0b"]
    result.reference.path = "ref\x7f\x08.csv"
    path = tmp_path / "j.xml"
    junit.write(result, path)
    tree = ET.parse(path)  # the stdlib parser rejects any forbidden character
    names = [c.get("name") for c in tree.iter("testcase")]
    assert "bad\\x01name\\x1f" in names and "gone\\x0b" in names  # shown, not hidden
    assert any(s.get("message") == "why\\x00not" for s in tree.iter("skipped"))
    props = {p.get("name"): p.get("value") for p in tree.iter("property")}
    assert props["reference"] == "ref\\x7f\\x08.csv"
    JUnitXml.fromfile(str(path))  # and so does junitparser's
    assert junit.xml_safe("tab\there\nline\r") == "tab\there\nline\\r"
    assert junit.xml_safe("\ud800\ufffe\uffff\U0001f680") == "\ufffd\ufffd\ufffd\U0001f680"


def model_frames(rows: int = 400, *, drift_prediction: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A binary task: ``y`` the target, ``pred`` the prediction; ``pred`` shifts on request."""
    rng = np.random.default_rng(3)
    y_ref, y_cur = rng.integers(0, 2, rows), rng.integers(0, 2, rows)
    pred_ref = np.where(rng.random(rows) < 0.9, y_ref, 1 - y_ref)
    pred_cur = (
        np.where(rng.random(rows) < 0.9, 1, 0)
        if drift_prediction
        else np.where(rng.random(rows) < 0.9, y_cur, 1 - y_cur)
    )
    ref = pd.DataFrame({"x": rng.normal(0, 1, rows), "y": y_ref, "pred": pred_ref})
    cur = pd.DataFrame({"x": rng.normal(0, 1, rows), "y": y_cur, "pred": pred_cur})
    return ref, cur


def test_junit_has_a_case_per_checked_model_column(cli, tmp_path):
    ref, cur = model_frames(drift_prediction=True)
    rp, cp = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.to_csv(rp, index=False)
    cur.to_csv(cp, index=False)
    path, out = tmp_path / "j.xml", tmp_path / "r.json"
    roles = ("--target", "y", "--prediction", "pred")
    run = cli("compare", rp, cp, *roles, "--junit", path, "--json", out)
    assert run.code == 1, run.err
    res = json.loads(out.read_text())
    xml = JUnitXml.fromfile(str(path))
    model = {c.name: c for c in next(s for s in xml if s.name == "driftcli.model")}
    checked = {
        f"{label}: {col['name']}": col["drift"]
        for key, label in (
            ("target_drift", "target drift"),
            ("prediction_drift", "prediction drift"),
        )
        for col in res[key]["columns"]
    }
    assert checked == {"target drift: y": False, "prediction drift: pred": True}
    assert set(model) == set(checked)
    assert isinstance(model["prediction drift: pred"].result[0], Failure)
    assert model["prediction drift: pred"].result[0].type == "drift"
    assert model["target drift: y"].is_passed

    # no labels in the current data yet: target drift is skipped, prediction still checked
    cur.drop(columns="y").to_csv(cp, index=False)
    assert cli("compare", rp, cp, *roles, "--junit", path).code in (0, 1)
    model = {
        c.name: c
        for c in next(s for s in JUnitXml.fromfile(str(path)) if s.name == "driftcli.model")
    }
    assert set(model) == {"target drift", "prediction drift: pred"}
    assert isinstance(model["target drift"].result[0], Skipped)


# -- Markdown ----------------------------------------------------------------------------------


def test_markdown_summary_escapes_names(cli, inputs, tmp_path):
    path = tmp_path / "summary.md"
    assert cli("compare", *inputs, "--markdown", path).code == 1
    text = path.read_text()
    assert text.startswith("## ❌ driftcli: drift check breached (exit code 1)")
    assert WEIRD not in text  # never raw
    assert markdown.escape(WEIRD) in text
    assert "we\\|ird \\*name\\*" in text and "&lt;b&gt;" in text
    # every table row has exactly its header's number of unescaped pipes
    for table in re.findall(r"(?:^\| .*\n)+", text, flags=re.MULTILINE):
        rows = table.splitlines()
        head = rows[0].replace("\\|", "").count("|")
        assert all(r.replace("\\|", "").count("|") == head for r in rows)
    assert "### Drifted columns (2)" in text
    assert "- missing from current: gone" in text
    assert "user\\_id" in text  # not tested, listed with its reason


def test_markdown_escape():
    assert markdown.escape("a|b") == "a\\|b"
    assert markdown.escape("x\ny") == "x\\\\ny"  # shown as x\ny, never a line break
    assert markdown.escape("<script>") == "&lt;script&gt;"
    assert markdown.escape("_*`#") == "\\_\\*\\`\\#"


def test_markdown_lists_performance(result):
    text = markdown.dumps(with_performance(result))
    assert "### Performance (classification)" in text and "| accuracy | 0.9 | 0.7 |" in text


# -- GitHub Actions annotations ----------------------------------------------------------------


def test_annotations_on_github_actions(cli, inputs, monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run = cli("compare", *inputs, "--json", "-")
    assert run.code == 1
    data = json.loads(run.out)  # stdout stays pure JSON
    lines = [ln for ln in run.err.splitlines() if ln.startswith("::error")]
    assert len(lines) == len(data["verdict"]["reasons"]) >= 2
    assert all(ln.startswith("::error title=driftcli%3A drift check breached") for ln in lines)
    assert any("%25" in ln for ln in lines)  # "50%" escaped


def test_no_annotations_off_github_or_when_passed(cli, inputs, monkeypatch):
    assert "::error" not in cli("compare", *inputs).err
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert "::error" not in cli("compare", *inputs, "--fail-on", "never").err
    assert "::error" not in cli("compare", *inputs, "--annotations", "never").err


def test_annotation_escaping():
    assert github.escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    # a line break from data is shown (as on the exit-2 line), so a message is one line
    assert github.command("error", "m\nn", title="t: x") == "::error title=t%3A x::m\\nn"
    assert github.enabled("auto", {"GITHUB_ACTIONS": "true"})
    assert not github.enabled("auto", {})
    assert github.enabled("always", {}) and not github.enabled("never", {"GITHUB_ACTIONS": "true"})


# -- Prometheus --------------------------------------------------------------------------------


def parse_prom(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_prometheus_textfile_parses_and_matches(cli, inputs, tmp_path):
    path = tmp_path / "textfile" / "driftcli.prom"
    run = cli(
        "compare",
        *inputs,
        "--prometheus",
        path,
        "--prometheus-label",
        "job=nightly",
        "--json",
        tmp_path / "r.json",
    )
    assert run.code == 1
    res = Result.from_dict(json.loads((tmp_path / "r.json").read_text()))
    text = path.read_text()
    fams = parse_prom(text)
    for fam in fams.values():
        assert fam.type == "gauge" and fam.documentation
        for sample in fam.samples:
            assert sample.labels["job"] == "nightly"
    tested = [c for c in res.columns if c.tested]
    stats = {s.labels["column"]: s for s in fams["driftcli_column_drift_statistic"].samples}
    assert set(stats) == {c.name for c in tested}
    for col in tested:
        s = stats[col.name]
        assert s.value == pytest.approx(col.statistic)
        assert s.labels["test"] == col.test and s.labels["kind"] == col.kind
    assert WEIRD in stats  # label escaping round-trips
    flags = {s.labels["column"]: s.value for s in fams["driftcli_column_drift_detected"].samples}
    assert flags == {c.name: float(c.drift) for c in tested}
    pvals = fams["driftcli_column_drift_p_value"].samples
    assert len(pvals) == sum(c.p_value is not None for c in tested)
    share = fams["driftcli_dataset_drift_share"].samples[0].value
    assert share == pytest.approx(res.dataset_drift.share)
    assert fams["driftcli_exit_code"].samples[0].value == 1
    ts = fams["driftcli_last_run_timestamp_seconds"].samples[0].value
    assert abs(ts - time.time()) < 120
    assert [p.name for p in path.parent.iterdir()] == ["driftcli.prom"]  # no temp file left


def test_prometheus_performance_metrics(result):
    fams = parse_prom(prometheus.dumps(with_performance(result)))
    values = {
        (s.labels["metric"], s.labels["dataset"]): s.value
        for s in fams["driftcli_performance_metric"].samples
    }
    assert values[("accuracy", "current")] == 0.7 and values[("f1", "reference")] == 0.8
    breached = {
        s.labels["metric"]: s.value for s in fams["driftcli_performance_metric_breached"].samples
    }
    assert breached == {"accuracy": 1.0, "f1": 0.0}


def test_prometheus_written_with_exit_code_2_when_the_check_cannot_run(cli, tmp_path):
    path = tmp_path / "d.prom"
    run = cli("compare", tmp_path / "missing.csv", tmp_path / "m2.csv", "--prometheus", path)
    assert run.code == 2
    fams = parse_prom(path.read_text())
    assert fams["driftcli_exit_code"].samples[0].value == 2
    assert "driftcli_column_drift_statistic" not in fams


def test_prometheus_label_escaping_and_validation():
    assert prometheus.escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    with pytest.raises(Exception, match="NAME=VALUE"):
        prometheus.parse_labels(["1bad=x"])


# -- all outputs or none ----------------------------------------------------------------------


def test_a_bad_prometheus_label_fails_before_comparing_or_writing(cli, inputs, tmp_path):
    out = tmp_path / "out"
    files = ("--json", out / "o.json", "--markdown", out / "o.md", "--prometheus", out / "d.prom")
    run = cli("compare", *inputs, *files, "--prometheus-label", "bad-name=x")
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert "'bad-name=x'" in run.err and "NAME=VALUE" in run.err
    assert not out.exists()
    # checked while resolving the options, before the inputs are even read
    missing = (tmp_path / "missing.csv", tmp_path / "m2.csv")
    run = cli("compare", *missing, "--prometheus-label", "bad-name=x")
    assert run.code == 2 and "'bad-name=x'" in run.err


def test_outputs_are_all_or_nothing_when_one_cannot_be_written(cli, inputs, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    old = tmp_path / "old.json"
    old.write_text(
        '{"schema_version": 2, "driftcli_version": "0.1.0", "old": true}'
    )  # an earlier run's result
    prom = tmp_path / "d.prom"
    run = cli(
        "compare",
        *inputs,
        *("--json", old, "--junit", tmp_path / "new" / "sub" / "j.xml"),
        *("--markdown", blocker / "s.md", "--prometheus", prom),
    )
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert "s.md: cannot write" in run.err and "not a directory" in run.err.lower()
    assert old.read_text() == '{"schema_version": 2, "driftcli_version": "0.1.0", "old": true}'
    assert not (tmp_path / "new").exists()
    # caught by the path checks before anything is written, the textfile included
    assert not prom.exists()

    fresh = tmp_path / "o.json"
    run = cli("compare", *inputs, "--json", fresh, "--html", blocker / "x.html")
    assert run.code == 2 and "x.html: cannot write" in run.err
    assert not fresh.exists()

    run = cli("compare", *inputs, "--json", "-", "--junit", blocker / "j.xml")
    assert run.code == 2 and run.out == ""  # no JSON on stdout for a run that failed


def test_write_files_undoes_what_it_wrote(tmp_path):
    from driftcli.cli import write_files
    from driftcli.errors import OutputError

    kept = tmp_path / "kept.txt"
    kept.write_text("before")
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(OutputError):
        write_files(
            [
                (str(kept), "after"),
                (str(tmp_path / "a" / "b" / "new.txt"), "new"),
                (str(tmp_path / "blocker" / "no.txt"), "never"),
            ]
        )
    assert kept.read_text() == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "kept.txt"]
    write_files([(str(kept), "after"), (str(tmp_path / "a" / "new.txt"), "new")])
    assert kept.read_text() == "after" and (tmp_path / "a" / "new.txt").read_text() == "new"


# -- the check could not run: one ::error on GitHub Actions ------------------------------------


def test_an_error_annotation_when_the_check_cannot_run(cli, tmp_path, monkeypatch):
    missing = (tmp_path / "missing.csv", tmp_path / "m2.csv")
    run = cli("compare", *missing)
    assert run.code == 2 and run.err.count("\n") == 1 and "::error" not in run.err

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run = cli("compare", *missing)
    lines = run.err.splitlines()
    assert run.code == 2 and len(lines) == 2, run.err
    assert lines[0].startswith("driftcli: error: ") and "missing.csv" in lines[0]
    message = lines[0].removeprefix("driftcli: error: ")
    assert lines[1] == "::error title=driftcli%3A check could not run::" + github.escape_data(
        message
    )

    run = cli("compare", "--bogus-option")  # a usage error from the option parser, too
    assert run.code == 2 and sum(ln.startswith("::error") for ln in run.err.splitlines()) == 1

    for never in (("--annotations", "never"), ("--annotations=never",)):
        run = cli("compare", *missing, *never)
        assert run.code == 2 and run.err.count("\n") == 1 and "::error" not in run.err
        run = cli("compare", *missing, "--drift-share", "7", *never)  # fails while resolving
        assert run.code == 2 and run.err.count("\n") == 1 and "::error" not in run.err
    monkeypatch.chdir(tmp_path)
    (tmp_path / "driftcli.toml").write_text('annotations = "never"\n')
    run = cli("compare", *missing)
    assert run.code == 2 and "::error" not in run.err


# -- webhook ---------------------------------------------------------------------------------


class Hook:
    """A local HTTP server on 127.0.0.1 that records POSTed JSON; fails the first N posts."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.attempts = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hook.attempts += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.attempts <= fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                hook.bodies.append(json.loads(body))
                assert self.headers["Content-Type"] == "application/json"
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Hook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_webhook_receives_a_slack_payload_on_breach(cli, inputs):
    with Hook() as hook:
        run = cli("compare", *inputs, "--notify-webhook", hook.url)
    assert run.code == 1
    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert body["text"].startswith("driftcli BREACHED (exit 1)")
    assert body["blocks"][0]["type"] == "header"
    assert any("shifted" in json.dumps(b) for b in body["blocks"])


def test_webhook_on_pass_only_with_notify_always(cli, inputs):
    with Hook() as hook:
        assert cli("compare", *inputs, "--fail-on", "never", "--notify-webhook", hook.url).code == 0
        assert hook.bodies == []
        run = cli(
            "compare",
            *inputs,
            "--fail-on",
            "never",
            "--notify-webhook",
            hook.url,
            "--notify",
            "always",
        )
        assert run.code == 0
        assert len(hook.bodies) == 1 and hook.bodies[0]["text"].startswith("driftcli PASSED")
        cli("compare", *inputs, "--notify-webhook", hook.url, "--notify", "never")
        assert len(hook.bodies) == 1


def test_webhook_retries_then_delivers(result):
    with Hook(fail_first=2) as hook:
        sent = notify(result, NotifySettings(webhook=hook.url), backoff=0.01)
    assert sent == {"webhook": True} and hook.attempts == 3 and len(hook.bodies) == 1


def test_dead_webhook_warns_and_a_pass_becomes_exit_2(cli, inputs, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/hook"
    start = time.monotonic()
    run = cli("compare", *inputs, "--notify-webhook", url, "--json", tmp_path / "r.json")
    assert run.code == 1  # a breach stays a breach
    warnings = [ln for ln in run.err.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "webhook delivery failed after 3 attempt(s)" in warnings[0]
    assert time.monotonic() - start < 20
    delivery = json.loads((tmp_path / "r.json").read_text())["delivery"]
    assert delivery["webhook"]["delivered"] is False and delivery["webhook"]["attempts"] == 3
    ok = cli(
        "compare", *inputs, "--fail-on", "never", "--notify", "always", "--notify-webhook", url
    )
    assert ok.code == 2  # a pass whose alert was lost is not silent to cron


def test_retry_backoff_and_attempts():
    calls: list[float] = []
    sleeps: list[float] = []

    def fail() -> None:
        calls.append(1)
        raise OSError("down")

    done = retry(fail, 3, backoff=0.5, sleep=sleeps.append)
    assert done == Delivery(False, 3, "OSError: down")
    assert len(calls) == 3 and sleeps == [0.5, 1.0]


def test_slack_payload_shape(result):
    payload = slack_payload(result)
    assert set(payload) == {"text", "blocks"}
    assert all(b["type"] in {"header", "section", "context"} for b in payload["blocks"])
    assert len(payload["blocks"][0]["text"]["text"]) <= 150


# -- email -----------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def test_email_is_delivered_to_a_local_smtp_server(cli, inputs, smtp_server, tmp_path):
    inbox, port = smtp_server
    cfg = tmp_path / "driftcli.toml"
    cfg.write_text(
        f"[notify.email]\nserver = '127.0.0.1'\nport = {port}\nfrom = 'drift@example.com'\n"
    )
    run = cli("compare", *inputs, "--config", cfg, "--notify-email", "ops@example.com")
    assert run.code == 1 and "warning" not in run.err
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert sender == "drift@example.com" and rcpts == ["ops@example.com"]
    msg = message_from_bytes(raw)
    assert msg["Subject"].startswith("[driftcli] drift check BREACHED")
    assert "Drifted columns" in msg.get_payload()
    assert msg["Date"] and msg["Message-ID"].endswith("@example.com>")  # RFC 5322 asks both


def test_email_password_only_from_the_environment(result, smtp_server, monkeypatch, capsys):
    _, port = smtp_server
    monkeypatch.delenv("DRIFTCLI_SMTP_PASSWORD", raising=False)
    email = EmailSettings(to=["a@example.com"], server="127.0.0.1", port=port, username="bot")
    sent = notify(result, NotifySettings(email=email), backoff=0.01)
    assert sent == {"email": False}
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "$DRIFTCLI_SMTP_PASSWORD is empty" in err


def test_dead_smtp_server_warns_and_keeps_the_exit_code(cli, inputs, tmp_path):
    cfg = tmp_path / "driftcli.toml"
    cfg.write_text(
        f"[notify]\ntimeout = 1\n[notify.email]\nserver = '127.0.0.1'\nport = {free_port()}\n"
    )
    run = cli("compare", *inputs, "--config", cfg, "--notify-email", "ops@example.com")
    assert run.code == 1
    assert "email delivery failed after 3 attempt(s)" in run.err


# -- examples and README ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
CI_EXAMPLES = sorted((ROOT / "examples" / "ci").iterdir())


def test_every_ci_example_is_referenced_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert {p.name for p in CI_EXAMPLES} >= {
        "github-actions.yml",
        "gitlab-ci.yml",
        "crontab",
        "airflow_dag.py",
    }
    for path in CI_EXAMPLES:
        assert f"(examples/ci/{path.name})" in readme, path.name


@pytest.mark.parametrize("path", CI_EXAMPLES, ids=lambda p: p.name)
def test_example_commands_use_real_options(cli, path):
    help_text = cli("compare", "--help").out
    text = path.read_text()
    assert "driftcli compare" in text
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))
    assert flags, path.name
    for flag in flags:
        assert flag in help_text, f"{path.name}: {flag}"
    if path.suffix == ".py":
        compile(text, str(path), "exec")


def test_every_config_key_is_documented_in_the_readme():
    from driftcli import config

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for name in config.top_level_fields():
        assert f"`{name}`" in section, name
    for cls, prefix in ((config.NotifySettings, "notify"), (config.EmailSettings, "notify.email")):
        for f in config._configurable(cls):
            assert f"`{prefix}.{config._toml_key(f.name)}`" in section, f.name


def test_an_unexpected_delivery_error_is_only_a_warning(result, monkeypatch, capsys):
    def broken(*args: Any) -> None:
        raise ValueError("bad payload")

    monkeypatch.setattr("driftcli.notify.post_webhook", broken)
    sent = notify(result, NotifySettings(webhook="http://127.0.0.1:1/x", attempts=2), backoff=0)
    assert sent == {"webhook": False}
    assert "ValueError: bad payload" in capsys.readouterr().err
