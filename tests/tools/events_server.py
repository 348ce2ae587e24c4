#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""events_server.py: a stand-in for the receiver of scepd's events
webhook (src/enroll/events.h), for tests/integration/events.sh and
tests/unit/test_events.c.

Listens on 127.0.0.1 on a port the kernel picks and prints that port as
the first line of stdout.  The signature is checked as webhook_server.py
checks it (the same function: HMAC-SHA256 under --secret of
"<X-Scepd-Timestamp>.<body>", timestamp within 300 s).  Every POST is
appended to --record as one JSON line
  {"path", "sig_ok", "status" (our answer), "time" (Unix seconds, float),
   "event" and "event_id" (the X-Scepd-Event* headers), "body"}
before it is answered, so a test can read what was sent and when.

Answers by path:
  /ok      200 {} (401 if the signature is wrong)
  /flaky   500 to the first two POSTs of each event id, then 200
  /hang    never answers (holds the connection until scepd gives up)
Standard library only.  Exits by itself after --lifetime seconds.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webhook_server import signature_ok  # noqa: E402

FLAKY_FAILURES = 2


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def status_for(self, ok, event_id):
        if not ok:
            return 401
        if self.path == "/flaky":
            with self.server.lock:
                n = self.server.seen.get(event_id, 0)
                self.server.seen[event_id] = n + 1
            return 500 if n < FLAKY_FAILURES else 200
        if self.path == "/ok":
            return 200
        return 404

    def record(self, **kv):
        with self.server.lock:
            with open(self.server.record_path, "a") as f:
                f.write(json.dumps(kv) + "\n")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        ok = signature_ok(self.server.secret, self.headers, body)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        event_id = self.headers.get("X-Scepd-Event-Id", "")
        status = None if self.path == "/hang" else \
            self.status_for(ok, event_id)
        self.record(path=self.path, sig_ok=ok, status=status,
                    time=time.time(),
                    event=self.headers.get("X-Scepd-Event", ""),
                    event_id=event_id, body=parsed)
        if status is None:
            time.sleep(self.server.lifetime)
            return
        data = b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secret", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.secret = args.secret.encode()
    srv.record_path = args.record
    srv.lifetime = args.lifetime
    srv.lock = threading.Lock()
    srv.seen = {}
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    print(srv.server_address[1], flush=True)
    sys.stdout.close()
    srv.serve_forever()


if __name__ == "__main__":
    main()
