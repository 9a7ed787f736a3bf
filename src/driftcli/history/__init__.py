"""Run history: record every run, read trends back, gate on persistence, alert on change.

:func:`record_run` is what ``compare`` (and ``timeline``) call with a finished
:class:`~driftcli.result.Result`; :func:`record_failure` records a run that could not run.
The storage lives in :mod:`driftcli.history.store`, the views in :mod:`driftcli.history.view`.

Importing this package costs nothing: ``compare`` without ``--history`` imports it for
:data:`DEFAULT_MONITOR` and :mod:`driftcli.history.options`, so the storage (sqlite3,
hashlib, the SQL sources) and the other names are imported on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

#: The monitor a run is recorded under when ``--monitor`` is not given.
DEFAULT_MONITOR = "default"

if TYPE_CHECKING:
    from driftcli.history.gating import (
        DEFAULT_PERSIST,
        apply_persistence,
        previous_verdict,
        verdict_changed,
    )
    from driftcli.history.store import SCHEMA_VERSION, History, HistoryError, Run, open_history
    from driftcli.result import Result

_LAZY = {
    "DEFAULT_PERSIST": "driftcli.history.gating",
    "apply_persistence": "driftcli.history.gating",
    "previous_verdict": "driftcli.history.gating",
    "verdict_changed": "driftcli.history.gating",
    "SCHEMA_VERSION": "driftcli.history.store",
    "History": "driftcli.history.store",
    "HistoryError": "driftcli.history.store",
    "Run": "driftcli.history.store",
    "open_history": "driftcli.history.store",
}


def __getattr__(name: str) -> Any:
    """Import the storage and gating names on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'driftcli.history' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def record_run(
    target: str,
    result: Result,
    *,
    monitor: str = DEFAULT_MONITOR,
    exit_code: int | None = None,
    command: str = "compare",
) -> int:
    """Append ``result`` to the history at ``target``; returns the run id.

    Raises :class:`HistoryError` (one line) when the history cannot be written; the caller
    reports it and decides the exit code (``compare``: a pass becomes 2).
    """
    from driftcli.history.store import open_history

    hist = open_history(target)
    try:
        return _guard(
            target,
            lambda: hist.record(result, monitor=monitor, exit_code=exit_code, command=command),
        )
    finally:
        hist.close()


def record_failure(
    target: str,
    message: str,
    *,
    monitor: str = DEFAULT_MONITOR,
    reference: str | None = None,
    current: str | None = None,
    command: str = "compare",
    version: str | None = None,
) -> int:
    """Append a run that could not run (exit code 2) and why."""
    from driftcli.history.store import open_history

    hist = open_history(target)
    try:
        return _guard(
            target,
            lambda: hist.record_error(
                message,
                monitor=monitor,
                reference=reference,
                current=current,
                command=command,
                version=version,
            ),
        )
    finally:
        hist.close()


def _guard(target: str, write: Callable[[], int]) -> int:
    """Run a write; any database failure becomes a one-line :class:`HistoryError`."""
    from driftcli.history.store import HistoryError

    try:
        return write()
    except HistoryError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise HistoryError(f"{target}: cannot write the run: {first}") from exc


__all__ = [
    "DEFAULT_MONITOR",
    "DEFAULT_PERSIST",
    "SCHEMA_VERSION",
    "History",
    "HistoryError",
    "Run",
    "apply_persistence",
    "open_history",
    "previous_verdict",
    "record_failure",
    "record_run",
    "verdict_changed",
]
