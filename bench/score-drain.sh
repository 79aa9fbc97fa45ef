#!/usr/bin/env bash
# Scorer throughput: N people (default 5000) with five days of rollups and
# twenty feature_used events each, all queued at once; prints how long
# one `herald serve` takes to score them all.  The model scores
# feature_used after a release view, as the default model does, and
# nobody viewed a release.  Standalone: own database on the private
# cluster, own server, cleaned up after.
#   bench/score-drain.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5000}"
make -s bin/herald
scripts/pg.sh start >/dev/null
db="herald_bench_drain_$$"
scripts/pg.sh createdb "$db" >/dev/null
url="$(scripts/pg.sh url "$db")"
psql=(psql -X -q -At -v ON_ERROR_STOP=1 "$url")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	scripts/pg.sh dropdb "$db" >/dev/null 2>&1 || true
}
trap cleanup EXIT
export HERALD_DATABASE_URL="$url" HERALD_HOME="$PWD" HERALD_LOG_LEVEL=warn
bin/herald migrate >/dev/null
bin/herald workspace create --name Drain --slug drain >/dev/null
"${psql[@]}" -v n="$n" <<'SQL'
INSERT INTO scoring_models (workspace_id, version, model)
SELECT id, 1, '{"fit": {"criteria": []}, "engagement": {"half_life_days": 14,
  "signals": [{"event": "feature_used", "points": 2, "cap_per_day": 10,
  "after_viewing_release": true}]}, "rules": [{"id": "hot",
  "subject": "person", "when": {"score": {"gte": 1000}}}]}'
  FROM workspaces WHERE slug = 'drain';
INSERT INTO persons (workspace_id, external_id, first_seen_at)
SELECT w.id, 'u' || g, now() - interval '20 days'
  FROM workspaces w, generate_series(1, :n) g WHERE w.slug = 'drain';
INSERT INTO person_daily (workspace_id, person_id, day, event, count)
SELECT p.workspace_id, p.id, current_date - d, 'feature_used', 3
  FROM persons p, generate_series(0, 4) d;
INSERT INTO events (workspace_id, message_id, source, type, name,
                    person_id, props, occurred_at)
SELECT p.workspace_id, 'm' || p.id || '-' || g, 'api', 'track',
       'feature_used', p.id, '{"feature": "x"}', now() - g * interval '1 hour'
  FROM persons p, generate_series(1, 20) g;
ANALYZE;
SQL
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
HERALD_LISTEN="127.0.0.1:$port" bin/herald serve >/dev/null 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.1; done
t0="$(date +%s.%N)"
"${psql[@]}" -c "INSERT INTO score_queue (workspace_id, person_id)
                 SELECT workspace_id, id FROM persons; NOTIFY herald_score"
while [ "$("${psql[@]}" -c 'SELECT count(*) FROM score_queue')" != 0 ]; do
	sleep 0.1
done
t1="$(date +%s.%N)"
python3 -c 'import sys
n, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2])
print("score-drain: %d people scored in %.1f s = %.0f people/s" % (n, s, n / s))' \
	"$("${psql[@]}" -c 'SELECT count(*) FROM person_scores')" "$t0" "$t1"
