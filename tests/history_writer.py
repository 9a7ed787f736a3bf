"""A cron-like writer for the concurrency test: a separate process appending runs.

Kept apart from ``test_history.py`` so a spawned process imports only what it needs.
"""

from __future__ import annotations

from typing import Any

from driftcli.history import record_run
from driftcli.result import Result


def append(db: str, monitor: str, payload: dict[str, Any], runs: int) -> None:
    """Append ``runs`` copies of the result ``payload`` to ``db``, one transaction each."""
    result = Result.from_dict(payload)
    for _ in range(runs):
        record_run(db, result, monitor=monitor)


if __name__ == "__main__":  # python history_writer.py DB MONITOR RESULT_JSON RUNS
    import json
    import sys

    db, monitor, payload, runs = sys.argv[1:5]
    with open(payload, encoding="utf-8") as fh:
        append(db, monitor, json.load(fh), int(runs))
