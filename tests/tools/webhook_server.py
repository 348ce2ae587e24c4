#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""webhook_server.py: a stand-in for the service that scepd's "webhook"
challenge mode asks (src/webhook.h), for tests/unit/test_webhook.c.

Listens on 127.0.0.1 on a port the kernel picks and prints that port as
the first line of stdout.  Every POST must carry a valid signature:
X-Scepd-Signature is "sha256=" and the hex HMAC-SHA256 of
"<X-Scepd-Timestamp>.<body>" under --secret, and the timestamp must be
within 300 s of our clock (the replay window); otherwise the answer is
401.  Every POST, signed or not, is first appended to --record as one
JSON line {"path", "sig_ok", "body"}, so the test can read what was sent.

POST /notify answers 200 {}.  POST /check answers by the subject's CN:
  allow     {"allow": true}
  deny      {"allow": false, "reason": "not on the list"}
  denybare  {"allow": false}
  slow      sleeps 3 s, then allows (the client should have given up)
  fail      500
  garbage   200 with a body that is not JSON
  noallow   {"reason": "x"}
  strallow  {"allow": "true"}
  big       200 with 100 KiB of JSON
  bigstream the same without Content-Length, ended by closing
  redirect  302 to /redirected
Standard library only.  Exits by itself after --lifetime seconds.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW = 300

ANSWERS = {
    "allow": (200, {"allow": True}),
    "deny": (200, {"allow": False, "reason": "not on the list"}),
    "denybare": (200, {"allow": False}),
    "slow": (200, {"allow": True}),
    "fail": (500, {"error": "internal"}),
    "noallow": (200, {"reason": "x"}),
    "strallow": (200, {"allow": "true"}),
}


def signature_ok(secret, headers, body):
    ts = headers.get("X-Scepd-Timestamp", "")
    sig = headers.get("X-Scepd-Signature", "")
    if not re.fullmatch(r"[0-9]+", ts) or not sig.startswith("sha256="):
        return False
    if abs(time.time() - int(ts)) > REPLAY_WINDOW:
        return False
    want = hmac.new(secret, ts.encode() + b"." + body,
                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, sig[len("sha256="):])


def cn_of(subject):
    m = re.search(r"(?:^|,)CN=([^,]*)", subject or "")
    return m.group(1) if m else ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass        # the client gave up: a timeout or a ceiling

    def record(self, sig_ok, body):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        line = json.dumps({"path": self.path, "sig_ok": sig_ok,
                           "body": parsed})
        with self.server.lock:
            with open(self.server.record_path, "a") as f:
                f.write(line + "\n")

    def send(self, status, payload, headers=()):
        data = payload if isinstance(payload, bytes) else \
            json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        ok = signature_ok(self.server.secret, self.headers, body)
        self.record(ok, body)
        if not ok:
            self.send(401, {"error": "bad signature"})
        elif self.path == "/notify":
            self.send(200, {})
        else:
            self.answer(json.loads(body))

    def answer(self, req):
        cn = cn_of(req.get("subject"))
        if cn == "slow":
            time.sleep(3)
        if cn == "garbage":
            self.send(200, b"this is not json")
        elif cn == "big":
            self.send(200, {"allow": True, "pad": "x" * (100 * 1024)})
        elif cn == "bigstream":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for _ in range(100):
                self.wfile.write(b" " * 1024)
        elif cn == "redirect":
            self.send(302, {}, [("Location", "/redirected")])
        elif cn in ANSWERS:
            self.send(*ANSWERS[cn])
        else:
            self.send(404, {"error": "unknown CN " + cn})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secret", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--lifetime", type=float, default=60)
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.secret = args.secret.encode()
    srv.record_path = args.record
    srv.lock = threading.Lock()
    # Never outlive a test that forgot us.
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    print(srv.server_address[1], flush=True)
    sys.stdout.close()
    srv.serve_forever()


if __name__ == "__main__":
    main()
