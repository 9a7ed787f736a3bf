"""Views of a history: the runs table, per-column and per-metric trends, JSON and HTML.

Everything is built from :class:`~driftcli.history.store.Run` records. A column's trend is
its decisive value per run -- the p-value for a p-value test, else the statistic -- next to
the threshold it was judged against, so one chart shows how close each run came to drift.
"""

from __future__ import annotations

import json
from typing import IO, Any

from markupsafe import Markup

from driftcli.history.store import Run, canonical_time
from driftcli.render import console as console_view
from driftcli.text import guard_lines, terminal

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "none": 3}
#: Drifted columns named per run in the table.
TOP_DRIFTED = 3
#: Columns charted by ``history --html`` when no ``--column`` is given (drifted most first).
MAX_CHARTS = 24


def decisive(col: dict[str, Any]) -> float | None:
    """The value a column was judged on: its p-value for a p-value test, else the statistic."""
    value = col.get("p_value") if col.get("output") == "p_value" else col.get("statistic")
    return float(value) if isinstance(value, int | float) else None


def top_drifted(run: Run, limit: int = TOP_DRIFTED) -> list[str]:
    """The run's drifted columns, worst severity first, then by name."""
    drifted = [
        (SEVERITY_RANK.get(str(c.get("severity")), 3), n)
        for n, c in run.columns.items()
        if c.get("drift")
    ]
    return [n for _, n in sorted(drifted)[:limit]]


def window_text(run: Run) -> str:
    """The run's current window, ``START..END`` (dates alone when both are midnights)."""
    w = run.window or {}
    start, end = w.get("start"), w.get("end")
    if not isinstance(start, str) or not isinstance(end, str):
        return "-"
    parts = [canonical_time(start), canonical_time(end)]
    if all(p.endswith("T00:00:00Z") for p in parts):
        return "..".join(p[:10] for p in parts)
    return "..".join(p[:16].replace("T", " ") for p in parts)


def run_row(run: Run) -> dict[str, Any]:
    """One run as a plain dict (a row of the table and of the JSON)."""
    w = run.window or {}
    return {
        "id": run.id,
        "time": run.started_at,
        "command": run.command,
        "window": {"start": w.get("start"), "end": w.get("end")} if run.window else None,
        "verdict": run.verdict,
        "exit_code": run.exit_code,
        "dataset_drift": run.dataset_drift,
        "drifted_columns": run.drifted_columns,
        "total_columns": run.total_columns,
        "drifted_share": run.drifted_share,
        "drift_share_threshold": run.drift_share_threshold,
        "top_drifted": top_drifted(run),
        "reference": run.reference,
        "current": run.current,
        "settings_digest": run.settings_digest,
        "error": run.error,
    }


def column_names(runs: list[Run]) -> list[str]:
    """Every column seen in ``runs``: most often drifted first, then by name."""
    seen: dict[str, int] = {}
    for run in runs:
        for name, col in run.columns.items():
            seen[name] = seen.get(name, 0) + int(bool(col.get("drift")))
    return sorted(seen, key=lambda n: (-seen[n], n))


def metric_names(runs: list[Run]) -> list[str]:
    """Every model metric seen in ``runs``, by name."""
    return sorted({m for run in runs for m in run.metrics})


def column_trend(runs: list[Run], name: str) -> list[dict[str, Any]]:
    """Per run that tested ``name``: time, test, value, threshold, drift, severity."""
    out = []
    for run in runs:
        col = run.columns.get(name)
        if col is None:
            continue
        out.append(
            {
                "time": run.started_at,
                "test": col.get("test"),
                "output": col.get("output"),
                "value": decisive(col),
                "statistic": col.get("statistic"),
                "p_value": col.get("p_value"),
                "threshold": col.get("threshold"),
                "drift": bool(col.get("drift")),
                "severity": col.get("severity"),
            }
        )
    return out


def metric_trend(runs: list[Run], name: str) -> list[dict[str, Any]]:
    """Per run that computed metric ``name``: time, reference, current, threshold, breached."""
    return [{"time": run.started_at, **run.metrics[name]} for run in runs if name in run.metrics]


def as_dict(
    monitor: str, runs: list[Run], columns: list[str], metrics: list[str]
) -> dict[str, Any]:
    """The ``history --json`` document."""
    return {
        "monitor": monitor,
        "runs": [run_row(r) for r in runs],
        "columns": {name: column_trend(runs, name) for name in columns},
        "metrics": {name: metric_trend(runs, name) for name in metrics},
    }


def dumps(doc: dict[str, Any]) -> str:
    """JSON text of :func:`as_dict` output (NaN never appears: the store keeps nulls)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------- console


def _fmt(value: Any) -> str:
    return console_view.fmt(float(value)) if isinstance(value, int | float) else "-"


def _share(run: Run) -> str:
    if run.drifted_share is None:
        return "-"
    return f"{run.drifted_share:.0%} ({run.drifted_columns}/{run.total_columns})"


def render_console(
    stream: IO[str], monitor: str, runs: list[Run], columns: list[str], metrics: list[str]
) -> None:
    """The runs table, then a trend table per ``--column`` and ``--metric`` asked for."""
    con = console_view.make_console(stream)
    with con.capture() as captured:
        _render_console(con, monitor, runs, columns, metrics)
    stream.write(guard_lines(captured.get(), strip=not stream.isatty()))
    stream.flush()


def _render_console(
    con: Any, monitor: str, runs: list[Run], columns: list[str], metrics: list[str]
) -> None:
    from rich.table import Table

    table = Table(
        box=None,
        pad_edge=False,
        title=f"monitor {terminal(monitor)}: {len(runs)} runs",
        title_justify="left",
    )
    windows = any(r.window for r in runs)
    heads = ["time (UTC)", *(["window"] if windows else []), "verdict", "exit", "drifted"]
    for head in [*heads, "top drifted columns"]:
        table.add_column(head, overflow="fold")
    for run in runs:
        word = run.verdict.upper() if run.verdict == "breached" else run.verdict
        detail = ", ".join(top_drifted(run)) if run.ran else f"error: {run.error or ''}"
        table.add_row(
            run.started_at[:16].replace("T", " "),
            *([window_text(run)] if windows else []),
            word,
            str(run.exit_code),
            _share(run),
            console_view.cell(detail),
        )
    con.print(table)
    for name in columns:
        trend = column_trend(runs, name)
        t = Table(
            box=None,
            pad_edge=False,
            title=f"column {console_view.cell(name)}",
            title_justify="left",
        )
        for head in ("time (UTC)", "test", "value", "drift when", "drift", "severity"):
            t.add_column(head)
        for p in trend:
            rule = "<" if p["output"] == "p_value" else ">="
            t.add_row(
                p["time"][:16].replace("T", " "),
                console_view.cell(p["test"] or "-"),
                ("p=" if p["output"] == "p_value" else "") + _fmt(p["value"]),
                f"{rule} {_fmt(p['threshold'])}",
                "DRIFT" if p["drift"] else "no",
                str(p["severity"] or "-"),
            )
        con.print()
        con.print(t)
    for name in metrics:
        trend = metric_trend(runs, name)
        t = Table(
            box=None,
            pad_edge=False,
            title=f"metric {console_view.cell(name)}",
            title_justify="left",
        )
        for head in ("time (UTC)", "reference", "current", "limit", "breached"):
            t.add_column(head)
        for p in trend:
            t.add_row(
                p["time"][:16].replace("T", " "),
                _fmt(p["reference"]),
                _fmt(p["current"]),
                _fmt(p["threshold"]),
                "BREACH" if p["breached"] else "no",
            )
        con.print()
        con.print(t)


# ---------------------------------------------------------------------- charts


def trend_chart(
    chart_id: str, name: str, trend: list[dict[str, Any]], *, small: bool = False
) -> dict[str, Any]:
    """Chart data for ``report.js`` (type ``trend``): a column's value per run and threshold."""
    output = next((p["output"] for p in reversed(trend) if p.get("output")), None)
    return {
        "id": chart_id,
        "type": "trend",
        "name": name,
        "small": small,
        "log": output == "p_value",
        "label": "p-value" if output == "p_value" else "statistic",
        "x": [p["time"][:16].replace("T", " ") for p in trend],
        "y": [p["value"] for p in trend],
        "threshold": [p["threshold"] for p in trend],
        "drift": [bool(p["drift"]) for p in trend],
    }


def metric_chart(chart_id: str, name: str, trend: list[dict[str, Any]]) -> dict[str, Any]:
    """Chart data (type ``metric``): reference and current value per run, and the limit."""
    return {
        "id": chart_id,
        "type": "metric",
        "name": name,
        "x": [p["time"][:16].replace("T", " ") for p in trend],
        "ref": [p["reference"] for p in trend],
        "cur": [p["current"] for p in trend],
        "threshold": [p["threshold"] for p in trend],
        "drift": [bool(p["breached"]) for p in trend],
    }


def share_chart(runs: list[Run]) -> dict[str, Any]:
    """Chart data (type ``trend``) of the dataset's drifted share against its threshold."""
    done = [r for r in runs if r.ran]
    return {
        "id": "chart-dataset",
        "type": "trend",
        "name": "drifted share",
        "small": False,
        "log": False,
        "label": "drifted share",
        "x": [r.started_at[:16].replace("T", " ") for r in done],
        "y": [r.drifted_share for r in done],
        "threshold": [r.drift_share_threshold for r in done],
        "drift": [bool(r.dataset_drift) for r in done],
    }


def render_html(
    monitor: str, runs: list[Run], columns: list[str], metrics: list[str], version: str
) -> str:
    """The ``history --html`` page: one self-contained file, plotly embedded as in the report."""
    from driftcli.render import html as html_view

    folder = html_view.templates_dir()
    env = html_view._environment(str(folder))
    charts = [share_chart(runs)]
    col_views = []
    for i, name in enumerate(columns[:MAX_CHARTS]):
        trend = column_trend(runs, name)
        chart = trend_chart(f"chart-col-{i}", name, trend)
        charts.append(chart)
        last = trend[-1] if trend else {}
        col_views.append(
            {
                "id": chart["id"],
                "name": name,
                "test": last.get("test") or "-",
                "drifted": sum(1 for p in trend if p["drift"]),
                "runs": len(trend),
            }
        )
    met_views = []
    for i, name in enumerate(metrics):
        chart = metric_chart(f"chart-met-{i}", name, metric_trend(runs, name))
        charts.append(chart)
        met_views.append({"id": chart["id"], "name": name})
    assets = {
        name.replace(".", "_"): Markup((folder / name).read_text(encoding="utf-8"))
        for name in html_view.ASSETS
    }
    return env.get_template("history.html.j2").render(
        monitor=monitor,
        version=version,
        runs=[{**run_row(r), "window_text": window_text(r)} for r in reversed(runs)],
        windows=any(r.window for r in runs),
        columns=col_views,
        more_columns=max(len(columns) - MAX_CHARTS, 0),
        metrics=met_views,
        **assets,
        chart_data=html_view.script_json({"charts": charts}),
        plotly_js=Markup(html_view.plotly_js_gzip_b64()),
    )
