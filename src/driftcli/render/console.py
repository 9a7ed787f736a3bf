"""Terminal view: a table of columns (drifted first), schema changes and a one-line verdict.

Colour and box drawing only on a terminal; plain ASCII when piped or when NO_COLOR is set.
"""

from __future__ import annotations

import os
from typing import IO, Any

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
    if result.settings.get("config_file"):  # which config file decided these settings
        console.print(f"config: {escape(str(result.settings['config_file']))}")
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
                fmt(col.p_value)
                + (
                    f" (adj. {fmt(col.p_value_adjusted)})"
                    if col.p_value_adjusted is not None
                    else ""
                ),
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

    render_model(result, console, tty)
    dd = result.dataset_drift
    console.print(
        f"drifted columns: {dd.drifted_columns} of {dd.total_columns} tested "
        f"({dd.share:.0%}; dataset drift at {dd.threshold:.0%})"
    )
    v = result.verdict
    label = "[bold green]PASSED[/]" if v.passed else "[bold red]BREACHED[/]"
    console.print(f"{label}: {escape('; '.join(v.reasons))}")


def _change(row: dict[str, Any]) -> str:
    change, rel = row.get("change"), row.get("relative_change")
    if change is None:
        return "-"
    text = ("+" if change > 0 else "") + fmt(change)
    return text + (f" ({rel * 100:+.1f}%)" if rel is not None else "")


def render_model(result: Result, console: Console, tty: bool) -> None:
    """The model-quality part: performance table, target/prediction drift and confidence."""
    perf, target, pred = result.performance, result.target_drift, result.prediction_drift
    if perf:
        kind = perf["task"] + (f", {perf['type']}" if perf.get("type") else "")
        if perf.get("pos_label") is not None and perf.get("type") == "binary":
            kind += f", positive class {perf['pos_label']!r}"
        roles = [f"target {perf['target']!r}"]
        if perf.get("prediction"):
            roles.append(f"prediction {perf['prediction']!r}")
        if perf.get("proba"):
            roles.append("proba " + ", ".join(repr(n) for n in perf["proba"]))
        console.print(escape(f"model quality ({kind}): {', '.join(roles)}"))
        rows = perf.get("rows") or {}
        used = [
            f"{side} {r['used']:,} of {r['rows']:,}" for side, r in rows.items() if r.get("dropped")
        ]
        if used:
            console.print(escape(f"rows scored (target and prediction present): {'; '.join(used)}"))
        if perf.get("skipped_reason"):
            console.print(f"[yellow]performance skipped[/]: {escape(perf['skipped_reason'])}")
        if perf.get("metrics"):
            table = Table(box=box.SIMPLE_HEAD if tty else box.ASCII2, show_edge=tty, pad_edge=False)
            for head in ("metric", "reference", "current", "change", "threshold", "status"):
                numeric = head in ("reference", "current", "change", "threshold")
                table.add_column(head, justify="right" if numeric else "left", overflow="fold")
            notes = any(row.get("note") for row in perf["metrics"])
            if notes:
                table.add_column("note", overflow="fold")
            for row in perf["metrics"]:
                sign = {"higher": ">= ", "lower": "<= ", "zero": "|x| <= "}[row["direction"]]
                threshold = "-" if row["threshold"] is None else sign + fmt(row["threshold"])
                status = (
                    "BREACH" if row["breached"] else ("ok" if row["current"] is not None else "-")
                )
                table.add_row(
                    *(
                        escape(v)
                        for v in (
                            row["name"],
                            fmt(row["reference"]),
                            fmt(row["current"]),
                            _change(row),
                            threshold,
                            status,
                            *([row.get("note") or ""] if notes else []),
                        )
                    ),
                    style="bold red" if row["breached"] else "",
                )
            console.print(table)
    drift_cols = (target or {}).get("columns", []) + (pred or {}).get("columns", [])
    if drift_cols:
        table = Table(box=box.SIMPLE_HEAD if tty else box.ASCII2, show_edge=tty, pad_edge=False)
        for head in ("model column", "role", "test", "statistic", "p-value", "threshold", "drift"):
            numeric = head in ("statistic", "p-value", "threshold")
            table.add_column(head, justify="right" if numeric else "left", overflow="fold")
        skips = any(col["skipped_reason"] for col in drift_cols)
        if skips:
            table.add_column("note", overflow="fold")
        for col in drift_cols:
            tested = col["skipped_reason"] is None
            table.add_row(
                *(
                    escape(v)
                    for v in (
                        col["name"],
                        col["role"],
                        col["test"] or "-",
                        fmt(col["statistic"]),
                        fmt(col["p_value"]),
                        fmt(col["threshold"]),
                        "DRIFT" if col["drift"] else ("no" if tested else "skipped"),
                        *([col["skipped_reason"] or ""] if skips else []),
                    )
                ),
                style=SEVERITY_STYLE.get(col["severity"], "") if tested else "dim",
            )
        console.print(table)
    if target and target.get("skipped_reason") and not perf:
        console.print(f"target drift skipped: {escape(target['skipped_reason'])}")
    conf = (pred or {}).get("confidence")
    if conf:
        r, c = conf["reference"], conf["current"]
        low = conf["low_threshold"]
        line = (
            f"confidence: mean top-class probability {fmt(r['mean_top_probability'])} -> "
            f"{fmt(c['mean_top_probability'])} (max drop {conf['max_drop']:g}); "
            f"share below {low:g}: {_share(r['low_confidence_share'])} -> "
            f"{_share(c['low_confidence_share'])}"
        )
        console.print(("[bold red]" + escape(line) + "[/]") if conf["breached"] else escape(line))


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"
