"""Terminal view: a table of columns (drifted first), schema changes and a one-line verdict.

Colour and box drawing only on a terminal; plain ASCII when piped or when NO_COLOR is set.
"""

from __future__ import annotations

import os
from typing import IO

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftcli.result import ColumnResult, Result

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "none": 3}
SEVERITY_STYLE = {"high": "bold red", "medium": "red", "low": "yellow", "none": "green"}
#: Rows shown before "+N more" unless ``show_all``.
DEFAULT_MAX_ROWS = 40


def make_console(file: IO[str]) -> Console:
    """A console that degrades to plain, wide text when ``file`` is not a terminal."""
    tty = file.isatty()
    return Console(
        file=file,
        highlight=False,
        no_color=not tty or "NO_COLOR" in os.environ,
        width=None if tty else 200,
        emoji=False,
        soft_wrap=not tty,
    )


def fmt(value: float | None, digits: int = 4) -> str:
    """A number for the table: compact, scientific when tiny, '-' when absent."""
    if value is None:
        return "-"
    if value != 0 and abs(value) < 10 ** -(digits - 1):
        return f"{value:.2e}"
    return (
        f"{value:.{digits}g}"
        if abs(value) >= 1e4
        else f"{value:.{digits}f}".rstrip("0").rstrip(".")
    )


def sort_key(col: ColumnResult) -> tuple[int, int, str]:
    """Drifted first (worst severity first), then tested, then skipped; by name within."""
    group = 0 if col.drift else (1 if col.tested else 2)
    return group, SEVERITY_RANK.get(col.severity, 3), col.name


def render(result: Result, file: IO[str], *, show_all: bool = False) -> None:
    """Print the table and the verdict to ``file``."""
    console = make_console(file)
    tty = file.isatty()
    ref, cur = result.reference, result.current
    console.print(
        f"reference: {escape(ref.path or ref.format)} ({ref.rows:,} rows x {ref.columns} columns)"
        f"   current: {escape(cur.path or cur.format)} ({cur.rows:,} rows x {cur.columns} columns)"
    )
    table = Table(box=box.SIMPLE_HEAD if tty else box.ASCII2, show_edge=tty, pad_edge=False)
    for head in (
        "column",
        "kind",
        "test",
        "statistic",
        "p-value",
        "threshold",
        "drift",
        "severity",
    ):
        numeric = head in ("statistic", "p-value", "threshold")
        table.add_column(head, justify="right" if numeric else "left", overflow="fold")
    table.add_column("note", overflow="fold")

    rows: list[tuple[str, ...]] = []
    styles: list[str] = []
    for name in result.schema_changes.missing_in_current:
        rows.append((name, "-", "-", "-", "-", "-", "MISSING", "-", "missing from current"))
        styles.append("bold red")
    for col in sorted(result.columns, key=sort_key):
        note = col.skipped_reason or ""
        if col.effect_size and col.effect_size["name"] != col.test:
            note = f"{col.effect_size['name']}={fmt(col.effect_size['value'])}"
        rows.append(
            (
                col.name,
                col.kind,
                col.test or "-",
                fmt(col.statistic),
                fmt(col.p_value),
                fmt(col.threshold),
                "DRIFT" if col.drift else ("skipped" if not col.tested else "no"),
                col.severity,
                note,
            )
        )
        styles.append(SEVERITY_STYLE.get(col.severity, "") if col.tested else "dim")
    for name in result.schema_changes.new_in_current:
        rows.append((name, "-", "-", "-", "-", "-", "new", "-", "new in current (not tested)"))
        styles.append("dim")

    limit = len(rows) if show_all else DEFAULT_MAX_ROWS
    for row, style in zip(rows[:limit], styles[:limit], strict=True):
        table.add_row(*(escape(v) for v in row), style=style)
    console.print(table)
    if len(rows) > limit:
        console.print(f"... +{len(rows) - limit} more rows (use --show-all to list every column)")

    dd = result.dataset_drift
    console.print(
        f"drifted columns: {dd.drifted_columns} of {dd.total_columns} tested "
        f"({dd.share:.0%}; dataset drift at {dd.threshold:.0%})"
    )
    v = result.verdict
    label = "[bold green]PASSED[/]" if v.passed else "[bold red]BREACHED[/]"
    console.print(f"{label}: {escape('; '.join(v.reasons))}")
