"""Spark and Dask engines: the same profile as the local engine, whatever the partitioning.

Spark runs in ``local[2]`` (one session for the module) and Dask on a two-worker
``LocalCluster`` bound to 127.0.0.1 (workers are threads, ``processes=False``: worker
processes cost ~10 s to start on a loaded CI machine and test nothing the tree reduction
does not). Without pyspark, dask or Java these tests skip locally with the reason; in CI
(``CI`` set) they fail instead, so the engines are never silently untested.
"""

from __future__ import annotations

import importlib
import os
import random
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import driftcli
from driftcli import engines
from driftcli.errors import InputError, UsageError
from driftcli.profiles import Profile
from driftcli.profiles.column import as_float64
from driftcli.profiles.store import to_bytes

EXACT_LIMIT = 300
ROWS = 6_000


def _need(module: str, extra: str) -> None:
    """Skip (locally) or fail (in CI) when an engine's package is missing."""
    try:
        importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed: CI must run the {extra} engine tests")
        pytest.skip(f'{module} not installed (pip install "driftcli[{extra}]"); runs in CI')


def _need_java() -> None:
    if not engines.java_available():
        if os.environ.get("CI"):
            pytest.fail("java is not installed: CI must run the Spark engine tests")
        pytest.skip("no java on PATH or JAVA_HOME: the Spark tests need Java 17+; run in CI")


def make_table(seed: int, n: int = ROWS, shift: float = 0.0) -> pa.Table:
    """Every family the engines must carry: exact and summarized numbers, nulls, NaN, inf,
    strings with nulls, booleans, dates and timestamps."""
    rng = np.random.default_rng(seed)
    floats = rng.normal(shift, 1.0, n)  # distinct: beyond the exact limit
    floats[rng.random(n) < 0.03] = np.nan
    floats[:3] = [np.inf, -np.inf, np.inf]
    wide = rng.integers(0, 10**9, n)  # integers beyond the exact limit
    small = rng.integers(0, 40, n)
    cities = np.array(["paris", "oslo", "lima", "kyiv", "quito", "accra"])
    p = np.array([0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
    if shift:
        p = p[::-1]
    return pa.table(
        {
            "floats": floats,
            "wide": pa.array(wide, mask=rng.random(n) < 0.02),
            "small": pa.array(small, pa.int32(), mask=rng.random(n) < 0.1),
            "prices": np.round(rng.gamma(2.0, 5.0, n), 1),  # ~600 distinct: summarized
            "city": pa.array(rng.choice(cities, n, p=p), mask=rng.random(n) < 0.05),
            "flag": pa.array(rng.random(n) < 0.3 + shift / 10),
            "day": pa.array(
                (np.datetime64("2026-01-01") + rng.integers(0, 90, n)).astype("datetime64[D]")
            ),
            "seen": pa.array(
                (np.datetime64("2026-01-01T00:00:00", "us") + rng.integers(0, 10**12, n)).astype(
                    "datetime64[us]"
                )
            ),
        }
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The reference table as a multi-row-group Parquet file and its local profile."""
    folder = tmp_path_factory.mktemp("engines")
    table = make_table(1)
    path = folder / "reference.parquet"
    pq.write_table(table, path, row_group_size=1_000)
    local = driftcli.profile(str(path), exact_limit=EXACT_LIMIT)
    return {"table": table, "path": path, "local": local, "folder": folder}


def assert_equivalent(local: Profile, other: Profile, table: pa.Table) -> None:
    """Exact parts identical; summarized parts on both sides within their stated bounds
    of the true values."""
    assert other.rows == local.rows == table.num_rows
    assert other.column_names == local.column_names
    for name in local.column_names:
        a, b = local.columns[name], other.columns[name]
        assert (name, b.rows, b.missing, b.family) == (name, a.rows, a.missing, a.family)
        if a.categories is not None:
            assert b.categories is not None
            assert b.categories.as_dict() == a.categories.as_dict(), name
            continue
        assert a.numeric is not None and b.numeric is not None, name
        na, nb = a.numeric, b.numeric
        assert (nb.exact, nb.n, nb.infinite) == (na.exact, na.n, na.infinite), name
        assert (nb.moments.min, nb.moments.max) == (na.moments.min, na.moments.max), name
        if na.exact:
            np.testing.assert_array_equal(nb.points.values, na.points.values)
            np.testing.assert_array_equal(nb.points.weights, na.points.weights)
            assert (nb.moments.mean, nb.moments.m2) == (na.moments.mean, na.moments.m2), name
            continue
        assert nb.moments.mean == pytest.approx(na.moments.mean, rel=1e-9, abs=1e-12)
        assert nb.moments.m2 == pytest.approx(na.moments.m2, rel=1e-9)
        true = as_float64(table.column(name))
        true = np.sort(true[np.isfinite(true)])
        grid = np.unique(np.concatenate([true[:: max(1, true.size // 500)], nb.points.values]))
        c_true = np.searchsorted(true, grid, side="right")
        for s in (na, nb):
            assert s.points.total == true.size
            err = np.abs(s.points.cdf_right(grid) - c_true).max()
            assert err <= s.points.rank_error + 1e-9, (name, err, s.points.rank_error)
            moved = np.abs(np.sort(s.points.expanded()) - true).sum()
            assert moved <= s.points.transport_error * (1 + 1e-9) + 1e-9, name


def verdicts(ref: Profile, cur: Profile) -> dict[str, tuple[bool, Any]]:
    """Per column: drifted, the test chosen, and its statistic rounded to 3 digits."""
    result = driftcli.compare(ref, cur)
    return {
        c.name: (c.drift, c.test, None if c.statistic is None else round(c.statistic, 3))
        for c in result.columns
    }


# ------------------------------------------------------------------------- model roles

#: Role options of the model tests: a binary classifier with one score column, a multiclass
#: one with a probability column per class (string labels), and a regression.
MODEL_ROLES: dict[str, dict[str, Any]] = {
    "binary": {"target": "churned", "prediction": "predicted", "proba": ["score"]},
    "multiclass": {
        "target": "kind",
        "prediction": "kind_pred",
        "proba": ["p_a=a", "p_b=b", "p_c=c"],
    },
    "regression": {"target": "minutes", "prediction": "minutes_hat"},
}


def make_model_table(seed: int, n: int = ROWS, shift: float = 0.0) -> pa.Table:
    """A feature and three models' columns: scores with more distinct values than
    ``EXACT_LIMIT`` (so ROC AUC and the confidence count on their grid), a target with
    nulls, a NaN prediction, and residuals beyond the budget (on the logarithmic grid)."""
    rng = np.random.default_rng(seed)
    score = rng.beta(2, 2, n)
    churned = (rng.random(n) < np.clip(score + shift, 0, 1)).astype(np.int64)
    labels = np.array(["a", "b", "c"])
    proba = rng.dirichlet([2, 2, 2], n)
    kind = labels[(rng.random(n)[:, None] > np.cumsum(proba, axis=1)).sum(axis=1).clip(0, 2)]
    minutes = rng.gamma(3, 10, n)
    predicted = minutes + rng.normal(shift * 5, 3, n)
    predicted[rng.random(n) < 0.01] = np.nan
    return pa.table(
        {
            "x": rng.normal(shift, 1, n),
            "churned": pa.array(churned, mask=rng.random(n) < 0.02),
            "predicted": (score > 0.5).astype(np.int64),
            "score": score,
            "kind": pa.array(kind, mask=rng.random(n) < 0.02),
            "kind_pred": labels[proba.argmax(axis=1)],
            "p_a": proba[:, 0],
            "p_b": proba[:, 1],
            "p_c": proba[:, 2],
            "minutes": minutes,
            "minutes_hat": np.round(predicted, 2),
        }
    )


@pytest.fixture(scope="module")
def model_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Reference and current model tables; current as a multi-row-group Parquet file, and
    the local profiles of both for every role set."""
    folder = tmp_path_factory.mktemp("engines_model")
    reference, current = make_model_table(11), make_model_table(12, shift=0.15)
    path = folder / "current.parquet"
    pq.write_table(current, path, row_group_size=900)
    opts = {"exact_limit": EXACT_LIMIT}
    return {
        "table": current,
        "path": path,
        "ref": {k: driftcli.profile(reference, **opts, **r) for k, r in MODEL_ROLES.items()},
        "local": {k: driftcli.profile(str(path), **opts, **r) for k, r in MODEL_ROLES.items()},
    }


def _close(a: Any, b: Any, where: str) -> None:
    """``a == b``, floats (sums, means, derived metrics) up to float rounding."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), where
    else:
        assert type(a) is type(b) and a == b, (where, a, b)


def assert_model_equivalent(local: Profile, other: Profile) -> None:
    """The model summaries agree: counts, label sets, value counts (exact values or grid
    bins) and min/max identical; sums and moments up to float rounding."""
    assert local.model is not None and other.model is not None
    meta_a, arrays_a = local.model.to_state()
    meta_b, arrays_b = other.model.to_state()
    _close(meta_a, meta_b, "model")
    assert sorted(arrays_a) == sorted(arrays_b)
    for key, x in arrays_a.items():
        y = arrays_b[key]
        if x.dtype.kind in "iub" or key.endswith(".values"):  # counts, distinct values, bins
            np.testing.assert_array_equal(y, x, err_msg=key)
        else:  # sums (log loss per class)
            np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-12, err_msg=key)


def model_sections(ref: Profile, cur: Profile, roles: dict[str, Any]) -> dict[str, Any]:
    """What a comparison says about the model: verdict, performance (with the confusion
    matrix and any approximation bounds), target and prediction drift."""
    result = driftcli.compare(ref, cur, exact_limit=EXACT_LIMIT, **roles).to_dict()
    return {k: result[k] for k in ("verdict", "performance", "target_drift", "prediction_drift")}


def assert_same_model_quality(kind: str, prof: Profile, model_data: dict[str, Any]) -> None:
    """``prof`` (an engine's profile of the current table) says what the local one says."""
    local, ref = model_data["local"][kind], model_data["ref"][kind]
    assert_model_equivalent(local, prof)
    expected = model_sections(ref, local, MODEL_ROLES[kind])
    assert expected["performance"]["skipped_reason"] is None, expected["performance"]
    _close(expected, model_sections(ref, prof, MODEL_ROLES[kind]), kind)


# ------------------------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    _need("pyspark", "spark")
    _need_java()
    from driftcli.engines import spark as engine

    with engine.session("local[2]") as session:
        session.conf.set("spark.sql.shuffle.partitions", "4")
        yield session


def _spark_frames(spark: Any, path: Path) -> dict[str, Any]:
    from pyspark.sql import functions as F

    df = spark.read.parquet(str(path))
    return {
        "as_read": df,
        "one_partition": df.coalesce(1),
        "round_robin_5": df.repartition(5),
        "hash_by_city": df.repartition(3, "city"),
        "range_by_floats": df.repartitionByRange(4, F.col("floats").desc()),
        "shuffled_rows": df.orderBy(F.rand(7)),
    }


def test_spark_profile_equals_local_for_every_partitioning(spark: Any, data: Any) -> None:
    import driftcli.spark

    for label, df in _spark_frames(spark, data["path"]).items():
        prof = driftcli.spark.profile(df, exact_limit=EXACT_LIMIT)
        assert prof.format == "spark", label
        assert_equivalent(data["local"], prof, data["table"])


def test_spark_partials_merge_the_same_in_any_order(spark: Any, data: Any) -> None:
    from driftcli.engines import spark as engine

    df = spark.read.parquet(str(data["path"])).repartition(4)
    schema, _ = engine.arrow_schema(df.schema)
    plan = engines.plan(
        schema,
        driftcli.Settings(exact_limit=EXACT_LIMIT),
        role="current",
        path=None,
        fmt="spark",
        where="test",
    )
    rows = df.mapInArrow(engine._partition_function(plan), "partial binary").collect()
    blobs = [bytes(r[0]) for r in rows]
    assert len(blobs) == 4
    first = to_bytes(engines.merge_partials(blobs, plan))
    for seed in range(3):
        shuffled = blobs[:]
        random.Random(seed).shuffle(shuffled)
        assert to_bytes(engines.merge_partials(shuffled, plan)) == first


def test_spark_reduction_on_executors_ignores_partition_order(spark: Any, data: Any) -> None:
    """Seven partitions, merged two by two on the executors: the same bytes whether the
    partitions come in one order or the reverse, and the local engine's profile."""
    from pyspark.sql import functions as F

    import driftcli.spark

    df = spark.read.parquet(str(data["path"])).withColumn("rid", F.monotonically_increasing_id())
    keyed = df.rdd.map(lambda row: (row["rid"] % 7, row))

    def placed(where: Any) -> Any:
        """Part k in partition where(k), rows sorted back (a shuffle does not keep them)."""
        rows = keyed.partitionBy(7, where).values()
        return spark.createDataFrame(rows, df.schema).sortWithinPartitions("rid").drop("rid")

    ordered, reverse = placed(lambda k: k), placed(lambda k: 6 - k)
    assert ordered.rdd.glom().map(len).collect() == reverse.rdd.glom().map(len).collect()[::-1]
    assert ordered.rdd.getNumPartitions() == reverse.rdd.getNumPartitions() == 7
    first = driftcli.spark.profile(ordered, exact_limit=EXACT_LIMIT, fan_in=2)
    second = driftcli.spark.profile(reverse, exact_limit=EXACT_LIMIT, fan_in=2)
    assert to_bytes(first) == to_bytes(second)
    assert_equivalent(data["local"], first, data["table"])


def test_spark_options_and_verdicts_match_local(spark: Any, data: Any) -> None:
    import driftcli.spark

    current = make_table(2, shift=0.5)
    path = data["folder"] / "current_spark.parquet"
    pq.write_table(current, path, row_group_size=700)
    opts: dict[str, Any] = {"exact_limit": EXACT_LIMIT, "ignore": ["seen"], "target": "flag"}
    local = driftcli.profile(str(path), **opts)
    ticks: list[tuple[int, int | None, str]] = []
    prof = driftcli.spark.profile(
        spark.read.parquet(str(path)).repartition(3), progress=lambda *a: ticks.append(a), **opts
    )
    assert ticks[-1] == (3, 3, "partitions profiled on Spark")
    assert "seen" not in prof.column_names and "flag" in prof.column_names
    assert_model_equivalent(local, prof)  # the target's model summary travels too
    assert_equivalent(local, prof, current.drop_columns(["seen"]))
    ref = driftcli.profile(str(data["path"]), ignore=["seen"], exact_limit=EXACT_LIMIT)
    local_verdicts = verdicts(ref, local)
    assert verdicts(ref, prof) == local_verdicts
    assert any(drift for drift, *_ in local_verdicts.values())  # the shift is seen


def test_a_python_worker_error_names_its_cause() -> None:
    from driftcli.engines.spark import _one_line

    report = (
        "An exception was thrown from the Python worker. Please see the stack trace below.\n"
        "Traceback (most recent call last):\n"
        '  File "worker.py", line 1, in main\n'
        "    import driftcli\n"
        "ModuleNotFoundError: No module named 'driftcli'\n"
    )
    message = str(_one_line(RuntimeError(report)))
    assert "\n" not in message
    assert "No module named 'driftcli'" in message and "PYSPARK_PYTHON" in message
    assert str(_one_line(RuntimeError("Job aborted"))) == "the Spark job failed: Job aborted"


def test_spark_errors_are_one_line(spark: Any, data: Any) -> None:
    from pyspark.sql import functions as F

    import driftcli.spark

    df = spark.read.parquet(str(data["path"]))
    with pytest.raises(UsageError, match=r"no column 'nope' \(named by --columns\)"):
        driftcli.spark.profile(df, columns=["city", "nope"])
    with pytest.raises(UsageError, match="no column 'gone'"):
        driftcli.spark.profile(df, target="gone")
    odd = df.withColumn("tags", F.array(F.col("city"))).withColumn(
        "attrs", F.create_map(F.col("city"), F.col("small"))
    )
    with pytest.raises(UsageError) as err:
        driftcli.spark.profile(odd)
    message = str(err.value)
    assert "'tags' (Spark type array<string>)" in message
    assert "'attrs' (Spark type map<string,int>)" in message
    assert "\n" not in message
    assert driftcli.spark.profile(odd, ignore=["tags", "attrs"]).rows == ROWS
    odd_name = "home.city `quoted`"
    renamed = driftcli.spark.profile(df.withColumnRenamed("city", odd_name), columns=[odd_name])
    assert renamed.column_names == [odd_name]
    expected = data["local"].columns["city"].categories
    assert renamed.columns[odd_name].categories is not None and expected is not None
    assert renamed.columns[odd_name].categories.as_dict() == expected.as_dict()
    # raised on an executor, reported on the driver as the same one-line error
    with pytest.raises(UsageError, match=r"column 'city' is forced numeric") as err:
        driftcli.spark.profile(df, numerical=["city"])
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kind", list(MODEL_ROLES))
def test_spark_model_roles_match_local_for_every_partitioning(
    spark: Any, model_data: Any, kind: str
) -> None:
    from pyspark.sql import functions as F

    import driftcli.spark

    roles = MODEL_ROLES[kind]
    df = spark.read.parquet(str(model_data["path"]))
    frames = {
        "as_read": df,
        "one_partition": df.coalesce(1),
        "hash_by_target": df.repartition(3, roles["target"]),
        "range_by_prediction": df.repartitionByRange(4, F.col(roles["prediction"]).desc()),
        "shuffled_rows": df.orderBy(F.rand(3)),
    }
    for label, frame in frames.items():
        prof = driftcli.spark.profile(frame, exact_limit=EXACT_LIMIT, fan_in=2, **roles)
        assert prof.model is not None, label
        assert prof.model.rows == ROWS, label
        assert_same_model_quality(kind, prof, model_data)


def test_spark_model_partials_merge_the_same_in_any_order(spark: Any, model_data: Any) -> None:
    from driftcli.engines import spark as engine

    roles = MODEL_ROLES["binary"]
    df = spark.read.parquet(str(model_data["path"])).repartition(5)
    schema, _ = engine.arrow_schema(df.schema)
    settings = driftcli.Settings(exact_limit=EXACT_LIMIT).updated(**roles).validate()
    plan = engines.plan(schema, settings, role="current", path=None, fmt="spark", where="test")
    rows = df.mapInArrow(engine._partition_function(plan), "partial binary").collect()
    blobs = [bytes(r[0]) for r in rows]
    assert len(blobs) == 5
    assert max(len(b) for b in blobs) < 200_000  # partials stay small: counts, not rows
    first = engines.merge_partials(blobs, plan)
    assert first.model is not None and first.model.rows == ROWS
    for seed in range(3):
        shuffled = blobs[:]
        random.Random(seed).shuffle(shuffled)
        assert to_bytes(engines.merge_partials(shuffled, plan)) == to_bytes(first)


def test_cli_profile_engine_spark(spark: Any, data: Any, cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "spark.profile"
    run = cli(
        "profile",
        data["path"],
        "--engine",
        "spark",
        "--spark-master",
        "local[2]",
        "--exact-limit",
        str(EXACT_LIMIT),
        "-o",
        out,
    )
    assert run.code == 0, run.err
    assert f"profiled {ROWS:,} rows x 8 columns" in run.out
    prof = Profile.load(out)
    assert prof.path == str(out)
    assert prof.options["source"] == {"path": str(data["path"]), "format": "parquet"}
    assert_equivalent(data["local"], prof, data["table"])
    gate = cli("compare", str(data["path"]), out, "--exact-limit", str(EXACT_LIMIT))
    assert gate.code == 0, gate.out + gate.err


# -------------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    _need("dask.dataframe", "dask")
    _need("distributed", "dask")
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _dask_frames(table: pa.Table, path: Path) -> dict[str, Any]:
    import dask.dataframe as dd

    pdf = table.to_pandas(types_mapper=pd.ArrowDtype)
    by_row_group = dd.read_parquet(str(path), dtype_backend="pyarrow", split_row_groups=True)
    six = dd.from_pandas(pdf, npartitions=6, sort=False)
    return {
        "one": dd.from_pandas(pdf, npartitions=1, sort=False),
        "six": six,
        "six_reversed": six.partitions[list(range(6))[::-1]],
        "six_shuffled": six.partitions[[3, 0, 5, 1, 4, 2]],
        "row_groups": by_row_group,
    }


def test_dask_profile_equals_local_for_every_partitioning(dask_client: Any, data: Any) -> None:
    import driftcli.dask

    frames = _dask_frames(data["table"], data["path"])
    assert frames["row_groups"].npartitions == 6
    profiles = {}
    for label, ddf in frames.items():
        prof = driftcli.dask.profile(ddf, exact_limit=EXACT_LIMIT)
        assert prof.format == "dask", label
        assert_equivalent(data["local"], prof, data["table"])
        profiles[label] = to_bytes(prof)
    # the same partitions in any order give the same bytes
    assert profiles["six_reversed"] == profiles["six"] == profiles["six_shuffled"]


def test_dask_default_scheduler_and_client_agree(dask_client: Any, data: Any) -> None:
    import dask
    import dask.dataframe as dd

    import driftcli.dask

    pdf = data["table"].to_pandas(types_mapper=pd.ArrowDtype)
    ddf = dd.from_pandas(pdf, npartitions=5, sort=False)
    ticks: list[tuple[int, int | None, str]] = []
    on_cluster = driftcli.dask.profile(
        ddf,
        client=dask_client,
        exact_limit=EXACT_LIMIT,
        split_every=2,
        progress=lambda *a: ticks.append(a),
    )
    assert ticks and ticks[-1][:2] == (5, 5)
    with dask.config.set(scheduler="synchronous"):
        import driftcli.engines.dask as engine

        assert engine._current_client() is None
        here = engine.profile(ddf, client=None, exact_limit=EXACT_LIMIT, split_every=2)
    assert to_bytes(here) == to_bytes(on_cluster)


def test_dask_options_and_verdicts_match_local(dask_client: Any, data: Any) -> None:
    import dask.dataframe as dd

    import driftcli.dask

    current = make_table(3, shift=0.5)
    opts: dict[str, Any] = {"exact_limit": EXACT_LIMIT, "columns": ["floats", "city", "small"]}
    local = driftcli.profile(current, **opts)
    pdf = current.to_pandas(types_mapper=pd.ArrowDtype)
    prof = driftcli.dask.profile(dd.from_pandas(pdf, npartitions=4), **opts)
    assert prof.column_names == ["floats", "small", "city"]
    assert_equivalent(local, prof, current.select(["floats", "small", "city"]))
    ref = driftcli.profile(str(data["path"]), **opts)
    assert verdicts(ref, prof) == verdicts(ref, local)


def test_dask_numpy_backed_integers_with_nulls_keep_their_type(dask_client: Any) -> None:
    """pandas turns an integer column with nulls into floats in some partitions; the
    metadata's type wins, so the kind does not depend on which partition had a null."""
    import dask.dataframe as dd
    from dask import delayed

    import driftcli.dask

    ints = pd.DataFrame({"n": np.array([1, 2, 3], np.int64), "s": list("aab")})
    floats = pd.DataFrame({"n": [4.0, np.nan, 6.0], "s": list("bcc")})  # as pandas reads nulls
    ddf = dd.from_delayed([delayed(ints), delayed(floats)], meta=ints.iloc[:0], verify_meta=False)
    prof = driftcli.dask.profile(ddf)
    assert prof.columns["n"].family == "integer"
    assert prof.columns["n"].missing == 1
    assert prof.columns["s"].categories is not None
    assert prof.columns["s"].categories.as_dict() == {"a": 2, "b": 2, "c": 2}


@pytest.mark.parametrize("kind", list(MODEL_ROLES))
def test_dask_model_roles_match_local_for_every_partitioning(
    dask_client: Any, model_data: Any, kind: str
) -> None:
    import driftcli.dask

    roles = MODEL_ROLES[kind]
    frames = _dask_frames(model_data["table"], model_data["path"])
    saved = {}
    for label, ddf in frames.items():
        prof = driftcli.dask.profile(ddf, exact_limit=EXACT_LIMIT, split_every=2, **roles)
        assert prof.model is not None and prof.model.rows == ROWS, label
        assert_same_model_quality(kind, prof, model_data)
        saved[label] = to_bytes(prof)
    # the same partitions in any order give the same bytes, model summary included
    assert saved["six_reversed"] == saved["six"] == saved["six_shuffled"]


def test_engines_keep_no_model_summary_without_roles(dask_client: Any, model_data: Any) -> None:
    import dask.dataframe as dd

    import driftcli.dask

    pdf = model_data["table"].to_pandas(types_mapper=pd.ArrowDtype)
    prof = driftcli.dask.profile(dd.from_pandas(pdf, npartitions=3), exact_limit=EXACT_LIMIT)
    assert prof.model is None
    assert driftcli.profile(model_data["table"], exact_limit=EXACT_LIMIT).model is None


def test_dask_errors_are_one_line(dask_client: Any, data: Any) -> None:
    import dask.dataframe as dd

    import driftcli.dask

    pdf = data["table"].to_pandas(types_mapper=pd.ArrowDtype)
    ddf = dd.from_pandas(pdf, npartitions=2)
    with pytest.raises(UsageError, match=r"no column 'nope' \(named by --numerical\)"):
        driftcli.dask.profile(ddf, numerical=["nope"])
    lists = pd.DataFrame(
        {"tags": pd.array([["a"], ["b", "c"]], dtype=pd.ArrowDtype(pa.list_(pa.string())))}
    )
    with pytest.raises(UsageError, match=r"unsupported column type: 'tags' \(list<item: string>\)"):
        driftcli.dask.profile(dd.from_pandas(lists, npartitions=1))


def test_cli_profile_engine_dask_on_a_scheduler(
    dask_client: Any, data: Any, cli: Any, tmp_path: Path
) -> None:
    out = tmp_path / "dask.profile"
    address = dask_client.scheduler.address
    run = cli(
        "profile",
        data["path"],
        "--engine",
        "dask",
        "--dask-scheduler",
        address,
        "--exact-limit",
        str(EXACT_LIMIT),
        "-o",
        out,
    )
    assert run.code == 0, run.err
    prof = Profile.load(out)
    assert_equivalent(data["local"], prof, data["table"])


def test_cli_profile_engine_dask_with_model_roles_gates_like_local(
    dask_client: Any, model_data: Any, cli: Any, tmp_path: Path
) -> None:
    """``driftcli profile --engine dask --target ...`` saves the model summary, so the gate
    on two saved profiles reports model quality as it does on the data."""
    roles = ["--target", "kind", "--prediction", "kind_pred"]
    roles += ["--proba", "p_a=a", "--proba", "p_b=b", "--proba", "p_c=c"]
    limit = ["--exact-limit", str(EXACT_LIMIT)]
    ref = tmp_path / "reference.profile"
    model_data["ref"]["multiclass"].save(ref)
    out = tmp_path / "dask.profile"
    address = dask_client.scheduler.address
    run = cli(
        "profile",
        model_data["path"],
        "--engine",
        "dask",
        "--dask-scheduler",
        address,
        *roles,
        *limit,
        "-o",
        out,
    )
    assert run.code == 0, run.err
    assert_model_equivalent(model_data["local"]["multiclass"], Profile.load(out))
    on_profiles = cli("compare", ref, out, *roles, *limit, "--json", tmp_path / "a.json")
    local = tmp_path / "local.profile"
    model_data["local"]["multiclass"].save(local)
    on_local = cli("compare", ref, local, *roles, *limit, "--json", tmp_path / "b.json")
    assert on_profiles.code == on_local.code != 2, on_profiles.err
    import json

    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert a["performance"]["skipped_reason"] is None
    _close(b["performance"], a["performance"], "performance")
    assert a["verdict"] == b["verdict"]


# ---------------------------------------------------- errors that need no engine running


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def parquet(tmp_path: Path) -> Path:
    path = tmp_path / "small.parquet"
    pq.write_table(make_table(5, n=200), path)
    return path


@pytest.mark.parametrize("engine", ["spark", "dask"])
def test_cli_missing_extra_names_it(
    engine: str, parquet: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("pyspark", "dask.dataframe", "distributed"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    run = cli("profile", parquet, "--engine", engine, "-o", tmp_path / "x.profile")
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        f'driftcli: error: --engine {engine} needs the {engine} extra: pip install "driftcli'
        f'[{engine}]" ({"pyspark" if engine == "spark" else "dask.dataframe"} is not installed)'
    ]
    assert not (tmp_path / "x.profile").exists()


def test_cli_missing_java_is_named(
    parquet: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _need("pyspark", "spark")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java here
    run = cli("profile", parquet, "--engine", "spark", "-o", tmp_path / "x.profile")
    assert run.code == 2
    [line] = run.err.strip().splitlines()
    assert "needs Java 17 or later" in line


def test_cli_unreachable_spark_master(parquet: Path, cli: Any, tmp_path: Path) -> None:
    _need("pyspark", "spark")
    _need_java()
    master = f"spark://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    run = cli("profile", parquet, "--engine", "spark", "--spark-master", master, "-o", "x")
    assert time.monotonic() - start < engines.CONNECT_TIMEOUT
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        f"driftcli: error: spark master {master}: unreachable (Connection refused)"
    ]


def test_cli_unreachable_dask_scheduler(parquet: Path, cli: Any, tmp_path: Path) -> None:
    _need("distributed", "dask")
    address = f"tcp://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    run = cli("profile", parquet, "--engine", "dask", "--dask-scheduler", address, "-o", "x")
    assert time.monotonic() - start < engines.CONNECT_TIMEOUT
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        f"driftcli: error: dask scheduler {address}: unreachable (Connection refused)"
    ]


def test_cli_engine_input_errors(examples: Path, cli: Any, tmp_path: Path) -> None:
    run = cli("profile", examples / "reference.csv", "--engine", "dask", "-o", tmp_path / "x")
    assert run.code == 2
    assert "reads Parquet files or directories only" in run.err
    run = cli("profile", examples / "reference.parquet", "--engine", "ray", "-o", tmp_path / "x")
    assert run.code == 2
    assert "--engine: expected one of local, spark, dask, got 'ray'" in run.err
    run = cli("profile", tmp_path / "missing", "--engine", "spark", "-o", tmp_path / "x")
    assert run.code == 2
    assert "input not found" in run.err


def test_engines_are_not_imported_by_driftcli() -> None:
    code = (
        "import sys, driftcli, driftcli.cli; "
        "bad = [m for m in ('pyspark', 'dask', 'distributed', 'driftcli.spark', 'driftcli.dask') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_plan_errors_without_an_engine() -> None:
    schema = pa.schema([("a", pa.int64()), ("b", pa.binary()), ("c", pa.string())])
    settings = driftcli.Settings()
    with pytest.raises(UsageError, match=r"unsupported column type: 'b' \(binary\)"):
        engines.plan(schema, settings, role="reference", path=None, fmt="x", where="frame")
    plan = engines.plan(
        schema,
        settings.updated(ignore=["b"]),
        role="reference",
        path=None,
        fmt="x",
        where="frame",
    )
    assert plan.columns == ["a", "c"]
    with pytest.raises(UsageError, match="frame: no columns left to profile"):
        engines.plan(
            schema,
            settings.updated(ignore=["a", "b", "c"]),
            role="reference",
            path=None,
            fmt="x",
            where="frame",
        )
    empty = engines.merge_partials([], plan)
    assert empty.rows == 0 and empty.column_names == ["a", "c"]
    with pytest.raises(InputError):
        engines.merge_partials([b"not a profile"], plan)


def test_check_reachable_checks_host_addresses_only() -> None:
    for address in ("local[*]", "local[2]", "yarn", "k8s://https://example.invalid:443"):
        engines.check_reachable(address, "spark master", 7077)  # left to the engine
    port = _closed_port()
    for address in (f"spark://127.0.0.1:{port}", f"tcp://127.0.0.1:{port}", f"127.0.0.1:{port}"):
        with pytest.raises(InputError, match=r"unreachable \(Connection refused\)"):
            engines.check_reachable(address, "scheduler", 8786)


def test_a_spark_jvm_out_of_memory_is_one_line_with_advice() -> None:
    """A JVM that ran out of memory (or died of it, so py4j cannot reach it) is the
    out-of-memory error, never an internal error or Spark's report."""
    from driftcli.engines.spark import _one_line
    from driftcli.errors import ResourceError

    for err in (
        Exception("Job aborted...\nCaused by: java.lang.OutOfMemoryError: Java heap space\n at"),
        ConnectionRefusedError(111, "Connection refused"),
    ):
        got = _one_line(err)
        assert isinstance(got, ResourceError), err
        assert "ran out of memory" in str(got) and "\n" not in str(got)
