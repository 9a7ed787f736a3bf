"""Numeric column summaries: exact up to a budget, a deterministic bounded summary beyond.

A summary is a set of weighted points ``(values, weights)`` (values sorted and distinct) that
stands for the column's finite values, plus two error terms that make every statistic computed
from it checkable:

``rank_error`` (E, in rows)
    For every x, ``|C_summary(x) - C_true(x)| <= E`` where C counts the values ``<= x`` (and
    likewise for ``< x``). A CDF computed from the summary is therefore within ``E / n``.
``transport_error`` (T, in rows × units of x)
    ``W1(true values, summary) <= T / n``: moving every value to the point that stands for it
    costs at most T.

While the column has at most ``exact_limit`` distinct values the points are the distinct values
with their counts and both errors are 0: every statistic is exact. Beyond it, summaries are
*compressed*: consecutive points are grouped into at most ``points`` groups of about equal
weight, each group replaced by its weighted median. Compressing adds the largest group's
one-sided weight to E and the exact cost of the moves to T, so the bounds are tracked, not
assumed. A summarized column gathers ``RAW_PER_POINT * points`` values (524,288 at the
default), sorts and compresses them once, and merges those summaries level by level (fan-in
4), so every row passes through about 1 + log4(rows / 524,288) compressions: at 100M rows and
16,384 points the CDF error is at most about 2e-4. Nothing is random: the same batches give
the same bytes.
"""

from __future__ import annotations

import math
import mmap
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Default number of distinct values a numeric column keeps exactly.
EXACT_LIMIT = 100_000
#: Points kept by a compressed summary at the default exact limit.
SUMMARY_POINTS = 16_384
#: Fewest points a summary keeps, however small the exact limit.
MIN_SUMMARY_POINTS = 2_048


def summary_points(exact_limit: int) -> int:
    """Points a summary keeps in a wide profile whose shared budget cut the exact limit to
    ``exact_limit``: no more than the limit (never below ``MIN_SUMMARY_POINTS``), so a
    summary never outweighs the exact values it replaces."""
    return min(SUMMARY_POINTS, max(exact_limit, MIN_SUMMARY_POINTS))


#: How many summaries of one level are merged into one of the next.
FAN_IN = 4
#: A summarized column gathers this many values per summary point before it sorts them.
RAW_PER_POINT = 32
#: Values the gather buffers of all columns read together may hold (256 MB of float64).
GATHER_VALUES = 32_000_000


def gather_size(points: int, columns: int) -> int:
    """Values each of ``columns`` summarized columns read together gathers before a sort:
    ``RAW_PER_POINT`` per point, less when many columns share ``GATHER_VALUES`` (never fewer
    than ``points``)."""
    return max(points, min(RAW_PER_POINT * points, GATHER_VALUES // max(columns, 1)))


def dot(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Inner product without BLAS (whose threads only contend on two cores for vectors of
    this size); numpy's own loop."""
    return float(np.einsum("i,i->", np.asarray(a, np.float64), np.asarray(b, np.float64)))


@dataclass
class Moments:
    """Count, mean, sum of squared deviations, min and max of the finite values.

    Merged with Chan et al.'s pairwise update, so any split of the data gives the same
    moments up to float rounding.
    """

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    min: float = math.inf
    max: float = -math.inf

    @classmethod
    def of_sorted(cls, values: FloatArray) -> Moments:
        """Moments of sorted finite values: min and max are the ends, not two more passes."""
        n = int(values.size)
        if n == 0:
            return cls()
        with np.errstate(over="ignore", invalid="ignore"):
            mean = float(values.mean())
            dev = values - mean
            m2 = float(dot(dev, dev))
        return cls(n, mean, m2, float(values[0]), float(values[-1]))

    def merge(self, other: Moments) -> Moments:
        """Moments of the union."""
        if other.n == 0:
            return Moments(self.n, self.mean, self.m2, self.min, self.max)
        if self.n == 0:
            return Moments(other.n, other.mean, other.m2, other.min, other.max)
        n = self.n + other.n
        with np.errstate(over="ignore", invalid="ignore"):
            delta = other.mean - self.mean
            mean = self.mean + delta * (other.n / n)
            m2 = self.m2 + other.m2 + delta * delta * (self.n * other.n / n)
        return Moments(n, mean, m2, min(self.min, other.min), max(self.max, other.max))

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof = 1); 0 for fewer than two values."""
        return math.sqrt(max(self.m2, 0.0) / (self.n - 1)) if self.n > 1 else 0.0

    @property
    def pstd(self) -> float:
        """Population standard deviation (ddof = 0)."""
        return math.sqrt(max(self.m2, 0.0) / self.n) if self.n else 0.0


@dataclass
class Points:
    """Weighted sorted distinct points with their error terms (see the module docstring)."""

    values: FloatArray
    weights: IntArray
    rank_error: float = 0.0
    transport_error: float = 0.0

    @property
    def total(self) -> int:
        """Total weight: the number of values the points stand for."""
        return int(self.weights.sum())

    @classmethod
    def empty(cls) -> Points:
        """No values."""
        return cls(np.empty(0, np.float64), np.empty(0, np.int64))

    @classmethod
    def from_values(cls, values: FloatArray) -> Points:
        """Exact points of raw finite values (any order)."""
        v = np.sort(values)
        return cls(*_dedupe_sorted(v, None))

    def running(self) -> IntArray:
        """Running weights with a leading 0 (``running()[k]`` weighs the first k points): a
        caller that asks several CDF or quantile questions of one side passes it to each."""
        out = np.empty(self.weights.size + 1, np.int64)
        out[0] = 0
        np.cumsum(self.weights, out=out[1:])
        return out

    def cdf_right(self, x: FloatArray, running: IntArray | None = None) -> IntArray:
        """Weight of the points ``<= x`` for each x (``running``: :meth:`running`)."""
        cum = self.running() if running is None else running
        out: IntArray = cum[np.searchsorted(self.values, x, side="right")]
        return out

    def cdf_left(self, x: FloatArray, running: IntArray | None = None) -> IntArray:
        """Weight of the points ``< x`` for each x (``running``: :meth:`running`)."""
        cum = self.running() if running is None else running
        out: IntArray = cum[np.searchsorted(self.values, x, side="left")]
        return out

    def expanded(self) -> FloatArray:
        """The values repeated by their weights (only for small exact columns)."""
        return np.repeat(self.values, self.weights)


def _dedupe_sorted(v: FloatArray, w: IntArray | None) -> tuple[FloatArray, IntArray]:
    """Collapse equal neighbours of sorted values, summing their weights. The arrays are new
    (a caller may pass a buffer it reuses); without ties they are plain copies."""
    if v.size == 0:
        return v.astype(np.float64), np.empty(0, np.int64)
    new = v[1:] != v[:-1]
    if new.all():  # no equal neighbours (continuous data): nothing to combine
        counts = np.ones(v.size, np.int64) if w is None else w.astype(np.int64)
        return np.array(v, dtype=np.float64), counts
    starts = np.flatnonzero(np.concatenate([[True], new]))
    if w is None:
        counts = np.diff(np.concatenate([starts, [v.size]])).astype(np.int64)
    else:
        counts = np.add.reduceat(w, starts).astype(np.int64)
    return np.ascontiguousarray(v[starts], dtype=np.float64), counts


def merge_points(parts: list[Points]) -> Points:
    """The union of several summaries: points pooled, equal values combined, errors added."""
    parts = [p for p in parts if p.values.size]
    if not parts:
        return Points.empty()
    if len(parts) == 1:
        p = parts[0]
        return Points(p.values, p.weights, p.rank_error, p.transport_error)
    v = np.concatenate([p.values for p in parts])
    w = np.concatenate([p.weights for p in parts])
    order = np.argsort(v, kind="stable")  # sorted runs: a merge, linear time
    values, weights = _dedupe_sorted(v[order], w[order])
    return Points(
        values,
        weights,
        sum(p.rank_error for p in parts),
        sum(p.transport_error for p in parts),
    )


#: The unsigned types a waiting summary's weights may take, with the largest each holds.
_NARROW: tuple[tuple[type[np.unsignedinteger[Any]], int], ...] = tuple(
    (k, int(np.iinfo(k).max)) for k in (np.uint8, np.uint16, np.uint32, np.uint64)
)


#: A waiting summary of at least this many bytes gets an anonymous memory mapping of its own:
#: glibc's default mmap threshold, which the command raises for numpy's per-batch arrays.
OWN_MAPPING_BYTES = 128 * 1024


def _own_mapping(
    values: FloatArray, weights: npt.NDArray[np.unsignedinteger[Any]]
) -> tuple[FloatArray, npt.NDArray[np.unsignedinteger[Any]]]:
    """Copies of ``values`` and ``weights`` in one anonymous mapping, unmapped when both are
    freed. A summary waits in the merge tree while thousands of short-lived arrays come and go
    around it: on glibc's heap it pinned the holes they left, so the heap grew with rows
    (saved profile against 10M rows, interleaved runs: peak 13 MB lower, 10M/1M peak ratio
    from 1.14 to 1.09). Small summaries, and any the system refuses to map, stay on the heap."""
    size = values.nbytes + weights.nbytes
    if size < OWN_MAPPING_BYTES:
        return values, weights
    try:
        block = mmap.mmap(-1, size)
    except OSError:  # e.g. vm.max_map_count reached: the heap still works
        return values, weights
    v: FloatArray = np.frombuffer(block, np.float64, values.size)
    v[...] = values
    w: npt.NDArray[np.unsignedinteger[Any]] = np.frombuffer(
        block, weights.dtype, weights.size, offset=values.nbytes
    )
    w[...] = weights
    return v, w


@dataclass
class _Packed:
    """A summary waiting in the merge tree, its weights in the narrowest unsigned type that
    holds them: a leaf's are 32 each (one byte instead of eight), so the summaries a column
    keeps between merges, which grow with log(rows), take 9-10 bytes a point instead of 16.
    The weights are the same integers; merges widen them back to int64. Large ones live
    outside the heap (see :func:`_own_mapping`)."""

    values: FloatArray
    weights: npt.NDArray[np.unsignedinteger[Any]]
    rank_error: float
    transport_error: float

    @classmethod
    def of(cls, p: Points) -> _Packed:
        """``p`` with narrowed weights (values copied only into a mapping of their own)."""
        top = int(p.weights.max()) if p.weights.size else 0
        kind = next(k for k, most in _NARROW if top <= most)
        values, weights = _own_mapping(p.values, p.weights.astype(kind))
        return cls(values, weights, p.rank_error, p.transport_error)

    def unpacked(self) -> Points:
        """The summary with int64 weights again."""
        return Points(
            self.values, self.weights.astype(np.int64), self.rank_error, self.transport_error
        )


def compress(p: Points, points: int) -> Points:
    """At most about ``points`` points: groups of consecutive points of about equal weight,
    each replaced by its weighted median; the added rank and transport errors are tracked."""
    n = p.values.size
    if n <= points:
        return p
    if p.total == n:  # every weight 1 (a fresh batch of distinct values): equal-size groups
        return _compress_units(p.values, points, p.rank_error, p.transport_error)
    w = p.weights
    cum = np.cumsum(w)
    total = int(cum[-1])
    before = cum - w
    gid = (before * points) // total  # integer arithmetic: deterministic group boundaries
    starts = np.flatnonzero(np.concatenate([[True], gid[1:] != gid[:-1]]))
    last = np.empty_like(starts)  # each group's last point
    last[:-1] = starts[1:] - 1
    last[-1] = n - 1
    base = before[starts]
    gw = cum[last] - base
    # weighted median: the first point whose running weight reaches half of its group's
    # (weights are integers, so reaching gw / 2 is reaching the integer (gw + 1) // 2, and
    # the search stays in int64 rather than converting the running sums to float)
    median = np.searchsorted(cum, base + (gw + 1) // 2, side="left")
    below = before[median] - base
    above = base + gw - cum[median]
    added_rank = float(np.max(np.maximum(below, above)))
    owner = np.repeat(median, last - starts + 1)
    added_transport = float(dot(w, np.abs(p.values - p.values[owner])))
    return Points(
        np.ascontiguousarray(p.values[median]),
        gw.astype(np.int64, copy=False),
        p.rank_error + added_rank,
        p.transport_error + added_transport,
    )


def _finite_slice(v: FloatArray) -> FloatArray:
    """The finite values of sorted ``v`` (numpy sorts -inf first, then +inf, then NaN)."""
    if v.size == 0 or (np.isfinite(v[0]) and np.isfinite(v[-1])):
        return v
    lo = int(np.searchsorted(v, -np.inf, side="right"))
    hi = int(np.searchsorted(v, np.inf, side="left"))
    return v[lo:hi]


def _beyond(v: FloatArray, limit: int) -> bool:
    """Whether sorted ``v`` surely holds more than ``limit`` distinct values: ``limit + 1``
    evenly spaced elements all differ (a look at a few thousand values, not a pass over the
    batch). False means "not shown": the caller counts the distinct values when it dedupes.
    Only asked of batches four times the limit or more (wide profiles), where the look costs
    a small share of the pass it saves."""
    if v.size < 4 * limit:
        return False
    picks = v[(np.arange(limit + 1, dtype=np.int64) * (v.size - 1)) // limit]
    return bool(np.all(picks[1:] != picks[:-1]))


def _summarize_sorted(v: FloatArray, points: int) -> Points:
    """Points of raw sorted values (ties allowed): equal runs of values, each replaced by its
    median, then equal medians combined. The bound of :func:`compress` holds with ties: the
    runs are consecutive in sorted order, so at most one straddles any x."""
    if v.size <= points:
        return Points(*_dedupe_sorted(v, None))
    p = _compress_units(v, points)
    values, weights = _dedupe_sorted(p.values, p.weights)
    return Points(values, weights, p.rank_error, p.transport_error)


def _transport_to_median(grid: FloatArray, mid: int) -> float:
    """Total distance of each row of ``grid`` (sorted rows) to its element ``mid``.

    In a sorted row each of the ``mid`` elements left of the median pairs with one of the
    last ``mid`` elements, and a pair's two distances add up to their difference; an element
    the pairing leaves over (even rows) adds its distance to the median. So the total is one
    subtraction over the row's ends, no temporary of the grid's size, no absolute value, and
    every term is a non-negative difference within one row, never a difference of large sums
    (no cancellation)."""
    size = grid.shape[1]
    left = mid
    total = float((grid[:, size - left :] - grid[:, :left]).sum()) if left else 0.0
    for j in range(mid + 1, size - left):  # at most one column: size - 1 - mid - mid <= 1
        total += float((grid[:, j] - grid[:, mid]).sum())
    return total


def _compress_units(
    v: FloatArray, points: int, rank: float = 0.0, transport: float = 0.0
) -> Points:
    """:func:`compress` for sorted values that all weigh 1 (``rank`` and ``transport`` the
    errors they already carry): the groups are equal runs of ``size`` values (the last one
    shorter), so they are reshaped rather than searched."""
    n = v.size
    size = -(-n // points)
    full = n // size
    mid = -(-size // 2) - 1  # first index whose running weight reaches half the group's
    grid = v[: full * size].reshape(full, size)
    median = grid[:, mid]
    medians = [median]
    weights = [np.full(full, size, dtype=np.int64)]
    added_rank = float(max(mid, size - mid - 1))
    added_transport = _transport_to_median(grid, mid)
    rest = v[full * size :]
    if rest.size:
        m = -(-rest.size // 2) - 1
        medians.append(rest[m : m + 1])
        weights.append(np.array([rest.size], dtype=np.int64))
        added_rank = max(added_rank, float(max(m, rest.size - m - 1)))
        added_transport += _transport_to_median(rest.reshape(1, -1), m)
    return Points(
        np.concatenate(medians),
        np.concatenate(weights),
        rank + added_rank,
        transport + added_transport,
    )


@dataclass
class NumericSummary:
    """A numeric column of one side: exact moments, counts of what was excluded, and points."""

    points: Points
    moments: Moments
    missing: int = 0
    """Nulls and NaN."""
    infinite: int = 0
    """+inf and -inf (excluded from the tests, reported)."""
    exact: bool = True
    """True while the points are the distinct values with their exact counts."""

    @property
    def n(self) -> int:
        """Finite values."""
        return self.moments.n

    @property
    def rank_error_share(self) -> float:
        """Bound on the CDF error, as a share of the values."""
        return self.points.rank_error / self.n if self.n else 0.0

    @property
    def transport_error_mean(self) -> float:
        """Bound on the Wasserstein-1 distance between the values and the points."""
        return self.points.transport_error / self.n if self.n else 0.0


@dataclass
class NumericBuilder:
    """Streams batches of float64 values into a :class:`NumericSummary`."""

    exact_limit: int = EXACT_LIMIT
    points: int = SUMMARY_POINTS
    moments: Moments = field(default_factory=Moments)
    """Moments of the values summarized so far (values kept exactly get theirs from the exact
    points, once)."""
    missing: int = 0
    infinite: int = 0
    _pending: list[Points] = field(default_factory=list)
    _pending_size: int = 0
    _exact: Points | None = None
    _levels: list[list[_Packed]] | None = None
    gather: int = 0
    """Values gathered per sort once summarized (0: ``RAW_PER_POINT * points``)."""
    _raw: FloatArray | None = None
    _raw_fill: int = 0

    def add(self, values: FloatArray) -> None:
        """Add one batch: raw float64 values, NaN standing for missing."""
        if self._levels is not None:
            finite_mask = np.isfinite(values)
            finite = values[finite_mask] if not finite_mask.all() else values
            self._count_excluded(values, finite.size)
            if finite.size:
                self._gather(finite)
            return
        # sorted first: NaN sorts last and ±inf to the ends, so the finite values are one
        # slice found by looking at the ends, not a pass of isfinite over the batch
        v = _finite_slice(np.sort(values))
        self._count_excluded(values, v.size)
        if v.size == 0:
            return
        pts = None if _beyond(v, self.exact_limit) else Points(*_dedupe_sorted(v, None))
        if pts is None or pts.values.size > self.exact_limit:
            # this batch alone is beyond the limit: summarized as it is (ties need no
            # merging first: at most one group straddles any x, see _summarize_sorted)
            self._to_levels()
            self.moments = self.moments.merge(Moments.of_sorted(v))
            self._push(_summarize_sorted(v, self.points), 0)
            return
        # kept exactly: no moments per batch, they come from the exact points once, when the
        # column is summarized or finished (a pass less over every batch of such columns)
        self._pending.append(pts)
        self._pending_size += pts.values.size
        if self._pending_size > max(self.exact_limit, 65_536):
            self._consolidate()

    def _count_excluded(self, values: FloatArray, finite: int) -> None:
        """Count the NaN and ±inf of a batch of ``values`` that held ``finite`` finite ones."""
        excluded = values.size - finite
        if excluded:
            nan = int(np.count_nonzero(np.isnan(values)))
            self.missing += nan
            self.infinite += excluded - nan

    def _gather(self, finite: FloatArray) -> None:
        """Summarized columns collect ``gather`` values (4 MB at the default) before one
        sort and one summary: a 131,072-row batch summarized on its own would pass its
        points through a merge and a compression more, which cost as much as the sort."""
        size = self.gather or RAW_PER_POINT * self.points
        if self._raw is None:
            self._raw = np.empty(size, np.float64)
        start = 0
        while start < finite.size:
            take = min(size - self._raw_fill, finite.size - start)
            self._raw[self._raw_fill : self._raw_fill + take] = finite[start : start + take]
            self._raw_fill += take
            start += take
            if self._raw_fill == size:
                self._flush()

    def release(self) -> None:
        """Summarize what is gathered and free the buffer (no more batches are coming soon:
        the next column group is read)."""
        self._flush()
        self._raw = None

    def _flush(self) -> None:
        if not self._raw_fill:
            return
        assert self._raw is not None
        v = self._raw[: self._raw_fill]
        v.sort()
        self.moments = self.moments.merge(Moments.of_sorted(v))
        self._push(_summarize_sorted(v, self.points), 0)  # copies: the buffer is reused
        self._raw_fill = 0

    def add_points(self, pts: Points, moments: Moments, missing: int, infinite: int) -> None:
        """Add an already summarized part (from a merge or a category table)."""
        self.missing += missing
        self.infinite += infinite
        if pts.values.size == 0:
            return
        exact = pts.rank_error == 0 and pts.transport_error == 0
        if self._levels is None and exact:  # its moments come from the exact points later
            self._pending.append(pts)
            self._pending_size += pts.values.size
            if self._pending_size > max(self.exact_limit, 65_536):
                self._consolidate()
        else:
            self._to_levels()
            self.moments = self.moments.merge(moments)
            self._push(compress(pts, self.points), 0)

    def _consolidate(self) -> None:
        parts = ([self._exact] if self._exact is not None else []) + self._pending
        self._exact = merge_points(parts)
        self._pending, self._pending_size = [], 0
        if self._exact.values.size > self.exact_limit:
            self._to_levels()

    def _to_levels(self) -> None:
        if self._levels is not None:
            return
        if self._pending:
            parts = ([self._exact] if self._exact is not None else []) + self._pending
            self._exact = merge_points(parts)
            self._pending, self._pending_size = [], 0
        self._levels = []
        if self._exact is not None and self._exact.values.size:
            # the values kept exactly so far, whose moments were not taken batch by batch
            self.moments = self.moments.merge(exact_moments(self._exact))
            self._push(compress(self._exact, self.points), 0)
        self._exact = None

    def _push(self, pts: Points, level: int) -> None:
        assert self._levels is not None
        while len(self._levels) <= level:
            self._levels.append([])
        self._levels[level].append(_Packed.of(pts))
        if len(self._levels[level]) >= FAN_IN:
            parts = [q.unpacked() for q in self._levels[level]]
            merged = compress(merge_points(parts), self.points)
            self._levels[level] = []
            self._push(merged, level + 1)

    def finish(self) -> NumericSummary:
        """The summary of everything added (the builder may keep being used)."""
        if self._levels is None:
            parts = ([self._exact] if self._exact is not None else []) + self._pending
            self._exact = merge_points(parts)
            self._pending, self._pending_size = [], 0
            if self._exact.values.size <= self.exact_limit:
                moments = exact_moments(self._exact)
                return NumericSummary(self._exact, moments, self.missing, self.infinite, exact=True)
            self._to_levels()
        self._flush()
        assert self._levels is not None
        everything = merge_points([p.unpacked() for level in self._levels for p in level])
        return NumericSummary(
            compress(everything, self.points),
            self.moments,
            self.missing,
            self.infinite,
            exact=False,
        )


def exact_moments(points: Points) -> Moments:
    """Moments of exact points: the same for any batch split and row order, because the
    points are sorted and counted before any sum is taken."""
    if points.values.size == 0:
        return Moments()
    n = int(points.weights.sum())
    w = points.weights.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        if n == points.values.size:  # no ties: numpy's pairwise mean, as scipy computes it
            mean = float(np.mean(points.values))
        else:  # shifted by the minimum, so large offsets do not swamp the spread
            low = points.values[0]
            mean = float(low + dot(w, points.values - low) / n)
        dev = points.values - mean
        m2 = float(dot(w, dev * dev))
    return Moments(n, mean, m2, float(points.values[0]), float(points.values[-1]))


def merge_summaries(
    parts: list[NumericSummary], exact_limit: int = EXACT_LIMIT, points: int = SUMMARY_POINTS
) -> NumericSummary:
    """The summary of the union of several sides (exact when the union fits the budget)."""
    moments = Moments()
    for p in parts:
        moments = moments.merge(p.moments)
    missing = sum(p.missing for p in parts)
    infinite = sum(p.infinite for p in parts)
    pooled = merge_points([p.points for p in parts])
    exact = all(p.exact for p in parts) and pooled.values.size <= exact_limit
    if exact:
        moments = exact_moments(pooled)
    else:
        pooled = compress(pooled, points)
    return NumericSummary(pooled, moments, missing, infinite, exact=exact)
