"""The one all-or-nothing file writer every output goes through.

A target is written to a temporary file in its own directory, flushed and fsynced, then
renamed over the target (and the directory fsynced), so a reader sees the old content or
the new, never a mix. The temporary file is named ``.NAME.driftcli-PID.tmp``: a later run
removes the ones whose process is gone (:func:`remove_stale`), and a run stopped by SIGINT
or SIGTERM removes its own before it exits (:func:`signals`). A symbolic link is followed:
the file it points to is replaced and the link stays.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, Any

from driftcli.errors import OutputError
from driftcli.text import terminal

#: Temporary files this process has open or is about to rename; removed on a signal.
_PENDING: set[str] = set()
#: Exit codes after a signal: Ctrl-C as shells report it; SIGTERM as "could not run".
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 2}
#: Called with the one-line reason before a SIGTERM ends the process (see :func:`signals`).
_LAST_WORDS: list[Callable[[str], None]] = []
#: What a Ctrl-C puts back (see :func:`on_interrupt`).
_ON_INTERRUPT: list[Callable[[], object]] = []
_TMP = re.compile(r"^\.(?P<name>.+)\.driftcli-(?P<pid>\d+)\.tmp$")


def temp_name(target: Path) -> Path:
    """Where ``target`` is written before the rename: ``.NAME.driftcli-PID.tmp`` beside it."""
    return target.with_name(f".{target.name}.driftcli-{os.getpid()}.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale(folder: Path, name: str | None = None) -> list[Path]:
    """Remove driftcli temporary files in ``folder`` (for target ``name``, or any) whose
    process is no longer running; returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = _TMP.match(entry.name)
            if not m or (name is not None and m["name"] != name) or _alive(int(m["pid"])):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def resolve(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` changes: symbolic links followed, even dangling ones."""
    return Path(os.path.realpath(os.fspath(path)))


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    for test, word in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return word
    return None if stat.S_ISREG(mode) else "not a regular file"


def _fail(target: Path, err: OSError) -> OutputError:
    return OutputError(f"{terminal(target)}: cannot write: {err.strerror or err}")


@contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path``; rename it into place on success.

    A failure, an exception in the caller's block, or SIGINT/SIGTERM (with :func:`signals`
    active) leaves the old file untouched and no temporary file behind. Missing folders
    are created. Raises :class:`OutputError` (one line) when the file cannot be written.
    """
    target = resolve(path)
    tmp = temp_name(target)
    try:
        existing: int | None = os.stat(target).st_mode
    except OSError:
        existing = None  # absent (or unreachable: the steps below say why)
    kind = kind_of(existing) if existing is not None else None
    if kind:  # never replace a device node, FIFO or socket, even as root
        raise OutputError(f"{terminal(target)}: cannot write: it is {kind}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target.parent, target.name)
        _PENDING.add(str(tmp))  # before it exists: a signal from here on removes it
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # left by this process's own failed write
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    except OSError as err:
        _PENDING.discard(str(tmp))
        raise _fail(target, err) from err
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _PENDING.discard(str(tmp))
        _fsync_dir(target.parent)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _PENDING.discard(str(tmp))
        if isinstance(err, OSError):
            raise _fail(target, err) from err
        raise


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` all or nothing."""
    with atomic_writer(path) as fh:
        fh.write(text)


def cleanup() -> None:
    """Remove every temporary file this process has not renamed yet."""
    for name in list(_PENDING):
        with contextlib.suppress(OSError):
            os.unlink(name)
        _PENDING.discard(name)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Remove pending temporary files, say why in one line, and exit at once."""
    cleanup()
    name = signal.Signals(signum).name
    reason = f"stopped by {name}; no output was half-written"
    with contextlib.suppress(OSError):
        os.write(2, f"driftcli: error: {reason}\n".encode())
    if signum == signal.SIGTERM:  # a scheduler stopped the run: it is an error (exit 2) that
        for last in _LAST_WORDS:  # the textfile and the history must show, not a stale pass
            with contextlib.suppress(Exception):
                last(reason)
    else:  # Ctrl-C: what this run already changed is put back as it was
        for undo in reversed(_ON_INTERRUPT):
            with contextlib.suppress(Exception):
                undo()
    os._exit(SIGNAL_EXIT.get(signal.Signals(signum), 2))


def on_interrupt(undo: Callable[[], object]) -> None:
    """Call ``undo`` if Ctrl-C (SIGINT) stops the run within the active :func:`signals`:
    for what a run writes before its end (the Prometheus "in progress" mark)."""
    _ON_INTERRUPT.append(undo)


def forget_interrupt() -> None:
    """Nothing more to put back on Ctrl-C: the run's outputs are written and stand."""
    _ON_INTERRUPT.clear()


@contextmanager
def signals(last_words: Callable[[str], None] | None = None) -> Iterator[None]:
    """While active, SIGINT and SIGTERM remove pending temporary files and exit (130 for
    SIGINT, 2 for SIGTERM); the previous handlers come back afterwards. ``last_words`` is
    called with the reason before a SIGTERM exits (errors in it are ignored): the records
    that must say "error" (a Prometheus textfile, the history) get written.

    Exiting from the handler (rather than raising into whatever code runs) means no
    half-finished step can be resumed or reported as a success after the signal.
    """
    if sys.platform == "win32" or not _main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in SIGNAL_EXIT}
    for sig in SIGNAL_EXIT:
        signal.signal(sig, _on_signal)
    if last_words is not None:
        _LAST_WORDS.append(last_words)
    try:
        yield
    finally:
        _ON_INTERRUPT.clear()
        if last_words is not None:
            _LAST_WORDS.remove(last_words)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
