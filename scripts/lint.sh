#!/usr/bin/env bash
# `make lint`: banned calls (STYLE.md 11), lines over 80 columns, and the
# formatter check.  Exits non-zero on a banned call or a long line.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
src=$(git ls-files 'server/*.c' 'server/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null)
[ -n "$src" ] || src=$(find server tests -name '*.[ch]')

banned=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[[:space:]]*\(' $src)
if [ -n "$banned" ]; then
	echo "lint: banned calls:"; echo "$banned"; status=1
fi
long=$(for f in $src; do expand -t 8 "$f" | awk -v f="$f" 'length > 80 { print f ":" NR ": " length " columns" }'; done)
if [ -n "$long" ]; then
	echo "lint: lines over 80 columns:"; echo "$long"; status=1
fi
if [ "${1:-}" = "--format" ] && command -v clang-format >/dev/null; then
	clang-format --dry-run $src 2>&1 | grep -c 'warning:' | \
		xargs -I{} echo "lint: clang-format would change {} places"
fi
[ "$status" -eq 0 ] && echo "lint: 2 passed, 0 failed"
exit "$status"
