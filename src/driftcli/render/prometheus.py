"""Prometheus metrics for node_exporter's textfile collector, written atomically.

Point node_exporter at a directory (``--collector.textfile.directory``) and write the file
there from cron; the collector reads whole files only, which the atomic rename guarantees.
Names follow the conventions: a ``driftcli_`` prefix, base units, ``_seconds`` for time,
one metric family per meaning with ``column``/``test``/``kind`` labels. Values that do not
exist (the p-value of a distance test) are left out rather than written as NaN.

A killed run must never leave yesterday's ``driftcli_exit_code 0`` looking fresh, so the
file is written twice: at the start (:func:`write_running`) with
``driftcli_run_in_progress 1``, the start time, and the previous run's exit code and time
carried over unchanged; at the end with the full result and ``driftcli_run_in_progress 0``.
Alert on ``driftcli_exit_code != 0``, on ``time() - driftcli_last_run_timestamp_seconds``
above the schedule, and on ``driftcli_run_in_progress == 1`` for longer than a run takes.

Extra labels (``--prometheus-label``) go on every series; the names driftcli itself sets on
some series (:data:`RESERVED_LABELS`, for example ``column``) are refused, because one of
the two values would have to be dropped silently.

The text is built here rather than with ``prometheus_client``: escaping and name checks
are a few lines, the file must go through driftcli's own all-or-nothing writer (path
checks, fsync, signal cleanup), and the client would become a runtime dependency. The
test suite parses every file with ``prometheus_client``'s parser instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from driftcli.errors import UsageError
from driftcli.render.writer import atomic_writer, on_interrupt, resolve
from driftcli.result import Result
from driftcli.text import terminal

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: Labels driftcli sets itself on some series.
RESERVED_LABELS = frozenset(
    {"column", "test", "kind", "measure", "metric", "dataset", "check", "by", "segment"}
)


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
            raise UsageError(
                f"prometheus label {terminal(repr(item))}: expected NAME=VALUE with a valid name"
            )
        if name in RESERVED_LABELS:
            raise UsageError(
                f"prometheus label {terminal(repr(item))}: {name!r} is set by driftcli on its "
                f"own series (reserved: {', '.join(sorted(RESERVED_LABELS))}); use another name"
            )
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


def families(result: Result, *, exit_code: int | None = None) -> list[Family]:
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
    out += _beyond_families(result)
    code = result.exit_code if exit_code is None else exit_code
    out += run_families(code, _timestamp(result.generated_at))
    return out


def _beyond_families(result: Result) -> list[Family]:
    """Multivariate test, missing shares, quality checks and segments."""
    mv_p = Family("driftcli_multivariate_p_value", "p-value of the multivariate test.")
    mv_auc = Family("driftcli_multivariate_auc", "Held-out AUC of the multivariate test.")
    mv_flag = Family("driftcli_multivariate_drift_detected", "1 when multivariate drift.")
    mv_imp = Family(
        "driftcli_multivariate_column_importance", "Held-out AUC lost when the column is shuffled."
    )
    mv = result.multivariate
    if mv and not mv.get("skipped_reason"):
        mv_p.add(mv.get("p_value"))
        mv_auc.add(mv.get("auc"))
        mv_flag.add(bool(mv.get("drift")))
        for d in mv.get("columns", []):
            mv_imp.add(d.get("importance"), column=str(d.get("name")))
    miss = Family("driftcli_column_missing_share", "Share of missing values per dataset.")
    miss_flag = Family("driftcli_column_missing_drift", "1 when the missing share drifted.")
    for r in (result.missing or {}).get("columns", []):
        miss.add(r.get("reference_share"), column=str(r["name"]), dataset="reference")
        miss.add(r.get("current_share"), column=str(r["name"]), dataset="current")
        miss_flag.add(bool(r.get("drift")), column=str(r["name"]))
    qual = Family("driftcli_quality_check_value", "Value of a data-quality check.")
    qual_flag = Family("driftcli_quality_check_failed", "1 when a data-quality check failed.")
    for c in (result.quality or {}).get("checks", []):
        labels = {"check": str(c["check"]), "column": str(c.get("column") or "")}
        qual.add(c.get("value"), **labels)
        qual_flag.add(bool(c.get("failed")), **labels)
    seg = Family("driftcli_segment_drift_share", "Share of tested columns drifted per segment.")
    ratio = Family("driftcli_segment_metric_ratio", "Segment metric / best segment's metric.")
    for by in (result.segments or {}).get("by", []):
        for sg in by.get("segments", []):
            seg.add(sg.get("share"), by=str(by["column"]), segment=str(sg["value"]))
        for d in by.get("disparity", []):
            ratio.add(
                d.get("ratio"),
                by=str(by["column"]),
                segment=str(d["value"]),
                metric=str(d["metric"]),
            )
    return [mv_p, mv_auc, mv_flag, mv_imp, miss, miss_flag, qual, qual_flag, seg, ratio]


def run_families(
    exit_code: float | None, timestamp: float | None, *, running: bool = False
) -> list[Family]:
    """Whether a run is in progress, the exit code and the time of the last finished run
    (also written when the check could not run)."""
    progress = Family(
        "driftcli_run_in_progress",
        "1 from the start of a run until it finishes; a 1 that stays means the run was killed.",
    )
    progress.add(running)
    code = Family("driftcli_exit_code", "Exit code of the last run: 0 passed, 1 breached, 2 error.")
    code.add(exit_code)
    ts = Family("driftcli_last_run_timestamp_seconds", "Unix time of the last finished run.")
    ts.add(timestamp)
    return [progress, code, ts]


def dumps(
    result: Result, labels: Mapping[str, str] | None = None, *, exit_code: int | None = None
) -> str:
    """The textfile document for ``result``; ``exit_code`` overrides the verdict's (a
    failed alert delivery turns 0 into 2)."""
    return render(families(result, exit_code=exit_code), labels)


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


_SAMPLE = re.compile(r"^(driftcli_exit_code|driftcli_last_run_timestamp_seconds)(?:\{.*\})? (\S+)$")


def previous_run(path: str | os.PathLike[str]) -> tuple[float | None, float | None]:
    """The exit code and time of the last finished run recorded in ``path``, if any."""
    found: dict[str, float] = {}
    try:
        with open(resolve(path), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                m = _SAMPLE.match(line.strip())
                if m:
                    with contextlib.suppress(ValueError):
                        found.setdefault(m[1], float(m[2]))
    except OSError:
        pass
    return found.get("driftcli_exit_code"), found.get("driftcli_last_run_timestamp_seconds")


def write_running(path: str | os.PathLike[str], labels: Mapping[str, str] | None = None) -> None:
    """Mark a run as started: ``driftcli_run_in_progress 1`` and its start time, with the
    previous run's exit code and time kept as they were (so they look as old as they are).
    A Ctrl-C before the run ends puts the file back as it was (or removes it)."""
    try:
        before: str | None = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        before = None
    except (OSError, UnicodeDecodeError):  # the write below says what is wrong, if anything
        before = ""
    code, when = previous_run(path)
    started = Family("driftcli_run_started_timestamp_seconds", "Unix time the current run started.")
    started.add(time.time())
    text = render([*run_families(code, when, running=True), started], labels)
    with atomic_writer(path) as fh:
        fh.write(text)
    on_interrupt(lambda: _put_back(path, before))


def _put_back(path: str | os.PathLike[str], before: str | None) -> None:
    """The textfile as it was before this run: removed when there was none."""
    if before is None:
        Path(path).unlink(missing_ok=True)
    else:
        with atomic_writer(path) as fh:
            fh.write(before)
