#!/usr/bin/env bash
# ESLint over the admin app's sources (config: admin/eslint.config.js).
set -uo pipefail
cd "$(dirname "$0")/../../admin"
if [ ! -d node_modules ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
if npx --no-install eslint src build.mjs eslint.config.js; then
	echo "admin-lint: 1 passed, 0 failed"
	exit 0
fi
echo "admin-lint: 0 passed, 1 failed"
exit 1
