"""Hypothesis properties of the stat tests, through the registry and the library API.

* Identical samples never drift, for every registered test, and p-value tests really give
  the p-value that "no evidence at all" deserves (1 where the test can reach it).
* The same empirical distribution at another size (the current data is the reference
  repeated) never drifts either.
* Shuffling rows changes no result: the whole ``Result.to_dict()`` but ``generated_at``.
* A clear shift (mean moved by 3 standard deviations, or the category mix reversed) is found
  by every test once there are enough rows, and by ``driftcli.compare`` on DataFrames.

Hypothesis draws the structure (sizes, shapes, scales, a seed) and numpy draws the bulk
values from the seed, so a few thousand rows stay cheap and failures shrink to small cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftcli import compare
from driftcli.settings import Settings
from driftcli.stattests import REGISTRY, ColumnPair, Kind, Output, StatTest

NUMERIC_TESTS = sorted(n for n, t in REGISTRY.items() if Kind.NUMERIC in t.kinds)
CATEGORICAL_TESTS = sorted(n for n, t in REGISTRY.items() if Kind.CATEGORICAL in t.kinds)
#: p-value tests whose p is exactly 1 when the two samples have the same empirical CDF.
P_ONE_WHEN_EQUAL = {"ks", "t_test", "cramer_von_mises", "chisquare", "z", "fisher_exact"}

# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumericCase:
    n: int
    shape: str
    scale: float
    offset: float
    seed: int

    def draw(self, n: int | None = None, shift: float = 0.0) -> np.ndarray:
        """Values of this case's distribution, moved by ``shift`` standard deviations."""
        rng = np.random.default_rng(self.seed + round(shift * 1000))
        size = self.n if n is None else n
        if self.shape == "normal":
            x = rng.normal(0.0, 1.0, size)
        elif self.shape == "uniform":
            x = rng.uniform(-np.sqrt(3), np.sqrt(3), size)
        elif self.shape == "exponential":
            x = rng.exponential(1.0, size) - 1.0
        elif self.shape == "ties":
            x = (rng.integers(0, 12, size) - 5.5) / 3.45
        else:  # constant
            x = np.zeros(size)
        return (x + shift) * self.scale + self.offset


numeric_cases = st.builds(
    NumericCase,
    n=st.integers(1, 400),
    shape=st.sampled_from(("normal", "uniform", "exponential", "ties", "constant")),
    scale=st.sampled_from((1e-3, 1.0, 7.5, 1e4)),
    offset=st.sampled_from((0.0, -3.0, 1e3)),
    seed=st.integers(0, 2**32 - 1),
)

small_float_lists = st.lists(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)


@dataclass(frozen=True)
class CategoricalCase:
    k: int
    n: int
    seed: int

    @property
    def labels(self) -> list[str]:
        return [f"cat{i}" for i in range(self.k)]

    def probs(self, flipped: bool = False) -> np.ndarray:
        """Geometric shares (each category 0.3 times as common as the previous), or reversed."""
        w = 0.3 ** np.arange(self.k)
        w = w / w.sum()
        return w[::-1] if flipped else w

    def draw(self, n: int | None = None, flipped: bool = False) -> list[str]:
        rng = np.random.default_rng(self.seed + int(flipped))
        return list(rng.choice(self.labels, self.n if n is None else n, p=self.probs(flipped)))


categorical_cases = st.builds(
    CategoricalCase, k=st.integers(2, 12), n=st.integers(1, 400), seed=st.integers(0, 2**32 - 1)
)


def applies(test: StatTest, pair: ColumnPair) -> bool:
    return test.applies_to(pair)


def assert_no_drift(name: str, pair: ColumnPair, what: str, p_one: float = 1e-12) -> None:
    """No drift; p-value tests give p = 1 within ``p_one`` where they can reach it."""
    test = REGISTRY[name]
    if not test.applies_to(pair):
        return
    out = test.run(pair)
    msg = f"{name} on {what}: {out}"
    assert not test.drifted(out, test.default_threshold), msg
    if test.output is Output.P_VALUE:
        assert out.p_value is not None and out.p_value >= test.default_threshold, msg
        if name in P_ONE_WHEN_EQUAL:
            assert out.p_value == pytest.approx(1.0, abs=p_one), msg
        if name == "anderson":  # scipy caps its table-interpolated p-value at 0.25
            assert out.p_value >= 0.25, msg
    else:
        assert out.statistic == pytest.approx(0.0, abs=1e-12), msg


# ---------------------------------------------------------------------------------------------
# Through the registry
# ---------------------------------------------------------------------------------------------


@given(numeric_cases)
def test_identical_numeric_samples_never_drift(case: NumericCase) -> None:
    x = case.draw()
    for name in NUMERIC_TESTS:
        assert_no_drift(name, ColumnPair.numeric(x, x.copy()), f"identical {case}")


@given(small_float_lists)
def test_identical_arbitrary_floats_never_drift(values: list[float]) -> None:
    for name in NUMERIC_TESTS:
        assert_no_drift(name, ColumnPair.numeric(values, list(values)), f"identical {values}")


@given(numeric_cases, st.integers(2, 4))
def test_reference_repeated_never_drifts(case: NumericCase, times: int) -> None:
    x = case.draw()
    pair = ColumnPair.numeric(x, np.tile(x, times))
    for name in NUMERIC_TESTS:
        # the t-test's means of x and of x repeated differ by rounding: t ~ 1e-9, not 0
        assert_no_drift(name, pair, f"{case} repeated x{times}", p_one=1e-6)


@given(categorical_cases, st.integers(1, 4))
def test_identical_or_repeated_categories_never_drift(case: CategoricalCase, times: int) -> None:
    labels = case.draw()
    for name in CATEGORICAL_TESTS:
        pair = ColumnPair.categorical(labels, labels * times)
        assert_no_drift(name, pair, f"{case} x{times}", p_one=1e-9)


@given(numeric_cases, st.randoms(use_true_random=False))
def test_row_order_changes_no_outcome(case: NumericCase, random: Any) -> None:
    ref, cur = case.draw(), case.draw(n=max(case.n // 2, 1), shift=0.5)
    ref_shuffled, cur_shuffled = list(ref), list(cur)
    random.shuffle(ref_shuffled)
    random.shuffle(cur_shuffled)
    for name in NUMERIC_TESTS:
        a = REGISTRY[name].run(ColumnPair.numeric(ref, cur))
        b = REGISTRY[name].run(ColumnPair.numeric(ref_shuffled, cur_shuffled))
        assert a == b or (np.isnan(a.statistic) and np.isnan(b.statistic)), (name, a, b)


@given(numeric_cases.filter(lambda c: c.shape != "constant"), st.integers(200, 3000))
def test_three_std_shift_is_found_by_every_numeric_test(case: NumericCase, n: int) -> None:
    ref, cur = case.draw(n=n), case.draw(n=n, shift=3.0)
    pair = ColumnPair.numeric(ref, cur)
    for name in NUMERIC_TESTS:
        test = REGISTRY[name]
        out = test.run(pair)
        assert test.drifted(out, test.default_threshold), f"{name} missed 3 std on {case}: {out}"


@given(categorical_cases, st.integers(200, 3000))
def test_reversed_category_mix_is_found_by_every_categorical_test(
    case: CategoricalCase, n: int
) -> None:
    pair = ColumnPair.categorical(case.draw(n=n), case.draw(n=n, flipped=True))
    for name in CATEGORICAL_TESTS:
        test = REGISTRY[name]
        if not test.applies_to(pair):
            continue
        out = test.run(pair)
        assert test.drifted(out, test.default_threshold), f"{name} missed a flip: {case}: {out}"


# ---------------------------------------------------------------------------------------------
# Through the library API, on DataFrames
# ---------------------------------------------------------------------------------------------


def frame(num: np.ndarray, cat: list[str], flag: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({"num": num, "cat": cat, "flag": flag})


def frame_case(seed: int, n: int, shift: float = 0.0, flipped: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    num = rng.normal(10.0 + shift * 2.0, 2.0, n)
    num[rng.random(n) < 0.05] = np.nan  # missing values are counted, not tested
    probs = np.array([0.6, 0.25, 0.1, 0.05])
    cat = list(rng.choice(["a", "b", "c", "d"], n, p=probs[::-1] if flipped else probs))
    flag = list(rng.random(n) < (0.2 if flipped else 0.7))
    return frame(num, cat, flag)


def comparable(result: Any) -> dict[str, Any]:
    d: dict[str, Any] = result.to_dict()
    d.pop("generated_at")
    return d


def small_ok() -> dict[str, Any]:
    """Let small frames through a minimum-row setting, when there is one."""
    return {"min_rows": 0} if "min_rows" in Settings.__dataclass_fields__ else {}


stattest_or_auto = st.sampled_from([None, *sorted(REGISTRY)])


@given(st.integers(0, 2**32 - 1), st.integers(5, 400), st.integers(5, 400), stattest_or_auto)
def test_compare_shuffled_rows_change_no_result(
    seed: int, n_ref: int, n_cur: int, stattest: str | None
) -> None:
    ref = frame_case(seed, n_ref)
    cur = frame_case(seed + 1, n_cur, shift=0.3)
    rng = np.random.default_rng(seed)
    ref_shuffled = ref.iloc[rng.permutation(n_ref)].reset_index(drop=True)
    cur_shuffled = cur.iloc[rng.permutation(n_cur)].reset_index(drop=True)
    a = compare(ref, cur, stattest=stattest, **small_ok())
    b = compare(ref_shuffled, cur_shuffled, stattest=stattest, **small_ok())
    assert comparable(a) == comparable(b)


@given(st.integers(0, 2**32 - 1), st.integers(5, 400), stattest_or_auto)
def test_compare_identical_frames_never_drift(seed: int, n: int, stattest: str | None) -> None:
    df = frame_case(seed, n)
    result = compare(df, df.copy(), stattest=stattest, **small_ok())
    tested = [c for c in result.columns if c.skipped_reason is None]
    assert tested
    for col in tested:
        assert not col.drift, (stattest, col.name, col.test, col.statistic, col.p_value)
        if col.p_value is not None and col.test in P_ONE_WHEN_EQUAL:
            assert col.p_value == pytest.approx(1.0, abs=1e-12), (col.name, col.test)
    assert result.exit_code == 0


@given(st.integers(0, 2**32 - 1), st.integers(200, 3000))
def test_compare_finds_a_clear_shift(seed: int, n: int) -> None:
    """Automatic choice: ks / z / chisquare up to 1,000 rows, wasserstein / jensenshannon above."""
    ref = frame_case(seed, n)
    cur = frame_case(seed + 1, n, shift=3.0, flipped=True)
    result = compare(ref, cur, **small_ok())
    drifted = {c.name: c for c in result.columns}
    for name in ("num", "cat", "flag"):
        col = drifted[name]
        assert col.drift, (name, col.test, col.statistic, col.p_value)
    assert result.exit_code == 1
