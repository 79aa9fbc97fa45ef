#!/usr/bin/env bash
# Demo data for the admin app, run by scripts/seed-demo.sh after the demo
# workspace exists: the demo users (owner and sales), the scoring model,
# and a destination that delivers alerts as Slack messages into Herald's
# built-in inbox (/admin/inbox), so the demo needs no Slack.  Idempotent.
# Talks to the real API through a short-lived server on a spare port.
set -euo pipefail
cd "$(dirname "$0")/.."
export HERALD_HOME="$PWD"
slug="${HERALD_DEMO_SLUG:-demo}"
listen="${HERALD_LISTEN:-127.0.0.1:8080}"
public="${HERALD_PUBLIC_URL:-http://$listen}"
pm_pw="${HERALD_DEMO_PM_PASSWORD:-demo-pm-password}"
sales_pw="${HERALD_DEMO_SALES_PASSWORD:-demo-sales-password}"
mkdir -p tmp

if ! bin/herald user add --workspace "$slug" --email pm@demo.test \
	--role owner <<<"$pm_pw" >/dev/null 2>tmp/seed-admin.err; then
	bin/herald workspace create --name "Demo" --slug "$slug" \
		>tmp/demo-workspace.json
	bin/herald user add --workspace "$slug" --email pm@demo.test \
		--role owner <<<"$pm_pw" >/dev/null
fi
bin/herald user add --workspace "$slug" --email sales@demo.test \
	--role sales <<<"$sales_pw" >/dev/null

# A private server for the API calls below.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p tmp
log="$(mktemp tmp/seed-admin-server.XXXXXX)"
jar="$(mktemp tmp/seed-admin-cookies.XXXXXX)"
HERALD_LISTEN="127.0.0.1:$port" HERALD_PUBLIC_URL="$public" \
	bin/herald serve >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -f "$log" "$jar"' EXIT
# Ready when its own log says so and it answers on its port (up to
# 60 s on a busy machine); a server that exits (the port taken
# meanwhile, say) stops the seed.
ready=0
for _ in $(seq 1 600); do
	grep -q 'herald ready' "$log" &&
		curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" &&
		{ ready=1; break; }
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ "$ready" -ne 1 ]; then
	echo "seed-admin-demo: the seeding server on port $port did not start:" >&2
	cat "$log" >&2
	exit 1
fi
base="http://127.0.0.1:$port/api/v1"

csrf=$(curl -fsS -c "$jar" -H 'Content-Type: application/json' \
	-d "{\"email\":\"pm@demo.test\",\"password\":\"$pm_pw\"}" \
	"$base/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')

# call METHOD PATH [JSON]: prints the body; a refused call stops the seed
# with the server's answer, so a broken demo never starts.
call() {
	local out code
	out=$(curl -sS -b "$jar" -H "X-CSRF-Token: $csrf" \
		-H 'Content-Type: application/json' -X "$1" \
		${3:+--data-binary "$3"} -w '\n%{http_code}' "$base$2")
	code=${out##*$'\n'}
	if [ "${code:0:1}" != 2 ]; then
		echo "seed-admin-demo: $1 $2: $code ${out%$'\n'*}" >&2
		return 1
	fi
	printf '%s\n' "${out%$'\n'*}"
}

# Scoring: fit from company size, industry, country and role; engagement
# from reading, clicking, sharing and trying features.  The demo user
# Alex (a CTO at a 120-person software company) who opens a release on
# /demo and clicks "Try it" crosses the engaged-icp rule and alerts sales.
call PUT /scoring "$(cat scripts/demo/scoring.json)" >/dev/null

inbox=$(call GET /inbox/info | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
# The inbox URL follows HERALD_PUBLIC_URL, so an existing destination is
# pointed at the current one.
dest=$(call GET /destinations | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d.get("destinations", d) if isinstance(d, dict) else d
print(next((str(x["id"]) for x in d if x.get("name") == "Demo inbox"), ""))
')
if [ -z "$dest" ]; then
	call POST /destinations "{\"name\":\"Demo inbox\",\"kind\":\"slack\",\
\"url\":\"$inbox\",\"tags\":[\"sales\"]}" >/dev/null
else
	call PATCH "/destinations/$dest" "{\"url\":\"$inbox\",\
\"state\":\"active\"}" >/dev/null
fi

cat >>tmp/demo.txt <<MSG
  admin sign-in:     pm@demo.test / $pm_pw   (product manager, owner)
                     sales@demo.test / $sales_pw   (sales)
  alert inbox:       $public/admin/inbox   (alerts as Slack would show them)
MSG
