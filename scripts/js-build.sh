#!/usr/bin/env bash
# Builds one JavaScript part (widget or admin) with its own esbuild script.
set -euo pipefail
cd "$(dirname "$0")/../$1"
if [ ! -d node_modules ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs
