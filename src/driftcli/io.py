"""Whole-table reads on top of :mod:`driftcli.sources` (for code not yet streaming), and
the atomic writer (re-exported: it lives in :mod:`driftcli.render.writer`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from driftcli.render.writer import atomic_writer as atomic_writer  # moved; kept importable
from driftcli.sources import Source, open_pair, open_source


@dataclass
class Loaded:
    """An input as an Arrow table, with where it came from."""

    table: pa.Table
    path: str | None
    format: str


def load(
    source: Any,
    *,
    role: str,
    delimiter: str = ",",
    encoding: str = "utf8",
    na_values: Sequence[str] | None = None,
    column_types: Mapping[str, pa.DataType] | None = None,
) -> Loaded:
    """Read a path, a pandas DataFrame or a pyarrow Table whole (the batches of its
    :class:`~driftcli.sources.Source` concatenated), for code that still needs a table."""
    src = open_source(
        source,
        role=role,
        delimiter=delimiter,
        encoding=encoding,
        na_values=na_values,
        column_types=column_types,
    )
    return _loaded(src)


def load_pair(
    reference: Any,
    current: Any,
    *,
    delimiter: str = ",",
    encoding: str = "utf8",
    na_values: Sequence[str] | None = None,
) -> tuple[Loaded, Loaded]:
    """Both sides read whole; a CSV side takes the types of a typed side where its values
    allow (:func:`driftcli.sources.typed_hints`)."""
    ref, cur = open_pair(
        reference, current, delimiter=delimiter, encoding=encoding, na_values=na_values
    )
    return _loaded(ref), _loaded(cur)


def _loaded(src: Source) -> Loaded:
    return Loaded(src.read_all(), src.path, src.format)
