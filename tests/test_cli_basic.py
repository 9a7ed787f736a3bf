"""End-to-end behaviour of ``driftcli compare`` on the shipped example."""

from __future__ import annotations

import json

from driftcli import compare

DOCUMENTED_DRIFT = {"income", "session_length", "device", "region"}


def test_example_flags_exactly_the_documented_columns(cli, examples):
    run = cli(
        "compare", examples / "reference.parquet", examples / "current.parquet", "--json", "-"
    )
    assert run.code == 1
    data = json.loads(run.out)
    assert {c["name"] for c in data["columns"] if c["drift"]} == DOCUMENTED_DRIFT
    assert data["verdict"] == {
        "passed": False,
        "exit_code": 1,
        "reasons": ["dataset drift: 4 of 8 tested columns drifted (50% >= 50%)"],
    }
    assert "BREACHED" in run.err  # the table goes to stderr when JSON goes to stdout


def test_fail_on_never_passes(cli, examples):
    run = cli(
        "compare", examples / "reference.csv", examples / "current.parquet", "--fail-on", "never"
    )
    assert run.code == 0
    assert "PASSED" in run.out


def test_missing_file_is_one_line_exit_2(cli, examples, tmp_path):
    run = cli("compare", tmp_path / "nope.parquet", examples / "current.parquet")
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert "nope.parquet" in run.err and "not found" in run.err
    assert "Traceback" not in run.err


def test_library_api_matches_cli(examples):
    result = compare(examples / "reference.parquet", examples / "current.parquet")
    assert {c.name for c in result.drifted} == DOCUMENTED_DRIFT
    assert result.exit_code == 1


def test_json_is_indented_with_one_line_per_column(examples) -> None:
    """The JSON document is the result's dict exactly; objects in lists (columns, missing
    values per column) are one line each, written by json's C encoder, the rest indented."""
    import driftcli
    from driftcli.render import json as json_view

    result = driftcli.compare(examples / "reference.csv", examples / "current.csv")
    text = json_view.dumps(result)
    assert json.loads(text) == result.to_dict()
    lines = text.splitlines()
    assert lines[0] == "{" and lines[1].startswith('  "schema_version": ')
    column_lines = [ln for ln in lines if ln.startswith('    {"name": ')]
    names = {c.name for c in result.columns}
    assert {json.loads(ln.rstrip(","))["name"] for ln in column_lines} >= names
