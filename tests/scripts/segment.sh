#!/usr/bin/env bash
# Segment compatibility: the official @segment/analytics-node library,
# pointed at Herald by its host option, sends identify, group, track and
# page; the persons, the account and the events must be in the database.
# Needs HERALD_DATABASE_URL (scripts/test.sh exports it) and bin/herald.
set -uo pipefail
cd "$(dirname "$0")/../.."
top="$(pwd)"
passed=0
failed=0
srv_pid=""
tmp="$(mktemp -d /tmp/herald-segment.XXXXXX)"
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

check() { # name expected actual
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "segment: FAIL $1: expected '$2', got '$3'" >&2
	fi
}

: "${HERALD_DATABASE_URL:?set HERALD_DATABASE_URL (make test does)}"
export HERALD_HOME="$top"
if [ ! -d tests/segment/node_modules ]; then
	(cd tests/segment && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
ws="$(bin/herald workspace create --name "Segment lib $$")" || exit 1
key="$(printf '%s' "$ws" | python3 -c 'import json,sys; print(json.load(sys.stdin)["write_key"])')"
wsid="$(printf '%s' "$ws" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

HERALD_LISTEN="127.0.0.1:$port" bin/herald serve >"$tmp/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 1 100); do
	grep -q "herald ready" "$tmp/server.log" && break
	sleep 0.1
done

(cd tests/segment && HERALD_URL="http://127.0.0.1:$port" WRITE_KEY="$key" \
	node send.mjs) || { echo "segment: the library reported an error" >&2; failed=$((failed + 1)); }

q() { psql -X -At -v ON_ERROR_STOP=1 "$HERALD_DATABASE_URL" -c "$1"; }
check "person with traits" "sam@example.com|Sam|cto" \
	"$(q "SELECT email || '|' || name || '|' || (traits->>'role') FROM persons WHERE workspace_id = $wsid AND external_id = 'sam'")"
check "account tied to the person" "Globex|300" \
	"$(q "SELECT a.name || '|' || (a.traits->>'employees') FROM persons p JOIN accounts a ON a.workspace_id = p.workspace_id AND a.id = p.account_id WHERE p.workspace_id = $wsid AND p.external_id = 'sam'")"
check "events stored with the person" "group,identify,page,track" \
	"$(q "SELECT string_agg(type, ',' ORDER BY type) FROM events WHERE workspace_id = $wsid AND person_id IS NOT NULL")"
check "track event and its properties" "feature_used|charts" \
	"$(q "SELECT name || '|' || (props->>'feature') FROM events WHERE workspace_id = $wsid AND type = 'track'")"
check "anonymous id merged" "1" \
	"$(q "SELECT count(*) FROM anonymous_ids WHERE workspace_id = $wsid AND anonymous_id = 'anon-sam' AND person_id IS NOT NULL")"
check "library context kept" "@segment/analytics-node" \
	"$(q "SELECT context->'library'->>'name' FROM events WHERE workspace_id = $wsid AND type = 'track'")"

echo "segment: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
