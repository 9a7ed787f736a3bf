"""HTML view of a result: one self-contained, offline file that a person reads in seconds.

The page is rendered by Jinja2 (autoescaping on) from ``templates/report.html.j2``. It reads
only :meth:`Result.to_dict` -- the JSON contract -- so ``driftcli compare --html`` and
``driftcli report result.json --html`` produce byte-identical files. Nothing here computes a
statistic: histograms (on shared bins) and category counts come with the result; the page
only turns counts into shares for display.

Size: plotly.js (4.8 MB) is embedded once, gzip-compressed and base64-encoded (about 2 MB),
and inflated synchronously by the page's script (``report.js``), so the charts are drawn
before the load event: a headless screenshot taken at load shows them. Per-column chart data
is binned, so the file does not grow with the number of rows. Detail panels are capped at
``max_panels`` columns (drifted first); the summary table always lists every column.

Safety: the page is built from a result that may come from a tampered JSON file, so every
value is shaped first (:func:`number`, :func:`counts`, ``_texts``): text never lands where a
number belongs. HTML text goes through Jinja's autoescaping; the chart data is JSON escaped for a
``<script>`` context (``<``, ``>``, ``&``, U+2028, U+2029 as ``\\u`` escapes); plot labels are
escaped again in the page because plotly.js interprets a few HTML tags in labels.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import math
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from driftcli.errors import DriftcliError, InputError
from driftcli.io import atomic_writer
from driftcli.result import SCHEMA_VERSION, Result

TEMPLATE = "report.html.j2"
ASSETS = ("report.css", "report.js")
#: Detail panels (one chart each) drawn at most; the table still lists every column.
MAX_PANELS = 60
#: Summary-table rows laid out at first (the rest are a "show all" click away; filter finds any).
TABLE_ROWS = 200

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


def asset_cache_dir() -> Path:
    """Where compressed assets are kept between runs: ``$DRIFTCLI_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/driftcli``, else ``~/.cache/driftcli``."""
    if os.environ.get("DRIFTCLI_CACHE_DIR"):
        return Path(os.environ["DRIFTCLI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "driftcli"


@functools.lru_cache(maxsize=1)
def plotly_js_gzip_b64() -> str:
    """plotly.js from the installed plotly package, gzip-compressed (mtime 0) and base64.

    Compressing 4.8 MB costs 0.15 s, so the result is cached on disk per plotly version
    (written atomically; an unwritable cache only costs the time).
    """
    import plotly

    cached = asset_cache_dir() / f"plotly-{plotly.__version__}.min.js.gz.b64"
    try:
        text = cached.read_text(encoding="ascii")
        if text:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    from plotly.offline import get_plotlyjs

    raw = get_plotlyjs().encode("utf-8")
    text = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="ascii")
        tmp.replace(cached)
    except OSError:
        pass
    return text


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
    share = number(value)
    if share is None:
        return "–"
    v = float(share) * 100
    if v == 0:
        return "0%"
    if abs(v) < 0.1:
        return "<0.1%"
    return f"{v:.1f}%".replace(".0%", "%")


def _sort_value(value: Any) -> str:
    v = number(value)
    return "" if v is None else repr(float(v))


def _order(col: dict[str, Any]) -> tuple[int, int, str]:
    """Drifted first (worst severity first), then tested, then skipped; by name within."""
    tested = col.get("skipped_reason") is None
    group = 0 if col.get("drift") else (1 if tested else 2)
    return group, SEVERITY_RANK.get(str(col.get("severity")), 3), str(col.get("name"))


# --------------------------------------------------------------------------- columns


def _status(col: dict[str, Any]) -> tuple[str, str]:
    if _dict(col.get("missingness")).get("all_missing") is True:
        return "all missing", "drift"  # a finding, not a skipped column
    if col.get("skipped_reason") is not None:
        return "skipped", "skipped"
    return ("drift", "drift") if col.get("drift") else ("no", "ok")


def table_row(col: dict[str, Any], index: int, panel: str | None) -> dict[str, Any]:
    """One row of the summary table: display strings plus sort keys."""
    ref, cur = _dict(col.get("reference")), _dict(col.get("current"))
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
    ref, cur = _dict(col.get("reference")), _dict(col.get("current"))
    rq, cq = _dict(ref.get("quantiles")), _dict(cur.get("quantiles"))
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
    ref, cur = _dict(col.get("reference")), _dict(col.get("current"))
    status, status_class = _status(col)
    effect = _dict(col.get("effect_size"))
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
        "trend_id": None,
    }
    chart: dict[str, Any] | None = None
    hist, cats = col.get("histogram"), col.get("categories")
    if isinstance(hist, dict) and hist.get("edges"):
        chart = {
            "id": chart_id,
            "type": "hist",
            "edges": counts(hist["edges"]),
            "ref": counts(hist.get("reference")),
            "cur": counts(hist.get("current")),
        }
        view["quantiles"] = _quantile_rows(col)
    elif isinstance(cats, dict) and cats.get("labels") is not None:
        new = _texts(cur.get("unseen_in_other"))
        gone = _texts(ref.get("unseen_in_other"))
        view.update(
            new=new,
            new_more=_more(new, cur.get("unseen_in_other_count")),
            gone=gone,
            gone_more=_more(gone, ref.get("unseen_in_other_count")),
        )
        other = _dict(cats.get("other"))
        chart = {
            "id": chart_id,
            "type": "cat",
            "labels": _texts(cats["labels"]),
            "ref": counts(cats.get("reference")),
            "cur": counts(cats.get("current")),
            "other": [
                number(other.get("categories")) or 0,
                number(other.get("reference")) or 0,
                number(other.get("current")) or 0,
            ],
        }
    view["chart"] = chart is not None
    return view, chart


# --------------------------------------------------------------------------- shapes


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


def confusion_view(value: dict[str, Any]) -> dict[str, Any]:
    """Confusion matrices side by side, cells shaded by their count."""
    labels = [str(v) for v in value["labels"]]
    sides = []
    for side in ("reference", "current"):
        matrix = value.get(side)
        if not isinstance(matrix, list):
            continue
        top = max((number(x) or 0 for row in matrix for x in row), default=0)
        rows = []
        for label, row in zip(labels, matrix, strict=False):
            cells = [
                {
                    "text": fmt(number(x)),
                    "alpha": f"{((number(x) or 0) / top if top else 0) * 0.6:.2f}",
                }
                for x in row
            ]
            rows.append({"label": label, "cells": cells})
        sides.append({"side": side, "rows": rows})
    return {"labels": labels, "sides": sides}


# --------------------------------------------------------------------------- model sections


def number(value: Any) -> int | float | None:
    """``value`` when it is a finite real number, else None: a tampered JSON cannot smuggle
    text (or markup) into a place that expects a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def counts(values: Any) -> list[float]:
    """A list of counts for a chart: non-numbers become 0."""
    if not isinstance(values, list):
        return []
    return [number(v) or 0.0 for v in values]


def signed(value: Any) -> str:
    """A change with its sign ('+0.02', '-0.151'); '–' when absent."""
    v = number(value)
    if v is None:
        return "–"
    text = fmt(v)
    return text if text.startswith("-") or v == 0 else "+" + text


def pct_change(value: Any) -> str:
    """A relative change as a signed percentage ('-16.5%'); '–' when absent."""
    v = number(value)
    if v is None:
        return "–"
    return f"{v * 100:+.1f}%"


RULES = {"higher": "≥", "lower": "≤", "zero": "|·| ≤"}


def metric_rows(metrics: Any) -> list[dict[str, Any]]:
    """The performance metrics as table rows: values, change, change %, threshold, status."""
    rows = []
    for m in metrics if isinstance(metrics, list) else []:
        if not isinstance(m, dict):
            continue
        threshold = number(m.get("threshold"))
        rule = RULES.get(str(m.get("direction")), "")
        current = number(m.get("current"))
        breached = m.get("breached") is True
        status = "breach" if breached else ("undefined" if current is None else "ok")
        rows.append(
            {
                "name": str(m.get("name")),
                "reference": fmt(number(m.get("reference"))),
                "current": fmt(current),
                "change": signed(m.get("change")),
                "change_pct": pct_change(m.get("relative_change")),
                "threshold": f"{rule} {fmt(threshold)}".strip() if threshold is not None else "–",
                "status": status,
                "status_class": {"breach": "breach", "ok": "ok"}.get(status, "skipped"),
                "note": str(m.get("note") or ""),
            }
        )
    return rows


def _texts(values: Any) -> list[str]:
    """Display strings of a list (a lone string is a list of one; anything else, none)."""
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values] if isinstance(values, list) else []


def _roles(perf: dict[str, Any]) -> str:
    """'classification, binary, positive class 1: target churned, prediction ...'."""
    head = [str(perf.get("task") or "")]
    if perf.get("type"):
        head.append(str(perf["type"]))
    if perf.get("pos_label") is not None:
        head.append(f"positive class {perf['pos_label']}")
    roles = [f"{k} {perf[k]}" for k in ("target", "prediction") if perf.get(k)]
    if _texts(perf.get("proba")):
        roles.append("proba " + ", ".join(_texts(perf.get("proba"))))
    return ", ".join(h for h in head if h) + (": " + ", ".join(roles) if roles else "")


def _side_rows(rows: Any) -> list[dict[str, str]]:
    out = []
    if isinstance(rows, dict):
        for side in ("reference", "current"):
            r = rows.get(side)
            if isinstance(r, dict):
                out.append(
                    {
                        "side": side,
                        "rows": fmt(number(r.get("rows"))),
                        "used": fmt(number(r.get("used"))),
                        "dropped": fmt(number(r.get("dropped"))),
                    }
                )
    return out


def _hist_chart(value: Any, chart_id: str) -> dict[str, Any] | None:
    if not _is_histogram(value):
        return None
    return {
        "id": chart_id,
        "type": "hist",
        "edges": counts(value["edges"]),
        "ref": counts(value["reference"]),
        "cur": counts(value["current"]),
    }


def performance_view(perf: Any, charts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The model-performance section: who is who, metrics, rows, confusion or residuals."""
    if not isinstance(perf, dict):
        return None
    view: dict[str, Any] = {
        "roles": _roles(perf),
        "skipped": str(perf["skipped_reason"]) if perf.get("skipped_reason") else "",
        "metrics": metric_rows(perf.get("metrics")),
        "reference_metrics": [],
        "breaches": _texts(perf.get("breaches")),
        "rows": _side_rows(perf.get("rows")),
        "confusion": None,
        "residuals": None,
        "max_drop": pct(number(perf.get("max_metric_drop"))),
    }
    ref_metrics = perf.get("reference_metrics")
    if isinstance(ref_metrics, dict):
        view["reference_metrics"] = [(str(k), fmt(number(v))) for k, v in ref_metrics.items()]
    view["breached"] = sum(1 for m in view["metrics"] if m["status"] == "breach")
    if _is_confusion(perf.get("confusion_matrix")):
        view["confusion"] = confusion_view(perf["confusion_matrix"])
    chart = _hist_chart(perf.get("residuals"), f"chart-m{len(charts)}")
    if chart is not None:
        charts.append(chart)
        view["residuals"] = chart["id"]
    return view


def _role_panels(section: dict[str, Any], charts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    panels = []
    for col in _list(section.get("columns")):
        if isinstance(col, dict) and col.get("name") is not None:
            view, chart = panel(col, f"chart-m{len(charts)}")
            view["role"] = str(col.get("role") or "")
            if chart is not None:
                charts.append(chart)
            panels.append(view)
    return panels


def drift_view(section: Any, charts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Target or prediction drift: a panel per role column, breaches, confidence."""
    if not isinstance(section, dict):
        return None
    view: dict[str, Any] = {
        "skipped": str(section["skipped_reason"]) if section.get("skipped_reason") else "",
        "panels": _role_panels(section, charts),
        "breaches": _texts(section.get("breaches")),
        "confidence": None,
    }
    conf = section.get("confidence")
    if isinstance(conf, dict):
        sides = []
        for side in ("reference", "current"):
            c = _dict(conf.get(side))
            sides.append(
                {
                    "side": side,
                    "rows": fmt(number(c.get("rows"))),
                    "mean": fmt(number(c.get("mean_top_probability"))),
                    "low": pct(number(c.get("low_confidence_share"))),
                }
            )
        chart = _hist_chart(conf.get("histogram"), f"chart-m{len(charts)}")
        if chart is not None:
            charts.append(chart)
        view["confidence"] = {
            "sides": sides,
            "drop": signed(conf.get("drop")),
            "max_drop": fmt(number(conf.get("max_drop"))),
            "low_threshold": fmt(number(conf.get("low_threshold"))),
            "breached": conf.get("breached") is True,
            "chart": chart["id"] if chart else None,
        }
    return view


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


def _side(role: str, info: dict[str, Any]) -> dict[str, Any]:
    """One input for the header: path, shape and format as display strings."""
    return {
        "role": role,
        "path": str(info.get("path") or info.get("format") or ""),
        "rows": fmt(number(info.get("rows"))),
        "columns": fmt(number(info.get("columns"))),
        "format": str(info.get("format") or ""),
    }


def context(
    result: Result,
    *,
    max_panels: int = MAX_PANELS,
    trends: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the template needs, built from the JSON contract of ``result``.

    ``trends`` (column -> trend chart data, from ``--history``) puts each column's recent
    runs as a sparkline next to its panel.
    """
    data = result.to_dict()
    columns = sorted((c for c in _list(data["columns"]) if isinstance(c, dict)), key=_order)
    schema = _dict(data.get("schema_changes"))
    missing, new = _texts(schema.get("missing_in_current")), _texts(schema.get("new_in_current"))
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
        spark = (trends or {}).get(view["name"])
        if spark is not None:
            view["trend_id"] = f"{view['chart_id']}-trend"
            charts.append({**spark, "id": view["trend_id"]})
    for name in missing:
        rows.append(schema_row(name, len(rows), "missing", "missing from current"))
    for col in columns:
        rows.append(table_row(col, len(rows), panel_ids.get(id(col))))
    for name in new:
        rows.append(schema_row(name, len(rows), "new", "new in current (not tested)"))

    model = {
        "performance": performance_view(data.get("performance"), charts),
        "target": drift_view(data.get("target_drift"), charts),
        "prediction": drift_view(data.get("prediction_drift"), charts),
    }

    dd = _dict(data["dataset_drift"])
    verdict = _dict(data["verdict"])
    settings = _dict(data.get("settings"))
    return {
        "version": str(data.get("driftcli_version") or ""),
        "generated_at": str(data.get("generated_at") or ""),
        "sides": [
            _side("reference", data["reference"]),
            _side("current", data["current"]),
        ],
        "verdict": {
            "passed": verdict.get("passed") is True,
            "exit_code": fmt(number(verdict.get("exit_code"))),
            "reasons": _texts(verdict.get("reasons")),
        },
        "dataset": {
            "detected": dd.get("detected") is True,
            "drifted_columns": fmt(number(dd.get("drifted_columns"))),
            "total_columns": fmt(number(dd.get("total_columns"))),
            "share_pct": pct(dd.get("share")),
            "threshold_pct": pct(dd.get("threshold")),
            "share_width": f"{min(max(number(dd.get('share')) or 0, 0), 1) * 100:.2f}",
            "threshold_left": f"{min(max(number(dd.get('threshold')) or 0, 0), 1) * 100:.2f}",
        },
        "settings": _settings_items(settings),
        "settings_summary": _settings_summary(settings),
        "rows": rows,
        "row_limit": TABLE_ROWS,
        "panels": panels,
        "tested": len(tested),
        "more_panels": max(len(tested) - len(panels), 0),
        "skipped": len(columns) - len(tested),
        "schema": {
            "missing": missing,
            "new": new,
            "type_changed": [
                {k: str(t.get(k)) for k in ("column", "reference", "current")}
                for t in _list(schema.get("type_changed"))
                if isinstance(t, dict)
            ],
        },
        "model": model,
        "has_model": any(v is not None for v in model.values()),
        "charts": charts,
        "beyond": _beyond(result),
    }


def _beyond(result: Result) -> list[dict[str, Any]]:
    """Multivariate, missing-value, quality and segment sections as plain text tables (the
    template autoescapes every cell)."""
    from dataclasses import asdict as as_plain

    from driftcli.analysis.report import tables

    return [as_plain(t) for t in tables(result)]


def render(
    result: Result,
    *,
    max_panels: int = MAX_PANELS,
    trends: dict[str, dict[str, Any]] | None = None,
) -> str:
    """The report as one HTML document (with sparklines when ``trends`` are given)."""
    folder = templates_dir()
    env = _environment(str(folder))
    ctx = context(result, max_panels=max_panels, trends=trends)
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
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(f"{source}: not a driftcli result (no valid schema_version)")
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{source}: result schema_version {version} is newer than this driftcli reads "
            f"({SCHEMA_VERSION}); upgrade driftcli"
        )
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
