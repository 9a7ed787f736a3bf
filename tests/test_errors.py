"""Issue 2's error list: each is one line on stderr naming the file / column / option, exit
code 2, no traceback (``--debug`` shows one), and no ``--json`` file left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

N = 200


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "data.csv"
    pd.DataFrame({"num": rng.normal(size=N), "cat": rng.choice(["a", "b", "c"], N)}).to_csv(
        path, index=False
    )
    return path


def check(cli: Any, tmp_path: Path, *args: Any) -> str:
    """Run with ``--json``; assert the error contract; return the message line."""
    out = tmp_path / "result.json"
    run = cli("compare", *args, "--json", out)
    assert run.code == 2, (run.code, run.out[-300:], run.err)
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith("driftcli: error: ")
    assert "Traceback" not in run.err and "internal error" not in run.err
    assert not out.exists()
    assert list(tmp_path.glob(".result.json*")) == []
    return run.err.strip()


def test_missing_file(cli, tmp_path, data):
    line = check(cli, tmp_path, data, tmp_path / "gone.parquet")
    assert "current file not found" in line and "gone.parquet" in line


def test_unreadable_file(cli, tmp_path, data, monkeypatch):
    """A permission error (simulated: the tests may run as root) is an input error."""
    import pyarrow.csv

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pyarrow.csv, "open_csv", denied)
    line = check(cli, tmp_path, data, data)
    assert "data.csv" in line and "Permission denied" in line


def test_unknown_format(cli, tmp_path, data):
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"PK\x03\x04")
    line = check(cli, tmp_path, odd, data)
    assert "data.xlsx: unknown file format" in line and ".parquet" in line


def test_empty_file(cli, tmp_path, data):
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    assert "empty.parquet: file is empty" in check(cli, tmp_path, data, empty)


def test_zero_rows(cli, tmp_path, data):
    header = tmp_path / "header.csv"
    header.write_text("num,cat\n")
    assert "header.csv: no rows" in check(cli, tmp_path, header, data)


def test_no_shared_columns(cli, tmp_path, data):
    other = tmp_path / "other.csv"
    pd.DataFrame({"x": range(N), "y": range(N)}).to_csv(other, index=False)
    line = check(cli, tmp_path, data, other)
    assert "no shared columns" in line and "data.csv" in line and "other.csv" in line


@pytest.mark.parametrize("option", ["--columns", "--ignore", "--categorical", "--numerical"])
def test_unknown_column_in_an_option(cli, tmp_path, data, option):
    line = check(cli, tmp_path, data, data, option, "num,nmu")
    assert option in line and "unknown column 'nmu'" in line


def test_ignoring_every_column_leaves_nothing_to_compare(cli, tmp_path, data):
    line = check(cli, tmp_path, data, data, "--ignore", "num", "--ignore", "cat")
    assert "no shared columns" in line


def test_unknown_test_name(cli, tmp_path, data):
    line = check(cli, tmp_path, data, data, "--stattest", "kolmogorov")
    assert "unknown stat test 'kolmogorov'" in line and "ks" in line


def test_test_that_applies_to_no_column(cli, tmp_path, data):
    line = check(cli, tmp_path, data, data, "--stattest", "ks", "--columns", "cat")
    assert "--stattest ks applies to none" in line


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--fail-on", "sometimes"], "unknown --fail-on condition 'sometimes'"),
        (["--threshold", "0"], "--threshold must be > 0"),
        (["--threshold", "abc"], "--threshold"),
        (["--drift-share", "1.5"], "--drift-share"),
        (["--categorical", "num", "--numerical", "num"], "'num'"),
        (["--numerical", "cat"], "column 'cat' is forced numeric"),
        (["--no-such-flag"], "No such option: --no-such-flag"),
    ],
)
def test_bad_option_values(cli, tmp_path, data, args, needle):
    assert needle in check(cli, tmp_path, data, data, *args)


def test_missing_argument_is_a_usage_error(cli):
    run = cli("compare")
    assert run.code == 2 and run.err.count("\n") == 1
    assert "REFERENCE" in run.err.upper() and "Traceback" not in run.err


def test_debug_shows_the_traceback(cli, tmp_path, data):
    out = tmp_path / "result.json"
    run = cli("compare", data, tmp_path / "gone.csv", "--json", out, "--debug")
    assert run.code == 2
    assert "Traceback (most recent call last)" in run.err
    assert "InputError" in run.err
    assert run.err.strip().splitlines()[-1].startswith("driftcli: error: current file not found")
    assert not out.exists()


def test_internal_errors_are_one_line_and_exit_2(cli, tmp_path, data, monkeypatch):
    """A bug must never look like a pass (or a breach): one line and exit 2."""
    import driftcli.cli

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(driftcli.cli, "run_compare", boom)
    out = tmp_path / "result.json"
    run = cli("compare", data, data, "--json", out)
    assert run.code == 2 and run.err.count("\n") == 1
    assert "internal error: ZeroDivisionError: simulated bug" in run.err
    assert "--debug" in run.err and not out.exists()
    run = cli("compare", data, data, "--debug")
    assert run.code == 2 and "Traceback" in run.err
