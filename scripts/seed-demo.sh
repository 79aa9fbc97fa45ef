#!/usr/bin/env bash
# `make run` seeds the demo through this script: each part of Herald adds
# its demo data with its own script.  Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tmp
: >tmp/demo.txt
scripts/seed-admin-demo.sh
