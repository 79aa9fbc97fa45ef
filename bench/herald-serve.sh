#!/usr/bin/env bash
# Starts Herald for the bench kit: given the kit cluster's PG* variables,
# PORT's listen address in HERALD_LISTEN and WRITE_KEY, it migrates a
# `herald` schema in the bench database (the kit's own `events` table
# lives in `public`), makes sure the `bench` workspace accepts WRITE_KEY,
# then becomes `herald serve` (same PID, so the kit measures it).
# HERALD_BENCH_MODEL names a scoring model (JSON file) to save for the
# workspace first; without it the default model scores every event.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
: "${PGHOST:?PGHOST missing (run from the bench kit)}"
: "${WRITE_KEY:?WRITE_KEY missing}"
psql=(psql -X -q -At -v ON_ERROR_STOP=1)

"${psql[@]}" -c "CREATE SCHEMA IF NOT EXISTS herald" >/dev/null
export HERALD_DATABASE_URL="host=$PGHOST port=${PGPORT:-5432} user=${PGUSER:-postgres} dbname=${PGDATABASE:-bench} options='-c search_path=herald'"
export HERALD_HOME="$top"
export HERALD_LOG_LEVEL="${HERALD_LOG_LEVEL:-warn}"
"$top/bin/herald" migrate >/dev/null 2>&1 || "$top/bin/herald" migrate
if [ "$("${psql[@]}" -c "SELECT count(*) FROM herald.workspaces WHERE slug = 'bench'")" = 0 ]; then
	"$top/bin/herald" workspace create --name bench --slug bench \
		--write-key "$WRITE_KEY" >/dev/null
else
	"${psql[@]}" -v key="$WRITE_KEY" <<'SQL' >/dev/null
UPDATE herald.workspaces
   SET write_key_hash = encode(sha256(convert_to(:'key', 'UTF8')), 'hex')
 WHERE slug = 'bench';
SQL
fi
if [ -n "${HERALD_BENCH_MODEL:-}" ]; then
	PGOPTIONS="-c search_path=herald" "${psql[@]}" \
		-v model="$(cat "$HERALD_BENCH_MODEL")" <<'SQL' >/dev/null
INSERT INTO scoring_models (workspace_id, version, model, author)
SELECT w.id, coalesce(max(m.version), 0) + 1, :'model'::jsonb, 'bench'
  FROM workspaces w LEFT JOIN scoring_models m ON m.workspace_id = w.id
 WHERE w.slug = 'bench' GROUP BY w.id;
SQL
fi
exec "$top/bin/herald" serve
