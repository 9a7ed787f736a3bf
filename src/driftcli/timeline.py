"""``driftcli timeline``: one source cut into periods by its time column, every period's
drift against a reference and against the period before (as popmon compares time slots).

One pass over the source: each batch's rows are grouped by period and added to that
period's profile; then profiles are compared. Periods are aligned in UTC: ``Nh`` to the
hour, ``Nd`` to midnight, ``Nw`` to Monday midnight, ``Nmo`` to the first of the month.
A period that ends after ``--as-of`` is incomplete: shown, marked, never gated. A period
(or reference) with fewer than ``min_rows`` rows is shown as not checked. The exit code is
that of the latest complete, checked period against the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa

from driftcli import __version__
from driftcli.api import BATCH_ROWS, _build, _evaluate_model, _is_profile_path, wanted_columns
from driftcli.api import profile as build_profile
from driftcli.comparison import compare_profiles
from driftcli.errors import InputError, UsageError
from driftcli.model import ModelStats, role_columns
from driftcli.profiles import Profile, ProfileBuilder
from driftcli.result import Result, jsonable
from driftcli.settings import Settings
from driftcli.sources.sql import is_database_url
from driftcli.windows import (
    Bounds,
    Selection,
    after,
    iso,
    iter_batches_with_time,
    open_side,
    parse_as_of,
    parse_window,
    span,
    windowed,
)

#: Bumped when a key of the timeline JSON changes meaning or disappears.
TIMELINE_SCHEMA_VERSION = 1
_EVERY = re.compile(r"^\s*(\d+)\s*(h|d|w|mo)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Every:
    """A period length: ``n`` hours, days, weeks or months."""

    n: int
    unit: str

    def floor(self, t: datetime) -> datetime:
        """The start of the aligned period holding ``t`` (unit-aligned, n = 1 grid)."""
        if self.unit == "h":
            return t.replace(minute=0, second=0, microsecond=0)
        day = t.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.unit == "d":
            return day
        if self.unit == "w":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    def next(self, t: datetime) -> datetime:
        """The start of the period after the one starting at ``t``."""
        if self.unit == "h":
            return t + timedelta(hours=self.n)
        if self.unit == "d":
            return t + timedelta(days=self.n)
        if self.unit == "w":
            return t + timedelta(weeks=self.n)
        months = t.month - 1 + self.n
        return t.replace(year=t.year + months // 12, month=months % 12 + 1)


def parse_every(text: str) -> Every:
    """``1h``, ``1d``, ``1w``, ``1mo`` (any positive count)."""
    m = _EVERY.match(text)
    if not m or int(m.group(1)) < 1:
        raise UsageError(f"--every: {text!r} is not a period such as 1h, 1d, 1w or 1mo")
    return Every(int(m.group(1)), m.group(2).lower())


def period_edges(first: datetime, as_of: datetime, every: Every) -> list[datetime]:
    """Period starts from the one holding ``first`` up to the first start at or after
    ``as_of`` (so the last period may end after ``as_of``: incomplete)."""
    edges = [every.floor(first)]
    while edges[-1] < as_of:
        edges.append(every.next(edges[-1]))
    if len(edges) == 1:
        edges.append(every.next(edges[0]))
    return edges


def _column_view(result: Result) -> dict[str, dict[str, Any]]:
    return {
        c.name: {
            "test": c.test,
            "statistic": c.statistic,
            "threshold": c.threshold,
            "drift": c.drift,
            "severity": c.severity if c.tested else None,
            "skipped_reason": c.skipped_reason,
        }
        for c in result.columns
    }


def _comparison(result: Result) -> dict[str, Any]:
    return {
        "exit_code": result.exit_code,
        "passed": result.verdict.passed,
        "reasons": result.verdict.reasons,
        "drifted": [c.name for c in result.drifted],
        "dataset_drift": result.dataset_drift.detected,
        "columns": _column_view(result),
    }


@dataclass
class Timeline:
    """A timeline: its JSON object, and (when kept) each checked period's comparison
    against the reference as a full :class:`Result`, by period index (for ``--history``)."""

    data: dict[str, Any]
    results: dict[int, Result] = field(default_factory=dict)
    recorded_ids: list[int] = field(default_factory=list)
    """History run ids this timeline appended (taken back if its outputs cannot be written)."""


def run_timeline(
    data: Any,
    settings: Settings,
    selection: Selection,
    *,
    every: str,
    reference: Any = None,
) -> dict[str, Any]:
    """The timeline of ``data`` as the JSON object ``driftcli timeline --json`` writes."""
    return build_timeline(data, settings, selection, every=every, reference=reference).data


def build_timeline(
    data: Any,
    settings: Settings,
    selection: Selection,
    *,
    every: str,
    reference: Any = None,
    keep_results: bool = False,
) -> Timeline:
    """The timeline of ``data``; with ``keep_results`` also every checked period's
    :class:`Result` against the reference, its sides carrying their windows."""
    selection.check()
    column = selection.time_column
    if not column:
        raise UsageError("timeline needs --time-column")
    if reference is not None and selection.reference_window:
        raise UsageError("give --reference or --reference-window, not both")
    if selection.current_window:
        raise UsageError("timeline takes --every, not --current-window")
    period = parse_every(every)
    opts: dict[str, Any] = {
        "delimiter": settings.delimiter,
        "encoding": settings.encoding,
        "na_values": settings.na_values,
    }
    base = open_side(data, "current", selection, sample=True, **opts)
    sp = span(data, base, column)
    if sp.first is None or sp.latest is None:
        raise InputError(f"{base.where}: the time column {column!r} holds no timestamps")
    as_of = parse_as_of(selection.as_of) or after(sp.latest)
    edges = period_edges(sp.first, as_of, period)
    # every period's rows, read once (a database side filtered by the periods' span)
    rows = windowed(data, base, column, Bounds(edges[0], edges[-1]), keep_time=True)
    names = wanted_columns([n for n in rows.schema().names if n != column], settings)
    if not names:
        raise InputError(f"{base.where}: no columns to compare besides {column!r}")
    profiles = _period_profiles(rows, names, column, edges, settings)

    ref_info: dict[str, Any]
    if reference is not None:
        ignore = [*settings.ignore, column]
        ref_settings = settings.updated(ignore=ignore).validate()
        if isinstance(reference, Profile) or _is_profile_path(reference):
            ref = build_profile(reference, ref_settings)
        elif is_database_url(reference):  # read with the same --table / --query
            ref_source = open_side(reference, "reference", selection, **opts)
            ref = _build(ref_source, "reference", ref_settings, None)
        else:
            ref = build_profile(reference, ref_settings, role="reference")
        ref_info = {"kind": "input", "path": ref.path, "rows": ref.rows, "window": None}
    elif selection.reference_window:
        spec = parse_window(selection.reference_window, "--reference-window")
        if spec.duration is not None:
            b = Bounds(edges[0], edges[0] + spec.duration)
        else:
            assert spec.start is not None and spec.end is not None
            b = Bounds(spec.start, spec.end)
        src = windowed(data, base, column, b)
        src.role = "reference"
        ref = _build(src, "reference", settings, None)
        if ref.rows == 0:
            raise InputError(f"{base.where}: the reference window {b} holds no rows")
        ref_info = {
            "kind": "window",
            "path": base.path,
            "rows": ref.rows,
            "window": {"start": iso(b.start), "end": iso(b.end)},
        }
    else:
        ref = profiles[0]
        ref_info = {
            "kind": "first period",
            "path": base.path,
            "rows": ref.rows,
            "window": {"start": iso(edges[0]), "end": iso(edges[1])},
        }

    periods: list[dict[str, Any]] = []
    results: dict[int, Result] = {}
    prev: Profile | None = None
    min_rows = settings.min_rows
    for i, prof in enumerate(profiles):
        start, end = edges[i], edges[i + 1]
        complete = end <= as_of
        entry: dict[str, Any] = {
            "start": iso(start),
            "end": iso(end),
            "rows": prof.rows,
            "complete": complete,
            "checked": False,
            "note": None,
            "vs_reference": None,
            "vs_previous": None,
        }
        if prof.rows < min_rows:
            entry["note"] = f"not checked: {prof.rows:,} rows, fewer than min_rows = {min_rows}"
        elif ref.rows < min_rows:
            entry["note"] = f"not checked: the reference has fewer than min_rows = {min_rows} rows"
        else:
            entry["checked"] = True
            r = compare_profiles(ref, prof, settings, evaluate_model=_evaluate_model)
            entry["vs_reference"] = _comparison(r)
            if keep_results:
                ref_spec = selection.reference_window or str(ref_info["kind"])
                results[i] = _with_windows(r, ref_info, ref_spec, entry, column, every, as_of)
            if prev is not None and prev.rows >= min_rows:
                p = compare_profiles(prev, prof, settings, evaluate_model=_evaluate_model)
                entry["vs_previous"] = _comparison(p)
        if not complete:
            entry["note"] = "incomplete (ends after --as-of): not gated" + (
                f"; {entry['note']}" if entry["note"] else ""
            )
        periods.append(entry)
        prev = prof

    if not any(p["complete"] and p["checked"] for p in periods):
        raise InputError(
            f"{base.where}: no complete period with at least min_rows = {min_rows} rows; "
            "nothing could be checked"
        )
    out = {
        "schema_version": TIMELINE_SCHEMA_VERSION,
        "kind": "timeline",
        "driftcli_version": __version__,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": {
            "path": base.path,
            "format": base.format,
            "time_column": column,
            "every": every,
            "as_of": iso(as_of),
            "first": iso(sp.first),
            "latest": iso(sp.latest),
        },
        "reference": ref_info,
        "columns": names,
        "periods": periods,
        "verdict": latest_verdict(periods),
    }
    return Timeline(dict(jsonable(out)), results)


def latest_verdict(periods: list[dict[str, Any]]) -> dict[str, Any]:
    """The timeline's verdict: that of the latest complete, checked period."""
    last = [p for p in periods if p["complete"] and p["checked"]][-1]
    return {
        "passed": last["vs_reference"]["exit_code"] == 0,
        "exit_code": last["vs_reference"]["exit_code"],
        "period": {"start": last["start"], "end": last["end"]},
        "reasons": [
            f"period {last['start']}..{last['end']}: {r}" for r in last["vs_reference"]["reasons"]
        ],
    }


def regate(timeline: Timeline, gated: dict[int, Result]) -> None:
    """Replace periods' comparisons with re-decided results (``--fail-on persisted``) and
    recompute the verdict from them."""
    periods = timeline.data["periods"]
    for i, result in gated.items():
        timeline.results[i] = result
        periods[i]["vs_reference"] = jsonable(_comparison(result))
    timeline.data["verdict"] = jsonable(latest_verdict(periods))


def _with_windows(
    result: Result,
    ref_info: dict[str, Any],
    ref_spec: str,
    period: dict[str, Any],
    column: str,
    every: str,
    as_of: datetime,
) -> Result:
    """``result`` with the period's window on its current side and the reference's on its
    reference side (as ``compare`` with windows has), stamped at the period's end: the
    moment its data was complete, which is when a run checking it would have started."""
    cur = replace(
        result.current,
        window={
            "time_column": column,
            "start": period["start"],
            "end": period["end"],
            "spec": every,
            "as_of": iso(as_of),
            "rows": period["rows"],
        },
    )
    ref_window = ref_info.get("window")
    ref = replace(
        result.reference,
        window=(
            {"time_column": column, **ref_window, "spec": ref_spec, "rows": ref_info["rows"]}
            if ref_window
            else None
        ),
    )
    return replace(result, reference=ref, current=cur, generated_at=period["end"])


def _period_profiles(
    source: Any, names: list[str], column: str, edges: list[datetime], settings: Settings
) -> list[Profile]:
    """One profile per period, in one pass (rows before the first edge or at/after the
    last are left out)."""
    schema = pa.schema([source.schema().field(n) for n in names])
    roles = [c for c in role_columns(settings) if c in names]
    numerical = [n for n in settings.numerical if n in names]
    builders: dict[int, ProfileBuilder] = {}

    def builder(i: int) -> ProfileBuilder:
        if i not in builders:
            model = ModelStats.empty(settings, exact_limit=settings.exact_limit) if roles else None
            builders[i] = ProfileBuilder(
                schema,
                role=f"period {i + 1}",
                numerical=numerical,
                exact_limit=settings.exact_limit,
                model=model,
                model_columns=roles,
            )
        return builders[i]

    edge_us = np.array([int((e - datetime(1970, 1, 1)).total_seconds() * 1e6) for e in edges])
    for batch, ts in iter_batches_with_time(source, names, column, BATCH_ROWS):
        micros = ts.cast(pa.int64()).fill_null(-(2**62))
        idx = np.searchsorted(edge_us, micros.to_numpy(zero_copy_only=False), side="right") - 1
        idx[idx >= len(edges) - 1] = -1
        for i in np.unique(idx):
            if i < 0:
                continue
            part = batch.filter(pa.array(idx == i))
            builder(int(i)).add(part)
    out = []
    for i in range(len(edges) - 1):
        if i in builders:
            out.append(builders[i].finish(path=source.path, fmt=source.format))
        else:
            empty = ProfileBuilder(schema, role=f"period {i + 1}", exact_limit=settings.exact_limit)
            out.append(empty.finish(path=source.path, fmt=source.format))
    return out
