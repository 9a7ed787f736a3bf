"""Model quality end to end through :func:`driftcli.compare`: roles, task detection, label
handling, missing values, delayed labels, gating, target/prediction drift and confidence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftcli import compare
from driftcli.errors import DriftcliError, InputError, UsageError

N = 400


def frame(rng: np.random.Generator, *, flip: float, n: int = N) -> pd.DataFrame:
    """Two features, a binary target, and a model's label and probability with ``flip`` noise."""
    x = rng.normal(size=n)
    proba = 1 / (1 + np.exp(-2.5 * x))
    pred = (proba >= 0.5).astype(int)
    truth = np.where(rng.random(n) < flip, 1 - pred, pred)
    return pd.DataFrame({"x": x, "z": rng.normal(size=n), "y": truth, "pred": pred, "proba": proba})


def metric(result, name: str) -> dict:
    return next(m for m in result.performance["metrics"] if m["name"] == name)


ROLES = {"target": "y", "prediction": "pred", "proba": ["proba"]}


def test_binary_metrics_equal_sklearn_and_gate():
    rng = np.random.default_rng(1)
    ref, cur = frame(rng, flip=0.05), frame(rng, flip=0.25)
    result = compare(ref, cur, **ROLES)
    perf = result.performance
    assert perf["task"] == "classification" and perf["type"] == "binary"
    assert perf["pos_label"] == "1"
    for side, df in (("reference", ref), ("current", cur)):
        y, p, pr = df["y"], df["pred"], df["proba"]
        expected = {
            "accuracy": skm.accuracy_score(y, p),
            "precision": skm.precision_score(y, p),
            "recall": skm.recall_score(y, p),
            "f1": skm.f1_score(y, p),
            "roc_auc": skm.roc_auc_score(y, pr),
            "log_loss": skm.log_loss(y, pr),
        }
        for name, value in expected.items():
            assert metric(result, name)[side] == pytest.approx(value, rel=1e-9, abs=1e-9)
        assert perf["confusion_matrix"][side] == skm.confusion_matrix(y, p).tolist()
    assert result.exit_code == 1
    assert any(r.startswith("accuracy dropped from") for r in result.verdict.reasons)
    assert metric(result, "accuracy")["breached"]
    # roles are not features: only x and z are drift-tested, and count in the share
    assert [c.name for c in result.columns] == ["x", "z"]
    assert result.dataset_drift.total_columns == 2
    json.dumps(result.to_dict(), allow_nan=False)


def test_no_degradation_passes():
    rng = np.random.default_rng(2)
    ref, cur = frame(rng, flip=0.1, n=20_000), frame(rng, flip=0.1, n=20_000)
    result = compare(ref, cur, **ROLES)
    assert result.performance["breaches"] == []
    assert result.exit_code == 0, result.verdict.reasons


def test_rows_with_missing_target_or_prediction_are_dropped():
    rng = np.random.default_rng(3)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.2)
    cur["y"] = cur["y"].astype("float64")
    cur.loc[::7, "y"] = np.nan
    cur["pred"] = cur["pred"].astype("Int64")
    cur.loc[3::11, "pred"] = pd.NA
    result = compare(ref, cur, target="y", prediction="pred")
    ok = cur["y"].notna() & cur["pred"].notna()
    y, p = cur.loc[ok, "y"].astype(int), cur.loc[ok, "pred"].astype(int)
    assert result.performance["rows"]["current"] == {
        "rows": N,
        "used": int(ok.sum()),
        "dropped": int((~ok).sum()),
    }
    assert metric(result, "accuracy")["current"] == pytest.approx(skm.accuracy_score(y, p))
    assert metric(result, "f1")["current"] == pytest.approx(skm.f1_score(y, p))


def test_string_labels_and_pos_label():
    rng = np.random.default_rng(4)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.2)
    for df in (ref, cur):
        df["y"] = np.where(df["y"] == 1, "churn", "stay")
        df["pred"] = np.where(df["pred"] == 1, "churn", "stay")
    result = compare(ref, cur, target="y", prediction="pred", pos_label="churn")
    assert result.performance["pos_label"] == "churn"
    assert result.performance["classes"] == ["churn", "stay"]
    expected = skm.recall_score(cur["y"], cur["pred"], pos_label="churn")
    assert metric(result, "recall")["current"] == pytest.approx(expected)
    # without --pos-label the greater label is positive
    result = compare(ref, cur, target="y", prediction="pred")
    assert result.performance["pos_label"] == "stay"
    with pytest.raises(UsageError, match="--pos-label 'maybe'"):
        compare(ref, cur, target="y", prediction="pred", pos_label="maybe")


def test_boolean_target_with_integer_prediction_share_labels():
    rng = np.random.default_rng(5)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.2)
    for df in (ref, cur):
        df["y"] = df["y"].astype(bool)
    result = compare(ref, cur, target="y", prediction="pred", proba=["proba"])
    assert result.performance["classes"] == ["0", "1"]
    expected = skm.accuracy_score(cur["y"].astype(int), cur["pred"])
    assert metric(result, "accuracy")["current"] == pytest.approx(expected)


def multiclass(rng: np.random.Generator, flip: float, n: int = N) -> pd.DataFrame:
    classes = np.array(["bird", "cat", "dog"])
    logits = rng.normal(size=(n, 3)) * 2
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    truth = np.where(rng.random(n) < flip, rng.integers(0, 3, n), pred)
    df = pd.DataFrame({"x": rng.normal(size=n), "label": classes[truth], "pred": classes[pred]})
    for i, c in enumerate(classes):
        df[f"proba_{c}"] = proba[:, i]
    return df


def test_multiclass_metrics_equal_sklearn_with_proba_mapped_by_suffix():
    rng = np.random.default_rng(6)
    ref, cur = multiclass(rng, 0.1), multiclass(rng, 0.4)
    proba = ["proba_dog", "proba_bird", "proba_cat"]  # any order: mapped by name suffix
    result = compare(ref, cur, target="label", prediction="pred", proba=proba)
    perf = result.performance
    assert perf["type"] == "multiclass" and perf["classes"] == ["bird", "cat", "dog"]
    assert perf["proba_classes"] == ["dog", "bird", "cat"]
    cols = ["proba_bird", "proba_cat", "proba_dog"]
    for side, df in (("reference", ref), ("current", cur)):
        y, p = df["label"], df["pred"]
        expected = {
            "accuracy": skm.accuracy_score(y, p),
            "roc_auc": skm.roc_auc_score(y, df[cols].to_numpy(), multi_class="ovr"),
            "log_loss": skm.log_loss(y, df[cols].to_numpy()),
        }
        for avg in ("macro", "weighted"):
            expected[f"precision_{avg}"] = skm.precision_score(y, p, average=avg)
            expected[f"recall_{avg}"] = skm.recall_score(y, p, average=avg)
            expected[f"f1_{avg}"] = skm.f1_score(y, p, average=avg)
        for name, value in expected.items():
            assert metric(result, name)[side] == pytest.approx(value, rel=1e-9), name
    # confidence: mean of the top-class probability
    conf = result.prediction_drift["confidence"]
    assert conf["current"]["mean_top_probability"] == pytest.approx(cur[cols].max(axis=1).mean())


def test_explicit_proba_labels_and_order_mapping():
    rng = np.random.default_rng(7)
    ref, cur = multiclass(rng, 0.1), multiclass(rng, 0.1)
    ren = {"proba_bird": "p0", "proba_cat": "p1", "proba_dog": "p2"}
    ref, cur = ref.rename(columns=ren), cur.rename(columns=ren)
    by_order = compare(ref, cur, target="label", prediction="pred", proba=["p0", "p1", "p2"])
    explicit = compare(
        ref, cur, target="label", prediction="pred", proba=["p2=dog", "p0=bird", "p1=cat"]
    )
    assert metric(by_order, "log_loss") == metric(explicit, "log_loss")
    with pytest.raises(UsageError, match="--proba: 2 probability columns for 3 classes"):
        compare(ref, cur, target="label", prediction="pred", proba=["p0", "p1"])
    with pytest.raises(UsageError, match="one probability column needs a binary task"):
        compare(ref, cur, target="label", prediction="pred", proba=["p0"])


def test_single_class_current_gives_null_with_reason_not_a_crash():
    rng = np.random.default_rng(8)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    cur["y"] = 1
    cur["pred"] = 1
    result = compare(ref, cur, **ROLES)
    auc = metric(result, "roc_auc")
    assert auc["current"] is None and "one class" in auc["note"]
    assert not auc["breached"]
    assert metric(result, "accuracy")["current"] == 1.0
    json.dumps(result.to_dict(), allow_nan=False)


def test_all_zero_current_has_null_precision():
    rng = np.random.default_rng(9)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    cur["y"] = 0
    cur["pred"] = 0
    result = compare(ref, cur, target="y", prediction="pred")
    assert metric(result, "precision")["current"] is None
    assert metric(result, "f1")["current"] is None
    assert result.performance["classes"] == ["0", "1"]


@pytest.mark.parametrize("how", ["missing", "all_null"])
def test_delayed_labels_skip_performance_and_exit_on_drift_alone(how):
    rng = np.random.default_rng(10)
    ref, cur = frame(rng, flip=0.05), frame(rng, flip=0.4)
    if how == "missing":
        cur = cur.drop(columns="y")
    else:
        cur["y"] = np.nan
    result = compare(ref, cur, **ROLES)
    perf = result.performance
    assert perf["skipped_reason"] and "'y'" in perf["skipped_reason"]
    assert perf["metrics"] == [] and perf["breaches"] == []
    assert perf["reference_metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(ref["y"], ref["pred"])
    )
    assert result.target_drift["skipped_reason"] == perf["skipped_reason"]
    assert result.schema_changes.missing_in_current == []  # a role, not a schema change
    # prediction drift and confidence still ran
    roles = {c["role"] for c in result.prediction_drift["columns"]}
    assert roles == {"prediction", "proba"}
    assert result.prediction_drift["confidence"]["current"]["rows"] == N
    assert result.exit_code == 0, result.verdict.reasons


def test_regression_metrics_equal_sklearn_and_residual_histogram():
    rng = np.random.default_rng(11)
    n = 500

    def side(noise: float) -> pd.DataFrame:
        x = rng.normal(size=n)
        y = np.round(3 * x + 10 + rng.normal(size=n), 1)
        y[:25] = 0.0  # zero targets: excluded from MAPE only
        return pd.DataFrame({"x": x, "y": y, "yhat": 3 * x + 10 + rng.normal(0, noise, n)})

    ref, cur = side(0.5), side(2.0)
    result = compare(ref, cur, target="y", prediction="yhat")
    perf = result.performance
    assert perf["task"] == "regression"
    assert perf["zero_targets"]["current"] == int((cur["y"] == 0).sum()) >= 25
    for side_name, df in (("reference", ref), ("current", cur)):
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
            assert metric(result, name)[side_name] == pytest.approx(value, rel=1e-9), name
    assert metric(result, "rmse")["breached"] and metric(result, "rmse")["direction"] == "lower"
    assert any(r.startswith("rmse rose from") for r in result.verdict.reasons)
    hist = perf["residuals"]
    assert sum(hist["reference"]) == n and sum(hist["current"]) == n
    assert len(hist["edges"]) == len(hist["current"]) + 1
    assert result.target_drift["columns"][0]["kind"] == "numeric"


def test_task_auto_rules():
    rng = np.random.default_rng(12)
    n = 300
    base = pd.DataFrame({"x": rng.normal(size=n)})
    few = base.assign(y=rng.integers(0, 20, n), p=rng.integers(0, 20, n))
    many = base.assign(y=rng.integers(0, 200, n), p=rng.integers(0, 200, n))
    floats = base.assign(y=rng.normal(size=n), p=rng.normal(size=n))
    assert compare(few, few, target="y", prediction="p").performance["task"] == "classification"
    assert compare(many, many, target="y", prediction="p").performance["task"] == "regression"
    assert compare(floats, floats, target="y", prediction="p").performance["task"] == "regression"
    forced = compare(many, many, target="y", prediction="p", task="classification")
    assert forced.performance["task"] == "classification"
    with pytest.raises(UsageError, match="--proba needs a classification task"):
        compare(floats, floats, target="y", prediction="p", proba=["x"], task="regression")


def test_min_metric_floor_and_ceiling():
    rng = np.random.default_rng(13)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    acc = skm.accuracy_score(cur["y"], cur["pred"])
    result = compare(
        ref,
        cur,
        **ROLES,
        max_metric_drop=1.0,
        min_metric=[f"accuracy={acc + 0.01}", "log_loss=0.01"],
    )
    reasons = result.verdict.reasons
    assert any(r.startswith("accuracy is") and "below the minimum" in r for r in reasons)
    assert any(r.startswith("log_loss is") and "above the maximum 0.01" in r for r in reasons)
    assert metric(result, "accuracy")["threshold"] == pytest.approx(acc + 0.01)
    with pytest.raises(UsageError, match="--min-metric mae: not a classification metric"):
        compare(ref, cur, **ROLES, min_metric=["mae=1"])
    with pytest.raises(UsageError, match="--min-metric precision_macro: not computed"):
        compare(ref, cur, **ROLES, min_metric=["precision_macro=0.5"])


def test_prediction_drift_and_confidence_drop_gate_under_prediction():
    rng = np.random.default_rng(14)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    cur["proba"] = 0.5 + (cur["proba"] - 0.5) * 0.2  # much less confident, same decisions
    result = compare(ref, cur, **ROLES)
    conf = result.prediction_drift["confidence"]
    assert conf["breached"] and conf["drop"] > 0.1
    assert conf["current"]["low_confidence_share"] == 1.0
    pd_breaches = result.prediction_drift["breaches"]
    assert any(b.startswith("mean top-class probability dropped from") for b in pd_breaches)
    assert any("prediction drift: 'proba' drifted" in b for b in pd_breaches)
    assert result.exit_code == 1
    relaxed = compare(ref, cur, **ROLES, fail_on=["dataset"])
    assert relaxed.exit_code == 0
    assert any(r.startswith("not gating (prediction") for r in relaxed.verdict.reasons)


def test_target_drift_gates_only_with_the_target_condition():
    rng = np.random.default_rng(15)
    ref = frame(rng, flip=0.0)
    cur = frame(rng, flip=0.0)
    cur["y"] = (rng.random(N) < 0.9).astype(int)  # label shift
    result = compare(ref, cur, target="y", fail_on=["dataset"])
    assert result.target_drift["columns"][0]["drift"]
    assert result.target_drift["breaches"][0].startswith("target drift: 'y' drifted")
    assert result.performance["skipped_reason"].startswith("no --prediction or --proba")
    assert result.exit_code == 0
    assert compare(ref, cur, target="y", fail_on=["target"]).exit_code == 1


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"target": "nope", "prediction": "pred"}, UsageError, "--target: column 'nope'"),
        ({"target": "y", "prediction": "y"}, UsageError, "both --target and --prediction"),
        ({"target": "y", "prediction": "pred", "task": "magic"}, UsageError, "--task"),
        ({"target": "y", "prediction": "pred", "max_metric_drop": -1}, UsageError, "drop"),
        ({"target": "y", "proba": ["x"]}, InputError, "probabilities must lie in"),
        ({"min_metric": ["accuracy=0.5"]}, UsageError, "--min-metric needs"),
    ],
)
def test_bad_role_options_are_one_line_errors(options, error, match):
    rng = np.random.default_rng(16)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    with pytest.raises(error, match=match) as info:
        compare(ref, cur, **options)
    assert isinstance(info.value, DriftcliError) and "\n" not in str(info.value)


def test_prediction_missing_from_current_is_an_error():
    rng = np.random.default_rng(17)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    with pytest.raises(UsageError, match="--prediction: column 'pred' is missing from current"):
        compare(ref, cur.drop(columns="pred"), target="y", prediction="pred")


def test_prediction_only_runs_prediction_drift_without_performance():
    rng = np.random.default_rng(18)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    result = compare(ref, cur, prediction="pred")
    assert result.performance is None and result.target_drift is None
    assert result.prediction_drift["columns"][0]["name"] == "pred"
    assert result.prediction_drift["confidence"] is None


def test_result_round_trips_through_json():
    from driftcli.result import Result

    rng = np.random.default_rng(19)
    result = compare(frame(rng, flip=0.1), frame(rng, flip=0.3), **ROLES)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    again = Result.from_dict(data)
    assert again.performance == data["performance"]
    assert again.prediction_drift == data["prediction_drift"]


def test_model_columns_alone_are_a_check():
    rng = np.random.default_rng(20)
    ref, cur = frame(rng, flip=0.1, n=5000), frame(rng, flip=0.1, n=5000)
    cols = ["y", "pred", "proba"]
    result = compare(ref[cols], cur[cols], **ROLES)
    assert result.columns == [] and result.dataset_drift.total_columns == 0
    assert result.exit_code == 0, result.verdict.reasons
    assert "6 model metrics within their limits" in result.verdict.reasons
    assert "no prediction drift" in result.verdict.reasons


def test_passing_verdict_says_performance_was_not_checked():
    rng = np.random.default_rng(21)
    ref, cur = frame(rng, flip=0.1), frame(rng, flip=0.1)
    result = compare(ref, cur.drop(columns="y"), **ROLES)
    assert result.exit_code == 0
    assert any(
        r.startswith("performance not checked: current has no target column 'y'")
        for r in result.verdict.reasons
    )
