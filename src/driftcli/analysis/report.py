"""The sections beyond one column as plain tables of text, for every renderer.

Renderers display; they do not compute. Each renderer turns these :class:`Table` objects into
its own format and passes every cell through its channel's sanitizer (cells hold text from the
data: column names, segment values, category labels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from driftcli.gate import SECTION_CONDITIONS, gating
from driftcli.result import Result

_BAD = "this section of the result is malformed and is not shown"
#: Rows per table; the JSON lists everything.
MAX_ROWS = 50


@dataclass
class Table:
    """One section: a title, a header, rows of text cells and notes under it."""

    key: str
    title: str
    head: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    breached: bool = False
    """The section found something its ``--fail-on`` condition can turn into a breach."""
    gating: bool = False
    """That condition is in the run's ``--fail-on``: the finding breaches, not only shows."""


def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def _pct(x: Any) -> str:
    return "-" if x is None else f"{float(x):.1%}"


def _signed_pct(x: Any) -> str:
    return "-" if x is None else f"{float(x) * 100:+.1f} pp"


def multivariate(section: dict[str, Any] | None) -> Table | None:
    """The multivariate test: p-value, held-out AUC and the columns that drive it."""
    if not section:
        return None
    t = Table(
        "multivariate",
        "Multivariate drift (classifier two-sample test)",
        ["p-value", "held-out AUC", "drift", "top columns (AUC lost when shuffled)"],
    )
    if section.get("skipped_reason"):
        t.notes.append(f"not tested: {section['skipped_reason']}")
        return t
    tops = ", ".join(f"{d['name']} ({d['importance']:.3f})" for d in section.get("columns", [])[:5])
    t.rows.append(
        [
            _num(section.get("p_value"), 3),
            _num(section.get("auc"), 3),
            "yes" if section.get("drift") else "no",
            tops or "-",
        ]
    )
    held = section.get("held_out") or {}
    how = "row samples" if section.get("sampled") else "all rows"
    t.notes.append(
        f"alpha {section.get('alpha')}; fitted on half, scored on {held.get('reference', 0):,} + "
        f"{held.get('current', 0):,} held-out rows ({how}, up to "
        f"{section.get('sample_rows', 0):,} per side)"
    )
    t.breached = bool(section.get("drift"))
    return t


def missing(section: dict[str, Any] | None) -> Table | None:
    """Columns whose missing share changed (every column is in the JSON)."""
    if not section:
        return None
    t = Table(
        "missing",
        "Missing values",
        ["column", "reference", "current", "change", "p-value", "drift"],
    )
    moved = [r for r in section.get("columns", []) if r["change"] != 0 or r["all_missing"]]
    moved.sort(key=lambda r: (not r["drift"], -abs(r["change"])))
    for r in moved[:MAX_ROWS]:
        flag = "ALL MISSING" if r["all_missing"] else ("yes" if r["drift"] else "no")
        t.rows.append(
            [
                r["name"],
                _pct(r["reference_share"]),
                _pct(r["current_share"]),
                _signed_pct(r["change"]),
                _num(r["p_value"], 3),
                flag,
            ]
        )
    if not moved:
        t.notes.append("no column's missing share changed")
    t.notes.append(
        f"drift: p < {section.get('alpha')} and a change of at least "
        f"{_pct(section.get('max_change'))}, or a current column entirely missing"
    )
    t.breached = any(r["drift"] for r in section.get("columns", []))
    return t


def quality(section: dict[str, Any] | None) -> Table | None:
    """Data-quality checks that found something."""
    if not section:
        return None
    t = Table("quality", "Data quality", ["check", "column", "value", "limit", "failed", "detail"])
    for c in section.get("checks", [])[:MAX_ROWS]:
        t.rows.append(
            [
                c["check"],
                c.get("column") or "(rows)",
                _pct(c.get("value")),
                _pct(c.get("limit")),
                "yes" if c.get("failed") else "no",
                c["detail"],
            ]
        )
    if not t.rows:
        t.notes.append("no values out of range, no new categories, no column became constant")
    t.breached = any(c.get("failed") for c in section.get("checks", []))
    return t


def segments(section: dict[str, Any] | None) -> list[Table]:
    """One table per --segment-by column, and the disparity rows that breach or are worst."""
    if not section:
        return []
    out: list[Table] = []
    for by in section.get("by", []):
        t = Table(
            "segments",
            f"Segments by {by['column']}",
            [
                "segment",
                "reference rows",
                "current rows",
                "drift share",
                "drifted columns",
                "metrics",
            ],
        )
        for s in by["segments"][:MAX_ROWS]:
            if s.get("skipped_reason"):
                cols, share = f"not tested: {s['skipped_reason']}", "-"
            else:
                cols = ", ".join(s["drifted_columns"][:5]) or "-"
                share = _pct(s["share"]) + (" DRIFT" if s["dataset_drift"] else "")
            metrics = ", ".join(f"{k} {_num(v, 3)}" for k, v in s["metrics"].items()) or "-"
            t.rows.append(
                [
                    s["value"],
                    f"{s['reference_rows']:,}",
                    f"{s['current_rows']:,}",
                    share,
                    cols,
                    metrics,
                ]
            )
        for d in by.get("disparity", []):
            if d["breached"]:
                t.notes.append(
                    f"disparity: {d['metric']} of {d['value']} is {d['ratio']:.2f} of {d['best']}'s"
                )
        t.breached = bool(by.get("breaches"))
        out.append(t)
    return out


def tables(result: Result) -> list[Table]:
    """Every section beyond one column that the result holds, in display order."""
    settings = result.settings if isinstance(result.settings, dict) else {}  # hand-edited JSON
    fail_on = settings.get("fail_on")
    breaching = gating([str(c) for c in fail_on]) if isinstance(fail_on, list) else set()
    found: list[Table | None] = []
    for key, view in (
        ("multivariate", multivariate),
        ("missing", missing),
        ("quality", quality),
        ("segments", segments),
    ):
        section = getattr(result, key)
        try:
            shown = view(section)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            # a saved JSON result edited by hand: say so rather than fail the whole report
            shown = Table(key, f"{key} (unreadable in this result)", [], notes=[_BAD])
            shown.rows = [["-"]]
            shown.head = ["section"]
        for t in shown if isinstance(shown, list) else [shown]:
            if t is not None:
                t.gating = SECTION_CONDITIONS[key] in breaching
            found.append(t)
    # missing and quality are always computed: shown only when they found something
    return [t for t in found if t is not None and (t.rows or t.key == "multivariate")]


__all__ = ["Table", "tables"]
