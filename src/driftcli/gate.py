"""Gating: which findings breach under ``fail_on``, the verdict, and the exit code."""

from __future__ import annotations

from dataclasses import dataclass

from driftcli.result import Result, Verdict

EXIT_PASSED = 0
EXIT_BREACHED = 1
EXIT_ERROR = 2


@dataclass
class Finding:
    """Something that breaches when its condition is in ``fail_on``."""

    condition: str
    message: str


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


#: The result's sections that hold ``breaches``, and the ``--fail-on`` condition of each.
SECTION_CONDITIONS = {
    "performance": "performance",
    "target_drift": "target",
    "prediction_drift": "prediction",
    "multivariate": "multivariate",
    "missing": "missing",
    "quality": "quality",
    "segments": "segment",
}


def gating(fail_on: list[str]) -> set[str]:
    """The conditions of ``fail_on`` that breach (none with ``never``)."""
    return set(fail_on) - {"never"}


def findings(result: Result) -> list[Finding]:
    """Every finding of the result that some ``--fail-on`` condition can turn into a breach."""
    out: list[Finding] = []
    dd = result.dataset_drift
    if dd.detected:
        out.append(
            Finding(
                "dataset",
                f"dataset drift: {dd.drifted_columns} of {dd.total_columns} tested columns "
                f"drifted ({dd.share:.0%} >= {dd.threshold:.0%})",
            )
        )
    drifted = [c.name for c in result.columns if c.drift]
    if drifted:
        out.append(Finding("column", f"{len(drifted)} column(s) drifted: {_names(drifted)}"))
    sc = result.schema_changes
    if sc.missing_in_current:
        out.append(Finding("schema", f"missing from current: {_names(sc.missing_in_current)}"))
    for change in sc.type_changed:
        out.append(
            Finding(
                "schema",
                f"column {change['column']!r} changed type: "
                f"{change['reference']} -> {change['current']}",
            )
        )
    for key, condition in SECTION_CONDITIONS.items():
        section = getattr(result, key)
        if section:
            out.extend(Finding(condition, msg) for msg in section.get("breaches", []))
    return out


def decide(result: Result, fail_on: list[str]) -> Verdict:
    """The verdict: breached when a finding's condition is in ``fail_on`` (never with ``never``)."""
    found = findings(result)
    breaching = gating(fail_on)
    breaches = [f.message for f in found if f.condition in breaching]
    if breaches:
        return Verdict(passed=False, exit_code=EXIT_BREACHED, reasons=breaches)
    dd = result.dataset_drift
    summary = (
        f"{dd.drifted_columns} of {dd.total_columns} tested columns drifted ({dd.share:.0%}; "
        f"dataset drift from {dd.threshold:.0%})"
    )
    not_gating = [f"not gating ({f.condition} not in --fail-on): {f.message}" for f in found]
    conditions = {f.condition for f in found}
    return Verdict(
        passed=True,
        exit_code=EXIT_PASSED,
        reasons=[summary, *not_gating, *_model_notes(result, conditions)],
    )


def _model_notes(result: Result, conditions: set[str]) -> list[str]:
    """What the model checks found when nothing breached (nothing without model columns).

    ``conditions`` are those of the (non-gating) findings, so a note never claims "no
    prediction drift" next to a prediction-drift finding.
    """
    perf, notes = result.performance, []
    if perf and perf.get("skipped_reason"):
        notes.append(f"performance not checked: {perf['skipped_reason']}")
    elif perf and perf.get("metrics") and "performance" not in conditions:
        notes.append(f"{len(perf['metrics'])} model metrics within their limits")
    if (
        result.prediction_drift
        and result.prediction_drift.get("columns")
        and "prediction" not in conditions
    ):
        notes.append("no prediction drift")
    return notes
