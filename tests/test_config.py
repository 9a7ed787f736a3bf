"""The config file: discovery, precedence, validation errors, overrides, init, --print-config,
the multiple-testing correction and min_rows."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomllib
from scipy.stats import false_discovery_control

from driftcli import compare, config
from driftcli.correction import adjust
from driftcli.errors import ConfigError
from driftcli.settings import Settings


@pytest.fixture(autouse=True)
def _no_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def small_frames(rows: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Small samples (p-value tests chosen automatically): x shifted, y and z steady."""
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "x": rng.normal(0, 1, rows),
            "y": rng.normal(0, 1, rows),
            "z": rng.normal(5, 2, rows),
            "colour": rng.choice(["red", "green", "blue"], rows),
        }
    )
    cur = pd.DataFrame(
        {
            "x": rng.normal(0.6, 1, rows),
            "y": rng.normal(0, 1, rows),
            "z": rng.normal(5, 2, rows),
            "colour": rng.choice(["red", "green", "blue"], rows),
        }
    )
    return ref, cur


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, Path]:
    ref, cur = small_frames()
    rp, cp = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.to_csv(rp, index=False)
    cur.to_csv(cp, index=False)
    return rp, cp


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "work"
    d.mkdir()
    monkeypatch.chdir(d)
    return d


def settings_of(run) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(run.out)["settings"]


# -- precedence ---------------------------------------------------------------------------


def test_precedence_defaults_file_command_line(cli, data, workdir):
    ref, cur = data
    run = cli("compare", ref, cur, "--json", "-")
    assert settings_of(run)["drift_share"] == 0.5  # default
    assert settings_of(run)["stattest"] is None

    (workdir / "driftcli.toml").write_text('drift_share = 0.25\nstattest = "psi"\n')
    run = cli("compare", ref, cur, "--json", "-")
    got = settings_of(run)
    assert got["drift_share"] == 0.25 and got["stattest"] == "psi"  # file beats default

    run = cli("compare", ref, cur, "--json", "-", "--drift-share", "0.75")
    got = settings_of(run)
    assert got["drift_share"] == 0.75  # command line beats file
    assert got["stattest"] == "psi"  # the file still applies where the command line is silent


def test_pyproject_table_is_discovered_and_driftcli_toml_wins(cli, data, workdir):
    ref, cur = data
    (workdir / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.driftcli]\ndrift_share = 0.2\n'
    )
    assert settings_of(cli("compare", ref, cur, "--json", "-"))["drift_share"] == 0.2
    (workdir / "driftcli.toml").write_text("drift_share = 0.4\n")
    assert settings_of(cli("compare", ref, cur, "--json", "-"))["drift_share"] == 0.4


def test_pyproject_without_table_is_ignored(cli, data, workdir):
    ref, cur = data
    (workdir / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert settings_of(cli("compare", ref, cur, "--json", "-"))["drift_share"] == 0.5


def test_broken_pyproject_with_a_driftcli_table_is_an_error_not_ignored(cli, data, workdir):
    ref, cur = data
    (workdir / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.driftcli]\ndrift_share = 0.2\nstattest = "psi\n'
    )
    run = cli("compare", ref, cur)
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert run.err.startswith("driftcli: error: pyproject.toml:6: invalid TOML"), run.err
    with pytest.raises(ConfigError, match=r"^pyproject.toml:6: invalid TOML"):
        config.discover(workdir)


def test_broken_pyproject_without_a_driftcli_table_is_ignored(cli, data, workdir):
    ref, cur = data
    (workdir / "pyproject.toml").write_text('[project]\nname = "x\n')
    assert config.discover(workdir) is None
    assert settings_of(cli("compare", ref, cur, "--json", "-"))["drift_share"] == 0.5


def test_undecodable_pyproject_with_a_driftcli_table_is_an_error(workdir):
    (workdir / "pyproject.toml").write_bytes(b"[tool.driftcli]\nname = '\xff'\n")
    with pytest.raises(ConfigError, match=r"^pyproject.toml: cannot read config file"):
        config.discover(workdir)


def test_explicit_config_path(cli, data, workdir, tmp_path):
    ref, cur = data
    (workdir / "driftcli.toml").write_text("drift_share = 0.4\n")
    other = tmp_path / "elsewhere.toml"
    other.write_text("drift_share = 0.9\nfail_on = ['column']\n")
    got = settings_of(cli("compare", ref, cur, "--json", "-", "--config", other))
    assert got["drift_share"] == 0.9 and got["fail_on"] == ["column"]


def test_outputs_and_fail_policy_from_the_file(cli, data, workdir):
    ref, cur = data
    (workdir / "driftcli.toml").write_text(
        'fail_on = ["never"]\njunit = "out/drift.xml"\nquiet = true\n'
    )
    run = cli("compare", ref, cur)
    assert run.code == 0 and run.out == ""
    assert (workdir / "out" / "drift.xml").is_file()


def test_print_config_shows_sources_and_exits_without_comparing(cli, workdir):
    (workdir / "driftcli.toml").write_text('stattest = "psi"\n\ndrift_share = 0.3\n')
    run = cli("compare", "--print-config", "--drift-share", "0.6", "--correction", "holm")
    assert run.code == 0, run.err
    lines = {ln.split("=")[0].strip(): ln for ln in run.out.splitlines() if "=" in ln}
    assert lines["stattest"].endswith("# driftcli.toml:1")
    assert (
        lines["drift_share"].startswith("drift_share = 0.6")
        and "command line" in lines["drift_share"]
    )
    assert "# default" in lines["min_rows"] and "min_rows = 100" in lines["min_rows"]
    assert "holm" in lines["correction"]
    # with both data arguments it still does not compare: no table, nothing read
    run = cli("compare", "nope.csv", "nope2.csv", "--print-config")
    assert run.code == 0 and "PASSED" not in run.out and "BREACHED" not in run.out


def test_print_config_masks_the_webhook_path(cli, workdir):
    (workdir / "driftcli.toml").write_text(
        '[notify]\nwebhook = "https://hooks.example.com/services/T0/B0/secret"\n'
    )
    run = cli("compare", "--print-config")
    assert "secret" not in run.out and "https://hooks.example.com/..." in run.out


def test_compare_without_inputs_is_a_usage_error(cli, workdir):
    run = cli("compare")
    assert run.code == 2 and run.err.count("\n") == 1


def test_every_settings_field_is_a_config_key():
    keys = set(config.top_level_fields())
    for f in dataclasses.fields(Settings):
        if f.name in ("column_overrides", "sources", "config_file"):
            assert f.name not in keys
        else:
            assert f.name in keys, f.name


def test_types_are_checked_from_the_annotations(tmp_path):
    path = tmp_path / "driftcli.toml"
    path.write_text('min_rows = 50\ndrift_share = 1\nignore = "a, b"\nshow_all = true\n')
    eff = config.resolve({}, path)
    assert eff.settings.min_rows == 50
    assert isinstance(eff.settings.drift_share, float)
    assert eff.settings.ignore == ["a", "b"]
    assert eff.outputs.show_all is True


def test_kebab_case_keys_are_accepted(tmp_path):
    path = tmp_path / "driftcli.toml"
    path.write_text("drift-share = 0.3\n[notify.email]\npassword-env = 'X'\n")
    eff = config.resolve({}, path)
    assert eff.settings.drift_share == 0.3 and eff.notify.email.password_env == "X"


def test_metrics_table_becomes_min_metric(tmp_path):
    path = tmp_path / "driftcli.toml"
    path.write_text('target = "y"\n[metrics]\naccuracy = 0.8\nrmse = 12\n')
    eff = config.resolve({}, path)
    assert eff.settings.min_metric == ["accuracy=0.8", "rmse=12"]
    # the command line replaces the file's list
    eff = config.resolve({"min_metric": ["f1=0.5"]}, path)
    assert eff.settings.min_metric == ["f1=0.5"]


def test_notify_sections(tmp_path):
    path = tmp_path / "driftcli.toml"
    path.write_text(
        "[notify]\nwhen = 'always'\nwebhook = 'http://127.0.0.1:1/x'\ntimeout = 2\n"
        "[notify.email]\nto = ['a@example.com']\nserver = 'mail'\nport = 587\n"
        "from = 'drift@example.com'\nstarttls = true\n"
    )
    eff = config.resolve({"notify_email": ["b@example.com,c@example.com"]}, path)
    assert eff.notify.when == "always" and eff.notify.timeout == 2.0
    assert eff.notify.email.to == ["b@example.com", "c@example.com"]  # command line wins
    assert eff.notify.email.sender == "drift@example.com" and eff.notify.email.starttls
    assert eff.origins["notify.email.to"] == config.COMMAND_LINE
    assert eff.origins["notify.email.port"].startswith(str(path))


# -- validation: one line naming file, line and key; exit 2 ---------------------------------

BAD_CONFIGS = [
    ("drift_shar = 0.3\n", "driftcli.toml:1: drift_shar", "did you mean 'drift_share'"),
    ("[notify]\nwebhok = 'x'\n", "driftcli.toml:2: notify.webhok", "did you mean 'webhook'"),
    ("\n\ndrift_share = 'half'\n", "driftcli.toml:3: drift_share", "expected a number"),
    ("min_rows = 1.5\n", "driftcli.toml:1: min_rows", "expected an integer"),
    ("quiet = 'yes'\n", "driftcli.toml:1: quiet", "expected true or false"),
    ("fail_on = [1, 2]\n", "driftcli.toml:1: fail_on", "expected a list of strings"),
    ('stattest = "kss"\n', "driftcli.toml:1: stattest", "unknown stat test 'kss'"),
    ('[columns.x]\ntest = "wasserstien"\n', "driftcli.toml:2: columns.x.test", "wasserstein"),
    ("threshold = -0.1\n", "driftcli.toml:1: threshold", "threshold must be > 0"),
    ("drift_share = 1.5\n", "driftcli.toml:1: drift_share", "(0, 1]"),
    ('[columns.x]\ntest = "ks"\nthreshold = 5\n', "driftcli.toml:3: columns.x.threshold", "(0, 1)"),
    ('[columns.x]\nkind = "text"\n', "driftcli.toml:2: columns.x.kind", "numeric, categorical"),
    ("[columns.x]\nignore = 1\n", "driftcli.toml:2: columns.x.ignore", "true or false"),
    ('correction = "sidak"\n', "driftcli.toml:1: correction", "bonferroni"),
    ('min_rows_action = "warn"\n', "driftcli.toml:1: min_rows_action", "error, pass"),
    ('fail_on = ["bogus"]\n', "driftcli.toml:1: fail_on", "unknown fail_on condition"),
    ("[notify]\nwhen = 'sometimes'\n", "driftcli.toml:2: notify.when", "breach, always, never"),
    ("[notify.email]\nport = '25'\n", "driftcli.toml:2: notify.email.port", "expected an integer"),
    ("[metrics]\naccuracy = 'high'\n", "driftcli.toml:2: metrics.accuracy", "expected a number"),
    ("drift_share = \n", "driftcli.toml:1: invalid TOML", "line 1"),
    ('\nprometheus_labels = ["bad-name=x"]\n', "driftcli.toml:2: prometheus_labels", "NAME=VALUE"),
    ("[columns.x]\ntest = 'ks'\n[columns.x]\n", "driftcli.toml:3: invalid TOML", "line 3"),
]


@pytest.mark.parametrize(("text", "where", "what"), BAD_CONFIGS)
def test_bad_config_is_one_line_exit_2(cli, data, workdir, text, where, what):
    ref, cur = data
    (workdir / "driftcli.toml").write_text(text)
    run = cli("compare", ref, cur)
    assert run.code == 2
    assert run.err.count("\n") == 1, run.err
    assert where in run.err and what in run.err, run.err
    assert "Traceback" not in run.err and run.out == ""


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[columns."nope"]\nthreshold = 0.2\n', 'driftcli.toml:1: [columns."nope"]'),
        ('ignore = ["nope"]\n', "driftcli.toml:1: ignore: unknown column 'nope'"),
        ('\nselect = ["x", "nope"]\n', "driftcli.toml:2: select: unknown column 'nope'"),
    ],
)
def test_config_column_absent_from_data(cli, data, workdir, text, where):
    ref, cur = data
    (workdir / "driftcli.toml").write_text(text)
    run = cli("compare", ref, cur)
    assert run.code == 2 and run.err.count("\n") == 1
    assert where in run.err, run.err


def test_per_column_test_that_does_not_apply(cli, data, workdir):
    ref, cur = data
    (workdir / "driftcli.toml").write_text('[columns.colour]\ntest = "ks"\n')
    run = cli("compare", ref, cur)
    assert run.code == 2 and run.err.count("\n") == 1
    assert 'driftcli.toml:1: [columns."colour"]' in run.err and "categorical" in run.err


def test_missing_explicit_config(cli, data, tmp_path):
    ref, cur = data
    run = cli("compare", ref, cur, "--config", tmp_path / "none.toml")
    assert run.code == 2 and "none.toml: config file not found" in run.err


def test_pyproject_given_explicitly_needs_the_table(cli, data, tmp_path):
    ref, cur = data
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    run = cli("compare", ref, cur, "--config", tmp_path / "pyproject.toml")
    assert run.code == 2 and "no [tool.driftcli] table" in run.err


def test_pyproject_error_line_numbers_count_the_whole_file(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n\n[tool.driftcli]\ndrift_share = 'x'\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml:5: drift_share: expected a number"):
        config.resolve({}, path)


def test_a_conflict_with_the_command_line_names_the_file_key(tmp_path):
    """Checks run on the merged settings, and the error names the file key involved."""
    path = tmp_path / "driftcli.toml"
    path.write_text('\ncategorical = ["a"]\n')
    with pytest.raises(ConfigError, match=r"driftcli.toml:2: categorical: column 'a' is in both"):
        config.resolve({"numerical": ["a"]}, path)


def test_a_bad_command_line_value_is_a_usage_error_not_blamed_on_the_file(cli, data, workdir):
    ref, cur = data
    (workdir / "driftcli.toml").write_text("drift_share = 0.3\n")
    run = cli("compare", ref, cur, "--drift-share", "7")
    assert run.code == 2 and "--drift-share must be in (0, 1]" in run.err
    assert "driftcli.toml" not in run.err


# -- per-column overrides -------------------------------------------------------------------


def test_column_overrides_apply(cli, data, workdir):
    ref, cur = data
    (workdir / "driftcli.toml").write_text(
        '[columns.x]\ntest = "psi"\nthreshold = 0.5\n'
        "[columns.y]\nthreshold = 0.2\n"
        "[columns.z]\nignore = true\n"
        '[columns."colour"]\ntest = "jensenshannon"\n'
    )
    run = cli("compare", ref, cur, "--json", "-")
    assert run.code in (0, 1), run.err
    cols = {c["name"]: c for c in json.loads(run.out)["columns"]}
    assert "z" not in cols
    assert cols["x"]["test"] == "psi" and cols["x"]["threshold"] == 0.5
    assert cols["y"]["test"] == "ks" and cols["y"]["threshold"] == 0.2
    assert cols["colour"]["test"] == "jensenshannon"


def test_column_override_beats_global_stattest_and_kind_can_be_forced(cli, data, workdir):
    ref, cur = data
    (workdir / "driftcli.toml").write_text(
        'stattest = "wasserstein"\n[columns.x]\ntest = "ks"\n[columns.y]\nkind = "categorical"\n'
    )
    cols = {
        c["name"]: c for c in json.loads(cli("compare", ref, cur, "--json", "-").out)["columns"]
    }
    assert cols["x"]["test"] == "ks" and cols["z"]["test"] == "wasserstein"
    assert cols["y"]["kind"] == "categorical"
    # the command line's --numerical beats the file's kind
    run = cli("compare", ref, cur, "--json", "-", "--numerical", "y")
    cols = {c["name"]: c for c in json.loads(run.out)["columns"]}
    assert cols["y"]["kind"] == "numeric"


def test_library_accepts_column_overrides():
    ref, cur = small_frames()
    ov = {"x": config.ColumnOverride(test="t_test")}
    result = compare(ref, cur, column_overrides=ov)
    assert result.column("x").test == "t_test"


# -- multiple-testing correction -------------------------------------------------------------


def test_adjust_matches_hand_computed_and_scipy():
    p = [0.01, 0.04, 0.03, 0.2]
    assert adjust(p, "bonferroni") == pytest.approx([0.04, 0.16, 0.12, 0.8])
    # Holm: sorted 0.01, 0.03, 0.04, 0.2 -> 4*.01, 3*.03, 2*.04, 1*.2 -> running max
    assert adjust(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.2])
    rng = np.random.default_rng(3)
    for _ in range(20):
        ps = rng.uniform(0, 0.3, rng.integers(1, 40))
        assert adjust(ps, "fdr_bh") == pytest.approx(false_discovery_control(ps).tolist())
        holm, bonf = np.array(adjust(ps, "holm")), np.array(adjust(ps, "bonferroni"))
        assert np.all(holm <= bonf + 1e-12) and np.all(holm >= ps - 1e-12)
    assert adjust([], "holm") == []
    assert adjust(p, "none") == p


@pytest.mark.parametrize("method", ["bonferroni", "holm", "fdr_bh"])
def test_correction_sets_adjusted_p_and_decides_drift_on_it(method):
    ref, cur = small_frames()
    raw = compare(ref, cur, fail_on=["never"])
    corrected = compare(ref, cur, fail_on=["never"], correction=method)
    family = [c for c in raw.columns if c.output == "p_value"]
    expected = adjust([c.p_value for c in family], method)
    for col, p_adj in zip(family, expected, strict=True):
        got = corrected.column(col.name)
        assert got.p_value == col.p_value  # the raw p-value is kept
        assert got.p_value_adjusted == pytest.approx(p_adj)
        assert got.drift == (p_adj < got.threshold)
    assert all(c.p_value_adjusted is None for c in raw.columns)
    assert corrected.to_dict()["columns"][0]["p_value_adjusted"] is not None


def test_correction_removes_a_marginal_finding():
    """Four columns at p just under 0.05: drift without correction, none with Bonferroni."""
    ref, cur = small_frames()
    plain = compare(ref, cur, fail_on=["never"], threshold=0.99, stattest="ks")
    flagged = {c.name for c in plain.columns if c.drift and c.test == "ks"}
    strict = compare(
        ref, cur, fail_on=["never"], threshold=0.99, stattest="ks", correction="bonferroni"
    )
    assert {c.name for c in strict.columns if c.drift and c.test == "ks"} <= flagged


def test_distance_tests_are_not_corrected():
    ref, cur = small_frames()
    result = compare(ref, cur, stattest="psi", correction="bonferroni", fail_on=["never"])
    assert all(c.p_value_adjusted is None for c in result.columns if c.test == "psi")


# -- min_rows --------------------------------------------------------------------------------


def test_too_few_rows_is_exit_2_with_a_clear_message(cli, tmp_path):
    ref, cur = small_frames(rows=60)
    ref.to_csv(tmp_path / "r.csv", index=False)
    cur.to_csv(tmp_path / "c.csv", index=False)
    run = cli("compare", tmp_path / "r.csv", tmp_path / "c.csv")
    assert run.code == 2 and run.err.count("\n") == 1
    assert "60 rows, fewer than min_rows = 100" in run.err and "r.csv" in run.err
    assert cli("compare", tmp_path / "r.csv", tmp_path / "c.csv", "--min-rows", "50").code in (0, 1)


def test_too_few_rows_can_be_configured_to_pass(cli, tmp_path, workdir):
    ref, cur = small_frames(rows=60)
    ref.to_csv(tmp_path / "r.csv", index=False)
    cur.to_csv(tmp_path / "c.csv", index=False)
    (workdir / "driftcli.toml").write_text('min_rows_action = "pass"\n')
    run = cli("compare", tmp_path / "r.csv", tmp_path / "c.csv", "--json", "-")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["verdict"]["passed"] and "not checked" in data["verdict"]["reasons"][0]
    assert all(c["skipped_reason"] == "not checked: too few rows" for c in data["columns"])


# -- init --------------------------------------------------------------------------------------


def test_init_writes_a_commented_starter_listing_every_setting(cli, workdir):
    run = cli("init")
    assert run.code == 0
    text = (workdir / "driftcli.toml").read_text()
    assert tomllib.loads(text) == {}  # everything commented out: defaults apply
    for name in config.top_level_fields():
        assert re.search(rf"^# {name} = ", text, re.M), name
    assert "# Dataset drift when at least this share of tested columns drifted." in text
    assert "# drift_share = 0.5" in text and '# correction = "none"' in text
    assert "# [notify.email]" in text and '# from = "driftcli@localhost"' in text
    # uncommenting every default line gives a valid file equal to the defaults
    active = "\n".join(
        line[2:]
        for line in text.splitlines()
        if re.match(r"^# [a-z_]+ = ", line)
        and "not set by default" not in line
        and not line.startswith(
            (
                "# test",
                "# threshold = 0.2",
                "# ignore = true",
                "# accuracy",
                "# rmse",
                "# min ",
                "# max_drop",
            )
        )
    )
    top = active.split("\nwhen = ")[0]
    eff = config.resolve({}, _write(workdir / "uncommented.toml", top))
    got = eff.settings.to_dict()
    assert got.pop("config_file") == str(workdir / "uncommented.toml")
    assert got == {k: v for k, v in Settings().to_dict().items() if k != "config_file"}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_init_refuses_to_overwrite_unless_forced(cli, workdir):
    (workdir / "driftcli.toml").write_text("drift_share = 0.3\n")
    run = cli("init")
    assert run.code == 2 and "already exists" in run.err and run.err.count("\n") == 1
    assert (workdir / "driftcli.toml").read_text() == "drift_share = 0.3\n"
    assert cli("init", "--force").code == 0
    assert "drift_share = 0.3" not in (workdir / "driftcli.toml").read_text()


def test_init_into_an_unwritable_place_is_one_line_exit_2(cli, workdir):
    (workdir / "blocker").write_text("a file, not a folder")
    run = cli("init", workdir / "blocker" / "driftcli.toml")
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert "cannot write" in run.err and "Traceback" not in run.err


def test_starter_config_documents_the_metrics_table():
    assert "# [metrics]" in config.starter_config()


def test_field_docs_come_from_the_source():
    docs = config.field_docs(Settings)
    assert docs["drift_share"].startswith("Dataset drift when")
    assert set(docs) >= {f.name for f in dataclasses.fields(Settings)} - {"sources"}


def test_library_reads_the_config_through_resolve(tmp_path):
    path = tmp_path / "driftcli.toml"
    path.write_text('[columns.x]\ntest = "psi"\nthreshold = 0.3\n')
    ref, cur = small_frames()
    result = compare(ref, cur, config.resolve(config_path=path).settings, fail_on=["never"])
    assert result.column("x").test == "psi" and result.column("x").threshold == 0.3
    plain = compare(ref, cur, column_overrides={"x": {"test": "psi"}}, fail_on=["never"])
    assert plain.column("x").test == "psi"


def test_a_field_added_to_settings_is_configurable_at_once(tmp_path, monkeypatch):
    """Keys and their types come from the dataclass fields: no list to keep in sync."""

    @dataclasses.dataclass
    class Extended(Settings):
        new_knob: int = 3
        """A knob another feature adds."""

    monkeypatch.setattr(config, "Settings", Extended)
    path = tmp_path / "driftcli.toml"
    path.write_text("new_knob = 5\n")
    eff = config.resolve({}, path)
    assert isinstance(eff.settings, Extended) and eff.settings.new_knob == 5
    assert config.resolve({"new_knob": 7}, path).settings.new_knob == 7
    assert "# new_knob = 3" in config.starter_config()
    path.write_text("new_knob = 'five'\n")
    with pytest.raises(ConfigError, match=r"driftcli.toml:1: new_knob: expected an integer"):
        config.resolve({}, path)


# -- settings validated up front: every number setting x bad value x channel ----------------

FLOAT_SETTINGS = [
    f.name for f in dataclasses.fields(Settings) if f.type in ("float", "float | None")
]
INT_SETTINGS = sorted(
    f.name for f in dataclasses.fields(Settings) if f.type in ("int", "int | None")
)
NON_FINITE = ["inf", "-inf", "nan"]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _channels(name: str) -> list[str]:
    """Where a setting can be given: the library and the files always, the flag if it has one."""
    from driftcli.cli import METAVARS

    out = ["library", "config file", "pyproject"]
    return [*out, "command line"] if _flag(name) in METAVARS else out


def _check_rejected(cli, workdir, channel, name, bad, expect):  # type: ignore[no-untyped-def]
    """The bad value given through ``channel`` is one line naming where, and exit 2."""
    if channel == "library":
        from driftcli.errors import UsageError

        value = float(bad) if name in FLOAT_SETTINGS else int(bad)
        with pytest.raises(UsageError, match=re.escape(expect)) as err:
            Settings(**{name: value}).validate()
        assert _flag(name) in str(err.value)
        return
    if channel == "command line":
        run = cli("compare", "--print-config", f"{_flag(name)}={bad}")
        where = _flag(name)
    elif channel == "config file":
        (workdir / "driftcli.toml").write_text(f"# a comment\n{name} = {bad}\n")
        run = cli("compare", "--print-config")
        where = f"driftcli.toml:2: {name}"
    else:
        (workdir / "pyproject.toml").write_text(
            f"[project]\nname = 'x'\n\n[tool.driftcli]\n{name} = {bad}\n"
        )
        run = cli("compare", "--print-config")
        where = f"pyproject.toml:5: {name}"
    assert run.code == 2, (channel, name, run.out[:200])
    assert run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith("driftcli: error: "), run.err
    assert where in run.err, run.err
    assert expect in run.err, run.err


FLOAT_MATRIX = [
    (name, bad, channel)
    for name in FLOAT_SETTINGS
    for bad in NON_FINITE
    for channel in _channels(name)
]


@pytest.mark.parametrize(("name", "bad", "channel"), FLOAT_MATRIX)
def test_non_finite_float_settings_are_rejected_everywhere(cli, workdir, name, bad, channel):
    _check_rejected(cli, workdir, channel, name, bad, "finite number")


INT_MATRIX = [
    (name, bad, channel)
    for name in INT_SETTINGS
    for bad in ("-1", str(10**13))
    for channel in _channels(name)
]


@pytest.mark.parametrize(("name", "bad", "channel"), INT_MATRIX)
def test_integer_settings_have_sane_ranges(cli, workdir, name, bad, channel):
    from driftcli.settings import INT_RANGES

    low, high = INT_RANGES[name]
    _check_rejected(cli, workdir, channel, name, bad, f"must be in [{low}, {high}]")


def test_every_integer_setting_has_a_range():
    from driftcli.settings import INT_RANGES

    assert set(INT_SETTINGS) == set(INT_RANGES)
    assert INT_RANGES["seed"][0] == 0


@pytest.mark.parametrize("bad", NON_FINITE)
@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[columns."x"]\nthreshold = {bad}\n', "driftcli.toml:2: columns.x.threshold"),
        ("target = 'y'\n[metrics]\naccuracy = {bad}\n", "driftcli.toml:3: metrics.accuracy"),
        ("[notify]\ntimeout = {bad}\n", "driftcli.toml:2: notify.timeout"),
    ],
)
def test_non_finite_values_in_tables_name_file_line_and_key(cli, workdir, text, where, bad):
    (workdir / "driftcli.toml").write_text(text.format(bad=bad))
    run = cli("compare", "--print-config")
    assert run.code == 2 and run.err.count("\n") == 1
    assert f"{where}: expected a finite number" in run.err, run.err


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("[notify]\nattempts = 0\n", "notify.attempts", "must be in [1, 10]"),
        ("[notify]\nattempts = 100000\n", "notify.attempts", "must be in [1, 10]"),
        ("[notify]\ntimeout = 86400\n", "notify.timeout", "must be in (0, 300] seconds"),
        ("[notify]\ntimeout = 0\n", "notify.timeout", "must be in (0, 300] seconds"),
        ("[notify.email]\nport = 70000\n", "notify.email.port", "must be in [1, 65535]"),
    ],
)
def test_delivery_settings_are_bounded(cli, workdir, text, where, what):
    (workdir / "driftcli.toml").write_text(text)
    run = cli("compare", "--print-config")
    assert run.code == 2 and run.err.count("\n") == 1
    assert f"driftcli.toml:2: {where}: {what}" in run.err, run.err


def test_a_per_column_non_finite_threshold_from_the_library_is_rejected():
    from driftcli.errors import UsageError

    with pytest.raises(UsageError, match="threshold must be a finite number"):
        Settings(column_overrides={"x": {"threshold": float("nan")}}).validate()


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000 + "\n",  # deeper than the parser's recursion
        "a = " + "{ b = " * 3000 + "1" + " }" * 3000 + "\n",
        "# padding\n" * 200_000,  # 2 MB
        "drift_share = [" + ", ".join(["1"] * 50_000) + "]\n",  # a huge bad value
    ],
    ids=["deep-arrays", "deep-tables", "huge-file", "huge-value"],
)
def test_a_deeply_nested_or_huge_config_is_one_clean_line(cli, workdir, text):
    (workdir / "driftcli.toml").write_text(text)
    run = cli("compare", "--print-config")
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith("driftcli: error: driftcli.toml")
    assert len(run.err) < 300 and "Traceback" not in run.err


@pytest.mark.parametrize(
    ("encoding", "what"),
    [
        ("no-such-codec", "unknown encoding"),
        ("rot13", "cannot decode CSV text"),
        ("base64", "cannot decode CSV text"),
        ("undefined", "cannot decode CSV text"),
        ("punycode", "cannot decode CSV text"),
    ],
)
@pytest.mark.parametrize("channel", ["command line", "config file"])
def test_an_unknown_or_unusable_encoding_is_one_line(cli, data, workdir, encoding, what, channel):
    if channel == "command line":
        run = cli("compare", *data, "--encoding", encoding)
        where = "--encoding: "
    else:
        (workdir / "driftcli.toml").write_text(f'encoding = "{encoding}"\n')
        run = cli("compare", *data)
        where = "driftcli.toml:1: encoding: "
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and where + repr(encoding) in run.err.replace(
        "unknown encoding ", ""
    )
    assert what in run.err


@pytest.mark.parametrize("encoding", ["utf8", "latin-1", "cp1252", "utf-16"])
def test_usable_encodings_are_accepted(cli, tmp_path, encoding):
    ref, cur = small_frames()
    paths = []
    for name, frame in (("ref.csv", ref), ("cur.csv", cur)):
        path = tmp_path / name
        path.write_bytes(frame.to_csv(index=False).encode(encoding))
        paths.append(path)
    run = cli("compare", *paths, "--encoding", encoding, "--fail-on", "never")
    assert run.code == 0, run.err


# -- messages name what the user typed -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [("[metrics]\naccuracy = 0.8\n", "metrics"), ('min_metric = ["f1=0.5"]\n', "min_metric")],
)
def test_metric_limits_without_a_target_are_said_in_config_terms(cli, data, workdir, text, key):
    (workdir / "driftcli.toml").write_text(text)
    run = cli("compare", *data)
    assert run.code == 2 and run.err.count("\n") == 1
    assert f"driftcli.toml:1: {key}: metric limits need a target column" in run.err
    assert "--min-metric" not in run.err
    # the same limits with a target on the command line pass the check
    assert cli("compare", "--print-config", "--target", "x").code == 0


def test_min_metric_without_target_on_the_command_line_names_the_flags(cli, data, workdir):
    run = cli("compare", *data, "--min-metric", "accuracy=0.8")
    assert run.code == 2
    assert "--min-metric needs --target" in run.err


def test_print_config_names_the_line_of_each_column_key(cli, workdir):
    (workdir / "driftcli.toml").write_text(
        'drift_share = 0.4\n\n[columns."a b"]\ntest = "psi"\n\nthreshold = 0.3\n'
        "[columns.z]\nignore = true\n"
    )
    out = cli("compare", "--print-config").out
    lines = {ln.split("#")[0].strip(): ln.split("#")[-1].strip() for ln in out.splitlines()}
    assert lines['test = "psi"'] == "driftcli.toml:4"
    assert lines["threshold = 0.3"] == "driftcli.toml:6"
    assert lines["ignore = true"] == "driftcli.toml:8"
    assert lines["drift_share = 0.4"] == "driftcli.toml:1"


# -- discovery: from the working directory up to the repository root --------------------------


def test_config_is_found_in_a_parent_folder_and_named(cli, data, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "driftcli.toml").write_text("drift_share = 0.25\n")
    deep = repo / "jobs" / "nightly"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    run = cli("compare", *data, "--json", "-", "--fail-on", "never")
    got = json.loads(run.out)["settings"]
    assert got["drift_share"] == 0.25
    assert got["config_file"] == str(Path("..", "..", "driftcli.toml"))
    assert f"config: {Path('..', '..', 'driftcli.toml')}" in run.err.splitlines()[1]
    # the header says it on a terminal-style run too, and --print-config names the file
    table = cli("compare", *data, "--fail-on", "never").out
    assert table.splitlines()[1] == f"config: {Path('..', '..', 'driftcli.toml')}"
    assert "< ../../driftcli.toml <" in cli("compare", "--print-config").out


def test_the_nearest_config_wins_and_pyproject_needs_the_table(cli, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "driftcli.toml").write_text("drift_share = 0.25\n")
    sub = repo / "pkg"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")  # no table: skipped
    monkeypatch.chdir(sub)
    assert cli("compare", "--print-config").out.startswith(
        "# driftcli effective settings: defaults < ../driftcli.toml <"
    )
    (sub / "pyproject.toml").write_text("[tool.driftcli]\ndrift_share = 0.75\n")
    out = cli("compare", "--print-config").out
    assert "drift_share = 0.75" in out and "# pyproject.toml:2" in out


@pytest.mark.parametrize("marker", ["dir", "file"])
def test_discovery_stops_at_the_repository_root(cli, tmp_path, monkeypatch, marker):
    (tmp_path / "driftcli.toml").write_text("drift_share = 0.25\n")  # outside the repository
    repo = tmp_path / "repo"
    repo.mkdir()
    if marker == "dir":
        (repo / ".git").mkdir()
    else:  # a worktree or submodule: .git is a file
        (repo / ".git").write_text("gitdir: /elsewhere\n")
    monkeypatch.chdir(repo)
    assert "(no config file)" in cli("compare", "--print-config").out.splitlines()[0]


def test_without_a_repository_discovery_goes_to_the_filesystem_root(tmp_path):
    (tmp_path / "driftcli.toml").write_text("drift_share = 0.25\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert config.discover(deep) == tmp_path / "driftcli.toml"


def test_no_config_file_leaves_config_file_null(cli, data, workdir):
    (workdir / ".git").mkdir()
    run = cli("compare", *data, "--json", "-", "--fail-on", "never")
    assert json.loads(run.out)["settings"]["config_file"] is None
    assert "config:" not in run.err


# -- --help names values, not Python types ---------------------------------------------------


@pytest.mark.parametrize("command", ["compare", "report", "init"])
def test_help_shows_metavars_not_python_types(cli, command):
    text = cli(command, "--help").out
    assert not re.search(r"<(str|int|float|bool|list\[[a-z]+\])>", text), text
    if command == "compare":
        for flag, metavar in (
            ("--json", "PATH"),
            ("--columns", "COLUMN"),
            ("--threshold", "FLOAT"),
            ("--seed", "N"),
            ("--min-metric", "NAME=VALUE"),
        ):
            assert re.search(rf"{flag} {re.escape(metavar)}\b", text), flag
        assert "[REFERENCE] [CURRENT]" in text


def test_every_compare_option_has_a_metavar():
    from typer.main import get_command

    from driftcli.cli import METAVARS, Command, app

    group = get_command(app)
    compare_cmd = group.commands["compare"]  # type: ignore[attr-defined]
    assert isinstance(compare_cmd, Command)
    for param in compare_cmd.params:
        if param.param_type_name == "option" and not getattr(param, "is_flag", False):
            assert param.opts[0] in METAVARS, param.opts[0]


def test_energy_normalization_agrees_between_tests_listing_and_readme(cli):
    listing = cli("tests").out
    line = next(ln for ln in listing.splitlines() if ln.startswith("energy"))
    assert "sqrt(std)" in line
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    row = next(ln for ln in readme.splitlines() if ln.startswith("| `energy`"))
    assert "√std" in row
    assert "divided by sqrt(s)" in readme


def test_troubleshooting_does_not_deny_the_seed_option(cli):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "there is no `--seed`" not in readme
    assert "--seed N" in cli("compare", "--help").out


# -- slow tests: left out of a local run, always run in CI -----------------------------------


def _collected(env_ci: str | None, *args: str) -> str:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if env_ci is not None:
        env["CI"] = env_ci
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "tests/test_calibration.py",
            *args,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("env_ci", "args", "runs_slow"),
    [
        ("false", (), False),
        ("true", (), True),
        (None, ("--runslow",), True),
    ],
)
def test_slow_tests_run_in_ci_or_on_request_only(env_ci, args, runs_slow):
    out = _collected(env_ci, *args)
    last = out.strip().splitlines()[-1]
    if runs_slow:
        assert "deselected" not in last and "test_calibration.py::" in out, last
    else:
        assert "deselected" in last and "test_calibration.py::" not in out, last


def test_unknown_metric_in_the_metrics_table_names_its_line(cli, workdir):
    (workdir / "driftcli.toml").write_text("target = 'y'\n\n[metrics]\nacuracy = 0.8\n")
    run = cli("compare", "--print-config")
    assert run.code == 2
    assert "driftcli.toml:4: metrics.acuracy: unknown metric (did you mean 'accuracy'?)" in run.err


def test_a_metric_of_the_wrong_task_is_named_as_written(cli, workdir):
    examples = Path(__file__).resolve().parents[1] / "examples"
    churn = (examples / "churn_reference.parquet", examples / "churn_current.parquet")
    (workdir / "driftcli.toml").write_text(
        "target = 'churned'\nprediction = 'predicted_churn'\n[metrics]\nrmse = 3\n"
    )
    run = cli("compare", *churn)
    assert run.code == 2 and "--min-metric" not in run.err
    assert "driftcli.toml:3: metrics rmse: not a classification metric" in run.err
    run = cli(
        "compare",
        *churn,
        "--config",
        "",
        "--target",
        "churned",
        "--prediction",
        "predicted_churn",
        "--min-metric",
        "rmse=3",
    )
    assert "--min-metric rmse: not a classification metric" in run.err
