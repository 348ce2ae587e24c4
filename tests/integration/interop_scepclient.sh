#!/usr/bin/env bash
# tests/integration/interop_scepclient.sh: micromdm's scepclient (Debian package
# "scep", /usr/bin/scepclient) against a live scepd on loopback.
#
# scepclient 2.1.0 takes no algorithm options: it signs with SHA-1 and
# envelopes with single DES-CBC whatever GetCACaps says (go.mozilla.org/pkcs7
# defaults), and picks POST or GET from GetCACaps alone (POST when
# POSTPKIOperation or SCEPStandard is listed).
#
#   0. A strict scepd (the default) refuses it cleanly: a signed CertRep
#      FAILURE with failInfo badAlg, nothing issued.
#   1. A scepd made with `init --legacy`: POST with the right challenge gives
#      a certificate for the client's own key, chaining to DIR/ca.pem, listed
#      by `scepd cert list`.
#   2. Wrong challenge: FAILURE badRequest, scepclient exits non-zero, no
#      certificate; scepd keeps serving and issues nothing.
#   3. GET: the same client through a small loopback proxy that deletes
#      POSTPKIOperation and SCEPStandard from the GetCACaps answer, so
#      scepclient falls back to GET ?operation=PKIOperation&message=...;
#      everything else is passed through byte for byte.
#   4. The proxy records each pkiMessage, and the test prints the algorithms
#      scepclient really used ("# ..." lines).
source "$(dirname "$0")/lib.sh"

SCEPCLIENT=${SCEPCLIENT:-scepclient}
command -v "$SCEPCLIENT" >/dev/null || {
	echo "scepclient not found: install the Debian package 'scep' (scripts/deps.sh check)" >&2
	exit 1
}
PYTHON=${PYTHON:-python3}
PROXY_PID=

stop_proxy() {
	[ -n "$PROXY_PID" ] || return 0
	kill -TERM "$PROXY_PID" 2>/dev/null || true
	wait "$PROXY_PID" 2>/dev/null || true
	PROXY_PID=
}
trap 'rc=$?; set +e; stop_proxy; (exit $rc); cleanup' EXIT

# A recording HTTP proxy on 127.0.0.1 (ephemeral port). Mode "nopost" removes
# POSTPKIOperation and SCEPStandard from GetCACaps answers; "pass" changes nothing.
cat >"$T/proxy.py" <<'EOF'
import base64, http.server, itertools, sys, urllib.error, urllib.parse, urllib.request
upstream, mode, portfile, outdir = sys.argv[1:5]
seq = itertools.count()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def relay(self, body):
        n = next(seq)
        q = urllib.parse.urlsplit(self.path)
        args = urllib.parse.parse_qs(q.query)
        op = (args.get("operation") or ["-"])[0]
        with open(outdir + "/requests.log", "a") as f:
            f.write("%s %s\n" % (self.command, op))
        if op == "PKIOperation":
            try:  # for the record only; the request itself goes upstream untouched
                if self.command == "POST":
                    msg = body
                else:  # scepclient sends base64url (RFC 4648 section 5), no padding
                    m = (args.get("message") or [""])[0].replace(" ", "+")
                    m = m.replace("-", "+").replace("_", "/")
                    msg = base64.b64decode(m + "=" * (-len(m) % 4))
                with open("%s/msg%03d.der" % (outdir, n), "wb") as f:
                    f.write(msg)
            except Exception as e:
                sys.stderr.write("could not record message: %s\n" % e)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type",)}
        req = urllib.request.Request(upstream + self.path, data=body, method=self.command, headers=headers)
        try:
            resp = urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as e:
            resp = e
        data = resp.read()
        if op == "GetCACaps" and mode == "nopost":
            data = b"\n".join(l for l in data.splitlines() if l.strip().lower() not in (b"postpkioperation", b"scepstandard")) + b"\n"
        self.send_response(resp.status if hasattr(resp, "status") else resp.code)
        ctype = resp.headers.get("Content-Type")
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.relay(None)
    def do_POST(self):
        self.relay(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
EOF

# start_proxy MODE DIR: sets PROXY_URL (same path as $URL).
start_proxy() {
	local mode=$1 dir=$2 i
	mkdir -p "$dir"
	"$PYTHON" "$T/proxy.py" "http://127.0.0.1:$PORT" "$mode" "$dir/port" "$dir" 2>"$dir/proxy.err" &
	PROXY_PID=$!
	for i in $(seq 1 100); do
		if [ -s "$dir/port" ]; then
			PROXY_URL="http://127.0.0.1:$(cat "$dir/port")/scep"
			return 0
		fi
		kill -0 "$PROXY_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "proxy did not start" >&2
	cat "$dir/proxy.err" >&2
	return 1
}

# fuzz_record PROXYDIR CADIR: with SCEPD_FUZZ_RECORD=DIR, keep the
# pkiMessages the proxy recorded and the CA files that open them, for
# tests/fuzz/record.sh (the fuzzers' seeds).
fuzz_record() {
	[ -n "${SCEPD_FUZZ_RECORD:-}" ] || return 0
	local d=$SCEPD_FUZZ_RECORD/scepclient-$(basename "$1")
	mkdir -p "$d"
	cp "$1"/msg*.der "$2"/ca.pem "$2"/ca.key "$d/" 2>/dev/null || true
	"$SCEPCLIENT" -version >"$d/VERSION" 2>&1 || true
}

# algs FILE.der: "digest=... cipher=..." of a pkiMessage (signer digest, content cipher).
algs() {
	local f=$1 dig enc
	dig=$(openssl cms -cmsout -print -inform DER -in "$f" 2>/dev/null |
		awk '/digestAlgorithm:/ { getline; print $2; exit }')
	openssl cms -verify -noverify -inform DER -in "$f" -out "$f.env" 2>/dev/null || true
	enc=$(openssl cms -cmsout -print -inform DER -in "$f.env" 2>/dev/null |
		awk '/contentEncryptionAlgorithm:/ { getline; print $2; exit }')
	echo "digest=${dig:-?} cipher=${enc:-?}"
}

# enroll DIR URL CN CHALLENGE: run scepclient in DIR (it writes csr.pem and
# self.pem to its working directory); output in DIR/out, exit code in DIR/rc.
enroll() {
	local dir=$1 url=$2 cn=$3 challenge=$4 rc=0
	mkdir -p "$dir"
	(cd "$dir" && timeout 20 "$SCEPCLIENT" -server-url "$url" -challenge "$challenge" \
		-private-key key.pem -certificate cert.pem -cn "$cn" \
		-ca-fingerprint "$CA_FP") >"$dir/out" 2>&1 || rc=$?
	echo "$rc" >"$dir/rc"
}

# issued DIR CN: scepclient succeeded and its certificate is sound.
issued() {
	local dir=$1 cn=$2
	[ "$(cat "$dir/rc")" = 0 ] || { echo "scepclient exited $(cat "$dir/rc"):" >&2; cat "$dir/out" >&2; return 1; }
	[ -s "$dir/cert.pem" ] || { echo "no certificate written" >&2; return 1; }
	openssl verify -CAfile "$CADIR/ca.pem" "$dir/cert.pem" >/dev/null || return 1
	openssl x509 -in "$dir/cert.pem" -noout -subject -nameopt RFC2253 | grep "CN=$cn\(,\|$\)" >/dev/null ||
		{ echo "subject is not CN=$cn" >&2; return 1; }
	# the certificate is for the client's own key
	cmp -s <(openssl x509 -in "$dir/cert.pem" -noout -pubkey) \
		<(openssl pkey -in "$dir/key.pem" -pubout) || { echo "public key mismatch" >&2; return 1; }
}

# listed CN: `scepd cert list` has a line naming CN (whole word).
listed() { "$SCEPD" cert list -d "$CADIR" | grep -w -- "$1" >/dev/null; }

# refused_badalg DIR CN: scepclient got a signed CertRep FAILURE with failInfo
# badAlg (it verified scepd's signature to read that), exited non-zero, wrote
# no certificate, and scepd issued nothing for CN.
refused_badalg() {
	local dir=$1 cn=$2 rc
	rc=$(cat "$dir/rc")
	[ "$rc" != 0 ] && [ "$rc" != 124 ] && [ ! -s "$dir/cert.pem" ] &&
		grep -q "failInfo: badAlg" "$dir/out" && ! listed "$cn"
}

echo "# scepclient: $("$SCEPCLIENT" -version 2>&1 | head -n1)"

# --- 0. a strict scepd (the default) refuses scepclient's single DES ----------
CADIR=$T/strict
scepd_init "$CADIR"
scepd_start "$CADIR"
CA_FP=$(openssl x509 -in "$CADIR/ca.pem" -outform DER | sha256sum | cut -d' ' -f1)
start_proxy pass "$T/px-strict"
enroll "$T/strict-post" "$PROXY_URL" interop-scepclient-strict "${CHALLENGE:-s3cret}"
stop_proxy
fuzz_record "$T/px-strict" "$CADIR"
echo "# strict scepd: scepclient exit $(cat "$T/strict-post/rc"): $(tail -n1 "$T/strict-post/out")"
echo "# on the wire: $(algs "$(ls "$T"/px-strict/msg*.der | head -n1)")"
check "strict scepd: scepclient's single-DES PKCSReq gets a signed FAILURE badAlg, nothing issued" \
	refused_badalg "$T/strict-post" interop-scepclient-strict
scepd_stop

# --- a scepd made with --legacy (accepts single DES and MD5) -------------------
CADIR=$T/legacy
scepd_init "$CADIR" --legacy
scepd_start "$CADIR"
CA_FP=$(openssl x509 -in "$CADIR/ca.pem" -outform DER | sha256sum | cut -d' ' -f1)
echo "# legacy scepd at $URL, GetCACaps: $(curl -s "$URL?operation=GetCACaps" | tr '\n' ' ')"

# --- 1. POST, right challenge ------------------------------------------------
t0=$(date +%s%N)
enroll "$T/post" "$URL" interop-scepclient-post "${CHALLENGE:-s3cret}"
echo "# POST run: scepclient exit $(cat "$T/post/rc") after $((($(date +%s%N) - t0) / 1000000)) ms"
check "scepclient (POST) enrolls: exit 0, certificate verifies against ca.pem, own key" \
	issued "$T/post" interop-scepclient-post
check "scepd cert list shows the scepclient (POST) certificate" listed interop-scepclient-post

# --- 2. wrong challenge --------------------------------------------------------
enroll "$T/wrong" "$URL" interop-scepclient-wrong "not-the-challenge"
echo "# wrong challenge: scepclient exit $(cat "$T/wrong/rc"): $(tail -n1 "$T/wrong/out")"
wrong_refused() {
	[ "$(cat "$T/wrong/rc")" != 0 ] && [ "$(cat "$T/wrong/rc")" != 124 ] &&
		[ ! -s "$T/wrong/cert.pem" ] && grep -q "failInfo: badRequest" "$T/wrong/out"
}
check "wrong challenge: scepclient gets FAILURE badRequest, writes no certificate" wrong_refused
check "wrong challenge: scepd still running" kill -0 "$SCEPD_PID"
check "wrong challenge: nothing issued" eval '! listed interop-scepclient-wrong'

# --- 3. GET, through a proxy hiding POSTPKIOperation and SCEPStandard -------
# (scepclient then sends the message in base64url, RFC 4648 section 5, without
# padding: micromdm/scep issue 249. Its own scepserver refuses that; scepd
# must accept it.)
start_proxy nopost "$T/px-get"
enroll "$T/get" "$PROXY_URL" interop-scepclient-get "${CHALLENGE:-s3cret}"
stop_proxy
fuzz_record "$T/px-get" "$CADIR"
echo "# GET run: scepclient exit $(cat "$T/get/rc"): $(tail -n1 "$T/get/out")"
check "without POSTPKIOperation, scepclient sends PKIOperation as GET" \
	grep -qx "GET PKIOperation" "$T/px-get/requests.log"
check "scepclient (GET) enrolls: exit 0, certificate verifies against ca.pem, own key" \
	issued "$T/get" interop-scepclient-get
check "scepd cert list shows the scepclient (GET) certificate" listed interop-scepclient-get

# --- 4. what went over the wire (the POST run again, through a pass-through proxy)
start_proxy pass "$T/px-post"
enroll "$T/post2" "$PROXY_URL" interop-scepclient-post2 "${CHALLENGE:-s3cret}"
stop_proxy
fuzz_record "$T/px-post" "$CADIR"
check "scepclient sends PKIOperation as POST when scepd advertises POSTPKIOperation" \
	grep -qx "POST PKIOperation" "$T/px-post/requests.log"
check "scepclient (POST, through the proxy) enrolls" issued "$T/post2" interop-scepclient-post2
for f in "$T"/px-post/msg*.der "$T"/px-get/msg*.der; do
	if [ -f "$f" ]; then
		echo "# on the wire ($(basename "$(dirname "$f")")): $(algs "$f")"
	fi
done
echo "# requests seen by the proxies: $(sort "$T"/px-*/requests.log | uniq -c | tr -s ' \n' ' ')"
grep -i "pkioperation" "$T/scepd.log" 2>/dev/null | tail -n 5 | sed 's/^/# scepd: /' || true

finish
