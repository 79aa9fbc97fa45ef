#!/usr/bin/env bash
# `make run`: the demo.  Starts the private PostgreSQL (unless
# HERALD_DATABASE_URL is set), migrates, seeds the demo workspace and
# serves on HERALD_LISTEN (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
top="$(pwd)"
export HERALD_HOME="$top"

if [ -z "${HERALD_DATABASE_URL:-}" ]; then
	scripts/pg.sh start
	scripts/pg.sh ensuredb herald
	export HERALD_DATABASE_URL="$(scripts/pg.sh url herald)"
fi
bin/herald migrate
if [ -x scripts/seed-demo.sh ]; then
	scripts/seed-demo.sh
fi
listen="${HERALD_LISTEN:-127.0.0.1:8080}"
base="${HERALD_PUBLIC_URL:-http://$listen}"
cat <<MSG

Herald is starting on $base
  health:            $base/healthz
MSG
[ -f tmp/demo.txt ] && cat tmp/demo.txt
echo
exec bin/herald serve
