#!/usr/bin/env python3
"""Herald test receiver: an HTTP server standing in for Slack and webhook
endpoints.  Records every request (exact body bytes, headers, arrival time,
the status answered) as one JSON line in the record file, and answers as
told through POST /_control:

  {"path": "/slack", "script": [429, 429], "retry_after": "2",
   "status": 503, "status_for": 10, "delay": 0.5}

script: statuses for the next requests, in order; status + status_for:
answer that status for that many seconds from now; delay: seconds to wait
before answering each request; delays: the same for the next requests,
in order.  Anything else gets 200 "ok".
Prints "receiver ready port=N" once listening."""
import argparse
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
rules = {}
record = None


def decide(path):
    with lock:
        r = rules.get(path, {})
        delay = r.get("delay", 0)
        if r.get("delays"):
            delay = r["delays"].pop(0)
        status = 200
        if r.get("script"):
            status = r["script"].pop(0)
        elif r.get("status_until", 0) > time.time():
            status = r["status"]
        return status, delay, r.get("retry_after")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, retry_after=None):
        body = b"ok" if status < 300 else b"no"
        try:
            self.send_response(status)
            if status == 429 and retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (a timeout test)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.path == "/_control":
            c = json.loads(body)
            with lock:
                r = rules.setdefault(c["path"], {})
                for k in ("script", "retry_after", "status", "delay",
                          "delays"):
                    if k in c:
                        r[k] = c[k]
                if "status_for" in c:
                    r["status_until"] = time.time() + c["status_for"]
            self.reply(200)
            return
        arrived = time.time()
        status, delay, retry_after = decide(self.path)
        if delay:
            time.sleep(delay)
        entry = {
            "t": arrived,
            "path": self.path,
            "status": status,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_b64": base64.b64encode(body).decode(),
        }
        with lock:
            record.write(json.dumps(entry) + "\n")
            record.flush()
        self.reply(status, retry_after)


def main():
    global record
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    record = open(a.record, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print("receiver ready port=%d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
