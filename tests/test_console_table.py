"""The terminal table never misleads (issue 14, item 2) and is plain ASCII when piped or
with NO_COLOR (item 8): tested at widths 60, 80, 120 and 200."""

from __future__ import annotations

import copy
import io
import re

import numpy as np
import pandas as pd
import pytest

from driftcli import compare
from driftcli.render import console
from driftcli.result import Result

WIDTHS = [60, 80, 120, 200]
BOX_DRAWING = re.compile("[\u2500-\u257f]")
LONG_NOTE = "id-like: " + "every value is distinct, so a distribution test means nothing " * 3


class Stream(io.StringIO):
    """A captured stream that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Result:
    rng = np.random.default_rng(4)
    n = 400
    ref = pd.DataFrame(
        {
            "a_rather_long_column_name_for_a_feature": rng.normal(size=n),
            "b": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "user_id": [f"u{i}" for i in range(n)],
        }
    )
    cur = ref.copy()
    cur["a_rather_long_column_name_for_a_feature"] += 0.3
    cur["user_id"] = [f"v{i}" for i in range(n)]
    return compare(ref, cur, correction="holm")


def tricky(base: Result) -> Result:
    """Tiny p-values (6.82e-04), adjusted ones, a very long note."""
    r = copy.deepcopy(base)
    r.columns[0].p_value, r.columns[0].p_value_adjusted = 6.82e-04, 1.364e-03
    for c in r.columns:
        if not c.tested:
            c.skipped_reason = LONG_NOTE
    return r


def cells_of(result: Result) -> list[str]:
    """Strings that must appear whole on one line: numbers, kinds, tests."""
    out = []
    for c in result.columns:
        if c.tested:
            out += [console.fmt(c.statistic), console.fmt(c.p_value_adjusted), c.kind, c.test or ""]
    return [s for s in out if s and s != "-"]


def table_lines(lines: list[str]) -> list[str]:
    """The column table: from its heading to the drift summary line."""
    start = next(i for i, ln in enumerate(lines) if "column" in ln and " test" in ln)
    end = next(i for i, ln in enumerate(lines) if ln.startswith("drifted columns:"))
    return lines[start:end]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("tty", [False, True], ids=["piped", "tty"])
def test_numbers_kinds_and_tests_never_wrap(base, width, tty, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # so the tty output has no escapes to measure
    result = tricky(base)
    out = Stream(tty)
    console.render(result, out, width=width)
    lines = out.getvalue().splitlines()
    table = [
        ln for ln in lines if not ln.startswith(("reference:", "drifted", "BREACHED", "PASSED"))
    ]
    assert all(len(ln) <= width for ln in table), "\n".join(table)
    for text in cells_of(result):
        if width < console.COMPACT_WIDTH and text in {c.kind for c in result.columns}:
            continue  # the compact layout has no kind column
        assert any(text in ln for ln in table), (text, "\n".join(table))
    assert "6.82e-0" not in "\n".join(ln for ln in table if "6.82e-04" not in ln)
    note_lines = [ln for ln in table if "skipped" in ln]
    assert note_lines and all(ln.rstrip().endswith("...") for ln in note_lines)  # cut
    assert not any("means nothing" in ln and "id-like" not in ln for ln in table)
    if not tty:
        assert all(ln == ln.rstrip() for ln in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_compact_layout_below_100_columns(base, width):
    out = Stream(False)
    console.render(tricky(base), out, width=width)
    header = next(ln for ln in out.getvalue().splitlines() if "column" in ln and "test" in ln)
    if width < console.COMPACT_WIDTH:
        assert "kind" not in header and "threshold" not in header and "adj. p" in header
        assert re.search(r"DRIFT (high|medium|low)", out.getvalue())
    else:
        assert all(h in header for h in ("kind", "threshold", "severity", "p-value", "adj. p"))


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"NO_COLOR": ""}, {}])
@pytest.mark.parametrize("tty", [False, True], ids=["piped", "tty"])
def test_plain_ascii_when_piped_or_no_color(base, env, tty, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out = Stream(tty)
    console.render(base, out, width=120)
    text = out.getvalue()
    plain = not tty or "NO_COLOR" in env
    assert bool(BOX_DRAWING.search(text)) is not plain
    if plain:
        assert "\x1b[" not in text and "-+-" in text and text.isascii()


def test_piped_width_follows_columns(base, monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    out = Stream(False)
    console.render(tricky(base), out)
    table = table_lines(out.getvalue().splitlines())
    assert table and all(len(ln) <= 70 for ln in table)
