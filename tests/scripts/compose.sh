#!/usr/bin/env bash
# The compose file must be valid for docker-compose (no engine needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v docker-compose >/dev/null; then
	echo "compose: docker-compose not installed"; exit 1
fi
out="$(docker-compose -f docker-compose.yml config)"
for svc in postgres herald mail; do
	grep -q "^  $svc:" <<<"$out" || { echo "compose: no service $svc"; exit 1; }
done
grep -q 'HERALD_DATABASE_URL' <<<"$out"
echo "compose: 1 passed, 0 failed"
