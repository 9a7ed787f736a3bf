"""Issue 2 behaviour beyond the example: kinds, overrides, schema changes, JSON contract,
output modes, gating conditions, input formats."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import driftcli
from conftest import EXAMPLES
from contract import COLUMN_KEYS, TOP_KEYS
from driftcli.drift import choose_test, severity
from driftcli.settings import Settings
from driftcli.stattests.base import ColumnPair, Output


def frame(n: int = 300, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1, n),
            "small_int": rng.integers(0, 5, n),
            "big_int": rng.integers(0, 10_000, n),
            "flag": rng.random(n) < 0.5,
            "color": rng.choice(["red", "green", "blue"], n),
            "uid": [f"u{seed}-{i}" for i in range(n)],
            "when": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )


def test_kinds_are_inferred_and_reported():
    result = driftcli.compare(frame(seed=1), frame(seed=2))
    kinds = {c.name: c.kind for c in result.columns}
    assert kinds == {
        "x": "numeric",
        "small_int": "categorical",
        "big_int": "numeric",
        "flag": "categorical",
        "color": "categorical",
        "uid": "id_like",
        "when": "datetime",
    }
    skipped = {c.name: c.skipped_reason for c in result.columns if not c.tested}
    assert set(skipped) == {"uid", "when"}
    assert "id-like" in skipped["uid"] and "datetime" in skipped["when"]


def test_overrides_force_kinds_and_select_columns():
    result = driftcli.compare(
        frame(seed=1),
        frame(seed=2),
        categorical=["big_int"],
        numerical="small_int",
        columns=["big_int,small_int", "x"],
        ignore=["x"],
    )
    assert {c.name: c.kind for c in result.columns} == {
        "small_int": "numeric",
        "big_int": "categorical",
    }


@pytest.mark.parametrize("option", ["columns", "ignore", "categorical", "numerical"])
def test_unknown_column_in_an_option_is_a_usage_error(option):
    with pytest.raises(driftcli.UsageError, match=f"--{option}: unknown column 'nope'"):
        driftcli.compare(frame(), frame(), **{option: ["nope"]})


def test_unknown_stattest_names_the_choices():
    with pytest.raises(driftcli.UsageError, match=r"unknown stat test 'kss'.*ks"):
        driftcli.compare(frame(), frame(), stattest="kss")


def test_schema_changes_are_reported_and_gated():
    ref = frame(seed=1)
    cur = frame(seed=2).drop(columns=["color"]).assign(extra=1.0, x=lambda d: d["x"].astype(str))
    result = driftcli.compare(ref, cur)
    sc = result.schema_changes
    assert sc.missing_in_current == ["color"]
    assert sc.new_in_current == ["extra"]
    assert sc.type_changed == [{"column": "x", "reference": "float", "current": "string"}]
    assert result.column("x").skipped_reason.startswith("type changed")
    assert result.exit_code == 1
    assert any("missing from current: 'color'" in r for r in result.verdict.reasons)
    relaxed = driftcli.compare(ref, cur, fail_on=["dataset"])
    assert relaxed.exit_code == 0


def test_fail_on_column_breaches_on_a_single_drifted_column():
    ref, cur = frame(seed=1), frame(seed=2)
    cur["x"] += 3
    assert driftcli.compare(ref, cur).exit_code == 0  # 1 of 5 columns: no dataset drift
    gated = driftcli.compare(ref, cur, fail_on="column")
    assert gated.exit_code == 1
    assert gated.verdict.reasons == ["1 column(s) drifted: 'x'"]


def test_json_contract_and_side_statistics():
    ref, cur = frame(seed=1), frame(seed=2)
    cur.loc[:9, "x"] = np.nan
    cur.loc[10:11, "x"] = np.inf
    cur.loc[:4, "color"] = None
    cur.loc[5:7, "color"] = "purple"
    data = driftcli.compare(ref, cur).to_dict()
    json.dumps(data, allow_nan=False)
    assert set(data) >= TOP_KEYS
    cols = {c["name"]: c for c in data["columns"]}
    for col in cols.values():
        assert set(col) >= set(COLUMN_KEYS)
    x = cols["x"]
    assert x["current"]["missing"] == 10 and x["current"]["infinite"] == 2
    assert x["current"]["missing_share"] == pytest.approx(12 / 300)
    assert x["p_value"] is not None and x["effect_size"]["name"] == "wasserstein"
    for key in ("min", "max", "mean", "std", "quantiles"):
        assert key in x["reference"]
    assert x["reference"]["mean"] == pytest.approx(ref["x"].mean(), rel=1e-12)
    assert x["reference"]["std"] == pytest.approx(ref["x"].std(), rel=1e-12)
    assert sum(x["histogram"]["reference"]) == 300
    assert sum(x["histogram"]["current"]) == 288
    assert len(x["histogram"]["edges"]) == len(x["histogram"]["reference"]) + 1
    color = cols["color"]
    assert color["current"]["missing"] == 5
    assert color["current"]["unseen_in_other"] == ["purple"]
    assert sum(color["categories"]["current"]) + color["categories"]["other"]["current"] == 295
    assert {t["value"] for t in color["reference"]["top"]} == {"red", "green", "blue"}


def test_automatic_choice_follows_sample_size():
    s = Settings()
    rng = np.random.default_rng(0)
    small = ColumnPair.numeric(rng.normal(size=1000), rng.normal(size=50))
    large = ColumnPair.numeric(rng.normal(size=1001), rng.normal(size=50))
    assert choose_test(small, s).name == "ks"
    assert choose_test(large, s).name == "wasserstein"
    binary = ColumnPair.categorical(["a", "b"] * 10, ["a"] * 20)
    multi = ColumnPair.categorical(["a", "b", "c"] * 10, ["a"] * 20)
    big_multi = ColumnPair.categorical(["a", "b", "c"] * 400, ["a"] * 20)
    assert choose_test(binary, s).name == "z"
    assert choose_test(multi, s).name == "chisquare"
    assert choose_test(big_multi, s).name == "jensenshannon"
    assert choose_test(small, Settings(stattest="psi")).name == "psi"
    assert choose_test(multi, Settings(stattest="ks")).name == "chisquare"  # ks cannot apply


@pytest.mark.parametrize(
    ("output", "value", "expected"),
    [
        (Output.P_VALUE, 0.5, "none"),
        (Output.P_VALUE, 0.01, "low"),
        (Output.P_VALUE, 0.001, "medium"),
        (Output.P_VALUE, 1e-9, "high"),
        (Output.DISTANCE, 0.05, "none"),
        (Output.DISTANCE, 0.15, "low"),
        (Output.DISTANCE, 0.3, "medium"),
        (Output.DISTANCE, 0.5, "high"),
    ],
)
def test_severity_bands(output, value, expected):
    threshold = 0.05 if output is Output.P_VALUE else 0.1
    assert severity(output, value, threshold) == expected


def test_stattest_and_threshold_override_globally():
    result = driftcli.compare(frame(seed=1), frame(seed=2), stattest="psi", threshold=0.3)
    tested = [c for c in result.columns if c.tested]
    assert {c.test for c in tested} == {"psi"}
    assert {c.threshold for c in tested} == {0.3}


def test_inputs_in_every_format_agree(tmp_path):
    ref, cur = frame(seed=1).drop(columns="when"), frame(seed=2, shift=1).drop(columns="when")
    ref.to_csv(tmp_path / "ref.csv", index=False)
    with gzip.open(tmp_path / "cur.csv.gz", "wt") as fh:
        cur.to_csv(fh, index=False)
    (tmp_path / "cur_dir").mkdir()
    half = len(cur) // 2
    pq.write_table(pa.Table.from_pandas(cur.iloc[:half]), tmp_path / "cur_dir" / "a.parquet")
    pq.write_table(pa.Table.from_pandas(cur.iloc[half:]), tmp_path / "cur_dir" / "b.parquet")
    a = driftcli.compare(tmp_path / "ref.csv", tmp_path / "cur.csv.gz")
    b = driftcli.compare(ref, tmp_path / "cur_dir")
    c = driftcli.compare(pa.Table.from_pandas(ref), cur)
    stats = [[(col.name, col.statistic, col.drift) for col in r.columns] for r in (a, b, c)]
    assert stats[0] == stats[1] == stats[2]
    assert a.reference.format == "csv" and b.current.format == "parquet"


def test_unknown_format_is_an_input_error(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("x\n1\n")
    with pytest.raises(driftcli.InputError, match=r"data\.xlsx: unknown file format"):
        driftcli.compare(path, path)


def test_json_to_file_and_quiet(cli, examples, tmp_path):
    out = tmp_path / "sub" / "result.json"
    run = cli(
        "compare", examples / "reference.parquet", examples / "current.parquet", "--json", out, "-q"
    )
    assert run.code == 1 and run.out == "" and run.err == ""
    data = json.loads(out.read_text())
    assert data["verdict"]["exit_code"] == 1
    assert not list(out.parent.glob(".*.tmp"))


def test_plain_text_when_piped(cli, examples):
    run = cli("compare", examples / "reference.parquet", examples / "current.parquet")
    assert "\x1b[" not in run.out  # no ANSI escapes when stdout is not a terminal
    assert run.out.isascii()
    first = run.out.splitlines()[1]
    assert first.split("|")[0].strip() == "column"


def test_bad_option_value_is_one_line(cli, examples):
    run = cli(
        "compare",
        examples / "reference.parquet",
        examples / "current.parquet",
        "--fail-on",
        "sometimes",
    )
    assert run.code == 2
    assert run.err.strip().count("\n") == 0 and "--fail-on" in run.err


def test_tests_command_lists_the_registry(cli):
    run = cli("tests")
    assert run.code == 0
    for name in driftcli.stattests.REGISTRY:
        assert name in run.out


def test_version_and_module_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "driftcli", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"driftcli {driftcli.__version__}"


def test_model_columns_that_check_nothing_are_not_a_pass():
    """Target named but no prediction, and the only feature ignored: exit 2, not 0."""
    ref = pd.DataFrame({"a": range(200), "y": [0, 1] * 100})
    cur = pd.DataFrame({"a": range(200)})
    with pytest.raises(driftcli.DriftcliError, match="nothing could be tested"):
        driftcli.compare(ref, cur, ignore=["a"], target="y")


def test_threshold_of_one_or_more_is_no_significance_level():
    with pytest.raises(driftcli.UsageError, match=r"--threshold 2 is not a significance level"):
        driftcli.compare(frame(seed=1), frame(seed=2), threshold=2)
    same = driftcli.compare(frame(seed=1), frame(seed=1), threshold=2, stattest="psi")
    assert same.exit_code == 0


def test_forcing_a_kind_on_unsupported_types():
    n = 200
    table = pa.table(
        {
            "t": pa.array(range(n), pa.int32()).cast(pa.time32("s")),
            "d": pa.array(range(n), pa.int32()).cast(pa.date32()),
            "s": pa.array([{"a": i} for i in range(n)]),
            "x": pa.array([float(i) for i in range(n)]),
        }
    )
    result = driftcli.compare(table, table, numerical=["t", "d"])
    assert {c.name: c.kind for c in result.columns if c.tested} == {
        "t": "numeric",
        "d": "numeric",
        "x": "numeric",
    }
    assert result.column("s").skipped_reason.startswith("unsupported type")
    with pytest.raises(driftcli.UsageError, match=r"column 's' .* cannot be forced"):
        driftcli.compare(table, table, categorical=["s"])


@pytest.mark.parametrize("key", ["top_categories", "max_int_categories", "small_sample_rows"])
def test_count_settings_are_validated(key):
    with pytest.raises(driftcli.UsageError, match=key.replace("_", "-")):
        driftcli.compare(frame(), frame(), **{key: -1})


def test_columns_run_on_threads_only_for_tests_that_gain_from_them(monkeypatch):
    """The default tests run on one thread (two were slower: GIL hand-offs between short
    numpy calls); asking for Anderson-Darling, globally or for one column, uses threads.
    Either way the result is the same."""
    from driftcli import comparison
    from driftcli.settings import ColumnOverride

    assert not comparison._threaded(Settings())
    assert not comparison._threaded(Settings(stattest="ks"))
    assert comparison._threaded(Settings(stattest="anderson"))
    assert comparison._threaded(
        Settings(column_overrides={"income": ColumnOverride(test="anderson")})
    )
    ref, cur = EXAMPLES / "reference.parquet", EXAMPLES / "current.parquet"
    threaded = driftcli.compare(ref, cur, stattest="anderson").to_dict()
    monkeypatch.setattr(comparison, "_threaded", lambda settings: False)
    serial = driftcli.compare(ref, cur, stattest="anderson").to_dict()
    for d in (threaded, serial):
        d.pop("generated_at")
    assert threaded == serial


def test_an_interrupt_stops_the_comparison_at_the_next_column():
    """Ctrl-C while the columns are compared (on a worker thread) stops the worker after the
    column in hand, rather than after the last one."""
    import os
    import signal

    from driftcli import api
    from driftcli.comparison import compare_profiles
    from driftcli.profiles import Profile

    class Stopped(Exception):
        pass

    def stop(signum, frame):
        raise Stopped

    rng = np.random.default_rng(3)
    table = pa.table({f"c{i}": rng.normal(size=100) for i in range(2_000)})
    ref, cur = driftcli.profile(table), driftcli.profile(table)
    assert isinstance(ref, Profile)
    seen: list[int] = []

    def progress(done, total, name):
        seen.append(done)
        if done == 3:
            os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        with pytest.raises(Stopped):
            compare_profiles(
                ref, cur, Settings(), evaluate_model=api._evaluate_model, progress=progress
            )
    finally:
        signal.signal(signal.SIGINT, previous)
    assert 3 <= len(seen) < 2_000
