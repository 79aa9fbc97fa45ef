#!/usr/bin/env bash
# PostgreSQL stopped for 10 s during a load run: Herald answers 503 with
# Retry-After, does not crash, and serves fully again within 2 s of the
# database's return.  Uses its own throwaway cluster (stopping the shared
# test cluster would break the tests running beside this one).
set -uo pipefail
cd "$(dirname "$0")/../.."
top="$(pwd)"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
passed=0
failed=0
srv_pid=""
load_pid=""
dir="$(mktemp -d /tmp/herald-outage.XXXXXX)"
cleanup() {
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
check() { # name condition-result(0/1) detail
	if [ "$2" = 0 ]; then passed=$((passed + 1)); else
		failed=$((failed + 1)); echo "ingest-outage: FAIL $1 $3" >&2; fi
}

[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
	--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
printf "listen_addresses = ''\nunix_socket_directories = '%s'\n" "$dir" \
	>>"$dir/data/postgresql.conf"
pg_start() { as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 start >/dev/null; }
pg_start || exit 1
"$PG_BIN/psql" -X -q -h "$dir" -U postgres -d postgres -c "CREATE DATABASE outage" || exit 1
export HERALD_DATABASE_URL="host=$dir user=postgres dbname=outage"
export HERALD_HOME="$top" HERALD_LOG_LEVEL=warn
bin/herald migrate >/dev/null 2>&1 || exit 1
key="wk_outage_$$"
bin/herald workspace create --name outage --write-key "$key" >/dev/null || exit 1
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
HERALD_LISTEN="127.0.0.1:$port" HERALD_LOG_LEVEL=info bin/herald serve >"$dir/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 1 100); do grep -q "herald ready" "$dir/server.log" && break; sleep 0.1; done

# Load: one batch after another on 4 threads, each answer logged as
# "time status retry-after".
python3 - "$port" "$key" >"$dir/load.log" <<'PY' &
import base64, http.client, json, sys, threading, time
port, key = int(sys.argv[1]), sys.argv[2]
auth = "Basic " + base64.b64encode((key + ":").encode()).decode()
end = time.time() + 22
lock = threading.Lock()
def run(t):
    n = 0
    while time.time() < end:
        body = json.dumps({"batch": [{"type": "track", "event": "e",
            "userId": "u%d" % i, "messageId": "o-%d-%d-%d" % (t, n, i)}
            for i in range(5)]})
        n += 1
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", "/v1/batch", body, {"Authorization": auth,
                      "Content-Type": "application/json"})
            r = c.getresponse(); r.read()
            st, ra = r.status, r.getheader("Retry-After") or "-"
            c.close()
        except Exception:
            st, ra = 0, "-"
        with lock:
            print("%.3f %d %s" % (time.time(), st, ra), flush=True)
        time.sleep(0.02)
ts = [threading.Thread(target=run, args=(t,)) for t in range(4)]
for t in ts: t.start()
for t in ts: t.join()
PY
load_pid=$!
sleep 3
as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
down_at="$(date +%s.%N)"
sleep 10
pg_start
back_at="$(date +%s.%N)"
wait "$load_pid"
load_pid=""

kill -0 "$srv_pid" 2>/dev/null
check "server still running" $? ""
n503="$(awk '$2 == 503' "$dir/load.log" | wc -l)"
[ "$n503" -gt 0 ]; check "503 while the database is down" $? "(none)"
bad="$(awk '$2 == 503 && $3 == "-"' "$dir/load.log" | wc -l)"
[ "$bad" -eq 0 ]; check "every 503 has Retry-After" $? "($bad without)"
other="$(awk '$2 != 200 && $2 != 503' "$dir/load.log" | wc -l)"
[ "$other" -eq 0 ]; check "only 200 or 503" $? "($(awk '$2 != 200 && $2 != 503 {print $2}' "$dir/load.log" | sort | uniq -c | tr '\n' ' '))"
late="$(awk -v t="$back_at" '$1 > t + 2 && $2 != 200' "$dir/load.log" | wc -l)"
ok_after="$(awk -v t="$back_at" '$1 > t + 2 && $2 == 200' "$dir/load.log" | wc -l)"
[ "$late" -eq 0 ] && [ "$ok_after" -gt 10 ]
check "full service within 2 s of the return" $? "($late failures, $ok_after ok after return + 2 s)"
ok_before="$(awk -v t="$down_at" '$1 < t && $2 == 200' "$dir/load.log" | wc -l)"
[ "$ok_before" -gt 10 ]; check "served before the outage" $? "($ok_before)"
acked="$(awk '$2 == 200' "$dir/load.log" | wc -l)"
stored="$("$PG_BIN/psql" -X -At -h "$dir" -U postgres -d outage -c "SELECT count(*) / 5 FROM events")"
[ "$stored" -ge "$acked" ]; check "every acknowledged batch stored" $? "($stored stored, $acked acked)"

echo "ingest-outage: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
