"""Messy and hostile input (issue 6): every case gives a correct result, or one line naming
the file / column with exit code 2 — never a traceback, never exit 0 when nothing was
tested, never a partial or empty output file.

Every input is generated in ``tmp_path``. CLI cases run with ``--json PATH`` so that each
failure also proves no JSON file is left behind.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from driftcli import DriftcliError, InputError, Settings, compare
from driftcli.render import console as console_view
from driftcli.text import visible

N = 200  # rows per generated side: above every minimum-row setting


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses NaN / Infinity tokens (they are not JSON)."""

    def refuse(token: str) -> Any:
        raise ValueError(f"non-JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def assert_error(run: Any, json_path: Path, *needles: str) -> str:
    """Exit 2, one line on stderr starting ``driftcli: error:``, naming ``needles``."""
    assert run.code == 2, (run.code, run.err, run.out[-500:])
    assert run.err.endswith("\n") and run.err.count("\n") == 1, run.err
    line = run.err.strip()
    assert line.startswith("driftcli: error: "), line
    assert "Traceback" not in run.err and "internal error" not in run.err
    for needle in needles:
        assert needle in line, (needle, line)
    assert not json_path.exists(), "a JSON file was left behind after a failure"
    assert not list(json_path.parent.glob(f".{json_path.name}.*")), "temporary file left behind"
    assert run.out == ""
    return line


def compare_cli(cli: Any, tmp_path: Path, *args: Any) -> tuple[Any, Path]:
    out = tmp_path / "out" / "result.json"
    return cli("compare", *args, "--json", out), out


def ok_json(run: Any, path: Path, code: int | None = None) -> dict[str, Any]:
    """A run that worked: exit 0/1, no stderr noise, strict JSON on disk."""
    assert run.code in (0, 1), (run.code, run.err)
    if code is not None:
        assert run.code == code, (run.code, run.out[-800:])
    assert "Traceback" not in run.err
    data = strict_json(path.read_text(encoding="utf-8"))
    assert data["verdict"]["exit_code"] == run.code
    assert data["dataset_drift"]["total_columns"] >= 1, "exit 0/1 with nothing tested"
    return data  # type: ignore[no-any-return]


def col(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["columns"] if c["name"] == name)  # type: ignore[no-any-return]


def frame(seed: int = 0, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "num": rng.normal(size=n).round(6),
            "cat": rng.choice(["red", "green", "blue"], size=n),
        }
    )


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    path = tmp_path / "good.csv"
    frame(1).to_csv(path, index=False)
    return path


@pytest.fixture
def good_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "good.parquet"
    frame(1).to_parquet(path, index=False)
    return path


# -- files that cannot be read -----------------------------------------------------------


def test_path_that_does_not_exist(cli, tmp_path, good_csv):
    run, out = compare_cli(cli, tmp_path, tmp_path / "nope.csv", good_csv)
    assert_error(run, out, "nope.csv", "not found", "reference")
    run, out = compare_cli(cli, tmp_path, good_csv, tmp_path / "missing.parquet")
    assert_error(run, out, "missing.parquet", "not found", "current")


def test_directory_without_parquet(cli, tmp_path, good_csv):
    empty = tmp_path / "batches"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("not data")
    run, out = compare_cli(cli, tmp_path, empty, good_csv)
    assert_error(run, out, "batches", "no .parquet files")


def test_directory_of_parquet_parts_is_one_table(cli, tmp_path, good_csv):
    parts = tmp_path / "parts"
    parts.mkdir()
    df = frame(1)
    df.iloc[:100].to_parquet(parts / "part-0.parquet", index=False)
    df.iloc[100:].to_parquet(parts / "part-1.parquet", index=False)
    (parts / "_SUCCESS").write_text("")  # Spark's marker file is ignored
    run, out = compare_cli(cli, tmp_path, parts, good_csv)
    data = ok_json(run, out, 0)
    assert data["reference"]["rows"] == N


def test_directory_with_conflicting_schemas(cli, tmp_path, good_csv):
    parts = tmp_path / "parts"
    parts.mkdir()
    pq.write_table(pa.table({"num": [1.0, 2.0]}), parts / "a.parquet")
    pq.write_table(pa.table({"num": ["x", "y"]}), parts / "b.parquet")
    run, out = compare_cli(cli, tmp_path, parts, good_csv)
    assert_error(run, out, "parts", "cannot read Parquet", "share one schema")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not_parquet", "footer_only"])
def test_truncated_or_corrupted_parquet(cli, tmp_path, good_parquet, good_csv, damage):
    blob = good_parquet.read_bytes()
    bad = tmp_path / f"{damage}.parquet"
    bad.write_bytes(
        {
            "truncated": blob[: len(blob) // 2],
            "garbage": b"PAR1" + bytes(range(256)) * 4 + b"PAR1",
            "not_parquet": b"num,cat\n1,red\n",
            "footer_only": blob[-8:],
        }[damage]
    )
    run, out = compare_cli(cli, tmp_path, bad, good_csv)
    assert_error(run, out, f"{damage}.parquet", "cannot read Parquet")
    run, out = compare_cli(cli, tmp_path, good_csv, bad)
    assert_error(run, out, f"{damage}.parquet", "cannot read Parquet")


def test_corrupted_gzip_csv(cli, tmp_path, good_csv):
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(good_csv.read_bytes())[:40])
    run, out = compare_cli(cli, tmp_path, bad, good_csv)
    assert_error(run, out, "bad.csv.gz", "cannot read CSV")


def test_gzip_csv_reads(cli, tmp_path, good_csv):
    gz = tmp_path / "good.csv.gz"
    gz.write_bytes(gzip.compress(good_csv.read_bytes()))
    run, out = compare_cli(cli, tmp_path, gz, good_csv)
    assert ok_json(run, out, 0)["dataset_drift"]["drifted_columns"] == 0


def test_ragged_rows(cli, tmp_path, good_csv):
    lines = good_csv.read_text().splitlines()
    lines[57] += ",surplus"
    bad = tmp_path / "ragged.csv"
    bad.write_text("\n".join(lines) + "\n")
    run, out = compare_cli(cli, tmp_path, good_csv, bad)
    assert_error(run, out, "ragged.csv", "cannot read CSV", "Expected 2 columns, got 3")

    short = tmp_path / "short.csv"
    short.write_text("\n".join([*lines[:10], "0.5", *lines[10:]]) + "\n")
    run, out = compare_cli(cli, tmp_path, short, good_csv)
    assert_error(run, out, "short.csv", "Expected 2 columns, got 1")


# -- encodings and dialects --------------------------------------------------------------


def test_utf8_bom_is_not_part_of_the_first_name(cli, tmp_path, good_csv):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + good_csv.read_bytes())
    run, out = compare_cli(cli, tmp_path, bom, good_csv)
    data = ok_json(run, out, 0)
    assert [c["name"] for c in data["columns"]] == ["num", "cat"]
    assert data["schema_changes"] == {
        "missing_in_current": [],
        "new_in_current": [],
        "type_changed": [],
    }


def test_semicolon_delimiter(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(1).to_csv(ref, index=False, sep=";")
    frame(2).to_csv(cur, index=False, sep=";")
    run, out = compare_cli(cli, tmp_path, ref, cur)
    assert_error(run, out, "ref.csv", "single column 'num;cat'", "--delimiter ';'")
    run, out = compare_cli(cli, tmp_path, ref, cur, "--delimiter", ";")
    data = ok_json(run, out, 0)
    assert {c["name"]: c["kind"] for c in data["columns"]} == {
        "num": "numeric",
        "cat": "categorical",
    }


def test_tab_separated_file_by_extension(cli, tmp_path, good_csv):
    tsv = tmp_path / "good.tsv"
    frame(1).to_csv(tsv, index=False, sep="\t")
    run, out = compare_cli(cli, tmp_path, tsv, good_csv)
    assert ok_json(run, out, 0)["dataset_drift"]["total_columns"] == 2


def test_delimiter_must_be_one_character(cli, tmp_path, good_csv):
    run, out = compare_cli(cli, tmp_path, good_csv, good_csv, "--delimiter", ";;")
    assert_error(run, out, "--delimiter")


def test_quoted_fields_with_newlines(cli, tmp_path):
    rng = np.random.default_rng(3)
    notes = np.array(["line one\nline two", "plain", 'say "hi",\nthen go'])
    df = pd.DataFrame({"note": rng.choice(notes, N), "num": rng.normal(size=N)})
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    df.to_csv(ref, index=False)
    df.sample(frac=1, random_state=0).to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out, 0)
    assert data["reference"]["rows"] == N
    note = col(data, "note")
    assert note["kind"] == "categorical" and note["drift"] is False
    assert {t["value"] for t in note["reference"]["top"]} == set(notes)


def test_latin1_bytes(cli, tmp_path):
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"city": rng.choice(["Zürich", "Orléans", "Málaga"], N), "x": range(N)})
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    df.to_csv(ref, index=False, encoding="latin-1")
    df.to_csv(cur, index=False, encoding="latin-1")

    run, out = compare_cli(cli, tmp_path, ref, cur)
    assert_error(run, out, "ref.csv", "'city'", "not valid UTF-8", "--encoding")

    run, out = compare_cli(cli, tmp_path, ref, cur, "--encoding", "latin-1")
    data = ok_json(run, out, 0)
    assert {t["value"] for t in col(data, "city")["reference"]["top"]} == {
        "Zürich",
        "Orléans",
        "Málaga",
    }


def test_latin1_in_header_name_decodes_with_encoding(cli, tmp_path):
    ref = tmp_path / "ref.csv"
    ref.write_bytes(("Größe,x\n" + "".join(f"{i % 7},{i}\n" for i in range(N))).encode("latin-1"))
    run, out = compare_cli(cli, tmp_path, ref, ref, "--encoding", "latin-1")
    assert "Größe" in [c["name"] for c in ok_json(run, out, 0)["columns"]]


def test_unknown_encoding_is_a_usage_error(cli, tmp_path, good_csv):
    run, out = compare_cli(cli, tmp_path, good_csv, good_csv, "--encoding", "klingon")
    assert_error(run, out, "--encoding", "klingon")


def test_utf8_spelled_with_a_dash_is_accepted(cli, tmp_path, good_csv):
    run, out = compare_cli(cli, tmp_path, good_csv, good_csv, "--encoding", "UTF-8")
    ok_json(run, out, 0)


# -- empty and degenerate files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "file is empty"),
        (b"num,cat\n", "no rows (header only)"),
        (b"num,cat", "no data"),
        (b"\n", "no data"),
    ],
    ids=["empty", "header_only", "header_no_newline", "blank_line"],
)
def test_empty_file_and_header_without_rows(cli, tmp_path, good_csv, content, needle):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    run, out = compare_cli(cli, tmp_path, bad, good_csv)
    assert_error(run, out, "bad.csv", needle)
    run, out = compare_cli(cli, tmp_path, good_csv, bad)
    assert_error(run, out, "bad.csv", needle)


def test_parquet_with_zero_rows(cli, tmp_path, good_csv):
    empty = tmp_path / "empty.parquet"
    frame(1).iloc[:0].to_parquet(empty, index=False)
    run, out = compare_cli(cli, tmp_path, good_csv, empty)
    assert_error(run, out, "empty.parquet", "no rows")


def test_duplicate_column_names(cli, tmp_path, good_csv):
    dup = tmp_path / "dup.csv"
    dup.write_text("num,cat,num\n" + "".join(f"{i},a,{i}\n" for i in range(N)))
    run, out = compare_cli(cli, tmp_path, dup, good_csv)
    assert_error(run, out, "dup.csv", "duplicate column name 'num'")

    dup_pq = tmp_path / "dup.parquet"
    t = pa.Table.from_arrays([pa.array(range(N)), pa.array(range(N))], names=["num", "num"])
    pq.write_table(t, dup_pq)
    run, out = compare_cli(cli, tmp_path, good_csv, dup_pq)
    assert_error(run, out, "dup.parquet", "duplicate column name 'num'")


def test_duplicate_column_names_in_library_inputs():
    df = frame(1)
    dup = pd.concat([df, df[["num"]]], axis=1)
    with pytest.raises(InputError, match="duplicate column name 'num'"):
        compare(dup, df)
    table = pa.Table.from_arrays([pa.array([1.0] * N)] * 2, names=["num", "num"])
    with pytest.raises(InputError, match="duplicate column name 'num'"):
        compare(df, table)


# -- schema differences ------------------------------------------------------------------


def test_column_on_one_side_only(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(1).assign(only_ref=1.5).to_csv(ref, index=False)
    frame(2).assign(only_cur="x").to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out, 1)  # a column missing from current breaches by default
    assert data["schema_changes"]["missing_in_current"] == ["only_ref"]
    assert data["schema_changes"]["new_in_current"] == ["only_cur"]
    assert any("only_ref" in r for r in data["verdict"]["reasons"])
    assert {c["name"] for c in data["columns"]} == {"num", "cat"}

    run, out = compare_cli(cli, tmp_path, ref, cur, "--fail-on", "dataset")
    assert ok_json(run, out, 0)["schema_changes"]["missing_in_current"] == ["only_ref"]

    plain = tmp_path / "plain.csv"
    frame(3).to_csv(plain, index=False)
    run, out = compare_cli(cli, tmp_path, plain, cur)  # only a new column: reported, no breach
    assert ok_json(run, out, 0)["schema_changes"]["new_in_current"] == ["only_cur"]


def test_type_conflict_numbers_then_strings(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(1).to_csv(ref, index=False)
    frame(2).assign(num=[f"v{i}" for i in range(N)]).to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out, 1)
    assert data["schema_changes"]["type_changed"] == [
        {"column": "num", "reference": "float", "current": "string"}
    ]
    num = col(data, "num")
    assert num["test"] is None and num["drift"] is False
    assert num["skipped_reason"].startswith("type changed")
    assert data["verdict"]["reasons"] == ["column 'num' changed type: float -> string"]
    assert col(data, "cat")["test"] is not None  # the rest is still tested


def test_type_conflict_in_every_column_cannot_pass(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    pd.DataFrame({"a": np.arange(N) * 1.5}).to_csv(ref, index=False)
    pd.DataFrame({"a": [f"s{i}" for i in range(N)]}).to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    assert_error(run, out, "nothing could be tested", "a: type changed")


def test_integer_and_float_sides_are_compatible(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    pd.DataFrame({"n": np.arange(N)}).to_csv(ref, index=False)
    pd.DataFrame({"n": np.arange(N) + 0.5}).to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    assert ok_json(run, out)["schema_changes"]["type_changed"] == []


# -- degenerate values -------------------------------------------------------------------


def test_all_null_column(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(1).assign(empty=None, half=None).to_csv(ref, index=False)
    frame(2).assign(empty=None, half=np.arange(N) * 1.0).to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out, 0)
    assert col(data, "empty")["skipped_reason"] == "no values on either side (all missing)"
    assert col(data, "half")["test"] is None and col(data, "half")["skipped_reason"]
    assert data["dataset_drift"]["total_columns"] == 2


def test_only_all_null_columns_is_an_error_not_a_pass(cli, tmp_path):
    ref = tmp_path / "ref.csv"
    ref.write_text("a,b\n" + ",\n" * N)
    run, out = compare_cli(cli, tmp_path, ref, ref)
    assert_error(run, out, "nothing could be tested", "all missing")


def test_constant_column(cli, tmp_path):
    ref, cur, moved = tmp_path / "ref.csv", tmp_path / "cur.csv", tmp_path / "moved.csv"
    frame(1).assign(k=7.0, label="same").to_csv(ref, index=False)
    frame(2).assign(k=7.0, label="same").to_csv(cur, index=False)
    frame(2).assign(k=8.0, label="other").to_csv(moved, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur, "--numerical", "k")
    data = ok_json(run, out, 0)
    k = col(data, "k")
    assert k["kind"] == "numeric" and k["drift"] is False
    assert k["reference"]["std"] == 0.0 and k["reference"]["distinct"] == 1
    assert col(data, "label")["drift"] is False

    run, out = compare_cli(cli, tmp_path, ref, moved, "--numerical", "k")
    data = ok_json(run, out, 1)
    assert col(data, "k")["drift"] is True and col(data, "label")["drift"] is True


def test_infinite_values_are_counted_and_excluded(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    base = frame(1)
    base.to_csv(ref, index=False)
    vals = base["num"].astype(object)
    vals.iloc[:10] = "inf"
    vals.iloc[10:15] = "-inf"
    base.assign(num=vals).to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out)
    num = col(data, "num")
    assert num["current"]["infinite"] == 15 and num["reference"]["infinite"] == 0
    assert math.isfinite(num["current"]["max"]) and math.isfinite(num["current"]["min"])
    assert num["current"]["missing_share"] == pytest.approx(15 / N)
    assert num["statistic"] is not None and math.isfinite(num["statistic"])


def test_extreme_finite_values(cli, tmp_path):
    """A range wider than float64 (±1e308) is neither a crash nor warnings on stderr."""
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    base = frame(1)
    base.to_csv(cur, index=False)
    base.assign(num=[1e308, -1e308, *base["num"][2:]]).to_csv(ref, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur, "--stattest", "psi")
    data = ok_json(run, out)
    assert run.err == ""
    num = col(data, "num")
    std = num["reference"]["std"]
    assert num["reference"]["max"] == 1e308 and (std is None or math.isfinite(std))
    assert num["statistic"] is not None


def test_only_infinite_values_skip_the_column(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(1).to_csv(ref, index=False)
    frame(2).assign(num=["inf", "-inf"] * (N // 2)).to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out)
    assert col(data, "num")["skipped_reason"] == "no non-missing values in current"


def test_one_row_on_a_side(cli, tmp_path, good_csv):
    one = tmp_path / "one.csv"
    one.write_text("num,cat\n0.25,red\n")
    run, out = compare_cli(cli, tmp_path, good_csv, one)
    # below the minimum (default 100 rows) the check cannot run: exit 2, never a silent pass
    assert_error(run, out, "one.csv", "1 rows", "min_rows")
    run, out = compare_cli(cli, tmp_path, good_csv, one, "--min-rows", "1")
    data = ok_json(run, out)
    assert col(data, "num")["current"]["rows"] == 1

    result = compare(good_csv, one, min_rows=1)
    data = strict_json(json.dumps(result.to_dict(), allow_nan=False))
    num = col(data, "num")
    assert num["current"]["rows"] == 1 and num["current"]["std"] == 0.0
    assert num["p_value"] is not None and 0 <= num["p_value"] <= 1
    result = compare(one, one, min_rows=1)
    assert result.drifted == [] and result.exit_code == 0


# -- size: high cardinality and width ----------------------------------------------------


def _ids(n: int, seed: int) -> np.ndarray:
    return np.char.add("user-", np.random.default_rng(seed).permutation(n).astype(str))


@pytest.fixture(scope="module")
def id_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("ids")
    n = 500_000
    rng = np.random.default_rng(5)
    paths = []
    for side, seed in (("ref", 1), ("cur", 2)):
        path = d / f"{side}.parquet"
        table = pa.table({"user": _ids(n, seed), "x": rng.normal(size=n)})
        pq.write_table(table, path)
        paths.append(path)
    return paths[0], paths[1]


def test_500k_distinct_strings_are_id_like_and_fast(id_files):
    ref, cur = id_files
    start = time.perf_counter()
    result = compare(ref, cur)
    elapsed = time.perf_counter() - start
    user = result.column("user")
    assert user.kind == "id_like" and user.test is None
    assert "500,000 distinct values" in (user.skipped_reason or "")
    assert result.column("x").tested
    assert elapsed < 5, f"id-like detection took {elapsed:.1f}s"  # measured ~0.4 s


def test_500k_distinct_strings_forced_categorical_stay_bounded(id_files, tmp_path):
    ref, cur = id_files
    result = compare(ref, cur, categorical=["user"])
    user = result.column("user")
    top = Settings().top_categories
    assert user.tested and user.kind == "categorical"
    assert user.reference["distinct"] == 500_000
    assert len(user.reference["top"]) <= top
    assert len(user.current["unseen_in_other"]) <= top
    assert user.categories is not None and len(user.categories["labels"]) <= top
    assert user.categories["other"]["categories"] >= 500_000 - top
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert len(text) < 100_000, f"JSON of {len(text):,} bytes for one high-cardinality column"
    from driftcli.render import html as html_view

    html = tmp_path / "report.html"
    html_view.write(result, html)
    assert html.stat().st_size < 5_000_000  # the report embeds the bounded result, no data


@pytest.fixture(scope="module")
def wide_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("wide")
    rng = np.random.default_rng(6)
    cols = [f"feature_{i:04d}" for i in range(2000)]
    ref, cur = d / "ref.csv", d / "cur.csv"
    pd.DataFrame(rng.normal(size=(N, 2000)).round(4), columns=cols).to_csv(ref, index=False)
    pd.DataFrame(rng.normal(size=(N, 2000)).round(4), columns=cols).to_csv(cur, index=False)
    return ref, cur


def test_2000_columns_finish_and_the_table_is_capped(cli, tmp_path, wide_files):
    ref, cur = wide_files
    start = time.perf_counter()
    md = tmp_path / "summary.md"
    run, out = compare_cli(cli, tmp_path, ref, cur, "--markdown", md)
    elapsed = time.perf_counter() - start
    data = ok_json(run, out)
    assert data["dataset_drift"]["total_columns"] == 2000
    text = md.read_text(encoding="utf-8")  # a PR comment: GitHub allows 65,536 characters
    assert len(text) < 30_000 and "more (the JSON and HTML reports list all)" in text
    assert len(data["columns"]) == 2000
    assert elapsed < 60, f"2,000 columns took {elapsed:.1f}s"  # measured ~6 s on 2 cores
    shown = [line for line in run.out.splitlines() if line.startswith("feature_")]
    assert len(shown) == console_view.DEFAULT_MAX_ROWS
    assert f"+{2000 - console_view.DEFAULT_MAX_ROWS} more rows" in run.out
    assert "--show-all" in run.out

    run = cli("compare", ref, cur, "--show-all")
    assert run.code in (0, 1)
    shown = [line for line in run.out.splitlines() if line.startswith("feature_")]
    assert len(shown) == 2000 and "more rows" not in run.out


def test_many_schema_changes_are_capped_in_table_and_reasons(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    base = frame(1)
    gone = pd.DataFrame(1.0, index=base.index, columns=[f"gone_{i:03d}" for i in range(300)])
    wide = pd.concat([base, gone], axis=1)
    wide.to_csv(ref, index=False)
    base.to_csv(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out, 1)
    assert len(data["schema_changes"]["missing_in_current"]) == 300
    reasons = " ".join(data["verdict"]["reasons"])
    assert "more" in reasons and len(reasons) < 500
    assert "more rows (use --show-all" in run.out
    assert sum(line.startswith("gone_") for line in run.out.splitlines()) <= 40


# -- names and values --------------------------------------------------------------------


NASTY = ["naïve 🚀", "<script>alert(1)</script>", "[bold red]markup[/]", "日本語", 'a,b "q"']


def test_unicode_emoji_html_and_markup_in_names_and_values(cli, tmp_path):
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            NASTY[0]: rng.normal(size=N),
            NASTY[1]: rng.choice(NASTY, N),
            NASTY[2]: rng.choice(["<b>x</b>", "&amp;", "🙂"], N),
            NASTY[3]: rng.integers(0, 3, N),
            NASTY[4]: rng.normal(size=N),
        }
    )
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.parquet"
    df.to_csv(ref, index=False)
    df.sample(frac=1, random_state=1).to_parquet(cur, index=False)
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out, 0)
    assert [c["name"] for c in data["columns"]] == NASTY
    assert {t["value"] for t in col(data, NASTY[1])["reference"]["top"]} == set(NASTY)
    assert "\\u" not in out.read_text(encoding="utf-8")  # written as UTF-8, not escaped
    for name in NASTY:
        assert name in run.out  # the table shows names literally (markup is escaped)


def test_integers_beyond_int64_in_csv(cli, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    big = 2**70
    ref.write_text("n,u\n" + "".join(f"{big + i * 10**6},{2**63 + i}\n" for i in range(N)))
    cur.write_text("n,u\n" + "".join(f"{big + i * 10**6},{2**63 + i}\n" for i in range(N)))
    run, out = compare_cli(cli, tmp_path, ref, cur)
    data = ok_json(run, out, 0)
    n = col(data, "n")
    assert n["kind"] == "numeric" and n["drift"] is False
    assert n["reference"]["min"] == pytest.approx(float(big))


def test_int64_beyond_float_precision(tmp_path):
    """Epoch nanoseconds and 64-bit ids exceed 2**53: compared as floats, never a crash."""
    rng = np.random.default_rng(8)
    ref = pd.DataFrame({"ns": 1_700_000_000_000_000_000 + rng.integers(0, 10**12, N)})
    cur = pd.DataFrame({"ns": 1_700_000_000_000_000_000 + rng.integers(0, 10**12, N)})
    result = compare(ref, cur)
    assert result.column("ns").kind == "numeric" and result.column("ns").tested
    ts = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=N, freq="s")})
    forced = compare(ts, ts, numerical=["t"])
    assert forced.column("t").tested and not forced.column("t").drift


def test_pandas_object_column_mixing_numbers_and_strings():
    rng = np.random.default_rng(9)
    mixed = pd.Series(rng.choice(np.array([1, 2.5, "three", None], dtype=object), N))
    ref = pd.DataFrame({"mixed": mixed, "x": rng.normal(size=N)})
    cur = pd.DataFrame({"mixed": mixed.sample(frac=1, random_state=2).values, "x": ref["x"]})
    result = compare(ref, cur)
    m = result.column("mixed")
    assert m.kind == "categorical" and m.tested and not m.drift
    assert {t["value"] for t in m.reference["top"]} == {"1", "2.5", "three"}
    assert m.reference["missing"] == int(mixed.isna().sum())

    numeric_ref = pd.DataFrame({"mixed": rng.normal(size=N), "x": ref["x"]})
    changed = compare(numeric_ref, cur)
    assert changed.schema_changes.type_changed == [
        {"column": "mixed", "reference": "float", "current": "string"}
    ]
    assert changed.exit_code == 1


def test_pandas_exotic_dtypes_do_not_crash():
    n = N
    df = pd.DataFrame(
        {
            "nullable_int": pd.array([1, None, 3, 4] * (n // 4), dtype="Int64"),
            "nullable_bool": pd.array([True, False, None, True] * (n // 4), dtype="boolean"),
            "category": pd.Categorical(["a", "b", "c", "a"] * (n // 4)),
            "tz": pd.date_range("2024-01-01", periods=n, freq="h", tz="Europe/Paris"),
            "delta": pd.to_timedelta(np.arange(n), unit="s"),
            "period": pd.period_range("2024-01", periods=n, freq="M"),
            "x": np.linspace(0, 1, n),
        }
    )
    result = compare(df, df)
    assert result.exit_code == 0 and result.drifted == []
    assert result.column("category").kind == "categorical"
    json.dumps(result.to_dict(), allow_nan=False)


def test_non_string_pandas_column_names():
    df = pd.DataFrame(np.random.default_rng(1).normal(size=(N, 3)))  # names 0, 1, 2
    result = compare(df, df)
    assert [c.name for c in result.columns] == ["0", "1", "2"]


def test_unsupported_source_type_is_an_input_error():
    with pytest.raises(InputError, match="expected a file path"):
        compare([1, 2, 3], frame())
    with pytest.raises(DriftcliError):
        compare(frame(), {"a": [1]})


# -- output files ------------------------------------------------------------------------


def test_json_path_that_cannot_be_written(cli, tmp_path, good_csv):
    target = tmp_path / "a_directory"
    target.mkdir()
    run = cli("compare", good_csv, good_csv, "--json", target)
    assert run.code == 2 and run.err.count("\n") == 1
    assert "a_directory" in run.err and "cannot write" in run.err
    assert list(tmp_path.glob(".a_directory*")) == []

    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    run = cli("compare", good_csv, good_csv, "--json", blocker / "result.json")
    assert run.code == 2 and "cannot write" in run.err and "Traceback" not in run.err


def test_failure_keeps_an_existing_json_file_intact(cli, tmp_path, good_csv):
    out = tmp_path / "result.json"
    out.write_text('{"old": true}')
    run = cli("compare", good_csv, tmp_path / "missing.csv", "--json", out)
    assert run.code == 2
    assert out.read_text() == '{"old": true}'


# -- every writer ------------------------------------------------------------------------

WRITERS = {
    "--json": "result.json",
    "--html": "report.html",
    "--junit": "junit.xml",
    "--markdown": "summary.md",
    "--prometheus": "drift.prom",
}


def _writer_args(d: Path) -> list[Any]:
    args: list[Any] = []
    for flag, name in WRITERS.items():
        args += [flag, d / name]
    return args


def test_no_writer_leaves_a_file_behind_on_failure(cli, tmp_path, good_csv):
    out = tmp_path / "out"
    (tmp_path / "empty.csv").write_text("")
    for bad in (tmp_path / "missing.csv", tmp_path / "empty.csv"):
        run = cli("compare", good_csv, bad, *_writer_args(out))
        assert run.code == 2 and run.err.count("\n") == 1, run.err
        left = sorted(p.name for p in out.iterdir()) if out.exists() else []
        # by design the Prometheus textfile records the failed run (exit code 2) for alerting:
        # a complete file, never a partial one; every report file is absent
        assert left in ([], ["drift.prom"]), left
        if left:
            assert "driftcli_exit_code 2" in (out / "drift.prom").read_text().splitlines()


def test_every_writer_survives_hostile_names(cli, tmp_path):
    import xml.etree.ElementTree as ET

    names = [*NASTY, "line\nbreak", "tab\there", "pipe|col", "x]]>y", "back\\slash"]
    rng = np.random.default_rng(10)
    ref = pd.DataFrame({n: rng.normal(size=N) for n in names})
    cur = ref.assign(**{names[1]: ref[names[1]] + 3})  # the <script> column drifts
    ref_p, cur_p = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    ref.to_parquet(ref_p, index=False)
    cur.to_parquet(cur_p, index=False)
    out = tmp_path / "out"
    run = cli("compare", ref_p, cur_p, "--fail-on", "column", *_writer_args(out))
    assert run.code == 1, run.err
    data = strict_json((out / "result.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in data["columns"]] == names

    cases = [c.get("name") for c in ET.parse(out / "junit.xml").iter("testcase")]
    assert {visible(n) for n in names} <= set(cases)  # controls shown as \n, \t

    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html  # escaped wherever it appears
    assert html.count("</script>") == html.count("<script")  # no tag closed by data

    for line in (out / "drift.prom").read_text(encoding="utf-8").splitlines():
        assert line.startswith("#") or re.fullmatch(r"[a-z_]+(\{.*\})? \S+", line), line

    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "<script>" not in md
    table_rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert all(line.rstrip().endswith("|") for line in table_rows)  # no row split by a name
