"""Hostile text from data is inert in every text channel (issue 13, item 3).

Generated names mix ANSI escapes, CR/LF, C1 controls, bidi overrides, GitHub workflow
commands, Slack mentions and links, Markdown links, images, HTML and @mentions; each is
put where data reaches a channel (column names, missing and new columns, skip reasons,
verdict reasons, file names) and every channel is checked for the same invariants.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from driftcli import compare
from driftcli.config import EmailSettings
from driftcli.notify import build_email, email_body, slack_payload
from driftcli.render import console, github, junit, markdown, prometheus
from driftcli.result import Result
from driftcli.text import guard_line, visible

FRAGMENTS = [
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x7f",
    "\x85",
    "\x9b31m",
    "\u202e",
    "\u2066",
    "\u2028",
    "::error::pwned",
    "::set-output name=x::1",
    "  ::warning::",
    "##[error]legacy",
    "@channel",
    "@octo-org/team",
    "<!channel>",
    "<!here|here>",
    "<https://e.vil|click>",
    "[x](http://e.vil)",
    "![img](https://e.vil/i.png)",
    "<img src=x onerror=alert(1)>",
    "<script>",
    "www.e.vil",
    "https://e.vil",
    "&amp;",
    "a|b",
    "`code`",
    "**bold**",
    "%0A",
    "日本語 🚀",
    "x",
]
hostile = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), min_size=1, max_size=6).map(
    "".join
)

#: What must never reach a channel raw: C0 (but LF), DEL, C1, bidi controls, separators.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Result:
    rng = np.random.default_rng(3)
    d = tmp_path_factory.mktemp("base")
    n = 300
    ref = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n), "id": [f"u{i}" for i in range(n)]}
    )
    cur = pd.DataFrame(
        {"a": rng.normal(1, 1, n), "b": rng.normal(size=n), "id": [f"v{i}" for i in range(n)]}
    )
    ref.to_csv(d / "ref.csv", index=False)
    cur.to_csv(d / "cur.csv", index=False)
    return compare(d / "ref.csv", d / "cur.csv")


def inject(base: Result, names: list[str]) -> Result:
    """``base`` with hostile text wherever data reaches the channels."""
    r = copy.deepcopy(base)
    for col, name in zip(r.columns, names, strict=False):
        col.name = name
    untested = [c for c in r.columns if not c.tested]
    for col in untested:
        col.skipped_reason = f"id-like: {names[-1]}"
    r.schema_changes.missing_in_current = [names[0]]
    r.schema_changes.new_in_current = [names[-1]]
    r.schema_changes.type_changed = [{"column": names[1], "reference": "int", "current": "str"}]
    r.verdict.reasons = [f"drift in {n}" for n in names[:2]]
    r.verdict.passed = False
    r.verdict.exit_code = 1
    r.reference.path = f"data/{names[0]}.csv"
    r.current.path = f"data/{names[1]}.csv"
    return r


names_st = st.lists(hostile, min_size=3, max_size=3)


def no_workflow_command(text: str) -> None:
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line


@given(names=names_st)
def test_terminal_table_and_messages(base, names):
    result = inject(base, names)
    for width in (60, 80, 200):
        out = _Pipe()
        console.render(result, out, width=width, show_all=True)
        text = out.getvalue()
        assert not RAW_CONTROL.search(text), ascii(text)
        no_workflow_command(text)


@given(names=names_st)
def test_github_annotations(base, names):
    result = inject(base, names)
    lines = github.breach_lines(result)
    assert len(lines) == len(result.verdict.reasons)
    for line in lines:
        assert line.startswith("::error title=driftcli%3A drift check breached (")
        assert "\n" not in line and "\r" not in line and not RAW_CONTROL.search(line)
        title, sep, _message = line[len("::error ") :].partition("::")
        assert sep and "," not in title.partition("=")[2].replace("%2C", "")


@given(names=names_st)
def test_markdown_summary(base, names):
    text = markdown.dumps(inject(base, names))
    assert not RAW_CONTROL.search(text)
    ours = re.sub(r"</?(details|summary|sub)>", "", text)
    assert "<" not in ours and ">" not in ours.replace("&gt;", "")
    assert all(text[i + 1] == "\u200b" for i, ch in enumerate(text) if ch == "@")
    assert "://" not in text and "www." not in text.lower()
    assert not re.search(r"(?<!\\)[\[\]]", text)  # no link or image syntax from data


@given(names=names_st)
def test_junit_xml(base, names):
    doc = junit.dumps(inject(base, names))
    root = ET.fromstring(doc.split("\n", 1)[1])
    for el in root.iter():
        for value in el.attrib.values():
            assert not RAW_CONTROL.search(value) and "\n" not in value
        assert not RAW_CONTROL.search((el.text or "").replace("\t", ""))  # text keeps tabs


@given(names=names_st)
def test_slack_payload(base, names):
    payload = slack_payload(inject(base, names))
    mrkdwn = [payload["text"]]
    for block in payload["blocks"]:
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if item and item["type"] == "mrkdwn":
                mrkdwn.append(item["text"])
            elif item:
                assert not RAW_CONTROL.search(item["text"])
    for text in mrkdwn:
        assert "<" not in text and ">" not in text, text  # <!channel>, <url|x> inert
        assert not re.search(r"&(?!amp;|lt;|gt;)", text)
        assert not RAW_CONTROL.search(text.replace("\n", ""))
    json.dumps(payload)


@given(names=names_st)
def test_email(base, names):
    result = inject(base, names)
    msg = build_email(result, EmailSettings(to=["ops@example.com"], sender="d@example.com"))
    raw = msg.as_bytes()  # no header injection error, whatever the names
    subject = msg["Subject"]
    assert "\n" not in subject and "\r" not in subject and not RAW_CONTROL.search(subject)
    assert msg["Date"] and msg["Message-ID"].endswith("@example.com>")
    headers = [h.split(b":")[0] for h in raw.split(b"\n\n", 1)[0].split(b"\n")]
    assert headers.count(b"Subject") == 1 and b"Bcc" not in headers
    assert not RAW_CONTROL.search(email_body(result).replace("\n", ""))


@given(names=names_st)
def test_prometheus_labels_round_trip(base, names):
    result = inject(base, names)
    fams = {f.name: f for f in text_string_to_metric_families(prometheus.dumps(result))}
    shown = {s.labels["column"] for s in fams["driftcli_column_drift_statistic"].samples}
    assert shown == {c.name for c in result.columns if c.tested}  # escaped, not altered


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_the_exit_2_line_and_its_annotation(cli, tmp_path, monkeypatch, fragment):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    missing = tmp_path / f"in{fragment.replace('/', '_')}.csv"
    run = cli("compare", missing, tmp_path / "cur.csv")
    lines = run.err.split("\n")
    assert run.code == 2 and len(lines) == 3 and lines[2] == "", run.err
    assert lines[0].startswith("driftcli: error: ") and lines[1].startswith("::error title=")
    assert not RAW_CONTROL.search(run.err.replace("\n", ""))
    assert "##[" not in run.err


@pytest.mark.parametrize("fragment", FRAGMENTS[:16])
def test_hostile_column_names_end_to_end(cli, tmp_path, fragment):
    name = f"c{fragment}"
    rng = np.random.default_rng(1)
    ref, cur = tmp_path / "r.parquet", tmp_path / "c.parquet"
    pd.DataFrame({name: rng.normal(size=200), "ok": rng.normal(size=200)}).to_parquet(ref)
    pd.DataFrame({name: rng.normal(2, 1, 200), "ok": rng.normal(size=200)}).to_parquet(cur)
    md = tmp_path / "s.md"
    run = cli("compare", ref, cur, "--markdown", md, "--annotations", "always")
    assert run.code == 1
    assert not RAW_CONTROL.search((run.out + run.err).replace("\n", ""))
    no_workflow_command(run.out)
    assert sum(line.startswith("::") for line in run.err.split("\n")) == len(
        [ln for ln in run.err.split("\n") if ln.startswith("::error title=driftcli")]
    )
    assert visible(name) in run.out.replace("\\[", "[") or len(visible(name)) > 30


def test_guard_line_matrix():
    for prefix in ("", " ", "\t", "   "):
        for command in ("::error::x", "::set-env name=A::b", "::add-mask::s"):
            assert not guard_line(prefix + command).lstrip().startswith("::")
    assert guard_line("a ##[error] b") == "a ##\\[error] b"


class _Pipe:
    """A text stream that is not a terminal."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def getvalue(self) -> str:
        return "".join(self.parts)
