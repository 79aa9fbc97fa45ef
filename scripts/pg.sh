#!/usr/bin/env bash
# Private PostgreSQL for `make run` and the tests.
#
#   scripts/pg.sh start    initdb (first time) and start; prints nothing
#   scripts/pg.sh stop     fast shutdown
#   scripts/pg.sh url DB   print the libpq connection string for DB
#   scripts/pg.sh createdb DB / dropdb DB
#
# The cluster lives in .pg/ under the checkout and listens only on a unix
# socket there.  initdb refuses to run as root, so as root the cluster is
# owned by the `postgres` system user; when that user cannot reach the
# checkout, the cluster goes under /var/tmp instead.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
[ -x "$PG_BIN/postgres" ] || { echo "pg.sh: no PostgreSQL server (run make deps)" >&2; exit 1; }

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir="$top/.pg"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$top" 2>/dev/null; then
	dir="/var/tmp/herald-pg-$(printf '%s' "$top" | md5sum | cut -c1-12)"
fi
data="$dir/data"
sock="$dir/run"

start() {
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
	if [ ! -f "$data/PG_VERSION" ]; then
		as_owner mkdir -p "$sock"
		as_owner "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 \
			--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
			|| { cat "$dir/initdb.log" >&2; exit 1; }
		cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sock'
max_connections = 300
fsync = on
CONF
	fi
	if ! as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
			start >/dev/null
	fi
}

stop() {
	[ -f "$data/PG_VERSION" ] || return 0
	as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

url() { echo "host=$sock user=postgres dbname=${1:-herald}"; }

case "${1:-}" in
start) start ;;
stop) stop ;;
restart) stop; start ;;
status) as_owner "$PG_BIN/pg_ctl" -D "$data" status ;;
url) url "${2:-herald}" ;;
dir) echo "$dir" ;;
createdb)
	"$PG_BIN/psql" -q "$(url postgres)" -c "CREATE DATABASE \"$2\"" >/dev/null ;;
dropdb)
	"$PG_BIN/psql" -q "$(url postgres)" -c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" >/dev/null ;;
ensuredb)
	"$PG_BIN/psql" -qAt "$(url postgres)" \
		-c "SELECT 1 FROM pg_database WHERE datname = '$2'" | grep -q 1 \
		|| "$PG_BIN/psql" -q "$(url postgres)" -c "CREATE DATABASE \"$2\"" >/dev/null ;;
*) echo "usage: pg.sh start|stop|restart|status|url DB|dir|createdb DB|dropdb DB|ensuredb DB" >&2; exit 2 ;;
esac
