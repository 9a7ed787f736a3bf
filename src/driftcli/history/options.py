"""What ``compare --history`` does around a run: check the options, open the history,
re-decide the verdict for ``persisted``, tell ``--notify changes`` whether to alert,
record the run (or the failure), and give the HTML report its sparklines.

Exit codes: a history that cannot be written is one line on stderr, and turns a pass (0)
into 2 -- cron must not take an unrecorded run for a good one; a breach stays 1. The
run's other outputs are still written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from driftcli import __version__, text
from driftcli.errors import UsageError
from driftcli.gate import EXIT_ERROR, EXIT_PASSED
from driftcli.history import DEFAULT_MONITOR

if TYPE_CHECKING:
    from driftcli.history.store import History, Run
    from driftcli.result import Result

# The storage, the gating and the views are imported where a history is given: a compare
# without --history passes through here and needs none of them (sqlite3, rich: 30 ms).

#: Earlier runs drawn in each column's sparkline of the one-run HTML report.
SPARK_RUNS = 20
MAX_MONITOR = 200


def check(
    target: str | None, monitor: str | None, persist: int | None, fail_on: list[str], when: str
) -> None:
    """Refuse option combinations that need a history or make no sense, before any work."""
    if monitor is not None and not (0 < len(monitor.strip()) <= MAX_MONITOR):
        raise UsageError(f"--monitor: give a name of 1 to {MAX_MONITOR} characters")
    if persist is not None and persist < 1:
        raise UsageError(f"--persist must be at least 1, got {persist}")
    if persist is not None and "persisted" not in fail_on:
        raise UsageError("--persist applies to --fail-on persisted, which is not set")
    if target:
        return
    if "persisted" in fail_on:
        raise UsageError("--fail-on persisted needs --history DB (the earlier runs)")
    if when == "changes":
        raise UsageError("--notify changes needs --history DB (the previous verdict)")
    if monitor is not None:
        raise UsageError("--monitor names a check in a history; give --history DB too")


@contextmanager
def opened(target: str | None, state: MutableMapping[str, str | None]) -> Iterator[History | None]:
    """The history (created or migrated when needed), or None without ``--history``.

    A history that cannot be opened stops the run before anything is compared (exit 2);
    ``state["broken"]`` then keeps the error path from trying to record into it.
    """
    if not target:
        yield None
        return
    from driftcli.history.store import HistoryError, open_history

    try:
        hist = open_history(target)
    except HistoryError:
        state["broken"] = "yes"
        raise
    try:
        yield hist
    finally:
        hist.close()


@dataclass
class Past:
    """What the earlier runs of the monitor say about this one."""

    monitor: str = DEFAULT_MONITOR
    persist: int | None = None
    earlier: list[Run] = field(default_factory=list)
    previous: str | None = None
    hist: History | None = None
    recorded: int | None = None
    """The id of this run once :meth:`record` appended it."""

    @classmethod
    def read(
        cls, hist: History | None, monitor: str | None, persist: int | None, fail_on: list[str]
    ) -> Past:
        """Read the earlier runs needed (none without a history)."""
        name = monitor or DEFAULT_MONITOR
        if hist is None:
            return cls(name)
        from driftcli.history.gating import DEFAULT_PERSIST, _earlier, previous_verdict
        from driftcli.history.store import HistoryError

        n = (persist or DEFAULT_PERSIST) if "persisted" in fail_on else None
        try:
            earlier = _earlier(hist, name, SPARK_RUNS)
            return cls(name, n, earlier, previous_verdict(hist, name), hist)
        except HistoryError:
            raise
        except Exception as exc:
            raise HistoryError(f"{hist.target}: cannot read the history: {exc}") from exc

    def gate(self, result: Result) -> Result:
        """``result`` with ``persisted`` applied (unchanged when it is not in --fail-on)."""
        if self.hist is None or self.persist is None:
            return result
        from driftcli.history.gating import apply_persistence

        return apply_persistence(result, self.hist, self.monitor, self.persist)

    def changed(self, result: Result) -> bool | None:
        """For ``--notify changes``: whether the verdict differs from the previous run."""
        if self.hist is None:
            return None
        from driftcli.history.gating import verdict_changed

        return verdict_changed(result, self.previous)

    def record(self, hist: History | None, result: Result, code: int) -> int:
        """Append the run; returns the exit code (a failed write turns 0 into 2)."""
        if hist is None:
            return code
        from driftcli.history.store import HistoryError

        try:
            try:
                self.recorded = hist.record(result, monitor=self.monitor, exit_code=code)
            except HistoryError:
                raise
            except Exception as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise HistoryError(f"{hist.target}: cannot write the run: {first}") from exc
        except HistoryError as exc:
            print(f"driftcli: error: history not written: {text.terminal(exc)}", file=sys.stderr)
            return EXIT_ERROR if code == EXIT_PASSED else code
        return code

    def failed(self, message: str) -> None:
        """This run's outputs could not be written after it was recorded: its record says so
        (exit code 2, the reason), so the history never shows a run the scheduler saw fail
        as a pass or a breach. One line on stderr if even that fails."""
        if self.hist is None or self.recorded is None:
            return
        from driftcli.sources.base import first_line

        try:
            self.hist.mark_error(self.recorded, message)
        except Exception as exc:
            shown = text.terminal(first_line(exc))
            print(f"driftcli: error: history not updated: {shown}", file=sys.stderr)

    def forget(self) -> None:
        """Take this run's record back (Ctrl-C before its outputs were written: a run
        stopped at a terminal leaves the history as it was)."""
        if self.hist is not None and self.recorded is not None:
            self.hist.delete_runs([self.recorded])
            self.recorded = None

    def trends(self, result: Result) -> dict[str, dict[str, Any]] | None:
        """Per column, its sparkline (earlier runs and this one), for the HTML report."""
        if self.hist is None:
            return None
        from driftcli.history.store import run_of
        from driftcli.history.view import column_trend, trend_chart

        now = run_of(result, monitor=self.monitor, command="compare")
        runs = [*self.earlier[-(SPARK_RUNS - 1) :], now]
        return {
            c.name: trend_chart("", c.name, column_trend(runs, c.name), small=True)
            for c in result.columns
            if c.tested
        }


def record_failure(state: MutableMapping[str, str | None], message: str) -> None:
    """Record a run that could not run, when ``--history`` was given; one line if that fails."""
    target = state.get("target")
    if not target or state.get("recorded") or state.get("broken"):
        return
    state["recorded"] = "yes"
    from driftcli.history.store import open_history

    try:
        hist = open_history(target)
        try:
            hist.record_error(
                message,
                monitor=state.get("monitor") or DEFAULT_MONITOR,
                reference=state.get("reference"),
                current=state.get("current"),
                command=state.get("command") or "compare",
                version=__version__,
            )
        finally:
            hist.close()
    except Exception as exc:  # reported, never a traceback over the first error
        print(f"driftcli: error: history not written: {text.terminal(exc)}", file=sys.stderr)
