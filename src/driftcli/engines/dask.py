"""Profiles of Dask DataFrames: one partial profile per partition, merged by a tree reduction.

Each partition (a pandas DataFrame on a worker) is converted to Arrow with the types of the
frame's metadata and profiled; the partials' bytes are merged ``split_every`` at a time
until one is left, so the driver receives a single profile. Runs on the given
``distributed`` client, the current one, or (no client at all) Dask's default scheduler.
Needs ``pip install "driftcli[dask]"``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from driftcli import engines
from driftcli.engines import Plan, Progress
from driftcli.errors import InputError
from driftcli.profiles import Profile
from driftcli.settings import Settings

__all__ = ["arrow_schema", "client", "profile", "read_parquet"]

#: Partials merged into one at each node of the reduction tree.
SPLIT_EVERY = 8


def arrow_schema(meta: pd.DataFrame) -> pa.Schema:
    """The Arrow schema of a Dask frame's metadata (an empty pandas frame).

    Object columns (no type in an empty frame) are taken as text; Arrow-backed columns keep
    their exact Arrow type.
    """
    fields = []
    for name in meta.columns:
        dtype = meta[name].dtype
        arrow_type = getattr(dtype, "pyarrow_dtype", None)
        if arrow_type is None:
            try:
                arrow_type = pa.Schema.from_pandas(meta[[name]], preserve_index=False).field(0).type
            except (pa.ArrowException, TypeError, ValueError):
                arrow_type = pa.binary()  # named as unsupported if selected
            if pa.types.is_null(arrow_type) and pd.api.types.is_object_dtype(dtype):
                arrow_type = pa.large_string()
        fields.append(pa.field(str(name), arrow_type))
    return pa.schema(fields)


def _to_arrow(series: pd.Series, t: pa.DataType) -> pa.Array:  # type: ignore[type-arg]
    """One partition column as Arrow of type ``t``: NaN in an integer column that pandas
    turned into floats becomes null again, so the type (and kind) matches the metadata."""
    arr = pa.array(series, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type.equals(t) else arr.cast(t)


def _partial(part: pd.DataFrame, plan: Plan) -> bytes:
    """One partition's partial profile (runs on a worker)."""
    arrays = [_to_arrow(part.iloc[:, i], f.type) for i, f in enumerate(plan.schema)]
    batch = pa.RecordBatch.from_arrays(arrays, schema=plan.schema)
    return engines.partial([batch], plan)


def profile(
    ddf: Any,
    settings: Settings | None = None,
    *,
    role: str = "reference",
    path: str | None = None,
    fmt: str = "dask",
    client: Any = None,
    split_every: int = SPLIT_EVERY,
    progress: Progress | None = None,
    **options: Any,
) -> Profile:
    """The profile of a ``dask.dataframe.DataFrame``, as the local engine builds it.

    ``options`` are :class:`~driftcli.settings.Settings` fields, as for
    :func:`driftcli.profile`; with model roles (``target``, ``prediction``, ``proba``) each
    partition builds its model summary and the merge gives ``profile.model``. ``client``:
    a ``distributed.Client``; by default the current client, else (or when ``dask.config``
    names a local scheduler) Dask's local scheduler.
    Raises :class:`~driftcli.errors.UsageError` for a column the options name that the frame
    lacks and for a selected column of a type profiles cannot summarize.
    """
    import dask

    settings = engines.settings_of(settings, options)
    meta = ddf._meta
    if meta.columns.duplicated().any():
        dup = meta.columns[meta.columns.duplicated()][0]
        raise InputError(f"{path or 'Dask DataFrame'}: duplicate column name {dup!r}")
    schema = arrow_schema(meta)
    the_plan = engines.plan(
        schema, settings, role=role, path=path, fmt=fmt, where=path or "Dask DataFrame"
    )
    selected = ddf[the_plan.columns]
    leaves = [dask.delayed(_partial)(p, the_plan) for p in selected.to_delayed()]
    if not leaves:
        return engines.merge_partials([], the_plan)
    client = client if client is not None else _current_client()
    if client is None:  # Dask's default scheduler, in this process
        (blobs,) = dask.compute(leaves)
        return engines.merge_partials([_reduce(list(blobs), split_every)], the_plan)
    return engines.merge_partials([_run_on(client, leaves, split_every, progress)], the_plan)


def _digest(blob: bytes) -> bytes:
    return hashlib.sha256(blob).digest()


def _tree(nodes: list[Any], split_every: int, merge: Any) -> Any:
    """Merge ``nodes`` ``split_every`` at a time until one is left."""
    split_every = max(2, split_every)
    while len(nodes) > 1:
        nodes = [merge(*nodes[i : i + split_every]) for i in range(0, len(nodes), split_every)]
    return nodes[0]


def _reduce(blobs: list[bytes], split_every: int) -> bytes:
    """Tree-merge partials in the order of their content hash (here, in this process)."""
    blobs.sort(key=_digest)
    return bytes(_tree(blobs, split_every, engines.merge_blobs))


def _run_on(client: Any, leaves: list[Any], split_every: int, progress: Progress | None) -> bytes:
    """Run the partials and their tree reduction on a ``distributed`` client.

    Only the partials' hashes come back before the reduction: the leaves are ordered by
    them, so the tree (and the profile's bytes) do not depend on the partition order.
    """
    from distributed import as_completed

    futures = client.compute(leaves)
    if progress is not None:
        total = len(futures)
        for done, _ in enumerate(as_completed(futures), start=1):
            progress(done, total, "partitions profiled on Dask")
    digests = client.gather([client.submit(_digest, f, pure=False) for f in futures])
    ordered = [f for _, _, f in sorted(zip(digests, range(len(futures)), futures, strict=True))]
    root = _tree(
        ordered, split_every, lambda *xs: client.submit(engines.merge_blobs, *xs, pure=False)
    )
    return bytes(root.result())


#: Dask schedulers that run in this process (a ``dask.config`` choice beats a client).
_LOCAL_SCHEDULERS = ("sync", "synchronous", "single-threaded", "threads", "threading")


def _current_client() -> Any:
    """The ``distributed`` client of this context, if any (and not overridden by a local
    scheduler set with ``dask.config.set(scheduler=...)``)."""
    import dask

    if dask.config.get("scheduler", None) in _LOCAL_SCHEDULERS:
        return None
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None


@contextlib.contextmanager
def client(address: str | None = None, *, n_workers: int | None = None) -> Iterator[Any]:
    """A ``distributed`` client for the command line: connected to ``address`` (failing
    with one line when it does not answer within :data:`driftcli.engines.CONNECT_TIMEOUT`
    seconds), or on a local cluster started here and closed on exit."""
    from distributed import Client, LocalCluster

    if address:
        engines.check_reachable(address, "dask scheduler", 8786)
        try:
            c = Client(address, timeout=engines.CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as err:
            text = str(err).strip().splitlines()
            raise InputError(
                f"dask scheduler {address}: unreachable ({text[0] if text else type(err).__name__})"
            ) from None
        try:
            yield c
        finally:
            c.close()
        return
    with (
        LocalCluster(
            n_workers=n_workers,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def read_parquet(path: str) -> Any:
    """A Parquet file or directory as a Dask DataFrame with Arrow-backed columns, so every
    partition keeps the file's exact types (integers with nulls stay integers)."""
    import dask.dataframe as dd

    try:
        return dd.read_parquet(path, dtype_backend="pyarrow")
    except Exception as err:
        text = str(err).strip().splitlines()
        raise InputError(f"{path}: cannot read Parquet ({text[0] if text else err})") from None
