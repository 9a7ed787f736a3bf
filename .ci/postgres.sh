#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests and export DRIFTCLI_TEST_PG_URL.
# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh`; `pg_stop` stops it).
# Installs Debian's postgresql if no initdb is found, initdb's into a temporary directory as
# a non-root user (postgres refuses to run as root), listens on 127.0.0.1 only, on a free
# port, with password authentication; the password is random for each run.

_pg_bin() {
  local found
  found=$(command -v initdb 2>/dev/null || true)
  if [ -z "$found" ]; then
    found=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [ -n "$found" ] && dirname "$(readlink -f "$found")"
}

PG_BIN=$(_pg_bin || true)
if [ -z "${PG_BIN:-}" ]; then
  ${SUDO:-} apt-get update -qq
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq postgresql
  PG_BIN=$(_pg_bin)
fi

PG_DIR=$(mktemp -d /tmp/driftcli-pg.XXXXXX)
PG_USER_RUN=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PG_DIR"
  PG_USER_RUN=(runuser -u postgres --)
fi
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PG_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
printf '%s\n' "$PG_PASSWORD" > "$PG_DIR/pw"
chmod 600 "$PG_DIR/pw"
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/pw"
"${PG_USER_RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U driftcli --pwfile="$PG_DIR/pw" \
  --auth=scram-sha-256 -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 \
  || { cat "$PG_DIR/initdb.log" >&2; return 1 2>/dev/null || exit 1; }
rm -f "$PG_DIR/pw"
"${PG_USER_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null \
  || { cat "$PG_DIR/server.log" >&2; return 1 2>/dev/null || exit 1; }

pg_stop() {
  "${PG_USER_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

export DRIFTCLI_TEST_PG_URL="postgresql://driftcli:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/postgres"
