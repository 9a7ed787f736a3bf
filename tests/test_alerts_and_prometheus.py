"""Delivery failures are visible (issue 14, item 5) and a killed or out-of-memory run is
never silent to cron (issue 13, item 8; issue 14, item 8's reserved Prometheus labels)."""

from __future__ import annotations

import io
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from driftcli import compare
from driftcli.config import NotifySettings
from driftcli.notify import MAX_RETRY_AFTER, Delivery, deliver, exit_code
from driftcli.render import prometheus
from driftcli.result import Result


@pytest.fixture(autouse=True)
def _no_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(reference, drifted current, same-as-reference current)."""
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300)})
    paths = tmp_path / "ref.csv", tmp_path / "drift.csv", tmp_path / "same.csv"
    ref.to_csv(paths[0], index=False)
    ref.assign(x=ref["x"] + 2).to_csv(paths[1], index=False)
    ref.sample(frac=1, random_state=1).to_csv(paths[2], index=False)
    return paths


@pytest.fixture
def breached(files: tuple[Path, Path, Path]) -> Result:
    return compare(files[0], files[1])


class Server:
    """127.0.0.1 webhook: answers the first posts with ``replies`` (status, Retry-After),
    then 200."""

    def __init__(self, replies: list[tuple[int, str | None]]) -> None:
        self.posts = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.posts += 1
                status, after = (
                    replies[server.posts - 1] if server.posts <= len(replies) else (200, None)
                )
                self.send_response(status)
                if after is not None and after.startswith("+"):  # an HTTP date, N s from now
                    after = formatdate(time.time() + int(after[1:]), usegmt=True)
                if after is not None:
                    self.send_header("Retry-After", after)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


#: replies, delivered, attempts, sleeps (None: check only the count), words in the warning
CASES = {
    "retry-after seconds": ([(429, "2")], True, 2, [2.0], None),
    "retry-after zero": ([(503, "0")], True, 2, [0.0], None),
    "retry-after http date": ([(503, "+4")], True, 2, None, None),
    "retry-after too long": ([(429, "3600")], False, 1, [], "retry after 3600 s"),
    "no retry-after: backoff": ([(500, None), (502, None)], True, 3, [0.5, 1.0], None),
    "all attempts fail": ([(500, None)] * 3, False, 3, [0.5, 1.0], "after 3 attempt(s)"),
    "client error: one attempt": ([(404, None)], False, 1, [], "after 1 attempt(s)"),
    "bad retry-after ignored": ([(503, "soon")], True, 2, [0.5], None),
}


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: c.replace(" ", "-"))
def test_retry_after_and_truthful_attempt_counts(breached, case):
    replies, delivered, attempts, sleeps, words = CASES[case]
    server = Server(replies)
    waits: list[float] = []
    err = io.StringIO()
    try:
        done = deliver(
            breached, NotifySettings(webhook=server.url, attempts=3), err=err, sleep=waits.append
        )
    finally:
        server.close()
    assert done["webhook"].delivered is delivered and done["webhook"].attempts == attempts
    assert server.posts == attempts
    if sleeps is not None:
        assert waits == sleeps
    else:
        assert len(waits) == 1 and 2 <= waits[0] <= MAX_RETRY_AFTER
    if words:
        assert err.getvalue().count("\n") == 1 and words in err.getvalue()
    else:
        assert err.getvalue() == ""


@pytest.mark.parametrize("verdict", [0, 1])
@pytest.mark.parametrize("webhook", [None, True, False])
@pytest.mark.parametrize("email", [None, True, False])
def test_exit_code_rule(verdict, webhook, email):
    done = {
        name: Delivery(ok, 1, None if ok else "x")
        for name, ok in (("webhook", webhook), ("email", email))
        if ok is not None
    }
    failed = webhook is False or email is False
    assert exit_code(verdict, done) == (2 if verdict == 0 and failed else verdict)


@pytest.mark.parametrize("drifted", [False, True], ids=["pass", "breach"])
@pytest.mark.parametrize("alive", [False, True], ids=["dead-hook", "live-hook"])
def test_cli_exit_code_and_json_record_delivery(cli, files, tmp_path, drifted, alive):
    server = Server([]) if alive else None
    url = server.url if server else "http://127.0.0.1:9/hook"
    out, prom = tmp_path / "r.json", tmp_path / "d.prom"
    current = files[1] if drifted else files[2]
    cfg = tmp_path / "driftcli.toml"
    cfg.write_text("[notify]\nattempts = 1\n")
    try:
        run = cli(
            "compare", files[0], current, "--config", cfg, "--notify", "always",
            "--notify-webhook", url, "--json", out, "--prometheus", prom,
        )  # fmt: skip
    finally:
        if server:
            server.close()
    expected = 1 if drifted else (0 if alive else 2)
    assert run.code == expected, run.err
    record = json.loads(out.read_text())["delivery"]
    assert record == {
        "webhook": {"delivered": alive, "attempts": 1, "error": record["webhook"]["error"]}
    }
    assert (record["webhook"]["error"] is None) is alive
    fams = {f.name: f for f in text_string_to_metric_families(prom.read_text())}
    assert fams["driftcli_exit_code"].samples[0].value == expected


def test_no_alert_configured_records_null(cli, files, tmp_path):
    out = tmp_path / "r.json"
    assert cli("compare", files[0], files[2], "--json", out).code == 0
    assert json.loads(out.read_text())["delivery"] is None


# -- Prometheus: a run in progress, a killed run, an out-of-memory run -----------------------


def families(path: Path) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(path.read_text())}


def value(fams: dict[str, Any], name: str) -> float:
    return float(fams[name].samples[0].value)


def test_the_textfile_says_running_while_the_run_runs(cli, files, tmp_path, monkeypatch):
    prom = tmp_path / "d.prom"
    assert cli("compare", files[0], files[2], "--prometheus", prom).code == 0
    before = families(prom)
    assert value(before, "driftcli_run_in_progress") == 0
    seen: dict[str, Any] = {}

    import driftcli.cli as cli_module

    real = cli_module.run_compare

    def spy(*args: Any, **kwargs: Any) -> Result:
        seen.update(families(prom))  # what node_exporter would read right now
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_module, "run_compare", spy)
    time.sleep(1.1)
    assert cli("compare", files[0], files[1], "--prometheus", prom).code == 1
    assert value(seen, "driftcli_run_in_progress") == 1
    assert value(seen, "driftcli_exit_code") == 0  # the previous run's, kept as it was
    old = value(before, "driftcli_last_run_timestamp_seconds")
    assert value(seen, "driftcli_last_run_timestamp_seconds") == old  # and looking as old
    assert value(seen, "driftcli_run_started_timestamp_seconds") > old
    after = families(prom)
    assert value(after, "driftcli_run_in_progress") == 0 and value(after, "driftcli_exit_code") == 1


def test_a_first_run_in_progress_has_no_exit_code_yet(tmp_path):
    prom = tmp_path / "d.prom"
    prometheus.write_running(prom, {"job": "nightly"})
    fams = families(prom)
    assert value(fams, "driftcli_run_in_progress") == 1
    assert "driftcli_exit_code" not in fams
    assert fams["driftcli_run_in_progress"].samples[0].labels == {"job": "nightly"}


@pytest.mark.parametrize("where", ["compare", "render"])
def test_out_of_memory_is_one_line_and_exit_2(cli, files, tmp_path, monkeypatch, where):
    import driftcli.cli as cli_module

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    target = "run_compare" if where == "compare" else "write_outputs"
    monkeypatch.setattr(cli_module, target, boom)
    prom = tmp_path / "d.prom"
    run = cli("compare", files[0], files[1], "--prometheus", prom)
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert "out of memory" in run.err and "driftcli profile" in run.err
    fams = families(prom)
    assert value(fams, "driftcli_exit_code") == 2 and value(fams, "driftcli_run_in_progress") == 0


@pytest.mark.parametrize("name", sorted(prometheus.RESERVED_LABELS))
def test_reserved_prometheus_labels_are_refused(cli, files, tmp_path, name):
    prom = tmp_path / "d.prom"
    run = cli(
        "compare", files[0], files[1], "--prometheus", prom, "--prometheus-label", f"{name}=x"
    )
    assert run.code == 2 and run.err.count("\n") == 1
    assert f"'{name}' is set by driftcli" in run.err
    assert not prom.exists()


def test_other_labels_go_on_every_series(breached):
    text = prometheus.dumps(breached, prometheus.parse_labels(["job=nightly", "env=prod"]))
    for fam in text_string_to_metric_families(text):
        for sample in fam.samples:
            assert sample.labels["job"] == "nightly" and sample.labels["env"] == "prod"
