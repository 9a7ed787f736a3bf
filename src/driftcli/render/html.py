"""HTML view of a result: one self-contained, offline file that a person reads in seconds.

The page is rendered by Jinja2 (autoescaping on) from ``templates/report.html.j2``. It reads
only :meth:`Result.to_dict` -- the JSON contract -- so ``driftcli compare --html`` and
``driftcli report result.json --html`` produce byte-identical files. Nothing here computes a
statistic: histograms (on shared bins) and category counts come with the result; the page
only turns counts into shares for display.

Size: plotly.js (4.8 MB) is embedded once, gzip-compressed and base64-encoded (about 2 MB),
and decompressed in the browser with ``DecompressionStream('gzip')``. Per-column chart data
is binned, so the file does not grow with the number of rows. Detail panels are capped at
``max_panels`` columns (drifted first); the summary table always lists every column.

Safety: HTML text goes through Jinja's autoescaping; the chart data is JSON escaped for a
``<script>`` context (``<``, ``>``, ``&``, U+2028, U+2029 as ``\\u`` escapes); plot labels are
escaped again in the page because plotly.js interprets a few HTML tags in labels.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from driftcli.errors import DriftcliError, InputError
from driftcli.io import atomic_writer
from driftcli.result import Result

TEMPLATE = "report.html.j2"
ASSETS = ("report.css", "report.js")
#: Detail panels (one chart each) drawn at most; the table still lists every column.
MAX_PANELS = 60
#: Summary-table rows laid out at first (the rest are a "show all" click away; filter finds any).
TABLE_ROWS = 200
#: Rows shown by the generic renderer of performance / prediction-drift tables.
MAX_GENERIC_ROWS = 100
#: Items of a list of plain values shown before "+N more".
MAX_INLINE_ITEMS = 30

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "none": 3}
QUANTILE_LABELS = {
    "0.01": "p1",
    "0.05": "p5",
    "0.25": "p25",
    "0.5": "median",
    "0.75": "p75",
    "0.95": "p95",
    "0.99": "p99",
}


class ReportError(DriftcliError):
    """The report cannot be rendered or written (templates missing, unwritable path)."""


# --------------------------------------------------------------------------- templates


def template_dirs() -> list[Path]:
    """Where the templates may live: the installed package first, then the source tree."""
    package = Path(__file__).resolve().parents[1]
    return [package / "templates", package.parents[1] / "templates"]


def templates_dir() -> Path:
    """The folder holding ``report.html.j2`` (raises :class:`ReportError` if none does)."""
    for folder in template_dirs():
        if (folder / TEMPLATE).is_file():
            return folder
    tried = ", ".join(str(d) for d in template_dirs())
    raise ReportError(f"HTML report template {TEMPLATE} not found (looked in {tried})")


@functools.lru_cache(maxsize=4)
def _environment(folder: str) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.lru_cache(maxsize=1)
def plotly_js_gzip_b64() -> str:
    """plotly.js from the installed plotly package, gzip-compressed (mtime 0) and base64."""
    from plotly.offline import get_plotlyjs

    raw = get_plotlyjs().encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def script_json(value: Any) -> Markup:
    """JSON that is safe inside ``<script>``: no ``</script>``, ``<!--`` or line separators."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return Markup(text)


# --------------------------------------------------------------------------- formatting


def fmt(value: Any, digits: int = 4) -> str:
    """A number for a table cell: compact, scientific when tiny, '–' when absent."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        return str(value)
    if value != 0 and abs(value) < 10 ** -(digits - 1):
        return f"{value:.2e}"
    if abs(value) >= 1e6:
        return f"{value:.{digits}g}"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def pct(value: Any) -> str:
    """A share as a percentage ('–' when absent)."""
    if value is None:
        return "–"
    v = float(value) * 100
    if v == 0:
        return "0%"
    if abs(v) < 0.1:
        return "<0.1%"
    return f"{v:.1f}%".replace(".0%", "%")


def _sort_value(value: Any) -> str:
    return "" if value is None else repr(float(value))


def _order(col: dict[str, Any]) -> tuple[int, int, str]:
    """Drifted first (worst severity first), then tested, then skipped; by name within."""
    tested = col.get("skipped_reason") is None
    group = 0 if col.get("drift") else (1 if tested else 2)
    return group, SEVERITY_RANK.get(str(col.get("severity")), 3), str(col.get("name"))


# --------------------------------------------------------------------------- columns


def _status(col: dict[str, Any]) -> tuple[str, str]:
    if col.get("skipped_reason") is not None:
        return "skipped", "skipped"
    return ("drift", "drift") if col.get("drift") else ("no", "ok")


def table_row(col: dict[str, Any], index: int, panel: str | None) -> dict[str, Any]:
    """One row of the summary table: display strings plus sort keys."""
    ref, cur = col.get("reference") or {}, col.get("current") or {}
    status, status_class = _status(col)
    severity = str(col.get("severity") or "none")
    return {
        "index": index,
        "name": str(col.get("name")),
        "panel": panel,
        "kind": str(col.get("kind") or "–"),
        "test": col.get("test") or "–",
        "statistic": fmt(col.get("statistic")),
        "statistic_v": _sort_value(col.get("statistic")),
        "p_value": fmt(col.get("p_value")),
        "p_value_v": _sort_value(col.get("p_value")),
        "threshold": fmt(col.get("threshold")),
        "threshold_v": _sort_value(col.get("threshold")),
        "status": status,
        "status_class": status_class,
        "status_v": str(_order(col)[0]),
        "severity": severity if status != "skipped" else "–",
        "severity_v": str(3 - SEVERITY_RANK.get(severity, 3)),
        "missing_ref": pct(ref.get("missing_share")),
        "missing_ref_v": _sort_value(ref.get("missing_share")),
        "missing_cur": pct(cur.get("missing_share")),
        "missing_cur_v": _sort_value(cur.get("missing_share")),
        "note": col.get("skipped_reason") or "",
    }


def schema_row(name: str, index: int, status: str, note: str) -> dict[str, Any]:
    """A table row for a column present on one side only."""
    blank = {k: "–" for k in ("kind", "test", "statistic", "p_value", "threshold", "severity")}
    blank.update({k: "–" for k in ("missing_ref", "missing_cur")})
    return {
        **blank,
        **{
            k + "_v": ""
            for k in ("statistic", "p_value", "threshold", "missing_ref", "missing_cur")
        },
        "index": index,
        "name": name,
        "panel": None,
        "status": status,
        "status_class": "breach" if status == "missing" else "skipped",
        "status_v": "0" if status == "missing" else "3",
        "severity_v": "4" if status == "missing" else "",
        "note": note,
    }


def _as_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _quantile_rows(col: dict[str, Any]) -> list[dict[str, str]]:
    ref, cur = col.get("reference") or {}, col.get("current") or {}
    rq, cq = ref.get("quantiles") or {}, cur.get("quantiles") or {}
    rows = [{"label": "min", "ref": fmt(ref.get("min")), "cur": fmt(cur.get("min"))}]
    for key in sorted(set(rq) | set(cq), key=_as_float):
        label = QUANTILE_LABELS.get(key, f"q{key}")
        rows.append({"label": label, "ref": fmt(rq.get(key)), "cur": fmt(cq.get(key))})
    rows.append({"label": "max", "ref": fmt(ref.get("max")), "cur": fmt(cur.get("max"))})
    rows.append({"label": "mean", "ref": fmt(ref.get("mean")), "cur": fmt(cur.get("mean"))})
    rows.append({"label": "std", "ref": fmt(ref.get("std")), "cur": fmt(cur.get("std"))})
    return rows


def _more(names: list[Any], total: Any) -> int:
    return max(int(total or 0) - len(names), 0) if isinstance(total, int) else 0


def panel(col: dict[str, Any], chart_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The detail panel of a tested column (for Jinja) and its chart data (for the page)."""
    ref, cur = col.get("reference") or {}, col.get("current") or {}
    status, status_class = _status(col)
    effect = col.get("effect_size") or {}
    view: dict[str, Any] = {
        "chart_id": chart_id,
        "name": str(col.get("name")),
        "kind": str(col.get("kind")),
        "test": col.get("test") or "–",
        "output": col.get("output"),
        "statistic": fmt(col.get("statistic")),
        "p_value": fmt(col.get("p_value")),
        "threshold": fmt(col.get("threshold")),
        "severity": str(col.get("severity") or "none"),
        "status": status,
        "status_class": status_class,
        "effect": (
            f"{effect.get('name')} = {fmt(effect.get('value'))}"
            if effect and effect.get("name") != col.get("test")
            else ""
        ),
        "rows_ref": fmt(ref.get("rows")),
        "rows_cur": fmt(cur.get("rows")),
        "missing_ref": pct(ref.get("missing_share")),
        "missing_cur": pct(cur.get("missing_share")),
        "distinct_ref": fmt(ref.get("distinct")),
        "distinct_cur": fmt(cur.get("distinct")),
        "quantiles": [],
        "new": [],
        "new_more": 0,
        "gone": [],
        "gone_more": 0,
        "chart": False,
    }
    chart: dict[str, Any] | None = None
    hist, cats = col.get("histogram"), col.get("categories")
    if isinstance(hist, dict) and hist.get("edges"):
        chart = {
            "id": chart_id,
            "type": "hist",
            "edges": hist["edges"],
            "ref": hist.get("reference") or [],
            "cur": hist.get("current") or [],
        }
        view["quantiles"] = _quantile_rows(col)
    elif isinstance(cats, dict) and cats.get("labels") is not None:
        new = [str(v) for v in cur.get("unseen_in_other") or []]
        gone = [str(v) for v in ref.get("unseen_in_other") or []]
        view.update(
            new=new,
            new_more=_more(new, cur.get("unseen_in_other_count")),
            gone=gone,
            gone_more=_more(gone, ref.get("unseen_in_other_count")),
        )
        other = cats.get("other") or {}
        chart = {
            "id": chart_id,
            "type": "cat",
            "labels": [str(v) for v in cats["labels"]],
            "ref": cats.get("reference") or [],
            "cur": cats.get("current") or [],
            "other": [
                other.get("categories", 0),
                other.get("reference", 0),
                other.get("current", 0),
            ],
        }
    view["chart"] = chart is not None
    return view, chart


# --------------------------------------------------------------------------- generic sections


def _is_column_like(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "name" in value
        and ("histogram" in value or "categories" in value)
        and ("drift" in value or "statistic" in value)
    )


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value
    )


def _is_histogram(value: Any) -> bool:
    """``{edges, reference, current}`` counts on shared bins (drawn as an overlaid chart)."""
    if not isinstance(value, dict) or not all(
        _numbers(value.get(k)) for k in ("edges", "reference", "current")
    ):
        return False
    n = len(value["edges"]) - 1
    return n > 0 and len(value["reference"]) == n == len(value["current"])


def _is_confusion(value: Any) -> bool:
    """``{labels, reference, current}`` with square matrices (a confusion matrix per side)."""
    if not isinstance(value, dict) or not isinstance(value.get("labels"), list):
        return False
    k = len(value["labels"])
    mats = [value.get(side) for side in ("reference", "current") if side in value]
    return bool(mats) and all(
        isinstance(m, list) and len(m) == k and all(_numbers(r) and len(r) == k for r in m)
        for m in mats
    )


class _Sections:
    """Turns free-form dicts (performance, target / prediction drift) into display nodes.

    Nodes: ``text`` (a scalar), ``list`` (plain values), ``table`` (a list of dicts),
    ``matrix`` (a list of lists), ``kv`` (a dict), ``column`` (a column-like dict, drawn as a
    detail panel with its chart).
    """

    def __init__(self, charts: list[dict[str, Any]]) -> None:
        self.charts = charts

    def node(self, value: Any, depth: int = 0) -> dict[str, Any]:
        if _is_column_like(value):
            view, chart = panel(value, f"chart-x{len(self.charts)}")
            if chart is not None:
                self.charts.append(chart)
            return {"type": "column", "panel": view}
        if _is_histogram(value):
            chart_id = f"chart-x{len(self.charts)}"
            self.charts.append(
                {
                    "id": chart_id,
                    "type": "hist",
                    "edges": value["edges"],
                    "ref": value["reference"],
                    "cur": value["current"],
                }
            )
            return {"type": "chart", "chart_id": chart_id}
        if _is_confusion(value):
            return self._confusion(value)
        if isinstance(value, dict):
            items = [(str(k), self.node(v, depth + 1)) for k, v in value.items()]
            return {"type": "kv", "items": items}
        if isinstance(value, list):
            if value and all(_is_column_like(v) for v in value):
                return {"type": "columns", "items": [self.node(v, depth + 1) for v in value]}
            if value and all(isinstance(v, dict) for v in value):
                return self._table(value)
            if value and all(isinstance(v, list) for v in value):
                return {
                    "type": "matrix",
                    "rows": [[fmt(x) for x in row] for row in value[:MAX_GENERIC_ROWS]],
                    "more": max(len(value) - MAX_GENERIC_ROWS, 0),
                }
            if not value:
                return {"type": "text", "text": "none", "css": "empty"}
            shown = [fmt(v) for v in value[:MAX_INLINE_ITEMS]]
            more = max(len(value) - len(shown), 0)
            if any(len(v) > 40 for v in shown):  # sentences (reasons, notes): one per line
                return {"type": "bullets", "items": shown, "more": more}
            return {"type": "list", "items": shown, "more": more}
        text = fmt(value)
        css = ""
        if isinstance(value, bool):
            css = "bad" if value else ""
        return {"type": "text", "text": text, "css": css}

    def _confusion(self, value: dict[str, Any]) -> dict[str, Any]:
        labels = [str(v) for v in value["labels"]]
        sides = []
        for side in ("reference", "current"):
            matrix = value.get(side)
            if not isinstance(matrix, list):
                continue
            top = max((x for row in matrix for x in row if isinstance(x, int | float)), default=0)
            rows = []
            for label, row in zip(labels, matrix, strict=False):
                cells = [
                    {
                        "text": fmt(x),
                        "alpha": f"{(x / top if top else 0) * 0.6:.2f}",
                    }
                    for x in row
                ]
                rows.append({"label": label, "cells": cells})
            sides.append({"side": side, "rows": rows})
        return {"type": "confusion", "labels": labels, "sides": sides}

    def _table(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        keys: list[str] = []
        for row in rows:
            keys.extend(str(k) for k in row if str(k) not in keys)
        body = []
        for row in rows[:MAX_GENERIC_ROWS]:
            cells = []
            for k in keys:
                v = row.get(k)
                if isinstance(v, dict | list):
                    cells.append({"text": json.dumps(v, ensure_ascii=False)[:200], "css": "raw"})
                elif isinstance(v, bool):
                    bad = k in ("breached", "drift", "detected")
                    cells.append({"text": fmt(v), "css": "bad" if v and bad else ""})
                else:
                    cells.append({"text": fmt(v), "css": "num" if isinstance(v, float) else ""})
            body.append(cells)
        return {
            "type": "table",
            "keys": keys,
            "rows": body,
            "more": max(len(rows) - MAX_GENERIC_ROWS, 0),
        }


# --------------------------------------------------------------------------- the page


def _settings_items(settings: dict[str, Any]) -> list[tuple[str, str]]:
    items = []
    for key, value in settings.items():
        if isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value) if value else "–"
        elif value is None:
            text = "auto"
        else:
            text = fmt(value) if isinstance(value, float) else str(value)
        items.append((key, text))
    return items


def _settings_summary(settings: dict[str, Any]) -> str:
    """The settings that decide the verdict, on one line."""
    parts = []
    for key in ("stattest", "threshold", "drift_share", "fail_on"):
        if key in settings:
            text = dict(_settings_items({key: settings[key]}))[key]
            parts.append(f"{key.replace('_', ' ')} {text}")
    return " · ".join(parts) or "defaults"


def context(result: Result, *, max_panels: int = MAX_PANELS) -> dict[str, Any]:
    """Everything the template needs, built from the JSON contract of ``result``."""
    data = result.to_dict()
    columns = sorted(data["columns"], key=_order)
    schema = data.get("schema_changes") or {}
    charts: list[dict[str, Any]] = []
    panels: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    tested = [c for c in columns if c.get("skipped_reason") is None]
    panel_ids: dict[int, str] = {}
    for i, col in enumerate(tested):
        if len(panels) >= max_panels:
            break
        view, chart = panel(col, f"chart-{i}")
        panel_ids[id(col)] = view["chart_id"]
        panels.append(view)
        if chart is not None:
            charts.append(chart)
    for name in schema.get("missing_in_current") or []:
        rows.append(schema_row(str(name), len(rows), "missing", "missing from current"))
    for col in columns:
        rows.append(table_row(col, len(rows), panel_ids.get(id(col))))
    for name in schema.get("new_in_current") or []:
        rows.append(schema_row(str(name), len(rows), "new", "new in current (not tested)"))

    sections = _Sections(charts)
    extra = []
    for key, title in (
        ("performance", "Model performance"),
        ("target_drift", "Target drift"),
        ("prediction_drift", "Prediction drift"),
    ):
        value = data.get(key)
        extra.append(
            {
                "key": key,
                "title": title,
                "node": None if value is None else sections.node(value),
            }
        )

    dd = data["dataset_drift"]
    verdict = data["verdict"]
    return {
        "data": data,
        "version": data.get("driftcli_version") or "",
        "generated_at": data.get("generated_at") or "",
        "sides": [
            {"role": "reference", **data["reference"]},
            {"role": "current", **data["current"]},
        ],
        "verdict": verdict,
        "dataset": {
            **dd,
            "share_pct": pct(dd.get("share")),
            "threshold_pct": pct(dd.get("threshold")),
            "share_width": f"{min(max(float(dd.get('share') or 0), 0), 1) * 100:.2f}",
            "threshold_left": f"{min(max(float(dd.get('threshold') or 0), 0), 1) * 100:.2f}",
        },
        "settings": _settings_items(data.get("settings") or {}),
        "settings_summary": _settings_summary(data.get("settings") or {}),
        "rows": rows,
        "row_limit": TABLE_ROWS,
        "panels": panels,
        "tested": len(tested),
        "more_panels": max(len(tested) - len(panels), 0),
        "skipped": len(columns) - len(tested),
        "schema": {
            "missing": [str(n) for n in schema.get("missing_in_current") or []],
            "new": [str(n) for n in schema.get("new_in_current") or []],
            "type_changed": schema.get("type_changed") or [],
        },
        "extra": extra,
        "charts": charts,
    }


def render(result: Result, *, max_panels: int = MAX_PANELS) -> str:
    """The report as one HTML document."""
    folder = templates_dir()
    env = _environment(str(folder))
    ctx = context(result, max_panels=max_panels)
    assets = {
        name.replace(".", "_"): Markup((folder / name).read_text(encoding="utf-8"))
        for name in ASSETS
    }
    return env.get_template(TEMPLATE).render(
        **ctx,
        **assets,
        chart_data=script_json({"charts": ctx["charts"]}),
        plotly_js=Markup(plotly_js_gzip_b64()),
    )


def load_result(path: str | os.PathLike[str]) -> Result:
    """Read a JSON result saved by ``driftcli compare --json``; one-line :class:`InputError`."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"result file not found: {source}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{source}: cannot read: {err}") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"{source}: not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from err
    if not isinstance(data, dict):
        raise InputError(f"{source}: not a driftcli result (expected a JSON object)")
    try:
        return Result.from_dict(data)
    except KeyError as err:
        raise InputError(f"{source}: not a driftcli result: missing key {err}") from err
    except (TypeError, ValueError, AttributeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{source}: not a driftcli result: {first}") from err


def write(result: Result, path: str | os.PathLike[str], *, max_panels: int = MAX_PANELS) -> None:
    """Render and write the report atomically (a failure leaves no file)."""
    text = render(result, max_panels=max_panels)
    with atomic_writer(path) as fh:  # raises a one-line OutputError when it cannot write
        fh.write(text)
