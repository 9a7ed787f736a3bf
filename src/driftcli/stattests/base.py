"""The contract every stat test follows, and the prepared column pair they all read.

A :class:`ColumnPair` holds one column of both sides as *profiles* (weighted points for numeric
columns, counts for categorical ones), never raw rows. Pooling the two sides' CDFs, binning and
aligning labels happen once per pair (cached), so adding a test never adds a pass over data.

When a side's numeric profile is a summary rather than exact (more distinct values than the
profile's exact limit), the pair knows its error terms and every test returns its
``error_bound`` (and, for p-value tests, the interval the p-value lies in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from driftcli.profiles.categorical import CategoryCounts, align
from driftcli.profiles.numeric import Moments, NumericSummary, Points, exact_moments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Floor of a share in the log-based distances (PSI, KL), so that log(0) never occurs.
EPSILON = 1e-4


class Kind(str, Enum):
    """What a column holds, which decides how it is tested."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    DATETIME = "datetime"
    ID_LIKE = "id_like"
    UNSUPPORTED = "unsupported"


class Output(str, Enum):
    """Whether a test's decision rests on a p-value (drift when p < threshold) or a distance."""

    P_VALUE = "p_value"
    DISTANCE = "distance"


@dataclass(frozen=True)
class Outcome:
    """What a test returns: its statistic and, for hypothesis tests, the p-value.

    ``error_bound`` is set when the statistic comes from a summarized profile: the exact
    statistic lies within it. ``p_value_interval`` then bounds the exact p-value; an interval
    of ``(0, 1)`` means the test cannot decide from a summary at all.
    """

    statistic: float
    p_value: float | None = None
    error_bound: float | None = None
    p_value_interval: tuple[float, float] | None = None

    @property
    def approximate(self) -> bool:
        """Whether the outcome was computed from a summary."""
        return self.error_bound is not None or self.p_value_interval is not None


def sturges_edges(lo: float, hi: float, n: int) -> FloatArray:
    """Bin edges as ``numpy.histogram_bin_edges(x, bins="sturges")`` gives them.

    Computed from the range and size alone, so no values are needed.
    """
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
        return np.linspace(lo, hi, 2)
    if not math.isfinite(hi - lo):  # a range beyond float64 (say -1e308 to 1e308)
        bins = max(math.ceil(math.log2(n) + 1.0), 1)
        t = np.linspace(0.0, 1.0, bins + 1)
        edges: FloatArray = 2.0 * (lo / 2 + t * (hi / 2 - lo / 2))
        edges[0], edges[-1] = lo, hi
        return edges
    width = (hi - lo) / (math.log2(n) + 1.0)
    # a subnormal range can make the width underflow to 0: one bin, as numpy does then
    bins = max(math.ceil((hi - lo) / width), 1) if width else 1
    return np.linspace(lo, hi, bins + 1)


def histogram_sorted(sorted_values: FloatArray, edges: FloatArray) -> IntArray:
    """Counts per bin for already-sorted values, with numpy.histogram's edge rules.

    Bins are half-open ``[a, b)`` except the last, which is closed. Values outside the edges
    are not counted.
    """
    idx = np.searchsorted(sorted_values, edges, side="left")
    idx[-1] = np.searchsorted(sorted_values, edges[-1], side="right")
    return np.diff(idx).astype(np.int64)


def quantiles_sorted(sorted_values: FloatArray, qs: npt.ArrayLike) -> FloatArray:
    """``numpy.quantile(sorted_values, qs)`` (method "linear") for already-sorted values."""
    pts = Points(np.asarray(sorted_values, np.float64), np.ones(len(sorted_values), dtype=np.int64))
    return weighted_quantiles(pts, qs)


def weighted_quantiles(
    points: Points, qs: npt.ArrayLike, running: IntArray | None = None
) -> FloatArray:
    """numpy's "linear" quantiles of the values the points stand for (exact for exact points).

    The k-th smallest value (0-based) is the first point whose running weight exceeds k, so
    the values are never expanded. ``running``: the points' :meth:`Points.running`, if known.
    """
    q = np.asarray(qs, dtype=np.float64)
    cum = (points.running() if running is None else running)[1:]
    n = int(cum[-1])
    virtual = (n - 1) * q
    below = np.floor(virtual)
    gamma = virtual - below
    lo_idx = below.astype(np.int64)
    hi_idx = np.minimum(lo_idx + 1, n - 1)
    a = points.values[np.searchsorted(cum, lo_idx, side="right")]
    b = points.values[np.searchsorted(cum, hi_idx, side="right")]
    diff = b - a
    out: FloatArray = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out


def exact_summary(values: npt.ArrayLike) -> NumericSummary:
    """An exact profile of raw values (NaN and ±inf excluded), for small inputs and tests."""
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = v[np.isfinite(v)]
    nan = int(np.count_nonzero(np.isnan(v)))
    points = Points.from_values(finite)
    return NumericSummary(points, exact_moments(points), nan, v.size - finite.size - nan, True)


@dataclass(frozen=True)
class Pooled:
    """Both sides' right-continuous CDFs at the pooled distinct values, and the gaps after."""

    values: FloatArray
    ref_cdf: FloatArray
    cur_cdf: FloatArray
    widths: FloatArray
    """Distance to the next pooled value (one fewer than ``values``)."""
    weights: IntArray
    """Pooled multiplicity of each value."""


def pool(r: Points, c: Points) -> Pooled:
    """Both sides' CDFs at the union of their points, by one linear merge of the two sorted
    sides (a stable sort of two runs) and running sums, not a binary search per point: 2-3x
    faster. Where both sides hold a value (0.0 and -0.0) the reference's is kept, as
    ``np.union1d`` keeps the first; the CDFs are the same integers over the same totals."""
    v = np.concatenate([r.values, c.values])
    order = np.argsort(v, kind="stable")
    merged = v[order]
    w = np.concatenate([r.weights, c.weights])[order]
    n = merged.size
    new = np.empty(n + 1, bool)  # new[i]: merged[i] starts a value; new[n] closes the last
    new[0] = new[n] = True
    np.not_equal(merged[1:], merged[:-1], out=new[1:n])
    if n and np.isnan(merged[-1]):  # NaN sorts last; all of it is one value, as in union1d
        nan = np.isnan(merged)
        new[1:n] &= ~(nan[1:] & nan[:-1])
    cum_both = np.cumsum(w)
    cum_ref = np.cumsum(np.where(order < r.values.size, w, 0))
    if new[1:n].all():  # no value on both sides (continuous data): every point is a value
        values, both, ref, weights = merged, cum_both, cum_ref, w
    else:
        starts, ends = np.flatnonzero(new[:n]), np.flatnonzero(new[1:])
        both, ref, values = cum_both[ends], cum_ref[ends], merged[starts]
        weights = np.diff(both, prepend=0)
    ref_total = int(ref[-1]) if n else 0  # the sides' totals, without summing them again
    cur_total = int(both[-1]) - ref_total if n else 0
    return Pooled(
        values, ref / ref_total, (both - ref) / cur_total, values[1:] - values[:-1], weights
    )


class ColumnPair:
    """One column of the reference and the current side, prepared once for every test."""

    def __init__(
        self,
        kind: Kind,
        *,
        ref: NumericSummary | None = None,
        cur: NumericSummary | None = None,
        ref_categories: CategoryCounts | None = None,
        cur_categories: CategoryCounts | None = None,
    ) -> None:
        self.kind = kind
        self.ref_summary = ref
        self.cur_summary = cur
        self._ref_categories = ref_categories
        self._cur_categories = cur_categories
        #: Seed for tests that resample (the Monte Carlo chi-square); set from ``--seed``.
        self.seed = 0

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def numeric(cls, ref: npt.ArrayLike, cur: npt.ArrayLike) -> ColumnPair:
        """Build from raw numeric values (exact): drops NaN and ±inf."""
        return cls(Kind.NUMERIC, ref=exact_summary(ref), cur=exact_summary(cur))

    @classmethod
    def categorical(cls, ref: npt.ArrayLike, cur: npt.ArrayLike) -> ColumnPair:
        """Build from raw category values (None and NaN are treated as missing)."""
        import pandas as pd

        def counts(values: npt.ArrayLike) -> dict[str, int]:
            flat = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
            vc = flat.dropna().astype(str).value_counts()
            return dict(zip(vc.index.tolist(), vc.to_numpy().tolist(), strict=True))

        return cls.from_counts(counts(ref), counts(cur))

    @classmethod
    def from_counts(cls, ref: dict[str, int], cur: dict[str, int]) -> ColumnPair:
        """Build from category counts per side; labels are ordered by total count, then name."""
        import pyarrow as pa

        def table(d: dict[str, int]) -> CategoryCounts:
            keys = sorted(k for k, n in d.items() if n > 0)
            return CategoryCounts(
                pa.array(keys, pa.large_string()), np.array([d[k] for k in keys], np.int64)
            )

        return cls(Kind.CATEGORICAL, ref_categories=table(ref), cur_categories=table(cur))

    # -- numeric views ------------------------------------------------------------------
    @property
    def _ref(self) -> NumericSummary:
        assert self.ref_summary is not None, "not a numeric column"
        return self.ref_summary

    @property
    def _cur(self) -> NumericSummary:
        assert self.cur_summary is not None, "not a numeric column"
        return self.cur_summary

    @property
    def exact(self) -> bool:
        """Whether both sides are exact (always true for categorical columns)."""
        if self.kind is not Kind.NUMERIC:
            return True
        return self._ref.exact and self._cur.exact

    @property
    def ref(self) -> FloatArray:
        """Sorted finite reference values, expanded from an exact profile (small columns)."""
        assert self._ref.exact, "the reference profile is a summary: no raw values"
        return self._ref.points.expanded()

    @property
    def cur(self) -> FloatArray:
        """Sorted finite current values, expanded from an exact profile (small columns)."""
        assert self._cur.exact, "the current profile is a summary: no raw values"
        return self._cur.points.expanded()

    @property
    def ref_points(self) -> Points:
        """The reference's weighted points."""
        return self._ref.points

    @property
    def cur_points(self) -> Points:
        """The current side's weighted points."""
        return self._cur.points

    @property
    def ref_moments(self) -> Moments:
        """Exact moments of the reference."""
        return self._ref.moments

    @property
    def cur_moments(self) -> Moments:
        """Exact moments of the current side."""
        return self._cur.moments

    @property
    def ref_std(self) -> float:
        """Population standard deviation of the reference (exact, from its moments)."""
        return self._ref.moments.pstd

    @property
    def cdf_error(self) -> float:
        """Bound on the error of ``F_ref - F_cur`` at any point (0 when exact)."""
        return self._ref.rank_error_share + self._cur.rank_error_share

    @property
    def transport_error(self) -> float:
        """Bound on the error of the (unnormalized) Wasserstein distance (0 when exact)."""
        return self._ref.transport_error_mean + self._cur.transport_error_mean

    @cached_property
    def pooled(self) -> Pooled:
        """Both CDFs at the union of the two sides' points (a linear merge)."""
        return pool(self._ref.points, self._cur.points)

    @cached_property
    def hist_edges(self) -> FloatArray:
        """Sturges bin edges over the reference range (numeric columns).

        Fixed by the reference alone, so a current side can be binned as it streams; values
        outside the range fall in the open outer bins. A constant reference has one bin
        ``[v, v]`` (numpy would widen it to ``v ± 0.5`` and hide a shift within that).
        """
        m = self._ref.moments
        if m.min == m.max:
            return np.array([m.min, m.max], dtype=np.float64)
        return sturges_edges(m.min, m.max, m.n)

    @cached_property
    def running(self) -> tuple[IntArray, IntArray]:
        """Each side's running weights (:meth:`Points.running`), computed once for every
        CDF and quantile the comparison of this column asks."""
        return self._ref.points.running(), self._cur.points.running()

    @cached_property
    def full_bins(self) -> tuple[IntArray, IntArray]:
        """Counts per bin of each side: below the reference range, each Sturges bin, above."""
        edges = self.hist_edges
        out = []
        for s, running in zip((self._ref, self._cur), self.running, strict=True):
            left = s.points.cdf_left(edges, running)
            right_last = int(s.points.cdf_right(edges[-1:], running)[0])
            inner = np.diff(np.concatenate([left[:-1], [right_last]]))
            out.append(np.concatenate([[left[0]], inner, [s.n - right_last]]).astype(np.int64))
        return out[0], out[1]

    @cached_property
    def _binned(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """The bins the tests use (outer bins only where a side has values there), per side,
        and each share's error bound (two CDF evaluations per inner bin, one per outer)."""
        rc, cc = self.full_bins
        keep = np.ones(rc.size, bool)
        for i in (0, -1):
            keep[i] = bool(rc[i] or cc[i])
        err = []
        for s in (self._ref, self._cur):
            per = np.full(rc.size, 2 * s.rank_error_share)
            per[0] = per[-1] = s.rank_error_share
            err.append(per[keep])
        return rc[keep], cc[keep], err[0], err[1]

    # -- categorical views --------------------------------------------------------------
    @cached_property
    def _aligned(self) -> tuple[pa.Array, IntArray, IntArray]:
        assert self._ref_categories is not None and self._cur_categories is not None
        return align(self._ref_categories, self._cur_categories)

    @property
    def label_array(self) -> pa.Array:
        """:attr:`labels` as an Arrow large_string array."""
        return self._aligned[0]

    @cached_property
    def labels(self) -> list[str]:
        """Category labels, the union of both sides (categorical columns)."""
        out: list[str] = self._aligned[0].to_pylist()
        return out

    @property
    def ref_counts(self) -> IntArray:
        """Counts per label in the reference (categorical) or per fixed bin (numeric)."""
        if self.kind is Kind.CATEGORICAL:
            return self._aligned[1]
        return self._binned[0]

    @property
    def cur_counts(self) -> IntArray:
        """Counts per label in the current data (categorical) or per fixed bin (numeric)."""
        if self.kind is Kind.CATEGORICAL:
            return self._aligned[2]
        return self._binned[1]

    @property
    def share_errors(self) -> tuple[FloatArray, FloatArray]:
        """Bounds on the error of each share of :meth:`shares` (zeros when exact)."""
        if self.kind is Kind.CATEGORICAL:
            z = np.zeros(len(self.labels))
            return z, z
        return self._binned[2], self._binned[3]

    @property
    def is_binary(self) -> bool:
        """True for a categorical column with at most two categories over both sides."""
        return self.kind is Kind.CATEGORICAL and len(self.labels) <= 2

    @property
    def n_ref(self) -> int:
        """Non-missing reference values."""
        if self.kind is Kind.NUMERIC:
            return self._ref.n
        return int(self.ref_counts.sum())

    @property
    def n_cur(self) -> int:
        """Non-missing current values."""
        if self.kind is Kind.NUMERIC:
            return self._cur.n
        return int(self.cur_counts.sum())

    def shares(self) -> tuple[FloatArray, FloatArray]:
        """Frequencies per category, or per fixed histogram bin, for each side."""
        r = self.ref_counts.astype(np.float64)
        c = self.cur_counts.astype(np.float64)
        return r / r.sum(), c / c.sum()


def with_epsilon(p: FloatArray) -> FloatArray:
    """Replace empty shares by :data:`EPSILON` so log-based distances stay finite."""
    return np.where(p == 0, EPSILON, p)


def share_boxes(
    pair: ColumnPair,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Shares of both sides with the intervals the exact shares lie in (clipped to [0, 1])."""
    p, q = pair.shares()
    ep, eq = pair.share_errors
    return (
        p,
        q,
        np.clip(p - ep, 0, 1),
        np.clip(p + ep, 0, 1),
        np.clip(q - eq, 0, 1),
        np.clip(q + eq, 0, 1),
    )


def diagonal_term_bounds(
    term: Any,
    p_lo: FloatArray,
    p_hi: FloatArray,
    q_lo: FloatArray,
    q_hi: FloatArray,
) -> tuple[float, float]:
    """Bounds of ``sum_i term(p_i, q_i)`` over boxes, for a convex per-bin term that is 0 on the
    diagonal p = q and grows away from it along each axis (PSI, Jensen-Shannon, Hellinger).

    The maximum over a box lies at a corner (convexity); the minimum is 0 when the box meets
    the diagonal, else at the corner nearest to it.
    """
    corners = [term(a, b) for a in (p_lo, p_hi) for b in (q_lo, q_hi)]
    upper = np.max(np.vstack(corners), axis=0)
    lower = np.where(p_hi < q_lo, term(p_hi, q_lo), np.where(q_hi < p_lo, term(p_lo, q_hi), 0.0))
    return float(np.sum(lower)), float(np.sum(upper))


class StatTest:
    """Base class of a drift test. Subclasses set the class attributes and :meth:`run`."""

    name: ClassVar[str]
    kinds: ClassVar[tuple[Kind, ...]]
    output: ClassVar[Output]
    default_threshold: ClassVar[float]
    binary_only: ClassVar[bool] = False
    description: ClassVar[str] = ""
    threaded: ClassVar[bool] = False
    """Whether columns tested with it gain from running on threads: true only where a
    column's work is long numpy calls that release the GIL. Short calls between Python
    steps (every default test) hand the GIL back and forth, and two threads ran them
    20-60% slower than one."""

    def applies_to(self, pair: ColumnPair) -> bool:
        """Whether this test can run on the column."""
        return pair.kind in self.kinds and (not self.binary_only or pair.is_binary)

    def run(self, pair: ColumnPair) -> Outcome:
        """Compute the statistic (and p-value) for the column."""
        raise NotImplementedError

    def drifted(self, outcome: Outcome, threshold: float) -> bool:
        """Drift when p < threshold for p-value tests, or statistic >= threshold for distances."""
        if self.output is Output.P_VALUE:
            return outcome.p_value is not None and outcome.p_value < threshold
        return outcome.statistic >= threshold

    def undecided(self, outcome: Outcome, threshold: float) -> bool:
        """Whether a p-value interval from a summary straddles the threshold."""
        if self.output is not Output.P_VALUE or outcome.p_value_interval is None:
            return False
        lo, hi = outcome.p_value_interval
        return lo < threshold <= hi
