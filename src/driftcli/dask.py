"""``driftcli.dask.profile(ddf, **options)``: the profile of a Dask DataFrame.

Imported only on request (``import driftcli`` never loads dask); needs
``pip install "driftcli[dask]"``. See :mod:`driftcli.engines.dask`.
"""

from __future__ import annotations

from driftcli.engines.dask import arrow_schema, client, profile, read_parquet

__all__ = ["arrow_schema", "client", "profile", "read_parquet"]
