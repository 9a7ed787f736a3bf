"""The model-quality gate on the shipped examples, through the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn import metrics as skm

CHURN = ("--target", "churned", "--prediction", "predicted_churn", "--proba", "churn_proba")
DATASET_DRIFT = "dataset drift: 4 of 8 tested columns drifted (50% >= 50%)"


def by_name(data: dict) -> dict[str, dict]:
    return {m["name"]: m for m in data["performance"]["metrics"]}


def test_churn_example_breaches_on_the_accuracy_drop(cli, examples):
    ref, cur = examples / "churn_reference.parquet", examples / "churn_current.parquet"
    run = cli("compare", ref, cur, *CHURN, "--json", "-")
    assert run.code == 1
    data = json.loads(run.out)
    reasons = data["verdict"]["reasons"]
    assert reasons[0] == DATASET_DRIFT
    assert "accuracy dropped from 0.91 to 0.76 (-16.5%, max drop 5%)" in reasons
    # features drift exactly as in the plain example; model columns are not features
    assert {c["name"] for c in data["columns"] if c["drift"]} == {
        "income",
        "session_length",
        "device",
        "region",
    }
    assert data["dataset_drift"]["total_columns"] == 8
    assert [c["name"] for c in data["target_drift"]["columns"]] == ["churned"]
    assert not data["prediction_drift"]["breaches"]
    # the table names the model-quality part too
    assert "model quality (classification, binary" in run.err
    assert "BREACH" in run.err


def test_churn_example_metrics_equal_sklearn(cli, examples):
    run = cli(
        "compare",
        examples / "churn_reference.parquet",
        examples / "churn_current.parquet",
        *CHURN,
        "--json",
        "-",
    )
    metrics = by_name(json.loads(run.out))
    for side in ("reference", "current"):
        df = pd.read_parquet(examples / f"churn_{side}.parquet")
        y, p, pr = df["churned"], df["predicted_churn"], df["churn_proba"]
        expected = {
            "accuracy": skm.accuracy_score(y, p),
            "precision": skm.precision_score(y, p),
            "recall": skm.recall_score(y, p),
            "f1": skm.f1_score(y, p),
            "roc_auc": skm.roc_auc_score(y, pr),
            "log_loss": skm.log_loss(y, pr),
        }
        for name, value in expected.items():
            assert metrics[name][side] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_delayed_labels_skip_performance_and_exit_on_drift_alone(cli, examples, tmp_path):
    cur = pd.read_parquet(examples / "churn_current.parquet").drop(columns="churned")
    cur.to_parquet(tmp_path / "current.parquet", index=False)
    run = cli(
        "compare",
        examples / "churn_reference.parquet",
        tmp_path / "current.parquet",
        *CHURN,
        "--json",
        "-",
    )
    data = json.loads(run.out)
    assert run.code == 1
    assert data["verdict"]["reasons"] == [DATASET_DRIFT]
    assert data["schema_changes"]["missing_in_current"] == []
    assert "current has no target column 'churned'" in data["performance"]["skipped_reason"]
    assert "performance skipped" in run.err
    assert data["prediction_drift"]["confidence"]["current"]["rows"] == 2000
    # only features and predictions are checked: without the feature gate it passes
    run = cli(
        "compare",
        examples / "churn_reference.parquet",
        tmp_path / "current.parquet",
        *CHURN,
        "--fail-on",
        "performance,prediction",
    )
    assert run.code == 0


def test_regression_example(cli, examples):
    ref = examples / "regression_reference.parquet"
    cur = examples / "regression_current.parquet"
    roles = ("--target", "delivery_minutes", "--prediction", "predicted_minutes")
    run = cli("compare", ref, cur, *roles, "--json", "-")
    assert run.code == 1
    data = json.loads(run.out)
    assert data["performance"]["task"] == "regression"
    assert data["dataset_drift"]["drifted_columns"] == 0
    assert any(r.startswith("mae rose from") for r in data["verdict"]["reasons"])
    metrics = by_name(data)
    df = pd.read_parquet(cur)
    y, p = df["delivery_minutes"], df["predicted_minutes"]
    assert metrics["mae"]["current"] == pytest.approx(skm.mean_absolute_error(y, p), rel=1e-9)
    assert metrics["r2"]["current"] == pytest.approx(skm.r2_score(y, p), rel=1e-9)
    assert metrics["mean_error"]["current"] < -5  # deliveries got slower than predicted
    # target drift is reported, and breaches only with --fail-on target
    assert data["target_drift"]["columns"][0]["drift"]
    run = cli("compare", ref, cur, *roles, "--fail-on", "dataset")
    assert run.code == 0
    run = cli("compare", ref, cur, *roles, "--fail-on", "target", "--json", "-")
    assert run.code == 1
    reasons = json.loads(run.out)["verdict"]["reasons"]
    assert reasons == ["target drift: 'delivery_minutes' drifted (ks p=3.44e-23 < 0.05)"]


def test_min_metric_and_max_metric_drop_options(cli, examples):
    run = cli(
        "compare",
        examples / "churn_reference.parquet",
        examples / "churn_current.parquet",
        *CHURN,
        "--fail-on",
        "performance",
        "--max-metric-drop",
        "10",
        "--min-metric",
        "accuracy=0.8",
        "--min-metric",
        "log_loss=2",
        "--json",
        "-",
    )
    assert run.code == 1
    assert json.loads(run.out)["verdict"]["reasons"] == ["accuracy is 0.76, below the minimum 0.8"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--target", "nope"), "--target: column 'nope'"),
        (("--target", "churned", "--min-metric", "accuracy"), "--min-metric expects NAME=VALUE"),
        (("--target", "churned", "--task", "magic"), "--task must be one of"),
        (("--target", "churned", "--proba", "income"), "--proba"),
    ],
)
def test_bad_model_options_exit_2_with_one_line(cli, examples, args, needle):
    run = cli(
        "compare", examples / "churn_reference.parquet", examples / "churn_current.parquet", *args
    )
    assert run.code == 2
    assert needle in run.err and run.err.count("\n") == 1
