"""Output paths checked before anything is read or written.

A result file must never replace what the run reads (a dataset, any file inside an input
directory, the config file, a saved profile), must be a regular file (never a directory,
device, FIFO or socket: as root, ``--json /dev/null`` would otherwise replace the device
node), and two outputs must not share a path. Paths are compared after following symbolic
links, because the writer writes where a link points; hard links are caught by comparing
inodes. ``-`` (stdout) is accepted only where the option supports it. A ``sqlite:///`` input
protects its database file; a remote database URL reads no local file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from driftcli.errors import OutputError, UsageError
from driftcli.render.writer import kind_of, resolve
from driftcli.sources.sql import is_database_url, sqlite_file
from driftcli.text import terminal

#: Options that may write to stdout with ``-``.
STDOUT_OPTIONS = frozenset({"--json"})


def local_path(item: str | os.PathLike[str]) -> str | None:
    """The local file an input reads: the path itself, the file of a ``sqlite:///`` URL,
    or None for a remote database URL (``postgresql://...``).

    >>> local_path("sqlite:///data/ref.db"), local_path("postgresql://u@h/db")
    ('data/ref.db', None)
    """
    given = os.fspath(item)
    return sqlite_file(given) if is_database_url(given) else given


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _inside(path: Path, folder: Path) -> bool:
    return path != folder and path.is_relative_to(folder)


def _check_place(option: str, given: str, real: Path) -> None:
    """The target itself is a regular file or absent, and its folder can be made."""
    shown = terminal(given)
    via = "" if str(real) == os.path.abspath(given) else f" (a link to {terminal(real)})"
    try:
        mode = os.stat(real).st_mode
    except (FileNotFoundError, NotADirectoryError):  # the folder check below says which
        mode = None
    except OSError as err:
        raise OutputError(f"{option} {shown}: cannot write: {err.strerror or err}") from None
    if mode is not None and (kind := kind_of(mode)):
        hint = "; use '-' for stdout" if option in STDOUT_OPTIONS and kind == "a device" else ""
        raise OutputError(f"{option} {shown}: cannot write: it is {kind}{via}{hint}")
    folder = real.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"{option} {shown}: cannot write: {terminal(folder)} is not a directory")


#: Leading bytes of files that hold someone's data, never a driftcli output.
_MAGIC = (
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"\x1f\x8b", "a gzip file"),
)
#: Names of data files (text formats have no leading bytes to tell them by).
_DATA_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".pq")


def _driftcli_result(head: bytes) -> bool:
    """Whether the leading bytes of a file are one of driftcli's own results (JSON, HTML,
    JUnit, Markdown, Prometheus, of any command): those a later run may replace. Read as
    UTF-8, or UTF-16 when it starts with a byte-order mark (PowerShell 5.1's ``>``)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff \t\r\n")
    first = text.split("\n", 1)[0]
    if text.startswith("{"):  # compare and timeline results name driftcli; history, its runs
        if re.search(r'"driftcli_version"\s*:', text):
            return True
        return bool(re.search(r'^\{\s*"monitor"\s*:', text) and re.search(r'"runs"\s*:', text))
    if text[:15].lower() == "<!doctype html>":
        return "driftcli" in text
    if text.startswith("<?xml"):
        return '<testsuites name="driftcli' in text
    if first.startswith("## "):
        return "driftcli" in first
    return first.startswith(("# HELP driftcli_", "# TYPE driftcli_", "driftcli_"))


def _holds_data(path: Path, option: str) -> str | None:
    """What an existing file at ``path`` holds when it may not be replaced (None when it
    may): results are rewritten run after run; data, a profile ``option`` did not write,
    and any other file the user owns are not. An empty file may be (as ``mktemp`` makes).
    ``init`` (option ``PATH``) has its own ``--force`` for other files, never for data."""
    from driftcli.profiles.store import is_profile

    if option == "--history":  # a database appended to; opening it checks it is a history
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError:  # unreadable: the write itself will say why
        return None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith(b"PK\x03\x04"):
        if not is_profile(path):
            return "a ZIP archive"
        return None if option == "--output" else "a driftcli profile"
    if path.name.lower().endswith(_DATA_SUFFIXES):
        return "a data file"
    if option == "PATH" or not head.strip() or _driftcli_result(head):
        return None
    return "a file that is not a driftcli result"


def check(
    outputs: Sequence[tuple[str, str | None]], inputs: Iterable[str | os.PathLike[str]]
) -> None:
    """Refuse dangerous output paths, one line (exit 2), before the comparison runs.

    ``outputs`` holds ``(option, path)`` pairs such as ``("--json", "out.json")`` (None
    means not requested); ``inputs`` every path the run reads: the datasets (files or
    directories), the config file, saved profiles.
    """
    read: list[tuple[str, Path, tuple[int, int] | None, bool]] = []
    for item in [*inputs, *(path for _, path in outputs if path)]:
        if "\0" in os.fspath(item):  # no file system accepts one; Python raises ValueError
            raise UsageError(f"{terminal(item)}: a path cannot contain a NUL character")
    for item in inputs:
        local = local_path(item)
        if local is None:
            continue
        source = local
        source_real = resolve(source)
        read.append((source, source_real, _identity(source_real), source_real.is_dir()))
    seen: dict[Path, str] = {}
    ids: dict[tuple[int, int], str] = {}
    for option, given in outputs:
        if not given:
            continue
        shown = terminal(given)
        if given == "-":
            if option not in STDOUT_OPTIONS:
                raise OutputError(f"{option} -: only --json can write to stdout")
            if Path("-") in seen:
                raise OutputError(f"{option} -: stdout is already taken by {seen[Path('-')]}")
            seen[Path("-")] = option
            continue
        real = resolve(given)
        _check_place(option, given, real)
        ident = _identity(real)
        for source, source_real, source_id, is_dir in read:
            same = real == source_real or (ident is not None and ident == source_id)
            if same or (is_dir and _inside(real, source_real)):
                what = "overwrite the input" if same else "write inside the input directory"
                raise OutputError(
                    f"{option} {shown}: would {what} {terminal(source)}; choose another path"
                )
        if ident is not None and (data := _holds_data(real, option)):  # an existing file
            raise OutputError(
                f"{option} {shown}: would replace {data}; delete it first or choose another path"
            )
        other = seen.get(real) or (ids.get(ident) if ident else None)
        if other:
            raise OutputError(f"{option} {shown}: {other} writes the same file; give each its own")
        seen[real] = option
        if ident:
            ids[ident] = option
