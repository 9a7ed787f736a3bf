"""Whole-table reads on top of :mod:`driftcli.sources` (for code not yet streaming), and
the atomic writer used by every output."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from driftcli.errors import OutputError
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


@contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    A failure (or an exception in the caller's block) leaves no file behind, and never a
    half-written one where the old file stood.
    """
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "is a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise OutputError(f"{target}: cannot write: {err.strerror or err}") from err
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OutputError(f"{target}: cannot write: {err.strerror or err}") from err
        raise


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
