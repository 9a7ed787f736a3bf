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


def test_a_mistyped_webhook_url_never_shows_its_secret(cli, examples):
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    for url, shown in (
        ("hooks.slack.com/services/T0/B0/SECRET", "'hooks.slack.com/...'"),
        ("http:/hooks.slack.com/services/T0/SECRET", "'http:/hooks.slack.com/...'"),
        ("ftp://user:pass@host/SECRET", "'ftp://***@host/...'"),
        ("https//hooks.slack.com/SECRET", "'https/...'"),
    ):
        run = cli("compare", ref, cur, "--notify-webhook", url, "-q")
        assert run.code == 2 and shown in run.err, (url, run.err)
        assert "SECRET" not in run.err and "pass" not in run.err


def test_a_global_test_unused_because_each_column_has_its_own_is_no_error(cli, examples, tmp_path):
    """The README's example config (stattest psi, income with its own test) on one column."""
    config = tmp_path / "driftcli.toml"
    config.write_text('stattest = "psi"\n[columns."income"]\ntest = "wasserstein"\n')
    args = (examples / "reference.parquet", examples / "current.parquet", "--config", config)
    run = cli("compare", *args, "--columns", "income", "--json", "-")
    assert run.code in (0, 1), run.err
    (col,) = json.loads(run.out)["columns"]
    assert col["name"] == "income" and col["test"] == "wasserstein"
    # a global test that fits none of the columns left to it is still an error
    config.write_text('stattest = "chisquare"\n')
    run = cli("compare", *args, "--columns", "income")
    assert run.code == 2 and "stattest chisquare applies to none" in run.err


def test_a_forced_kind_from_the_config_names_the_file_and_key(cli, examples, tmp_path):
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    config = tmp_path / "k.toml"
    config.write_text('[columns."region"]\nkind = "numeric"\n')
    run = cli("compare", ref, cur, "--config", config, "-q")
    assert run.code == 2 and run.err.count("\n") == 1
    assert "k.toml:1: column 'region' is forced numeric ([columns.\"region\"] kind" in run.err
    config.write_text('numerical = ["region"]\n')
    run = cli("compare", ref, cur, "--config", config, "-q")
    assert run.code == 2 and "k.toml:1: numerical)" in run.err and "--numerical" not in run.err
    run = cli("compare", ref, cur, "--numerical", "region", "-q")
    assert run.code == 2 and "forced numeric (--numerical)" in run.err


def test_the_delimiter_hint_can_be_pasted_as_it_is(cli, tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_text("a\tb\n" + "".join(f"{i}\t{i * 2}\n" for i in range(200)))
    run = cli("compare", path, path, "-q")
    assert run.code == 2 and "(use --delimiter '\\t')" in run.err
    run = cli("compare", path, path, "-q", "--delimiter", "\\t")  # what the hint says
    assert run.code == 0, run.err


def test_columns_not_checked_for_too_few_rows_keep_their_kind(cli, examples, tmp_path):
    config = tmp_path / "mr.toml"
    config.write_text('min_rows = 5000\nmin_rows_action = "pass"\n')
    args = (examples / "reference.parquet", examples / "current.parquet", "--config", config)
    run = cli("compare", *args, "--json", "-")
    assert run.code == 0, run.err
    kinds = {c["name"]: c["kind"] for c in json.loads(run.out)["columns"]}
    assert kinds["income"] == "numeric" and kinds["region"] == "categorical"
    assert kinds["signup_date"] == "datetime" and "unsupported" not in kinds.values()


def test_a_config_key_set_twice_in_both_spellings_is_an_error(cli, examples, tmp_path):
    args = (examples / "reference.parquet", examples / "current.parquet")
    for text, line, key in (
        ("drift_share = 0.3\ndrift-share = 0.4\n", 2, "drift-share"),
        ('[columns."income"]\ntest = "psi"\nmin_rows = 1\n', None, None),  # unknown key
        ('[notify]\nwhen = "never"\nwhen_ = 1\n', None, None),
        ('[columns."income"]\nthreshold = 0.2\n[columns."region"]\nkind = "categorical"\n', 0, ""),
        ('[notify.email]\nto = ["a@b.c"]\nstart_tls = true\nstart-tls = false\n', 4, ""),
    ):
        config = tmp_path / "c.toml"
        config.write_text(text)
        run = cli("compare", *args, "--config", config, "-q")
        if line == 0:  # nothing twice: runs
            assert run.code in (0, 1), run.err
            continue
        assert run.code == 2 and run.err.count("\n") == 1, run.err
        if line is not None:
            assert f"c.toml:{line}: " in run.err and "set twice" in run.err, run.err
        if key:
            assert f"as 'drift_share' and as '{key}'" in run.err


def test_history_urls_are_read_as_inputs_are(cli, examples, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = (examples / "reference.parquet", examples / "current.parquet", "-q")
    for given, made in (
        ("sqlite:///new/h.sqlite", "new/h.sqlite"),
        ("SQLite:///h2.sqlite?mode=rwc", "h2.sqlite"),
    ):
        assert cli("compare", *args, "--history", given).code == 1
        assert (tmp_path / made).is_file()
        assert cli("history", given).code == 0
    assert not (tmp_path / "sqlite:").exists() and not (tmp_path / "SQLite:").exists()


def test_select_and_columns_together_are_set_twice(cli, examples, tmp_path):
    args = (examples / "reference.parquet", examples / "current.parquet", "-q")
    config = tmp_path / "c.toml"
    config.write_text('select = ["income"]\ncolumns = ["age"]\n')
    run = cli("compare", *args, "--config", config)
    assert run.code == 2 and "set twice, as 'select' and as 'columns'" in run.err
    config.write_text('select = ["income"]\n[columns."income"]\nthreshold = 0.2\n')
    assert cli("compare", *args, "--config", config).code in (0, 1)


def test_a_webhook_url_with_a_password_is_refused_before_it_can_leak(cli, examples):
    from driftcli.notify import _scrub

    url = "https://alice:S3cretPass@hooks.example.invalid/x/TOKEN"
    args = (examples / "reference.parquet", examples / "current.parquet", "-q")
    run = cli("compare", *args, "--notify-webhook", url)
    assert run.code == 2 and "cannot carry a user name or password" in run.err
    assert "S3cret" not in run.err and "TOKEN" not in run.err and "alice" not in run.err
    # a library caller's delivery error never quotes them either
    said = _scrub("InvalidURL: nonnumeric port: 'S3cretPass@hooks.example.invalid' /x/TOKEN", url)
    assert "S3cret" not in said and "TOKEN" not in said
    for typo in ("https:\\\\hooks.slack.com\\services\\SECRET", "https:hooks.slack.com;SECRET"):
        run = cli("compare", *args, "--notify-webhook", typo)
        assert run.code == 2 and "SECRET" not in run.err, run.err
