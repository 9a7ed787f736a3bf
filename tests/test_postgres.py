"""A real PostgreSQL server (issue 10 item 5): ``.ci/run`` starts one and exports
``DRIFTCLI_TEST_PG_URL`` (``source .ci/postgres.sh`` does the same by hand).

Without the variable these tests skip locally with that reason; in CI (``CI=true``) they fail,
so a broken server setup can never pass as green. The URL holds a password: no output of a
run may show it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import EXAMPLES, in_ci
from driftcli import notify
from driftcli.api import compare
from driftcli.settings import Settings
from driftcli.sources import open_source
from driftcli.timeline import run_timeline
from driftcli.windows import Selection, to_utc

EXAMPLE_DB = f"sqlite:///{EXAMPLES / 'predictions.db'}"


@pytest.fixture(scope="module")
def pg_url() -> str:
    url = os.environ.get("DRIFTCLI_TEST_PG_URL")
    if not url:
        if in_ci():
            pytest.fail(
                "DRIFTCLI_TEST_PG_URL is unset in CI: .ci/run should have started PostgreSQL"
            )
        pytest.skip("no PostgreSQL server: DRIFTCLI_TEST_PG_URL is unset (source .ci/postgres.sh)")
    return url


def example_table() -> pa.Table:
    """The example log with ``ts`` as a real timestamp."""
    table = open_source(EXAMPLE_DB, role="current", table="predictions").read_all()
    ts = to_utc(table.column("ts"), "example", "ts")
    return table.set_column(0, "ts", ts)


@pytest.fixture(scope="module")
def pg_log(pg_url: str) -> str:
    import adbc_driver_postgresql.dbapi as dbapi

    table = example_table()
    aware = table.set_column(0, "ts", table.column("ts").cast(pa.timestamp("us", "UTC")))
    with dbapi.connect(pg_url) as conn, conn.cursor() as cur:
        cur.adbc_ingest("predictions", table, mode="replace")
        cur.adbc_ingest("predictions_tz", aware, mode="replace")
        cur.execute("CREATE INDEX IF NOT EXISTS predictions_ts ON predictions (ts)")
        conn.commit()
    return pg_url


def normalized(d: dict) -> dict:  # type: ignore[type-arg]
    d = json.loads(json.dumps(d))
    d.pop("generated_at")
    for side in ("reference", "current"):
        d[side].pop("path")
        d[side].pop("format")
    return d


def test_the_same_log_in_sqlite_postgresql_and_parquet_gives_the_same_json(pg_log, tmp_path):
    sel = dict(time_column="ts", current_window="7d", reference_window="30d")
    parquet = tmp_path / "log.parquet"
    pq.write_table(example_table(), parquet, row_group_size=1000)
    outs = [
        normalized(compare(EXAMPLE_DB, selection=Selection(table="predictions", **sel)).to_dict()),
        normalized(compare(pg_log, selection=Selection(table="predictions", **sel)).to_dict()),
        normalized(compare(pg_log, selection=Selection(table="predictions_tz", **sel)).to_dict()),
        normalized(compare(str(parquet), selection=Selection(**sel)).to_dict()),
    ]
    assert outs[0] == outs[1] == outs[2] == outs[3]
    assert sorted(c["name"] for c in outs[0]["columns"] if c["drift"]) == ["channel", "income"]


def test_the_timeline_on_postgresql_starts_the_drift_in_the_documented_week(pg_log):
    data = run_timeline(
        pg_log,
        Settings(fail_on=["column"]),
        Selection(table="predictions", time_column="ts", reference_window="30d"),
        every="1w",
    )
    drifted = [
        p["start"] for p in data["periods"] if p["vs_reference"] and p["vs_reference"]["drifted"]
    ]
    assert drifted[0] == "2026-03-23T00:00:00Z"


def test_no_output_shows_the_password(pg_log, cli, tmp_path):
    secret = urlsplit(pg_log).password
    assert secret
    files = {ext: tmp_path / f"out.{ext}" for ext in ("json", "html", "md", "xml", "prom")}
    run = cli(
        "compare", pg_log, "--table", "predictions", "--time-column", "ts",
        "--json", files["json"], "--html", files["html"], "--markdown", files["md"],
        "--junit", files["xml"], "--prometheus", files["prom"], "--fail-on", "column",
    )  # fmt: skip
    assert run.code == 1, run.err
    shown = run.out + run.err
    for path in files.values():
        shown += path.read_text(encoding="utf-8")
    result = compare(pg_log, selection=Selection(table="predictions", time_column="ts"))
    shown += json.dumps(notify.slack_payload(result)) + notify.email_body(result)
    assert secret not in shown
    assert "driftcli:***@127.0.0.1" in shown


def with_password(url: str, password: str) -> str:
    p = urlsplit(url)
    netloc = f"{p.username}:{password}@{p.hostname}:{p.port}"
    return urlunsplit((p.scheme, netloc, p.path, p.query, p.fragment))


def test_failed_authentication_is_one_line_without_the_password(pg_log, cli, tmp_path):
    bad = with_password(pg_log, "wrong-pw-123")
    run = cli("compare", bad, bad, "--table", "predictions", "--json", tmp_path / "o.json")
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1, run.err
    assert "wrong-pw-123" not in run.err and "authentication failed" in run.err
    assert not (tmp_path / "o.json").exists()


def test_unreachable_server_is_named(pg_log, cli):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://driftcli@127.0.0.1:{port}/postgres"
    run = cli("compare", url, url, "--table", "t")
    assert run.code == 2 and f"127.0.0.1:{port}" in run.err
    assert "10 s" in run.err or "refused" in run.err.lower()


def test_missing_table_and_sql_error(pg_log, cli):
    run = cli("compare", pg_log, pg_log, "--table", "nope")
    assert run.code == 2 and 'relation "nope" does not exist' in run.err
    run = cli("compare", pg_log, pg_log, "--query", "SELEC 1")
    assert run.code == 2 and "syntax error" in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_pgpassword_is_used_when_the_url_has_none(pg_log, monkeypatch):
    p = urlsplit(pg_log)
    monkeypatch.setenv("PGPASSWORD", p.password or "")
    bare = urlunsplit((p.scheme, f"{p.username}@{p.hostname}:{p.port}", p.path, "", ""))
    src = open_source(bare, role="current", table="predictions")
    assert src.schema().names[0] == "ts"


def test_pgpass_file_is_used(pg_log, monkeypatch, tmp_path: Path):
    p = urlsplit(pg_log)
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{p.hostname}:{p.port}:*:{p.username}:{p.password}\n")
    passfile.chmod(0o600)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    bare = urlunsplit((p.scheme, f"{p.username}@{p.hostname}:{p.port}", p.path, "", ""))
    assert open_source(bare, role="current", table="predictions").schema().names[0] == "ts"
