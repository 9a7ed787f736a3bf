"""Command line: a thin Typer layer over :func:`driftcli.compare` and the renderers.

It parses options, calls the library, hands the result to renderers and maps errors to
exit codes (0 passed, 1 breached, 2 could not run). Nothing else of substance lives here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperCommand

from driftcli import __version__, stattests, text
from driftcli import config as config_file
from driftcli.api import compare as run_compare
from driftcli.errors import DriftcliError, OutputError, ResourceError, UsageError
from driftcli.gate import EXIT_ERROR
from driftcli.history import DEFAULT_MONITOR
from driftcli.history import options as history_opts
from driftcli.render import github as github_view
from driftcli.render import json as json_view
from driftcli.render import prometheus as prometheus_view
from driftcli.render import targets, writer
from driftcli.render.writer import atomic_writer
from driftcli.result import Result, Verdict
from driftcli.selection import Selection
from driftcli.settings import FAIL_CONDITIONS
from driftcli.sources.base import first_line


def _click_modules() -> list[Any]:
    """click's exception module, and the copy of click that recent typer versions vendor."""
    mods: list[Any] = [click.exceptions]
    with contextlib.suppress(ImportError):  # older typer uses click itself
        mods.append(importlib.import_module("typer._click.exceptions"))
    return mods


_CLICK = _click_modules()
_CLICK_EXIT = (typer.Exit, *(m.Exit for m in _CLICK if hasattr(m, "Exit")))
_CLICK_ERROR = tuple(m.ClickException for m in _CLICK)
_CLICK_ABORT = (typer.Abort, *(m.Abort for m in _CLICK if hasattr(m, "Abort")))
#: A command run with no arguments: its help, as it stands (several lines, not one).
_CLICK_NO_ARGS = tuple(m.NoArgsIsHelpError for m in _CLICK if hasattr(m, "NoArgsIsHelpError"))

app = typer.Typer(
    name="driftcli",
    help="Tell in seconds whether the data your model sees, or its quality, has shifted.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"driftcli {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """driftcli: data and model drift checks with diff-style exit codes."""


ListOpt = list[str] | None
#: ``--na-values`` of compare and profile.
NaValuesOpt = Annotated[
    ListOpt,
    typer.Option(
        "--na-values",
        help="CSV strings read as missing (repeatable or comma-separated); an empty cell "
        "always is. --na-values '' keeps NA, NULL, ... as values. "
        "[default: NA, N/A, NULL, NaN, nan, null, #N/A, ...]",
    ),
]


def split_na_values(given: ListOpt) -> list[str] | None:
    """``--na-values`` as a list: each occurrence may hold several, comma-separated."""
    return [p for v in given for p in v.split(",")] if given else None


#: What ``--help`` shows for each option's value, instead of a Python type such as ``<str>``.
METAVARS = {
    "--json": "PATH",
    "--html": "PATH",
    "--columns": "COLUMN",
    "--ignore": "COLUMN",
    "--categorical": "COLUMN",
    "--numerical": "COLUMN",
    "--stattest": "NAME",
    "--threshold": "FLOAT",
    "--drift-share": "FLOAT",
    "--fail-on": "CONDITION",
    "--segment-by": "COLUMN",
    "--min-segment-ratio": "FLOAT",
    "--delimiter": "CHAR",
    "--encoding": "NAME",
    "--na-values": "TEXT",
    "--exact-limit": "N",
    "--output": "PATH",
    "--seed": "N",
    "--target": "COLUMN",
    "--prediction": "COLUMN",
    "--proba": "COLUMN[=LABEL]",
    "--task": "TASK",
    "--pos-label": "LABEL",
    "--max-metric-drop": "FLOAT",
    "--min-metric": "NAME=VALUE",
    "--max-confidence-drop": "FLOAT",
    "--correction": "METHOD",
    "--min-rows": "N",
    "--config": "PATH",
    "--junit": "PATH",
    "--markdown": "PATH",
    "--prometheus": "PATH",
    "--prometheus-label": "NAME=VALUE",
    "--annotations": "MODE",
    "--notify": "WHEN",
    "--notify-webhook": "URL",
    "--notify-email": "ADDR",
    "--history": "DB",
    "--monitor": "NAME",
    "--persist": "N",
    "--column": "COLUMN",
    "--metric": "NAME",
    "--last": "N",
    "--since": "DATE",
    "--engine": "NAME",
    "--spark-master": "URL",
    "--dask-scheduler": "ADDRESS",
}


#: Database and time-window options (compare and timeline).
SQL_OPTIONS: dict[str, Any] = {
    "table": typer.Option("--table", help="Table to read from every database URL input."),
    "query": typer.Option("--query", help="SQL query to read from every database URL input."),
    "reference_query": typer.Option(
        "--reference-query", help="SQL query for the reference database input (overrides)."
    ),
    "current_query": typer.Option(
        "--current-query", help="SQL query for the current database input (overrides)."
    ),
    "time_column": typer.Option(
        "--time-column", help="Timestamp or date column that windows select rows by."
    ),
    "current_window": typer.Option(
        "--current-window", help="6h, 7d, 4w or START..END (end exclusive). [default: 7d]"
    ),
    "reference_window": typer.Option(
        "--reference-window",
        help="6h, 7d, 4w or START..END; a duration ends where the current starts. [default: 30d]",
    ),
    "as_of": typer.Option(
        "--as-of",
        help="End of the current window: ISO time or 'now' (UTC unless an offset is given). "
        "[default: just after the latest timestamp]",
    ),
}

METAVARS.update(
    {
        "--table": "NAME",
        "--query": "SQL",
        "--reference-query": "SQL",
        "--current-query": "SQL",
        "--time-column": "COLUMN",
        "--current-window": "WINDOW",
        "--reference-window": "WINDOW",
        "--as-of": "TIME",
        "--every": "PERIOD",
        "--reference": "PATH",
    }
)


class Command(TyperCommand):
    """A command whose ``--help`` names values (PATH, COLUMN, FLOAT, N) instead of types.

    Options take their placeholder from :data:`METAVARS` (an option missing there keeps a
    generic ``TEXT``); arguments show their upper-case name and no type.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.param_type_name == "argument":
                param.metavar = (param.name or "value").upper()
                param.display_type_rich = lambda ctx: None  # type: ignore[attr-defined]
            elif not getattr(param, "is_flag", False) and param.opts:
                param.metavar = METAVARS.get(param.opts[0], "TEXT")


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int | None, str], None] | None]:
    """A rich progress bar on stderr when it is a terminal; otherwise no callback."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from driftcli.render import console as console_view

    with Progress(
        TextColumn("comparing columns"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(file=sys.stderr),
        transient=True,
    ) as bar:
        task = bar.add_task("reading inputs", total=None)

        def update(done: int, total: int | None, name: str) -> None:
            bar.update(task, completed=done, total=total, description=console_view.cell(name))

        yield update


def collect_options(**given: Any) -> dict[str, Any]:
    """Only the options the user set, so library (and config) defaults apply to the rest."""
    return {k: v for k, v in given.items() if v is not None and v != []}


@app.command(cls=Command)
def compare(
    reference: Annotated[
        str | None,
        typer.Argument(
            help="Reference data: .csv, .csv.gz, .parquet, a directory of Parquet files or "
            "a database URL (sqlite:///, postgresql://).",
            show_default=False,
        ),
    ] = None,
    current: Annotated[
        str | None,
        typer.Argument(help="Current data, in any of the same formats.", show_default=False),
    ] = None,
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write the JSON result to this path ('-' for stdout)."),
    ] = None,
    html_path: Annotated[
        str | None,
        typer.Option("--html", help="Write a self-contained, offline HTML report to this path."),
    ] = None,
    columns: Annotated[
        ListOpt,
        typer.Option(
            "--columns", help="Compare only these columns (repeatable or comma-separated)."
        ),
    ] = None,
    ignore: Annotated[
        ListOpt, typer.Option("--ignore", help="Never compare these columns.")
    ] = None,
    categorical: Annotated[
        ListOpt, typer.Option("--categorical", help="Treat these columns as categorical.")
    ] = None,
    numerical: Annotated[
        ListOpt, typer.Option("--numerical", help="Treat these columns as numeric.")
    ] = None,
    stattest: Annotated[
        str | None,
        typer.Option(
            "--stattest",
            help="Use this test wherever it applies (see 'driftcli tests'). "
            "Default: chosen per column.",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Threshold for every column. Default: the test's own."),
    ] = None,
    drift_share: Annotated[
        float | None,
        typer.Option(
            "--drift-share",
            help="Dataset drift when this share of tested columns drifted. [default: 0.5]",
        ),
    ] = None,
    fail_on: Annotated[
        ListOpt,
        typer.Option(
            "--fail-on",
            help=f"Breach (exit 1) on these conditions: {', '.join(FAIL_CONDITIONS)} "
            "(persisted: drift in --persist consecutive runs, needs --history). "
            "[default: dataset,schema,performance,prediction]",
        ),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV delimiter. [default: ,]")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding, e.g. latin-1. [default: utf8]")
    ] = None,
    na_values: NaValuesOpt = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Seed of the Monte Carlo p-value of chisquare on sparse tables. [default: 0]",
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="Target column: performance metrics and target drift."),
    ] = None,
    prediction: Annotated[
        str | None,
        typer.Option("--prediction", help="Prediction column: performance and prediction drift."),
    ] = None,
    proba: Annotated[
        ListOpt,
        typer.Option(
            "--proba",
            help="Probability column(s): one per class (COL or COL=LABEL), or one with the "
            "positive-class probability of a binary task. Repeatable.",
        ),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option("--task", help="auto, classification or regression. [default: auto]"),
    ] = None,
    pos_label: Annotated[
        str | None,
        typer.Option("--pos-label", help="Positive class of a binary task. [default: 1/true]"),
    ] = None,
    max_metric_drop: Annotated[
        float | None,
        typer.Option(
            "--max-metric-drop",
            help="Breach when a metric worsens by more than this share of its reference "
            "value. [default: 0.05]",
        ),
    ] = None,
    min_metric: Annotated[
        ListOpt,
        typer.Option(
            "--min-metric",
            help="Absolute limit NAME=VALUE: a floor for accuracy, f1, roc_auc, r2, ...; a "
            "ceiling for log_loss, mae, rmse, mape, error_std. Repeatable.",
        ),
    ] = None,
    max_confidence_drop: Annotated[
        float | None,
        typer.Option(
            "--max-confidence-drop",
            help="Breach when the mean top-class probability drops by more than this. "
            "[default: 0.1]",
        ),
    ] = None,
    correction: Annotated[
        str | None,
        typer.Option(
            "--correction",
            help="Multiple-testing correction across p-value tests: none, bonferroni, holm, "
            "fdr_bh. [default: none]",
        ),
    ] = None,
    min_rows: Annotated[
        int | None,
        typer.Option("--min-rows", help="Fewest rows each side needs, else exit 2. [default: 100]"),
    ] = None,
    exact_limit: Annotated[
        int | None,
        typer.Option(
            "--exact-limit",
            help="Distinct values a numeric column keeps exactly; beyond, a summary with "
            "stated error bounds. [default: 100000]",
        ),
    ] = None,
    config_path: Annotated[
        str | None,
        typer.Option(
            "--config",
            help="Config file (default: the nearest driftcli.toml, or pyproject.toml with "
            "[tool.driftcli], from here up to the repository root).",
        ),
    ] = None,
    print_config: Annotated[
        bool,
        typer.Option(
            "--print-config", help="Show the effective settings and their sources, then exit."
        ),
    ] = False,
    junit: Annotated[
        str | None, typer.Option("--junit", help="Write JUnit XML to this path.")
    ] = None,
    markdown: Annotated[
        str | None,
        typer.Option("--markdown", help="Write a Markdown summary (PR comment) to this path."),
    ] = None,
    prometheus: Annotated[
        str | None,
        typer.Option("--prometheus", help="Write node_exporter textfile metrics to this path."),
    ] = None,
    prometheus_labels: Annotated[
        ListOpt,
        typer.Option(
            "--prometheus-label", help="Extra label NAME=VALUE on every metric. Repeatable."
        ),
    ] = None,
    annotations: Annotated[
        str | None,
        typer.Option(
            "--annotations",
            help="GitHub Actions ::error lines: auto (when GITHUB_ACTIONS=true), always, "
            "never. [default: auto]",
        ),
    ] = None,
    notify_when: Annotated[
        str | None,
        typer.Option(
            "--notify",
            help="Alert on: breach, always, never, changes (verdict differs from the "
            "monitor's previous run; needs --history). [default: breach]",
        ),
    ] = None,
    notify_webhook: Annotated[
        str | None,
        typer.Option("--notify-webhook", help="POST a Slack-compatible summary to this URL."),
    ] = None,
    notify_email: Annotated[
        ListOpt,
        typer.Option(
            "--notify-email", help="Email the summary to ADDR (SMTP settings from the config)."
        ),
    ] = None,
    history_db: Annotated[
        str | None,
        typer.Option(
            "--history",
            help="Append this run to a history: a SQLite file or a postgresql:// URL "
            "(see 'driftcli history').",
        ),
    ] = None,
    monitor: Annotated[
        str | None,
        typer.Option(
            "--monitor",
            help="Name of this check in the history (several per database). [default: default]",
        ),
    ] = None,
    persist: Annotated[
        int | None,
        typer.Option(
            "--persist",
            help="With --fail-on persisted: consecutive drifted runs (this one included) "
            "that breach. [default: 3]",
        ),
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option("--show-all", help="List every column in the table (default: first 40 rows)."),
    ] = False,
    multivariate: Annotated[
        bool,
        typer.Option(
            "--multivariate", help="Also test the joint distribution (classifier two-sample test)."
        ),
    ] = False,
    segment_by: Annotated[
        ListOpt,
        typer.Option("--segment-by", help="Run drift tests and metrics per value of COL."),
    ] = None,
    min_segment_ratio: Annotated[
        float | None,
        typer.Option(
            "--min-segment-ratio",
            help="Breach (--fail-on segment) when a segment's metric is below this ratio "
            "of the best segment's (0.8: four-fifths rule).",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print nothing; rely on the exit code and output files."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    table: Annotated[str | None, SQL_OPTIONS["table"]] = None,
    query: Annotated[str | None, SQL_OPTIONS["query"]] = None,
    reference_query: Annotated[str | None, SQL_OPTIONS["reference_query"]] = None,
    current_query: Annotated[str | None, SQL_OPTIONS["current_query"]] = None,
    time_column: Annotated[str | None, SQL_OPTIONS["time_column"]] = None,
    current_window: Annotated[str | None, SQL_OPTIONS["current_window"]] = None,
    reference_window: Annotated[str | None, SQL_OPTIONS["reference_window"]] = None,
    as_of: Annotated[str | None, SQL_OPTIONS["as_of"]] = None,
) -> int:
    """Compare CURRENT with REFERENCE column by column; exit 0 passed, 1 breached, 2 error.

    With --time-column and one input, compare its --current-window with its
    --reference-window (default 7d against the 30d before).
    """
    selection = Selection(
        table=table,
        query=query,
        reference_query=reference_query,
        current_query=current_query,
        time_column=time_column,
        current_window=current_window,
        reference_window=reference_window,
        as_of=as_of,
    )
    selection.check()
    options = collect_options(
        columns=columns,
        ignore=ignore,
        categorical=categorical,
        numerical=numerical,
        stattest=stattest,
        threshold=threshold,
        drift_share=drift_share,
        fail_on=fail_on,
        delimiter=delimiter,
        encoding=encoding,
        na_values=split_na_values(na_values),
        seed=seed,
        target=target,
        prediction=prediction,
        proba=proba,
        task=task,
        pos_label=pos_label,
        max_metric_drop=max_metric_drop,
        min_metric=min_metric,
        max_confidence_drop=max_confidence_drop,
    )
    options |= collect_options(
        correction=correction,
        min_rows=min_rows,
        exact_limit=exact_limit,
        json=json_path,
        html=html_path,
        junit=junit,
        markdown=markdown,
        prometheus=prometheus,
        prometheus_labels=prometheus_labels,
        annotations=annotations,
        notify=notify_when,
        notify_webhook=notify_webhook,
        notify_email=notify_email,
        show_all=show_all or None,
        quiet=quiet or None,
        multivariate=multivariate or None,
        segment_by=segment_by,
        min_segment_ratio=min_segment_ratio,
    )
    history_db = _history_file(history_db)
    if history_db:  # from here on, a run that cannot run is recorded (see main)
        _history_state.update(
            target=history_db,
            monitor=monitor or DEFAULT_MONITOR,
            reference=reference,
            current=current,
        )
    _remember_prometheus(prometheus, prometheus_labels)  # a bad config still writes exit 2
    run = config_file.resolve(options, config_path)
    if print_config:
        sys.stdout.write(config_file.describe(run))
        return 0
    _remember_prometheus(run.outputs.prometheus, run.outputs.prometheus_labels)
    if reference is None or (current is None and time_column is None):
        raise UsageError("compare needs REFERENCE and CURRENT (see 'driftcli compare --help')")
    history_opts.check(history_db, monitor, persist, run.settings.fail_on, run.notify.when)
    out = run.outputs
    _run_state["annotations"] = out.annotations
    inputs = [i for i in (reference, current) if i is not None]
    _check_targets(output_targets(out), [*inputs, *([run.path] if run.path else [])], history_db)
    with _prometheus_on_error(out), history_opts.opened(history_db, _history_state) as hist:
        if out.prometheus:  # a run killed from here on cannot leave an old exit 0 looking fresh
            labels = prometheus_view.parse_labels(out.prometheus_labels)
            prometheus_view.write_running(out.prometheus, labels)
        with _progress(not out.quiet) as progress:
            try:
                result = run_compare(
                    reference, current, run.settings, progress=progress, selection=selection
                )
            except MemoryError:
                raise ResourceError(OUT_OF_MEMORY) from None
        for side in (result.reference, result.current):
            for message in (side.window or {}).get("warnings", []):
                print(f"driftcli: warning: {text.terminal(message)}", file=sys.stderr)
        past = history_opts.Past.read(hist, monitor, persist, run.settings.fail_on)
        result = past.gate(result)
        alerted, delivery = _alert(result, run.notify, changed=past.changed(result))
        code = past.record(hist, result, alerted)
        _history_state["recorded"] = "yes"
        writer.on_interrupt(past.forget)  # Ctrl-C from here to the outputs: no record either
        result = _with_exit_code(result, alerted, code)
        with _undone_on_failure(past.failed):  # the run exits 2: its record says so too
            write_outputs(
                result,
                json_path=out.json,
                html_path=out.html,
                outputs=out,
                exit_code=code,
                delivery=delivery,
                trends=past.trends(result),
            )
        writer.forget_interrupt()  # the outputs are written: the run stands as it finished
    if not out.quiet:
        from driftcli.render import console as console_view

        stream = sys.stderr if out.json == "-" else sys.stdout
        console_view.render(result, stream, show_all=out.show_all)
    return code


def _with_exit_code(result: Result, alerted: int, code: int) -> Result:
    """``result`` as its outputs show it when the run's exit code is not the verdict's: a
    pass whose alert could not be delivered, or whose history could not be written, exits 2,
    and the JSON, Markdown and JUnit say so (with the reason) rather than 0."""
    v = result.verdict
    if code == v.exit_code:
        return result
    why = []
    if alerted != v.exit_code:
        why.append("an alert could not be delivered (see delivery)")
    if code != alerted:
        why.append("the history could not be written")
    reason = f"exit code {code}: {' and '.join(why)}"
    verdict = Verdict(v.passed, code, [*v.reasons, reason])
    return dataclasses.replace(result, verdict=verdict)


def _alert(
    result: Result, settings: config_file.NotifySettings, *, changed: bool | None
) -> tuple[int, dict[str, Any] | None]:
    """Send the alerts of ``--notify-webhook`` / ``--notify-email``: the run's exit code
    (a failed delivery turns 0 into 2) and the JSON ``delivery``. :mod:`driftcli.notify`
    (smtplib, email, urllib: 20 ms) is imported only when a channel is configured; without
    one nothing is sent, the code is the verdict's and there is no ``delivery``."""
    if not (settings.webhook or settings.email.to):
        return result.exit_code, None
    from driftcli import notify

    delivered = notify.deliver(result, settings, changed=changed)
    return notify.exit_code(result.exit_code, delivered), notify.as_json(delivered)


def _history_file(target: str | None) -> str | None:
    """``--history`` as a path when given as a ``sqlite:///`` URL (as inputs are spelled)."""
    if not target:
        return target
    from driftcli.history.store import HistoryError, history_path

    try:
        return history_path(target)
    except HistoryError:
        _history_state["broken"] = "yes"  # no error record into what cannot be opened
        raise


def _check_targets(
    outputs: list[tuple[str, str | None]],
    inputs: list[str | os.PathLike[str]],
    history_db: str | None,
) -> None:
    """:func:`targets.check` of the outputs and the ``--history`` file against the inputs;
    when the history itself is the problem, the failure is not recorded into it."""
    history_file = [("--history", history_db)] if history_db and "://" not in history_db else []
    try:
        targets.check([*outputs, *history_file], inputs)
    except OutputError as err:
        if str(err).startswith("--history "):
            _history_state["broken"] = "yes"
        raise


#: The one line for a run that ran out of memory.
OUT_OF_MEMORY = (
    "out of memory while reading and comparing the inputs; build a profile of each side "
    "with 'driftcli profile' and compare saved profiles (a saved reference profile is "
    "read instead of the reference data), or compare fewer columns with --columns"
)


def output_targets(out: config_file.Outputs) -> list[tuple[str, str | None]]:
    """Every output path of a run, by option name, for :func:`targets.check`."""
    return [
        ("--json", out.json),
        ("--html", out.html),
        ("--junit", out.junit),
        ("--markdown", out.markdown),
        ("--prometheus", out.prometheus),
    ]


@contextmanager
def _prometheus_on_error(outputs: config_file.Outputs) -> Iterator[None]:
    """When the check cannot run, still write the exit code (2) for --prometheus alerts.

    A failure to write that record is not reported over the error that stopped the run.
    """
    try:
        yield
    except Exception:
        if outputs.prometheus:
            _run_state["prometheus_done"] = "yes"
            with contextlib.suppress(DriftcliError):
                prometheus_view.write_failure(
                    outputs.prometheus,
                    EXIT_ERROR,
                    prometheus_view.parse_labels(outputs.prometheus_labels),
                )
        raise


def _remember_prometheus(path: str | None, labels: list[str] | None) -> None:
    """The textfile a run that stops early must still give ``driftcli_exit_code 2``."""
    if path:
        _run_state["prometheus"] = path
        _run_state["prometheus_labels"] = "\n".join(labels or [])


def _early_failure_outputs(args: list[str]) -> None:
    """A check that stopped before its outputs were set up (a bad option, config or path)
    still leaves its exit code (2) where cron and alerts look: the --prometheus textfile
    and the --history record, found in the raw arguments when parsing itself failed."""
    command = args[0] if args else ""
    if command not in ("compare", "timeline"):
        return
    if command == "compare":
        _early_prometheus(args)
    if not _history_state.get("target"):
        target = _raw_option(args, "--history")
        if target:
            _history_state.update(
                target=target,
                monitor=_raw_option(args, "--monitor") or DEFAULT_MONITOR,
                command=command,
            )


def _early_prometheus(args: list[str]) -> None:
    """``driftcli_exit_code 2`` in the --prometheus textfile of a compare that stopped early
    (see :func:`_early_failure_outputs`)."""
    path = _run_state.get("prometheus") or _raw_option(args, "--prometheus")
    if not path or path == "-" or _run_state.get("prometheus_done"):
        return
    _run_state["prometheus_done"] = "yes"
    raw = _run_state.get("prometheus_labels")
    given = raw.split("\n") if raw else _raw_options(args, "--prometheus-label")
    try:
        labels = prometheus_view.parse_labels([g for g in given if g])
    except DriftcliError:
        # the labels are what is wrong: a file without them could collide with another job's
        # series in node_exporter's textfile folder, so nothing is written
        return
    others = [
        (option, value)
        for option in ("--json", "--html", "--junit", "--markdown")
        for value in _raw_options(args, option)
    ]
    with contextlib.suppress(DriftcliError, OSError):
        # never into an input (every word of the command that is no option's output), nor
        # onto a file another output also names
        targets.check([("--prometheus", path), *others], _raw_inputs(args))
        prometheus_view.write_failure(path, EXIT_ERROR, labels)


#: Options whose value is a file the run writes (not one it reads).
_OUTPUT_OPTIONS = frozenset(
    {"--json", "--html", "--junit", "--markdown", "--prometheus", "--history", "-o", "--output"}
)


def _raw_inputs(args: list[str]) -> list[str]:
    """The words of ``args`` that may name a file the run reads: neither an option nor the
    value of an output option."""
    return [
        a
        for i, a in enumerate(args[1:], start=1)
        if a[:1] != "-" and args[i - 1] not in _OUTPUT_OPTIONS
    ]


def _raw_options(args: list[str], name: str) -> list[str]:
    """Every value given to option ``name`` in ``args`` (``--name V`` or ``--name=V``)."""
    found = []
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            found.append(args[i + 1])
        elif arg.startswith(name + "="):
            found.append(arg.partition("=")[2])
    return found


def _raw_option(args: list[str], name: str) -> str | None:
    """The last value given to option ``name`` in ``args``, if any."""
    found = _raw_options(args, name)
    return found[-1] if found else None


def write_outputs(
    result: Result,
    *,
    json_path: str | None,
    html_path: str | None = None,
    outputs: config_file.Outputs | None = None,
    exit_code: int | None = None,
    delivery: dict[str, Any] | None = None,
    trends: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Write every requested file view of the result: all of them, or none.

    Every view is rendered before a file is touched, then the files are written (each
    atomically) by :func:`write_files`. JSON on stdout and the annotations come last, once
    every file is in place. ``exit_code`` is the run's (a failed alert turns 0 into 2) and
    ``delivery`` how the alerts went; both default to what the result alone says.
    ``trends`` (column -> trend chart, from ``--history``) adds sparklines to the HTML.
    """
    extra = {"delivery": delivery}
    files: list[tuple[str, str]] = []
    if json_path and json_path != "-":
        files.append((json_path, json_view.dumps(result, extra)))
    if html_path:
        from driftcli.render import html as html_view

        files.append((html_path, html_view.render(result, trends=trends)))
    if outputs is not None:
        if outputs.junit:
            from driftcli.render import junit as junit_view  # xml.etree: only when asked

            files.append((outputs.junit, junit_view.dumps(result)))
        if outputs.markdown:
            from driftcli.render import markdown as markdown_view

            files.append((outputs.markdown, markdown_view.dumps(result)))
        if outputs.prometheus:
            labels = prometheus_view.parse_labels(outputs.prometheus_labels)
            prom = prometheus_view.dumps(result, labels, exit_code=exit_code)
            files.append((outputs.prometheus, prom))
    write_files(files)
    if json_path == "-":
        sys.stdout.write(json_view.dumps(result, extra))
        sys.stdout.flush()
    if outputs is not None:
        github_view.emit(result, sys.stderr, outputs.annotations)


def write_files(files: list[tuple[str, str]]) -> None:
    """Write ``(path, text)`` pairs, each atomically, as one transaction.

    If one cannot be written, the files this call already wrote are undone before the
    error propagates: a new file is removed (with the folders made for it), a file that
    existed before gets its old content back.
    """
    done: list[tuple[Path, bytes | None]] = []
    made: list[Path] = []
    try:
        for name, text in files:
            target = Path(name)
            made += _missing_folders(target)
            before = _previous_content(target)
            with atomic_writer(target) as fh:
                fh.write(text)
            done.append((target, before))
    except BaseException:
        _undo(done, made)
        raise


def _missing_folders(target: Path) -> list[Path]:
    """The folders above ``target`` that do not exist yet (the writer creates them)."""
    out = []
    folder = target.parent
    while folder != folder.parent and not folder.exists():
        out.append(folder)
        folder = folder.parent
    return out


def _previous_content(target: Path) -> bytes | None:
    """What ``target`` holds before this run writes it; None when it is not a file yet."""
    if not target.is_file():
        return None
    try:
        return target.read_bytes()
    except OSError:  # unreadable, so it cannot be restored: refuse rather than clobber it
        raise OutputError(f"{target}: cannot write: cannot read the existing file") from None


def _undo(done: list[tuple[Path, bytes | None]], made: list[Path]) -> None:
    """Put back what :func:`write_files` changed, last first; best effort."""
    for target, before in reversed(done):
        with contextlib.suppress(OSError, DriftcliError):
            if before is None:
                target.unlink(missing_ok=True)
            else:
                with atomic_writer(target, "wb") as fh:
                    fh.write(before)
    for folder in sorted(set(made), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty


@app.command("init", cls=Command)
def init(
    path: Annotated[str, typer.Argument(help="Where to write it.")] = config_file.CONFIG_NAME,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> int:
    """Write a commented starter driftcli.toml listing every setting with its default."""
    targets.check([("PATH", path)], [])  # a folder, a device, a path under a file: one line
    config_file.write_starter(Path(path), force=force)
    print(f"wrote {text.terminal(path)}")
    return 0


@app.command("report", cls=Command)
def report(
    result_json: Annotated[
        str, typer.Argument(help="A JSON result written by 'driftcli compare --json'.")
    ],
    html_path: Annotated[str, typer.Option("--html", help="Write the HTML report to this path.")],
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> int:
    """Render a saved JSON result as the HTML report (no data files needed)."""
    from driftcli.render import html as html_view

    targets.check([("--html", html_path)], [result_json])
    html_view.write(html_view.load_result(result_json), html_path)
    return 0


@app.command("profile", cls=Command)
def profile_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Data to profile (.csv, .csv.gz, .parquet, a Parquet directory), or with "
            "--merge the profile files to merge.",
            show_default=False,
        ),
    ],
    output: Annotated[str, typer.Option("--output", "-o", help="Write the profile to this path.")],
    merge_inputs: Annotated[
        bool, typer.Option("--merge", help="Merge the given profiles into one.")
    ] = False,
    columns: Annotated[
        ListOpt, typer.Option("--columns", help="Profile only these columns.")
    ] = None,
    ignore: Annotated[ListOpt, typer.Option("--ignore", help="Leave these columns out.")] = None,
    numerical: Annotated[
        ListOpt, typer.Option("--numerical", help="Profile these text columns as numbers.")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV delimiter. [default: ,]")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding. [default: utf8]")
    ] = None,
    na_values: NaValuesOpt = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Target column (model quality).")
    ] = None,
    prediction: Annotated[
        str | None, typer.Option("--prediction", help="Prediction column (model quality).")
    ] = None,
    proba: Annotated[
        ListOpt, typer.Option("--proba", help="Probability column(s) (model quality).")
    ] = None,
    exact_limit: Annotated[
        int | None,
        typer.Option(
            "--exact-limit",
            help="Distinct values a numeric column keeps exactly. [default: 100000]",
        ),
    ] = None,
    config_path: Annotated[
        str | None, typer.Option("--config", help="Config file (as for compare).")
    ] = None,
    row_sample: Annotated[
        bool,
        typer.Option(
            "--row-sample", help="Keep a row sample, for compare --multivariate on the profile."
        ),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Where to profile: local, spark or dask (spark/dask read Parquet only).",
        ),
    ] = "local",
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master", help="Spark master URL for --engine spark. [default: local[*]]"
        ),
    ] = None,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(
            "--dask-scheduler",
            help="Dask scheduler address for --engine dask. [default: a local cluster]",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> int:
    """Summarize a dataset into a profile file, or merge profiles (--merge); a saved
    reference profile makes every later compare faster."""
    from driftcli import api
    from driftcli.profiles.store import is_profile

    options = collect_options(
        columns=columns,
        ignore=ignore,
        numerical=numerical,
        delimiter=delimiter,
        encoding=encoding,
        na_values=split_na_values(na_values),
        target=target,
        prediction=prediction,
        proba=proba,
        exact_limit=exact_limit,
        multivariate=row_sample or None,  # for a profile: only "carry a row sample"
    )
    for option, given, wanted in (
        ("--spark-master", spark_master, "spark"),
        ("--dask-scheduler", dask_scheduler, "dask"),
    ):  # never a silent local run when the user meant a cluster
        if given is not None and engine != wanted:
            raise UsageError(f"{option} applies to --engine {wanted}; add --engine {wanted}")
    run = config_file.resolve(options, config_path)
    target_path = Path(output)
    if output == "-":
        raise UsageError("--output: a profile is a binary file; give a path, not '-'")
    targets.check([("--output", output)], [*inputs, *([run.path] if run.path else [])])
    if merge_inputs:
        for given in inputs:
            if not Path(given).exists():
                raise UsageError(f"--merge: profile file not found: {given}")
            if not is_profile(given):
                raise UsageError(f"--merge: {given} is not a driftcli profile")
        prof = api.merge(inputs)
    else:
        if len(inputs) != 1:
            raise UsageError("profile takes one INPUT (use --merge to combine profiles)")
        from driftcli import engines

        if engine not in engines.ENGINES:
            raise UsageError(
                f"--engine: expected one of {', '.join(engines.ENGINES)}, got {engine!r}"
            )
        if row_sample and engine != "local":
            raise UsageError(
                "--row-sample is built by the local engine only (not --engine spark/dask)"
            )
        with _progress(not quiet) as progress:
            if engine == "local":
                prof = api.profile(inputs[0], run.settings, role="input", progress=progress)
            else:
                prof = engines.profile_parquet(
                    inputs[0],
                    engine,
                    run.settings,
                    spark_master=spark_master or "local[*]",
                    dask_scheduler=dask_scheduler,
                    progress=progress,
                )
    prof.save(target_path)
    if not quiet:
        summarized = sum(
            1 for c in prof.columns.values() if c.numeric is not None and not c.numeric.exact
        )
        size = target_path.stat().st_size
        print(
            f"profiled {prof.rows:,} rows x {len(prof.columns)} columns "
            f"({summarized} summarized beyond the exact limit) -> {output} ({size:,} bytes)"
        )
    return 0


@app.command("timeline", cls=Command)
def timeline_command(
    source: Annotated[
        str,
        typer.Argument(help="A file, Parquet directory or database URL.", show_default=False),
    ],
    time_column: Annotated[str, SQL_OPTIONS["time_column"]],
    every: Annotated[
        str, typer.Option("--every", help="Period length: 1h, 1d, 1w or 1mo (UTC-aligned).")
    ] = "1d",
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference", help="Reference data or saved profile. [default: first period]"
        ),
    ] = None,
    reference_window: Annotated[
        str | None,
        typer.Option(
            "--reference-window",
            help="Reference rows: a duration from the start of the first period, or "
            "START..END. [default: the first period]",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Periods ending after this are incomplete: ISO time or 'now'. "
            "[default: just after the latest timestamp]",
        ),
    ] = None,
    table: Annotated[str | None, SQL_OPTIONS["table"]] = None,
    query: Annotated[str | None, SQL_OPTIONS["query"]] = None,
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write the timeline JSON ('-' for stdout).")
    ] = None,
    html_path: Annotated[
        str | None, typer.Option("--html", help="Write an offline HTML timeline report.")
    ] = None,
    columns: Annotated[
        ListOpt, typer.Option("--columns", help="Compare only these columns.")
    ] = None,
    ignore: Annotated[
        ListOpt, typer.Option("--ignore", help="Never compare these columns.")
    ] = None,
    stattest: Annotated[
        str | None, typer.Option("--stattest", help="Test for every column.")
    ] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", help="Threshold.")] = None,
    fail_on: Annotated[
        ListOpt, typer.Option("--fail-on", help="Conditions that breach (as for compare).")
    ] = None,
    min_rows: Annotated[
        int | None, typer.Option("--min-rows", help="Fewest rows a period needs to be checked.")
    ] = None,
    config_path: Annotated[
        str | None, typer.Option("--config", help="Config file (as for compare).")
    ] = None,
    history_db: Annotated[
        str | None,
        typer.Option(
            "--history",
            help="Record one run per complete period (periods already recorded are "
            "skipped): a SQLite file or a postgresql:// URL.",
        ),
    ] = None,
    monitor: Annotated[
        str | None,
        typer.Option("--monitor", help="Name of this check in the history. [default: default]"),
    ] = None,
    persist: Annotated[
        int | None,
        typer.Option(
            "--persist",
            help="With --fail-on persisted: consecutive drifted periods or runs that breach. "
            "[default: 3]",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> int:
    """Drift of every period of SOURCE against a reference and the period before; the exit
    code follows the latest complete period."""
    import json as json_module

    from driftcli.history.gating import DEFAULT_PERSIST
    from driftcli.render import timeline as timeline_view
    from driftcli.timeline import build_timeline

    options = collect_options(
        columns=columns,
        ignore=ignore,
        stattest=stattest,
        threshold=threshold,
        fail_on=fail_on,
        min_rows=min_rows,
    )
    history_db = _history_file(history_db)
    if history_db:  # from here on, a timeline that cannot run is recorded (see main)
        _history_state.update(
            target=history_db,
            monitor=monitor or DEFAULT_MONITOR,
            reference=reference,
            current=source,
            command="timeline",
        )
    run = config_file.resolve(options, config_path)
    fail = run.settings.fail_on
    history_opts.check(history_db, monitor, persist, fail, "breach")
    selection = Selection(
        table=table,
        query=query,
        time_column=time_column,
        reference_window=reference_window,
        as_of=as_of,
    )
    outs = [("--json", json_path), ("--html", html_path)]
    _check_targets(outs, [source, *([reference] if reference else [])], history_db)
    with history_opts.opened(history_db, _history_state) as hist:
        timeline = build_timeline(
            source,
            run.settings,
            selection,
            every=every,
            reference=reference,
            keep_results=hist is not None,
        )
        code = int(timeline.data["verdict"]["exit_code"])
        if hist is not None:
            from driftcli.history import periods

            wanted = (persist or DEFAULT_PERSIST) if "persisted" in fail else None
            name = monitor or DEFAULT_MONITOR
            code = periods.record(timeline, hist, name, wanted, quiet=quiet)
            _history_state["recorded"] = "yes"

        def forget() -> bool:
            """Take the recorded periods back (Ctrl-C before the outputs: as if never run);
            whether there were any."""
            if hist is None or not timeline.recorded_ids:
                return False
            hist.delete_runs(timeline.recorded_ids)
            return True

        def take_back(reason: str) -> None:
            """Exit 2 after the periods were recorded: the next run records them again
            (rather than skipping them as done), and this run is recorded as an error."""
            if forget():
                _history_state.pop("recorded", None)
                history_opts.record_failure(_history_state, reason)

        writer.on_interrupt(forget)
        with _undone_on_failure(take_back):
            data = timeline.data
            files: list[tuple[str, str]] = []
            dumped = json_module.dumps(data, indent=2, allow_nan=False) + "\n"
            if json_path and json_path != "-":
                files.append((json_path, dumped))
            if html_path:
                files.append((html_path, timeline_view.render_html(data)))
            write_files(files)
        writer.forget_interrupt()  # the outputs are written: the periods stand
    if json_path == "-":
        sys.stdout.write(dumped)
    if not quiet:
        timeline_view.render(data, sys.stderr if json_path == "-" else sys.stdout)
    return code


@app.command("history", cls=Command)
def history_command(
    database: Annotated[
        str, typer.Argument(help="The history: a SQLite file or a postgresql:// URL.")
    ],
    monitor: Annotated[
        str | None,
        typer.Option("--monitor", help="Which monitor's runs. [default: default]"),
    ] = None,
    column: Annotated[
        ListOpt, typer.Option("--column", help="Show this column's trend. Repeatable.")
    ] = None,
    metric: Annotated[
        ListOpt, typer.Option("--metric", help="Show this model metric's trend. Repeatable.")
    ] = None,
    last: Annotated[int | None, typer.Option("--last", help="Only the last N runs.")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only runs at or after DATE (YYYY-MM-DD[THH:MM], UTC)."),
    ] = None,
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write the runs and trends as JSON ('-' for stdout)."),
    ] = None,
    html_path: Annotated[
        str | None,
        typer.Option("--html", help="Write an offline HTML page of trend charts here."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> int:
    """Show the recorded runs of a monitor: verdicts, drifted share, column and metric trends."""
    from driftcli.history import query

    found = query.load(
        database,
        monitor=monitor,
        columns=[p.strip() for v in column or [] for p in v.split(",") if p.strip()],
        metrics=[p.strip() for v in metric or [] for p in v.split(",") if p.strip()],
        last=last,
        since=since,
    )
    outputs = [("--json", json_path if json_path != "-" else None), ("--html", html_path)]
    targets.check(outputs, [] if "://" in database else [database])
    query.write(found, json_path=json_path, html_path=html_path, version=__version__)
    if json_path != "-":
        query.show(found, sys.stdout)
    return 0


@app.command("tests")
def list_tests() -> int:
    """List the available stat tests: kinds, output, default threshold, description."""
    from driftcli.render import console as console_view

    rows = []
    for name in sorted(stattests.REGISTRY):
        t = stattests.REGISTRY[name]
        kinds = ", ".join(k.value for k in t.kinds) + (" (binary)" if t.binary_only else "")
        rule = "p <" if t.output.value == "p_value" else ">="
        rows.append([name, kinds, t.output.value, f"{rule} {t.default_threshold:g}", t.description])
    heads = [console_view.Head(h) for h in ("name", "kinds", "output", "threshold")]
    heads.append(console_view.Head("description", note=True))
    console_view.print_table(sys.stdout, heads, rows, [""] * len(rows))
    return 0


#: What the running command resolved that error handling needs (``annotations``).
_run_state: dict[str, str] = {}
#: The ``--history`` of the running compare (target, monitor, inputs), so that a run that
#: cannot run is recorded too; ``recorded`` once the run's own record is written.
_history_state: dict[str, str | None] = {}
#: How to take back the record of a run that was recorded and then failed (see
#: :func:`_undone_on_failure`); empty outside that window.
_take_back: list[Callable[[str], None]] = []


@contextmanager
def _undone_on_failure(take_back: Callable[[str], None]) -> Iterator[None]:
    """Around the steps after a run's history record (its outputs): if they fail, or a
    SIGTERM stops them, ``take_back(reason)`` makes the history agree with the exit code 2.
    A failure of that is one line, never over the error that caused it."""
    _take_back.append(take_back)
    try:
        yield
    except Exception as exc:
        _take_back.clear()
        reason = str(exc) if isinstance(exc, DriftcliError) else f"{type(exc).__name__}: {exc}"
        try:
            take_back(reason)
        except Exception as err:
            shown = text.terminal(first_line(err))
            print(f"driftcli: error: history not updated: {shown}", file=sys.stderr)
        raise
    finally:
        _take_back.clear()


def _annotations_mode(args: list[str]) -> str:
    """The --annotations mode: as resolved by the run, else as given, else ``auto``."""
    if "annotations" in _run_state:
        return _run_state["annotations"]
    return _raw_option(args, "--annotations") or "auto"


def _could_not_run(message: str, args: list[str], *, kind: str = "error") -> int:
    """Report a check that could not run: one line on stderr, plus an ``::error``
    annotation on GitHub Actions. Returns the exit code, 2."""
    print(f"driftcli: {kind}: {text.terminal(message)}", file=sys.stderr)
    github_view.emit_error(message, sys.stderr, _annotations_mode(args))
    _early_failure_outputs(args)
    history_opts.record_failure(_history_state, message)
    return EXIT_ERROR


def _stopped(args: list[str], reason: str) -> None:
    """A run stopped by SIGTERM (a scheduler's timeout) exits 2: its Prometheus textfile and
    its history say so, as for any run that could not finish. Not into a history whose write
    lock this process holds: the record would wait on itself."""
    from driftcli.history import store

    _early_failure_outputs(args)
    if store.WRITING:
        return
    if _take_back:  # recorded, then stopped while writing the outputs
        _take_back.pop()(reason)
    else:
        history_opts.record_failure(_history_state, reason)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and turn every failure into exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    _run_state.clear()
    _history_state.clear()
    _take_back.clear()
    try:
        with warnings.catch_warnings(), writer.signals(lambda why: _stopped(args, why)):
            if not debug:  # numpy/scipy numeric warnings (overflow, ...) are not for users:
                warnings.simplefilter("ignore", RuntimeWarning)  # non-finite results are null
            code = app(args=args, prog_name="driftcli", standalone_mode=False)
    except _CLICK_EXIT as exc:
        code = exc.exit_code
    except _CLICK_NO_ARGS as exc:  # nothing asked: the help, and no check ran (exit 2)
        print(exc.format_message(), file=sys.stderr)
        code = EXIT_ERROR
    except _CLICK_ERROR as exc:
        code = _could_not_run(exc.format_message(), args)
    except _CLICK_ABORT:
        print("driftcli: aborted", file=sys.stderr)
        code = EXIT_ERROR
    except DriftcliError as exc:
        if debug:
            traceback.print_exc()
        code = _could_not_run(str(exc), args)
    except MemoryError:
        if debug:
            traceback.print_exc()
        code = _could_not_run(OUT_OF_MEMORY, args)
    except Exception as exc:  # a bug must never look like a pass
        if debug:
            traceback.print_exc()
        message = f"{type(exc).__name__}: {exc} (rerun with --debug for details)"
        code = _could_not_run(message, args, kind="internal error")
    sys.exit(code if isinstance(code, int) else 0)
