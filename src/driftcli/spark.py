"""``driftcli.spark.profile(df, **options)``: the profile of a Spark DataFrame.

Imported only on request (``import driftcli`` never loads pyspark); needs
``pip install "driftcli[spark]"``. See :mod:`driftcli.engines.spark`.
"""

from __future__ import annotations

from driftcli.engines.spark import arrow_schema, profile, read_parquet, session

__all__ = ["arrow_schema", "profile", "read_parquet", "session"]
