"""Streaming model quality: :class:`ModelStats` built batch by batch and merged.

Checked here: any batch split, row order and merge order gives the same metrics (counts
equal, sums within float rounding, binned parts within their bound); agreement with
scikit-learn to 1e-9 on the exact parts; the ROC AUC bound beyond the exact budget holds on
generated data (the budget is set small); ``to_state``/``from_state`` round-trips.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

from driftcli.errors import InputError, UsageError
from driftcli.model import ModelStats, evaluate, evaluate_stats, table_stats
from driftcli.model.counts import UNIT_BINS, ValueCounts, auc_from_counts
from driftcli.model.metrics import residual_histogram
from driftcli.settings import Settings

TOL = {"rel": 1e-9, "abs": 1e-9}


def no_drift(name: str) -> dict[str, Any]:
    """Column drift stand-in: the model metrics do not depend on it."""
    return {"name": name, "drift": False}


def settings_for(**options: Any) -> Settings:
    return Settings().updated(**options).validate()


def binary_frame(rng: np.random.Generator, n: int, *, decimals: int | None = None) -> pd.DataFrame:
    x = rng.normal(size=n)
    proba = 1 / (1 + np.exp(-2 * x))
    if decimals is not None:
        proba = np.round(proba, decimals)  # ties
    pred = (proba >= 0.5).astype(int)
    y = np.where(rng.random(n) < 0.2, 1 - pred, pred)
    df = pd.DataFrame({"y": y.astype(float), "pred": pred, "proba": proba})
    df.loc[rng.random(n) < 0.05, "y"] = np.nan  # dropped rows
    return df


def multiclass_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    classes = np.array(["bird", "cat", "dog"])
    logits = rng.normal(size=(n, 3)) * 2
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    truth = np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), pred)
    truth[:3] = np.arange(3)[: min(n, 3)]  # every class occurs
    df = pd.DataFrame({"label": classes[truth], "pred": classes[pred]})
    for i, c in enumerate(classes):
        df[f"proba_{c}"] = proba[:, i]
    return df


def regression_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    y = np.round(rng.normal(10, 3, n), 1)
    y[rng.random(n) < 0.1] = 0.0
    return pd.DataFrame({"y": y, "yhat": y + rng.normal(0.3, 1.0, n)})


BINARY = {"target": "y", "prediction": "pred", "proba": ["proba"]}
MULTI = {"target": "label", "prediction": "pred", "proba": ["proba_bird", "proba_cat", "proba_dog"]}
REGRESSION = {"target": "y", "prediction": "yhat"}


def build(table: pa.Table, settings: Settings, cuts: list[int], limit: int) -> ModelStats:
    """Stats of ``table`` cut at ``cuts`` into parts, one batch per part, merged left to right."""
    bounds = [0, *sorted(set(cuts)), table.num_rows]
    parts = [table.slice(a, b - a) for a, b in pairwise(bounds) if b > a]
    return ModelStats.build([b for p in parts for b in p.to_batches()], settings, limit)


def parts_stats(
    table: pa.Table, settings: Settings, cuts: list[int], limit: int
) -> list[ModelStats]:
    bounds = [0, *sorted(set(cuts)), table.num_rows]
    return [
        ModelStats.build(table.slice(a, b - a).to_batches(), settings, limit)
        for a, b in pairwise(bounds)
    ]


def metrics_of(quality: Any) -> dict[str, Any]:
    """Everything the performance section computed, by name."""
    perf = quality.performance
    out: dict[str, Any] = {m["name"]: m for m in perf["metrics"]}
    out["_rows"] = perf["rows"]
    out["_cm"] = perf.get("confusion_matrix")
    out["_classes"] = perf.get("classes")
    out["_residuals"] = perf.get("residuals")
    conf = (quality.prediction_drift or {}).get("confidence")
    out["_confidence"] = conf
    return out


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Counts equal; values within float rounding; approximate values within their bound."""
    assert a.keys() == b.keys()
    for key in ("_rows", "_cm", "_classes"):
        assert a[key] == b[key], key
    for name in a:
        if name.startswith("_"):
            continue
        for side in ("reference", "current"):
            x, y = a[name][side], b[name][side]
            assert (x is None) == (y is None), name
            if x is None:
                continue
            bound = max(a[name].get("error_bound", 0.0), b[name].get("error_bound", 0.0))
            assert abs(x - y) <= bound + 1e-12 * max(1.0, abs(x)), (name, side, x, y, bound)
    ca, cb = a["_confidence"], b["_confidence"]
    if ca is not None:
        assert ca["histogram"] == cb["histogram"]
        for side in ("reference", "current"):
            assert ca[side]["rows"] == cb[side]["rows"]
            assert ca[side]["mean_top_probability"] == pytest.approx(
                cb[side]["mean_top_probability"], rel=1e-12
            )


SCENARIOS = [
    ("binary", binary_frame, BINARY),
    ("multiclass", multiclass_frame, MULTI),
    ("regression", regression_frame, REGRESSION),
]


# --------------------------------------------------------------------------------------------
# batch split, row order, merge order


@pytest.mark.parametrize(("kind", "make", "roles"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(3, 300),
    cuts=st.lists(st.floats(0, 1), max_size=6),
    limit=st.sampled_from([3, 40, 100_000]),
    data=st.data(),
)
def test_any_split_order_and_merge_give_the_same_metrics(
    kind, make, roles, seed, n, cuts, limit, data
):
    rng = np.random.default_rng(seed)
    settings = settings_for(**roles)
    ref = pa.Table.from_pandas(make(rng, n), preserve_index=False)
    cur = pa.Table.from_pandas(make(rng, n), preserve_index=False)
    cut_rows = [int(c * n) for c in cuts]
    whole = [ModelStats.build(t.to_batches(), settings, limit) for t in (ref, cur)]
    expected = metrics_of(evaluate_stats(*whole, settings, no_drift))

    # one stream, cut anywhere
    split = [build(t, settings, cut_rows, limit) for t in (ref, cur)]
    assert_same(metrics_of(evaluate_stats(*split, settings, no_drift)), expected)

    # rows shuffled
    perm = rng.permutation(n)
    shuffled = [build(t.take(perm), settings, cut_rows, limit) for t in (ref, cur)]
    assert_same(metrics_of(evaluate_stats(*shuffled, settings, no_drift)), expected)

    # parts merged in any order and any tree shape
    merged = []
    for t in (ref, cur):
        parts = parts_stats(t, settings, cut_rows, limit)
        order = data.draw(st.permutations(range(len(parts))))
        pool = [parts[i] for i in order]
        while len(pool) > 1:
            i = data.draw(st.integers(0, len(pool) - 2))
            pool[i : i + 2] = [pool[i].merge(pool[i + 1])]
        merged.append(pool[0])
    assert_same(metrics_of(evaluate_stats(*merged, settings, no_drift)), expected)
    # exact parts are byte-identical states whatever the merge order: the counts
    for a, b in zip(merged, whole, strict=True):
        sa, sb = a.to_state(), b.to_state()
        for key in sa[1]:
            if key.endswith((".counts", ".values", "pairs", "label_rows", "hist")):
                np.testing.assert_array_equal(sa[1][key], sb[1][key], err_msg=key)
        assert sa[0]["labels"] == sb[0]["labels"]


# --------------------------------------------------------------------------------------------
# agreement with scikit-learn


@pytest.mark.parametrize("chunk", [1, 7, 64, None])
def test_binary_metrics_match_sklearn_for_any_batch_size(chunk):
    rng = np.random.default_rng(1)
    ref_df, cur_df = binary_frame(rng, 500, decimals=2), binary_frame(rng, 400)
    settings = settings_for(**BINARY)
    quality = evaluate(
        pa.Table.from_pandas(ref_df), pa.Table.from_pandas(cur_df), settings, max_chunksize=chunk
    )
    got = metrics_of(quality)
    for side, df in (("reference", ref_df), ("current", cur_df)):
        df = df.dropna()
        y, p, pr = df["y"].astype(int), df["pred"], df["proba"]
        expected = {
            "accuracy": skm.accuracy_score(y, p),
            "precision": skm.precision_score(y, p),
            "recall": skm.recall_score(y, p),
            "f1": skm.f1_score(y, p),
            "roc_auc": skm.roc_auc_score(y, pr),
            "log_loss": skm.log_loss(y, pr),
        }
        for name, value in expected.items():
            assert got[name][side] == pytest.approx(value, **TOL), (name, side)
            assert "approximate" not in got[name]
        assert got["_cm"][side] == skm.confusion_matrix(y, p).tolist()


@pytest.mark.parametrize("chunk", [3, 100, None])
def test_multiclass_metrics_match_sklearn_for_any_batch_size(chunk):
    rng = np.random.default_rng(2)
    ref_df, cur_df = multiclass_frame(rng, 600), multiclass_frame(rng, 300)
    settings = settings_for(**MULTI)
    got = metrics_of(
        evaluate(
            pa.Table.from_pandas(ref_df),
            pa.Table.from_pandas(cur_df),
            settings,
            max_chunksize=chunk,
        )
    )
    cols = MULTI["proba"]
    for side, df in (("reference", ref_df), ("current", cur_df)):
        y, p, pm = df["label"], df["pred"], df[cols].to_numpy()
        expected = {
            "accuracy": skm.accuracy_score(y, p),
            "roc_auc": skm.roc_auc_score(y, pm, multi_class="ovr"),
            "log_loss": skm.log_loss(y, pm),
        }
        for avg in ("macro", "weighted"):
            expected[f"precision_{avg}"] = skm.precision_score(y, p, average=avg)
            expected[f"recall_{avg}"] = skm.recall_score(y, p, average=avg)
            expected[f"f1_{avg}"] = skm.f1_score(y, p, average=avg)
        for name, value in expected.items():
            assert got[name][side] == pytest.approx(value, **TOL), (name, side)


@pytest.mark.parametrize("chunk", [1, 50, None])
def test_regression_metrics_match_sklearn_for_any_batch_size(chunk):
    rng = np.random.default_rng(3)
    ref_df, cur_df = regression_frame(rng, 400), regression_frame(rng, 250)
    settings = settings_for(**REGRESSION)
    ref, cur = pa.Table.from_pandas(ref_df), pa.Table.from_pandas(cur_df)
    got = metrics_of(evaluate(ref, cur, settings, max_chunksize=chunk))
    for side, df in (("reference", ref_df), ("current", cur_df)):
        y, p = df["y"], df["yhat"]
        nz = y != 0
        expected = {
            "mae": skm.mean_absolute_error(y, p),
            "rmse": skm.root_mean_squared_error(y, p),
            "r2": skm.r2_score(y, p),
            "mape": skm.mean_absolute_percentage_error(y[nz], p[nz]),
            "mean_error": float((p - y).mean()),
            "error_std": float((p - y).std(ddof=1)),
        }
        for name, value in expected.items():
            assert got[name][side] == pytest.approx(value, **TOL), (name, side)
    # the residual histogram equals numpy's on the raw residuals (exact budget)
    both = np.concatenate([ref_df["yhat"] - ref_df["y"], cur_df["yhat"] - cur_df["y"]])
    edges = np.histogram_bin_edges(both, bins="sturges")
    assert got["_residuals"]["edges"] == pytest.approx(edges.tolist(), rel=1e-12)
    assert (
        got["_residuals"]["current"]
        == np.histogram(cur_df["yhat"] - cur_df["y"], edges)[0].tolist()
    )
    assert "approximate" not in got["_residuals"]


# --------------------------------------------------------------------------------------------
# beyond the exact budget


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(20, 3000),
    limit=st.sampled_from([1, 5, 50]),
    shape=st.sampled_from(["separable", "noisy", "ties", "extreme"]),
)
def test_binned_auc_is_within_its_bound(seed, n, limit, shape):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < rng.uniform(0.05, 0.95)
    if shape == "separable":
        score = np.where(y, rng.uniform(0.6, 1, n), rng.uniform(0, 0.4, n))
    elif shape == "noisy":
        score = 1 / (1 + np.exp(-(rng.normal(size=n) + y)))
    elif shape == "ties":
        score = np.round(rng.beta(2, 2, n) * 0.5 + 0.5 * y * rng.random(n), 2)
    else:  # scores crowded into one grid bin: the bound must say so
        score = 0.5 + rng.random(n) / UNIT_BINS * 0.99
        score[:1] = 0.5
    if y.all() or not y.any():
        return
    pos, neg = ValueCounts("unit", limit), ValueCounts("unit", limit)
    for chunk in np.array_split(np.arange(n), 4):
        pos.add(score[chunk][y[chunk]])
        neg.add(score[chunk][~y[chunk]])
    auc, bound = auc_from_counts(pos, neg)
    exact = skm.roc_auc_score(y, score)
    assert abs(auc - exact) <= bound + 1e-12
    if pos.exact and neg.exact:
        assert bound == 0 and auc == pytest.approx(exact, **TOL)
    assert 0 <= bound <= 0.5


def test_binned_auc_bound_is_small_on_smooth_scores_and_reported():
    rng = np.random.default_rng(4)
    ref_df, cur_df = binary_frame(rng, 20_000), binary_frame(rng, 20_000)
    settings = settings_for(**BINARY)
    ref, cur = pa.Table.from_pandas(ref_df), pa.Table.from_pandas(cur_df)
    approx = metrics_of(evaluate(ref, cur, settings, exact_limit=100, max_chunksize=4096))
    exact = metrics_of(evaluate(ref, cur, settings))
    row = approx["roc_auc"]
    assert row["approximate"] is True and 0 < row["error_bound"] < 1e-3
    for side in ("reference", "current"):
        assert abs(row[side] - exact["roc_auc"][side]) <= row["error_bound"]
    # everything else stays exact
    for name in ("accuracy", "precision", "recall", "f1", "log_loss"):
        assert "approximate" not in approx[name]
        assert approx[name]["current"] == pytest.approx(exact[name]["current"], rel=1e-12)
    assert approx["_cm"] == exact["_cm"]
    conf = approx["_confidence"]
    for side in ("reference", "current"):
        ex = exact["_confidence"][side]["low_confidence_share"]
        assert conf[side]["approximate"] is True
        assert abs(conf[side]["low_confidence_share"] - ex) <= conf[side]["error_bound"] + 1e-12


def test_multiclass_binned_auc_bound_is_the_mean_of_the_class_bounds():
    rng = np.random.default_rng(5)
    ref_df, cur_df = multiclass_frame(rng, 5000), multiclass_frame(rng, 5000)
    settings = settings_for(**MULTI)
    ref, cur = pa.Table.from_pandas(ref_df), pa.Table.from_pandas(cur_df)
    approx = metrics_of(evaluate(ref, cur, settings, exact_limit=10))
    pm = cur_df[MULTI["proba"]].to_numpy()
    exact = skm.roc_auc_score(cur_df["label"], pm, multi_class="ovr")
    row = approx["roc_auc"]
    assert row["approximate"] is True
    assert abs(row["current"] - exact) <= row["error_bound"] < 1e-3


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2000), limit=st.sampled_from([1, 10]))
def test_binned_residual_histogram_is_within_its_bound(seed, n, limit):
    rng = np.random.default_rng(seed)
    a = rng.standard_t(2, n) * rng.choice([1e-3, 1.0, 1e3])
    b = rng.normal(size=max(n // 2, 1))
    exact = residual_histogram(*(vc_of(x, 2**40) for x in (a, b)))
    approx = residual_histogram(*(vc_of(x, limit) for x in (a, b)))
    assert exact is not None and approx is not None
    assert approx["edges"] == exact["edges"]
    bound = approx.get("error_bound", 0)
    for side in ("reference", "current"):
        assert sum(approx[side]) == sum(exact[side])
        diff = np.abs(np.asarray(approx[side]) - np.asarray(exact[side]))
        assert diff.max() <= bound


def vc_of(values: np.ndarray, limit: int) -> ValueCounts:
    vc = ValueCounts("log", limit)
    vc.add(values)
    return vc


# --------------------------------------------------------------------------------------------
# saving


@pytest.mark.parametrize(("kind", "make", "roles"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
@pytest.mark.parametrize("limit", [5, 100_000])
def test_state_round_trips(kind, make, roles, limit):
    rng = np.random.default_rng(6)
    settings = settings_for(**roles)
    ref = table_stats(pa.Table.from_pandas(make(rng, 700)), settings, limit, 100)
    cur = table_stats(pa.Table.from_pandas(make(rng, 500)), settings, limit, 100)
    loaded = []
    for stats in (ref, cur):
        meta, arrays = stats.to_state()
        text = json.dumps(meta, allow_nan=False)  # JSON-able, no NaN/inf
        again = ModelStats.from_state(json.loads(text), {k: v.copy() for k, v in arrays.items()})
        meta2, arrays2 = again.to_state()
        assert meta2 == meta
        assert arrays2.keys() == arrays.keys()
        for key in arrays:
            np.testing.assert_array_equal(arrays2[key], arrays[key], err_msg=key)
        loaded.append(again)
    assert metrics_of(evaluate_stats(*loaded, settings, no_drift)) == metrics_of(
        evaluate_stats(ref, cur, settings, no_drift)
    )
    # and a loaded summary keeps merging
    assert_same(
        metrics_of(evaluate_stats(loaded[0].merge(loaded[1]), cur, settings, no_drift)),
        metrics_of(evaluate_stats(ref.merge(cur), cur, settings, no_drift)),
    )


def test_same_data_give_the_same_state():
    rng = np.random.default_rng(7)
    table = pa.Table.from_pandas(multiclass_frame(rng, 800))
    settings = settings_for(**MULTI)
    a = table_stats(table, settings, 50, 64).to_state()
    b = table_stats(table, settings, 50, 64).to_state()
    assert json.dumps(a[0]) == json.dumps(b[0])
    assert all(np.array_equal(a[1][k], b[1][k]) for k in a[1])


def test_bad_states_are_one_line_input_errors():
    settings = settings_for(**BINARY)
    rng = np.random.default_rng(8)
    meta, arrays = table_stats(pa.Table.from_pandas(binary_frame(rng, 50)), settings).to_state()
    with pytest.raises(InputError, match="unsupported version 99"):
        ModelStats.from_state({**meta, "version": 99}, arrays)
    broken = dict(arrays)
    del broken["cls.pairs"]
    with pytest.raises(InputError, match="corrupt") as info:
        ModelStats.from_state(meta, broken)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="corrupt"):
        ModelStats.from_state({k: v for k, v in meta.items() if k != "roles"}, arrays)


def test_merging_summaries_of_other_roles_is_refused():
    a = ModelStats.empty(settings_for(**BINARY))
    b = ModelStats.empty(settings_for(**REGRESSION))
    with pytest.raises(UsageError, match="different role columns"):
        a.merge(b)
    with pytest.raises(UsageError, match="other role columns"):
        evaluate_stats(a, a, settings_for(**REGRESSION), no_drift)


# --------------------------------------------------------------------------------------------
# labels while streaming


def test_labels_found_in_later_batches_and_booleans_meeting_numbers():
    """A class first seen in the last batch, and a boolean target against 0/1 predictions."""
    y = np.array([True, False] * 50 + [True])
    pred = np.array([1, 0] * 50 + [2])
    table = pa.table({"y": y, "pred": pred})
    settings = settings_for(target="y", prediction="pred")
    got = metrics_of(evaluate(table, table, settings, max_chunksize=10))
    assert got["_classes"] == ["0", "1", "2"]
    assert got["accuracy"]["current"] == pytest.approx(100 / 101)


def test_too_many_labels_for_a_forced_classification_is_one_line():
    rng = np.random.default_rng(9)
    df = pd.DataFrame({"y": rng.normal(size=3000), "p": rng.normal(size=3000)})
    table = pa.Table.from_pandas(df)
    with pytest.raises(UsageError, match="more than 1,000 distinct labels") as info:
        evaluate(table, table, settings_for(target="y", prediction="p", task="classification"))
    assert "\n" not in str(info.value)
    # auto: a continuous target is a regression, and label tracking stopped early
    stats = table_stats(table, settings_for(target="y", prediction="p"), max_chunksize=500)
    assert stats.cls is None and stats.labels["y"].overflow


@pytest.mark.parametrize("overflowing", ["y", "p"])
def test_parts_whose_labels_overflow_together_merge_to_the_whole_state(overflowing):
    """Each part holds at most 1,000 labels, all parts together more: the merge drops the
    classification counts as a build over all rows does (a Spark or Dask partition is
    such a part), so the saved state does not depend on the partitioning."""
    rng = np.random.default_rng(10)
    many = np.round(rng.normal(size=3000), 3)  # ~2,000 distinct: too many labels in all
    few = rng.integers(0, 3, 3000).astype(np.float64)
    table = pa.table({"y": many if overflowing == "y" else few, "p": many})
    settings = settings_for(target="y", prediction="p")
    whole = ModelStats.build(table.to_batches(max_chunksize=3000), settings)
    assert whole.cls is None
    parts = [ModelStats.build([b], settings) for b in table.to_batches(max_chunksize=600)]
    assert all(p.cls is not None for p in parts)  # each part alone is a classification
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert merged.cls is None and merged.labels[overflowing].overflow
    a, b = merged.to_state(), whole.to_state()
    assert a[0]["classes"] is None and a[0]["labels"] == b[0]["labels"]


@given(seed=st.integers(0, 2**32 - 1), drop=st.floats(0, 0.05), shift=st.floats(0, 1.5))
def test_approximate_auc_verdict_differs_only_within_the_bound_of_the_threshold(seed, drop, shift):
    rng = np.random.default_rng(seed)
    ref_df = binary_frame(rng, 1500)
    cur_df = binary_frame(rng, 1500)
    cur_df["y"] = np.where(rng.random(1500) < shift / 3, 1 - cur_df["y"], cur_df["y"])
    settings = settings_for(**BINARY, max_metric_drop=drop)
    ref, cur = pa.Table.from_pandas(ref_df), pa.Table.from_pandas(cur_df)
    approx = metrics_of(evaluate(ref, cur, settings, exact_limit=1))["roc_auc"]
    exact = metrics_of(evaluate(ref, cur, settings))["roc_auc"]
    assert approx["approximate"] is True and "approximate" not in exact
    if approx["breached"] != exact["breached"]:
        margin = abs(exact["current"] - exact["threshold"])
        assert margin <= (2 + drop) * approx["error_bound"]
