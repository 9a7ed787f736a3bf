"""Calibration: how often each p-value test false-alarms on two samples of one distribution.

For every p-value test in the registry, seeded simulations of two samples drawn from the same
distribution; the share flagged at α = 0.05 must lie in [0.03, 0.07]. 2,000 simulations per
(test, size) cell, so a cell's rate has a standard error of 0.005 and the band is ±4 of them:
a well-calibrated test fails a cell by bad luck about once in 16,000. Seeded: the same numbers
on every run.

Measured false-alarm rates at α = 0.05 (regenerate with ``python tests/test_calibration.py``):

    numeric (equal sizes; normal, lognormal, uniform, exponential, t3 in turn)
    test               n=50    n=200   n=1000  n=5000
    ks                 0.035   0.038   0.055   0.045
    t_test             0.048   0.045   0.042   0.054
    anderson           0.044   0.053   0.044   0.058
    cramer_von_mises   0.053   0.043   0.054   0.045

    chisquare (equal sizes; shares ~ Dirichlet(0.5), (1), (2), (10) in turn)
    categories         n=50    n=200   n=1000  n=5000
    k=3                0.056   0.049   0.057   0.054
    k=5                0.046   0.054   0.051   0.040
    k=10               0.051   0.045   0.053   0.043
    k=20               0.043   0.051   0.052   0.045
    k=20, 1,000 vs 50 rows: 0.056; 50 vs 1,000 rows: 0.059 (Dirichlet(0.5) shares)

    binary (equal sizes; share of the first category ~ U(0.05, 0.95))
    test               n=50    n=200   n=1000  n=5000
    z                  0.055   0.054   0.050   0.052
    fisher_exact       0.029   0.034   0.046   0.043   (asserted <= 0.07 only, see below)

    Where an expected count is below 5, chisquare's p-value is a seeded Monte Carlo one
    (the chi-square approximation alone gave 0.021 at k=20, n=50, and 0.116 / 0.113 on the
    unequal sparse tables).

KS at 50 rows (0.035) is low because its exact p-value is discrete (D moves in steps of 1/50).

Known miscalibrations, measured and kept as strict xfails at the bottom of this file (they
start failing, on purpose, the day they are fixed):

* t_test on skewed data with very unequal sizes (lognormal, 1,000 vs 50): 0.100. Welch's
  t-test is known to be sensitive to skewness when sizes differ; never chosen automatically.
* anderson on heavily tied numeric data (4 distinct values, 500 vs 50 rows): 0.090. scipy
  interpolates its p-value from tables for continuous data.

Runtime: ~2 min of one core for the whole file (pytest runs it on one core).
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable

import numpy as np
import pytest

from driftcli.stattests import REGISTRY, ColumnPair, Output

pytestmark = pytest.mark.slow

ALPHA = 0.05
LOW, HIGH = 0.03, 0.07
SIZES = (50, 200, 1000, 5000)
SIMS = 2000

NUMERIC_TESTS = ("ks", "t_test", "anderson", "cramer_von_mises")
BINARY_TESTS = ("z", "fisher_exact")
CATEGORY_COUNTS = (3, 5, 10, 20)
DIRICHLET = (0.5, 1.0, 2.0, 10.0)

Draw = Callable[[np.random.Generator, int], np.ndarray]
DISTRIBUTIONS: tuple[Draw, ...] = (
    lambda rng, n: rng.normal(0.0, 1.0, n),
    lambda rng, n: rng.lognormal(0.0, 1.0, n),
    lambda rng, n: rng.uniform(-5.0, 5.0, n),
    lambda rng, n: rng.exponential(3.0, n),
    lambda rng, n: rng.standard_t(3, n) * 100.0 + 1e4,
)


def rng_for(*key: object) -> np.random.Generator:
    """A generator seeded from the cell's identity, so cells are independent and stable."""
    return np.random.default_rng([zlib.crc32(repr(key).encode())])


def counts_pair(ref: np.ndarray, cur: np.ndarray) -> ColumnPair:
    """A categorical pair from counts per category, as the product builds it (no zeros)."""
    return ColumnPair.from_counts(
        {f"c{i}": int(x) for i, x in enumerate(ref) if x},
        {f"c{i}": int(x) for i, x in enumerate(cur) if x},
    )


def flagged(name: str, pair: ColumnPair) -> bool:
    test = REGISTRY[name]
    return test.drifted(test.run(pair), ALPHA)


def numeric_rate(
    name: str, n_ref: int, n_cur: int, draws: tuple[Draw, ...] = DISTRIBUTIONS
) -> float:
    rng = rng_for("numeric", name, n_ref, n_cur, len(draws))
    hits = 0
    for i in range(SIMS):
        draw = draws[i % len(draws)]
        hits += flagged(name, ColumnPair.numeric(draw(rng, n_ref), draw(rng, n_cur)))
    return hits / SIMS


def chisquare_rate(
    k: int, n_ref: int, n_cur: int, dirichlet: tuple[float, ...] = DIRICHLET
) -> float:
    rng = rng_for("chisquare", k, n_ref, n_cur, dirichlet)
    hits = 0
    for i in range(SIMS):
        probs = rng.dirichlet(np.full(k, dirichlet[i % len(dirichlet)]))
        pair = counts_pair(rng.multinomial(n_ref, probs), rng.multinomial(n_cur, probs))
        hits += flagged("chisquare", pair)
    return hits / SIMS


def binary_rate(name: str, n: int) -> float:
    rng = rng_for("binary", name, n)
    shares = rng.uniform(0.05, 0.95, SIMS)
    ref = rng.binomial(n, shares)
    cur = rng.binomial(n, shares)
    hits = sum(
        flagged(name, counts_pair(np.array([a, n - a]), np.array([b, n - b])))
        for a, b in zip(ref, cur, strict=True)
    )
    return hits / SIMS


# ---------------------------------------------------------------------------------------------


def test_every_p_value_test_is_calibrated_here() -> None:
    p_tests = {name for name, t in REGISTRY.items() if t.output is Output.P_VALUE}
    covered = set(NUMERIC_TESTS) | set(BINARY_TESTS) | {"chisquare"}
    assert p_tests <= covered, f"add calibration for: {sorted(p_tests - covered)}"


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", NUMERIC_TESTS)
def test_numeric_false_alarm_rate(name: str, n: int) -> None:
    rate = numeric_rate(name, n, n)
    assert LOW <= rate <= HIGH, f"{name} at n={n}: false-alarm rate {rate:.3f}"


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("k", CATEGORY_COUNTS)
def test_chisquare_false_alarm_rate(k: int, n: int) -> None:
    rate = chisquare_rate(k, n, n)
    assert LOW <= rate <= HIGH, f"chisquare k={k} n={n}: false-alarm rate {rate:.3f}"


@pytest.mark.parametrize("n", SIZES)
def test_z_false_alarm_rate(n: int) -> None:
    rate = binary_rate("z", n)
    assert LOW <= rate <= HIGH, f"z at n={n}: false-alarm rate {rate:.3f}"


@pytest.mark.parametrize("n", SIZES)
def test_fisher_exact_never_over_alarms(n: int) -> None:
    """Fisher's exact test conditions on both margins, so the table's null distribution is a
    discrete hypergeometric: only a few p-values are attainable and the test rejects only at
    those <= α, so its real size sits below α, far below for small or unbalanced tables
    (0.023 at 50 rows). Conservative by construction: only the upper bound is asserted."""
    rate = binary_rate("fisher_exact", n)
    assert rate <= HIGH, f"fisher_exact at n={n}: false-alarm rate {rate:.3f}"


# --- known miscalibrations (see the module docstring); strict: fixing them fails these ----


@pytest.mark.parametrize(("n_ref", "n_cur"), [(1000, 50), (50, 1000)])
def test_chisquare_sparse_unequal_sizes(n_ref: int, n_cur: int) -> None:
    """Sparse tables of unequal sizes: the Monte Carlo p-value keeps the rate near α.

    (The chi-square approximation alone flagged 0.116 / 0.113 here.)
    """
    rate = chisquare_rate(20, n_ref, n_cur, dirichlet=(0.5,))
    msg = f"chisquare k=20, {n_ref} vs {n_cur} rows: false-alarm rate {rate:.3f}"
    assert LOW <= rate <= HIGH, msg


@pytest.mark.xfail(strict=True, reason="Welch's t-test on skewed data with unequal sizes")
def test_t_test_skewed_unequal_sizes() -> None:
    lognormal: tuple[Draw, ...] = (lambda rng, n: rng.lognormal(0.0, 1.0, n),)
    rate = numeric_rate("t_test", 1000, 50, lognormal)
    assert rate <= HIGH, f"t_test lognormal 1000 vs 50 rows: false-alarm rate {rate:.3f}"


@pytest.mark.xfail(strict=True, reason="Anderson-Darling table p-values on heavily tied data")
def test_anderson_heavy_ties() -> None:
    ties: tuple[Draw, ...] = (lambda rng, n: rng.integers(0, 4, n).astype(float),)
    rate = numeric_rate("anderson", 500, 50, ties)
    assert rate <= HIGH, f"anderson, 4 distinct values: false-alarm rate {rate:.3f}"


# ---------------------------------------------------------------------------------------------


def main() -> None:
    """Print the table in the module docstring."""
    print("numeric", *(f"n={n}" for n in SIZES), sep="\t")
    for name in NUMERIC_TESTS:
        print(name, *(f"{numeric_rate(name, n, n):.3f}" for n in SIZES), sep="\t", flush=True)
    print("chisquare", *(f"n={n}" for n in SIZES), sep="\t")
    for k in CATEGORY_COUNTS:
        print(f"k={k}", *(f"{chisquare_rate(k, n, n):.3f}" for n in SIZES), sep="\t", flush=True)
    print("binary", *(f"n={n}" for n in SIZES), sep="\t")
    for name in BINARY_TESTS:
        print(name, *(f"{binary_rate(name, n):.3f}" for n in SIZES), sep="\t", flush=True)
    lognormal: tuple[Draw, ...] = (lambda rng, n: rng.lognormal(0.0, 1.0, n),)
    ties: tuple[Draw, ...] = (lambda rng, n: rng.integers(0, 4, n).astype(float),)
    for nr, nc in ((1000, 50), (50, 1000)):
        rate = chisquare_rate(20, nr, nc, dirichlet=(0.5,))
        print(f"known: chisquare k=20 Dirichlet(0.5) {nr} vs {nc}", f"{rate:.3f}")
    print(
        "known: t_test lognormal 1000 vs 50", f"{numeric_rate('t_test', 1000, 50, lognormal):.3f}"
    )
    print("known: anderson 4 values 500 vs 50", f"{numeric_rate('anderson', 500, 50, ties):.3f}")


if __name__ == "__main__":
    sys.exit(main())
