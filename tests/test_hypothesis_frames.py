"""Property tests (issue 6): generated frames — numeric, integer, categorical, boolean and
datetime columns, with nulls, 0 to 500 rows, shared and one-sided columns — run through the
library API and the CLI.

Properties: nothing but a :class:`DriftcliError` is ever raised; the JSON is always strict
(no NaN / Infinity tokens) and carries the contract keys; identical inputs never drift; row
order changes no result.

Hypothesis draws the structure (columns, kinds, sizes, null shares, special values) and a
seed; numpy draws the bulk values from that seed, so 500-row frames stay cheap to generate
and every failure still shrinks to a small, reproducible example.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contract import COLUMN_KEYS, TOP_KEYS
from driftcli import DriftcliError, Settings, compare
from driftcli.render import json as json_view

KINDS = ("float", "int", "category", "bool", "datetime", "text")
NAMES = ("a", "b", "value", "ünï", "emoji 🚀", "<td>", "x y", "0")
SPECIALS = (np.inf, -np.inf, np.nan, 0.0, -0.0, 1e308, -1e308, 5e-324)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    side: str  # "both", "ref" or "cur"
    null_share: float
    shift: float  # how far the current side moves (0: same distribution)
    specials: tuple[float, ...]


@dataclass(frozen=True)
class Case:
    ref_rows: int
    cur_rows: int
    columns: tuple[ColumnSpec, ...]
    seed: int


columns_st = st.builds(
    ColumnSpec,
    name=st.sampled_from(NAMES),
    kind=st.sampled_from(KINDS),
    side=st.sampled_from(("both", "both", "both", "ref", "cur")),
    null_share=st.sampled_from((0.0, 0.0, 0.1, 0.5, 1.0)),
    shift=st.sampled_from((0.0, 0.0, 0.5, 3.0)),
    specials=st.lists(st.sampled_from(SPECIALS), max_size=3).map(tuple),
)

cases = st.builds(
    Case,
    ref_rows=st.integers(0, 500),
    cur_rows=st.integers(0, 500),
    columns=st.lists(columns_st, min_size=1, max_size=6, unique_by=lambda c: c.name).map(tuple),
    seed=st.integers(0, 2**32 - 1),
)


def _values(spec: ColumnSpec, n: int, rng: np.random.Generator, shift: float) -> pd.Series:
    if spec.kind == "float":
        values = rng.normal(shift, 1.0, n)
        for i, special in enumerate(spec.specials[:n]):
            values[i] = special
        s = pd.Series(values)
    elif spec.kind == "int":
        s = pd.Series(rng.integers(0, 50 + int(shift * 10), n), dtype="Int64")
    elif spec.kind == "category":
        labels = np.array(["red", "green", "blue", "ünï", "<b>"])
        p = np.array([0.4, 0.3, 0.2, 0.05, 0.05])
        if shift:
            p = p[::-1]
        s = pd.Series(rng.choice(labels, n, p=p), dtype=object)
    elif spec.kind == "bool":
        s = pd.Series(rng.random(n) < (0.5 if not shift else 0.9), dtype="boolean")
    elif spec.kind == "datetime":
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=30 * shift)
        s = pd.Series(start + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"))
    else:  # text: mostly unique strings, so id-like from 20 rows on
        s = pd.Series([f"id-{v}" for v in rng.integers(0, 10**9, n)], dtype=object)
    if spec.null_share and n:
        s = s.astype(object) if spec.kind in ("float", "category", "text") else s
        mask = rng.random(n) < spec.null_share
        s[mask] = None
        if spec.kind == "float":
            s = pd.to_numeric(s)
    return s


def build(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference and current frames of a case."""
    rng = np.random.default_rng(case.seed)
    ref: dict[str, pd.Series] = {}
    cur: dict[str, pd.Series] = {}
    for spec in case.columns:
        if spec.side in ("both", "ref"):
            ref[spec.name] = _values(spec, case.ref_rows, rng, 0.0)
        if spec.side in ("both", "cur"):
            cur[spec.name] = _values(spec, case.cur_rows, rng, spec.shift)
    return (
        pd.DataFrame(ref, index=range(case.ref_rows)),
        pd.DataFrame(cur, index=range(case.cur_rows)),
    )


def small_ok() -> dict[str, Any]:
    """Let tiny frames through a minimum-row setting, when there is one."""
    return {"min_rows": 0} if "min_rows" in Settings.__dataclass_fields__ else {}


def strict_loads(text: str) -> Any:
    def refuse(token: str) -> Any:
        raise AssertionError(f"non-JSON constant {token} in the output")

    return json.loads(text, parse_constant=refuse)


def check_contract(data: dict[str, Any]) -> None:
    """The documented keys and their basic invariants."""
    assert set(data) >= TOP_KEYS, TOP_KEYS - set(data)
    assert isinstance(data["schema_version"], int)
    v = data["verdict"]
    assert v["exit_code"] in (0, 1) and v["passed"] == (v["exit_code"] == 0) and v["reasons"]
    dd = data["dataset_drift"]
    assert 1 <= dd["total_columns"] <= len(data["columns"]), "exit 0/1 with nothing tested"
    assert 0 <= dd["share"] <= 1
    assert set(data["schema_changes"]) == {"missing_in_current", "new_in_current", "type_changed"}
    for c in data["columns"]:
        assert set(c) >= set(COLUMN_KEYS), set(COLUMN_KEYS) - set(c)
        assert isinstance(c["drift"], bool)
        if c["skipped_reason"] is None:
            assert c["test"] and c["statistic"] is not None and c["threshold"] is not None
            if c["p_value"] is not None:
                assert 0.0 <= c["p_value"] <= 1.0
        else:
            assert c["test"] is None and c["drift"] is False
    for side in ("reference", "current"):
        assert set(data[side]) >= {"path", "rows", "columns"}


def run_library(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, Any] | None:
    """The result dict, or None when a DriftcliError said the check cannot run."""
    try:
        result = compare(ref, cur, **small_ok())
    except DriftcliError as err:
        assert "\n" not in str(err) and str(err)
        event(f"library: {type(err).__name__}")
        return None
    event(f"library: exit {result.exit_code}")
    data = strict_loads(json_view.dumps(result))
    check_contract(data)
    assert data == strict_loads(json.dumps(result.to_dict(), allow_nan=False))
    return data  # type: ignore[no-any-return]


@given(cases)
def test_library_api_never_raises_anything_else_and_json_is_strict(case: Case) -> None:
    ref, cur = build(case)
    data = run_library(ref, cur)
    if data is None:
        return
    assert {c["name"] for c in data["columns"]} == set(ref.columns) & set(cur.columns)
    assert set(data["schema_changes"]["missing_in_current"]) == set(ref.columns) - set(cur.columns)
    assert set(data["schema_changes"]["new_in_current"]) == set(cur.columns) - set(ref.columns)


@given(cases)
def test_identical_inputs_never_drift(case: Case) -> None:
    ref, _ = build(case)
    data = run_library(ref, ref.copy())
    if data is None:
        return
    assert not any(c["drift"] for c in data["columns"])
    assert data["dataset_drift"]["detected"] is False
    assert data["schema_changes"]["type_changed"] == []
    assert data["verdict"]["exit_code"] == 0


@given(cases, st.integers(0, 2**32 - 1))
def test_row_order_changes_no_result(case: Case, seed: int) -> None:
    ref, cur = build(case)
    data = run_library(ref, cur)
    if data is None:
        return
    shuffled = run_library(
        ref.sample(frac=1, random_state=seed % 2**31).reset_index(drop=True),
        cur.sample(frac=1, random_state=(seed + 1) % 2**31).reset_index(drop=True),
    )
    assert shuffled is not None
    assert shuffled["verdict"] == data["verdict"]
    for a, b in zip(data["columns"], shuffled["columns"], strict=True):
        assert (a["name"], a["test"], a["drift"], a["severity"]) == (
            b["name"],
            b["test"],
            b["drift"],
            b["severity"],
        )
        if a["statistic"] is None:
            assert b["statistic"] is None
        else:
            assert b["statistic"] == pytest.approx(a["statistic"], rel=1e-9, abs=1e-12)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    case=cases,
    fmt=st.sampled_from(("parquet", "csv")),
    same=st.booleans(),
    min_rows=st.sampled_from(((), ("--min-rows", "0"))),
)
def test_cli_exit_codes_and_outputs(
    cli: Any, case: Case, fmt: str, same: bool, min_rows: tuple[str, ...]
) -> None:
    """Exit 0/1 with strict JSON and every report written, or exit 2 with one line and no
    report file at all."""
    ref, cur = build(case)
    if same:
        cur = ref
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        paths = []
        for side, df in (("ref", ref), ("cur", cur)):
            path = d / f"{side}.{fmt}"
            if fmt == "csv":
                df.to_csv(path, index=False)
            else:
                df.to_parquet(path, index=False)
            paths.append(path)
        out = d / "result.json"
        reports = [d / "report.html", d / "junit.xml", d / "summary.md"]
        writers = ["--html", reports[0], "--junit", reports[1], "--markdown", reports[2]]
        run = cli("compare", *paths, "--json", out, *writers, *min_rows)
        assert run.code in (0, 1, 2)
        assert "Traceback" not in run.err and "internal error" not in run.err, run.err
        event(f"cli: exit {run.code}")
        if run.code == 2:
            assert run.err.startswith("driftcli: error: ") and run.err.count("\n") == 1
            assert not out.exists() and not any(r.exists() for r in reports)
            assert list(d.glob(".*.tmp")) == []
            return
        assert all(r.stat().st_size > 0 for r in reports)
        data = strict_loads(out.read_text(encoding="utf-8"))
        check_contract(data)
        assert data["verdict"]["exit_code"] == run.code
        if same:
            assert run.code == 0 and not any(c["drift"] for c in data["columns"])


@given(cases)
def test_saved_profile_path_equals_raw_path(case: Case) -> None:
    """Profiling the reference, saving and loading it, then comparing: the same result as
    comparing the raw frames (issue 9: the raw and the profile path agree)."""
    import tempfile
    from pathlib import Path

    from driftcli import Profile, profile

    ref, cur = build(case)
    data = run_library(ref, cur)
    if data is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ref.profile"
        profile(ref, **small_ok()).save(path)
        via = strict_loads(json_view.dumps(compare(Profile.load(path), cur, **small_ok())))
    for d in (data, via):
        d.pop("generated_at")
        d["reference"].pop("path")
        d["reference"].pop("format")
    assert via == data
