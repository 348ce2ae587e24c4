#!/usr/bin/env bash
# tests/integration/interop_strongswan.sh: strongSwan's `pki --scep` and
# `pki --scepca` (Debian packages strongswan-pki and
# libstrongswan-extra-plugins, whose curl plugin does the HTTP) against a live
# scepd on loopback. Every request goes through a small recording proxy, and
# the test prints what strongSwan really sent ("# ..." lines).
#
# What strongSwan 5.9.8 (Debian 12) does on the wire, as this test sees it:
#   - GetCACert (pki --scepca), then GetCACaps before every enrollment;
#   - PKIOperation always as a POST: 5.9.8 to 5.9.10 test GetCACaps bits off by
#     one (strongSwan issue 1607, fixed in 5.9.11): "POST" is taken as offered
#     when AES, DES3, SHA-256 or SHA-384 is, and every cipher it can use needs
#     one of those, so GET cannot be had from it against any useful server;
#   - the same bug makes it refuse its default cipher, AES, unless GetCACaps
#     lists SHA-384 (its bit stands where the code tests SCEPStandard): this is
#     why scepd advertises SHA-384 (README, docs/conformance.md);
#   - --cipher aes (AES-128-CBC) or des3, --digest sha1/sha224/sha256/sha384/
#     sha512 for the pkiMessage, the CSR and the self-signed signer alike;
#   - --rsa-padding pss: RSASSA-PSS for all three signatures; but 5.9.8 (before
#     5.9.11) verifies only rsaEncryption SignerInfos ("only RSA digest
#     encryption supported"), so a PSS CertRep fails it: scepd signs CertReps
#     PKCS#1 v1.5 unless algorithms.pss_replies (part 5 shows the failure);
#   - key transport always RSAES-PKCS1-v1_5 (strongSwan has no OAEP option);
#   - transactionID: hex SHA-1 of the public key (the same for a resent key);
#   - renewal: --cert/--key of the old certificate sign a RenewalReq (17), or
#     a PKCSReq with pki.scep.renewal_via_pkcs_req = yes (strongswan.conf);
#   - PENDING: it polls with CertPoll (20) every --interval seconds;
#   - a FAILURE: prints failInfo and exits 1; it reads an empty eContent
#     (scepd's default) and an absent one (compat.failure_content = false).
#
#   1. every cipher x digest strongSwan allows enrolls, PKCS#1 v1.5 and PSS;
#   2. renewal with --cert/--key (RenewalReq, and PKCSReq by setting);
#   3. refused: a wrong challenge (FAILURE badRequest, both eContent forms),
#      nothing issued;
#   4. manual approval: PENDING, CertPoll until `scepd request approve`;
#   5. algorithms.pss_replies = true: the CertRep to a PSS request is PSS, and
#      strongSwan 5.9.8 cannot verify it (why the option is off by default).
source "$(dirname "$0")/lib.sh"

PKI=${PKI:-pki}
command -v "$PKI" >/dev/null || {
	echo "pki not found: install the Debian packages 'strongswan-pki' and" \
		"'libstrongswan-extra-plugins' (scripts/deps.sh check)" >&2
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

# strongSwan's settings for this test only (not /etc/strongswan.conf).
export STRONGSWAN_CONF=$T/strongswan.conf
printf 'pki {\n  scep {\n    http_timeout = 10s\n  }\n}\n' >"$STRONGSWAN_CONF"

# A recording proxy: relays every request to scepd unchanged, and saves each
# PKIOperation body (POST) or message= (GET) as $T/wire/N.der with its method.
mkdir -p "$T/wire"
cat >"$T/proxy.py" <<'EOF'
import base64, http.server, itertools, sys, urllib.error, urllib.parse, urllib.request
upstream, portfile, outdir = sys.argv[1:4]
seq = itertools.count()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def relay(self, body):
        q = urllib.parse.urlsplit(self.path)
        args = urllib.parse.parse_qs(q.query)
        op = (args.get("operation") or ["-"])[0]
        if op == "PKIOperation":
            n = next(seq)
            msg = body if self.command == "POST" else base64.b64decode(args["message"][0] + "==")
            open("%s/%d.der" % (outdir, n), "wb").write(msg)
            open("%s/%d.method" % (outdir, n), "w").write(self.command)
        with open(outdir + "/ops.log", "a") as f:
            f.write("%s %s\n" % (self.command, op))
        req = urllib.request.Request(upstream + self.path, data=body, method=self.command)
        for k in ("Content-Type",):
            if self.headers.get(k):
                req.add_header(k, self.headers[k])
        try:
            r = urllib.request.urlopen(req, timeout=20)
            code, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            code, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
        if op == "PKIOperation":
            open("%s/%d.rep" % (outdir, n), "wb").write(data)
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.relay(None)
    def do_POST(self):
        self.relay(self.rfile.read(int(self.headers.get("Content-Length", 0))))
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile, "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
start_proxy() {
	rm -f "$T/proxy.port"
	"$PYTHON" "$T/proxy.py" "http://127.0.0.1:$PORT" "$T/proxy.port" "$T/wire" &
	PROXY_PID=$!
	local i
	for i in $(seq 1 50); do
		[ -s "$T/proxy.port" ] && { PURL="http://127.0.0.1:$(cat "$T/proxy.port")/scep"; return 0; }
		sleep 0.1
	done
	echo "proxy did not start" >&2
	return 1
}

# pki ARGS...: strongSwan's pki, its plugin-loading chatter filtered from stderr.
spki() {
	"$PKI" "$@" 2> >(grep -v -e '^plugin ' -e '^TPM 2.0' >>"$T/pki.err")
}

# last_wire: the newest recorded pkiMessage. wire_desc FILE: what it holds.
last_wire() { ls -1 "$T/wire"/*.der 2>/dev/null | sort -V | tail -n1; }
wire_desc() {
	local f=$1 p
	p=$(openssl cms -cmsout -print -inform DER -in "$f" 2>/dev/null)
	local dig sig typ
	dig=$(echo "$p" | awk '/digestAlgorithm:/ { getline; print $2; exit }')
	sig=$(echo "$p" | awk '/signatureAlgorithm:/ { getline; print $2; exit }')
	typ=$(echo "$p" | awk '/\(2\.16\.840\.1\.113733\.1\.9\.2\)/ { f = 1 }
		f && /PRINTABLESTRING:/ { sub(/.*PRINTABLESTRING:/, ""); print; exit }')
	openssl cms -verify -noverify -inform DER -in "$f" -out "$f.env" 2>/dev/null || true
	local enc kt
	enc=$(openssl cms -cmsout -print -inform DER -in "$f.env" 2>/dev/null |
		awk '/contentEncryptionAlgorithm:/ { getline; print $2; exit }')
	kt=$(openssl cms -cmsout -print -inform DER -in "$f.env" 2>/dev/null |
		awk '/keyEncryptionAlgorithm:/ { getline; print $2; exit }')
	local rsig
	rsig=$(openssl cms -cmsout -print -inform DER -in "${f%.der}.rep" 2>/dev/null |
		awk '/signatureAlgorithm:/ { getline; print $2; exit }')
	echo "$(cat "${f%.der}.method") messageType=${typ:-?} digest=${dig:-?} signature=${sig:-?}" \
		"cipher=${enc:-?} keytransport=${kt:-?}; CertRep signature=${rsig:-?}"
}

# enroll NAME CN [pki --scep options]: enroll key NAME.key for CN, the
# certificate to NAME.pem; 0 when pki says so.
enroll() {
	local name=$1 cn=$2
	shift 2
	[ -s "$T/$name.key" ] || "$PKI" --gen --type rsa --size 2048 --outform pem \
		>"$T/$name.key" 2>/dev/null
	spki --scep --url "$PURL" --in "$T/$name.key" --dn "CN=$cn" \
		--cacert-enc "$CA" --cacert-sig "$CA" --outform pem "$@" >"$T/$name.pem"
}

# issued NAME CN: NAME.pem verifies against the CA, names CN, over NAME.key.
issued() {
	openssl verify -CAfile "$CA" "$T/$1.pem" >/dev/null || return 1
	openssl x509 -in "$T/$1.pem" -noout -subject -nameopt RFC2253 | grep -q "CN=$2\(,\|$\)" || return 1
	cmp -s <(openssl x509 -in "$T/$1.pem" -noout -pubkey) <(openssl pkey -in "$T/$1.key" -pubout)
}
listed() { "$SCEPD" cert list -d "$D" | grep -w -- "$1" >/dev/null; }

D=$T/d
scepd_init "$D"
scepd_start "$D"
start_proxy
CA=$T/ca.pem
CHAL=${CHALLENGE:-s3cret}
echo "# $("$PKI" --help 2>&1 | grep -m1 'strongSwan'), scepd at $URL via proxy $PURL"

# --- GetCACert ---------------------------------------------------------------------
check "pki --scepca: fetches the CA certificate, the one of DIR/ca.pem" \
	eval 'spki --scepca --url "$PURL" --caout "$CA" --outform pem --force >/dev/null &&
		cmp -s <(openssl x509 -in "$CA" -outform DER) <(openssl x509 -in "$D/ca.pem" -outform DER)'

# --- 1. every cipher x digest, PKCS#1 v1.5 and PSS --------------------------------------
for pad in pkcs1 pss; do
	for c in aes des3; do
		for d in sha1 sha224 sha256 sha384 sha512; do
			n=ss-$pad-$c-$d
			enroll "$n" "interop-$n" --password "$CHAL" --cipher "$c" --digest "$d" --rsa-padding "$pad" || true
			echo "# $n: $(wire_desc "$(last_wire)")"
			check "pki --scep --cipher $c --digest $d --rsa-padding $pad: certificate, verifies, own key" \
				issued "$n" "interop-$n"
		done
	done
done
wire_is() { # wire_is NAME REGEX: the last pkiMessage's description matches
	wire_desc "$(last_wire)" | grep -Eq "$1"
}
enroll ss-pss-check interop-ss-pss-check --password "$CHAL" --rsa-padding pss --digest sha384 || true
check "a PSS request is PSS-signed on the wire (rsassaPss, sha384); the CertRep is PKCS#1 v1.5 (default), which strongSwan verifies" \
	eval 'wire_is "digest=sha384 signature=rsassaPss .*CertRep signature=rsaEncryption" &&
		issued ss-pss-check interop-ss-pss-check'
check "every strongSwan PKIOperation was a POST" eval '! grep -q "^GET PKIOperation" "$T/wire/ops.log"'

# --- 2. renewal ----------------------------------------------------------------------------
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
renew_ok() { # renew_ok OLD NEW CN: a new certificate, renewed-from OLD's serial
	local from
	issued "$2" "$3" || return 1
	[ "$(serial "$T/$1.pem")" != "$(serial "$T/$2.pem")" ] || return 1
	from=$("$SCEPD" cert list -d "$D" | awk -F'\t' -v s="$(serial "$T/$2.pem")" 'toupper($1) == toupper(s) { print $5 }')
	[ "${from^^}" = "$(serial "$T/$1.pem")" ] ||
		{ echo "renewed-from \"$from\", want $(serial "$T/$1.pem")" >&2; return 1; }
}
enroll ss-ren0 interop-ss-ren --password "$CHAL"
enroll ss-ren1 interop-ss-ren --cert "$T/ss-ren0.pem" --key "$T/ss-ren0.key" || true
echo "# renewal (new key): $(wire_desc "$(last_wire)")"
check "pki --scep --cert OLD --key OLDKEY (new key, no challenge): RenewalReq, a new certificate renewed-from the old" \
	eval 'wire_is "messageType=17" && renew_ok ss-ren0 ss-ren1 interop-ss-ren'
cp "$T/ss-ren1.key" "$T/ss-ren2.key"
enroll ss-ren2 interop-ss-ren --cert "$T/ss-ren1.pem" --key "$T/ss-ren1.key" --digest sha512 --rsa-padding pss || true
echo "# renewal (same key, PSS): $(wire_desc "$(last_wire)")"
check "renewal over the same key, signed PSS/sha512 by the old certificate: a new certificate" \
	renew_ok ss-ren1 ss-ren2 interop-ss-ren
printf 'pki {\n  scep {\n    renewal_via_pkcs_req = yes\n  }\n}\n' >"$STRONGSWAN_CONF"
enroll ss-ren3 interop-ss-ren --cert "$T/ss-ren2.pem" --key "$T/ss-ren2.key" || true
echo "# renewal_via_pkcs_req: $(wire_desc "$(last_wire)")"
check "pki.scep.renewal_via_pkcs_req = yes: a PKCSReq signed by the old certificate is a renewal too" \
	eval 'wire_is "messageType=19" && renew_ok ss-ren2 ss-ren3 interop-ss-ren'
printf 'pki {\n}\n' >"$STRONGSWAN_CONF"

# --- 3. refused ------------------------------------------------------------------------------
refused() { # refused NAME CN: pki failed with failInfo badRequest, nothing issued
	local rc=0
	: >"$T/pki.err"
	enroll "$1" "$2" --password not-the-challenge || rc=$?
	echo "# $1: exit $rc; $(grep -m1 failInfo "$T/pki.err")"
	[ "$rc" -ne 0 ] && grep -q "failInfo: *badRequest" "$T/pki.err" && [ ! -s "$T/$1.pem" ] && ! listed "$2"
}
check "wrong challenge (empty eContent, the default): pki reads the FAILURE, failInfo badRequest, exit 1, nothing issued" \
	refused ss-wrong interop-ss-wrong
scepd_stop
cp "$D/scepd.conf" "$D/scepd.conf.orig"
echo 'compat: { failure_content = false; };' >>"$D/scepd.conf"
scepd_start "$D" --listen "127.0.0.1:$PORT"
check "wrong challenge with compat.failure_content = false (eContent absent): the same" \
	refused ss-wrong2 interop-ss-wrong2

# --- 4. manual approval: PENDING, then CertPoll ------------------------------------------------
scepd_stop
cp "$D/scepd.conf.orig" "$D/scepd.conf"
echo 'approval: { manual = true; };' >>"$D/scepd.conf"
scepd_start "$D" --listen "127.0.0.1:$PORT"
enroll ss-pend interop-ss-pend --password "$CHAL" --interval 1 --maxpolltime 20 &
PEND_PID=$!
id=
for i in $(seq 1 50); do
	id=$("$SCEPD" request list -d "$D" | awk -F'\t' 'index($3, "CN=interop-ss-pend") && $4 == "pending" { print $1 }')
	[ -n "$id" ] && break
	sleep 0.2
done
check "PENDING: the request waits in scepd request list" test -n "$id"
sleep 1.5
"$SCEPD" request approve "$id" -d "$D" >/dev/null || true
rc=0
wait "$PEND_PID" || rc=$?
echo "# after approval: pki exit $rc; last message: $(wire_desc "$(last_wire)")"
check "strongSwan polls (CertPoll) and saves the approved certificate" \
	eval '[ "$rc" = 0 ] && wire_is "messageType=20" && issued ss-pend interop-ss-pend'

# --- 5. algorithms.pss_replies = true ------------------------------------------------------
scepd_stop
cp "$D/scepd.conf.orig" "$D/scepd.conf"
sed -i 's/^\( *legacy = false;\)/\1 pss_replies = true;/' "$D/scepd.conf"   # in the algorithms group
scepd_start "$D" --listen "127.0.0.1:$PORT"
: >"$T/pki.err"
rc=0
enroll ss-pssr interop-ss-pssr --password "$CHAL" --rsa-padding pss || rc=$?
echo "# pss_replies: pki exit $rc; $(wire_desc "$(last_wire)"); $(grep -m1 -e 'only RSA' -e 'unable to verify' "$T/pki.err")"
pss_reply_seen() {
	wire_is "signature=rsassaPss .*CertRep signature=rsassaPss" || return 1
	if printf '%s\n' "$("$PKI" --help 2>&1 | grep -o 'strongSwan [0-9.]*' | head -n1 | cut -d' ' -f2)" 5.9.11 |
		sort -V -C; then
		[ "$rc" -ne 0 ] && grep -q "only RSA digest encryption supported" "$T/pki.err"
	else
		[ "$rc" -eq 0 ] && issued ss-pssr interop-ss-pssr
	fi
}
check "pss_replies: the CertRep is PSS; strongSwan < 5.9.11 cannot verify it (newer ones save the certificate)" \
	pss_reply_seen
check "scepd still running" kill -0 "$SCEPD_PID"
finish
