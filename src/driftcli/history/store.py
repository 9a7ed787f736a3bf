"""The run history: one record per run in SQLite (embedded, the default) or PostgreSQL.

Layout (``SCHEMA_VERSION`` 1; documented in the README, "Run history"):

``schema_version(version)``
    One row: the layout of this database. A newer one than this release knows is refused;
    an older one is migrated forward (:data:`MIGRATIONS`) in one transaction.
``runs``
    One row per run: when, the monitor, the inputs (URL passwords redacted), the settings
    digest, verdict (``passed``, ``breached`` or ``error``), exit code, reasons or the
    error, and dataset drift.
``columns``
    Per run and column: test, statistic, p-value, threshold, drift, severity.
``metrics``
    Per run and model metric: reference and current values.

Safety under cron: SQLite runs in WAL mode with a busy timeout, and every write is one
``BEGIN IMMEDIATE`` transaction, so concurrent writers queue instead of losing records.
A file that is not a driftcli history is refused before anything is written to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftcli.errors import DriftcliError
from driftcli.history import DEFAULT_MONITOR as DEFAULT_MONITOR  # its former home
from driftcli.result import Result, jsonable
from driftcli.sources.sql import redact, sqlite_file

SCHEMA_VERSION = 1
#: Written into SQLite's header (``PRAGMA application_id``) so a foreign database is told apart.
APPLICATION_ID = 0x64726674  # "drft"
#: Seconds a writer waits for another one to finish before giving up.
BUSY_TIMEOUT = 60.0
SQLITE_MAGIC = b"SQLite format 3\x00"

#: Statements that bring a database from version ``v - 1`` to ``v`` (index ``v - 1``).
#: ``{id}`` is the auto-increment primary key of the dialect.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE runs ("
        " id {id},"
        " monitor TEXT NOT NULL,"
        " started_at TEXT NOT NULL,"
        " command TEXT NOT NULL,"
        " reference TEXT,"
        " current TEXT,"
        " reference_info TEXT,"
        " current_info TEXT,"
        " settings_digest TEXT,"
        " verdict TEXT NOT NULL,"
        " exit_code INTEGER NOT NULL,"
        " reasons TEXT,"
        " error TEXT,"
        " dataset_drift INTEGER,"
        " drifted_columns INTEGER,"
        " total_columns INTEGER,"
        " drifted_share DOUBLE PRECISION,"
        " drift_share_threshold DOUBLE PRECISION,"
        " driftcli_version TEXT)",
        "CREATE INDEX runs_monitor_time ON runs (monitor, started_at)",
        "CREATE TABLE columns ("
        " run_id INTEGER NOT NULL REFERENCES runs (id),"
        " name TEXT NOT NULL,"
        " kind TEXT,"
        " test TEXT,"
        " output TEXT,"
        " statistic DOUBLE PRECISION,"
        " p_value DOUBLE PRECISION,"
        " threshold DOUBLE PRECISION,"
        " drift INTEGER NOT NULL,"
        " severity TEXT,"
        " skipped_reason TEXT,"
        " PRIMARY KEY (run_id, name))",
        "CREATE TABLE metrics ("
        " run_id INTEGER NOT NULL REFERENCES runs (id),"
        " name TEXT NOT NULL,"
        " reference DOUBLE PRECISION,"
        " current DOUBLE PRECISION,"
        " threshold DOUBLE PRECISION,"
        " breached INTEGER,"
        " PRIMARY KEY (run_id, name))",
    ],
]


class HistoryError(DriftcliError):
    """The history database cannot be opened, read or written (one line, exit code 2)."""


@dataclass
class Run:
    """One recorded run, as read back from the history."""

    id: int
    monitor: str
    started_at: str
    command: str
    reference: str | None
    current: str | None
    verdict: str
    exit_code: int
    error: str | None
    reasons: list[str]
    dataset_drift: bool | None
    drifted_columns: int | None
    total_columns: int | None
    drifted_share: float | None
    drift_share_threshold: float | None
    settings_digest: str | None
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    window: dict[str, Any] | None = None
    """The current side's time window (``start``, ``end``, ...), when the run had one."""

    @property
    def ran(self) -> bool:
        """Whether the comparison ran (a verdict exists); False for a run that errored."""
        return self.verdict != "error"


#: Transactions of this process in progress: a run stopped by a signal in the middle of one
#: holds the write lock, so its last words do not wait on it (see ``cli.main``).
WRITING = 0


def run_of(result: Result, *, monitor: str, command: str, run_id: int = 0) -> Run:
    """``result`` as a :class:`Run` that is not stored (yet): what the gating and the
    sparklines read of it."""
    dd = result.dataset_drift
    return Run(
        id=run_id,
        monitor=monitor,
        started_at=canonical_time(result.generated_at),
        command=command,
        reference=_safe_input(result.reference.path),
        current=_safe_input(result.current.path),
        verdict="passed" if result.verdict.passed else "breached",
        exit_code=result.exit_code,
        error=None,
        reasons=list(result.verdict.reasons),
        dataset_drift=dd.detected,
        drifted_columns=dd.drifted_columns,
        total_columns=dd.total_columns,
        drifted_share=dd.share,
        drift_share_threshold=dd.threshold,
        settings_digest=settings_digest(result.settings or {}),
        columns={
            c.name: {
                "kind": c.kind,
                "test": c.test,
                "output": c.output,
                "statistic": c.statistic,
                "p_value": c.p_value if c.p_value_adjusted is None else c.p_value_adjusted,
                "threshold": c.threshold,
                "drift": c.drift,
                "severity": c.severity,
                "skipped_reason": c.skipped_reason,
            }
            for c in result.columns
        },
        window=result.current.window,
    )


#: How run times are stored: UTC to the second, as ``generated_at`` in the JSON result, so
#: they sort as text; runs within one second keep their order by ``id``.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> str:
    """The current time in UTC, in :data:`TIME_FORMAT`."""
    return datetime.now(UTC).strftime(TIME_FORMAT)


def canonical_time(value: str | None) -> str:
    """An ISO 8601 time in :data:`TIME_FORMAT` (UTC; a time without zone is taken as UTC);
    the current time when ``value`` is empty or not a time."""
    if not value:
        return now()
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def settings_digest(settings: dict[str, Any]) -> str:
    """A short digest of the settings: runs with equal digests were configured alike."""
    text = json.dumps(jsonable(settings), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def history_path(target: str) -> str:
    """``target`` with a ``sqlite:///relative`` or ``sqlite:////absolute`` URL turned into
    its file path, as the inputs spell SQLite; anything else unchanged."""
    if not target.lower().startswith("sqlite://"):
        return target
    path = sqlite_file(target)
    if not path:
        raise HistoryError(
            f"{target}: a SQLite URL is sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    return path


def is_postgres(target: str) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    return target.startswith(("postgresql://", "postgres://"))


def _safe_input(value: str | None) -> str | None:
    return None if value is None else redact(value)


class History:
    """An open history database. Use :func:`open_history`; close with :meth:`close`."""

    def __init__(self, conn: Any, target: str, *, postgres: bool) -> None:
        self.conn = conn
        self.target = target
        self.postgres = postgres
        self.ph = "$" if postgres else "?"

    # ------------------------------------------------------------------ plumbing

    def _sql(self, statement: str) -> str:
        """``?`` placeholders turned into ``$1, $2, ...`` for PostgreSQL."""
        if not self.postgres:
            return statement
        parts = statement.split("?")
        out = parts[0]
        for i, part in enumerate(parts[1:], start=1):
            out += f"${i}{part}"
        return out

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        try:
            cur.execute(self._sql(statement), list(params))
            return [tuple(r) for r in cur.fetchall()]
        finally:
            cur.close()

    def _exec(self, cur: Any, statement: str, params: Sequence[Any] = ()) -> None:
        cur.execute(self._sql(statement), list(params))

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """One transaction that takes the write lock up front (SQLite ``BEGIN IMMEDIATE``)."""
        global WRITING
        WRITING += 1
        cur = self.conn.cursor()
        try:
            if self.postgres:
                yield cur
                self.conn.commit()
            else:
                cur.execute("BEGIN IMMEDIATE")
                yield cur
                cur.execute("COMMIT")
        except BaseException:
            try:
                if self.postgres:
                    self.conn.rollback()
                else:
                    cur.execute("ROLLBACK")
            except Exception:  # the transaction may already be gone; the error says why
                pass
            raise
        finally:
            cur.close()
            WRITING -= 1

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with contextlib.suppress(Exception):  # closed twice, or dropped by the server
            self.conn.close()

    # ------------------------------------------------------------------ schema

    def version(self) -> int | None:
        """The schema version stored in the database; None when it has no history tables."""
        tables = self._tables()
        if "schema_version" not in tables:
            if tables & {"runs", "columns", "metrics"}:
                raise HistoryError(f"{self.target}: not a driftcli history (foreign tables)")
            return None
        rows = self._rows("SELECT version FROM schema_version")
        if len(rows) != 1 or not isinstance(rows[0][0], int):
            raise HistoryError(f"{self.target}: not a driftcli history (bad schema_version)")
        return int(rows[0][0])

    def _tables(self) -> set[str]:
        if self.postgres:
            rows = self._rows(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        else:
            rows = self._rows("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(r[0]) for r in rows}

    def ensure_schema(self) -> None:
        """Create the tables, or migrate an older layout forward, in one transaction."""
        found = self.version()
        if found == SCHEMA_VERSION:
            return
        self._check_newer(found)
        with self._write() as cur:
            # Re-read under the write lock: another writer may have created it meanwhile.
            if self.postgres:
                cur.execute(f"SELECT pg_advisory_xact_lock({APPLICATION_ID})")
                cur.fetchall()
                cur.execute("SELECT to_regclass('schema_version') IS NOT NULL")
            else:
                cur.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_version'")
            if cur.fetchall()[0][0]:
                cur.execute("SELECT version FROM schema_version")
                found = int(cur.fetchall()[0][0])
            self._check_newer(found)
            start = found or 0
            if start == 0:
                cur.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                cur.execute(self._sql("INSERT INTO schema_version (version) VALUES (?)"), [0])
                if not self.postgres:
                    cur.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            key = "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
            for steps in MIGRATIONS[start:SCHEMA_VERSION]:
                for statement in steps:
                    cur.execute(statement.replace("{id}", key))
            cur.execute(self._sql("UPDATE schema_version SET version = ?"), [SCHEMA_VERSION])

    def _check_newer(self, found: int | None) -> None:
        if found is not None and found > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.target}: history schema {found} is newer than this driftcli knows "
                f"({SCHEMA_VERSION}); upgrade driftcli to use it"
            )

    def check_readable(self) -> None:
        """Refuse a database without a history, or one newer than this release."""
        found = self.version()
        if found is None:
            raise HistoryError(f"{self.target}: no driftcli history in this database")
        self._check_newer(found)

    # ------------------------------------------------------------------ writing

    def record(
        self,
        result: Result,
        *,
        monitor: str = DEFAULT_MONITOR,
        exit_code: int | None = None,
        command: str = "compare",
    ) -> int:
        """Append one run of ``result`` (its columns and metrics); returns the run id."""
        rows = _result_rows(result, monitor, exit_code, command)
        with self._write() as cur:
            return self._insert_result(cur, *rows)

    def record_periods(
        self, items: Sequence[tuple[Result, int]], *, monitor: str, command: str = "timeline"
    ) -> tuple[list[int], int]:
        """Append the runs of a timeline's periods (each result with its exit code) in one
        transaction, leaving out those already recorded: same monitor, command, windows,
        reference and settings digest (:func:`period_key`). Returns the new run ids and how
        many were left out.

        The recorded keys are read under the write lock, so two timelines recording the same
        periods at once still record each period once.
        """
        ids: list[int] = []
        skipped = 0
        with self._write() as cur:
            self._exec(
                cur,
                "SELECT settings_digest, reference, reference_info, current_info FROM runs "
                "WHERE monitor = ? AND command = ? AND verdict <> 'error'",
                [monitor, command],
            )
            seen = {_stored_key(tuple(r)) for r in cur.fetchall()}
            for result, code in items:
                key = period_key(result)
                if key in seen:
                    skipped += 1
                    continue
                seen.add(key)
                ids.append(self._insert_result(cur, *_result_rows(result, monitor, code, command)))
        return ids, skipped

    def _insert_result(
        self, cur: Any, row: list[Any], columns: list[list[Any]], metrics: list[list[Any]]
    ) -> int:
        run_id = self._insert_run(cur, row)
        for col in columns:
            self._exec(
                cur,
                "INSERT INTO columns (run_id, name, kind, test, output, statistic, p_value, "
                "threshold, drift, severity, skipped_reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, *col],
            )
        for met in metrics:
            self._exec(
                cur,
                "INSERT INTO metrics (run_id, name, reference, current, threshold, breached) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, *met],
            )
        return run_id

    def record_error(
        self,
        message: str,
        *,
        monitor: str = DEFAULT_MONITOR,
        reference: str | None = None,
        current: str | None = None,
        command: str = "compare",
        version: str | None = None,
    ) -> int:
        """Append a run that could not run (exit code 2) with the reason."""
        row = [
            monitor, now(), command, _safe_input(reference), _safe_input(current),
            None, None, None, "error", 2, None, message,
            None, None, None, None, None, version,
        ]  # fmt: skip
        with self._write() as cur:
            return self._insert_run(cur, row)

    def mark_error(self, run_id: int, message: str) -> None:
        """Turn a recorded run into one that could not finish (exit code 2), keeping what it
        computed: its outputs could not be written after it was recorded."""
        with self._write() as cur:
            self._exec(
                cur,
                "UPDATE runs SET verdict = 'error', exit_code = 2, error = ? WHERE id = ?",
                [message, run_id],
            )

    def delete_runs(self, run_ids: Sequence[int]) -> None:
        """Take back runs this process appended (their columns and metrics too), in one
        transaction: a timeline whose outputs could not be written records its periods again
        on the next run instead of skipping them as done."""
        with self._write() as cur:
            for table in ("columns", "metrics"):
                for run_id in run_ids:
                    self._exec(cur, f"DELETE FROM {table} WHERE run_id = ?", [run_id])
            for run_id in run_ids:
                self._exec(cur, "DELETE FROM runs WHERE id = ?", [run_id])

    def _insert_run(self, cur: Any, row: list[Any]) -> int:
        statement = (
            "INSERT INTO runs (monitor, started_at, command, reference, current, "
            "reference_info, current_info, settings_digest, verdict, exit_code, reasons, "
            "error, dataset_drift, drifted_columns, total_columns, drifted_share, "
            "drift_share_threshold, driftcli_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        if self.postgres:
            self._exec(cur, statement + " RETURNING id", row)
            return int(cur.fetchone()[0])
        self._exec(cur, statement, row)
        return int(cur.lastrowid)

    # ------------------------------------------------------------------ reading

    def monitors(self) -> list[str]:
        """The monitor names with at least one run, sorted."""
        return [str(r[0]) for r in self._rows("SELECT DISTINCT monitor FROM runs ORDER BY 1")]

    def runs(
        self,
        monitor: str = DEFAULT_MONITOR,
        *,
        last: int | None = None,
        since: str | None = None,
        until: str | None = None,
        details: bool = True,
    ) -> list[Run]:
        """Runs of ``monitor``, oldest first: the ``last`` N, at or after ``since`` and
        before ``until``."""
        where, params = "monitor = ?", [monitor]
        if since:
            where += " AND started_at >= ?"
            params.append(since)
        if until:
            where += " AND started_at < ?"
            params.append(until)
        statement = (
            "SELECT id, monitor, started_at, command, reference, current, verdict, exit_code, "
            "error, reasons, dataset_drift, drifted_columns, total_columns, drifted_share, "
            f"drift_share_threshold, settings_digest, current_info FROM runs WHERE {where} "
            "ORDER BY started_at DESC, id DESC"
        )
        if last is not None:
            statement += f" LIMIT {int(last)}"
        runs = [_run(r) for r in reversed(self._rows(statement, params))]
        if details and runs:
            self._details(runs)
        return runs

    def _details(self, runs: list[Run]) -> None:
        by_id = {r.id: r for r in runs}
        ids = list(by_id)
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ", ".join("?" for _ in chunk)
            for row in self._rows(
                "SELECT run_id, name, kind, test, output, statistic, p_value, threshold, drift, "
                f"severity, skipped_reason FROM columns WHERE run_id IN ({marks})",
                chunk,
            ):
                by_id[int(row[0])].columns[str(row[1])] = {
                    "kind": row[2],
                    "test": row[3],
                    "output": row[4],
                    "statistic": row[5],
                    "p_value": row[6],
                    "threshold": row[7],
                    "drift": bool(row[8]),
                    "severity": row[9],
                    "skipped_reason": row[10],
                }
            for row in self._rows(
                "SELECT run_id, name, reference, current, threshold, breached FROM metrics "
                f"WHERE run_id IN ({marks})",
                chunk,
            ):
                by_id[int(row[0])].metrics[str(row[1])] = {
                    "reference": row[2],
                    "current": row[3],
                    "threshold": row[4],
                    "breached": bool(row[5]),
                }

    def count(self) -> int:
        """How many runs the history holds (all monitors)."""
        return int(self._rows("SELECT COUNT(*) FROM runs")[0][0])


def _result_rows(
    result: Result, monitor: str, exit_code: int | None, command: str
) -> tuple[list[Any], list[list[Any]], list[list[Any]]]:
    """The ``runs`` row of ``result`` and its ``columns`` and ``metrics`` rows."""
    data = result.to_dict()
    dd = data["dataset_drift"]
    code = result.exit_code if exit_code is None else exit_code
    verdict = "passed" if result.verdict.passed else "breached"
    row = [
        monitor,
        canonical_time(data.get("generated_at")),
        command,
        _safe_input(result.reference.path),
        _safe_input(result.current.path),
        json.dumps(_redacted_info(data["reference"])),
        json.dumps(_redacted_info(data["current"])),
        settings_digest(data.get("settings") or {}),
        verdict,
        code,
        json.dumps(data["verdict"].get("reasons") or []),
        None,
        int(bool(dd["detected"])),
        dd["drifted_columns"],
        dd["total_columns"],
        dd["share"],
        dd["threshold"],
        data.get("driftcli_version"),
    ]
    columns = [
        [
            c["name"],
            c.get("kind"),
            c.get("test"),
            c.get("output"),
            c.get("statistic"),
            c.get("p_value") if c.get("p_value_adjusted") is None else c["p_value_adjusted"],
            c.get("threshold"),
            int(bool(c.get("drift"))),
            c.get("severity"),
            c.get("skipped_reason"),
        ]
        for c in data["columns"]
    ]
    metrics = [
        [
            m.get("name"),
            m.get("reference"),
            m.get("current"),
            m.get("threshold"),
            int(bool(m.get("breached"))),
        ]
        for m in ((data.get("performance") or {}).get("metrics") or [])
        if isinstance(m, dict) and m.get("name")
    ]
    return row, columns, metrics


#: What makes two timeline periods the same check: settings digest, reference input,
#: reference window (start, end) and current window (start, end).
PeriodKey = tuple[str | None, str | None, str | None, str | None, str | None, str | None]


def _bounds(window: Any) -> tuple[str | None, str | None]:
    if not isinstance(window, dict):
        return None, None
    start, end = window.get("start"), window.get("end")
    return (
        canonical_time(start) if isinstance(start, str) else None,
        canonical_time(end) if isinstance(end, str) else None,
    )


def period_key(result: Result) -> PeriodKey:
    """The identity of a timeline period's run (see :meth:`History.record_periods`)."""
    return (
        settings_digest(result.settings or {}),
        _safe_input(result.reference.path),
        *_bounds(result.reference.window),
        *_bounds(result.current.window),
    )


def _stored_key(row: tuple[Any, ...]) -> PeriodKey:
    """:func:`period_key` of a stored run (digest, reference, reference and current info)."""
    ref_info, cur_info = _json_object(row[2]), _json_object(row[3])
    return (
        row[0],
        row[1],
        *_bounds(ref_info.get("window")),
        *_bounds(cur_info.get("window")),
    )


def _json_object(text: Any) -> dict[str, Any]:
    """A stored JSON object; empty when null or not an object."""
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _redacted_info(info: dict[str, Any]) -> dict[str, Any]:
    """A side's description with any URL password redacted (windows and all kept)."""
    out = dict(info)
    if isinstance(out.get("path"), str):
        out["path"] = redact(out["path"])
    return out


def _run(row: tuple[Any, ...]) -> Run:
    reasons = json.loads(row[9]) if row[9] else []
    return Run(
        id=int(row[0]),
        monitor=str(row[1]),
        started_at=str(row[2]),
        command=str(row[3]),
        reference=row[4],
        current=row[5],
        verdict=str(row[6]),
        exit_code=int(row[7]),
        error=row[8],
        reasons=[str(r) for r in reasons] if isinstance(reasons, list) else [],
        dataset_drift=None if row[10] is None else bool(row[10]),
        drifted_columns=row[11],
        total_columns=row[12],
        drifted_share=row[13],
        drift_share_threshold=row[14],
        settings_digest=row[15],
        window=_json_object(row[16]).get("window") or None,
    )


# ---------------------------------------------------------------------- opening


def open_history(target: str, *, create: bool = True) -> History:
    """Open the history at ``target`` (a SQLite path or a ``postgresql://`` URL).

    With ``create`` the tables are made (or migrated) when missing; without it the
    database must already hold a history. Errors are one-line :class:`HistoryError`.
    """
    if is_postgres(target):
        hist = _open_postgres(target)
    else:
        hist = _open_sqlite(history_path(target), create=create)
    try:
        if create:
            hist.ensure_schema()
        else:
            hist.check_readable()
    except HistoryError:
        hist.close()
        raise
    except Exception as exc:
        hist.close()
        raise HistoryError(f"{hist.target}: cannot use the history: {_one_line(exc)}") from exc
    return hist


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _open_sqlite(target: str, *, create: bool) -> History:
    path = Path(target)
    if path.is_dir():
        raise HistoryError(f"{target}: is a folder, not a history database")
    exists = path.exists()
    if not exists and not create:
        raise HistoryError(f"{target}: no such history database")
    if exists and path.stat().st_size > 0:
        try:
            with path.open("rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise HistoryError(f"{target}: cannot read: {exc.strerror or exc}") from None
        if head != SQLITE_MAGIC:
            raise HistoryError(f"{target}: not a driftcli history (not a SQLite database)")
    if not exists:  # like every output path: its missing folders are made
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"{target}: cannot create its folder: {exc.strerror or exc}"
            ) from None
    try:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"{target}: cannot open: {_one_line(exc)}") from None
    hist = History(conn, target, postgres=False)
    try:
        # one read transaction, so both come from one snapshot: read apart, another process
        # creating the history could commit its tables between them (id 0, tables present)
        conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = hist._tables()
        finally:
            conn.execute("COMMIT")
        if tables and app_id != APPLICATION_ID:  # someone else's database: leave it alone
            raise HistoryError(f"{target}: not a driftcli history (a different SQLite database)")
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        if create or tables:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except HistoryError:
        hist.close()
        raise
    except sqlite3.Error as exc:
        hist.close()
        raise HistoryError(f"{target}: not a usable history: {_one_line(exc)}") from None
    return hist


def _open_postgres(target: str) -> History:
    shown = redact(target)
    try:
        dbapi: Any = importlib.import_module("adbc_driver_postgresql.dbapi")
    except ImportError:
        raise HistoryError(
            "a postgresql:// history needs the PostgreSQL driver: pip install 'driftcli[postgres]'"
        ) from None
    try:
        conn = dbapi.connect(target)
    except Exception as exc:
        raise HistoryError(f"{shown}: cannot connect: {_one_line(exc)}") from None
    return History(conn, shown, postgres=True)
