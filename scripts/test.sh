#!/usr/bin/env bash
# Runs every test: unit and integration (normal and sanitizer builds), then
# the browser tests, against a fresh database on the private PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
top="$(pwd)"

# Start the private cluster unless it runs already; stop it at the end if
# this run started it.
started_pg=0
if ! scripts/pg.sh status >/dev/null 2>&1; then
	scripts/pg.sh start
	started_pg=1
fi
db="herald_test_$(date +%s)_$$"
scripts/pg.sh createdb "$db"
export HERALD_DATABASE_URL="$(scripts/pg.sh url "$db")"
export HERALD_TEST_TMP="$top/tmp/test-$db"
export HERALD_HOME="$top"
export HERALD_LOG_LEVEL="${HERALD_LOG_LEVEL:-info}"
mkdir -p "$HERALD_TEST_TMP" artifacts
cleanup() {
	scripts/pg.sh dropdb "$db" >/dev/null 2>&1 || true
	[ "$started_pg" -eq 1 ] && scripts/pg.sh stop
	return 0
}
trap cleanup EXIT

bin/herald migrate
jobs="${TEST_JOBS:-4}"
status=0

step() { printf '\n==> %s\n' "$*"; }

step "unit tests"
make -s bin/test-unit
bin/test-unit --jobs "$jobs" || status=1

step "integration tests"
make -s bin/test-integration
HERALD_BIN=bin/herald bin/test-integration --jobs "$jobs" || status=1

step "unit and integration tests under AddressSanitizer and UBSan"
san="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer"
make -s CI= BUILD=build/asan BIN=bin/asan OPT="$san" \
	bin/asan/herald bin/asan/test-unit bin/asan/test-integration
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:handle_abort=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
bin/asan/test-unit --jobs "$jobs" || status=1
rm -f "$HERALD_TEST_TMP"/herald-*.log
HERALD_BIN=bin/asan/herald bin/asan/test-integration --jobs "$jobs" || status=1
if grep -l -E 'AddressSanitizer|runtime error:|LeakSanitizer' \
	"$HERALD_TEST_TMP"/herald-*.log 2>/dev/null; then
	echo "sanitizer reports in the server logs above" >&2
	grep -h -A20 -E 'AddressSanitizer|runtime error:' \
		"$HERALD_TEST_TMP"/herald-*.log | head -60 >&2
	status=1
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

if [ -f tests/browser/package.json ]; then
	step "browser tests (headless Chromium)"
	(cd tests/browser && node --test --test-concurrency=1 *.test.mjs) || status=1
fi

for t in tests/scripts/*.sh; do
	[ -f "$t" ] || continue
	step "$t"
	bash "$t" || status=1
done

if [ "$status" -ne 0 ]; then
	echo "some tests failed" >&2
fi
exit "$status"
