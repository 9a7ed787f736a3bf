"""The library entry points: :func:`profile` summarizes one side, :func:`compare` compares two
sides (data or profiles) and gates the outcome. Nothing here prints."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from driftcli.columns import infer_kind_profiles
from driftcli.comparison import Progress, check_named_columns, compare_profiles
from driftcli.drift import analyze_profiles
from driftcli.errors import InputError, UsageError
from driftcli.gate import decide
from driftcli.model.options import role_columns
from driftcli.model.quality import ModelQuality, without_roles
from driftcli.profiles import Profile, ProfileBuilder
from driftcli.profiles.numeric import RAW_PER_POINT, SUMMARY_POINTS, summary_points
from driftcli.profiles.store import is_profile
from driftcli.result import DatasetDrift, Result
from driftcli.selection import Selection
from driftcli.settings import Settings
from driftcli.sources import Source, open_pair, open_source
from driftcli.sources.sql import is_database_url

if TYPE_CHECKING:
    from driftcli.model.stats import ModelStats

#: Rows per record batch when streaming a side into its profile.
BATCH_ROWS = 131_072


def _open(data: Any, role: str, settings: Settings) -> Source:
    return open_source(
        data,
        role=role,
        delimiter=settings.delimiter,
        encoding=settings.encoding,
        na_values=settings.na_values,
    )


def wanted_columns(names: list[str], settings: Settings) -> list[str]:
    """The columns a profile needs: the selection without the ignored ones, plus model roles."""
    roles = role_columns(settings)
    keep = set(settings.columns) if settings.columns else None
    ignored = set(settings.ignore) | {n for n, ov in settings.column_overrides.items() if ov.ignore}
    return [n for n in names if n in roles or ((keep is None or n in keep) and n not in ignored)]


def _is_profile_path(data: Any) -> bool:
    return isinstance(data, str | os.PathLike) and is_profile(data)


def _saved_profile(data: Any) -> Profile | None:
    """``data`` itself when it is a :class:`Profile`, the loaded file when it is a saved
    profile, else None (data to read)."""
    if isinstance(data, Profile):
        return data
    return Profile.load(data) if _is_profile_path(data) else None


def profile(
    data: Any,
    settings: Settings | None = None,
    *,
    role: str = "reference",
    progress: Progress | None = None,
    **options: Any,
) -> Profile:
    """Summarize one dataset (a path, DataFrame or Arrow table) column by column.

    ``options`` are :class:`Settings` fields; those that shape a profile are the column
    selection (``columns``, ``ignore``), the forced kinds, the CSV options, the model roles
    and ``exact_limit``. A profile file or :class:`Profile` is returned as it is.
    """
    settings = (settings or Settings()).updated(**options).validate()
    if isinstance(data, Profile):
        return data
    if _is_profile_path(data):
        return Profile.load(data)
    source = _open(data, role, settings)
    try:  # a misspelled name is an error, not a profile of nothing
        check_profile_options(settings, source.schema(), source.path or f"the {role}")
    except BaseException:
        source.close()
        raise
    return _build(source, role, settings, progress)


def check_profile_options(settings: Settings, schema: pa.Schema, where: str) -> None:
    """What a profile of one input can check before reading it (every engine calls this):
    the columns the options name exist, something is left to profile, the model's outputs
    are there and its probabilities are numbers. A missing target is fine: labels of the
    current side often arrive later."""
    from driftcli.model.labels import NUMERIC_FAMILIES
    from driftcli.model.options import proba_spec
    from driftcli.profiles.column import family
    from driftcli.settings import split_names

    names = schema.names
    known = set(names)
    # names given for this run (command line, library call) must be in this input; a config
    # file is shared by both sides, and an ignored column that is absent is simply absent
    for option in ("columns", "categorical", "numerical"):
        if option in settings.sources:
            continue
        for name in getattr(settings, option):
            if name not in known:
                raise UsageError(
                    f"{settings.where(option)}: unknown column {name!r} (not in {where})"
                )
    if not wanted_columns(names, settings):
        raise UsageError(f"{where}: nothing to profile: every column is deselected or ignored")
    outputs = [("--prediction", settings.prediction)]
    outputs += [("--proba", proba_spec(p)[0]) for p in split_names(settings.proba)]
    for flag, name in outputs:
        if name is None:
            continue
        if name not in names:
            raise UsageError(f"{flag}: column {name!r} is not in {where}")
        fam = family(schema.field(name).type)
        if flag == "--proba" and fam not in NUMERIC_FAMILIES:
            raise UsageError(
                f"--proba column {name!r} must hold numbers, but it holds {fam} values"
            )


def _build(source: Source, role: str, settings: Settings, progress: Progress | None) -> Profile:
    """One side's profile (see :func:`_build_side`), a forced kind's error naming its key."""
    from driftcli.comparison import forced_where
    from driftcli.errors import NotNumbersError

    try:
        return _build_side(source, role, settings, progress)
    except NotNumbersError as err:
        raise forced_where(err, settings) from None


def _build_side(
    source: Source, role: str, settings: Settings, progress: Progress | None
) -> Profile:
    full = source.schema()
    names = wanted_columns(full.names, settings)
    if not names:  # nothing of this side is compared: its rows still count (min_rows, messages)
        rows = source.num_rows
        if rows is None:
            rows = sum(b.num_rows for b in source.batches(full.names[:1], BATCH_ROWS))
        empty = Profile({}, rows, source.path, source.format, {"exact_limit": settings.exact_limit})
        if role_columns(settings):
            empty.model = _empty_stats(settings)
        return empty
    path, fmt, total = source.path, source.format, source.num_rows
    roles = [c for c in role_columns(settings) if c in names]
    model = _empty_stats(settings) if roles else None
    exact_limit = effective_exact_limit(settings, len(names))
    points = effective_summary_points(settings, exact_limit)
    sampled = needs_sample(settings)
    forced = set(settings.numerical)
    # a row sample needs whole rows: one pass over every column when it is asked for
    width = group_width(source.batch_rows_hint or min(total or BATCH_ROWS, BATCH_ROWS))
    groups = [names] if sampled else column_groups(names, roles, source.format, width, total)

    # one builder for every group: the next group is read while the workers profile this one
    builder = ProfileBuilder(
        pa.schema([full.field(c) for c in names]),
        role=role,
        numerical=[c for c in settings.numerical if c in names],
        exact_limit=exact_limit,
        model=model,
        model_columns=roles,
        sample_rows=settings.sample_rows if sampled else 0,
        seed=settings.seed,
        summary_points=points,
        columns_in_flight=max(len(g) for g in groups),
    )
    position = {c: i for i, c in enumerate(names)}
    try:
        for n, group in enumerate(groups):
            what = f"profiling {role}" + (f" ({n + 1}/{len(groups)})" if n else "")
            # text counted as categories may stay dictionary-encoded (Parquet): it is counted
            # on its codes, never decoded; forced-numeric, model and sampled columns are decoded
            undecoded = [] if sampled else [c for c in group if c not in forced and c not in roles]
            columns = [position[c] for c in group]
            done = 0
            for batch in source.batches(group, BATCH_ROWS, dictionary=undecoded):
                if n == 0:
                    builder.add_rows(batch.num_rows)
                builder.add(batch, columns)
                done += batch.num_rows
                if progress is not None:
                    progress(done, total, what)
            if len(groups) > 1:
                builder.release(columns)
        return builder.finish(path=path, fmt=fmt)
    finally:
        builder.close()
        source.close()


def needs_sample(settings: Settings) -> bool:
    """Whether a profile must carry a row sample: only the row-level checks need one, and
    hashing every row costs about a fifth of profiling time, so it is built on demand."""
    return settings.multivariate or settings.max_duplicate_share is not None


#: Distinct values all numeric columns of one profile keep exactly, together (16 bytes each:
#: 256 MB); with more than 160 columns each column's exact limit shrinks to its share.
EXACT_POINTS_BUDGET = 16_000_000
#: Columns streamed together: wider inputs are read in groups of columns, one pass each, so
#: memory follows the columns in flight, not the table's width (Parquet reads only the group's
#: columns; other formats read everything once).
GROUP_COLUMNS = 256
#: Values a batch of a column group aims at (96 MB of float64): see :func:`group_width`.
GROUP_VALUES = 12_000_000
#: A narrow input taller than this (one full gather of a summarized column) is read a few
#: columns at a time as well: each summarized column in flight holds a gather buffer of up to
#: 4 MB and its waiting summaries, so the columns in flight, not the rows, set the peak
#: (measured, 30 columns: 1M rows 266-278 -> 197-214 MiB, 10M rows 293-307 -> 222 MiB).
TALL_ROWS = RAW_PER_POINT * SUMMARY_POINTS
TALL_GROUP_COLUMNS = 12


def effective_exact_limit(settings: Settings, columns: int) -> int:
    """The exact limit each column of a ``columns``-wide profile gets under the shared budget
    (every engine uses this, so their profiles agree)."""
    return min(settings.exact_limit, max(1_000, EXACT_POINTS_BUDGET // max(columns, 1)))


def effective_summary_points(settings: Settings, exact_limit: int) -> int:
    """Points of a summarized column: fewer than the default only where the shared budget
    cut the exact limit (a wide profile stays within its budget; every engine uses this)."""
    return summary_points(exact_limit) if exact_limit < settings.exact_limit else SUMMARY_POINTS


def group_width(batch_rows: int) -> int:
    """Columns read together when an input is wider than ``GROUP_COLUMNS``: as many as
    keep a batch near ``GROUP_VALUES`` values (at least 32, at most ``GROUP_COLUMNS``), so
    memory follows the batch, whether the rows come in 10,000-row groups or 100,000."""
    return min(GROUP_COLUMNS, max(32, GROUP_VALUES // max(batch_rows, 1)))


def column_groups(
    names: list[str],
    roles: list[str],
    fmt: str,
    width: int | None = None,
    rows: int | None = None,
) -> list[list[str]]:
    """The column groups read in turn (the role columns in the first): ``width`` columns
    each (default ``GROUP_COLUMNS``) for a wide input; a narrow one of more than
    ``TALL_ROWS`` rows in even groups of at most ``TALL_GROUP_COLUMNS``."""
    if fmt not in ("parquet", "arrow", "pandas"):
        return [names]
    if len(names) <= GROUP_COLUMNS:
        if rows is None or rows <= TALL_ROWS or len(names) <= TALL_GROUP_COLUMNS:
            return [names]
        count = -(-len(names) // TALL_GROUP_COLUMNS)
        width = -(-len(names) // count)
    width = width or GROUP_COLUMNS
    first = [*roles, *(n for n in names if n not in roles)]
    return [first[i : i + width] for i in range(0, len(first), width)]


def _empty_stats(settings: Settings) -> ModelStats:
    """A side's model summary before its first batch (role columns given)."""
    from driftcli.model.stats import ModelStats

    return ModelStats.empty(settings, exact_limit=settings.exact_limit)


def _evaluate_model(ref: Profile, cur: Profile, settings: Settings) -> ModelQuality:
    """Model quality from the two sides' model summaries; role columns' drift from their
    column profiles, with the kinds the task asks for."""
    if not role_columns(settings):  # model summaries a profile may carry are not asked for
        return without_roles(settings)
    from driftcli.model.evaluate import drift_kinds, evaluate_stats

    stats = []
    for role, side in (("reference", ref), ("current", cur)):
        if side.model is not None:
            stats.append(side.model)
        elif side.format == "profile" or role_columns(settings) & set(side.columns):
            # a saved profile, or a Profile object whose data has the model columns: profiled
            # without them (a side built here from data always carries its model summary)
            where = side.path if side.format == "profile" else f"the {role} profile"
            raise UsageError(
                f"{where}: the profile holds no model columns; profile it again with the "
                "same --target / --prediction / --proba"
            )
        else:
            stats.append(_empty_stats(settings))
    ref_stats, cur_stats = stats
    kinds = drift_kinds(ref_stats, settings)

    def column_drift(name: str) -> dict[str, Any]:
        rc, cc = ref.columns[name], cur.columns[name]
        kind = kinds.get(name, "numeric")
        typed = infer_kind_profiles(
            name,
            rc,
            cc,
            categorical=kind == "categorical",
            numerical=kind == "numeric",
            max_int_categories=settings.max_int_categories,
            id_unique_share=settings.id_unique_share,
        )
        return asdict(analyze_profiles(name, typed, rc, cc, settings))

    return evaluate_stats(ref_stats, cur_stats, settings, column_drift)


def compare(
    reference: Any,
    current: Any = None,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    selection: Selection | None = None,
    **options: Any,
) -> Result:
    """Compare two datasets or profiles column by column and gate the outcome.

    ``reference`` and ``current`` are file paths (CSV, ``.csv.gz``, Parquet, a directory of
    Parquet files, or a saved profile, recognized by its content), pandas DataFrames, pyarrow
    Tables or :class:`Profile` objects. ``options`` are :class:`Settings` fields
    (``stattest="psi"``, ``fail_on=["column"]``, ...). Raises a :class:`DriftcliError`
    (exit code 2 on the command line) when the check cannot run.

    ``selection`` (:class:`driftcli.selection.Selection`) reads database URLs by table or
    query and picks time windows; with a time column, ``current`` may be None (both windows
    from ``reference``).
    """
    settings = (settings or Settings()).updated(**options).validate()
    if selection is not None and (
        selection.time_column or is_database_url(reference) or is_database_url(current)
    ):
        return _compare_selected(reference, current, settings, selection, progress)
    if current is None:
        raise UsageError("compare needs a current input (or one input with --time-column)")
    sides: list[Profile | Source]
    if not any(isinstance(d, Profile) or _is_profile_path(d) for d in (reference, current)):
        # a CSV side is read with the types of a typed side where its values allow
        sides = list(
            open_pair(
                reference,
                current,
                delimiter=settings.delimiter,
                encoding=settings.encoding,
                na_values=settings.na_values,
            )
        )
    else:
        sides = [
            _saved_profile(data) or _open(data, role, settings)
            for data, role in ((reference, "reference"), (current, "current"))
        ]
    names = [set(s.column_names if isinstance(s, Profile) else s.schema().names) for s in sides]
    check_named_columns(settings, names[0] | names[1])
    if not role_columns(settings) and not (
        set(wanted_columns(sorted(names[0]), settings)) & names[1]
    ):
        from driftcli.comparison import no_shared

        raise no_shared(
            sides[0].path or "reference",
            sides[1].path or "current",
            [n for n in wanted_columns(sorted(names[0]), settings) if n not in names[1]],
            [n for n in wanted_columns(sorted(names[1]), settings) if n not in names[0]],
        )
    if settings.segment_by and not all(isinstance(s, Source) for s in sides):
        raise UsageError("--segment-by needs the data of both sides, not saved profiles")
    for name in settings.segment_by:
        if not all(name in n for n in names):
            raise UsageError(f"--segment-by: column {name!r} is not in both inputs")
    ref, cur = (
        s if isinstance(s, Profile) else _build(s, role, settings, progress)
        for s, role in zip(sides, ("reference", "current"), strict=True)
    )
    result = compare_profiles(ref, cur, settings, evaluate_model=_evaluate_model, progress=progress)
    if settings.segment_by:
        result.segments = _segments(sides, settings)
        result.verdict = decide(result, settings.fail_on)
    return result


def _segments(sides: list[Any], settings: Settings) -> dict[str, Any]:
    """Per-segment comparisons for each --segment-by column (one more pass over each side)."""
    from driftcli.analysis import segments
    from driftcli.model.options import DIRECTIONS

    sections = []
    for column in settings.segment_by:
        inner = settings.updated(
            segment_by=[], multivariate=False, ignore=[*settings.ignore, column]
        )
        ref, cur = (
            _segment_profiles(side, role, settings, column)
            for side, role in zip(sides, ("reference", "current"), strict=True)
        )
        ref, cur = segments.pool(ref, cur, settings.max_segments)

        def run(r: Profile, c: Profile, inner: Settings = inner) -> Result:
            return compare_profiles(r, c, inner, evaluate_model=_evaluate_model)

        sections.append(
            segments.compare_segments(
                column,
                ref,
                cur,
                run,
                min_ratio=settings.min_segment_ratio,
                directions=DIRECTIONS,
            )
        )
    return segments.merge_sections(sections)


def _segment_profiles(
    source: Source, role: str, settings: Settings, column: str
) -> dict[str, Profile]:
    """One profile per value of ``column`` on one side, built while the side streams."""
    from driftcli.analysis.segments import SegmentedBuilder

    full = source.schema()
    names = wanted_columns(full.names, settings)
    if column not in names:
        names.append(column)
    schema = pa.schema([full.field(n) for n in names])
    roles = [c for c in role_columns(settings) if c in schema.names]

    def factory() -> ProfileBuilder:
        model = _empty_stats(settings) if roles else None
        return ProfileBuilder(
            schema,
            role=role,
            numerical=[n for n in settings.numerical if n in schema.names],
            exact_limit=settings.exact_limit,
            model=model,
            model_columns=roles,
        )

    builder = SegmentedBuilder(column, factory)
    for batch in source.batches(names, BATCH_ROWS):
        builder.add(batch)
    return builder.finish(source.path, source.format)


def _compare_selected(
    reference: Any,
    current: Any,
    settings: Settings,
    selection: Selection,
    progress: Progress | None,
) -> Result:
    """:func:`compare` for database inputs and time windows (:mod:`driftcli.windows`)."""
    from driftcli.windows import check_rows, open_side, open_windows

    opts: dict[str, Any] = {
        "delimiter": settings.delimiter,
        "encoding": settings.encoding,
        "na_values": settings.na_values,
    }
    if selection.time_column is None:
        selection.check()
        if current is None:
            raise UsageError("compare needs REFERENCE and CURRENT, or one input with --time-column")
        loaded: list[Profile | Source] = []
        for data, role in ((reference, "reference"), (current, "current")):
            if isinstance(data, Profile):
                loaded.append(data)
            elif _is_profile_path(data):
                loaded.append(Profile.load(data))
            else:
                loaded.append(open_side(data, role, selection, **opts))
        known = set().union(
            *(s.column_names if isinstance(s, Profile) else s.schema().names for s in loaded)
        )
        check_named_columns(settings, known)
        ref, cur = (
            s if isinstance(s, Profile) else _build(s, role, settings, progress)
            for s, role in zip(loaded, ("reference", "current"), strict=True)
        )
        return compare_profiles(
            ref, cur, settings, evaluate_model=_evaluate_model, progress=progress
        )
    given = {"reference": _saved_profile(reference), "current": _saved_profile(current)}
    saved = frozenset(role for role, prof in given.items() if prof is not None)
    if current is None and saved:
        raise UsageError("a saved profile has no time column: windows need data inputs")
    sides = open_windows(reference, current, selection, profiles=saved, **opts)
    opened: list[Profile | Source] = []
    for side, prof in zip(sides, given.values(), strict=True):
        if side is not None:
            opened.append(side.source)
        else:  # a saved profile, taken whole (open_windows returns None for no other side)
            assert prof is not None
            opened.append(prof)
    check_named_columns(
        settings,
        set().union(
            *(s.column_names if isinstance(s, Profile) else s.schema().names for s in opened)
        ),
    )
    profiles = [
        got if isinstance(got, Profile) else _build(got, role, settings, progress)
        for got, role in zip(opened, ("reference", "current"), strict=True)
    ]
    for side, prof in reversed(list(zip(sides, profiles, strict=True))):
        if side is not None:  # the current window first: the one a user most often mistypes
            check_rows(side, prof.rows)
    result = compare_profiles(
        profiles[0], profiles[1], settings, evaluate_model=_evaluate_model, progress=progress
    )
    result.reference.window = sides[0].window if sides[0] is not None else None
    result.current.window = sides[1].window if sides[1] is not None else None
    return result


def merge(profiles: list[Any]) -> Profile:
    """Merge several profiles (objects or files) of the same columns into one."""
    loaded = [p if isinstance(p, Profile) else Profile.load(Path(p)) for p in profiles]
    if not loaded:
        raise InputError("nothing to merge")
    try:
        return loaded[0].merge(*loaded[1:])
    except UsageError as err:  # a column's types differ: which files were merged
        files = [str(p) for p in profiles if not isinstance(p, Profile)]
        raise UsageError(f"{err}: {', '.join(files[:4])}" if files else str(err)) from None


__all__ = ["DatasetDrift", "Progress", "Selection", "compare", "merge", "profile", "wanted_columns"]
