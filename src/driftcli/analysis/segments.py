"""Segments: the drift tests and model metrics per value of a column.

A shift confined to one segment averages away over the whole data. With ``--segment-by COL``
each side is profiled once per value of ``COL`` while it streams (each batch is grouped by the
column), the largest ``max_segments`` reference segments are compared one by one with the
same settings, and the rest are pooled as ``(other)``. Values seen while streaming beyond
:data:`MAX_BUILDERS` go straight to ``(other)``, which bounds memory.

Disparity: for each model metric, each segment's current value is compared with the best
segment's (ratio segment / best for higher-is-better metrics, best / segment for
lower-is-better ones); a ratio under ``min_segment_ratio`` (0.8: the four-fifths rule) is a
breach of the ``segment`` condition, as is a segment whose dataset drift is detected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from driftcli.errors import DriftcliError
from driftcli.profiles import Profile, ProfileBuilder
from driftcli.result import Result

#: Distinct segment values profiled apart while streaming; later values join ``(other)``.
MAX_BUILDERS = 100
OTHER = "(other)"
MISSING = "(missing)"

Factory = Callable[[], ProfileBuilder]


def segment_codes(col: pa.Array | pa.ChunkedArray) -> tuple[list[str], np.ndarray[Any, Any]]:
    """The distinct segment values of ``col`` as text (missing -> ``(missing)``) and, per
    row, the index of its value: dictionary encoding keeps this vectorized."""
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    values = [MISSING if v is None else str(v) for v in col.dictionary.to_pylist()]
    codes = np.asarray(pc.fill_null(col.indices, len(values)).to_numpy(zero_copy_only=False))
    return [*values, MISSING], codes.astype(np.int64)


class SegmentedBuilder:
    """One profile builder per segment value; feed it whole batches."""

    def __init__(self, column: str, factory: Factory) -> None:
        self.column = column
        self.factory = factory
        self.builders: dict[str, ProfileBuilder] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        """Route each row of ``batch`` to its segment's builder."""
        values, codes = segment_codes(batch.column(batch.schema.get_field_index(self.column)))
        present = [values[c] for c in np.unique(codes)]
        room = MAX_BUILDERS - len(self.builders)
        keys: dict[str, str] = {}
        for value in dict.fromkeys(present):  # first come, first kept; beyond: (other)
            if value in self.builders or value in keys.values():
                keys[value] = value
            elif room > 0:
                keys[value], room = value, room - 1
            else:
                keys[value] = OTHER
        row_keys = np.array([keys.get(v, OTHER) for v in values], dtype=object)[codes]
        for key in sorted(set(keys.values())):
            mask = row_keys == key
            if key not in self.builders:
                self.builders[key] = self.factory()
            self.builders[key].add(batch.filter(pa.array(mask)))

    def finish(self, path: str | None, fmt: str) -> dict[str, Profile]:
        """The profile of each segment value."""
        return {k: b.finish(path=path, fmt=fmt) for k, b in self.builders.items()}


def pool(
    ref: dict[str, Profile], cur: dict[str, Profile], keep: int
) -> tuple[dict[str, Profile], dict[str, Profile]]:
    """The largest ``keep`` reference segments as they are, every other one merged into
    ``(other)`` on both sides (a segment only the current side has is pooled too)."""
    order = sorted(ref, key=lambda k: (-ref[k].rows, k))
    top = [k for k in order if k != OTHER][:keep]

    def pooled(side: dict[str, Profile]) -> dict[str, Profile]:
        out = {k: side[k] for k in top if k in side}
        rest = [p for k, p in side.items() if k not in top]
        if rest:
            out[OTHER] = rest[0].merge(*rest[1:])
        return out

    return pooled(ref), pooled(cur)


def compare_segments(
    column: str,
    ref: dict[str, Profile],
    cur: dict[str, Profile],
    run: Callable[[Profile, Profile], Result],
    *,
    min_ratio: float | None,
    directions: dict[str, str],
) -> dict[str, Any]:
    """Compare each segment; the disparity check over their model metrics."""
    rows: list[dict[str, Any]] = []
    for value in [*ref, *(k for k in cur if k not in ref)]:
        row: dict[str, Any] = {
            "value": value,
            "reference_rows": ref[value].rows if value in ref else 0,
            "current_rows": cur[value].rows if value in cur else 0,
            "drifted_columns": [],
            "dataset_drift": False,
            "share": None,
            "metrics": {},
            "skipped_reason": None,
        }
        if value not in ref or value not in cur:
            row["skipped_reason"] = "only in " + ("current" if value not in ref else "reference")
            rows.append(row)
            continue
        try:
            res = run(ref[value], cur[value])
        except DriftcliError as err:
            row["skipped_reason"] = str(err).splitlines()[0]
            rows.append(row)
            continue
        row["drifted_columns"] = [c.name for c in res.columns if c.drift]
        row["dataset_drift"] = res.dataset_drift.detected
        row["share"] = res.dataset_drift.share
        perf = res.performance or {}
        row["metrics"] = {
            m["name"]: m.get("current")
            for m in perf.get("metrics", [])
            if m.get("current") is not None
        }
        rows.append(row)
    disparity = _disparity(rows, min_ratio, directions)
    breaches = [
        f"segment {column}={r['value']}: dataset drift ({len(r['drifted_columns'])} "
        f"column(s): {_first(r['drifted_columns'])})"
        for r in rows
        if r["dataset_drift"]
    ]
    breaches += [
        f"segment {column}={d['value']}: {d['metric']} is {d['ratio']:.2f} of the best "
        f"segment's ({d['best']}), below {min_ratio}"
        for d in disparity
        if d["breached"]
    ]
    return {"column": column, "segments": rows, "disparity": disparity, "breaches": breaches}


def _first(names: list[str], limit: int = 3) -> str:
    """The first ``limit`` names, and how many more there are."""
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def _disparity(
    rows: list[dict[str, Any]], min_ratio: float | None, directions: dict[str, str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    metrics = sorted({m for r in rows for m in r["metrics"]})
    for metric in metrics:
        way = directions.get(metric)
        if way not in ("higher", "lower"):
            continue
        vals = {r["value"]: float(r["metrics"][metric]) for r in rows if metric in r["metrics"]}
        if len(vals) < 2:
            continue
        best_key = (max if way == "higher" else min)(vals, key=lambda k: vals[k])
        best = vals[best_key]
        for value, v in vals.items():
            if way == "higher":
                ratio = v / best if best > 0 else 1.0
            else:
                ratio = best / v if v > 0 else 1.0
            breached = min_ratio is not None and ratio < min_ratio
            out.append(
                {
                    "metric": metric,
                    "value": value,
                    "current": v,
                    "best": best_key,
                    "ratio": ratio,
                    "breached": breached,
                }
            )
    return out


def merge_sections(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """The result's ``segments`` key: one entry per --segment-by column, all breaches."""
    return {
        "by": sections,
        "breaches": [b for s in sections for b in s["breaches"]],
    }


__all__ = [
    "OTHER",
    "SegmentedBuilder",
    "compare_segments",
    "merge_sections",
    "pool",
    "segment_codes",
]
