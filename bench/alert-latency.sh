#!/usr/bin/env bash
# Alert latency: time from the 2xx of a qualifying widget event to the
# Slack message's arrival at a local receiver, over 100 qualifications spread
# over 10 Slack destinations (Slack takes one message a second per
# channel); prints p50 and p99.  Standalone: starts its own database,
# receiver and server, and cleans up.
#   bench/alert-latency.sh [count]
# Env: INGEST_RATE or INGEST_RESULTS (background load), ALERT_BENCH_WARMUP,
#      ALERT_BENCH_SCORED_LOAD (1: the model scores the load's events).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100}"
py=/usr/bin/python3

make -s bin/herald
scripts/pg.sh start >/dev/null
db="herald_bench_alerts_$$"
scripts/pg.sh createdb "$db" >/dev/null
export HERALD_DATABASE_URL="$(scripts/pg.sh url "$db")"
export HERALD_HOME="$PWD"
tmp="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	scripts/pg.sh dropdb "$db" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
bin/herald migrate >/dev/null 2>&1

# The receiver prints its port once listening.
mkfifo "$tmp/ready"
"$py" tests/tools/receiver.py --record "$tmp/slack.jsonl" >"$tmp/ready" &
pids+=($!)
read -r line <"$tmp/ready"
hook="http://127.0.0.1:${line##*port=}"

port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
HERALD_LISTEN="127.0.0.1:$port" HERALD_PUBLIC_URL="http://127.0.0.1:$port" \
	HERALD_LOG_LEVEL=warn bin/herald serve >"$tmp/herald.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done

ws="$(bin/herald workspace create --name 'Bench Alerts' --slug "bench-alerts-$$")"

cat >"$tmp/bench.py" <<'PY'
import base64, hashlib, hmac, json, os, statistics, subprocess, sys, time
import urllib.error
import urllib.request

count, port, hook, ws, record = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
    json.loads(sys.argv[4]), sys.argv[5]
phase, state = sys.argv[6], sys.argv[7]
base = "http://127.0.0.1:%s" % port
CHANNELS = 10  # Slack allows one message a second per channel


def call(method, path, body=None, auth=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body else None)
    req.add_header("Content-Type", "application/json")
    # The widget endpoint ignores robots; the bench stands for a browser.
    req.add_header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Bench")
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        sys.exit("alert-latency: %s %s: %d %s"
                 % (method, path, e.code, e.read().decode()))


def psql(sql):
    return subprocess.run(["psql", os.environ["HERALD_DATABASE_URL"], "-Atq",
                           "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(secret, claims):
    head = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), ("%s.%s" % (head, body)).encode(),
                   hashlib.sha256).digest()
    return "%s.%s.%s" % (head, body, b64url(mac))


token = "Bearer " + ws["admin_token"]
if phase == "setup":
    for c in range(CHANNELS):
        call("POST", "/api/v1/destinations",
             {"name": "bench-%d" % c, "kind": "slack",
              "url": "%s/slack%d" % (hook, c), "tags": ["bench"]}, token)
    # A release_viewed through the widget endpoint qualifies a person.
    # One rule per destination, chosen by a person trait, so that each
    # destination gets every tenth alert.  With ALERT_BENCH_SCORED_LOAD=1
    # (the default) the model also scores the background load's
    # feature_used events, so that every load event queues its person
    # for rescoring; with 0 the load is events the model ignores.
    signals = []
    if os.environ.get("ALERT_BENCH_SCORED_LOAD", "1") != "0":
        signals = [{"event": "feature_used", "points": 2, "cap_per_day": 10}]
    model = {"fit": {"criteria": []},
             "engagement": {"half_life_days": 14, "signals": signals},
             "rules": [{"id": "bench-%d" % c, "name": "Bench",
                        "subject": "person",
                        "when": {"all": [
                            {"count": {"event": "release_viewed",
                                       "within_days": 1, "gte": 1}},
                            {"trait": {"trait": "person.shard",
                                       "eq": "s%d" % c}}]},
                        "notify": ["bench-%d" % c]}
                       for c in range(CHANNELS)]}
    call("PUT", "/api/v1/scoring", model, token)
    rel = psql("INSERT INTO releases (workspace_id, slug, title, status,"
               " published_at) VALUES (%d, 'bench', 'Bench', 'published',"
               " now()) RETURNING id" % ws["id"]).strip()
    with open(state, "w") as f:
        json.dump({"release": rel, "scored_load": bool(signals)}, f)
    sys.exit(0)

setup = json.load(open(state))
sent = {}
for i in range(count):
    uid = "bench-user-%d" % i
    tok = jwt(ws["identity_secret"], {
        "sub": uid, "name": uid,
        "traits": {"shard": "s%d" % (i % CHANNELS)}})
    call("POST", "/api/v1/widget/%s/events" % ws["public_key"],
         {"token": tok, "sent_at": time.strftime(
             "%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
          "events": [{"id": "e%d" % i, "type": "release_viewed",
                      "release_id": setup["release"]}]})
    sent[uid] = time.time()  # the 2xx of the qualifying event
    time.sleep(1.0 / CHANNELS * 1.2)

deadline = time.time() + 60
lat = {}
while time.time() < deadline and len(lat) < count:
    time.sleep(0.2)
    with open(record) as f:
        for line in f:
            e = json.loads(line)
            body = base64.b64decode(e["body_b64"]).decode()
            text = json.loads(body)["text"]
            for key, t0 in sent.items():
                if key not in lat and (key + " " in text or
                                       text.endswith(key) or
                                       ": " + key + "," in text):
                    lat[key] = e["t"] - t0
ms = sorted(v * 1000 for v in lat.values())
if len(ms) < count:
    print("alert-latency: only %d of %d alerts arrived" % (len(ms), count))
    sys.exit(1)
p50 = statistics.median(ms)
p99 = ms[min(len(ms) - 1, int(round(0.99 * len(ms))) - 1)]
print("alert-latency: alerts=%d p50=%.1f ms p99=%.1f ms max=%.1f ms"
      " (load events %s by the model)"
      % (len(ms), p50, p99, ms[-1],
         "scored" if setup["scored_load"] else "ignored"))
PY

# Destinations, the scoring model and the release first: the load runs
# against a workspace that is set up, as in production.
"$py" "$tmp/bench.py" "$count" "$port" "$hook" "$ws" "$tmp/slack.jsonl" setup "$tmp/state.json"

# Ingest load in the background while alerts are measured: INGEST_RATE
# events/s, or half of the best Herald rate of the ingest benchmark named
# by INGEST_RESULTS (the kit's results.jsonl); none when neither is set.
rate="${INGEST_RATE:-}"
if [ -z "$rate" ] && [ -f "${INGEST_RESULTS:-}" ]; then
	rate="$("$py" -c 'import json,sys
best = max((json.loads(l)["events_per_s"] for l in open(sys.argv[1])
            if json.loads(l).get("label", "").startswith("herald")), default=0)
print(int(best / 2))' "$INGEST_RESULTS")"
fi
if [ -n "$rate" ] && [ "$rate" -gt 0 ]; then
	if ! command -v wrk >/dev/null; then
		[ "$(id -u)" -eq 0 ] || { echo "alert-latency: wrk missing (apt-get install wrk)" >&2; exit 1; }
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
	fi
	wk="$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["write_key"])' "$ws")"
	auth="Basic $(printf '%s:' "$wk" | base64 -w0)"
	conns="${ALERT_BENCH_CONNS:-128}"
	delay=$(( conns * 1000 * 20 / rate ))
	[ "$delay" -lt 1 ] && delay=1
	wrk -t2 -c"$conns" -d600s -s bench/segment-rate.lua \
		"http://127.0.0.1:$port/v1/batch" -- "$auth" "$delay" 20 \
		>"$tmp/wrk.log" 2>&1 &
	pids+=($!)
	load_pid=$!
	count0="$(psql "$HERALD_DATABASE_URL" -Atqc 'SELECT count(*) FROM events')"
	t0="$(date +%s.%N)"
	echo "alert-latency: background ingest at up to $rate events/s" \
	     "($conns connections, ${delay} ms apart, 20-event batches)"
	# ALERT_BENCH_WARMUP seconds of load before measuring (default 10):
	# the first scoring of each of the 5,000 load users happens then.
	sleep "${ALERT_BENCH_WARMUP:-10}"
fi
"$py" "$tmp/bench.py" "$count" "$port" "$hook" "$ws" "$tmp/slack.jsonl" measure "$tmp/state.json"
if [ -n "${load_pid:-}" ]; then
	count1="$(psql "$HERALD_DATABASE_URL" -Atqc 'SELECT count(*) FROM events')"
	t1="$(date +%s.%N)"
	"$py" -c 'import sys
n = int(sys.argv[2]) - int(sys.argv[1]); s = float(sys.argv[4]) - float(sys.argv[3])
print("alert-latency: background ingest persisted %d events in %.1f s = %.0f events/s" % (n, s, n / s))' \
		"$count0" "$count1" "$t0" "$t1"
fi
