"""Terminal view: a table of columns (drifted first), schema changes and a one-line verdict.

Colour and box drawing only on a terminal; plain ASCII rules (``+``, ``-``, ``|``) and no
colour when piped or when ``NO_COLOR`` is set. The table never misleads: numbers, kinds,
test names and verdict words never wrap; a long note is cut with an ellipsis; below
:data:`COMPACT_WIDTH` columns a compact layout drops the kind, threshold and severity
columns (the drift cell then says ``DRIFT high``). Piped output has no trailing spaces.

Every string from the data goes through :func:`driftcli.text.terminal` (controls shown as
``\\x1b``-style escapes) and rich's markup escape, and every printed line through
:func:`driftcli.text.guard_line`, so no line can start a GitHub Actions workflow command.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftcli.result import ColumnResult, Result
from driftcli.text import guard_lines, terminal

if TYPE_CHECKING:
    from driftcli.analysis.report import Table as Section

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "none": 3}
SEVERITY_STYLE = {"high": "bold red", "medium": "red", "low": "yellow", "none": "green"}
#: Rows shown before "+N more" unless ``show_all``.
DEFAULT_MAX_ROWS = 40
#: Narrower than this, the table uses the compact layout.
COMPACT_WIDTH = 100
#: Width of piped output when ``COLUMNS`` does not say.
PIPED_WIDTH = 200


def plain(file: IO[str]) -> bool:
    """No colour and no box drawing: not a terminal, or ``NO_COLOR`` set (any value)."""
    return not file.isatty() or "NO_COLOR" in os.environ


def _width(file: IO[str]) -> int | None:
    """Piped output: ``COLUMNS`` when set, else :data:`PIPED_WIDTH`; a terminal: its own."""
    if file.isatty():
        return None
    cols = os.environ.get("COLUMNS", "")
    return int(cols) if cols.isdigit() and int(cols) >= 20 else PIPED_WIDTH


def make_console(file: IO[str], *, width: int | None = None) -> Console:
    """A console for ``file``: plain, fixed-width text when it is not a terminal."""
    tty = file.isatty()
    return Console(
        file=file,
        highlight=False,
        no_color=plain(file),
        color_system=None if plain(file) else "auto",  # plain: no escapes at all, not even bold
        width=width or _width(file),
        emoji=False,
        soft_wrap=not tty,
        safe_box=True,
    )


def cell(value: object) -> str:
    """A string from the data, safe for a rich cell: controls shown, markup escaped."""
    return escape(terminal(value))


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


@dataclass(frozen=True)
class Head:
    """One table column: its heading and how its cells may be laid out."""

    name: str
    numeric: bool = False
    wrap: bool = False  # only the column name folds
    note: bool = False  # the note is cut with an ellipsis


def _cut(value: str, width: int) -> str:
    """``value`` in at most ``width`` cells, ending in ``...`` when cut (plain ASCII)."""
    if cell_len(value) <= width:
        return value
    return set_cell_size(value, max(width - 3, 0)).rstrip() + "..."


def table(
    heads: Sequence[Head],
    rows: Sequence[Sequence[str]],
    styles: Sequence[str],
    *,
    width: int,
    plain_text: bool,
    compact: bool = False,
) -> Table:
    """A table that fits ``width``: fixed columns at their natural width (never wrapped),
    the name column folded when it must be, the note column cut with ``...``.

    ``rows`` hold raw text from the data; every cell is made safe here (:func:`cell`).
    The widths are computed here rather than left to rich, which would shrink every
    column, numbers included, once a long note makes the table too wide. In the compact
    layout a column with no value in any row (all ``-``) is left out.
    """
    rows = [[terminal(v) for v in r] for r in rows]
    if compact:
        keep = [
            i
            for i, h in enumerate(heads)
            if h.wrap or h.note or any(r[i] not in ("-", "") for r in rows)
        ]
        heads = [heads[i] for i in keep]
        rows = [[r[i] for i in keep] for r in rows]
    boxed = not compact
    t = Table(
        box=(box.ASCII2 if plain_text else box.SIMPLE_HEAD) if boxed else None,
        show_edge=boxed and not plain_text,
        pad_edge=False,
        collapse_padding=True,
        padding=(0, 1),
    )
    natural = [
        max([cell_len(h.name), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(heads)
    ]
    gap = 3 if boxed else 1
    overhead = gap * (len(heads) - 1) + (4 if t.show_edge else 0) + 1
    fixed = sum(n for h, n in zip(heads, natural, strict=True) if not (h.wrap or h.note))
    free = max(width - overhead - fixed, 0)
    name_natural = sum(n for h, n in zip(heads, natural, strict=True) if h.wrap)
    note_natural = sum(n for h, n in zip(heads, natural, strict=True) if h.note)
    note_min = min(note_natural, 6)
    name_width = max(min(name_natural, free - note_min), min(name_natural, 8))
    note_width = max(min(note_natural, free - name_width), min(note_natural, 4))
    for h in heads:
        if h.note:
            t.add_column(h.name, overflow="ellipsis", no_wrap=True, width=note_width)
        elif h.wrap:
            t.add_column(h.name, overflow="fold", width=name_width)
        else:
            t.add_column(h.name, justify="right" if h.numeric else "left", no_wrap=True)
    notes = {i for i, h in enumerate(heads) if h.note}
    for cells, style in zip(rows, styles, strict=True):
        shown = [_cut(v, note_width) if i in notes else v for i, v in enumerate(cells)]
        t.add_row(*(escape(v) for v in shown), style=style)
    return t


def column_rows(result: Result, compact: bool) -> tuple[list[Head], list[list[str]], list[str]]:
    """Headings, cells (raw text: :func:`table` makes them safe) and row styles."""
    adjusted = any(c.p_value_adjusted is not None for c in result.columns)
    heads = [Head("column", wrap=True)]
    if not compact:
        heads.append(Head("kind"))
    heads += [Head("test"), Head("statistic", numeric=True)]
    if compact:
        heads.append(Head("adj. p" if adjusted else "p-value", numeric=True))
    else:
        heads.append(Head("p-value", numeric=True))
        if adjusted:
            heads.append(Head("adj. p", numeric=True))
        heads += [Head("threshold", numeric=True)]
    heads.append(Head("drift"))
    if not compact:
        heads.append(Head("severity"))
    heads.append(Head("note", note=True))

    def row(col: ColumnResult | None, name: str, drift: str, note: str) -> list[str]:
        sev = col.severity if col else "-"
        if compact and col and col.drift:
            drift = f"{drift} {sev}"
        cells = [name]
        if not compact:
            cells.append(col.kind if col else "-")
        cells += [col.test or "-" if col else "-", fmt(col.statistic) if col else "-"]
        p, adj = (fmt(col.p_value), fmt(col.p_value_adjusted)) if col else ("-", "-")
        if compact:
            cells.append(adj if adjusted else p)
        else:
            cells += [p, adj] if adjusted else [p]
            cells.append(fmt(col.threshold) if col else "-")
        cells.append(drift)
        if not compact:
            cells.append(sev)
        cells.append(note)
        return cells

    rows: list[list[str]] = []
    styles: list[str] = []
    for name in result.schema_changes.missing_in_current:
        rows.append(row(None, name, "MISSING", "missing from current"))
        styles.append("bold red")
    for col in sorted(result.columns, key=sort_key):
        note = col.skipped_reason or ""
        if col.effect_size and col.effect_size["name"] != col.test:
            note = f"{col.effect_size['name']}={fmt(col.effect_size['value'])}"
        drift = "DRIFT" if col.drift else ("skipped" if not col.tested else "no")
        miss = col.missingness or {}
        if miss.get("all_missing"):  # a finding, not a skipped column
            drift, note = "ALL NA", "entirely missing in current"
        elif miss.get("drift"):
            shift = f"missing {miss['reference_share']:.1%} -> {miss['current_share']:.1%}"
            note = f"{shift}; {note}" if note else shift
        rows.append(row(col, col.name, drift, note))
        finding = col.tested or miss.get("all_missing")
        styles.append(SEVERITY_STYLE.get(col.severity, "") if finding else "dim")
        if miss.get("all_missing"):
            styles[-1] = "bold red"
    for name in result.schema_changes.new_in_current:
        rows.append(row(None, name, "new", "new in current (not tested)"))
        styles.append("dim")
    return heads, rows, styles


def render(
    result: Result, file: IO[str], *, show_all: bool = False, width: int | None = None
) -> None:
    """Print the table and the verdict to ``file`` (``width`` overrides the detected one).

    Everything is laid out first, then written line by line through
    :func:`driftcli.text.guard_lines` (trailing spaces dropped when piped).
    """
    console = make_console(file, width=width)
    with console.capture() as captured:
        _render(result, console, show_all=show_all, plain_text=plain(file))
    _write(file, captured.get())


def print_table(
    file: IO[str], heads: Sequence[Head], rows: Sequence[Sequence[str]], styles: Sequence[str]
) -> None:
    """One :func:`table` on ``file``, laid out for it and written as :func:`render` writes."""
    console = make_console(file)
    with console.capture() as captured:
        console.print(table(heads, rows, styles, width=console.width, plain_text=plain(file)))
    _write(file, captured.get())


def _write(file: IO[str], laid_out: str) -> None:
    """Text laid out by a console, line by line through :func:`guard_lines` (trailing spaces
    dropped when piped)."""
    file.write(guard_lines(laid_out, strip=not file.isatty()))
    file.flush()


def _render(result: Result, console: Console, *, show_all: bool, plain_text: bool) -> None:
    ref, cur = result.reference, result.current
    console.print(
        f"reference: {cell(ref.path or ref.format)} ({ref.rows:,} rows x {ref.columns} columns)"
        f"   current: {cell(cur.path or cur.format)} ({cur.rows:,} rows x {cur.columns} columns)"
    )
    for role, side in (("reference", ref), ("current", cur)):
        if side.window:  # time windows: exact bounds and rows (driftcli.windows)
            w = side.window
            console.print(
                f"{role} window: {cell(str(w.get('start')))} .. {cell(str(w.get('end')))} "
                f"({cell(str(w.get('spec')))} by {cell(str(w.get('time_column')))}, "
                f"{int(w.get('rows') or 0):,} rows, end exclusive)"
            )
    if result.settings.get("config_file"):  # which config file decided these settings
        console.print(f"config: {cell(str(result.settings['config_file']))}")
    compact = console.width < COMPACT_WIDTH
    heads, rows, styles = column_rows(result, compact)
    limit = len(rows) if show_all else DEFAULT_MAX_ROWS
    console.print(
        table(
            heads,
            rows[:limit],
            styles[:limit],
            width=console.width,
            plain_text=plain_text,
            compact=compact,
        )
    )
    if len(rows) > limit:
        console.print(f"... +{len(rows) - limit} more rows (use --show-all to list every column)")

    render_beyond(result, console, plain_text)
    render_model(result, console, not plain_text)
    dd = result.dataset_drift
    console.print(
        f"drifted columns: {dd.drifted_columns} of {dd.total_columns} tested "
        f"({dd.share:.0%}; dataset drift at {dd.threshold:.0%})"
    )
    v = result.verdict
    label = "[bold green]PASSED[/]" if v.passed else "[bold red]BREACHED[/]"
    console.print(f"{label}: {cell('; '.join(v.reasons))}")


def _badge(t: Section) -> str:
    """After a section's title: a breach only when its condition gates the run."""
    if not t.breached:
        return ""
    return " [bold red](breach)[/]" if t.gating else " [yellow](finding, not gating)[/]"


def render_beyond(result: Result, console: Console, plain_text: bool) -> None:
    """The sections beyond one column (multivariate, missing, quality, segments)."""
    from driftcli.analysis.report import tables

    for t in tables(result):
        console.print(f"{cell(t.title)}{_badge(t)}")
        if t.rows:
            heads = [Head(h, wrap=i == 0, note=i == len(t.head) - 1) for i, h in enumerate(t.head)]
            console.print(
                table(heads, t.rows, [""] * len(t.rows), width=console.width, plain_text=plain_text)
            )
        for note in t.notes:
            console.print(f"  {cell(note)}")


def _change(row: dict[str, Any]) -> str:
    change, rel = row.get("change"), row.get("relative_change")
    if change is None:
        return "-"
    text = ("+" if change > 0 else "") + fmt(change)
    return text + (f" ({rel * 100:+.1f}%)" if rel is not None else "")


def render_model(result: Result, console: Console, tty: bool) -> None:
    """The model-quality part: performance table, target/prediction drift and confidence.

    ``tty`` False means plain ASCII tables.
    """
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
        console.print(cell(f"model quality ({kind}): {', '.join(roles)}"))
        rows = perf.get("rows") or {}
        used = [
            f"{side} {r['used']:,} of {r['rows']:,}" for side, r in rows.items() if r.get("dropped")
        ]
        if used:
            console.print(cell(f"rows scored (target and prediction present): {'; '.join(used)}"))
        if perf.get("skipped_reason"):
            console.print(f"[yellow]performance skipped[/]: {cell(perf['skipped_reason'])}")
        if perf.get("metrics"):
            notes = any(row.get("note") for row in perf["metrics"])
            heads = [Head("metric")]
            heads += [Head(h, numeric=True) for h in ("reference", "current", "change")]
            heads += [Head("threshold", numeric=True), Head("status")]
            if notes:
                heads.append(Head("note", note=True))
            cells: list[list[str]] = []
            styles: list[str] = []
            for row in perf["metrics"]:
                sign = {"higher": ">= ", "lower": "<= ", "zero": "|x| <= "}[row["direction"]]
                threshold = "-" if row["threshold"] is None else sign + fmt(row["threshold"])
                status = (
                    "BREACH" if row["breached"] else ("ok" if row["current"] is not None else "-")
                )
                values = [row["name"], fmt(row["reference"]), fmt(row["current"]), _change(row)]
                values += [threshold, status, *([row.get("note") or ""] if notes else [])]
                cells.append(values)
                styles.append("bold red" if row["breached"] else "")
            console.print(table(heads, cells, styles, width=console.width, plain_text=not tty))
    drift_cols = (target or {}).get("columns", []) + (pred or {}).get("columns", [])
    if drift_cols:
        skips = any(col["skipped_reason"] for col in drift_cols)
        heads = [Head("model column", wrap=True), Head("role"), Head("test")]
        heads += [Head(h, numeric=True) for h in ("statistic", "p-value", "threshold")]
        heads.append(Head("drift"))
        if skips:
            heads.append(Head("note", note=True))
        model_cells: list[list[str]] = []
        model_styles: list[str] = []
        for col in drift_cols:
            tested = col["skipped_reason"] is None
            values = [col["name"], col["role"], col["test"] or "-", fmt(col["statistic"])]
            values += [fmt(col["p_value"]), fmt(col["threshold"])]
            values.append("DRIFT" if col["drift"] else ("no" if tested else "skipped"))
            values += [col["skipped_reason"] or ""] if skips else []
            model_cells.append(values)
            model_styles.append(SEVERITY_STYLE.get(col["severity"], "") if tested else "dim")
        console.print(
            table(heads, model_cells, model_styles, width=console.width, plain_text=not tty)
        )
    if target and target.get("skipped_reason") and not perf:
        console.print(f"target drift skipped: {cell(target['skipped_reason'])}")
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
        console.print(("[bold red]" + cell(line) + "[/]") if conf["breached"] else cell(line))


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"
