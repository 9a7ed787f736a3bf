"""Airflow DAG: check the day's data for drift, retrain on a breach.

driftcli's exit code decides the branch: 0 goes on to scoring, 1 (drift or a quality
breach) goes to retraining, and 2 (the check could not run: missing file, bad config)
fails the task, so the run is marked failed rather than silently "passing".

The BashOperator prints the exit code as its last line, which Airflow pushes to XCom; a
BranchPythonOperator reads it. (Written for Airflow 2.x; on Airflow 3 import the operators
from ``airflow.providers.standard.operators``.)

driftcli must be installed where the task runs (the worker image), from its git repository
pinned to a release tag, since driftcli is not on PyPI. PLACEHOLDER: replace
https://github.com/YOUR-ORG/driftcli with the repository you install driftcli from, and v0.1.0
with the tag you have reviewed::

    INSTALL: pip install "driftcli @ git+https://github.com/YOUR-ORG/driftcli@v0.1.0"
"""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator

DATA = "/data/churn"

CHECK = f"""
cd {DATA}
driftcli compare reference.parquet {{{{ ds }}}}.parquet --quiet \\
    --json reports/drift_{{{{ ds }}}}.json --markdown reports/drift_{{{{ ds }}}}.md
code=$?
echo "$code"
[ "$code" -le 1 ]
"""


def choose(ti) -> str:  # type: ignore[no-untyped-def]
    """0 -> score with the current model; 1 -> retrain first."""
    code = int(ti.xcom_pull(task_ids="drift_check"))
    return "retrain" if code == 1 else "score"


with DAG(
    dag_id="churn_drift",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    tags=["driftcli"],
) as dag:
    drift_check = BashOperator(task_id="drift_check", bash_command=CHECK, do_xcom_push=True)
    branch = BranchPythonOperator(task_id="branch_on_exit_code", python_callable=choose)
    retrain = BashOperator(task_id="retrain", bash_command=f"cd {DATA} && python train.py")
    score = EmptyOperator(task_id="score", trigger_rule="none_failed_min_one_success")

    drift_check >> branch >> [retrain, score]
    retrain >> score
