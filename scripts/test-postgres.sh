#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests (Debian's postgresql
# package: apt-get install postgresql). Listens only on a Unix socket in its
# own directory; trust authentication; fsync off (test data only).
#
#   scripts/test-postgres.sh start   # starts it if needed; prints the URL for LOCKREPLAY_TEST_PG
#   scripts/test-postgres.sh stop    # stops it and removes its directory
#
#   export LOCKREPLAY_TEST_PG="$(scripts/test-postgres.sh start)" && npm test
#
# LOCKREPLAY_PG_DIR (default /tmp/lockreplay-pg) and LOCKREPLAY_PG_PORT
# (default 54329; with a socket it only names the socket file) choose the cluster.
set -euo pipefail
DIR=${LOCKREPLAY_PG_DIR:-/tmp/lockreplay-pg}
PORT=${LOCKREPLAY_PG_PORT:-54329}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "test-postgres: PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2
  exit 1
fi
# The server refuses to run as root: as root, the cluster belongs to the postgres user the package created.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
url() {
  echo "postgresql:///postgres?host=$DIR&port=$PORT&user=postgres"
}
case "${1:-start}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      url
      exit 0
    fi
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
      start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
    url
    ;;
  stop)
    if [ -f "$DIR/data/postmaster.pid" ]; then as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
