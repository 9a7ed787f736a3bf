"""Profiles of Spark DataFrames: one partial profile per partition, merged on the driver.

Each partition streams its Arrow batches into a :class:`~driftcli.profiles.ProfileBuilder`
inside ``mapInArrow`` and yields one row, the bytes of its partial profile; only those rows
are collected. Needs ``pip install "driftcli[spark]"`` and Java 17 or later.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from driftcli import engines, errors
from driftcli.engines import Plan, Progress
from driftcli.errors import DriftcliError, InputError, ResourceError
from driftcli.profiles import Profile
from driftcli.settings import Settings

__all__ = ["arrow_schema", "profile", "read_parquet", "session"]

#: Partials merged into one per bucket at each level of the reduction on the executors.
FAN_IN = 16


def _arrow_type(t: Any) -> pa.DataType | None:
    """The Arrow type a Spark type's values arrive as, or None when profiles cannot use it."""
    from pyspark.sql import types as T

    simple: list[tuple[type[Any], pa.DataType]] = [
        (T.BooleanType, pa.bool_()),
        (T.ByteType, pa.int8()),
        (T.ShortType, pa.int16()),
        (T.IntegerType, pa.int32()),
        (T.LongType, pa.int64()),
        (T.FloatType, pa.float32()),
        (T.DoubleType, pa.float64()),
        (T.StringType, pa.string()),
        (T.DateType, pa.date32()),
        (T.TimestampNTZType, pa.timestamp("us")),
        (T.TimestampType, pa.timestamp("us", tz="UTC")),
        (T.NullType, pa.null()),
    ]
    for cls, arrow in simple:
        if isinstance(t, cls):
            return arrow
    for name in ("CharType", "VarcharType"):
        text_type = getattr(T, name, None)
        if text_type is not None and isinstance(t, text_type):
            return pa.string()
    if isinstance(t, T.DecimalType):
        return pa.decimal128(t.precision, t.scale)
    return None


def arrow_schema(spark_schema: Any) -> tuple[pa.Schema, dict[str, str]]:
    """The Arrow schema of a Spark schema, and each column's Spark type name; a column of a
    type profiles cannot use (arrays, maps, structs, binary, intervals) maps to Arrow
    ``binary`` so that the plan can name it if it is selected."""
    fields = []
    names: dict[str, str] = {}
    for f in spark_schema.fields:
        arrow = _arrow_type(f.dataType)
        names[f.name] = f.dataType.simpleString()
        fields.append(pa.field(f.name, arrow if arrow is not None else pa.binary()))
    return pa.schema(fields), names


def profile(
    df: Any,
    settings: Settings | None = None,
    *,
    role: str = "reference",
    path: str | None = None,
    fmt: str = "spark",
    progress: Progress | None = None,
    fan_in: int = FAN_IN,
    **options: Any,
) -> Profile:
    """The profile of a ``pyspark.sql.DataFrame``, as the local engine builds it.

    ``options`` are :class:`~driftcli.settings.Settings` fields, as for
    :func:`driftcli.profile`: the column selection (``columns``, ``ignore``), forced kinds
    (``numerical``), model roles (``target``, ``prediction``, ``proba``: their model
    summary is built per partition and merged, as ``profile.model``) and ``exact_limit``. Raises
    :class:`~driftcli.errors.UsageError` for a column the options name that the DataFrame
    lacks, and for a selected column of a type profiles cannot summarize (named with its
    Spark type). Partials are merged on the executors, ``fan_in`` at a time, until at most
    ``fan_in`` are left for the driver.
    """
    settings = engines.settings_of(settings, options)
    schema, type_names = arrow_schema(df.schema)
    dups = sorted({n for n in schema.names if schema.names.count(n) > 1})
    if dups:
        raise InputError(f"{path or 'Spark DataFrame'}: duplicate column name {dups[0]!r}")
    the_plan = engines.plan(
        schema,
        settings,
        role=role,
        path=path,
        fmt=fmt,
        where=path or "Spark DataFrame",
        type_names={n: f"Spark type {t}" for n, t in type_names.items()},
    )
    # columns by position under plain names: a name with dots or backticks is not an
    # attribute Spark can always resolve, and the plan knows the real names
    position = {n: i for i, n in enumerate(schema.names)}
    plain = df.toDF(*[f"c{i}" for i in range(len(schema.names))])
    selected = plain.select(*[f"c{position[n]}" for n in the_plan.columns])
    with warnings.catch_warnings():  # pyspark's notice about newer pandas: not ours to show
        warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
        partials = selected.mapInArrow(_partition_function(the_plan), "partial binary")
        try:
            blobs = _collect(_reduced(partials, fan_in), progress)
        except Exception as err:
            raise _one_line(err) from None
    return engines.merge_partials(blobs, the_plan)


def _one_line(err: Exception) -> Exception:
    """A failed Spark job as one line: a driftcli error raised on an executor (a forced
    numeric column with text, say) keeps its type and message; anything else is the
    first line of Spark's report."""
    if isinstance(err, DriftcliError):
        return err
    text = str(err)
    if "OutOfMemoryError" in text or isinstance(err, ConnectionError | EOFError):
        # the JVM ran out of memory (its own report went to stderr) or died with it
        return ResourceError(
            "the Spark job ran out of memory or its JVM stopped: give Spark more memory "
            "(spark.driver.memory, spark.executor.memory), or profile fewer or narrower "
            "columns (--columns, --ignore)"
        )
    found = re.search(r"driftcli\.errors\.(\w+): (.*)", text)
    if found:
        kind = getattr(errors, found.group(1), None)
        if isinstance(kind, type) and issubclass(kind, DriftcliError):
            return kind(found.group(2).strip())
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else type(err).__name__
    # a Python worker's own error ("ModuleNotFoundError: No module named 'driftcli'": the
    # executors run another Python) is the line that says what to do; Spark's first line
    # only says that one happened
    cause = next((ln for ln in reversed(lines) if re.match(r"^\w+(Error|Exception): ", ln)), None)
    hint = ""
    if cause and "No module named 'driftcli'" in cause:
        hint = " (the executors' Python lacks driftcli: set PYSPARK_PYTHON to one that has it)"
    return InputError(
        f"the Spark job failed: {first}" + (f" {cause}" if cause and cause != first else "") + hint
    )


def _reduced(partials: Any, fan_in: int) -> Any:
    """The partials, merged on the executors until at most ``fan_in`` are left.

    Each level sends every partial to the bucket its content hash names and merges each
    bucket (in hash order): which partials meet depends only on their content, never on the
    partition order, and the driver receives at most ``fan_in`` partials however many
    partitions there are (each can weigh megabytes: a flat collect of thousands would
    overflow ``spark.driver.maxResultSize``).
    """
    fan_in = max(2, fan_in)
    groups = partials.rdd.getNumPartitions()
    if groups <= fan_in:
        return partials
    rdd = partials.rdd.map(lambda row: bytes(row[0]))
    while groups > fan_in:
        groups = -(-groups // fan_in)
        rdd = (
            rdd.map(lambda blob, g=groups: (engines.bucket(blob, g), blob))
            .groupByKey(numPartitions=groups)
            .map(lambda kv: engines.merge_blobs(*kv[1]))
        )
    return rdd.map(lambda blob: (bytearray(blob),)).toDF("partial binary")


def _partition_function(plan: Plan) -> Any:
    """The function ``mapInArrow`` runs on each partition (a closure over the plan only)."""

    names = plan.columns

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        named = (pa.RecordBatch.from_arrays(b.columns, names=names) for b in batches)
        blob = engines.partial(named, plan)
        yield pa.RecordBatch.from_arrays([pa.array([blob], pa.binary())], names=["partial"])

    return run


def _collect(partials: Any, progress: Progress | None) -> list[bytes]:
    """Collect the partials' bytes; with ``progress``, report finished partitions while the
    job runs (Spark's status tracker, polled from this thread)."""
    if progress is None:
        return [bytes(r[0]) for r in partials.collect()]
    sc = partials.sparkSession.sparkContext
    group = f"driftcli-{uuid.uuid4().hex}"
    out: dict[str, Any] = {}

    def work() -> None:
        try:
            sc.setJobGroup(group, "driftcli profile", interruptOnCancel=True)
            out["rows"] = partials.collect()
        except BaseException as err:  # re-raised in the caller's thread
            out["error"] = err

    thread = threading.Thread(target=work, name="driftcli-spark-collect", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.25)
        done, total = _tasks(sc, group)
        if total:
            progress(done, total, "partitions profiled on Spark")
    if "error" in out:
        raise out["error"]
    rows = out["rows"]
    progress(len(rows), len(rows), "partitions profiled on Spark")
    return [bytes(r[0]) for r in rows]


def _tasks(sc: Any, group: str) -> tuple[int, int]:
    """Finished and total tasks of the job group's stages so far."""
    tracker = sc.statusTracker()
    done = total = 0
    for job in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job)
        for stage in info.stageIds if info else ():
            s = tracker.getStageInfo(stage)
            if s is not None:
                done += s.numCompletedTasks
                total += s.numTasks
    return done, total


@contextlib.contextmanager
def session(master: str = "local[*]", app_name: str = "driftcli") -> Iterator[Any]:
    """A Spark session on ``master`` for the command line, stopped on exit (an active
    session of this process is used as it is, and left running).

    Fails with one line when Java is missing or the master does not answer within
    :data:`driftcli.engines.CONNECT_TIMEOUT` seconds.
    """
    if not engines.java_available():
        raise InputError(
            "--engine spark needs Java 17 or later: no java on PATH and JAVA_HOME is not set "
            "(install a JDK, e.g. apt-get install openjdk-17-jre-headless)"
        )
    engines.check_reachable(master, "spark master", 7077)
    if master.startswith("local"):  # a local master listens on the loopback only
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(engines.BATCH_ROWS))
    )
    existing = SparkSession.getActiveSession()
    if existing is not None:  # a notebook's or a test's session: use it, leave it running
        yield existing
        return
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
            spark = builder.getOrCreate()
    except Exception as err:
        text = str(err).strip().splitlines()
        raise InputError(
            f"spark master {master}: cannot start a Spark session ({text[0] if text else err})"
        ) from None
    try:
        spark.sparkContext.setLogLevel("FATAL")  # driftcli reports the job's error itself
        if not master.startswith("local"):
            _probe(spark, master)
        yield spark
    finally:
        # a JVM that died (out of memory, say) cannot be stopped: the error that killed it,
        # raised in the block, is the one to report, not the failed stop
        with contextlib.suppress(Exception):
            spark.stop()


def _probe(spark: Any, master: str) -> None:
    """Run a one-task job; a cluster that gives it no executor within the timeout fails."""
    sc = spark.sparkContext
    group = f"driftcli-probe-{uuid.uuid4().hex}"
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            sc.setJobGroup(group, "driftcli probe", interruptOnCancel=True)
            result["n"] = sc.parallelize([0], 1).count()
        except BaseException as err:
            result["error"] = err

    thread = threading.Thread(target=work, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(engines.CONNECT_TIMEOUT)
    if thread.is_alive():
        sc.cancelJobGroup(group)
        raise InputError(
            f"spark master {master}: unreachable or no executors "
            f"(no answer within {time.monotonic() - start:.0f} s)"
        )
    if "error" in result:
        text = str(result["error"]).strip().splitlines()
        raise InputError(f"spark master {master}: {text[0] if text else 'probe job failed'}")


def read_parquet(spark: Any, path: str) -> Any:
    """A Parquet file or directory as a Spark DataFrame (one line on failure)."""
    try:
        return spark.read.parquet(path)
    except Exception as err:
        text = str(err).strip().splitlines()
        raise InputError(f"{path}: cannot read Parquet ({text[0] if text else err})") from None
