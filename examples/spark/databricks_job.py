"""Databricks / EMR job: profile today's partition on the cluster, then gate on one machine.

The job runs where the data lives. Each Spark partition is summarized into a partial
profile on its executor; the partials are merged on the executors and only the merged
profile (megabytes, whatever the row count) reaches the driver, which writes it next to
the data. No row is collected to the driver.

The gate is a separate, small step (a CI job, an Airflow task, a cron line) that reads two
profile files and exits 0 (passed), 1 (drift) or 2 (could not run)::

    driftcli compare reference.profile today.profile --json drift.json

Install on the cluster (a Databricks cluster library or an EMR bootstrap action)::

    pip install "driftcli[spark]"

Run as a Databricks Python-script task or with ``spark-submit databricks_job.py --date
2026-12-01``. The reference profile is made the same way once, from the training window
(``--date`` of the training data, ``--out .../reference.profile``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import driftcli.spark

TABLE = "main.churn.events"  # a Delta or Parquet table, partitioned by event_date
OUT = "/dbfs/mnt/drift/profiles"  # a path the driver can write (DBFS FUSE, a mounted bucket)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="partition to profile")
    parser.add_argument("--table", default=TABLE)
    parser.add_argument("--out", help="profile file to write (default: OUT/DATE.profile)")
    args = parser.parse_args()

    spark = SparkSession.builder.appName(f"driftcli-profile-{args.date}").getOrCreate()
    today = spark.table(args.table).where(F.col("event_date") == args.date)

    # The same options as `driftcli profile`: leave out ids and the partition column, profile
    # the label and the prediction like any other column (their drift is still tested).
    profile = driftcli.spark.profile(
        today,
        ignore=["customer_id", "event_date"],
        exact_limit=100_000,
    )
    if profile.rows == 0:  # an empty day is an error, never a silent pass
        raise SystemExit(f"{args.table}: no rows for event_date = {args.date}")

    out = args.out or os.path.join(OUT, f"{args.date}.profile")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:  # written locally, then copied in one piece
        local = os.path.join(tmp, "today.profile")
        profile.save(local)
        with open(local, "rb") as src, open(out, "wb") as dst:
            dst.write(src.read())
    print(f"profiled {profile.rows:,} rows x {len(profile.columns)} columns -> {out}")


if __name__ == "__main__":
    main()
