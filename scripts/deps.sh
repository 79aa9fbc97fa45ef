#!/usr/bin/env bash
# Installs the Debian and npm packages Herald needs, when they are missing.
# Idempotent and quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(build-essential pkg-config libmicrohttpd-dev libpq-dev libcjson-dev
      libcurl4-openssl-dev libcriterion-dev libsodium-dev libcmark-gfm-dev
      libcmark-gfm-extensions-dev zlib1g-dev postgresql postgresql-contrib
      python3 python3-aiosmtpd python3-feedparser libxml2-utils prometheus
      chromium fonts-noto-color-emoji curl clang-format docker-compose
      locales pgbouncer)

missing=()
for p in "${DEBS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
		|| missing+=("$p")
done

# Node.js may come from another Debian-format package that bundles npm.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing Debian packages: ${missing[*]}" >&2
		echo "deps: run as root: apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# German locale for the feed tests (dates must stay English).
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf8$'; then
	if [ "$(id -u)" -eq 0 ]; then
		sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
		locale-gen >/dev/null 2>&1 || true
	fi
fi

for dir in widget admin tests/browser tests/segment; do
	[ -f "$dir/package.json" ] || continue
	if [ ! -d "$dir/node_modules" ] || \
	   [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		echo "deps: npm ci in $dir"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
done
