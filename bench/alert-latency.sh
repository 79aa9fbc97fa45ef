#!/usr/bin/env bash
# Alert latency: time from a qualifying event (or, until the scorer and
# ingest are in the tree, from the qualification's insert) to the Slack
# message's arrival at a local receiver, over 100 qualifications; prints
# p50 and p99.  Standalone: starts its own PostgreSQL database, receiver
# and server, and cleans up.
#   bench/alert-latency.sh [count]        (ALERT_BENCH_MODE=event|insert)
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
"$py" - "$count" "$port" "$hook" "$ws" "$tmp/slack.jsonl" <<'PY'
import base64, json, os, statistics, subprocess, sys, time
import urllib.request

count, port, hook, ws, record = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
    json.loads(sys.argv[4]), sys.argv[5]
base = "http://127.0.0.1:%s" % port
CHANNELS = 10  # Slack allows one message a second per channel


def call(method, path, body=None, auth=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body else None)
    req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("Authorization", auth)
    with urllib.request.urlopen(req) as r:
        return r.status, r.read()


def psql(sql):
    return subprocess.run(["psql", os.environ["HERALD_DATABASE_URL"], "-Atq",
                           "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout


token = "Bearer " + ws["admin_token"]
for c in range(CHANNELS):
    call("POST", "/api/v1/destinations",
         {"name": "bench-%d" % c, "kind": "slack",
          "url": "%s/slack%d" % (hook, c), "tags": ["bench"]}, token)

mode = os.environ.get("ALERT_BENCH_MODE", "")
if not mode:
    try:
        call("GET", "/api/v1/scoring", auth=token)
        mode = "event"
    except Exception:
        mode = "insert"

sent = {}
if mode == "event":
    model = {"fit": {"criteria": []},
             "engagement": {"half_life_days": 14, "signals": []},
             "rules": [{"id": "bench", "name": "Bench", "subject": "person",
                        "when": {"count": {"event": "bench_ping",
                                           "within_days": 1, "gte": 1}},
                        "notify": ["bench"]}]}
    call("PUT", "/api/v1/scoring", model, token)
    basic = "Basic " + base64.b64encode(
        (ws["write_key"] + ":").encode()).decode()
    for i in range(count):
        uid = "bench-user-%d" % i
        call("POST", "/v1/identify", {"userId": uid,
                                      "traits": {"name": uid}}, basic)
        call("POST", "/v1/track", {"userId": uid, "event": "bench_ping"},
             basic)
        sent[uid] = time.time()  # the 2xx of the qualifying event
        time.sleep(1.0 / CHANNELS * 1.2)
else:
    pid = psql("INSERT INTO persons (workspace_id, external_id, name)"
               " VALUES (%d, 'bench', 'Bench Person') RETURNING id"
               % ws["id"]).strip()
    for i in range(count):
        rule = "bench-%d" % i
        t = psql("INSERT INTO qualifications (workspace_id, subject_type,"
                 " subject_id, rule_id, rule_name, model_version, score,"
                 " fit, engagement, notify) VALUES (%d, 'person', %s, '%s',"
                 " '%s', 1, 80, 50, 30, '{bench-%d}')"
                 " RETURNING extract(epoch FROM clock_timestamp())"
                 % (ws["id"], pid, rule, rule, i % CHANNELS))
        sent[rule] = float(t.strip())
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
print("alert-latency: mode=%s alerts=%d p50=%.1f ms p99=%.1f ms max=%.1f ms"
      % (mode, len(ms), p50, p99, ms[-1]))
PY
