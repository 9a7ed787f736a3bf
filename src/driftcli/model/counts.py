"""Mergeable summaries of one side's numbers: value counts that are exact up to a budget and
binned on a fixed grid beyond it, and running moments (Chan's parallel update).

Both merge in any order to the same state: exact counts are exact; a :class:`ValueCounts`
switches to its grid exactly when the merged values hold more than ``limit`` distinct values,
whichever way they were split or merged, and binning is a fixed function of the value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from driftcli.stattests.base import FloatArray, IntArray

#: Bins of the fixed grid on [0, 1] that probabilities fall back to beyond the exact budget.
UNIT_BINS = 2**14
#: Relative accuracy of the logarithmic grid that other numbers (residuals) fall back to.
LOG_ACCURACY = 1e-3
_LOG_GAMMA = math.log1p(2 * LOG_ACCURACY)  # bucket k holds (g**(k-1), g**k], g = 1 + 2a
_LOG_OFFSET = 1_000_000  # keeps every finite double's bucket index > 0 (|k| < 400,000)


class Grid:
    """A fixed partition of the real line into numbered buckets (intervals, in value order)."""

    name = "grid"

    def keys(self, values: FloatArray) -> IntArray:
        """The bucket of each value (monotone in the value)."""
        raise NotImplementedError

    def bounds(self, keys: IntArray) -> tuple[FloatArray, FloatArray]:
        """The closed interval that holds every value of each bucket."""
        raise NotImplementedError

    def points(self, keys: IntArray) -> FloatArray:
        """A value standing for each bucket (inside its interval)."""
        lo, hi = self.bounds(keys)
        return np.asarray((lo + hi) / 2.0, dtype=np.float64)


class UnitGrid(Grid):
    """``UNIT_BINS`` equal bins on [0, 1]; values outside fall in the outer bins."""

    name = "unit"

    def keys(self, values: FloatArray) -> IntArray:
        idx = np.floor(np.asarray(values, dtype=np.float64) * UNIT_BINS)
        return np.clip(idx, 0, UNIT_BINS - 1).astype(np.int64)

    def bounds(self, keys: IntArray) -> tuple[FloatArray, FloatArray]:
        k = keys.astype(np.float64)
        return k / UNIT_BINS, (k + 1) / UNIT_BINS


class LogGrid(Grid):
    """Buckets ``(g**(k-1), g**k]`` on each side of zero (``g = 1 + 2 * LOG_ACCURACY``), and
    zero alone: every bucket's midpoint in log scale is within ``LOG_ACCURACY`` of its values."""

    name = "log"

    def keys(self, values: FloatArray) -> IntArray:
        v = np.asarray(values, dtype=np.float64)
        mag = np.abs(v)
        out = np.zeros(v.size, dtype=np.int64)
        nz = mag > 0
        k = np.ceil(np.log(mag[nz]) / _LOG_GAMMA).astype(np.int64) + _LOG_OFFSET
        out[nz] = np.where(v[nz] > 0, k, -k)
        return out

    def bounds(self, keys: IntArray) -> tuple[FloatArray, FloatArray]:
        k = np.abs(keys).astype(np.float64) - _LOG_OFFSET
        upper = np.exp(k * _LOG_GAMMA)
        lower = np.exp((k - 1) * _LOG_GAMMA)
        pos = keys > 0
        lo = np.where(pos, lower, -upper)
        hi = np.where(pos, upper, -lower)
        zero = keys == 0
        return np.where(zero, 0.0, lo), np.where(zero, 0.0, hi)

    def points(self, keys: IntArray) -> FloatArray:
        k = np.abs(keys).astype(np.float64) - _LOG_OFFSET
        mid = 2.0 * np.exp(k * _LOG_GAMMA) / (2.0 + 2 * LOG_ACCURACY)
        return np.asarray(np.where(keys == 0, 0.0, np.sign(keys) * mid), dtype=np.float64)


GRIDS: dict[str, Grid] = {g.name: g for g in (UnitGrid(), LogGrid())}


def _sum_counts(keys: np.ndarray, counts: IntArray) -> tuple[np.ndarray, IntArray]:
    """Distinct sorted keys with their summed counts."""
    if keys.size == 0:
        return keys, counts.astype(np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    summed = np.bincount(inverse, weights=counts, minlength=uniq.size)
    return uniq, np.rint(summed).astype(np.int64)


@dataclass
class ValueCounts:
    """Counts of finite values: exact (distinct values) up to ``limit`` distinct values,
    beyond it counts per bucket of ``grid``. ``lo``/``hi`` (min/max) stay exact.

    ``values`` holds the distinct values (exact) or the bucket keys (binned), sorted.
    """

    grid: str
    limit: int
    exact: bool = True
    values: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    counts: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    lo: float = math.inf
    hi: float = -math.inf
    _pending: list[FloatArray] = field(default_factory=list, repr=False)
    _pending_size: int = field(default=0, repr=False)

    @property
    def n(self) -> int:
        """How many values were counted."""
        self._compact()
        return int(self.counts.sum())

    def add(self, values: FloatArray) -> None:
        """Count more values (they must be finite)."""
        if values.size == 0:
            return
        self.lo = min(self.lo, float(values.min()))
        self.hi = max(self.hi, float(values.max()))
        self._pending.append(np.asarray(values, dtype=np.float64))
        self._pending_size += values.size
        if self._pending_size >= max(self.limit, 1 << 16):
            self._compact()

    def _compact(self) -> None:
        """Fold the pending values into the counts (switching to the grid when needed)."""
        if not self._pending:
            return
        raw = np.concatenate(self._pending)
        self._pending, self._pending_size = [], 0
        if self.exact:
            new, new_counts = np.unique(raw, return_counts=True)
        else:
            new, new_counts = np.unique(GRIDS[self.grid].keys(raw), return_counts=True)
        self._absorb(new, new_counts.astype(np.int64))

    def _absorb(self, keys: np.ndarray, counts: IntArray) -> None:
        """Add already summed (keys, counts) of the same mode as ``self``."""
        self.values, self.counts = _sum_counts(
            np.concatenate([self.values, keys]), np.concatenate([self.counts, counts])
        )
        if self.exact and self.values.size > self.limit:
            self._to_grid()

    def _to_grid(self) -> None:
        if self.exact:
            self.exact = False
            self.values, self.counts = _sum_counts(GRIDS[self.grid].keys(self.values), self.counts)

    def binned(self) -> tuple[IntArray, IntArray]:
        """Bucket keys and counts, whatever the mode."""
        self._compact()
        if self.exact:
            keys, counts = _sum_counts(GRIDS[self.grid].keys(self.values), self.counts)
            return keys.astype(np.int64), counts
        return self.values.astype(np.int64), self.counts

    def copy(self) -> ValueCounts:
        """An independent copy (pending values folded in)."""
        self._compact()
        return ValueCounts(
            grid=self.grid,
            limit=self.limit,
            exact=self.exact,
            values=self.values.copy(),
            counts=self.counts.copy(),
            lo=self.lo,
            hi=self.hi,
        )

    def merged(self, other: ValueCounts, limit: int | None = None) -> ValueCounts:
        """The counts of both (a new object); ``limit`` overrides the smaller of the two."""
        if self.grid != other.grid:
            raise ValueError(f"cannot merge {self.grid} and {other.grid} value counts")
        a, b = self.copy(), other.copy()
        a.limit = min(a.limit, b.limit) if limit is None else limit
        a.lo, a.hi = min(a.lo, b.lo), max(a.hi, b.hi)
        if a.exact and b.exact:
            a._absorb(b.values, b.counts)
            return a
        a._to_grid()
        b._to_grid()
        a._absorb(b.values, b.counts)
        return a

    @staticmethod
    def combine(parts: list[ValueCounts], grid: str) -> ValueCounts:
        """All ``parts`` together without a budget (for computing, not for storing)."""
        out = ValueCounts(grid, limit=2**62)
        for part in parts:
            out = out.merged(part, limit=2**62)
        return out


def auc_from_counts(pos: ValueCounts, neg: ValueCounts) -> tuple[float, float]:
    """ROC AUC of positives ``pos`` against negatives ``neg`` and its error bound.

    AUC = (1 / PN) * sum over pairs of [s+ > s-] + 1/2 [s+ = s-] (Mann-Whitney U, ties
    counting one half), computed from counts: for each distinct value v,
    ``pos(v) * (neg(< v) + neg(v) / 2)``. When both are exact this is exact (bound 0).

    Otherwise both are binned on their fixed grid and pairs falling in the same bucket count
    one half. Pairs in different buckets are ordered exactly (buckets are disjoint
    intervals), and a same-bucket pair's true contribution lies in [0, 1], so
    ``|AUC_binned - AUC| <= sum_b pos_b * neg_b / (2 PN)``: the returned bound, computed from
    the data (no larger than half the largest bucket share of either class).
    """
    pos._compact()
    neg._compact()
    if pos.exact and neg.exact:
        pv, pc_, nv, nc = pos.values, pos.counts, neg.values, neg.counts
    else:
        pv, pc_ = pos.binned()
        nv, nc = neg.binned()
    n_pos, n_neg = float(pc_.sum()), float(nc.sum())
    uniq, inverse = np.unique(np.concatenate([pv, nv]), return_inverse=True)
    p = np.bincount(inverse[: pv.size], weights=pc_, minlength=uniq.size)
    q = np.bincount(inverse[pv.size :], weights=nc, minlength=uniq.size)
    below = np.cumsum(q) - q
    u = float((p * (below + q / 2.0)).sum())
    auc = u / (n_pos * n_neg)
    exact = pos.exact and neg.exact
    bound = 0.0 if exact else float((p * (q)).sum()) / (2.0 * n_pos * n_neg)
    return auc, bound


@dataclass
class Moments:
    """Count, mean and sum of squared deviations, merged with Chan et al.'s update."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, values: FloatArray) -> None:
        """Fold in a batch of finite values."""
        if values.size == 0:
            return
        mean = float(values.mean())
        dev = values - mean
        self.merge_in(Moments(int(values.size), mean, float((dev * (dev)).sum())))

    def merge_in(self, other: Moments) -> None:
        """Chan, Golub & LeVeque (1979): pooled mean and M2 of two parts."""
        if other.n == 0:
            return
        if self.n == 0:
            self.n, self.mean, self.m2 = other.n, other.mean, other.m2
            return
        n = self.n + other.n
        delta = other.mean - self.mean
        self.mean += delta * other.n / n
        self.m2 += other.m2 + delta * delta * self.n * other.n / n
        self.n = n
