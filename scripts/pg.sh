#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 cluster owned by the test run: its own data directory,
# port and socket directory, so tests never depend on how a machine's own PostgreSQL is set up.
#   scripts/pg.sh start DIR PORT   prints the admin URL on stdout
#   scripts/pg.sh stop DIR
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
cmd=${1:?usage: pg.sh start DIR PORT | stop DIR}
dir=${2:?data directory}

as_pg() {
  # initdb refuses to run as root; run the server as the postgres user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  port=${3:?port}
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=256MB -c maintenance_work_mem=512MB" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  ;;
*)
  echo "usage: pg.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
