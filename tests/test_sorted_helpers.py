"""The shortcuts that read already-sorted columns give exactly the numbers of the slow way."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from driftcli.stattests.base import ColumnPair, quantiles_sorted

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


@pytest.mark.parametrize("seed", range(30))
def test_pooled_cdfs_match_the_pooled_search(seed: int) -> None:
    """The pair's CDFs at the pooled distinct values equal a binary search of each raw side."""
    rng = np.random.default_rng(seed)
    n, m = (int(k) for k in rng.integers(1, 400, 2))
    u, v = _sample(rng, n, seed % 3), _sample(rng, m, (seed + 1) % 3)
    pooled = ColumnPair.numeric(u, v).pooled
    want = np.unique(np.concatenate([u, v]))
    assert np.array_equal(pooled.values, want)
    assert np.array_equal(pooled.ref_cdf, np.searchsorted(u, want, side="right") / n)
    assert np.array_equal(pooled.cur_cdf, np.searchsorted(v, want, side="right") / m)
    assert np.array_equal(pooled.widths, np.diff(want))
    w1 = float(np.dot(np.abs(pooled.ref_cdf - pooled.cur_cdf)[:-1], pooled.widths))
    assert w1 == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-9, abs=1e-12)
