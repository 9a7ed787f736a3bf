"""Write examples/history_week.sqlite: a week of nightly checks of the example prediction
log (``examples/predictions.db``), recorded by ``driftcli compare --history`` as cron would.

Every night at 06:00 UTC, from 2026-03-25 to 2026-03-31, cron runs::

    driftcli compare sqlite:///examples/predictions.db --table predictions \\
        --time-column ts --current-window 7d --reference-window 30d --as-of <that date> \\
        --fail-on persisted --persist 3 --history history_week.sqlite --monitor predictions -q

so each night compares the seven days up to that midnight with the 30 days before them. The
log's ``income`` and ``channel`` shift from 2026-03-25 00:00 UTC, so each night's window holds
one more drifted day: the drift creeps in over the week. On 2026-03-30 the first attempt
finds no log (exit 2: recorded as an error) and the re-run at 07:10 checks the same windows,
because ``--as-of`` pins them.

The commands are run for real, through driftcli's command line, in a scratch folder holding
a copy of the log (so the failed night really misses the file and the inputs are recorded
as ``sqlite:///examples/predictions.db``); only each run's recorded time is then set to the
night it stands for. Run: ``python examples/history_week.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from driftcli.cli import main as driftcli

HERE = Path(__file__).resolve().parent
OUT = HERE / "history_week.sqlite"
NIGHTS = [f"2026-03-{day}" for day in range(25, 32)]
#: The night whose first attempt finds no log, and when it is re-run.
FAILED, RERUN = "2026-03-30", "07:10"


def check(as_of: str, started: str) -> int:
    """One nightly run; returns its exit code, its record stamped ``started`` (UTC)."""
    args = [
        "compare", "sqlite:///examples/predictions.db", "--table", "predictions",
        "--time-column", "ts", "--current-window", "7d", "--reference-window", "30d",
        "--as-of", as_of, "--fail-on", "persisted", "--persist", "3",
        "--history", str(OUT), "--monitor", "predictions", "-q",
    ]  # fmt: skip
    code = 0
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            driftcli(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    with contextlib.closing(sqlite3.connect(OUT)) as db, db:
        db.execute(
            "UPDATE runs SET started_at = ? WHERE id = (SELECT MAX(id) FROM runs)",
            [f"{started}:00Z"],
        )
    return code


def main() -> None:
    OUT.unlink(missing_ok=True)
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        try:
            Path("examples").mkdir()
            log = Path("examples/predictions.db")
            shutil.copy(HERE / "predictions.db", log)
            for night in NIGHTS:
                if night == FAILED:
                    log.rename("away.db")  # the nightly copy of the log has not arrived
                    print(night, "06:00", check(night, f"{night}T06:00"))
                    Path("away.db").rename(log)
                    print(night, RERUN, check(night, f"{night}T{RERUN}"))
                else:
                    print(night, "06:00", check(night, f"{night}T06:00"))
        finally:
            os.chdir(here)
    with contextlib.closing(sqlite3.connect(OUT)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
