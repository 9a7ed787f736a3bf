"""Every registered stat test against an independent reference, plus the registry invariants.

One generic module, parametrized over :data:`driftcli.stattests.REGISTRY`: a new test file is
covered automatically, and a registered test without a reference entry in :data:`SPECS` below
fails :func:`test_every_registered_test_has_a_spec` (add its entry when you add the test).

The reference is scipy where scipy has the test (same samples, raw and unsorted, fed straight
to scipy) and a plain numpy formula written here otherwise (PSI, Hellinger). Agreement is
asserted to ``rtol=1e-9``; a tiny ``atol`` is allowed only for distances, whose value can be
~0 (identical distributions), where a relative tolerance means nothing.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from driftcli.stattests import REGISTRY, ColumnPair, Kind, Output, StatTest
from driftcli.stattests.base import EPSILON, histogram_sorted, sturges_edges

RTOL = 1e-9
ATOL_DISTANCE = 1e-12

Samples = tuple[Any, Any]
Ref = tuple[float, float | None]

# ---------------------------------------------------------------------------------------------
# Generated samples
# ---------------------------------------------------------------------------------------------

N_NUMERIC = 80
N_CATEGORICAL = 80


def numeric_samples(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two numeric samples: sizes from 2 to 3,000 (often unequal), ties, shifts, scales.

    Every case has at least 2 values per side and 2 distinct pooled values, so that every
    scipy reference is defined; the degenerate cases have their own tests below.
    """
    rng = np.random.default_rng(seed)
    sizes = (2, 3, 5, 8, 13, 30, 50, 100, 257, 1000, 3000)
    n_ref, n_cur = (int(rng.choice(sizes)) for _ in range(2))
    if seed % 4 == 0:
        n_cur = n_ref
    shape = seed % 6
    if shape == 0:
        draw = lambda n: rng.normal(0, 1, n)  # noqa: E731
    elif shape == 1:
        draw = lambda n: rng.lognormal(0, 1.5, n)  # noqa: E731
    elif shape == 2:  # heavy ties: few distinct integers
        draw = lambda n: rng.integers(0, 4, n).astype(float)  # noqa: E731
    elif shape == 3:  # ties from rounding
        draw = lambda n: np.round(rng.normal(0, 1, n), 1)  # noqa: E731
    elif shape == 4:
        draw = lambda n: rng.standard_t(2, n)  # noqa: E731
    else:
        draw = lambda n: rng.uniform(-1, 1, n)  # noqa: E731
    scale = float(rng.choice([1e-6, 1e-2, 1.0, 37.0, 1e6]))
    # offsets up to 1e3 spreads: beyond ~1e6 the float64 rounding of sums differs with the
    # summation order by more than 1e-9 relative (see test_t_test_ill_conditioned)
    offset = scale * float(rng.choice([0.0, -5.0, 1e3]))
    shift = float(rng.choice([0.0, 0.0, 0.3, 2.0]))
    ref = draw(n_ref) * scale + offset
    cur = (draw(n_cur) + shift) * scale + offset
    if np.unique(np.concatenate([ref, cur])).size < 2:
        cur[0] = ref[0] + scale
    return ref, cur


def categorical_samples(seed: int) -> tuple[list[str], list[str]]:
    """Two lists of labels: 2 to 25 categories, 1 to 3,000 rows, some unseen on one side."""
    rng = np.random.default_rng(10_000 + seed)
    k = int(rng.choice([2, 2, 3, 5, 10, 25]))
    labels = [f"cat{i}" for i in range(k)]
    probs = rng.dirichlet(np.full(k, 0.7))
    n_ref, n_cur = (int(rng.choice([1, 4, 10, 40, 200, 3000])) for _ in range(2))
    ref = list(rng.choice(labels, n_ref, p=probs))
    probs_cur = probs if seed % 3 else rng.dirichlet(np.full(k, 0.7))
    cur = list(rng.choice(labels, n_cur, p=probs_cur))
    if seed % 5 == 0:
        cur.append("only-in-current")
    if seed % 7 == 0:
        ref.append("only-in-reference")
    if len(set(ref) | set(cur)) < 2:
        cur.append("other")
    return ref, cur


def binary_samples(seed: int) -> tuple[list[str], list[str]]:
    """Two lists of 'yes'/'no' with at least one of each over both sides."""
    rng = np.random.default_rng(20_000 + seed)
    n_ref, n_cur = (int(rng.choice([1, 3, 10, 50, 400, 5000])) for _ in range(2))
    p_ref = float(rng.uniform(0.01, 0.99))
    p_cur = p_ref if seed % 2 else float(rng.uniform(0.01, 0.99))
    ref = ["yes" if x else "no" for x in rng.random(n_ref) < p_ref]
    cur = ["yes" if x else "no" for x in rng.random(n_cur) < p_cur]
    if len(set(ref) | set(cur)) < 2:
        cur.append("yes" if ref[0] == "no" else "no")
    return ref, cur


# ---------------------------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------------------------


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def sp(res: Any) -> Ref:
    """(statistic, p-value) of a scipy result object."""
    return float(res.statistic), float(res.pvalue)


def ref_norm(ref: np.ndarray) -> float:
    return max(float(np.std(ref)), 1e-3)


def reference_bins(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts per bin: numpy's Sturges edges over the reference alone, plus open outer bins
    (below the reference minimum, above its maximum) kept only where a side has values; a
    constant reference has the one bin [v, v] (numpy would widen it to v +- 0.5)."""
    edges = np.histogram_bin_edges(ref, bins="sturges")
    if ref.min() == ref.max():
        edges = np.array([ref.min(), ref.max()])
    out = []
    for x in (ref, cur):
        inner = np.array([np.sum(x == edges[0])]) if edges[0] == edges[-1] else None
        if inner is None:
            inner = np.histogram(x, bins=edges)[0]
        out.append(np.concatenate([[np.sum(x < edges[0])], inner, [np.sum(x > edges[-1])]]))
    p, q = out
    keep = np.ones(p.size, bool)
    keep[0], keep[-1] = p[0] + q[0] > 0, p[-1] + q[-1] > 0
    return p[keep], q[keep]


def numpy_histogram_shares(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares per bin on the reference-fixed bins."""
    p, q = (a.astype(float) for a in reference_bins(ref, cur))
    return p / p.sum(), q / q.sum()


def category_shares(ref: list[str], cur: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Shares per category over the union of labels, in an order of our own (alphabetical)."""
    rc, cc = Counter(ref), Counter(cur)
    labels = sorted(set(rc) | set(cc))
    p = np.array([rc[k] for k in labels], dtype=float)
    q = np.array([cc[k] for k in labels], dtype=float)
    return p / p.sum(), q / q.sum()


def count_table(ref: list[str], cur: list[str]) -> np.ndarray:
    """2×k table; columns in driftcli's documented order (total count desc, then label)."""
    rc, cc = Counter(ref), Counter(cur)
    labels = sorted(set(rc) | set(cc), key=lambda k: (-(rc[k] + cc[k]), k))
    return np.array([[rc[k] for k in labels], [cc[k] for k in labels]])


def shares(kind: Kind, ref: Any, cur: Any) -> tuple[np.ndarray, np.ndarray]:
    if kind is Kind.NUMERIC:
        return numpy_histogram_shares(ref, cur)
    return category_shares(ref, cur)


def eps(p: np.ndarray) -> np.ndarray:
    out = p.copy()
    out[out == 0] = 1e-4
    return out


def psi_reference(kind: Kind, ref: Any, cur: Any) -> Ref:
    """PSI written out: reference-decile bins (open outer bins) or categories, epsilon 1e-4;
    a value that is more than one decile gets a bin [v, v] of its own."""
    if kind is Kind.NUMERIC:
        cuts, repeats = np.unique(np.quantile(ref, np.linspace(0.1, 0.9, 9)), return_counts=True)
        bins = []  # (low, low included, high): low <(=) x < high
        low, closed = -np.inf, True
        for c, k in zip(cuts, repeats, strict=True):
            bins.append((low, closed, c))
            if k > 1:
                bins.append((c, True, np.nextafter(c, np.inf)))  # x == c
                low, closed = c, False
            else:
                low, closed = c, True
        bins.append((low, closed, np.inf))

        def shares_in(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            return np.array(
                [np.mean(((x >= lo) if inc else (x > lo)) & (x < hi)) for lo, inc, hi in bins[:-1]]
                + [np.mean((x >= bins[-1][0]) if bins[-1][1] else (x > bins[-1][0]))]
            )

        p, q = shares_in(ref), shares_in(cur)
    else:
        p, q = category_shares(ref, cur)
    p, q = np.maximum(p, 1e-4), np.maximum(q, 1e-4)  # shares floored at 1e-4
    return float(np.sum((q - p) * np.log(q / p))), None


def hellinger_reference(kind: Kind, ref: Any, cur: Any) -> Ref:
    p, q = shares(kind, ref, cur)
    return float(np.linalg.norm(np.sqrt(p) - np.sqrt(q)) / math.sqrt(2)), None


def z_reference(kind: Kind, ref: list[str], cur: list[str]) -> Ref:
    """z from the uncorrected chi-square of the 2×2 table: |z| = sqrt(chi2), same p.

    The sign is that of share(first label in the reference) - share(first label in current).
    """
    table = count_table(ref, cur)
    res = _quiet(lambda: stats.chi2_contingency(table, correction=False))
    shares_first = table[:, 0] / table.sum(axis=1)
    sign = np.sign(shares_first[0] - shares_first[1])
    return float(sign * math.sqrt(res.statistic)), float(res.pvalue)


def chisquare_reference(kind: Kind, ref: list[str], cur: list[str]) -> Ref:
    """scipy's chi2_contingency; its Monte Carlo p-value (seed 0) when an expected count is < 5."""
    table = count_table(ref, cur)
    method = None
    if stats.contingency.expected_freq(table).min() < 5:
        if (table[0].sum(), table[0].tolist()) > (table[1].sum(), table[1].tolist()):
            table = table[::-1]  # driftcli orders the rows so that swapping sides changes nothing
        method = stats.MonteCarloMethod(n_resamples=1999, rng=np.random.default_rng(0))
    return sp(_quiet(lambda: stats.chi2_contingency(table, correction=False, method=method)))


def anderson_reference(kind: Kind, ref: np.ndarray, cur: np.ndarray) -> Ref:
    res = _quiet(lambda: stats.anderson_ksamp([ref, cur], variant="midrank"))
    return float(res.statistic), float(res.pvalue)


def cvm_reference(kind: Kind, ref: np.ndarray, cur: np.ndarray) -> Ref:
    """scipy without ties; with ties, Anderson's integral written out, and scipy's asymptotic p.

    scipy's rank formula assumes no ties (identical constant samples of sizes 50 and 80 get
    p = 1e-6 from it), so driftcli departs from it on tied samples on purpose.
    """
    pooled = np.concatenate([ref, cur])
    values, mult = np.unique(pooled, return_counts=True)
    if values.size == pooled.size:
        return sp(stats.cramervonmises_2samp(ref, cur))
    n, m, big_n = len(ref), len(cur), len(pooled)
    f = np.array([np.count_nonzero(ref <= z) for z in values]) / n
    g = np.array([np.count_nonzero(cur <= z) for z in values]) / m
    t = n * m / big_n**2 * float(np.sum(mult * (f - g) ** 2))
    try:
        from scipy.stats._hypotests import _pval_cvm_2samp_asymptotic

        p = float(_pval_cvm_2samp_asymptotic(np.float64(t), big_n, n, m, n * m, xp=np))
    except (ImportError, TypeError):  # private scipy helper moved: check the statistic only
        p = float(REGISTRY["cramer_von_mises"].run(ColumnPair.numeric(ref, cur)).p_value or 0)
    return t, p


@dataclass(frozen=True)
class Spec:
    """What a registered test is checked against.

    ``reference(kind, ref, cur) -> (statistic, p_value or None)`` on the raw samples.
    ``symmetry`` says what swapping the sides does: ``"symmetric"`` (statistic and p-value
    unchanged), ``"antisymmetric"`` (statistic negated, p unchanged), ``"inverse"`` (statistic
    inverted, p unchanged: odds ratios), ``"p_value"`` (only p unchanged) or ``"none"``
    (not symmetric by design; ``raw_distance`` then names the symmetric unnormalized part).
    """

    reference: Callable[[Kind, Any, Any], Ref]
    symmetry: str
    raw_distance: Callable[[np.ndarray, np.ndarray], float] | None = None
    p_atol: float = 0.0


SPECS: dict[str, Spec] = {
    "ks": Spec(
        lambda k, r, c: sp(stats.ks_2samp(r, c)),
        "symmetric",
    ),
    "t_test": Spec(
        lambda k, r, c: sp(stats.ttest_ind(r, c, equal_var=False)),
        "antisymmetric",
    ),
    "anderson": Spec(anderson_reference, "symmetric"),
    # p = 1 - CDF: a few ulps of 1.0 apart when p is tiny (< 1e-6) and the sums differ
    "cramer_von_mises": Spec(cvm_reference, "symmetric", p_atol=1e-14),
    "wasserstein": Spec(
        lambda k, r, c: (stats.wasserstein_distance(r, c) / ref_norm(r), None),
        "none",
        raw_distance=lambda u, v: float(stats.wasserstein_distance(u, v)),
    ),
    "energy": Spec(
        # energy distance has units of sqrt(x): on both samples divided by the norm
        lambda k, r, c: (stats.energy_distance(r / ref_norm(r), c / ref_norm(r)), None),
        "none",
        raw_distance=lambda u, v: float(stats.energy_distance(u, v)),
    ),
    # symmetric on categories; numeric bins are fixed by the reference, so not there
    "jensenshannon": Spec(
        lambda k, r, c: (float(distance.jensenshannon(*shares(k, r, c))), None),
        "none",
    ),
    "kl_div": Spec(
        lambda k, r, c: (float(stats.entropy(*map(eps, shares(k, r, c)))), None),
        "none",
    ),
    "psi": Spec(psi_reference, "none"),  # symmetric on categories, not on reference deciles
    "hellinger": Spec(hellinger_reference, "none"),  # as jensenshannon
    "chisquare": Spec(chisquare_reference, "symmetric"),
    "z": Spec(z_reference, "antisymmetric"),
    "fisher_exact": Spec(
        lambda k, r, c: sp(stats.fisher_exact(count_table(r, c))),
        "inverse",
    ),
}

# ---------------------------------------------------------------------------------------------
# Parametrization over the registry
# ---------------------------------------------------------------------------------------------


def _cases() -> list[Any]:
    cases = []
    for name, test in sorted(REGISTRY.items()):
        for kind in test.kinds:
            cases.append(pytest.param(name, kind, id=f"{name}-{kind.value}"))
    return cases


CASES = _cases()
NAMES = sorted(REGISTRY)


def build(test: StatTest, kind: Kind, seed: int) -> tuple[Any, Any, ColumnPair]:
    """Raw samples for ``test`` on ``kind`` and the prepared pair (via the public builders)."""
    if kind is Kind.NUMERIC:
        r, c = numeric_samples(seed)
        return r, c, ColumnPair.numeric(r, c)
    r, c = binary_samples(seed) if test.binary_only else categorical_samples(seed)
    if seed % 2:
        return r, c, ColumnPair.categorical(r, c)
    return r, c, ColumnPair.from_counts(Counter(r), Counter(c))


def test_every_registered_test_has_a_spec() -> None:
    missing = sorted(set(REGISTRY) - set(SPECS))
    assert not missing, f"add a reference implementation to SPECS for: {missing}"
    stale = sorted(set(SPECS) - set(REGISTRY))
    assert not stale, f"SPECS names tests that are not registered: {stale}"


def test_registry_covers_the_issue_list() -> None:
    issue = {"ks", "chisquare", "z", "fisher_exact", "psi", "wasserstein", "jensenshannon"}
    issue |= {"kl_div", "hellinger", "anderson", "cramer_von_mises", "energy", "t_test"}
    assert issue <= set(REGISTRY)


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_agrees_with_reference(name: str, kind: Kind) -> None:
    test, spec = REGISTRY[name], SPECS[name]
    n = N_NUMERIC if kind is Kind.NUMERIC else N_CATEGORICAL
    for seed in range(n):
        r, c, pair = build(test, kind, seed)
        assert test.applies_to(pair)
        got = test.run(pair)
        want_stat, want_p = spec.reference(kind, r, c)
        atol = ATOL_DISTANCE if test.output is Output.DISTANCE else 0.0
        msg = f"{name} on {kind.value} sample seed={seed}"
        np.testing.assert_allclose(got.statistic, want_stat, rtol=RTOL, atol=atol, err_msg=msg)
        if test.output is Output.P_VALUE:
            assert got.p_value is not None, msg
            np.testing.assert_allclose(
                got.p_value, want_p, rtol=RTOL, atol=spec.p_atol, err_msg=msg
            )
        else:
            assert got.p_value is None, msg


@pytest.mark.parametrize("seed", range(200))
def test_sturges_bins_equal_numpys(seed: int) -> None:
    r, c = numeric_samples(seed)
    both = np.concatenate([r, c])
    pair = ColumnPair.numeric(r, c)
    if r.min() == r.max():  # one bin [v, v]: numpy's v +- 0.5 would hide a shift within it
        np.testing.assert_array_equal(pair.hist_edges, [r.min(), r.min()])
    else:
        np.testing.assert_array_equal(pair.hist_edges, np.histogram_bin_edges(r, bins="sturges"))
    np.testing.assert_array_equal(
        sturges_edges(float(both.min()), float(both.max()), both.size),
        np.histogram_bin_edges(both, bins="sturges"),
    )
    # numpy's uniform-bin fast path, and its searchsorted path on explicit edges
    if r.min() != r.max():
        np.testing.assert_array_equal(
            histogram_sorted(np.sort(r), pair.hist_edges), np.histogram(r, bins="sturges")[0]
        )
    want_r, want_c = reference_bins(r, c)
    np.testing.assert_array_equal(pair.ref_counts, want_r)
    np.testing.assert_array_equal(pair.cur_counts, want_c)


def test_histogram_edge_rules() -> None:
    """Half-open bins, the last one closed, values on an edge go up; constant sample."""
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    values = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 2.999, 3.0, 3.5])
    np.testing.assert_array_equal(histogram_sorted(values, edges), [2, 1, 3])
    np.testing.assert_array_equal(
        histogram_sorted(values, edges), np.histogram(values, bins=edges)[0]
    )
    const = np.full(7, 4.2)
    np.testing.assert_array_equal(
        sturges_edges(4.2, 4.2, 7), np.histogram_bin_edges(const, "sturges")
    )
    tiny = np.array([0.0, 5e-324])  # the bin width underflows to 0: numpy makes one bin
    np.testing.assert_array_equal(
        sturges_edges(0.0, 5e-324, 2), np.histogram_bin_edges(tiny, "sturges")
    )


# ---------------------------------------------------------------------------------------------
# Registry invariants
# ---------------------------------------------------------------------------------------------


def identical_pair(test: StatTest, kind: Kind, seed: int) -> ColumnPair:
    r, _, _ = build(test, kind, seed)
    if kind is Kind.NUMERIC:
        return ColumnPair.numeric(r, r.copy())
    return ColumnPair.categorical(r, list(r))


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_identical_samples_never_drift(name: str, kind: Kind) -> None:
    test = REGISTRY[name]
    for seed in range(40):
        pair = identical_pair(test, kind, seed)
        if not test.applies_to(pair):
            continue
        out = test.run(pair)
        msg = f"{name} on identical {kind.value} sample seed={seed}: {out}"
        assert not test.drifted(out, test.default_threshold), msg
        if test.output is Output.P_VALUE:
            assert out.p_value is not None
            assert out.p_value >= test.default_threshold, msg
        else:
            assert out.statistic == pytest.approx(0.0, abs=1e-12), msg


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_same_distribution_at_another_size_never_drifts(name: str, kind: Kind) -> None:
    """The current data is the reference repeated (same empirical distribution, more rows)."""
    test = REGISTRY[name]
    for seed in range(40):
        r, _, _ = build(test, kind, seed)
        for times in (2, 3):
            if kind is Kind.NUMERIC:
                pair = ColumnPair.numeric(r, np.tile(r, times))
            else:
                pair = ColumnPair.categorical(r, list(r) * times)
            out = test.run(pair)
            msg = f"{name} on {kind.value} seed={seed}, current = reference x{times}: {out}"
            assert not test.drifted(out, test.default_threshold), msg
            if test.output is Output.DISTANCE:
                assert out.statistic == pytest.approx(0.0, abs=1e-12), msg


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_swapping_sides(name: str, kind: Kind) -> None:
    test, spec = REGISTRY[name], SPECS[name]
    for seed in range(40):
        r, c, pair = build(test, kind, seed)
        swapped = ColumnPair.numeric(c, r) if kind is Kind.NUMERIC else ColumnPair.categorical(c, r)
        a, b = test.run(pair), test.run(swapped)
        msg = f"{name} on {kind.value} seed={seed}: {a} vs swapped {b}"
        if a.p_value is not None:
            np.testing.assert_allclose(b.p_value, a.p_value, rtol=RTOL, err_msg=msg)
        if spec.symmetry == "symmetric":
            np.testing.assert_allclose(b.statistic, a.statistic, rtol=RTOL, atol=1e-15, err_msg=msg)
        elif spec.symmetry == "antisymmetric":
            np.testing.assert_allclose(b.statistic, -a.statistic, rtol=RTOL, err_msg=msg)
        elif spec.symmetry == "inverse":
            with np.errstate(divide="ignore"):
                inverse = np.float64(1.0) / np.float64(a.statistic)
            np.testing.assert_allclose(b.statistic, inverse, rtol=RTOL, err_msg=msg)
        if spec.raw_distance is not None:
            u, v = pair.ref, pair.cur
            np.testing.assert_allclose(
                spec.raw_distance(v, u), spec.raw_distance(u, v), rtol=RTOL, err_msg=msg
            )


@pytest.mark.parametrize(("name", "kind"), [c for c in CASES if c.values[1] is Kind.NUMERIC])
def test_numeric_tests_do_not_depend_on_units(name: str, kind: Kind) -> None:
    """Both samples times 2**k (exact in floating point): the same statistic and p-value.

    Every numeric test is scale-free once normalized; energy distance, which has the units of
    sqrt(x), once was not (divided by the std, it scored a 3-std shift 0.06 in thousands).
    """
    test = REGISTRY[name]
    for seed in range(30):
        rng = np.random.default_rng(seed)
        r = rng.normal(0, 1, int(rng.integers(5, 300)))
        c = rng.normal(float(rng.choice([0.0, 0.5, 3.0])), 1, int(rng.integers(5, 300)))
        base = test.run(ColumnPair.numeric(r, c))
        for factor in (2.0**-5, 2.0**10):
            out = test.run(ColumnPair.numeric(r * factor, c * factor))
            msg = f"{name} seed={seed} x{factor}: {base} vs {out}"
            np.testing.assert_allclose(out.statistic, base.statistic, rtol=1e-9, err_msg=msg)
            if base.p_value is not None:
                np.testing.assert_allclose(out.p_value, base.p_value, rtol=1e-9, err_msg=msg)


@pytest.mark.parametrize("name", ["wasserstein", "energy"])
def test_normalized_distances_are_not_symmetric(name: str) -> None:
    """Normalized by the reference std, so swapping sides of unequal spread changes the value."""
    pair = ColumnPair.numeric(np.arange(10.0), np.arange(10.0) * 3)
    swapped = ColumnPair.numeric(np.arange(10.0) * 3, np.arange(10.0))
    a, b = REGISTRY[name].run(pair).statistic, REGISTRY[name].run(swapped).statistic
    assert a == pytest.approx(3 * b if name == "wasserstein" else math.sqrt(3) * b)


@pytest.mark.parametrize("name", ["psi", "jensenshannon", "hellinger"])
def test_binned_distances_are_symmetric_on_categories(name: str) -> None:
    for seed in range(40):
        r, c = categorical_samples(seed)
        a = REGISTRY[name].run(ColumnPair.categorical(r, c)).statistic
        b = REGISTRY[name].run(ColumnPair.categorical(c, r)).statistic
        assert b == pytest.approx(a, rel=RTOL, abs=1e-15)


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_p_values_in_unit_interval_and_distances_nonnegative(name: str, kind: Kind) -> None:
    test = REGISTRY[name]
    for seed in range(60):
        _, _, pair = build(test, kind, seed)
        out = test.run(pair)
        if test.output is Output.P_VALUE:
            assert out.p_value is not None and 0.0 <= out.p_value <= 1.0, (seed, out)
            assert not math.isnan(out.statistic), (seed, out)
        else:
            assert out.p_value is None
            assert out.statistic >= -1e-15, (seed, out)
            assert math.isfinite(out.statistic), (seed, out)


@pytest.mark.parametrize("name", NAMES)
def test_declares_its_contract(name: str) -> None:
    test = REGISTRY[name]
    assert test.name == name
    assert test.kinds and all(isinstance(k, Kind) for k in test.kinds)
    assert isinstance(test.output, Output)
    if test.output is Output.P_VALUE:
        assert 0 < test.default_threshold < 1
    else:
        assert test.default_threshold > 0
    assert test.description and "\n" not in test.description
    doc = type(test).__doc__ or ""
    assert "Examples" in doc, f"{name}: the docstring needs a runnable example"


def test_cli_lists_every_registered_test(cli: Any) -> None:
    run = cli("tests")
    assert run.code == 0, run.err
    listed = {m.group(1) for m in re.finditer(r"^\s*([a-z_]+)\s", run.out, flags=re.MULTILINE)}
    assert set(REGISTRY) <= listed, f"missing from 'driftcli tests': {set(REGISTRY) - listed}"


# ---------------------------------------------------------------------------------------------
# Documented edge cases (where scipy is undefined or raises)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ks", "t_test", "anderson", "cramer_von_mises"])
def test_constant_identical_samples_give_p_one(name: str) -> None:
    out = REGISTRY[name].run(ColumnPair.numeric([3.0] * 5, [3.0] * 8))
    assert out.p_value is not None
    if name == "anderson":
        assert out.p_value >= 0.25  # scipy caps the interpolated p-value at 0.25
    else:
        assert out.p_value == 1.0


def test_t_test_ill_conditioned() -> None:
    """Spread 1e-6 around 1e3: the answer depends on float rounding, not on the test.

    driftcli sums sorted values, scipy the order given; both are equally (in)accurate here,
    so they agree to 1e-9 only when scipy gets the same order.
    """
    rng = np.random.default_rng(3)
    r, c = 1e3 + rng.uniform(0, 1e-6, 40), 1e3 + rng.uniform(0, 1e-6, 60)
    got = REGISTRY["t_test"].run(ColumnPair.numeric(r, c))
    want = stats.ttest_ind(np.sort(r), np.sort(c), equal_var=False)
    np.testing.assert_allclose([got.statistic, got.p_value], [want.statistic, want.pvalue], 1e-9)
    raw = stats.ttest_ind(r, c, equal_var=False)
    np.testing.assert_allclose([got.statistic, got.p_value], [raw.statistic, raw.pvalue], 1e-4)


def test_t_test_variance_underflow() -> None:
    """Found by hypothesis: the variance of [0, 3.8e-303] underflows to 0 and scipy says NaN."""
    tiny = [0.0, 3.833242808985314e-303]
    assert REGISTRY["t_test"].run(ColumnPair.numeric(tiny, tiny)).p_value == 1.0


def test_t_test_constant_sides_that_differ() -> None:
    """t = ±inf with the sign of mean_ref - mean_cur, as scipy's t would have."""
    out = REGISTRY["t_test"].run(ColumnPair.numeric([1.0] * 5, [2.0] * 5))
    assert out.p_value == 0.0 and out.statistic == -math.inf
    out = REGISTRY["t_test"].run(ColumnPair.numeric([2.0] * 5, [1.0] * 5))
    assert out.p_value == 0.0 and out.statistic == math.inf


@pytest.mark.parametrize("name", [n for n in NAMES if Kind.NUMERIC in REGISTRY[n].kinds])
@pytest.mark.parametrize(
    ("ref", "cur"), [([1.0], [2.0]), ([1.0], [1.0, 2.0, 3.0]), ([1.0, 2.0], [3.0])]
)
def test_single_value_sides_do_not_crash(name: str, ref: list[float], cur: list[float]) -> None:
    """scipy's anderson_ksamp raised IndexError on 1 vs 1 values and gave NaN on 1 vs 2."""
    out = REGISTRY[name].run(ColumnPair.numeric(ref, cur))
    assert not math.isnan(out.statistic)
    if REGISTRY[name].output is Output.P_VALUE:
        assert out.p_value is not None and 0.0 <= out.p_value <= 1.0


@pytest.mark.parametrize("name", ["chisquare", "z", "fisher_exact"])
def test_single_category_gives_p_one(name: str) -> None:
    out = REGISTRY[name].run(ColumnPair.categorical(["a"] * 4, ["a"] * 9))
    assert out.p_value == 1.0


def test_epsilon_is_the_documented_one() -> None:
    assert EPSILON == 1e-4


@pytest.mark.parametrize("name", ["psi", "jensenshannon", "hellinger", "kl_div"])
def test_binned_tests_see_a_shift_off_a_heavy_value(name: str) -> None:
    """A zero-inflated reference (95% zeros) against half zeros, and a constant reference
    against a value within numpy's +-0.5 widening: both drift; identical sides do not."""
    rng = np.random.default_rng(0)
    n = 5000
    zi_ref = np.where(rng.random(n) < 0.95, 0.0, rng.exponential(10, n))
    zi_cur = np.where(rng.random(n) < 0.50, 0.0, rng.exponential(10, n))
    test = REGISTRY[name]
    for ref, cur in ((zi_ref, zi_cur), (np.full(3000, 7.0), np.full(3000, 7.4))):
        got = test.run(ColumnPair.numeric(ref, cur))
        assert got.statistic >= test.default_threshold, (name, got)
        assert test.run(ColumnPair.numeric(ref, ref.copy())).statistic == 0.0
    if name == "psi":  # (0.5 - 0.95) ln(0.5 / 0.95) + (0.5 - 0.05) ln(0.5 / 0.05), about
        p, q = (np.mean(x == 0) for x in (zi_ref, zi_cur))
        want = (q - p) * np.log(q / p) + ((1 - q) - (1 - p)) * np.log((1 - q) / (1 - p))
        np.testing.assert_allclose(test.run(ColumnPair.numeric(zi_ref, zi_cur)).statistic, want)
