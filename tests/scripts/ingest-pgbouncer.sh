#!/usr/bin/env bash
# The Segment write path behind pgbouncer in transaction pooling mode
# (C-27): batches with track, identify and group are stored, and after
# pgbouncer's server connections are killed and reopened the next
# batches still succeed.  Own throwaway cluster and pgbouncer.
set -uo pipefail
cd "$(dirname "$0")/../.."
top="$(pwd)"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
command -v pgbouncer >/dev/null || { echo "ingest-pgbouncer: pgbouncer missing (make deps)"; echo "ingest-pgbouncer: 0 passed, 1 failed"; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
passed=0
failed=0
srv_pid=""
dir="$(mktemp -d /tmp/herald-pgbouncer.XXXXXX)"
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	[ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null
	as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
check() { # name expected actual
	if [ "$2" = "$3" ]; then passed=$((passed + 1)); else
		failed=$((failed + 1)); echo "ingest-pgbouncer: FAIL $1: expected '$2', got '$3'" >&2; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
	--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
printf "listen_addresses = ''\nunix_socket_directories = '%s'\n" "$dir" >>"$dir/data/postgresql.conf"
as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 start >/dev/null || exit 1
"$PG_BIN/psql" -X -q -h "$dir" -U postgres -d postgres -c "CREATE DATABASE bouncer" || exit 1
bport="$(free_port)"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
bouncer = host=$dir dbname=bouncer user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
admin_users = postgres
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
echo '"postgres" ""' >"$dir/users.txt"
chown -R postgres:postgres "$dir"/pgbouncer.ini "$dir"/users.txt 2>/dev/null
as_pg pgbouncer -d "$dir/pgbouncer.ini" || exit 1
sleep 0.5

export HERALD_HOME="$top" HERALD_LOG_LEVEL=warn
HERALD_DATABASE_URL="host=$dir user=postgres dbname=bouncer" bin/herald migrate >/dev/null 2>&1 || exit 1
export HERALD_DATABASE_URL="host=127.0.0.1 port=$bport user=postgres dbname=bouncer"
key="wk_bouncer_$$"
bin/herald workspace create --name bouncer --write-key "$key" >/dev/null || exit 1
port="$(free_port)"
HERALD_LISTEN="127.0.0.1:$port" HERALD_LOG_LEVEL=info bin/herald serve >"$dir/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 1 100); do grep -q "herald ready" "$dir/server.log" && break; sleep 0.1; done

send() { # n -> status
	curl -s -o /dev/null -w '%{http_code}' -u "$key:" "http://127.0.0.1:$port/v1/batch" \
		-d "{\"batch\":[{\"type\":\"identify\",\"userId\":\"p$1\",\"traits\":{\"email\":\"p$1@example.com\"},\"messageId\":\"i$1\"},{\"type\":\"group\",\"userId\":\"p$1\",\"groupId\":\"g\",\"traits\":{\"name\":\"G\"},\"messageId\":\"g$1\"},{\"type\":\"track\",\"userId\":\"p$1\",\"event\":\"e\",\"messageId\":\"t$1\"}]}"
}
ok=0
for i in 1 2 3 4 5 6; do [ "$(send "$i")" = 200 ] && ok=$((ok + 1)); done
check "batches through pgbouncer" 6 "$ok"
# Kill pgbouncer's server connections (as a PostgreSQL restart would).
"$PG_BIN/psql" -X -q -h "$dir" -U postgres -d postgres -c \
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'bouncer' AND pid <> pg_backend_pid()" >/dev/null
ok=0
for i in 7 8 9; do [ "$(send "$i")" = 200 ] && ok=$((ok + 1)); done
[ "$ok" -ge 2 ]; check "after server connections were killed (at most one fails)" 0 "$?"
q() { "$PG_BIN/psql" -X -At -h "$dir" -U postgres -d bouncer -c "$1"; }
check "events stored" "$((6 * 3 + ok * 3))" "$(q "SELECT count(*) FROM events")"
check "persons tied to the account" "$((6 + ok))" "$(q "SELECT count(*) FROM persons p JOIN accounts a ON a.id = p.account_id WHERE p.email LIKE 'p%@example.com'")"
# The scorer and the rollup merger run prepared statements where they
# can: through the pooler they fall back to unnamed ones and every
# person still gets scored.
scored=""
for _ in $(seq 1 100); do
	scored="$(q "SELECT count(*) FROM person_scores")"
	[ "$scored" = "$((6 + ok))" ] && break
	sleep 0.1
done
check "persons scored through pgbouncer" "$((6 + ok))" "$scored"
check "rollups merged through pgbouncer" "$((6 + ok))" "$(q "SELECT coalesce(sum(count), 0) FROM person_daily WHERE event = 'e'")"

echo "ingest-pgbouncer: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
