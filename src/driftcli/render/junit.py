r"""JUnit XML view: one test case per checked column and per performance metric.

The shape GitHub (test reporters), GitLab (``artifacts:reports:junit``) and Jenkins
(``junit`` step) read: ``<testsuites>`` holding one ``<testsuite>`` per area:

* ``driftcli.columns``: every compared column, plus each column missing from the current
  data. A drifted column is a ``<failure type="drift">``; a missing or type-changed column
  a ``<failure type="schema">``; a column that was not tested (id-like, datetime, ...) is
  ``<skipped>`` with the reason.
* ``driftcli.dataset``: one case, ``dataset drift``, failing when the drifted share reaches
  its threshold.
* ``driftcli.performance``: one case per metric, failing when the metric breached its limit.
* ``driftcli.model``: one case per checked model column (``target drift: NAME``,
  ``prediction drift: NAME`` for the prediction and each probability column), plus
  ``prediction confidence`` when probabilities are given; ``target drift`` is ``<skipped>``
  when the current data has no labels yet.

A failure marks a finding, whatever ``fail_on`` says; the exit code remains the gate.
Every string goes through :func:`driftcli.text.xml`: control characters (``\x01``, ESC,
C1) are shown as escapes such as ``\x1b``, and what XML 1.0 cannot hold at all (lone
surrogates, U+FFFE) becomes U+FFFD, so every parser reads the file and no CI log that
prints it is repainted.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, fields
from typing import Any

from driftcli import text
from driftcli.render.console import fmt
from driftcli.render.writer import atomic_writer
from driftcli.result import ColumnResult, Result

_COLUMN_KEYS = frozenset(f.name for f in fields(ColumnResult))


def xml_safe(value: str) -> str:
    r"""``value`` as element text every XML 1.0 parser reads (see :func:`driftcli.text.xml`).

    >>> xml_safe("a\x01b\ud800\nline 2")
    'a\\x01b\ufffd\nline 2'
    """
    return text.xml(value, multiline=True)


@dataclass
class Case:
    """One test case: passed, failed (``failure``) or skipped (``skipped``)."""

    name: str
    failure: tuple[str, str, str] | None = None  # (type, message, details)
    skipped: str | None = None
    output: str = ""


@dataclass
class Suite:
    """A named group of cases."""

    name: str
    cases: list[Case] = field(default_factory=list)


def _column_case(col: ColumnResult, type_changed: set[str]) -> Case:
    if col.name in type_changed:
        return Case(col.name, failure=("schema", col.skipped_reason or "type changed", ""))
    if not col.tested:
        return Case(col.name, skipped=col.skipped_reason)
    rule = "p" if col.output == "p_value" else "statistic"
    value = col.p_value_adjusted if col.p_value_adjusted is not None else col.p_value
    decisive = value if col.output == "p_value" else col.statistic
    op = "<" if col.output == "p_value" else ">="
    detail = (
        f"kind={col.kind} test={col.test} statistic={fmt(col.statistic)} "
        f"p_value={fmt(col.p_value)} p_value_adjusted={fmt(col.p_value_adjusted)} "
        f"threshold={fmt(col.threshold)} severity={col.severity}"
    )
    if col.drift:
        message = (
            f"{col.test}: {rule} {fmt(decisive)} {op} threshold {fmt(col.threshold)} "
            f"(severity {col.severity})"
        )
        return Case(col.name, failure=("drift", message, detail))
    return Case(col.name, output=detail)


def suites(result: Result) -> list[Suite]:
    """The suites and cases of ``result`` (what :func:`dumps` writes)."""
    sc = result.schema_changes
    type_changed = {c["column"] for c in sc.type_changed}
    columns = Suite("driftcli.columns", [_column_case(c, type_changed) for c in result.columns])
    columns.cases += [
        Case(name, failure=("schema", "missing from the current data", ""))
        for name in sc.missing_in_current
    ]
    dd = result.dataset_drift
    share = (
        f"{dd.drifted_columns} of {dd.total_columns} tested columns drifted "
        f"({dd.share:.0%}, threshold {dd.threshold:.0%})"
    )
    dataset = Suite(
        "driftcli.dataset",
        [
            Case(
                "dataset drift", failure=("drift", share, "") if dd.detected else None, output=share
            )
        ],
    )
    out = [columns, dataset]
    perf = result.performance
    if perf:
        suite = Suite("driftcli.performance")
        metrics = perf.get("metrics", [])
        breaches = [str(b) for b in perf.get("breaches", [])]
        for metric in metrics:
            suite.cases.append(_metric_case(metric, breaches))
        names = [str(m.get("name")) + " " for m in metrics]
        other = [b for b in breaches if not b.startswith(tuple(names))]
        if other:  # a breach that belongs to no metric row still shows as a failure
            suite.cases.append(Case("performance", failure=("performance", "; ".join(other), "")))
        if not suite.cases and perf.get("skipped_reason"):
            suite.cases.append(Case("performance", skipped=str(perf["skipped_reason"])))
        out.append(suite)
    model = Suite("driftcli.model", _model_cases(result))
    if model.cases:
        out.append(model)
    out += _beyond_suites(result)
    return out


def _beyond_suites(result: Result) -> list[Suite]:
    """``driftcli.multivariate``, ``driftcli.missing``, ``driftcli.quality`` and
    ``driftcli.segments``: one case per test, column, check or segment."""
    out: list[Suite] = []
    mv = result.multivariate
    if mv:
        if mv.get("skipped_reason"):
            case = Case("multivariate drift", skipped=str(mv["skipped_reason"]))
        else:
            msg = f"held-out AUC {fmt(mv.get('auc'))}, p = {fmt(mv.get('p_value'))}"
            tops = ", ".join(str(d["name"]) for d in mv.get("columns", [])[:3])
            detail = f"top columns: {tops}"
            failure = ("multivariate", msg, detail) if mv.get("drift") else None
            case = Case("multivariate drift", failure=failure, output=f"{msg}; {detail}")
        out.append(Suite("driftcli.multivariate", [case]))
    if result.missing:
        suite = Suite("driftcli.missing")
        for r in result.missing.get("columns", []):
            msg = (
                f"missing share {r['reference_share']:.1%} -> {r['current_share']:.1%} "
                f"(p = {fmt(r['p_value'])})"
            )
            suite.cases.append(
                Case(
                    f"missing: {r['name']}",
                    failure=("missing", msg, "") if r["drift"] else None,
                    output=msg,
                )
            )
        out.append(suite)
    if result.quality:
        suite = Suite("driftcli.quality")
        for c in result.quality.get("checks", []):
            name = f"{c['check']}: {c.get('column') or 'rows'}"
            failed = ("quality", str(c["detail"]), "") if c.get("failed") else None
            suite.cases.append(Case(name, failure=failed, output=str(c["detail"])))
        if suite.cases:
            out.append(suite)
    if result.segments:
        suite = Suite("driftcli.segments")
        for by in result.segments.get("by", []):
            for seg in by.get("segments", []):
                name = f"segment {by['column']}={seg['value']}"
                if seg.get("skipped_reason"):
                    suite.cases.append(Case(name, skipped=str(seg["skipped_reason"])))
                    continue
                mine = [b for b in by.get("breaches", []) if b.startswith(name + ":")]
                msg = f"drifted columns: {', '.join(seg['drifted_columns']) or 'none'}"
                failure = ("segment", "; ".join(mine), msg) if mine else None
                suite.cases.append(Case(name, failure=failure, output=msg))
        out.append(suite)
    return out


def _model_cases(result: Result) -> list[Case]:
    """A case per checked target/prediction/probability column, and the confidence check."""
    cases: list[Case] = []
    for key, label in (("target_drift", "target drift"), ("prediction_drift", "prediction drift")):
        section = getattr(result, key)
        if section is None:
            continue
        breaches = [str(b) for b in section.get("breaches", [])]
        mine: list[Case] = []
        for raw in section.get("columns") or []:
            col = ColumnResult(**{k: v for k, v in raw.items() if k in _COLUMN_KEYS})
            case = _column_case(col, set())
            case.name = f"{label}: {col.name}"
            mine.append(case)
        confidence = section.get("confidence")
        if confidence:
            message = (
                f"mean top-class probability dropped by {fmt(confidence.get('drop'))} "
                f"(max drop {fmt(confidence.get('max_drop'))})"
            )
            detail = (
                f"reference={fmt(confidence.get('reference', {}).get('mean_top_probability'))} "
                f"current={fmt(confidence.get('current', {}).get('mean_top_probability'))} "
                f"drop={fmt(confidence.get('drop'))} max_drop={fmt(confidence.get('max_drop'))}"
            )
            breached = bool(confidence.get("breached"))
            failure = ("drift", message, detail) if breached else None
            mine.append(Case("prediction confidence", failure=failure, output=detail))
        if not mine and section.get("skipped_reason"):
            mine.append(Case(label, skipped=str(section["skipped_reason"])))
        if breaches and not any(c.failure for c in mine):  # a breach no case accounts for
            mine.append(Case(label, failure=("drift", "; ".join(breaches), "")))
        cases += mine
    return cases


def _metric_case(metric: dict[str, Any], breaches: list[Any]) -> Case:
    name = str(metric.get("name"))
    detail = (
        f"reference={fmt(metric.get('reference'))} current={fmt(metric.get('current'))} "
        f"change={fmt(metric.get('change'))} relative_change={fmt(metric.get('relative_change'))}"
    )
    if metric.get("breached"):
        mine = [str(b) for b in breaches if str(b).startswith(name + " ")]
        return Case(name, failure=("performance", "; ".join(mine) or f"{name} breached", detail))
    return Case(name, output=detail)


def dumps(result: Result) -> str:
    """The JUnit XML document."""
    all_suites = suites(result)

    def counts(cases: list[Case]) -> dict[str, str]:
        return {
            "tests": str(len(cases)),
            "failures": str(sum(c.failure is not None for c in cases)),
            "errors": "0",
            "skipped": str(sum(c.skipped is not None for c in cases)),
            "time": "0",
        }

    def attrs(**values: str) -> dict[str, str]:
        return {k: text.xml(v) for k, v in values.items()}

    every = [c for s in all_suites for c in s.cases]
    root = ET.Element("testsuites", {"name": "driftcli", **counts(every)})
    for suite in all_suites:
        el = ET.SubElement(
            root,
            "testsuite",
            attrs(name=suite.name, **counts(suite.cases), timestamp=result.generated_at),
        )
        if suite.name == "driftcli.columns":
            props = ET.SubElement(el, "properties")
            for key, value in (
                ("reference", result.reference.path or result.reference.format),
                ("current", result.current.path or result.current.format),
                ("exit_code", str(result.exit_code)),
                ("driftcli_version", result.driftcli_version),
            ):
                ET.SubElement(props, "property", attrs(name=key, value=value))
        for case in suite.cases:
            tc = ET.SubElement(
                el, "testcase", attrs(classname=suite.name, name=case.name, time="0")
            )
            if case.failure is not None:
                kind, message, details = case.failure
                failure = ET.SubElement(tc, "failure", attrs(type=kind, message=message))
                failure.text = xml_safe(details or message)
            elif case.skipped is not None:
                ET.SubElement(tc, "skipped", attrs(message=case.skipped))
            if case.output:
                ET.SubElement(tc, "system-out").text = xml_safe(case.output)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write(result: Result, path: str | os.PathLike[str]) -> None:
    """Write the JUnit XML atomically."""
    text = dumps(result)
    with atomic_writer(path) as fh:
        fh.write(text)
