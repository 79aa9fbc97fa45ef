#!/usr/bin/env bash
# make bench: Herald's Segment ingest against the Node peer and the
# ceilings (COPY, pgbench, nginx), with the shared bench-peer kit, in one
# run on this machine.  The kit is copied to a temporary folder and run
# from there; nothing of it lives in this repository.
#
# Env: BENCH_KIT (default: shared/bench-peer next to the checkout),
#      SECS, WARMUP, QUIET_MAX, WORKLOADS, PEER_VARIANTS, SKIP_CEILINGS,
#      OUT - passed to the kit's bench.sh; HERALD_BENCH_MODEL (absolute
#      path of a scoring model for Herald's workspace, e.g.
#      bench/model-ignores-load.json; default: the default model, which
#      rescores the person of every event).  After the kit, bench/deferred.sh
#      measures the work a run leaves behind (OUT/deferred.txt).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"

find_kit() {
	local common
	if [ -n "${BENCH_KIT:-}" ]; then echo "$BENCH_KIT"; return; fi
	if [ -d "$top/../shared/bench-peer" ]; then
		echo "$top/../shared/bench-peer"; return
	fi
	# A git worktree: look next to the main checkout.
	common="$(git -C "$top" rev-parse --path-format=absolute \
		--git-common-dir 2>/dev/null || true)"
	if [ -n "$common" ] && [ -d "$(dirname "$common")/../shared/bench-peer" ]; then
		echo "$(dirname "$common")/../shared/bench-peer"; return
	fi
	echo "$top/../shared/bench-peer"
}

kit="$(find_kit)"
if [ ! -x "$kit/bench.sh" ]; then
	echo "bench: the bench-peer kit is not at $kit (expected ../shared/bench-peer" \
	     "beside the checkout; set BENCH_KIT=/path/to/bench-peer)" >&2
	exit 1
fi
[ -x "$top/bin/herald" ] || { echo "bench: build first (make)" >&2; exit 1; }

work="$(mktemp -d /tmp/herald-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cp -r "$kit" "$work/kit"
chmod -R u+w "$work/kit"

export SECS="${SECS:-20}" WARMUP="${WARMUP:-5}" QUIET_MAX="${QUIET_MAX:-180}"
export WORKLOADS="${WORKLOADS:-20:64 20:256 20:1000 1:256}"
export OUT="${OUT:-/tmp/herald-bench-results.$(date -u +%Y%m%dT%H%M%SZ)}"
export HERALD_START="HERALD_LISTEN=127.0.0.1:\$PORT $top/bench/herald-serve.sh"
export HERALD_COUNT_SQL="select count(*) from herald.events"
# The scorer may still be draining the warm-up's queue: a TRUNCATE that
# deadlocks with it is tried again.
export HERALD_PRE_SQL="DO \$\$ BEGIN FOR i IN 1..20 LOOP BEGIN TRUNCATE herald.events, herald.event_keys, herald.person_daily, herald.score_queue; RETURN; EXCEPTION WHEN deadlock_detected THEN PERFORM pg_sleep(0.1); END; END LOOP; END \$\$; CHECKPOINT"
# A fresh kit cluster for this run (not one another run left behind).
export PG_STATE="$work/pg.env"

echo "bench: kit $kit, results in $OUT" >&2
trap 'PG_STATE="$work/pg.env" "$work/kit/pg.sh" stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
KEEP_PG=1 "$work/kit/bench.sh"
echo "bench: summary in $OUT/summary.md" >&2
# Work the measured windows leave behind (the scorer's backlog) counts
# too: one more 20-event run on the same cluster, then the CPU until
# nothing is left.
echo "bench: deferred work after a 20-event, 64-connection run" >&2
PG_STATE="$work/pg.env" KIT="$work/kit" "$top/bench/deferred.sh" | tee "$OUT/deferred.txt"
