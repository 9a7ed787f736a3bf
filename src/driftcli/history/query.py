"""``driftcli history``: read a monitor's runs, then show them as a table, JSON or HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO

from driftcli.errors import UsageError
from driftcli.history import view
from driftcli.history.store import (
    DEFAULT_MONITOR,
    HistoryError,
    Run,
    canonical_time,
    open_history,
)


@dataclass
class Found:
    """The runs asked for, and which column and metric trends to show."""

    monitor: str
    runs: list[Run]
    columns: list[str]
    metrics: list[str]
    chosen_columns: bool
    chosen_metrics: bool


def parse_since(value: str) -> str:
    """``--since`` as the text runs are stored with (UTC); a one-line error otherwise."""
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since: expected a date such as 2026-01-31, got {value!r}") from None
    return canonical_time(value)


def load(
    database: str,
    *,
    monitor: str | None,
    columns: list[str],
    metrics: list[str],
    last: int | None,
    since: str | None,
) -> Found:
    """Read the runs of ``monitor``; refuse a monitor without runs, naming those with some."""
    if last is not None and last < 1:
        raise UsageError(f"--last must be at least 1, got {last}")
    start = parse_since(since) if since else None
    name = monitor or DEFAULT_MONITOR
    hist = open_history(database, create=False)
    try:
        try:
            if monitor is None and len(names := hist.monitors()) == 1:
                name = names[0]  # one monitor in the database: no need to name it
            runs = hist.runs(name, last=last, since=start)
            known = hist.monitors() if not runs else []
        except HistoryError:
            raise
        except Exception as exc:
            raise HistoryError(f"{hist.target}: cannot read the history: {exc}") from exc
    finally:
        hist.close()
    if not runs:
        where = f" since {since}" if since else ""
        others = f" (monitors with runs: {', '.join(known)})" if known else " (it has no runs)"
        raise HistoryError(f"{hist.target}: no runs of monitor {name!r}{where}{others}")
    seen_cols = view.column_names(runs)
    seen_mets = view.metric_names(runs)
    for col in columns:
        if col not in seen_cols:
            raise UsageError(f"--column: {col!r} is in no run of monitor {name!r}")
    for met in metrics:
        if met not in seen_mets:
            raise UsageError(f"--metric: {met!r} is in no run of monitor {name!r}")
    return Found(
        name,
        runs,
        columns or seen_cols,
        metrics or seen_mets,
        chosen_columns=bool(columns),
        chosen_metrics=bool(metrics),
    )


def write(found: Found, *, json_path: str | None, html_path: str | None, version: str) -> None:
    """Write the ``--json`` and ``--html`` views (both, or neither, as ``compare`` does)."""
    import sys

    from driftcli.cli import write_files

    doc = view.as_dict(found.monitor, found.runs, found.columns, found.metrics)
    files: list[tuple[str, str]] = []
    if json_path and json_path != "-":
        files.append((json_path, view.dumps(doc)))
    if html_path:
        page = view.render_html(found.monitor, found.runs, found.columns, found.metrics, version)
        files.append((html_path, page))
    write_files(files)
    if json_path == "-":
        sys.stdout.write(view.dumps(doc))


def show(found: Found, stream: IO[str]) -> None:
    """The runs table, and the trend tables of the columns and metrics asked for."""
    view.render_console(
        stream,
        found.monitor,
        found.runs,
        found.columns if found.chosen_columns else [],
        found.metrics if found.chosen_metrics else [],
    )
