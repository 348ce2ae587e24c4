#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""intune_standin.py: a STAND-IN for Microsoft's services, for scepd's tests.

This is NOT Microsoft's service and talks to nothing outside loopback.  It
plays, on one HTTPS port on 127.0.0.1, the four parties of Intune's SCEP
validation as ../shared/docs/INTUNE.md describes the wire contract (read from
Microsoft's MIT-licensed reference client, microsoft/Intune-Resource-Access):

  POST /<tenant>/oauth2/v2.0/token            Entra ID, client credentials
  GET  /v1.0/servicePrincipals/appId=<intune app>/endpoints
                                              Microsoft Graph discovery
  POST /scep/ScepActions/{validateRequest,successNotification,failureNotification}
                                              the SCEP validation service
  POST /pki/CertificateAuthorityRequests/{downloadRevocationRequests,
                                          uploadRevocationResults}
                                              the PKI connector

Everything it receives is appended to DIR/records.jsonl (one JSON object per
request: method, path, headers with lower-case names, the raw body and the
token it carried), so that a test checks what scepd sent field by field.
What it answers is scripted by DIR/control.json, read at every request (write
it atomically: a temporary file, then mv):

  secret        the client secret Entra accepts (else 401 AADSTS7000215)
  token         "ok" (default) or an HTTP status for the token endpoint
  expires_in    seconds of life of the tokens handed out (default 3600)
  epoch         tokens handed out before the last change of this number are
                refused with 401 (a token "expiring" on Microsoft's side)
  discovery     "ok" (default), "403", "noscep" (no SCEP service listed)
  validate      "Success" (default), any Intune error code, "500", "hang"
  success       the same, for successNotification
  failure       the same, for failureNotification
  hang_seconds  how long "hang" waits before answering (default 5)
  queue         revocation requests: [{"requestContext", "serialNumber",
                "issuerName"}...]; each is handed out once, maxRequests at
                a time

It also runs a plain HTTP proxy on another loopback port (DIR/proxy_port)
that only tunnels CONNECT to its own HTTPS port and logs each CONNECT line
to DIR/proxy.log, for intune.proxy.

Usage: intune_standin.py DIR CERT.pem KEY.pem   (writes DIR/port when ready)
Python 3 standard library only.
"""
import base64
import http.server
import json
import os
import select
import socket
import ssl
import sys
import threading
import time
import urllib.parse

INTUNE_APP = "0000000a-0000-0000-c000-000000000000"
INTUNE_SCOPE = "https://api.manage.microsoft.com//.default"

DIR, CERT, KEY = sys.argv[1:4]
LOCK = threading.Lock()
TOKENS = {}          # token -> (kind, epoch, expires at)
DELIVERED = set()    # requestContexts of the queue handed out
COUNTER = [0]


def control():
    try:
        with open(os.path.join(DIR, "control.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def record(entry):
    with LOCK:
        with open(os.path.join(DIR, "records.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode("utf-8", "replace") if n else ""

    def bearer(self, kind):
        """The token this request carries is a live one of that kind?"""
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return False
        with LOCK:
            t = TOKENS.get(auth[7:])
        epoch = control().get("epoch", 0)
        return t is not None and t[0] == kind and t[1] == epoch and t[2] > time.time()

    def do_GET(self):
        self.handle_any("")

    def do_POST(self):
        self.handle_any(self.read_body())

    def handle_any(self, body):
        ctl = control()
        path = urllib.parse.urlsplit(self.path).path
        entry = {"method": self.command, "path": self.path, "body": body,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "time": time.time()}
        record(entry)
        if path.endswith("/oauth2/v2.0/token") and self.command == "POST":
            return self.token(ctl, path, body)
        if path == "/v1.0/servicePrincipals/appId=%s/endpoints" % INTUNE_APP:
            return self.discovery(ctl)
        if path.startswith("/scep/ScepActions/") and self.command == "POST":
            return self.scep(ctl, path.rsplit("/", 1)[1])
        if path.startswith("/pki/CertificateAuthorityRequests/"):
            return self.pki(ctl, path.rsplit("/", 1)[1], body)
        self.answer(404, {"error": {"code": "NotFound", "message": path}})

    def token(self, ctl, path, body):
        form = urllib.parse.parse_qs(body)
        get = lambda k: (form.get(k) or [""])[0]
        if ctl.get("token", "ok") != "ok":
            return self.answer(int(ctl["token"]), {"error": "temporarily_unavailable",
                               "error_description": "AADSTS50000: stand-in scripted failure"})
        if get("grant_type") != "client_credentials":
            return self.answer(400, {"error": "unsupported_grant_type",
                                     "error_description": "AADSTS70003: grant_type"})
        if get("client_secret") != ctl.get("secret", "") and not get("client_assertion"):
            return self.answer(401, {"error": "invalid_client",
                                     "error_description": "AADSTS7000215: Invalid client secret "
                                     "provided. Ensure the secret being sent in the request is "
                                     "the client secret value, not the client secret ID."})
        scope = get("scope")
        kind = "intune" if scope == INTUNE_SCOPE else "graph"
        life = int(ctl.get("expires_in", 3600))
        with LOCK:
            COUNTER[0] += 1
            tok = "standin-%s-%d-%s" % (kind, COUNTER[0],
                                       base64.urlsafe_b64encode(os.urandom(24)).decode())
            TOKENS[tok] = (kind, ctl.get("epoch", 0), time.time() + life)
        self.answer(200, {"token_type": "Bearer", "expires_in": life,
                          "ext_expires_in": life, "access_token": tok})

    def discovery(self, ctl):
        if not self.bearer("graph"):
            return self.answer(401, {"error": {"code": "InvalidAuthenticationToken",
                                               "message": "Access token has expired."}})
        mode = ctl.get("discovery", "ok")
        if mode == "403":
            return self.answer(403, {"error": {"code": "Authorization_RequestDenied",
                                               "message": "Insufficient privileges to "
                                               "complete the operation."}})
        base = "https://127.0.0.1:%d" % self.server.server_address[1]
        value = [{"providerName": "SomeOtherService", "uri": base + "/other"}]
        if mode != "noscep":
            value.append({"providerName": "ScepRequestValidationFEService",
                          "uri": base + "/scep/"})
            value.append({"providerName": "PkiConnectorFEService", "uri": base + "/pki"})
        self.answer(200, {"@odata.context": "stand-in", "value": value})

    def scripted(self, what):
        if what == "hang":
            time.sleep(float(control().get("hang_seconds", 5)))
            what = "Success"
        if what.isdigit():
            return self.answer(int(what), {"code": "InternalError",
                                           "errorDescription": "stand-in scripted failure"})
        desc = "" if what == "Success" else "stand-in says %s" % what
        self.answer(200, {"code": what, "errorDescription": desc})

    def scep(self, ctl, action):
        if not self.bearer("intune"):
            return self.answer(401, {"code": "Unauthorized", "errorDescription": "token"})
        key = {"validateRequest": "validate", "successNotification": "success",
               "failureNotification": "failure"}.get(action)
        if key is None:
            return self.answer(404, {"code": "NotFound"})
        self.scripted(ctl.get(key, "Success"))

    def pki(self, ctl, action, body):
        if not self.bearer("intune"):
            return self.answer(401, {"code": "Unauthorized", "errorDescription": "token"})
        try:
            req = json.loads(body)
        except ValueError:
            return self.answer(400, {"code": "BadRequest"})
        if action == "downloadRevocationRequests":
            n = int(req["downloadParameters"]["maxRequests"])
            out = []
            with LOCK:
                for r in ctl.get("queue", []):
                    if len(out) < n and r["requestContext"] not in DELIVERED:
                        DELIVERED.add(r["requestContext"])
                        out.append(dict(r, caConfiguration="scepd"))
            return self.answer(200, {"value": out})
        if action == "uploadRevocationResults":
            return self.answer(200, {"value": True})
        self.answer(404, {"code": "NotFound"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Proxy(http.server.BaseHTTPRequestHandler):
    """CONNECT to the stand-in's own port only; bytes both ways."""

    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        with LOCK:
            with open(os.path.join(DIR, "proxy.log"), "a") as f:
                f.write("CONNECT %s\n" % self.path)
        if self.path != "127.0.0.1:%d" % self.server.target:
            self.send_error(403)
            return
        up = socket.create_connection(("127.0.0.1", self.server.target))
        self.send_response(200, "Connection established")
        self.end_headers()
        socks = [self.connection, up]
        while True:
            r, _, _ = select.select(socks, [], [], 30)
            if not r:
                break
            for s in r:
                data = s.recv(65536)
                if not data:
                    up.close()
                    return
                (up if s is self.connection else self.connection).sendall(data)
        up.close()


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    proxy = Server(("127.0.0.1", 0), Proxy)
    proxy.target = srv.server_address[1]
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    for name, port in (("proxy_port", proxy.server_address[1]),
                       ("port", srv.server_address[1])):
        tmp = os.path.join(DIR, name + ".tmp")
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, os.path.join(DIR, name))
    srv.serve_forever()


if __name__ == "__main__":
    main()
