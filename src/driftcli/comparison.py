"""Two profiles -> a :class:`Result`: per-column drift, schema changes, model quality,
multiple-testing correction, dataset drift and the verdict. Reads profiles only."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from driftcli import __version__, correction, stattests
from driftcli.columns import Typed, families_compatible, infer_kind_profiles
from driftcli.drift import analyze_profiles, dataset_drift, skipped
from driftcli.errors import ConfigError, DriftcliError, InputError, NotNumbersError, UsageError
from driftcli.gate import decide
from driftcli.model.options import role_columns
from driftcli.model.quality import ModelQuality
from driftcli.profiles import Profile, common_time_units
from driftcli.result import ColumnResult, DatasetInfo, Result, SchemaChanges, Verdict
from driftcli.settings import Settings
from driftcli.stattests.base import Kind

#: ``progress(done, total, what)``: rows read or columns compared so far. Called from the
#: calling thread while reading and from a worker thread while comparing: keep it thread-safe
#: (rich's progress bars are).
Progress = Callable[[int, int | None, str], None]
#: ``evaluate(ref, cur, settings, column_drift)`` -> the model sections.
ModelEvaluator = Callable[[Profile, Profile, Settings], ModelQuality]


def check_named_columns(settings: Settings, known: set[str]) -> None:
    """Every column named in the options or config exists on at least one side."""
    absent = "in neither input"
    for option in ("columns", "ignore", "categorical", "numerical"):
        for name in getattr(settings, option):
            if name not in known:
                where = settings.where(option)
                error = ConfigError if option in settings.sources else UsageError
                raise error(f"{where}: unknown column {name!r} ({absent})")
    for name, ov in settings.column_overrides.items():
        if name not in known:
            where = f"{ov.source}: " if ov.source else ""
            raise ConfigError(f'{where}[columns."{name}"]: unknown column ({absent})')


def forced_where(err: NotNumbersError, settings: Settings) -> DriftcliError:
    """``err`` naming the config file's ``numerical`` key when that is where the column was
    forced numeric (the message says ``--numerical``)."""
    if "numerical" not in settings.sources:
        return err
    return ConfigError(str(err).replace("(--numerical)", f"({settings.where('numerical')})"))


def no_shared(
    ref_where: str, cur_where: str, only_ref: list[str], only_cur: list[str]
) -> InputError:
    """Nothing to compare: the error names the selected columns that are on one side only."""
    one_sided = [
        f"{', '.join(repr(n) for n in names[:3])}{' ...' if len(names) > 3 else ''} "
        f"only in the {side}"
        for names, side in ((only_ref, "reference"), (only_cur, "current"))
        if names
    ]
    detail = f" ({'; '.join(one_sided)})" if one_sided else ""
    return InputError(f"no shared columns to compare between {ref_where} and {cur_where}{detail}")


def info(profile: Profile) -> DatasetInfo:
    """Where a side came from and its shape."""
    return DatasetInfo(
        path=profile.path,
        rows=profile.rows,
        columns=len(profile.columns),
        format=profile.format,
    )


def _threaded(settings: Settings) -> bool:
    """Whether columns are tested on threads: only when a test that gains from them is asked
    for (see :attr:`StatTest.threaded`); the default tests run faster on one thread."""
    asked = {settings.stattest} | {ov.test for ov in settings.column_overrides.values()}
    return any(stattests.get(name).threaded for name in asked if name)


def compare_profiles(
    ref: Profile,
    cur: Profile,
    settings: Settings,
    *,
    evaluate_model: ModelEvaluator,
    progress: Progress | None = None,
) -> Result:
    """Compare two profiles column by column and gate the outcome."""
    ref, cur = common_time_units([ref, cur])
    for role, side in (("reference", ref), ("current", cur)):
        if side.rows == 0:
            where = side.path or f"{role} {side.format} input"
            raise InputError(f"{where}: no rows (header only)")

    ref_names, cur_names = ref.column_names, cur.column_names
    wanted = set(settings.columns) if settings.columns else None
    overrides = settings.column_overrides
    ignored = set(settings.ignore) | {n for n, ov in overrides.items() if ov.ignore}
    ignored |= role_columns(settings)  # target/prediction/proba: checked apart from features

    def keep(name: str) -> bool:
        return (wanted is None or name in wanted) and name not in ignored

    cur_set, ref_set = set(cur_names), set(ref_names)
    shared = [n for n in ref_names if n in cur_set and keep(n)]
    schema = SchemaChanges(
        missing_in_current=[n for n in ref_names if n not in cur_set and keep(n)],
        new_in_current=[n for n in cur_names if n not in ref_set and keep(n)],
    )
    if not shared and not role_columns(settings):  # model columns alone are a check
        raise no_shared(
            ref.path or "reference",
            cur.path or "current",
            schema.missing_in_current,
            schema.new_in_current,
        )

    too_few = _too_few_rows(settings, ref, cur)
    if too_few is not None:
        return _not_checked(settings, ref, cur, shared, schema, too_few)

    model = evaluate_model(ref, cur, settings)
    type_changes: dict[str, dict[str, str]] = {}

    def run(name: str) -> ColumnResult:
        rc, cc = ref.columns[name], cur.columns[name]
        ov = overrides.get(name)
        try:
            typed = _column_kind(name, ref, cur, settings)
            if typed is None:
                rf, cf = rc.family, cc.family
                type_changes[name] = {"column": name, "reference": rf, "current": cf}
                changed = Typed(
                    Kind.UNSUPPORTED, f"type changed: {rf} in reference, {cf} in current"
                )
                return skipped(name, changed, {"rows": rc.rows}, {"rows": cc.rows})
            col = analyze_profiles(
                name,
                typed,
                rc,
                cc,
                settings,
                forced_test=ov.test if ov else None,
                forced_threshold=ov.threshold if ov else None,
            )
        except NotNumbersError as err:
            if name not in settings.numerical and ov is not None:  # the config's kind
                where = f"{ov.source}: " if ov.source else ""
                raise ConfigError(
                    where
                    + str(err).replace("(--numerical)", f'([columns."{name}"] kind = "numeric")')
                ) from None
            raise forced_where(err, settings) from None
        asked = ov.test if ov else None
        if asked and col.tested and col.test != asked and col.deferred_from != asked:
            where = f"{ov.source}: " if ov and ov.source else ""
            raise ConfigError(
                f'{where}[columns."{name}"]: test {asked!r} does not apply to '
                f"this {col.kind} column"
            )
        return col

    def collected(results: Iterable[ColumnResult]) -> list[ColumnResult]:
        done = []
        for i, col in enumerate(results, start=1):
            done.append(col)
            if progress is not None:
                progress(i, len(shared), col.name)
        return done

    stop = threading.Event()

    columns: list[ColumnResult] = []
    workers = min(len(shared), os.cpu_count() or 1) if _threaded(settings) else 1
    with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        warnings.filterwarnings("ignore", message=r"p-value (capped|floored)")
        try:
            if workers > 1:
                columns = collected(pool.map(run, shared))
            else:
                # one task on one worker thread rather than the calling thread: glibc gives
                # it an arena the profiling workers left with free memory, where the caller's
                # own heap would grow (measured: 1M-row peak -7 MB, 5,000 columns 4.0 -> 3.5 s)
                pending = (run(name) for name in shared if not stop.is_set())
                columns = pool.submit(collected, pending).result()
        except BaseException:
            # Ctrl-C or an error: the workers stop after the columns in hand, not the last
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    schema.type_changed = [type_changes[n] for n in shared if n in type_changes]
    if not any(c.tested for c in columns) and _model_checks(model) == 0:
        why = [f"{c.name}: {c.skipped_reason}" for c in columns[:3]]
        if model.performance and model.performance.get("skipped_reason"):
            why.append(f"performance: {model.performance['skipped_reason']}")
        raise DriftcliError(f"nothing could be tested ({'; '.join(why) or 'no column to compare'})")
    own_test = {n for n, ov in overrides.items() if ov.test}
    if (
        settings.stattest
        and any(c.tested and c.name not in own_test for c in columns)
        and not any(settings.stattest in (c.test, c.deferred_from) for c in columns)
    ):  # a test that fits nothing; unused only because each column has its own is fine
        raise UsageError(
            f"{settings.where('stattest')} {settings.stattest} applies to none of the "
            "compared columns"
        )
    correction.apply(columns, settings.correction)

    result = _result(settings, ref, cur, columns, schema)
    result.performance = model.performance
    result.target_drift = model.target_drift
    result.prediction_drift = model.prediction_drift
    analyze_beyond(result, ref, cur, settings, shared)
    result.verdict = decide(result, settings.fail_on)
    return result


def analyze_beyond(
    result: Result, ref: Profile, cur: Profile, settings: Settings, shared: list[str]
) -> None:
    """Fill the sections beyond one column: missing values, quality, multivariate."""
    from driftcli.analysis import missing, quality

    result.missing = missing.compare(
        ref, cur, shared, alpha=settings.missing_alpha, max_change=settings.max_missing_change
    )
    by_name = {r["name"]: r for r in result.missing["columns"]}
    for col in result.columns:  # shown beside the column's drift
        row = by_name.get(col.name)
        if row is not None:
            col.missingness = {k: v for k, v in row.items() if k != "name"}
    tested = [c.name for c in result.columns if c.tested]  # not id-like or skipped columns
    result.quality = quality.check(
        ref,
        cur,
        tested,
        max_out_of_range_share=settings.max_out_of_range_share,
        max_new_category_share=settings.max_new_category_share,
        constant_check=settings.constant_check,
        max_duplicate_share=settings.max_duplicate_share,
    )
    if settings.multivariate:
        from driftcli.analysis import multivariate

        kinds = {c.name: c.kind for c in result.columns}
        numeric = [n for n in shared if kinds.get(n) == "numeric"]
        categorical = [n for n in shared if kinds.get(n) == "categorical"]
        result.multivariate = multivariate.check_profiles(
            ref,
            cur,
            numeric,
            categorical,
            rows=settings.sample_rows,
            seed=settings.seed,
            alpha=settings.multivariate_alpha,
        )


def _model_checks(model: ModelQuality) -> int:
    """How many model checks actually ran: metrics with a current value, tested model
    columns, and the confidence check. Zero means the model columns checked nothing."""
    checks = 0
    perf = model.performance
    if perf and not perf.get("skipped_reason"):
        checks += sum(m.get("current") is not None for m in perf.get("metrics", []))
    for section in (model.target_drift, model.prediction_drift):
        if section:
            checks += sum(c.get("skipped_reason") is None for c in section.get("columns", []))
            checks += bool(section.get("confidence"))
    return checks


def _result(
    settings: Settings,
    ref: Profile,
    cur: Profile,
    columns: list[ColumnResult],
    schema: SchemaChanges,
    verdict: Verdict | None = None,
) -> Result:
    """The result object, stamped with the version and the one time-dependent field."""
    return Result(
        reference=info(ref),
        current=info(cur),
        columns=columns,
        dataset_drift=dataset_drift(columns, settings.drift_share),
        schema_changes=schema,
        verdict=verdict or Verdict(passed=True, exit_code=0, reasons=[]),
        settings=settings.to_dict(),
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        driftcli_version=__version__,
    )


def _too_few_rows(settings: Settings, ref: Profile, cur: Profile) -> str | None:
    """Why the inputs are too small for ``min_rows``, or None when they are large enough."""
    for role, side in (("reference", ref), ("current", cur)):
        if side.rows < settings.min_rows:
            where = side.path or f"{role} input"
            return (
                f"{role} ({where}) has {side.rows:,} rows, fewer than "
                f"min_rows = {settings.min_rows}"
            )
    return None


def _column_kind(name: str, ref: Profile, cur: Profile, settings: Settings) -> Typed | None:
    """The kind a shared column is tested as, its forced kind (option or config) applied;
    None when its type changed between the sides and no kind is forced."""
    rc, cc = ref.columns[name], cur.columns[name]
    ov = settings.column_overrides.get(name)
    forced_cat = name in settings.categorical or (ov is not None and ov.kind == "categorical")
    forced_num = name in settings.numerical or (ov is not None and ov.kind == "numeric")
    if not (forced_cat or forced_num) and not families_compatible(rc.family, cc.family):
        return None
    return infer_kind_profiles(
        name,
        rc,
        cc,
        categorical=forced_cat,
        numerical=forced_num,
        max_int_categories=settings.max_int_categories,
        id_unique_share=settings.id_unique_share,
    )


def _not_checked(
    settings: Settings,
    ref: Profile,
    cur: Profile,
    shared: list[str],
    schema: SchemaChanges,
    why: str,
) -> Result:
    """Below ``min_rows``: an error, or (``min_rows_action = "pass"``) a passing, empty result."""
    if settings.min_rows_action != "pass":
        raise InputError(
            f'{why}; the check cannot run (lower min_rows, or set min_rows_action = "pass")'
        )

    def kind(name: str) -> Kind:
        """The kind the column would have been tested as (unsupported if none)."""
        try:
            typed = _column_kind(name, ref, cur, settings)
        except DriftcliError:
            return Kind.UNSUPPORTED
        return typed.kind if typed is not None else Kind.UNSUPPORTED

    columns = [
        skipped(
            n,
            Typed(kind(n), "not checked: too few rows"),
            {"rows": ref.columns[n].rows},
            {"rows": cur.columns[n].rows},
        )
        for n in shared
    ]
    verdict = Verdict(
        passed=True, exit_code=0, reasons=[f"not checked: {why} (min_rows_action = pass)"]
    )
    return _result(settings, ref, cur, columns, schema, verdict)


__all__: list[Any] = ["Progress", "check_named_columns", "compare_profiles", "info"]
