#!/usr/bin/env bash
# Banned calls and long lines fail the build's tests.
exec "$(dirname "$0")/../../scripts/lint.sh"
