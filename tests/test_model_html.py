"""The model-quality sections of the HTML report: everything drawn comes from the result.

The report renders ``performance``, ``target_drift`` and ``prediction_drift`` with its generic
section renderer; these tests pin that the model data reach it in drawable shapes (confusion
matrices side by side, the metric comparison, overlaid prediction / probability distributions,
the residual histogram), all computed by :mod:`driftcli.performance`, none by the renderer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from driftcli import compare

pytest.importorskip("jinja2")
from driftcli.render import html as html_view

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _charts(ctx: dict) -> list[dict]:
    return ctx["charts"]


def test_churn_report_has_metrics_confusion_and_distributions(tmp_path):
    result = compare(
        EXAMPLES / "churn_reference.parquet",
        EXAMPLES / "churn_current.parquet",
        target="churned",
        prediction="predicted_churn",
        proba=["churn_proba"],
    )
    out = tmp_path / "report.html"
    html_view.write(result, out)
    text = out.read_text(encoding="utf-8")
    assert "accuracy dropped from 0.91 to 0.76 (-16.5%, max drop 5%)" in text
    assert 'id="performance"' in text and 'id="prediction-drift"' in text
    cm = result.performance["confusion_matrix"]
    for side in ("reference", "current"):
        for row in cm[side]:
            for count in row:
                assert f"{count:,}" in text
    # overlaid distributions of the prediction, the probability and the top-class confidence
    ctx = html_view.context(result)
    proba = next(c for c in result.prediction_drift["columns"] if c["role"] == "proba")
    edges = [c.get("edges") for c in _charts(ctx)]
    assert proba["histogram"]["edges"] in edges
    assert result.prediction_drift["confidence"]["histogram"]["edges"] in edges


def test_regression_report_draws_the_residual_histogram():
    result = compare(
        EXAMPLES / "regression_reference.parquet",
        EXAMPLES / "regression_current.parquet",
        target="delivery_minutes",
        prediction="predicted_minutes",
    )
    residuals = result.performance["residuals"]
    ctx = html_view.context(result)
    drawn = [c for c in _charts(ctx) if c.get("edges") == residuals["edges"]]
    assert drawn and drawn[0]["ref"] == residuals["reference"]
    assert drawn[0]["cur"] == residuals["current"]
