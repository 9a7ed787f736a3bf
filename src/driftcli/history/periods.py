"""What ``timeline --history`` does: one run per complete, checked period, in period order.

Each period's run is its comparison against the reference, with the period as its current
window, stamped at the period's end (the moment its data was complete, when a nightly run
checking it would have started), so a timeline's runs sort among the monitor's other runs
by the data they checked. Periods already recorded for the same monitor, windows, reference
and settings digest are left out, so a timeline re-run every night records only the periods
completed since. Incomplete periods (ending after ``--as-of``) and periods too small to
check are not recorded: they carry no verdict yet.

``--fail-on persisted`` counts periods like runs: each period is re-decided against the runs
of the monitor before it (earlier periods of this timeline included).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from driftcli import text
from driftcli.gate import EXIT_ERROR, EXIT_PASSED
from driftcli.history.gating import gate_persisted
from driftcli.history.store import History, HistoryError, Run, canonical_time, run_of
from driftcli.result import Result
from driftcli.timeline import Timeline, regate

COMMAND = "timeline"


@dataclass
class Recorded:
    """How a timeline went into the history."""

    recorded: int = 0
    skipped: int = 0
    """Periods already in the history (same monitor, windows, reference, settings)."""
    not_recorded: int = 0
    """Periods shown but not recorded: incomplete, or too small to check."""

    def summary(self, monitor: str) -> str:
        """One line for stderr."""
        parts = [f"recorded {self.recorded} period(s) for monitor {monitor!r}"]
        if self.skipped:
            parts.append(f"skipped {self.skipped} already recorded")
        if self.not_recorded:
            parts.append(f"{self.not_recorded} incomplete or unchecked not recorded")
        return "history: " + "; ".join(parts)

    def as_dict(self, target: str, monitor: str) -> dict[str, object]:
        """The ``history`` key of the timeline JSON."""
        return {
            "target": target,
            "monitor": monitor,
            "recorded": self.recorded,
            "skipped": self.skipped,
            "not_recorded": self.not_recorded,
        }


def gate_periods(timeline: Timeline, hist: History, monitor: str, persist: int) -> None:
    """Re-decide every complete, checked period for ``persisted`` (in period order) and the
    timeline's verdict with them.

    A period's earlier runs are the monitor's runs stamped before it: those in the history,
    and this timeline's periods before it that are not recorded yet.
    """
    order = _complete(timeline)
    if not order:
        return
    first = canonical_time(timeline.results[order[0]].generated_at)
    try:
        pool = hist.runs(monitor, last=max(persist - 1, 1), until=first)
        pool += hist.runs(monitor, since=first)
    except HistoryError:
        raise
    except Exception as exc:
        raise HistoryError(f"{hist.target}: cannot read the history: {exc}") from exc
    stored = {(r.started_at, r.settings_digest) for r in pool}
    pool = [r for r in pool if r.ran]
    gated: dict[int, Result] = {}
    for i in order:
        result = timeline.results[i]
        now = canonical_time(result.generated_at)
        earlier = sorted((r for r in pool if r.started_at < now), key=_order)
        gated[i] = gate_persisted(result, earlier, persist)
        mine = run_of(gated[i], monitor=monitor, command=COMMAND, run_id=sys.maxsize)
        if (mine.started_at, mine.settings_digest) not in stored:
            pool.append(mine)
    regate(timeline, gated)


def _order(run: Run) -> tuple[str, int]:
    return run.started_at, run.id


def _complete(timeline: Timeline) -> list[int]:
    """Indexes of the periods that get a run: complete and checked, in order."""
    periods = timeline.data["periods"]
    return [i for i in sorted(timeline.results) if periods[i]["complete"]]


def record_periods(timeline: Timeline, hist: History, monitor: str) -> Recorded:
    """Append the runs of the complete, checked periods not yet recorded (one transaction).

    Raises :class:`HistoryError` (one line) when the history cannot be written.
    """
    order = _complete(timeline)
    items = [(timeline.results[i], int(timeline.results[i].exit_code)) for i in order]
    try:
        ids, skipped = hist.record_periods(items, monitor=monitor, command=COMMAND)
        timeline.recorded_ids = ids
    except HistoryError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise HistoryError(f"{hist.target}: cannot write the run: {first}") from exc
    shown = len(timeline.data["periods"])
    return Recorded(len(ids), skipped, shown - len(order))


def record(
    timeline: Timeline,
    hist: History,
    monitor: str,
    persist: int | None,
    *,
    quiet: bool,
) -> int:
    """Gate (``persisted``) and record the timeline; returns its exit code.

    A history that cannot be written is one line on stderr and turns a pass (0) into 2, as
    for ``compare``; the timeline's outputs are still written. The JSON gets a ``history``
    key saying what was recorded.
    """
    if persist is not None:
        gate_periods(timeline, hist, monitor, persist)
    code = int(timeline.data["verdict"]["exit_code"])
    try:
        done = record_periods(timeline, hist, monitor)
    except HistoryError as exc:
        print(f"driftcli: error: history not written: {text.terminal(exc)}", file=sys.stderr)
        timeline.data["history"] = {"target": hist.target, "monitor": monitor, "error": str(exc)}
        return EXIT_ERROR if code == EXIT_PASSED else code
    timeline.data["history"] = done.as_dict(hist.target, monitor)
    if not quiet:
        print(f"driftcli: {text.terminal(done.summary(monitor))}", file=sys.stderr)
    return code
