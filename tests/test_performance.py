"""Model-quality metrics against scikit-learn (a test-only dependency), on many generated cases.

The metric functions of :mod:`driftcli.performance` are pure numpy; every one is checked here
against its scikit-learn counterpart within 1e-9, including single-class and empty cases where
driftcli answers ``None`` with a reason instead of scikit-learn's warning or error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

from driftcli import performance as perf

TOL = {"rel": 1e-9, "abs": 1e-9}


def approx(x: float) -> object:
    return pytest.approx(x, **TOL)


@st.composite
def label_pairs(draw: st.DrawFn, max_k: int = 5) -> tuple[np.ndarray, np.ndarray, int]:
    """True and predicted class codes in ``[0, k)``; some classes may be absent."""
    k = draw(st.integers(1, max_k))
    n = draw(st.integers(1, 120))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # skewed class shares so that absent classes and single-class sides occur often
    p = rng.dirichlet(np.full(k, draw(st.sampled_from([0.2, 1.0, 5.0]))))
    t = rng.choice(k, n, p=p)
    agree = rng.random(n) < draw(st.sampled_from([0.0, 0.5, 0.9, 1.0]))
    pred = np.where(agree, t, rng.choice(k, n, p=p))
    return t.astype(np.int64), pred.astype(np.int64), k


# --------------------------------------------------------------------------------------------
# label metrics


@pytest.mark.filterwarnings("ignore:A single label was found")
@given(label_pairs())
def test_confusion_matrix_and_accuracy_match_sklearn(case):
    t, p, k = case
    cm = perf.confusion_matrix(t, p, k)
    assert cm.tolist() == skm.confusion_matrix(t, p, labels=list(range(k))).tolist()
    assert perf.label_metrics(cm, None)["accuracy"].value == approx(skm.accuracy_score(t, p))


@given(label_pairs(max_k=2), st.integers(0, 1))
def test_binary_precision_recall_f1_match_sklearn(case, pos):
    t, p, _ = case
    cm = perf.confusion_matrix(t, p, 2)
    got = perf.label_metrics(cm, pos)
    tp = int(((t == pos) & (p == pos)).sum())
    predicted, actual = int((p == pos).sum()), int((t == pos).sum())
    kwargs = {"pos_label": pos, "labels": [0, 1], "zero_division": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = {
            "precision": (skm.precision_score(t, p, **kwargs), predicted > 0),
            "recall": (skm.recall_score(t, p, **kwargs), actual > 0),
            "f1": (skm.f1_score(t, p, **kwargs), predicted + actual > 0),
        }
    for name, (value, defined) in expected.items():
        if defined:
            assert got[name].value == approx(value), name
            assert got[name].reason is None
        else:
            assert got[name].value is None and got[name].reason, name
    assert got["accuracy"].value == approx(skm.accuracy_score(t, p))
    assert tp <= min(predicted, actual)


@pytest.mark.filterwarnings("ignore:A single label was found")
@given(label_pairs())
def test_multiclass_macro_and_weighted_match_sklearn(case):
    t, p, k = case
    got = perf.label_metrics(perf.confusion_matrix(t, p, k), None)
    for average in ("macro", "weighted"):
        for name, fn in (
            ("precision", skm.precision_score),
            ("recall", skm.recall_score),
            ("f1", skm.f1_score),
        ):
            expected = fn(t, p, average=average, zero_division=0)
            assert got[f"{name}_{average}"].value == approx(expected), (name, average)


def test_label_metrics_without_rows_are_null_with_a_reason():
    cm = perf.confusion_matrix(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 3)
    for pos in (None, 1):
        got = perf.label_metrics(cm, pos)
        assert all(v.value is None and v.reason for v in got.values())


# --------------------------------------------------------------------------------------------
# probability metrics


@given(
    st.integers(1, 150),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]),
    st.sampled_from([None, 1, 2]),
)
def test_binary_roc_auc_matches_sklearn(n, seed, share, decimals):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < share
    score = rng.random(n) * 0.5 + 0.5 * y * rng.random(n)
    if decimals is not None:  # many ties
        score = np.round(score, decimals)
    got = perf.binary_roc_auc(y, score)
    if y.all() or not y.any():
        assert got.value is None and "one class" in (got.reason or "")
    else:
        assert got.value == approx(skm.roc_auc_score(y, score))


@given(st.integers(2, 5), st.integers(5, 150), st.integers(0, 2**32 - 1))
def test_multiclass_roc_auc_and_log_loss_match_sklearn(k, n, seed):
    rng = np.random.default_rng(seed)
    t = rng.choice(k, n)
    proba = rng.dirichlet(np.ones(k), n)
    proba[np.arange(n), t] += rng.random(n)  # some signal
    proba /= proba.sum(axis=1, keepdims=True)
    labels = [f"c{i}" for i in range(k)]
    labels_idx = list(range(k))
    got_loss = perf.log_loss(t, proba)
    assert got_loss.value == approx(skm.log_loss(t, proba, labels=labels_idx))
    pos = 1 if k == 2 else None
    got = perf.roc_auc(t, proba, pos, labels)
    present = np.unique(t).size
    if k == 2:
        if present == 2:
            assert got.value == approx(skm.roc_auc_score(t, proba[:, 1]))
        else:
            assert got.value is None
    elif present == k:
        expected = skm.roc_auc_score(t, proba, multi_class="ovr", labels=labels_idx)
        assert got.value == approx(expected)
    else:
        assert got.value is None and "absent" in (got.reason or "")


@given(st.integers(1, 100), st.integers(0, 2**32 - 1))
def test_binary_log_loss_with_extreme_probabilities_matches_sklearn(n, seed):
    rng = np.random.default_rng(seed)
    t = (rng.random(n) < 0.4).astype(np.int64)
    p = rng.choice([0.0, 1.0, 1e-20, 0.5, 0.999999], n)  # clipping at eps matters here
    proba = np.column_stack([1 - p, p])
    assert perf.log_loss(t, proba).value == approx(skm.log_loss(t, p, labels=[0, 1]))


def test_average_ranks_match_scipy():
    from scipy.stats import rankdata

    rng = np.random.default_rng(3)
    for _ in range(20):
        x = np.round(rng.normal(size=rng.integers(1, 300)), 1)
        assert np.allclose(perf.average_ranks(x), rankdata(x))


# --------------------------------------------------------------------------------------------
# regression


@given(
    st.integers(1, 150),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 0.2, 1.0]),
    st.sampled_from([1.0, 1e3, 1e-3]),
)
def test_regression_metrics_match_sklearn(n, seed, zero_share, scale):
    rng = np.random.default_rng(seed)
    y = rng.normal(5, 3, n) * scale
    y[rng.random(n) < zero_share] = 0.0
    yhat = y + rng.normal(0.5, 1.0, n) * scale
    got = perf.regression_metrics(y, yhat)
    assert got["mae"].value == approx(skm.mean_absolute_error(y, yhat))
    assert got["rmse"].value == approx(skm.root_mean_squared_error(y, yhat))
    if np.ptp(y) > 0:
        assert got["r2"].value == approx(skm.r2_score(y, yhat))
    else:
        assert got["r2"].value is None and got["r2"].reason == "the target is constant"
    nonzero = y != 0
    if nonzero.any():
        expected = skm.mean_absolute_percentage_error(y[nonzero], yhat[nonzero])
        assert got["mape"].value == approx(expected)
    else:
        assert got["mape"].value is None and "zero" in (got["mape"].reason or "")
    assert got["mean_error"].value == approx(float(np.mean(yhat - y)))
    if n > 1:
        assert got["error_std"].value == approx(float(np.std(yhat - y, ddof=1)))
    else:
        assert got["error_std"].value is None


def test_regression_without_rows_is_null_with_a_reason():
    empty = np.array([], dtype=np.float64)
    got = perf.regression_metrics(empty, empty)
    assert set(got) == set(perf.REGRESSION_METRICS)
    assert all(v.value is None and v.reason for v in got.values())


# --------------------------------------------------------------------------------------------
# the degradation rule


@pytest.mark.parametrize(
    ("name", "ref", "cur", "max_drop", "limit", "breached"),
    [
        ("accuracy", 0.91, 0.76, 0.05, None, True),
        ("accuracy", 0.91, 0.88, 0.05, None, False),  # -3.3%
        ("accuracy", 0.91, 0.95, 0.05, None, False),  # better
        ("accuracy", 0.91, 0.88, 0.05, 0.9, True),  # floor
        ("mae", 1.0, 1.04, 0.05, None, False),
        ("mae", 1.0, 1.06, 0.05, None, True),  # lower is better: a rise breaches
        ("mae", 1.0, 0.5, 0.05, None, False),
        ("mae", 1.0, 1.04, 0.05, 1.02, True),  # ceiling
        ("log_loss", 0.3, 0.2, 0.05, None, False),
        ("r2", -0.5, -0.6, 0.05, None, True),  # negative reference: relative to |ref|
        ("mean_error", 0.01, 0.5, 0.05, None, False),  # bias: only an absolute limit
        ("mean_error", 0.01, -0.5, 0.05, 0.3, True),
        ("mae", 0.0, 0.1, 0.05, None, True),  # a perfect reference
    ],
)
def test_compare_metric_is_direction_aware(name, ref, cur, max_drop, limit, breached):
    row, msgs = perf.compare_metric(name, perf.Value(ref), perf.Value(cur), max_drop, limit)
    assert row["breached"] is breached
    assert bool(msgs) is breached
    assert row["change"] == pytest.approx(cur - ref)


def test_breach_message_names_metric_values_and_rule():
    _, msgs = perf.compare_metric("accuracy", perf.Value(0.91), perf.Value(0.76), 0.05, None)
    assert msgs == ["accuracy dropped from 0.91 to 0.76 (-16.5%, max drop 5%)"]
    _, msgs = perf.compare_metric("rmse", perf.Value(2.0), perf.Value(2.5), 0.1, None)
    assert msgs == ["rmse rose from 2.00 to 2.50 (+25.0%, max rise 10%)"]


def test_undefined_metric_never_breaches():
    row, msgs = perf.compare_metric(
        "roc_auc", perf.Value(0.9), perf.Value(None, "only one class in the target"), 0.05, 0.8
    )
    assert not msgs and row["current"] is None
    assert row["note"] == "current: only one class in the target"


@pytest.mark.parametrize(
    "bad",
    [["accuracy"], ["nope=1"], ["accuracy=high"], ["=0.3"], ["mae=inf"]],
)
def test_min_metric_is_validated(bad):
    from driftcli.errors import UsageError

    with pytest.raises(UsageError, match="--min-metric"):
        perf.parse_min_metric(bad)


def test_min_metric_accepts_lists_commas_and_mappings():
    assert perf.parse_min_metric(["accuracy=0.8,f1=0.7", "mae=3"]) == {
        "accuracy": 0.8,
        "f1": 0.7,
        "mae": 3.0,
    }
    assert perf.parse_min_metric({"r2": 0.5}) == {"r2": 0.5}
