"""Airflow DAG: profile the day's Parquet on a Dask cluster, then gate on the profiles.

Two tasks. ``profile_today`` summarizes ``{DATA}/{ds}/`` on the Dask cluster (each
partition profiled on its worker, partials merged on the workers in a tree, one profile
back to the task); ``drift_gate`` compares it with the reference profile made once from the
training data. driftcli's exit code decides the outcome: 0 passes, 1 (drift) fails the gate
task so the on-call is alerted and retraining can hang off it, 2 (the check could not run:
unreachable scheduler, missing partition) fails it too, never a silent pass.

Needs driftcli with its dask extra on the Airflow workers and the Dask workers:
``pip install "driftcli @ git+https://github.com/YOUR-ORG/driftcli@v0.1.0"`` plus
``pip install "dask[dataframe,distributed]"`` (PLACEHOLDER: replace
https://github.com/YOUR-ORG/driftcli with the repository you install driftcli from, and v0.1.0
with a tag you have reviewed; driftcli is not on PyPI). From a shell, ``driftcli profile``
does the same profile step with its dask engine and scheduler options (README, "Spark and
Dask").

(Written for Airflow 2.x; on Airflow 3 import the operators from
``airflow.providers.standard.operators``.)
"""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

DATA = "/data/churn"  # one directory of Parquet files per day: /data/churn/2026-12-01/
PROFILES = "/data/churn/profiles"
SCHEDULER = "tcp://dask-scheduler:8786"


def profile_today(ds: str) -> str:
    """Profile the day's directory on the Dask cluster; return the profile's path."""
    import dask.dataframe as dd
    from distributed import Client

    import driftcli.dask

    with Client(SCHEDULER, timeout=30) as client:
        ddf = dd.read_parquet(f"{DATA}/{ds}/", dtype_backend="pyarrow")  # keep Parquet types
        profile = driftcli.dask.profile(ddf, client=client, ignore=["customer_id"])
    if profile.rows == 0:
        raise ValueError(f"{DATA}/{ds}/: no rows")  # fail the task: nothing was checked
    out = f"{PROFILES}/{ds}.profile"
    profile.save(out)
    return out


GATE = f"""
driftcli compare {PROFILES}/reference.profile {PROFILES}/{{{{ ds }}}}.profile --quiet \\
    --json {PROFILES}/drift_{{{{ ds }}}}.json --markdown {PROFILES}/drift_{{{{ ds }}}}.md
"""

with DAG(
    dag_id="churn_drift_dask",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    tags=["driftcli", "dask"],
) as dag:
    profile = PythonOperator(task_id="profile_today", python_callable=profile_today)
    gate = BashOperator(task_id="drift_gate", bash_command=GATE)  # exit 1 or 2 fails the task

    profile >> gate
