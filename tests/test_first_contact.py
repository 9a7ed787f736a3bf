"""What a new user meets first: no arguments, a misspelled column under ``profile``, a
finding that does not gate, and output meant to be piped (no trailing spaces)."""

from __future__ import annotations

import json

import pandas as pd

from driftcli.analysis.segments import _first
from driftcli.profiles import Profile


def test_no_arguments_prints_the_help_as_it_stands_and_exits_2(cli):
    run = cli()
    assert run.code == 2  # nothing was checked: never a pass
    assert run.err.startswith("Usage: driftcli")
    assert "\\n" not in run.err  # the help's own lines, not one line of escapes
    assert "compare" in run.err and "profile" in run.err
    assert run.err.count("\n") > 5


def test_profile_refuses_a_column_the_input_does_not_have(cli, examples, tmp_path):
    out = tmp_path / "p.profile"
    for option in ("--columns", "--numerical"):
        run = cli("profile", examples / "reference.parquet", "-o", out, option, "incme")
        assert run.code == 2, option
        assert (
            f"{option}: unknown column 'incme' (not in " in run.err
            and "reference.parquet)" in run.err
        )
        assert run.err.count("\n") == 1
        assert not out.exists()
    # before any cluster starts (the check reads the Parquet footer only)
    run = cli(
        "profile", examples / "reference.parquet", "-o", out, "--columns", "x", "--engine", "dask"
    )
    assert run.code == 2 and "unknown column 'x'" in run.err and not out.exists()
    # the model columns may be missing: a current side's labels often are
    run = cli("profile", examples / "reference.parquet", "-o", out, "--target", "label", "-q")
    assert run.code == 0 and out.exists()


def test_profile_names_its_input_and_merge_names_a_missing_file(cli, examples, tmp_path):
    run = cli("profile", tmp_path / "nope.parquet", "-o", tmp_path / "x.profile")
    assert run.code == 2 and "input file not found: " in run.err and "reference" not in run.err
    good = tmp_path / "a.profile"
    assert cli("profile", examples / "reference.parquet", "-o", good, "-q").code == 0
    run = cli("profile", "--merge", good, tmp_path / "nope.profile", "-o", tmp_path / "m.profile")
    assert run.code == 2
    assert "--merge: profile file not found: " in run.err and "nope.profile" in run.err


def test_profile_takes_na_values_as_compare_does(cli, tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": ["1", "NA", "3", "NA"] * 50, "y": range(200)}).to_csv(data, index=False)
    default, kept = tmp_path / "default.profile", tmp_path / "kept.profile"
    assert cli("profile", data, "-o", default, "-q").code == 0
    assert cli("profile", data, "-o", kept, "--na-values", "", "-q").code == 0
    assert Profile.load(default).columns["x"].missing == 100  # "NA" is missing by default
    assert Profile.load(kept).columns["x"].missing == 0  # --na-values '': a value


def test_a_finding_shows_as_gating_only_when_its_condition_is_in_fail_on(cli, examples, tmp_path):
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    run = cli("compare", ref, cur)
    assert "Data quality (finding, not gating)" in run.out
    assert "(breach)" not in run.out
    md = tmp_path / "r.md"
    run = cli("compare", ref, cur, "--fail-on", "quality", "--markdown", md)
    assert run.code == 1 and "Data quality (breach)" in run.out
    assert "### Data quality ❌" in md.read_text(encoding="utf-8")
    cli("compare", ref, cur, "--markdown", md)
    assert "### Data quality ⚠️ (not gating)" in md.read_text(encoding="utf-8")


def test_a_segment_breach_counts_the_columns_it_does_not_name(cli, examples):
    assert _first(["a", "b"]) == "a, b"
    assert _first(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    run = cli(
        "compare",
        examples / "reference.parquet",
        examples / "current.parquet",
        "--segment-by",
        "region",
        "--fail-on",
        "segment",
        "--json",
        "-",
    )
    reasons = json.loads(run.out)["verdict"]["reasons"]
    for reason in reasons:
        if "dataset drift (" in reason:
            count = int(reason.split("dataset drift (", 1)[1].split(" ", 1)[0])
            if count > 3:
                assert reason.endswith(f"and {count - 3} more)")


def test_piped_listings_have_no_trailing_spaces(cli, weekly_timeline):
    listings = [cli("tests").out, cli(*weekly_timeline, "--reference-window", "30d").out]
    for text in listings:
        lines = text.splitlines()
        assert len(lines) > 5
        assert [ln for ln in lines if ln != ln.rstrip()] == []


def test_print_config_keeps_comments_near_the_settings(cli, examples):
    run = cli(
        "compare", examples / "reference.parquet", examples / "current.parquet", "--print-config"
    )
    assert run.code == 0
    short = [ln for ln in run.out.splitlines() if ln.startswith("drift_share = ")]
    assert short and short[0].index("#") <= 42
