"""The contract every stat test follows, and the prepared column pair they all read.

A column is cleaned, sorted, binned and counted once (in :class:`ColumnPair`); every test
then reads what it needs from the pair, so adding a test never adds a pass over the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import ClassVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Share given to an empty bin by the log-based distances (PSI, KL), so that log(0) never occurs.
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
    """What a test returns: its statistic and, for hypothesis tests, the p-value."""

    statistic: float
    p_value: float | None = None


def sturges_edges(lo: float, hi: float, n: int) -> FloatArray:
    """Bin edges as ``numpy.histogram_bin_edges(x, bins="sturges")`` gives them.

    Computed from the range and size alone, so the two sides never need concatenating.
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
    bins = max(math.ceil((hi - lo) / width), 1)
    return np.linspace(lo, hi, bins + 1)


def histogram_sorted(sorted_values: FloatArray, edges: FloatArray) -> IntArray:
    """Counts per bin for already-sorted values, with numpy.histogram's edge rules.

    Bins are half-open ``[a, b)`` except the last, which is closed. Values outside the edges
    are not counted. O(bins * log n) instead of O(n).
    """
    idx = np.searchsorted(sorted_values, edges, side="left")
    idx[-1] = np.searchsorted(sorted_values, edges[-1], side="right")
    return np.diff(idx).astype(np.int64)


def quantiles_sorted(sorted_values: FloatArray, qs: npt.ArrayLike) -> FloatArray:
    """``numpy.quantile(sorted_values, qs)`` (method "linear") for already-sorted values.

    Reads the two neighbours of each quantile by index instead of partitioning a copy of the
    array, with numpy's own interpolation rule, so the numbers are identical.
    """
    q = np.asarray(qs, dtype=np.float64)
    n = sorted_values.size
    virtual = (n - 1) * q
    below = np.floor(virtual).astype(np.intp)
    above = below + 1
    last = virtual >= n - 1
    below[last] = -1
    above[last] = -1
    gamma = virtual - below
    a, b = sorted_values[below], sorted_values[above]
    diff = b - a
    out: FloatArray = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out


class ColumnPair:
    """One column of the reference and the current data, cleaned once for every test.

    Numeric columns hold sorted finite float64 values per side. Categorical columns hold
    the union of category labels and the counts per side, aligned with the labels.
    Missing values (null, NaN, and for numeric columns ±inf) never reach this object.
    """

    def __init__(
        self,
        kind: Kind,
        *,
        ref: FloatArray | None = None,
        cur: FloatArray | None = None,
        labels: list[str] | None = None,
        ref_counts: IntArray | None = None,
        cur_counts: IntArray | None = None,
    ) -> None:
        self.kind = kind
        self._ref = ref
        self._cur = cur
        self._labels = labels
        self._ref_counts = ref_counts
        self._cur_counts = cur_counts
        #: Seed for tests that resample (the Monte Carlo chi-square); set from ``--seed``.
        self.seed = 0

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def numeric(cls, ref: npt.ArrayLike, cur: npt.ArrayLike) -> ColumnPair:
        """Build from raw numeric values: drops NaN and ±inf, sorts each side."""
        r = np.asarray(ref, dtype=np.float64)
        c = np.asarray(cur, dtype=np.float64)
        r = np.sort(r[np.isfinite(r)])
        c = np.sort(c[np.isfinite(c)])
        return cls(Kind.NUMERIC, ref=r, cur=c)

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
        """Build from category counts per side; labels are ordered by total count, then name.

        A label counted zero times on both sides is no category at all and is dropped.
        """
        totals = {k: ref.get(k, 0) + cur.get(k, 0) for k in set(ref) | set(cur)}
        labels = sorted((k for k, n in totals.items() if n > 0), key=lambda k: (-totals[k], k))
        rc = np.array([ref.get(k, 0) for k in labels], dtype=np.int64)
        cc = np.array([cur.get(k, 0) for k in labels], dtype=np.int64)
        return cls(Kind.CATEGORICAL, labels=labels, ref_counts=rc, cur_counts=cc)

    # -- numeric views ------------------------------------------------------------------
    @property
    def ref(self) -> FloatArray:
        """Sorted finite reference values (numeric columns)."""
        assert self._ref is not None, "not a numeric column"
        return self._ref

    @property
    def cur(self) -> FloatArray:
        """Sorted finite current values (numeric columns)."""
        assert self._cur is not None, "not a numeric column"
        return self._cur

    @cached_property
    def ref_std(self) -> float:
        """Population standard deviation of the reference (numeric columns)."""
        return float(np.std(self.ref)) if self.ref.size else 0.0

    @cached_property
    def hist_edges(self) -> FloatArray:
        """Shared Sturges bin edges over both sides (numeric columns)."""
        lo = min(self.ref[0], self.cur[0])
        hi = max(self.ref[-1], self.cur[-1])
        return sturges_edges(float(lo), float(hi), self.ref.size + self.cur.size)

    # -- categorical views --------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """Category labels, the union of both sides (categorical columns)."""
        assert self._labels is not None, "not a categorical column"
        return self._labels

    @property
    def ref_counts(self) -> IntArray:
        """Counts per label in the reference (categorical) or per shared bin (numeric)."""
        if self.kind is Kind.CATEGORICAL:
            assert self._ref_counts is not None
            return self._ref_counts
        return self._binned[0]

    @property
    def cur_counts(self) -> IntArray:
        """Counts per label in the current data (categorical) or per shared bin (numeric)."""
        if self.kind is Kind.CATEGORICAL:
            assert self._cur_counts is not None
            return self._cur_counts
        return self._binned[1]

    @cached_property
    def _binned(self) -> tuple[IntArray, IntArray]:
        edges = self.hist_edges
        return histogram_sorted(self.ref, edges), histogram_sorted(self.cur, edges)

    @property
    def is_binary(self) -> bool:
        """True for a categorical column with at most two categories over both sides."""
        return self.kind is Kind.CATEGORICAL and len(self.labels) <= 2

    @property
    def n_ref(self) -> int:
        """Non-missing reference values."""
        return int(self.ref.size if self.kind is Kind.NUMERIC else self.ref_counts.sum())

    @property
    def n_cur(self) -> int:
        """Non-missing current values."""
        return int(self.cur.size if self.kind is Kind.NUMERIC else self.cur_counts.sum())

    def shares(self) -> tuple[FloatArray, FloatArray]:
        """Frequencies per category, or per shared histogram bin, for each side."""
        r = self.ref_counts.astype(np.float64)
        c = self.cur_counts.astype(np.float64)
        return r / r.sum(), c / c.sum()


def cdf_gaps(u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``F_u - F_v`` on each interval between consecutive pooled values, and the interval widths.

    Both samples arrive sorted, so the stable argsort of their concatenation is a merge of two
    runs (linear time), and the CDFs are running counts of which side each pooled value came
    from, with no binary searches. The pooled order is the one of
    ``scipy.stats.wasserstein_distance`` and ``energy_distance``. Within a run of tied values
    only the last gap is the CDF difference; the others sit on zero-width intervals and
    contribute nothing to any integral.
    """
    n, m = u.size, v.size
    both = np.concatenate([u, v])
    order = np.argsort(both, kind="stable")  # ties: u values first, as searchsorted "right"
    widths = np.diff(both[order])
    from_u = order[:-1] < n
    del both, order  # two arrays of n + m values fewer held while the CDFs are built
    cu = np.cumsum(from_u, dtype=np.int64)  # u values among the first i + 1 pooled
    cv = np.arange(1, n + m, dtype=np.int64)
    cv -= cu
    gaps = cu / n
    gaps -= cv / m
    return gaps, widths


def with_epsilon(p: FloatArray) -> FloatArray:
    """Replace empty shares by :data:`EPSILON` so log-based distances stay finite."""
    return np.where(p == 0, EPSILON, p)


class StatTest:
    """Base class of a drift test. Subclasses set the class attributes and :meth:`run`."""

    name: ClassVar[str]
    kinds: ClassVar[tuple[Kind, ...]]
    output: ClassVar[Output]
    default_threshold: ClassVar[float]
    binary_only: ClassVar[bool] = False
    description: ClassVar[str] = ""

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
