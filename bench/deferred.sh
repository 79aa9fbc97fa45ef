#!/usr/bin/env bash
# Work deferred past a measured window: one ingest run of the kit's load
# driver against Herald (20-event batches, 64 connections by default),
# then, with the same server still up and no more load, the CPU Herald
# and PostgreSQL spend until the rollup merger and the scorer have
# nothing left (rollup_pending and score_queue empty).  Prints both and
# the total per 1,000 events of the run, which is what the window's
# figure becomes once the deferred work is counted.
#   bench/deferred.sh            (needs the kit cluster: run.sh starts it)
# Env: PG_STATE (the kit cluster's env file), KIT (the kit copy), BATCH,
#      CONNS, SECS, WARMUP, HERALD_BENCH_MODEL.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
: "${PG_STATE:?PG_STATE missing (the kit cluster, see bench/run.sh)}"
: "${KIT:?KIT missing (the kit copy, see bench/run.sh)}"
# shellcheck disable=SC1090
. "$PG_STATE"
batch="${BATCH:-20}" conns="${CONNS:-64}" secs="${SECS:-20}"
hz="$(getconf CLK_TCK)"
psql=(psql -X -At -q -v ON_ERROR_STOP=1)
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
out="$(mktemp -d /tmp/herald-deferred.XXXXXX)"
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT

PORT="$port" WRITE_KEY=bench-key HERALD_LISTEN="127.0.0.1:$port" \
	"$top/bench/herald-serve.sh" >"$out/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

# "pid ticks" (utime + stime) of the server and of the cluster's
# processes but its autovacuum workers: vacuuming the rows a load stored
# follows any writer's load (the Node peer's as well) and is not counted.
ticks() {
	local pm p
	pm="$(head -1 "$PGDATA/postmaster.pid")"
	for p in "$1" "$pm" $(pgrep -P "$pm"); do
		grep -q autovacuum "/proc/$p/cmdline" 2>/dev/null && continue
		awk '{ print $1, $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true
	done
}
herald_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

# The scorer and the merger may still work on the warm-up: a TRUNCATE
# that deadlocks with them is tried again.
pre="DO \$\$ BEGIN FOR i IN 1..20 LOOP BEGIN TRUNCATE herald.events, herald.event_keys, herald.person_daily, herald.score_queue, herald.rollup_pending; RETURN; EXCEPTION WHEN deadlock_detected THEN PERFORM pg_sleep(0.1); END; END LOOP; END \$\$; CHECKPOINT"
BATCH="$batch" WARMUP="${WARMUP:-5}" PRE_SQL="$pre" SERVER_PIDS="$pid" \
	COUNT_SQL="select count(*) from herald.events" \
	"$KIT/load/run.sh" "http://127.0.0.1:$port/v1/batch" bench-key \
	"$conns" "$secs" >"$out/run.txt" 2>&1 ||
	{ echo "deferred: the load run failed:" >&2; tail -20 "$out/run.txt" >&2; exit 1; }
grep -E '^(events/s|CPU ms)' "$out/run.txt" | sed 's/^/deferred: run: /'
events="$(sed -n 's/.*persisted \([0-9]*\) = .*/\1/p' "$out/run.txt")"
run_cpu="$(sed -n 's/^CPU ms \/ 1k events: *\([0-9.]*\) total.*/\1/p' "$out/run.txt")"

t0="$(date +%s.%N)" h0="$(herald_ticks)"
ticks "$pid" >"$out/ticks0"
queued="$("${psql[@]}" -c "SELECT count(*) FROM herald.score_queue")"
pending="$("${psql[@]}" -c "SELECT count(*) FROM herald.rollup_pending")"
left=1
for _ in $(seq 1 1200); do
	left="$("${psql[@]}" -c "SELECT (SELECT count(*) FROM herald.score_queue) + (SELECT count(*) FROM herald.rollup_pending)")"
	[ "$left" = 0 ] && break
	sleep 0.1
done
t1="$(date +%s.%N)" h1="$(herald_ticks)"
ticks "$pid" >"$out/ticks1"
# Processes at both ends count their difference, new ones all of theirs.
all="$(awk 'NR == FNR { t0[$1] = $2; next } { d += $2 - ($1 in t0 ? t0[$1] : 0) } END { print d + 0 }' "$out/ticks0" "$out/ticks1")"
[ "$left" = 0 ] || echo "deferred: $left rows still queued after 120 s" >&2
python3 - "$events" "$run_cpu" "$queued" "$pending" "$t0" "$t1" \
	"$all" "$((h1 - h0))" "$hz" <<'PY'
import sys
ev, run_cpu, queued, pending = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t0, t1, all_t, h_t, hz = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
all_ms, h_ms = all_t * 1000.0 / hz, h_t * 1000.0 / hz
per_1k = all_ms / ev * 1000 if ev else 0
print("deferred: after the run %d people queued for scoring and %d pending rollup groups,"
      " done in %.1f s: CPU %.0f ms (Herald %.0f, PostgreSQL %.0f) = %.2f ms per 1,000 events of the run"
      % (queued, pending, t1 - t0, all_ms, h_ms, all_ms - h_ms, per_1k))
print("deferred: run CPU %.2f + deferred %.2f = %.2f ms per 1,000 events" % (run_cpu, per_1k, run_cpu + per_1k))
PY
