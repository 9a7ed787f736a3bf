"""Markdown summary for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

The verdict and its reasons, the dataset drift share, a table of drifted columns, the other
columns in a collapsed ``<details>`` block, schema changes and performance metrics. Every
string from the data goes through :func:`driftcli.text.markdown`: a column called ``a|b``
or ``**x**`` cannot break the table or the formatting, and no @mention, link, image, HTML or
control character from the data reaches the rendered comment.
"""

from __future__ import annotations

import os
from typing import Any

from driftcli.render.console import fmt, sort_key
from driftcli.render.writer import atomic_writer
from driftcli.result import ColumnResult, Result
from driftcli.text import markdown as escape


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


COLUMN_HEAD = ["column", "kind", "test", "statistic", "p-value", "threshold", "severity"]


def _column_row(col: ColumnResult) -> str:
    p = fmt(col.p_value)
    if col.p_value_adjusted is not None:
        p += f" (adj. {fmt(col.p_value_adjusted)})"
    return _row(
        [
            escape(col.name),
            escape(col.kind),
            escape(col.test or "-"),
            fmt(col.statistic),
            p,
            fmt(col.threshold),
            escape(col.severity),
        ]
    )


#: Rows per table or list before "+N more": a pull-request comment must stay well under
#: GitHub's limit of 65,536 characters however wide the data. JSON and HTML list every column.
MAX_ROWS = 50


def _more(total: int) -> list[str]:
    hidden = total - MAX_ROWS
    return ["", f"*... +{hidden} more (the JSON and HTML reports list all)*"] if hidden > 0 else []


def _table(cols: list[ColumnResult]) -> list[str]:
    rows = map(_column_row, cols[:MAX_ROWS])
    return [_row(COLUMN_HEAD), _row(["---"] * len(COLUMN_HEAD)), *rows, *_more(len(cols))]


def _performance(perf: dict[str, Any]) -> list[str]:
    metrics = perf.get("metrics") or []
    if not metrics:
        reason = perf.get("skipped_reason")
        return [f"**Performance:** not scored ({escape(reason)})", ""] if reason else []
    head = ["metric", "reference", "current", "change", "breached"]
    lines = [f"### Performance ({escape(perf.get('task', ''))})", "", _row(head)]
    lines.append(_row(["---"] * len(head)))
    for m in metrics:
        lines.append(
            _row(
                [
                    escape(m.get("name")),
                    fmt(m.get("reference")),
                    fmt(m.get("current")),
                    fmt(m.get("change")),
                    "**yes**" if m.get("breached") else "no",
                ]
            )
        )
    return [*lines, ""]


def _beyond(result: Result) -> list[str]:
    """Multivariate, missing-value, quality and segment sections."""
    from driftcli.analysis.report import tables

    lines: list[str] = []
    for t in tables(result):
        badge = (" ❌" if t.gating else " ⚠️ (not gating)") if t.breached else ""
        lines += [f"### {escape(t.title)}{badge}", ""]
        if t.rows:
            lines += [_row([escape(h) for h in t.head]), _row(["---"] * len(t.head))]
            lines += [_row([escape(c) for c in r]) for r in t.rows[:MAX_ROWS]]
            lines += [*_more(len(t.rows)), ""]
        lines += [*(f"- {escape(n)}" for n in t.notes), ""]
    return lines


def dumps(result: Result) -> str:
    """The Markdown document."""
    v, dd = result.verdict, result.dataset_drift
    icon, word = ("✅", "passed") if v.passed else ("❌", "breached")
    if v.passed and v.exit_code != 0:  # a pass whose alert or history failed: the step fails
        icon, word = "⚠️", "passed, but the run failed"
    ref, cur = result.reference, result.current
    lines = [
        f"## {icon} driftcli: drift check {word} (exit code {v.exit_code})",
        "",
        f"**Reference:** {escape(ref.path or ref.format)} ({ref.rows:,} rows × {ref.columns} "
        f"columns) · **Current:** {escape(cur.path or cur.format)} ({cur.rows:,} rows × "
        f"{cur.columns} columns)",
        "",
        f"**Dataset drift:** {dd.drifted_columns} of {dd.total_columns} tested columns drifted "
        f"({dd.share:.0%}; threshold {dd.threshold:.0%})",
        "",
    ]
    if v.reasons:
        shown = [f"- {escape(_cut(r))}" for r in v.reasons[:MAX_ROWS]]
        lines += [*shown, *_more(len(v.reasons)), ""]
    ordered = sorted(result.columns, key=sort_key)
    drifted = [c for c in ordered if c.drift]
    steady = [c for c in ordered if c.tested and not c.drift]
    skipped = [c for c in ordered if not c.tested]
    if drifted:
        lines += [f"### Drifted columns ({len(drifted)})", "", *_table(drifted), ""]
    if steady:
        lines += [
            "<details>",
            f"<summary>{len(steady)} column(s) without drift</summary>",
            "",
            *_table(steady),
            "",
            "</details>",
            "",
        ]
    if skipped:
        lines += [f"**Not tested ({len(skipped)}):**", ""]
        lines += [f"- {escape(c.name)}: {escape(c.skipped_reason)}" for c in skipped[:MAX_ROWS]]
        lines += [*_more(len(skipped)), ""]
    sc = result.schema_changes
    changes = [f"- missing from current: {escape(n)}" for n in sc.missing_in_current]
    changes += [f"- new in current: {escape(n)}" for n in sc.new_in_current]
    changes += [
        f"- type changed: {escape(t['column'])} ({escape(t['reference'])} → {escape(t['current'])})"
        for t in sc.type_changed
    ]
    if changes:
        lines += ["### Schema changes", "", *changes[:MAX_ROWS], *_more(len(changes)), ""]
    if result.performance:
        lines += _performance(result.performance)
    lines += _beyond(result)
    lines.append(f"<sub>driftcli {escape(result.driftcli_version)} · {result.generated_at}</sub>")
    return _within_limit(lines)


#: GitHub's limit on a comment or step summary, with room for what a workflow adds around it.
MAX_CHARS = 60_000
#: Longest line a reason or cell keeps in full.
MAX_LINE = 400


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _within_limit(lines: list[str]) -> str:
    """The document, cut at a line before ``MAX_CHARS`` if the rows per section were not
    enough (very long column names): a summary GitHub refuses is no summary at all."""
    text = "\n".join(lines) + "\n"
    if len(text) <= MAX_CHARS:
        return text
    note = "\n*... cut to stay within GitHub's comment size (the JSON and HTML list all)*\n"
    kept, size = [], len(note)
    for line in lines:
        if size + len(line) + 1 > MAX_CHARS:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + "\n" + note


def write(result: Result, path: str | os.PathLike[str]) -> None:
    """Write the Markdown summary atomically."""
    text = dumps(result)
    with atomic_writer(path) as fh:
        fh.write(text)
