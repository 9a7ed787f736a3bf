"""The shortcuts that read already-sorted columns give exactly the numbers of the slow way."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from driftcli.stattests.base import cdf_gaps, quantiles_sorted

QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)


def _sample(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    if kind == 0:
        values = rng.normal(size=n) * 10.0 ** rng.integers(-5, 8)
    elif kind == 1:
        values = rng.integers(-5, 5, n).astype(np.float64)  # many ties
    else:
        values = rng.lognormal(5.0, 3.0, n)
    return np.sort(values)


@pytest.mark.parametrize("seed", range(20))
def test_quantiles_sorted_is_numpy_quantile(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3, 7, 10, 101, int(rng.integers(200, 5_000))):
        values = _sample(rng, n, seed % 3)
        for qs in (QUANTILES, rng.random(9)):
            got = quantiles_sorted(values, qs)
            want = np.quantile(values, qs)
            assert got.tolist() == want.tolist()  # identical, not merely close


def _cdf_gaps_by_search(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The textbook way: sort the pooled values, binary-search each CDF."""
    pooled = np.sort(np.concatenate([u, v]), kind="stable")
    fu = np.searchsorted(u, pooled[:-1], side="right") / u.size
    fv = np.searchsorted(v, pooled[:-1], side="right") / v.size
    return fu - fv, np.diff(pooled)


@pytest.mark.parametrize("seed", range(30))
def test_cdf_gaps_match_the_pooled_search(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = (int(k) for k in rng.integers(1, 400, 2))
    u, v = _sample(rng, n, seed % 3), _sample(rng, m, (seed + 1) % 3)
    gaps, widths = cdf_gaps(u, v)
    want_gaps, want_widths = _cdf_gaps_by_search(u, v)
    assert np.array_equal(widths, want_widths)
    moving = widths != 0  # within ties only the last gap is defined; the rest have no width
    assert np.array_equal(gaps[moving], want_gaps[moving])
    w1 = float(np.sum(np.abs(gaps) * widths))
    assert w1 == float(np.sum(np.abs(want_gaps) * want_widths))
    assert w1 == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-9, abs=1e-12)
