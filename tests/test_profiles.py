"""Profiles: streaming, merging, saving, and the error bounds of summarized columns."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import driftcli
from driftcli.errors import InputError
from driftcli.profiles import Profile, build
from driftcli.profiles.numeric import NumericBuilder, NumericSummary, Points
from driftcli.profiles.store import FORMAT_VERSION, is_profile
from driftcli.stattests import REGISTRY
from driftcli.stattests.base import ColumnPair, Kind, exact_summary

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURE = Path(__file__).parent / "fixtures" / "reference_v1.profile"


def frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "ints": rng.integers(0, 50, n),
            "small": rng.integers(0, 4, n),
            "label": rng.choice(["a", "b", "c", "d"], n),
            "flag": rng.random(n) < 0.3,
        }
    )


def profile_of(table: pa.Table, batch_rows: int, **kw: object) -> Profile:
    return build(
        iter(table.to_batches(max_chunksize=batch_rows)),
        table.schema,
        role="reference",
        path=None,
        fmt="arrow",
        **kw,  # type: ignore[arg-type]
    )


def same_profile(a: Profile, b: Profile) -> None:
    assert a.rows == b.rows
    assert a.column_names == b.column_names
    for name in a.column_names:
        ca, cb = a.columns[name], b.columns[name]
        assert ca.rows == cb.rows
        if ca.numeric is not None:
            assert cb.numeric is not None
            na, nb = ca.numeric, cb.numeric
            assert na.exact and nb.exact
            np.testing.assert_array_equal(na.points.values, nb.points.values)
            np.testing.assert_array_equal(na.points.weights, nb.points.weights)
            assert (na.missing, na.infinite, na.n) == (nb.missing, nb.infinite, nb.n)
            assert na.moments.mean == pytest.approx(nb.moments.mean, rel=1e-9, abs=1e-12)
            assert na.moments.m2 == pytest.approx(nb.moments.m2, rel=1e-9, abs=1e-9)
        if ca.categories is not None:
            assert cb.categories is not None
            assert ca.categories.as_dict() == cb.categories.as_dict()
            assert ca.categories.missing == cb.categories.missing


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 3_000),
    cut=st.floats(0, 1),
    batch=st.sampled_from([1, 7, 100, 1_000, 100_000]),
)
def test_merge_equals_profile_of_the_union(seed: int, n: int, cut: float, batch: int) -> None:
    table = pa.Table.from_pandas(frame(seed, n), preserve_index=False)
    k = int(cut * n)
    whole = profile_of(table, 4096)
    parts = profile_of(table.slice(0, k), batch).merge(profile_of(table.slice(k), batch))
    same_profile(whole, parts)
    # merging in the other order, and row order, do not matter either
    reordered = profile_of(table.slice(k), batch).merge(profile_of(table.slice(0, k), 13))
    same_profile(whole, reordered)
    shuffled = table.take(np.random.default_rng(seed).permutation(n))
    same_profile(whole, profile_of(shuffled, batch))


def summary(values: np.ndarray, batch: int, exact_limit: int, points: int) -> NumericSummary:
    b = NumericBuilder(exact_limit=exact_limit, points=points)
    for i in range(0, values.size, batch):
        b.add(values[i : i + batch])
    return b.finish()


def generated(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if kind == "heavy":
        return rng.standard_cauchy(n)
    if kind == "ties":
        return rng.integers(0, 300, n).astype(float)
    if kind == "constant":
        return np.full(n, 3.25)
    if kind == "bimodal":
        return np.where(rng.random(n) < 0.4, rng.normal(-5, 1, n), rng.normal(5, 0.5, n))
    if kind == "lognormal":
        return rng.lognormal(3, 1.5, n)
    return rng.normal(size=n)


KINDS = ["normal", "heavy", "ties", "constant", "bimodal", "lognormal"]
BOUNDED = ["ks", "wasserstein", "energy", "psi", "jensenshannon", "hellinger"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(8))
def test_summarized_statistics_stay_within_their_bounds(kind: str, seed: int) -> None:
    """Many generated columns, a tiny exact limit and few points (so summaries are coarse):
    every statistic from the summaries lies within its stated bound of the exact one."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2_000, 20_000)), int(rng.integers(2_000, 20_000))
    r = generated(kind, rng, n)
    c = generated(kind, rng, m) * float(rng.choice([1.0, 1.0, 1.02])) + float(
        rng.choice([0.0, 0.0, 0.05])
    )
    exact = ColumnPair(Kind.NUMERIC, ref=exact_summary(r), cur=exact_summary(c))
    approx = ColumnPair(
        Kind.NUMERIC,
        ref=summary(r, int(rng.integers(100, 3_000)), 50, 64),
        cur=summary(c, int(rng.integers(100, 3_000)), 50, 64),
    )
    for name in BOUNDED:
        want = REGISTRY[name].run(exact)
        got = REGISTRY[name].run(approx)
        if approx.exact:
            continue
        assert got.error_bound is not None, name
        slack = 1e-9 * max(1.0, abs(want.statistic))
        assert abs(got.statistic - want.statistic) <= got.error_bound + slack, (
            name,
            got,
            want,
        )
        if got.p_value_interval is not None and want.p_value is not None:
            lo, hi = got.p_value_interval
            # the exact p is the asymptotic one at the exact D beyond 10,000 rows per side
            p_exact = (
                stats.kstwo.sf(want.statistic, round(n * m / (n + m)))
                if max(n, m) > 10_000
                else None
            )
            if p_exact is not None:
                assert lo - 1e-12 <= p_exact <= hi + 1e-12


def test_t_test_is_exact_from_any_summary() -> None:
    rng = np.random.default_rng(3)
    r, c = rng.normal(size=50_000), rng.normal(0.01, size=40_000)
    approx = ColumnPair(Kind.NUMERIC, ref=summary(r, 1000, 10, 64), cur=summary(c, 999, 10, 64))
    got = REGISTRY["t_test"].run(approx)
    want = stats.ttest_ind(r, c, equal_var=False)
    assert got.statistic == pytest.approx(want.statistic, rel=1e-9)
    assert got.p_value == pytest.approx(want.pvalue, rel=1e-9)
    assert got.error_bound is None


def test_verdicts_differ_only_within_the_bound() -> None:
    """A compare on summarized profiles gives the exact verdict unless the exact statistic is
    within the bound of its threshold."""
    rng = np.random.default_rng(11)
    for shift in np.linspace(0.0, 0.3, 16):
        r = rng.normal(size=30_000)
        c = rng.normal(shift, size=30_000)
        ref, cur = pd.DataFrame({"x": r}), pd.DataFrame({"x": c})
        exact = driftcli.compare(ref, cur, exact_limit=10**9).column("x")
        approx = driftcli.compare(ref, cur, exact_limit=1_000).column("x")
        assert approx.approximate and approx.error_bound is not None
        assert exact.test == approx.test == "wasserstein"
        assert abs(approx.statistic - exact.statistic) <= approx.error_bound + 1e-12
        if abs(exact.statistic - exact.threshold) > approx.error_bound:
            assert approx.drift == exact.drift


def test_p_value_test_defers_when_its_interval_straddles_the_threshold() -> None:
    rng = np.random.default_rng(5)
    r = rng.normal(size=200_000)
    # choose a shift whose KS p-value is near 0.05: D near the critical value
    c = rng.normal(0.0055, size=200_000)
    res = driftcli.compare(
        pd.DataFrame({"x": r}), pd.DataFrame({"x": c}), stattest="ks", exact_limit=100
    )
    col = res.column("x")
    assert col.p_value_interval is not None or col.deferred_from == "ks"
    if col.deferred_from == "ks":
        assert col.test == "wasserstein" and col.note and "cannot decide" in col.note
    else:
        lo, hi = col.p_value_interval
        assert not lo < 0.05 <= hi


@pytest.mark.parametrize("name", ["anderson", "cramer_von_mises", "kl_div"])
def test_tests_without_a_bound_defer_to_the_distance(name: str) -> None:
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(size=5_000)})
    cur = pd.DataFrame({"x": rng.normal(1.0, size=5_000)})
    col = driftcli.compare(ref, cur, stattest=name, exact_limit=100).column("x")
    assert col.deferred_from == name
    assert col.test == "wasserstein" and col.drift


def test_examples_profile_path_equals_raw_path(tmp_path: Path) -> None:
    """The raw and the saved-profile paths give identical results on the shipped examples."""
    ref, cur = EXAMPLES / "reference.parquet", EXAMPLES / "current.parquet"
    raw = driftcli.compare(ref, cur).to_dict()
    saved = tmp_path / "ref.profile"
    driftcli.profile(ref).save(saved)
    via = driftcli.compare(saved, cur).to_dict()
    for d in (raw, via):
        d.pop("generated_at")
        d["reference"].pop("path")
        d["reference"].pop("format")
    assert raw == via


def test_saving_is_byte_identical_and_round_trips(tmp_path: Path) -> None:
    table = pa.Table.from_pandas(frame(1, 5_000), preserve_index=False)
    a, b = tmp_path / "a.profile", tmp_path / "b.profile"
    profile_of(table, 1000).save(a)
    profile_of(table, 1000).save(b)
    assert a.read_bytes() == b.read_bytes()
    assert is_profile(a)
    same_profile(profile_of(table, 1000), Profile.load(a))


def test_summarized_profile_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    table = pa.table({"x": rng.normal(size=300_000)})
    prof = profile_of(table, 65_536)
    assert not prof.columns["x"].numeric.exact  # type: ignore[union-attr]
    prof.save(tmp_path / "p")
    back = Profile.load(tmp_path / "p")
    a, b = prof.columns["x"].numeric, back.columns["x"].numeric
    assert a is not None and b is not None
    np.testing.assert_array_equal(a.points.values, b.points.values)
    assert a.points.rank_error == b.points.rank_error and not b.exact


def test_committed_fixture_profile_loads_and_compares() -> None:
    """A profile written by format version 1 stays readable by later releases."""
    prof = Profile.load(FIXTURE)
    assert prof.rows > 0 and "age" in prof.columns
    res = driftcli.compare(FIXTURE, EXAMPLES / "current.parquet")
    assert res.reference.format == "profile"
    assert res.exit_code in (0, 1)


def test_bad_profiles_are_one_line_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.profile"
    driftcli.profile(EXAMPLES / "reference.parquet").save(good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.profile"
    truncated.write_bytes(data[: len(data) // 2])
    corrupt = tmp_path / "corrupt.profile"
    corrupt.write_bytes(data[:200] + bytes(100) + data[300:])
    future = tmp_path / "future.profile"
    import zipfile

    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(future, "w") as zout:
        for item in zin.infolist():
            payload = zin.read(item)
            if item.filename == "driftcli-profile.json":
                header = json.loads(payload)
                assert header["format_version"] == FORMAT_VERSION
                payload = json.dumps(header | {"format_version": 99}).encode()
            zout.writestr(item, payload)
    for bad, words in ((truncated, "corrupt"), (corrupt, "corrupt"), (future, "newer")):
        with pytest.raises(InputError, match=words) as err:
            Profile.load(bad)
        assert "\n" not in str(err.value) and str(bad) in str(err.value)
        proc = subprocess.run(
            [sys.executable, "-m", "driftcli", "compare", str(bad), str(EXAMPLES / "current.csv")],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_profile_command_and_merge(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "driftcli", *args], capture_output=True, text=True
        )

    ref_csv = EXAMPLES / "reference.csv"
    table = pd.read_csv(ref_csv)
    half = len(table) // 2
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    table.iloc[:half].to_parquet(a)
    table.iloc[half:].to_parquet(b)
    for part in (a, b):
        proc = run("profile", str(part), "-o", str(part.with_suffix(".profile")))
        assert proc.returncode == 0, proc.stderr
    merged = tmp_path / "merged.bin"
    proc = run(
        "profile",
        "--merge",
        str(a.with_suffix(".profile")),
        str(b.with_suffix(".profile")),
        "-o",
        str(merged),
    )
    assert proc.returncode == 0, proc.stderr
    whole = tmp_path / "whole.profile"
    assert run("profile", str(ref_csv), "-o", str(whole)).returncode == 0
    cur = str(EXAMPLES / "current.csv")
    out1 = run("compare", str(merged), cur, "--json", "-")
    out2 = run("compare", str(ref_csv), cur, "--json", "-")
    assert out1.returncode == out2.returncode
    import json

    j1, j2 = json.loads(out1.stdout), json.loads(out2.stdout)
    assert [c["drift"] for c in j1["columns"]] == [c["drift"] for c in j2["columns"]]
    for c1, c2 in zip(j1["columns"], j2["columns"], strict=True):
        if c1["statistic"] is not None:
            assert c1["statistic"] == pytest.approx(c2["statistic"], rel=1e-9, abs=1e-12)
    # the output may not overwrite an input
    proc = run("profile", str(ref_csv), "-o", str(ref_csv))
    assert proc.returncode == 2 and "input" in proc.stderr


def test_profile_memory_is_bounded() -> None:
    """A builder's points never exceed the levels' capacity, however many rows stream in."""
    b = NumericBuilder(exact_limit=1_000, points=512)
    rng = np.random.default_rng(0)
    for _ in range(300):
        b.add(rng.normal(size=4_096))
        held = sum(p.values.size for level in (b._levels or []) for p in level)
        assert held <= 4 * 512 * 8
    s = b.finish()
    assert s.n == 300 * 4_096 and not s.exact
    assert s.rank_error_share <= 10 / (2 * 512)
    assert math.isfinite(s.transport_error_mean)


def test_profile_whose_kind_contradicts_the_comparison_is_an_error(tmp_path: Path) -> None:
    ref = pd.DataFrame({"zip": ["02134", "10001", "94105"] * 50})
    saved = tmp_path / "ref.profile"
    driftcli.profile(ref, numerical=["zip"]).save(saved)
    with pytest.raises(driftcli.UsageError, match="profiled as numeric"):
        driftcli.compare(saved, ref)
    # asking for the same kind again works
    assert driftcli.compare(saved, ref, numerical=["zip"]).exit_code == 0


@pytest.mark.parametrize("side", ["reference", "current"])
def test_model_quality_through_saved_profiles(tmp_path: Path, side: str) -> None:
    """Model metrics, target and prediction drift are the same from a saved profile."""
    ref, cur = EXAMPLES / "churn_reference.parquet", EXAMPLES / "churn_current.parquet"
    roles = {"target": "churned", "prediction": "predicted_churn", "proba": ["churn_proba"]}
    raw = driftcli.compare(ref, cur, **roles).to_dict()
    saved = tmp_path / f"{side}.profile"
    driftcli.profile(ref if side == "reference" else cur, **roles).save(saved)
    args = (saved, cur) if side == "reference" else (ref, saved)
    via = driftcli.compare(*args, **roles).to_dict()
    for d in (raw, via):
        d.pop("generated_at")
        d[side].pop("path")
        d[side].pop("format")
    assert via == raw
    assert raw["performance"]["metrics"]
    # a profile saved without the model columns cannot answer for them
    plain = tmp_path / "plain.profile"
    driftcli.profile(ref).save(plain)
    with pytest.raises(driftcli.UsageError, match="no model columns"):
        driftcli.compare(plain, cur, **roles)


def test_wide_inputs_are_read_in_column_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a wide Parquet file a group of columns at a time gives the same profile."""
    from driftcli import api

    rng = np.random.default_rng(4)
    table = pa.table({f"c{i:03d}": rng.normal(size=3_000) for i in range(40)})
    table = table.append_column("label", pa.array(rng.choice(["a", "b"], 3_000)))
    path = tmp_path / "wide.parquet"
    import pyarrow.parquet as pq

    pq.write_table(table, path)
    whole = driftcli.profile(path)
    monkeypatch.setattr(api, "GROUP_COLUMNS", 7)
    assert len(api.column_groups(table.column_names, [], "parquet")) == 6
    grouped = driftcli.profile(path)
    assert grouped.column_names == whole.column_names
    same_profile(whole, grouped)


def test_tall_narrow_inputs_are_read_a_few_columns_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More rows than one gather: even groups of at most TALL_GROUP_COLUMNS (the model
    columns first), the same profile, byte for byte, as one pass over every column."""
    import pyarrow.parquet as pq

    from driftcli import api

    names = [f"c{i}" for i in range(30)]
    tall = api.TALL_ROWS + 1
    groups = api.column_groups(names, ["c29"], "parquet", rows=tall)
    assert [len(g) for g in groups] == [10, 10, 10] and groups[0][0] == "c29"
    assert api.column_groups(names, [], "parquet", rows=api.TALL_ROWS) == [names]
    assert api.column_groups(names, [], "parquet", rows=None) == [names]
    assert api.column_groups(names, [], "csv", rows=tall) == [names]
    assert [len(g) for g in api.column_groups(names[:13], [], "arrow", rows=tall)] == [7, 6]

    rng = np.random.default_rng(5)
    rows = api.TALL_ROWS + 20_000
    table = pa.table(
        {
            **{f"x{i}": rng.standard_t(3, rows) for i in range(9)},
            "k": pa.array(rng.choice(["a", "b", "c"], rows)),
            "n": pa.array(rng.integers(0, 50, rows)),
        }
    )
    path = tmp_path / "tall.parquet"
    pq.write_table(table, path, row_group_size=131_072)
    monkeypatch.setattr(api, "TALL_GROUP_COLUMNS", 4)
    assert len(api.column_groups(table.column_names, [], "parquet", rows=rows)) == 3
    grouped = driftcli.profile(path)
    monkeypatch.setattr(api, "TALL_GROUP_COLUMNS", 100)
    whole = driftcli.profile(path)
    assert grouped.column_names == whole.column_names
    grouped.save(tmp_path / "g.profile")
    whole.save(tmp_path / "w.profile")
    assert (tmp_path / "g.profile").read_bytes() == (tmp_path / "w.profile").read_bytes()


def test_a_finished_column_group_is_released_behind_its_work_without_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ending a column group queues its release behind the group's last batch and returns at
    once, so the caller reads the next group while the workers profile this one; each column
    still takes its calls in order (add, then release)."""
    import threading

    from driftcli.profiles import ProfileBuilder
    from driftcli.profiles.column import ColumnBuilder

    go = threading.Event()
    calls: list[tuple[str, str]] = []
    add, release = ColumnBuilder.add, ColumnBuilder.release

    def slow_add(self: ColumnBuilder, values: pa.Array) -> None:
        assert go.wait(10)
        add(self, values)
        calls.append(("add", self.name))

    def logged_release(self: ColumnBuilder) -> None:
        release(self)
        calls.append(("release", self.name))

    monkeypatch.setattr(ColumnBuilder, "add", slow_add)
    monkeypatch.setattr(ColumnBuilder, "release", logged_release)
    names = [f"c{i}" for i in range(5)]
    batch = pa.record_batch([pa.array(np.arange(50.0) + i) for i in range(5)], names=names)
    builder = ProfileBuilder(batch.schema, role="reference", exact_limit=10)
    builder.add(batch)
    returned = threading.Event()

    def end_group() -> None:
        builder.release(range(5))
        returned.set()

    threading.Thread(target=end_group, daemon=True).start()
    assert returned.wait(5), "release waited for the group's batch to be profiled"
    assert not calls  # nothing profiled yet: the batch is still held up
    go.set()
    prof = builder.finish(path=None, fmt="test")
    for name in names:
        assert calls.index(("add", name)) < calls.index(("release", name))
        assert prof.columns[name].numeric is not None
        assert prof.columns[name].numeric.points.total == 50


def test_column_groups_free_their_gather_buffers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summarized columns gather values within one budget for the columns read together, and
    a column group that is done summarizes and frees its buffers before the next is
    profiled (while the next is read): memory follows the group in flight, not the table's
    width. The profile counts every value and keeps the exact moments."""
    import pyarrow.parquet as pq

    from driftcli import api
    from driftcli.profiles import ProfileBuilder
    from driftcli.profiles.numeric import GATHER_VALUES, gather_size

    assert gather_size(16_384, 33) == 32 * 16_384
    assert gather_size(16_000, 91) == GATHER_VALUES // 91
    assert gather_size(3_200, 100_000) == 3_200  # never fewer than the points
    rng = np.random.default_rng(9)
    table = pa.table({f"c{i:02d}": rng.normal(i, 1.0, size=30_000) for i in range(20)})
    path = tmp_path / "wide.parquet"
    pq.write_table(table, path, row_group_size=5_000)
    freed: list[bool] = []
    release = ProfileBuilder.release

    def spy(self: ProfileBuilder, columns: list[int]) -> None:
        release(self, columns)
        self._wait()
        freed.append(all(self.builders[i].numeric._raw is None for i in columns))  # type: ignore[union-attr]

    monkeypatch.setattr(ProfileBuilder, "release", spy)
    monkeypatch.setattr(api, "GROUP_COLUMNS", 5)
    prof = driftcli.profile(path, exact_limit=1_000)
    assert freed == [True] * 4
    for i, col in enumerate(prof.columns.values()):
        values = table.column(i).to_numpy()
        assert col.numeric is not None and not col.numeric.exact
        assert col.numeric.points.total == 30_000
        assert col.numeric.moments.mean == pytest.approx(values.mean(), rel=1e-12, abs=1e-12)
        assert col.numeric.moments.std == pytest.approx(values.std(ddof=1), rel=1e-9)


@pytest.mark.parametrize("switch", [0, 3, 7])
def test_moments_of_values_kept_exactly_come_from_their_points(switch: int) -> None:
    """Batches kept exactly take no moments of their own: the moments come from the exact
    points when the column is summarized (after ``switch`` low-cardinality batches) or
    finished, and still match numpy over every finite value."""
    rng = np.random.default_rng(switch)
    batches = [np.round(rng.normal(5.0, 2.0, 400), 1) for _ in range(switch)]
    batches += [rng.normal(5.0, 2.0, 700) for _ in range(4)] if switch < 7 else []
    batches[0][:3] = [np.nan, np.inf, -np.inf]
    builder = NumericBuilder(exact_limit=600, points=128)
    for b in batches:
        builder.add(b.copy())
    summary = builder.finish()
    every = np.concatenate(batches)
    finite = every[np.isfinite(every)]
    assert summary.exact == (switch == 7)
    assert (summary.missing, summary.infinite) == (1, 2)
    assert summary.moments.n == finite.size == summary.points.total
    assert summary.moments.mean == pytest.approx(finite.mean(), rel=1e-13)
    assert summary.moments.m2 == pytest.approx(((finite - finite.mean()) ** 2).sum(), rel=1e-12)
    assert (summary.moments.min, summary.moments.max) == (finite.min(), finite.max())


@pytest.mark.parametrize("distinct", [None, 40, 60])
def test_a_summarized_batch_counts_what_its_sorted_ends_exclude(distinct: int | None) -> None:
    """A batch is sorted before anything else: NaN, -inf and +inf are counted from the ends
    of the sorted batch, and a batch of four times the exact limit or more is shown to be
    beyond it by a strided look. Counts, moments, points and both error terms are those of
    the finite values summarized directly; ties make the look fall back to counting."""
    from driftcli.profiles.numeric import _summarize_sorted

    rng = np.random.default_rng(11)
    finite = rng.normal(size=1_000) if distinct is None else rng.integers(0, distinct, 1_000)
    values = np.concatenate([finite, [np.nan] * 13, [np.inf] * 7, [-np.inf] * 3])
    rng.shuffle(values)
    builder = NumericBuilder(exact_limit=50, points=50)
    builder.add(values.astype(np.float64))
    s = builder.finish()
    assert (s.missing, s.infinite, s.n) == (13, 10, 1_000)
    assert s.moments.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert s.moments.m2 == pytest.approx(finite.var() * finite.size, rel=1e-12)
    assert s.exact == (distinct == 40)
    expected = _summarize_sorted(np.sort(finite.astype(np.float64)), 50)
    if s.exact:
        expected = Points(*np.unique(finite.astype(np.float64), return_counts=True))
    np.testing.assert_array_equal(s.points.values, expected.values)
    np.testing.assert_array_equal(s.points.weights, expected.weights)
    assert s.points.rank_error == expected.rank_error
    if distinct is None:  # the transport term is the cost of each group's moves to its median
        groups = np.sort(finite).reshape(50, 20)
        cost = np.abs(groups - groups[:, 9:10]).sum()
        assert s.points.transport_error == pytest.approx(cost, rel=1e-12)


@pytest.mark.parametrize("size", range(1, 40))
def test_transport_to_the_median_pairs_the_ends_of_sorted_rows(size: int) -> None:
    from driftcli.profiles.numeric import _transport_to_median

    rng = np.random.default_rng(size)
    grid = np.sort(rng.standard_normal((7, size)) * 1e3 + 1e9, axis=1)
    mid = -(-size // 2) - 1
    expected = np.abs(grid - grid[:, mid : mid + 1]).sum()
    assert _transport_to_median(grid, mid) == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_merge_tree_keeps_narrow_weights_and_the_same_counts() -> None:
    """Summaries waiting in a column's merge tree keep their weights in the narrowest
    unsigned type (a leaf's are 32 each: one byte, not eight), which is where a long run's
    memory grows; merges widen them back, so counts stay exact and the CDF within its bound."""
    from driftcli.profiles.numeric import Points, _Packed

    for top in (1, 255, 256, 65_535, 65_536, 2**32 - 1, 2**32, 2**40):
        p = Points(np.array([0.5, 1.5, 2.5]), np.array([1, top, 7], dtype=np.int64))
        packed = _Packed.of(p)
        assert packed.weights.itemsize < 8 or top >= 2**32
        back = packed.unpacked()
        assert back.weights.dtype == np.int64
        assert back.weights.tolist() == [1, top, 7]
        assert back.values is p.values

    rng = np.random.default_rng(5)
    values = rng.lognormal(size=20 * 32 * 2_048 + 1_234)
    builder = NumericBuilder(exact_limit=1_000, points=2_048)
    for start in range(0, values.size, 50_000):
        builder.add(values[start : start + 50_000])
    assert builder._levels is not None
    resting = [q for level in builder._levels for q in level]
    assert resting and all(q.weights.dtype in (np.uint8, np.uint16) for q in resting)
    summary = builder.finish()
    pts = summary.points
    assert pts.weights.dtype == np.int64 and pts.total == values.size
    grid = np.quantile(values, np.linspace(0, 1, 201))
    true = np.searchsorted(np.sort(values), grid, side="right")
    assert np.max(np.abs(pts.cdf_right(grid) - true)) <= pts.rank_error


def test_large_waiting_summaries_live_outside_the_heap_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A waiting summary of the default size gets a memory mapping of its own (so the heap
    does not grow with rows around it); small ones stay on the heap; where the system refuses
    a mapping the heap is used. The finished summary is the same in every case."""
    import mmap

    from driftcli.profiles import numeric

    rng = np.random.default_rng(8)
    values = rng.normal(size=9 * 32 * numeric.SUMMARY_POINTS + 777)

    mapping = mmap.mmap  # the test replaces it below

    def own_mapping(a: np.ndarray) -> bool:
        base = a.base
        return isinstance(getattr(base, "obj", base), mapping)  # frombuffer: a memoryview

    def run() -> tuple[numeric.NumericSummary, list[bool]]:
        builder = NumericBuilder(exact_limit=1_000)
        for start in range(0, values.size, 131_072):
            builder.add(values[start : start + 131_072])
        assert builder._levels is not None
        placed = [own_mapping(q.values) for level in builder._levels for q in level]
        return builder.finish(), placed

    in_mappings, placed = run()
    assert placed and all(placed)
    small = numeric._Packed.of(numeric.Points(np.arange(3.0), np.ones(3, np.int64)))
    assert not own_mapping(small.values)

    monkeypatch.setattr(numeric, "OWN_MAPPING_BYTES", 2**62)
    on_heap, placed = run()
    assert placed and not any(placed)

    def refuse(*args: object) -> mmap.mmap:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(numeric, "OWN_MAPPING_BYTES", 1)
    monkeypatch.setattr(numeric.mmap, "mmap", refuse)
    refused, placed = run()
    assert placed and not any(placed)

    for other in (on_heap, refused):
        assert np.array_equal(other.points.values, in_mappings.points.values)
        assert np.array_equal(other.points.weights, in_mappings.points.weights)
        assert other.points.rank_error == in_mappings.points.rank_error
        assert other.points.transport_error == in_mappings.points.transport_error
    assert in_mappings.points.total == values.size


def test_many_columns_share_the_exact_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exact limit shrinks so that all columns together keep a bounded number of values."""
    from driftcli import api

    monkeypatch.setattr(api, "EXACT_POINTS_BUDGET", 40_000)
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({f"c{i}": rng.normal(size=5_000) for i in range(20)})
    prof = driftcli.profile(frame)
    assert prof.exact_limit == 2_000
    assert all(not c.numeric.exact for c in prof.columns.values())  # type: ignore[union-attr]


def test_budget_cut_summaries_keep_fewer_points(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Where the shared budget cuts the exact limit, summaries shrink with it (never below
    2,048 points): a 5,000-column profile stays within its budget. A user's own small
    --exact-limit keeps full summaries."""
    from driftcli import api
    from driftcli.profiles.numeric import MIN_SUMMARY_POINTS, SUMMARY_POINTS

    monkeypatch.setattr(api, "EXACT_POINTS_BUDGET", 30_000)
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({f"c{i}": rng.normal(size=40_000) for i in range(10)})
    prof = driftcli.profile(frame)
    assert prof.exact_limit == 3_000 and prof.summary_points == 3_000
    for col in prof.columns.values():
        assert col.numeric is not None and not col.numeric.exact
        assert col.numeric.points.values.size <= 3_000
        assert col.numeric.points.total == 40_000
    path = tmp_path / "wide.profile"
    prof.save(path)
    again = driftcli.Profile.load(path)
    assert again.summary_points == 3_000
    merged = again.merge(driftcli.profile(frame))
    assert merged.summary_points == 3_000
    assert all(c.numeric.points.values.size <= 3_000 for c in merged.columns.values())  # type: ignore[union-attr]
    monkeypatch.setattr(api, "EXACT_POINTS_BUDGET", 1_000)
    assert driftcli.profile(frame).summary_points == MIN_SUMMARY_POINTS
    own = driftcli.profile(frame, exact_limit=1_000)  # the user's limit: full summaries
    assert own.summary_points == SUMMARY_POINTS
    assert max(c.numeric.points.values.size for c in own.columns.values()) > 3_000  # type: ignore[union-attr]


def test_column_groups_follow_the_batch_size() -> None:
    """Wide inputs are read in groups whose batches hold about GROUP_VALUES values."""
    from driftcli import api

    assert api.group_width(100_000) == 120
    assert api.group_width(50_000) == 240
    assert api.group_width(10_000) == api.GROUP_COLUMNS
    assert api.group_width(1_000_000) == 32
    names = [f"c{i}" for i in range(1_000)]
    groups = api.column_groups(names, ["c999"], "parquet", api.group_width(100_000))
    assert [len(g) for g in groups] == [120] * 8 + [40]
    assert groups[0][0] == "c999" and [n for g in groups for n in g] == ["c999", *names[:999]]
    assert api.column_groups(names, [], "csv", 120) == [names]  # one pass for CSV anyway


def test_fast_npy_reader_equals_numpy() -> None:
    """The profile reader's .npy shortcut gives numpy's arrays for what driftcli writes, hands
    anything else to numpy, and refuses a body of the wrong length."""
    import io

    from driftcli.profiles.store import _npy

    arrays = [
        np.arange(5.0),
        np.arange(3, dtype=np.int64),
        np.frombuffer(b"abc", np.uint8),
        np.zeros(0),
        np.arange(6.0).reshape(2, 3),  # not one-dimensional: numpy's reader
        np.arange(4, dtype=">i8"),  # big-endian: numpy's reader
        np.arange(3, dtype=np.int32),
    ]
    for arr in arrays:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=False)
        got = _npy(buf.getvalue())
        assert got.dtype == arr.dtype and got.shape == arr.shape
        np.testing.assert_array_equal(got, arr)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.arange(10.0), allow_pickle=False)
    with pytest.raises(ValueError):
        _npy(buf.getvalue()[:-8])


def test_saved_profile_stores_noise_and_deflates_the_rest(tmp_path: Path) -> None:
    """Continuous doubles are stored, whole numbers and weights deflated; the file loads back
    to the same profile either way."""
    import zipfile

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=5_000), "k": rng.integers(0, 50, 5_000) * 1.0})
    prof = driftcli.profile(frame)
    path = tmp_path / "p.profile"
    prof.save(path)
    back = Profile.load(path)
    header = json.loads(zipfile.ZipFile(path).read("driftcli-profile.json"))
    kinds = {}
    with zipfile.ZipFile(path) as zf:
        for col in header["columns"]:
            for key in ("values", "weights"):
                info = zf.getinfo(col["numeric"][key])
                kinds[col["name"], key] = info.compress_type
    assert kinds["x", "values"] == zipfile.ZIP_STORED
    assert kinds["k", "values"] == zipfile.ZIP_DEFLATED
    assert kinds["x", "weights"] == kinds["k", "weights"] == zipfile.ZIP_DEFLATED
    for name in ("x", "k"):
        a, b = prof.columns[name].numeric, back.columns[name].numeric
        assert a is not None and b is not None
        assert a.points.values.tolist() == b.points.values.tolist()
        assert a.points.weights.tolist() == b.points.weights.tolist()
