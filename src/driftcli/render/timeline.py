"""Views of a timeline (``driftcli timeline``): a compact periods x columns severity table
for the terminal, and an offline HTML page with a heatmap and per-column trend lines."""

from __future__ import annotations

import html
import json
from typing import Any, TextIO

from driftcli.text import terminal

#: One character per severity in the terminal table.
MARKS = {"none": ".", "low": "l", "medium": "M", "high": "H", None: "?"}
LEVEL = {"none": 0, "low": 1, "medium": 2, "high": 3}


def _label(period: dict[str, Any]) -> str:
    start = str(period["start"])
    return start[:10] if start.endswith("T00:00:00Z") else start


def render(data: dict[str, Any], out: TextIO) -> None:
    """The terminal view: one row per period, one short column per compared column."""
    src, ref = data["source"], data["reference"]
    out.write(
        f"timeline: {terminal(str(src['path']))} by {terminal(str(src['time_column']))} "
        f"every {src['every']}, as of {src['as_of']} (data {src['first']} .. {src['latest']})\n"
    )
    where = ref.get("window") or {}
    bounds = f" {where.get('start')}..{where.get('end')}" if where else ""
    named = (
        f" {terminal(str(ref['path']))}" if ref.get("kind") == "input" and ref.get("path") else ""
    )
    out.write(f"reference: {ref['kind']}{named}{bounds} ({int(ref['rows']):,} rows)\n")
    names = [str(n) for n in data["columns"]]
    keys = [f"c{i + 1}" for i in range(len(names))]
    out.write(
        "columns: " + ", ".join(f"{k}={terminal(n)}" for k, n in zip(keys, names, strict=True))
    )
    out.write(
        "\nmarks: . none, l low, M medium, H high, - not checked; vs reference | vs previous\n"
    )
    width = max(len(_label(p)) for p in data["periods"])
    out.write(f"{'period':<{width}}  {'rows':>7}  " + " ".join(f"{k:>3}" for k in keys) + "\n")
    for p in data["periods"]:
        cells = []
        for n in names:
            ref_mark = _mark(p.get("vs_reference"), n)
            prev_mark = _mark(p.get("vs_previous"), n)
            cells.append(f"{ref_mark}|{prev_mark}")
        note = ""
        if p["vs_reference"] and p["vs_reference"]["drifted"]:
            note = "drift: " + ", ".join(terminal(str(d)) for d in p["vs_reference"]["drifted"])
        if p.get("note"):
            note = f"{note}  ({p['note']})" if note else f"({p['note']})"
        row = f"{_label(p):<{width}}  {int(p['rows']):>7,}  " + " ".join(cells) + f"  {note}"
        out.write(row.rstrip() + "\n")
    v = data["verdict"]
    status = "PASSED" if v["passed"] else "BREACHED"
    out.write(f"{status} (latest complete period {v['period']['start']}..{v['period']['end']})\n")
    for reason in v["reasons"]:
        out.write(f"  {terminal(str(reason))}\n")


def _mark(comparison: dict[str, Any] | None, name: str) -> str:
    if not comparison:
        return "-"
    col = comparison["columns"].get(name)
    if not col or col.get("severity") is None:
        return "-"
    return MARKS.get(col["severity"], "?")


def render_html(data: dict[str, Any]) -> str:
    """A self-contained page: severity heatmap (periods x columns) and, per column, the
    statistic of every period against its threshold."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from driftcli.render.html import templates_dir

    periods = data["periods"]
    names = [str(n) for n in data["columns"]]
    x = [_label(p) + ("" if p["complete"] else " (incomplete)") for p in periods]
    z: list[list[int | None]] = []
    for n in names:
        row: list[int | None] = []
        for p in periods:
            comp = p.get("vs_reference")
            col = comp["columns"].get(n) if comp else None
            sev = col.get("severity") if col else None
            row.append(LEVEL.get(sev) if sev is not None else None)
        z.append(row)
    safe = [html.escape(n) for n in names]
    heat = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=safe,
            zmin=0,
            zmax=3,
            colorscale=[[0, "#e8f5e9"], [0.34, "#fff59d"], [0.67, "#ffb74d"], [1, "#e53935"]],
            colorbar={"tickvals": [0, 1, 2, 3], "ticktext": ["none", "low", "medium", "high"]},
            hoverongaps=False,
        )
    )
    heat.update_layout(height=120 + 28 * len(names), margin={"l": 10, "r": 10, "t": 30, "b": 10})
    parts = [pio.to_html(heat, full_html=False, include_plotlyjs=True)]
    for n, label in zip(names, safe, strict=True):
        stats, thresholds = [], []
        for p in periods:
            comp = p.get("vs_reference")
            col = comp["columns"].get(n) if comp else None
            stats.append(col.get("statistic") if col else None)
            thresholds.append(col.get("threshold") if col else None)
        fig = go.Figure()
        fig.add_scatter(x=x, y=stats, mode="lines+markers", name="statistic")
        fig.add_scatter(x=x, y=thresholds, mode="lines", name="threshold", line={"dash": "dash"})
        fig.update_layout(title=label, height=260, margin={"l": 10, "r": 10, "t": 40, "b": 10})
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=False))
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(
        loader=FileSystemLoader(str(templates_dir())), autoescape=select_autoescape(["j2"])
    )
    return env.get_template("timeline.html.j2").render(
        data=data,
        charts=[Markup(p) for p in parts],
        data_json=Markup(json.dumps(data).replace("<", "\\u003c")),
    )
