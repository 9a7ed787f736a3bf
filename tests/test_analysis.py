"""Beyond one column: row samples, multivariate drift, segments, missing values, quality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from driftcli import api
from driftcli.analysis.multivariate import two_sample
from driftcli.cli import main
from driftcli.errors import InputError
from driftcli.profiles import Profile
from driftcli.profiles.sample import SampleBuilder

FIXTURE = Path(__file__).parent / "fixtures" / "reference_v1.profile"


def _corr(n: int, rho: float, rng: np.random.Generator) -> pd.DataFrame:
    x = rng.normal(size=n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n)
    return pd.DataFrame(
        {"x": x, "y": y, "z": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n)}
    )


def _sample(table: pa.Table, k: int, chunk: int) -> SampleBuilder:
    sb = SampleBuilder(k, seed=3)
    for b in table.to_batches(chunk):
        sb.add(b)
    return sb


def test_sample_merge_is_exact_and_order_independent() -> None:
    rng = np.random.default_rng(0)
    t = pa.Table.from_pandas(_corr(30_000, 0.2, rng), preserve_index=False)
    whole = _sample(t, 1_000, 4_096).finish(t.schema)
    a = _sample(t.slice(0, 12_345), 1_000, 1_000).finish(t.schema)
    b = _sample(t.slice(12_345), 1_000, 7_000).finish(t.schema)
    assert whole.table.num_rows == 1_000
    assert b.merge(a).table.equals(whole.table)
    assert a.merge(b).table.equals(whole.table)
    assert b.merge(a).rows_seen == 30_000


def test_duplicate_share_exact_when_small_and_close_when_sampled() -> None:
    base = pd.DataFrame({"a": np.arange(1_000), "b": ["x"] * 1_000})
    frame = pd.concat([base, base.iloc[:250]], ignore_index=True)  # 250 of 1,250 repeat
    t = pa.Table.from_pandas(frame, preserve_index=False)
    s = _sample(t, 5_000, 300).finish(t.schema)
    assert s.complete and s.duplicate_share() == pytest.approx(0.2)
    big = pd.concat([pd.DataFrame({"a": np.arange(50_000)})] * 2, ignore_index=True)
    tb = pa.Table.from_pandas(big.iloc[:75_000], preserve_index=False)  # 25,000 of 75,000
    est = _sample(tb, 2_000, 10_000).finish(tb.schema).duplicate_share()
    assert est == pytest.approx(1 / 3, abs=0.03)


def test_profile_file_keeps_the_sample_and_old_files_still_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    prof = api.profile(_corr(3_000, 0.5, rng), multivariate=True)
    assert prof.sample is not None
    path = tmp_path / "p.profile"
    prof.save(path)
    back = Profile.load(path)
    assert back.sample is not None and back.sample.table.equals(prof.sample.table)
    old = Profile.load(FIXTURE)
    assert old.sample is None


def test_multivariate_on_a_profile_without_sample_is_one_line_error() -> None:
    with pytest.raises(InputError, match="no row sample"):
        api.compare(FIXTURE, FIXTURE, multivariate=True)


def test_correlation_flip_found_with_unchanged_marginals() -> None:
    rng = np.random.default_rng(7)
    ref, cur = _corr(2_000, 0.6, rng), _corr(2_000, -0.6, rng)
    result = api.compare(ref, cur, multivariate=True, fail_on=["multivariate"])
    assert not any(c.drift for c in result.columns if c.name in ("x", "y"))
    mv = result.multivariate
    assert mv is not None and mv["drift"] and mv["auc"] > 0.6
    assert {d["name"] for d in mv["columns"][:2]} == {"x", "y"}
    assert result.exit_code == 1
    assert any("multivariate" in r for r in result.verdict.reasons)


@pytest.mark.slow
def test_multivariate_calibration_and_power() -> None:
    """False alarms <= 0.07 at alpha 0.05; the flip found in >= 95% of seeded runs."""
    runs, alarms, hits = 200, 0, 0
    for seed in range(runs):
        rng = np.random.default_rng(1_000 + seed)
        a, b, c = (
            pa.Table.from_pandas(_corr(2_000, rho, rng), preserve_index=False)
            for rho in (0.5, 0.5, -0.5)
        )
        cols = (["x", "y", "z"], ["c"])
        alarms += two_sample(a, b, *cols, seed=seed, importance=False)["drift"]
        hits += two_sample(a, c, *cols, seed=seed, importance=False)["drift"]
    assert alarms / runs <= 0.07
    assert hits / runs >= 0.95


def test_missing_share_jump_and_all_missing_column() -> None:
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"a": rng.normal(size=2_000), "b": rng.normal(size=2_000)})
    cur = ref.copy()
    cur.loc[:599, "a"] = np.nan  # 30% missing now
    cur["b"] = np.nan
    result = api.compare(ref, cur, fail_on=["missing"])
    rows = {r["name"]: r for r in result.missing["columns"]}  # type: ignore[index]
    assert rows["a"]["drift"] and rows["a"]["change"] == pytest.approx(0.3)
    assert rows["b"]["all_missing"] and rows["b"]["drift"]
    assert result.exit_code == 1
    assert any("entirely missing" in r for r in result.verdict.reasons)


def test_quality_checks_gate_only_when_asked() -> None:
    rng = np.random.default_rng(4)
    ref = pd.DataFrame(
        {
            "v": rng.uniform(0, 1, 2_000),
            "k": rng.choice(["a", "b"], 2_000),
            "s": rng.choice(["p", "q"], 2_000),
        }
    )
    cur = ref.copy()
    cur.loc[:199, "v"] = 5.0  # 10% out of range
    cur.loc[:299, "k"] = "new"  # 15% new category
    cur["s"] = "p"  # became constant
    passed = api.compare(ref, cur, fail_on=["never"])
    checks = {(c["check"], c["column"]): c for c in passed.quality["checks"]}  # type: ignore[index]
    assert checks[("out_of_range", "v")]["value"] == pytest.approx(0.1)
    assert checks[("new_categories", "k")]["failed"]
    assert checks[("constant", "s")]["failed"]
    gated = api.compare(
        ref,
        cur,
        fail_on=["quality"],
        max_new_category_share=0.2,
        max_out_of_range_share=0.2,
        constant_check=False,
    )
    assert gated.exit_code == 0
    assert api.compare(ref, cur, fail_on=["quality"]).exit_code == 1


def test_duplicate_rows_check_uses_the_sample() -> None:
    ref = pd.DataFrame({"a": np.arange(1_000)})
    cur = pd.concat([ref, ref.iloc[:500]], ignore_index=True)
    result = api.compare(ref, cur, max_duplicate_share=0.1, fail_on=["quality"])
    dup = [c for c in result.quality["checks"] if c["check"] == "duplicates"]  # type: ignore[index]
    assert dup[0]["value"] == pytest.approx(1 / 3) and dup[0]["failed"]


def test_segments_find_a_shift_confined_to_one_segment(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 6_000
    seg = rng.choice(["a", "b", "c", "d", "e", "f"], n, p=[0.3, 0.3, 0.2, 0.1, 0.05, 0.05])
    ref = pd.DataFrame({"g": seg, "v": rng.normal(size=n), "w": rng.normal(size=n)})
    cur = pd.DataFrame({"g": seg, "v": rng.normal(size=n), "w": rng.normal(size=n)})
    cur.loc[cur.g == "c", ["v", "w"]] += 3.0
    r, c = tmp_path / "r.parquet", tmp_path / "c.parquet"
    ref.to_parquet(r)
    cur.to_parquet(c)
    out = tmp_path / "out.json"
    code = main_code(
        [str(r), str(c), "--segment-by", "g", "--fail-on", "segment", "--json", str(out), "-q"]
    )
    data = json.loads(out.read_text())
    by = data["segments"]["by"][0]
    segs = {s["value"]: s for s in by["segments"]}
    assert segs["c"]["dataset_drift"] and not segs["a"]["dataset_drift"]
    assert code == 1
    assert data["schema_version"] >= 2


def test_segment_disparity_ratio_gates() -> None:
    rng = np.random.default_rng(6)
    n = 4_000
    g = rng.choice(["u", "v"], n)
    y = rng.integers(0, 2, n)
    pred = np.where((g == "v") & (rng.uniform(size=n) < 0.5), 1 - y, y)  # v: ~50% accuracy
    frame = pd.DataFrame({"g": g, "f": rng.normal(size=n), "y": y, "p": pred})
    result = api.compare(
        frame,
        frame,
        segment_by=["g"],
        target="y",
        prediction="p",
        min_segment_ratio=0.8,
        fail_on=["segment"],
    )
    disp = [
        d
        for d in result.segments["by"][0]["disparity"]  # type: ignore[index]
        if d["metric"] == "accuracy"
    ]
    v = next(d for d in disp if d["value"] == "v")
    assert v["best"] == "u" and v["ratio"] < 0.8 and v["breached"]
    assert result.exit_code == 1


def main_code(args: list[str]) -> int:
    try:
        main(["compare", *args])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_every_output_shows_the_new_sections(tmp_path: Path) -> None:
    ex = Path(__file__).parent.parent / "examples"
    paths = {k: tmp_path / f"out.{k}" for k in ("json", "html", "md", "xml", "prom")}
    main_code(
        [
            str(ex / "reference.csv"),
            str(ex / "current.csv"),
            "--multivariate",
            "--segment-by",
            "region",
            "--json",
            str(paths["json"]),
            "--html",
            str(paths["html"]),
            "--markdown",
            str(paths["md"]),
            "--junit",
            str(paths["xml"]),
            "--prometheus",
            str(paths["prom"]),
            "-q",
        ]
    )
    assert "Multivariate drift" in paths["md"].read_text()
    assert "Segments by region" in paths["html"].read_text()
    assert "driftcli.multivariate" in paths["xml"].read_text()
    prom = paths["prom"].read_text()
    assert "driftcli_multivariate_auc" in prom and "driftcli_quality_check_failed" in prom
    data = json.loads(paths["json"].read_text())
    assert {"multivariate", "missing", "quality", "segments"} <= set(data)


def test_saved_profiles_with_a_row_sample_run_the_multivariate_check(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    r, c = tmp_path / "r.parquet", tmp_path / "c.parquet"
    _corr(3_000, 0.6, rng).to_parquet(r)
    _corr(3_000, -0.6, rng).to_parquet(c)
    profiles = []
    for side in (r, c):
        out = tmp_path / f"{side.stem}.profile"
        try:
            main(["profile", str(side), "-o", str(out), "--row-sample", "-q"])
        except SystemExit as exc:
            assert not exc.code
        profiles.append(str(out))
    report = tmp_path / "r.json"
    code = main_code(
        [*profiles, "--multivariate", "--fail-on", "multivariate", "--json", str(report), "-q"]
    )
    assert code == 1
    mv = json.loads(report.read_text())["multivariate"]
    assert mv["drift"] and {d["name"] for d in mv["columns"][:2]} == {"x", "y"}
    # the same check straight from the data draws the same rows: same verdict and AUC
    direct = api.compare(r, c, multivariate=True)
    assert direct.multivariate is not None
    assert direct.multivariate["auc"] == pytest.approx(mv["auc"])


def test_small_segments_are_pooled_as_other() -> None:
    rng = np.random.default_rng(9)
    n = 3_000
    g = rng.choice(list("abcdef"), n, p=[0.4, 0.3, 0.15, 0.05, 0.05, 0.05])
    frame = pd.DataFrame({"g": g, "v": rng.normal(size=n)})
    result = api.compare(frame, frame, segment_by=["g"], max_segments=3, min_rows=10)
    segs = [s["value"] for s in result.segments["by"][0]["segments"]]  # type: ignore[index]
    assert segs == ["a", "b", "c", "(other)"]
    other = result.segments["by"][0]["segments"][-1]  # type: ignore[index]
    assert other["reference_rows"] == int(np.isin(g, list("def")).sum())


def test_all_missing_current_column_is_a_finding_beside_its_row() -> None:
    ref = pd.DataFrame({"a": np.arange(500.0), "b": np.arange(500.0)})
    cur = ref.assign(b=np.nan)
    result = api.compare(ref, cur, fail_on=["missing"])
    col = result.column("b")
    assert col.missingness is not None and col.missingness["all_missing"]
    assert result.exit_code == 1
    assert api.compare(ref, cur, fail_on=["column"]).exit_code == 0  # only gates when asked


def test_profile_with_sample_is_byte_identical_however_batched() -> None:
    from driftcli.profiles import build
    from driftcli.profiles.store import to_bytes

    rng = np.random.default_rng(10)
    t = pa.Table.from_pandas(_corr(5_000, 0.3, rng), preserve_index=False)

    def prof(chunk: int) -> bytes:
        p = build(
            t.to_batches(chunk),
            t.schema,
            role="reference",
            path=None,
            fmt="frame",
            sample_rows=500,
            seed=1,
        )
        return to_bytes(p)

    assert prof(333) == prof(4_096)


def test_identical_constant_rows_give_no_alarm() -> None:
    a = pa.table({"x": np.ones(400), "c": ["a"] * 400})
    out = two_sample(a, a, ["x"], ["c"], seed=0)
    assert out["p_value"] == pytest.approx(1.0) or out["p_value"] > 0.05
    assert not out["drift"]


def test_segment_builders_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from driftcli.analysis import segments
    from driftcli.profiles import ProfileBuilder

    monkeypatch.setattr(segments, "MAX_BUILDERS", 3)
    t = pa.table({"g": [f"s{i % 7}" for i in range(700)], "v": np.arange(700.0)})
    sb = segments.SegmentedBuilder("g", lambda: ProfileBuilder(t.schema, role="reference"))
    for b in t.to_batches(100):
        sb.add(b)
    profiles = sb.finish(None, "frame")
    assert len(profiles) == 4 and "(other)" in profiles
    assert sum(p.rows for p in profiles.values()) == 700
