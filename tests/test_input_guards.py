"""Bad input found by a review: each gets one line naming the file, option or key and exit
code 2 (never an internal error, never a pass), and nothing the user owns is replaced."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from driftcli.profiles.store import HEADER


def _one_line_error(run: Any, *needles: str) -> None:
    assert run.code == 2, run.err
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith("driftcli: error: "), run.err
    for needle in needles:
        assert needle in run.err, run.err


# -- CSV encodings and delimiters -----------------------------------------------------------


def test_a_header_that_is_not_utf8_names_the_file(cli, tmp_path):
    bad = tmp_path / "latin.csv"
    bad.write_bytes(b"r\xe9gion,x\n" + b"".join(b"%d,1\n" % i for i in range(300)))
    for command in (("compare", bad, bad), ("profile", bad, "-o", tmp_path / "p.profile")):
        run = cli(*command)
        _one_line_error(run, "latin.csv: the header is not valid UTF-8", "--encoding latin-1")
    run = cli("compare", bad, bad, "--encoding", "latin-1", "-q", "--fail-on", "never")
    assert run.code == 0


def test_an_encoding_the_bytes_do_not_fit_names_the_file(cli, examples):
    run = cli(
        "compare", examples / "reference.csv", examples / "reference.csv", "--encoding", "utf-16"
    )
    _one_line_error(run, "reference.csv: cannot read CSV", "BOM")


def test_a_wrong_delimiter_on_a_comma_file_suggests_the_comma(cli, examples):
    csv = examples / "reference.csv"
    run = cli("compare", csv, csv, "--delimiter", ";")
    _one_line_error(run, "the header is a single column", "is the delimiter ','?")


# -- profile options --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--target", "churned", "--prediction", "nope"], "--prediction: column 'nope' is not in"),
        (["--target", "churned", "--proba", "region"], "--proba column 'region' must hold numbers"),
    ],
)
def test_profile_checks_the_model_outputs_it_is_given(cli, examples, tmp_path, args, needle):
    out = tmp_path / "p.profile"
    run = cli("profile", examples / "churn_reference.parquet", "-o", out, *args)
    _one_line_error(run, needle)
    assert not out.exists()


def test_profile_of_nothing_is_an_error(cli, examples, tmp_path):
    names = "age,income,credit_score,session_length,num_products,region,device,is_active"
    out = tmp_path / "p.profile"
    run = cli(
        "profile",
        examples / "reference.parquet",
        "-o",
        out,
        "--ignore",
        f"{names},signup_date,customer_id",
    )
    _one_line_error(run, "nothing to profile")
    assert not out.exists()


# -- profiles whose zip is intact but whose contents do not add up ------------------------------


def _tampered(src: Path, dst: Path, edit: Any) -> Path:
    """``src`` rewritten with ``edit(header)`` applied to its JSON header."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == HEADER:
                header = json.loads(data)
                edit(header)
                data = json.dumps(header).encode()
            zout.writestr(item, data)
    return dst


def _column(header: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in header["columns"] if c["name"] == name)


def _negative_rows(h: dict[str, Any]) -> None:
    h["rows"] = -5


def _huge_column_rows(h: dict[str, Any]) -> None:
    _column(h, "age")["rows"] = 10**30


def _no_summary(h: dict[str, Any]) -> None:
    _column(h, "income").pop("numeric")


def _offsets_of_another_array(h: dict[str, Any]) -> None:
    region = _column(h, "region")["categories"]
    region["label_offsets"] = _column(h, "income")["numeric"]["values"]


def _counts_beyond_rows(h: dict[str, Any]) -> None:
    _column(h, "age")["numeric"]["missing"] = 7


def _more_rows_than_any_column(h: dict[str, Any]) -> None:
    h["rows"] = 5000


def _mean_not_a_number(h: dict[str, Any]) -> None:
    _column(h, "income")["numeric"]["moments"]["mean"] = "NaN"


def _negative_variance(h: dict[str, Any]) -> None:
    _column(h, "income")["numeric"]["moments"]["m2"] = -1.0


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (_negative_rows, "rows in a profile of -5"),
        (_huge_column_rows, "rows in a profile of 2000"),
        (_no_summary, "column 'income': no summary for its float values"),
        (_offsets_of_another_array, "category label offsets"),
        (_counts_beyond_rows, "column 'age': counts do not add up"),
        (_more_rows_than_any_column, "5000 rows, but no column has that many"),
        (_mean_not_a_number, "column 'income': its mean or variance is not a number"),
        (_negative_variance, "column 'income': its mean or variance is not a number"),
    ],
)
def test_a_profile_whose_counts_do_not_add_up_is_corrupt(cli, examples, tmp_path, edit, needle):
    good = tmp_path / "good.profile"
    assert cli("profile", examples / "reference.parquet", "-o", good, "-q").code == 0
    bad = _tampered(good, tmp_path / "bad.profile", edit)
    run = cli("compare", bad, examples / "current.parquet")
    _one_line_error(run, "bad.profile: corrupt or truncated profile", needle)
    run = cli("profile", "--merge", good, bad, "-o", tmp_path / "m.profile")
    _one_line_error(run, needle)
    # the untouched copy still loads: the checks hold for what driftcli writes
    assert cli("compare", good, examples / "current.parquet", "-q").code == 1


# -- settings checked before any data is read --------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://x/y", "file:///tmp/x", "notaurl", "https://"])
def test_a_webhook_that_cannot_take_a_post_is_refused_up_front(cli, tmp_path, url):
    run = cli(
        "compare", tmp_path / "not-read.csv", tmp_path / "not-read.csv", "--notify-webhook", url
    )
    _one_line_error(run, "--notify-webhook: expected an http:// or https:// URL")


def test_a_webhook_in_the_config_names_the_file_and_hides_its_path(cli, examples, tmp_path):
    cfg = tmp_path / "driftcli.toml"
    cfg.write_text('[notify]\nwebhook = "ftp://hooks.example/T0/SECRET"\n')
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    run = cli("compare", ref, cur, "--config", cfg)
    _one_line_error(run, "driftcli.toml:2: notify.webhook", "ftp://hooks.example/...")
    assert "SECRET" not in run.err


# -- outputs ---------------------------------------------------------------------------------


def test_a_run_whose_outputs_fail_is_recorded_as_an_error(cli, examples, tmp_path, monkeypatch):
    from driftcli import cli as cli_module
    from driftcli.errors import OutputError

    def disk_full(files: list[tuple[str, str]]) -> None:  # after the run was recorded
        raise OutputError(f"{files[0][0]}: cannot write: No space left on device")

    monkeypatch.setattr(cli_module, "write_files", disk_full)
    hist = tmp_path / "h.sqlite"
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    run = cli("compare", ref, cur, "--history", hist, "--markdown", tmp_path / "r.md", "-q")
    assert run.code == 2 and "No space left" in run.err
    with sqlite3.connect(hist) as conn:
        rows = conn.execute("SELECT verdict, exit_code, error FROM runs").fetchall()
    assert len(rows) == 1
    verdict, code, error = rows[0]
    assert (verdict, code) == ("error", 2) and "r.md" in error


def test_an_output_never_replaces_data_or_a_profile(cli, examples, tmp_path):
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    parquet = tmp_path / "other.parquet"
    shutil.copy(ref, parquet)
    disguised = tmp_path / "other.bin"
    shutil.copy(ref, disguised)
    csv = tmp_path / "other.csv"
    shutil.copy(examples / "reference.csv", csv)
    prof = tmp_path / "ref.profile"
    assert cli("profile", ref, "-o", prof, "-q").code == 0
    before = {p: p.read_bytes() for p in (parquet, disguised, csv, prof)}
    for option, target, what in [
        ("--json", disguised, "a Parquet file"),
        ("--html", csv, "a data file"),
        ("--markdown", prof, "a driftcli profile"),
    ]:
        run = cli("compare", ref, cur, option, target)
        _one_line_error(run, f"would replace {what}")
    run = cli("profile", ref, "-o", parquet)
    _one_line_error(run, "would replace a Parquet file")
    assert {p: p.read_bytes() for p in before} == before
    # results and profiles are rewritten run after run
    out = tmp_path / "r.json"
    for _ in range(2):
        assert cli("compare", ref, cur, "--json", out, "-q").code == 1
        assert cli("profile", ref, "-o", prof, "-q").code == 0


def test_init_under_a_regular_file_says_so(cli, tmp_path):
    blocker = tmp_path / "regular.txt"
    blocker.write_text("x")
    run = cli("init", blocker / "driftcli.toml")
    _one_line_error(run, "regular.txt is not a directory")


def test_a_timeline_whose_outputs_fail_takes_its_periods_back(
    cli, weekly_timeline, tmp_path, monkeypatch
):
    from driftcli import cli as cli_module
    from driftcli.errors import OutputError

    hist = tmp_path / "h.sqlite"
    real_write = cli_module.write_files

    def disk_full(files: list[tuple[str, str]]) -> None:
        raise OutputError(f"{files[0][0]}: cannot write: No space left on device")

    args = [*weekly_timeline, "--history", hist, "-q"]
    monkeypatch.setattr(cli_module, "write_files", disk_full)  # after the periods are recorded
    run = cli(*args, "--html", tmp_path / "t.html")
    assert run.code == 2 and "No space left" in run.err
    monkeypatch.setattr(cli_module, "write_files", real_write)

    def runs() -> list[tuple[str, int]]:
        with sqlite3.connect(hist) as conn:
            return conn.execute("SELECT verdict, exit_code FROM runs ORDER BY id").fetchall()

    assert runs() == [("error", 2)]  # no period kept: the next run records them, not skips
    assert cli(*args).code == 0
    later = runs()[1:]
    assert len(later) == 13 and all(verdict != "error" for verdict, _ in later)


# -- found by a review of the fixes above ----------------------------------------------------


def test_profiles_driftcli_writes_always_load_back(tmp_path):
    import pyarrow as pa

    import driftcli
    from driftcli.profiles import Profile

    odd = pa.table(
        {
            "lst": pa.array([[1], [2], []] * 50, pa.list_(pa.int64())),
            "s": pa.array(["1", "2", "x"] * 50),
            "n": pa.array(range(150), pa.float64()),
        }
    )
    for prof in (
        driftcli.profile(odd),  # a list column: rows, no summary
        driftcli.merge([driftcli.profile(odd, numerical=["n"]), driftcli.profile(odd)]),
    ):
        path = tmp_path / "p.profile"
        prof.save(path)
        assert Profile.load(path).rows == prof.rows


def test_profile_checks_only_the_names_this_run_gives(cli, examples, tmp_path):
    cfg = tmp_path / "driftcli.toml"
    cfg.write_text('[columns."only_in_current"]\ntest = "psi"\n')
    out = tmp_path / "p.profile"
    ref = examples / "reference.parquet"
    run = cli("profile", ref, "-o", out, "--config", cfg, "--ignore", "gone", "-q")
    assert run.code == 0, run.err  # a shared config and an absent ignored column are fine


def test_a_timeline_reference_without_the_time_column(cli, weekly_timeline, examples):
    run = cli(*weekly_timeline, "--reference", examples / "reference.parquet", "-q")
    assert run.code in (0, 1), run.err


def test_a_malformed_webhook_url_is_a_usage_error(cli, tmp_path):
    run = cli(
        "compare", tmp_path / "a.csv", tmp_path / "a.csv", "--notify-webhook", "http://[::1/h"
    )
    _one_line_error(run, "--notify-webhook: expected an http:// or https:// URL")


def test_any_failure_after_the_record_marks_the_run_an_error(cli, examples, tmp_path, monkeypatch):
    from driftcli import cli as cli_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a renderer bug")

    monkeypatch.setattr(cli_module, "write_outputs", broken)
    hist = tmp_path / "h.sqlite"
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    run = cli("compare", ref, cur, "--history", hist, "-q")
    assert run.code == 2 and "internal error" in run.err
    with sqlite3.connect(hist) as conn:
        rows = conn.execute("SELECT verdict, exit_code, error FROM runs").fetchall()
    assert rows == [("error", 2, "RuntimeError: a renderer bug")]


def test_time_columns_meet_in_the_finest_unit_their_sides_use(tmp_path):
    import pyarrow as pa

    import driftcli

    far = pa.array([253402214400 - 86400 * i for i in range(300)], pa.int64())  # 9999-12-31 ..
    ref = pa.table({"t": far.cast(pa.timestamp("s"))})
    cur = pa.table({"t": pa.array(far.to_numpy() * 1000).cast(pa.timestamp("ms"))})
    result = driftcli.compare(ref, cur, categorical=["t"], fail_on=["column"])
    assert not result.column("t").drift  # the same instants, labelled alike
    merged = driftcli.profile(ref, numerical=["t"]).merge(driftcli.profile(cur, numerical=["t"]))
    assert merged.columns["t"].type == pa.timestamp("ms")  # not nanoseconds: 9999 fits in ms


# -- a file that is not what its name says; running out of memory -----------------------------


def test_a_binary_file_named_csv_says_what_it_is(cli, examples, tmp_path):
    import gzip

    ref = examples / "reference.csv"
    (tmp_path / "gz.csv").write_bytes(gzip.compress(ref.read_bytes()))
    shutil.copy(examples / "current.parquet", tmp_path / "pq.csv")
    shutil.copy(examples / "predictions.db", tmp_path / "db.csv")
    for name, words in (
        ("gz.csv", "it is gzip-compressed; name it gz.csv.gz"),
        ("pq.csv", "it is a Parquet file; name it pq.parquet"),
        ("db.csv", "it is a SQLite database; read it as sqlite:///"),
    ):
        run = cli("compare", ref, tmp_path / name)
        _one_line_error(run, f"{name}: cannot read CSV: {words}")
        assert "\\x" not in run.err and "\ufffd" not in run.err


def test_running_out_of_memory_while_reading_is_not_a_bad_file(cli, examples, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    def no_memory(*args: Any, **kwargs: Any) -> Any:
        raise pa.ArrowMemoryError("malloc of size 997504 failed")

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", no_memory)
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", no_memory)
    run = cli("compare", examples / "reference.parquet", examples / "current.parquet")
    _one_line_error(run, "out of memory while reading and comparing the inputs")
    assert "cannot read Parquet" not in run.err


def test_no_shared_columns_names_the_ones_on_one_side(cli, examples, tmp_path):
    import pandas as pd

    cur = tmp_path / "nosignup.csv"
    pd.read_csv(examples / "current.csv").drop(columns=["signup_date"]).to_csv(cur, index=False)
    run = cli("compare", examples / "reference.csv", cur, "--columns", "signup_date")
    _one_line_error(run, "no shared columns to compare", "('signup_date' only in the reference)")


def test_running_out_of_memory_while_reading_a_csv_is_not_a_bad_file(cli, examples, monkeypatch):
    import pyarrow as pa

    from driftcli.sources import csv as csv_source

    def no_memory(*args: Any, **kwargs: Any) -> Any:
        raise pa.ArrowMemoryError("malloc of size 67108864 failed")

    monkeypatch.setattr(csv_source, "coalesced", no_memory)
    run = cli("compare", examples / "reference.csv", examples / "current.csv")
    _one_line_error(run, "out of memory while reading and comparing the inputs")


def test_merging_profiles_whose_column_types_differ_names_the_files(cli, tmp_path):
    import pandas as pd

    pd.DataFrame({"x": [1.0, 2.0, 3.0] * 10}).to_parquet(tmp_path / "xy.parquet")
    pd.DataFrame({"x": ["a", "b", "c"] * 10}).to_parquet(tmp_path / "xs.parquet")
    for name in ("xy", "xs"):
        assert cli("profile", tmp_path / f"{name}.parquet", "-o", tmp_path / f"{name}.profile",
                   "-q").code == 0  # fmt: skip
    out = tmp_path / "m.profile"
    run = cli("profile", "--merge", tmp_path / "xy.profile", tmp_path / "xs.profile", "-o", out)
    _one_line_error(run, "column 'x' has different types", "xy.profile", "xs.profile")
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "engine"),
    [("--dask-scheduler", "tcp://127.0.0.1:1", "dask"), ("--spark-master", "local", "spark")],
)
def test_an_engine_option_without_its_engine_is_an_error(cli, examples, tmp_path, option, value,
                                                         engine):  # fmt: skip
    out = tmp_path / "x.profile"
    run = cli("profile", examples / "reference.parquet", option, value, "-o", out)
    _one_line_error(run, f"{option} applies to --engine {engine}")
    assert not out.exists()
