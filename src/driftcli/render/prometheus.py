"""Prometheus metrics for node_exporter's textfile collector, written atomically.

Point node_exporter at a directory (``--collector.textfile.directory``) and write the file
there from cron; the collector reads whole files only, which the atomic rename guarantees.
Names follow the conventions: a ``driftcli_`` prefix, base units, ``_seconds`` for time,
one metric family per meaning with ``column``/``test``/``kind`` labels. Values that do not
exist (the p-value of a distance test) are left out rather than written as NaN.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from driftcli.errors import UsageError
from driftcli.io import atomic_writer
from driftcli.result import Result

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def escape_label(value: str) -> str:
    """Escape a label value: backslash, double quote and newline."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    """Escape HELP text: backslash and newline."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def parse_labels(items: Iterable[str]) -> dict[str, str]:
    """``["job=nightly", "model=churn"]`` -> labels; names checked against Prometheus rules."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not LABEL_NAME.match(name) or name.startswith("__"):
            raise UsageError(f"prometheus label {item!r}: expected NAME=VALUE with a valid name")
        out[name] = value
    return out


@dataclass
class Family:
    """One metric family: name, help, and samples (labels, value)."""

    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float | bool | None, **labels: str) -> None:
        """Add a sample; None is skipped."""
        if value is not None:
            self.samples.append((labels, float(value)))


def _format(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value) if not value.is_integer() else str(int(value))


def render(families: list[Family], extra: Mapping[str, str] | None = None) -> str:
    """The text exposition format of ``families`` (empty families are left out)."""
    lines: list[str] = []
    for fam in families:
        if not fam.samples:
            continue
        lines.append(f"# HELP {fam.name} {escape_help(fam.help)}")
        lines.append(f"# TYPE {fam.name} gauge")
        for labels, value in fam.samples:
            merged = {**(extra or {}), **labels}
            text = ",".join(f'{k}="{escape_label(v)}"' for k, v in merged.items())
            lines.append(
                f"{fam.name}{{{text}}} {_format(value)}" if text else f"{fam.name} {_format(value)}"
            )
    return "\n".join(lines) + "\n"


def _timestamp(generated_at: str) -> float:
    try:
        moment = datetime.strptime(generated_at, "%Y-%m-%dT%H:%M:%SZ")
        return moment.replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return time.time()


def families(result: Result) -> list[Family]:
    """Every metric family of ``result``."""
    stat = Family("driftcli_column_drift_statistic", "Statistic of the column's drift test.")
    pval = Family("driftcli_column_drift_p_value", "p-value of the column's test (p-value tests).")
    padj = Family(
        "driftcli_column_drift_p_value_adjusted",
        "p-value after the multiple-testing correction.",
    )
    thr = Family("driftcli_column_drift_threshold", "Threshold the column's test is held to.")
    flag = Family("driftcli_column_drift_detected", "1 when the column drifted, else 0.")
    effect = Family("driftcli_column_effect_size", "Effect size of the column's shift.")
    for col in result.columns:
        if not col.tested:
            continue
        labels = {"column": col.name, "test": col.test or "", "kind": col.kind}
        stat.add(col.statistic, **labels)
        pval.add(col.p_value, **labels)
        padj.add(col.p_value_adjusted, **labels)
        thr.add(col.threshold, **labels)
        flag.add(col.drift, **labels)
        if col.effect_size:
            effect.add(
                col.effect_size.get("value"),
                column=col.name,
                kind=col.kind,
                measure=str(col.effect_size.get("name")),
            )
    dd = result.dataset_drift
    out = [stat, pval, padj, thr, flag, effect]
    for name, help_text, value in (
        ("driftcli_dataset_drift_share", "Share of tested columns that drifted.", dd.share),
        (
            "driftcli_dataset_drift_threshold",
            "Share at which dataset drift is detected.",
            dd.threshold,
        ),
        ("driftcli_dataset_drift_detected", "1 when dataset drift was detected.", dd.detected),
        ("driftcli_dataset_drifted_columns", "Tested columns that drifted.", dd.drifted_columns),
        ("driftcli_dataset_tested_columns", "Columns that were tested.", dd.total_columns),
        (
            "driftcli_schema_missing_columns",
            "Reference columns missing from the current data.",
            len(result.schema_changes.missing_in_current),
        ),
        (
            "driftcli_schema_type_changed_columns",
            "Columns whose type changed.",
            len(result.schema_changes.type_changed),
        ),
    ):
        fam = Family(name, help_text)
        fam.add(value)
        out.append(fam)
    rows = Family("driftcli_input_rows", "Rows of each input.")
    rows.add(result.reference.rows, dataset="reference")
    rows.add(result.current.rows, dataset="current")
    out.append(rows)
    perf = result.performance
    if perf and perf.get("metrics"):
        metric = Family("driftcli_performance_metric", "Model performance metric per dataset.")
        breached = Family(
            "driftcli_performance_metric_breached", "1 when the metric breached its limit."
        )
        for m in perf["metrics"]:
            name = str(m.get("name"))
            for side in ("reference", "current"):
                v = m.get(side)
                if isinstance(v, int | float) and not isinstance(v, bool):
                    metric.add(v, metric=name, dataset=side)
            breached.add(bool(m.get("breached")), metric=name)
        out += [metric, breached]
    out += run_families(result.exit_code, _timestamp(result.generated_at))
    return out


def run_families(exit_code: int, timestamp: float) -> list[Family]:
    """The exit code and the run's time (also written when the check could not run)."""
    code = Family("driftcli_exit_code", "Exit code of the last run: 0 passed, 1 breached, 2 error.")
    code.add(exit_code)
    ts = Family("driftcli_last_run_timestamp_seconds", "Unix time of the last run.")
    ts.add(timestamp)
    return [code, ts]


def dumps(result: Result, labels: Mapping[str, str] | None = None) -> str:
    """The textfile document for ``result``."""
    return render(families(result), labels)


def write(
    result: Result, path: str | os.PathLike[str], labels: Mapping[str, str] | None = None
) -> None:
    """Write the textfile atomically (node_exporter never sees a half-written file)."""
    text = dumps(result, labels)
    with atomic_writer(path) as fh:
        fh.write(text)


def write_failure(
    path: str | os.PathLike[str], exit_code: int, labels: Mapping[str, str] | None = None
) -> None:
    """A run that could not compare: only the exit code and the time, so alerts still fire."""
    text = render(run_families(exit_code, time.time()), labels)
    with atomic_writer(path) as fh:
        fh.write(text)
