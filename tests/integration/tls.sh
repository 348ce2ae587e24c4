#!/usr/bin/env bash
# tests/integration/tls.sh: HTTPS on the admin listener and on the SCEP
# listener (issue #11 items 1 and 2), with curl, openssl s_client and a
# Python keep-alive client.
#
#   1. scepd init makes the admin certificate (ECDSA P-256, SAN localhost,
#      127.0.0.1, ::1, key 0600) and prints its URL, path and SHA-256.
#   2. TLS 1.2 and 1.3 handshake; TLS 1.1 is refused (even by a client
#      allowed every old cipher).
#   3. SIGHUP with a new certificate: a new connection sees its fingerprint,
#      a keep-alive connection opened before keeps working on the old one.
#   4. admin.client_certs: the handshake asks for a certificate; one from an
#      unknown CA, expired, is accepted (the handshake never fails on it),
#      its SHA-256 reaches the API's authentication, which says 401 while
#      no token is bound to it; no certificate at all works too.
#   5. The API's 401s: no token, a bad token (WWW-Authenticate: Bearer);
#      refused tokens from one address are slowed down (429), and no token
#      appears in the log.
#   6. A non-loopback --admin-listen without TLS is refused with a message.
#   7. The SCEP listener over HTTPS (http.tls_cert): GetCACaps, /healthz.
source "$(dirname "$0")/lib.sh"

D=$T/d
scepd_init "$D"
AFP=$(openssl x509 -in "$D/admin-tls.pem" -noout -fingerprint -sha256 | cut -d= -f2)

# --- 1. the certificate scepd init made ----------------------------------
init_cert() {
	grep -q "^Admin URL: *https://127.0.0.1:8443/$" "$T/init.out" &&
		grep -q "^Admin TLS cert: .*admin-tls.pem$" "$T/init.out" &&
		grep -q "^Admin SHA-256: *$AFP$" "$T/init.out" &&
		[ "$(stat -c %a "$D/admin-tls.key")" = 600 ] &&
		openssl x509 -in "$D/admin-tls.pem" -noout -text >"$T/acert.txt" &&
		grep -q "ASN1 OID: prime256v1" "$T/acert.txt" &&
		grep -q "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" "$T/acert.txt"
}
check "init: admin certificate ECDSA P-256 for localhost/127.0.0.1/::1, key 0600, URL and SHA-256 printed" init_cert

sed -i 's/client_certs = false;/client_certs = true;/' "$D/scepd.conf"
# A refused address waits long enough for the 429 to be seen on a busy machine.
echo 'auth: { delay = 60; };' >>"$D/scepd.conf"
scepd_start "$D" -v
APORT=$(cat "$T/aport")
AURL="https://127.0.0.1:$APORT"

# fingerprint [s_client options...]: SHA-256 of the certificate served now.
fingerprint() {
	echo | timeout 5 openssl s_client -connect "127.0.0.1:$APORT" "$@" 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 | cut -d= -f2
}
# proto VERSION: the protocol s_client negotiated with -VERSION, or nothing.
proto() {
	echo | timeout 5 openssl s_client -connect "127.0.0.1:$APORT" "-$1" \
	    -cipher 'DEFAULT:@SECLEVEL=0' 2>/dev/null |
		sed -n 's/^New, \(TLSv1\.[0-9]\), Cipher is [A-Z].*/\1/p' | head -n1
}

# --- 2. versions --------------------------------------------------------
check "TLS 1.3 handshake" test "$(proto tls1_3)" = TLSv1.3
check "TLS 1.2 handshake" test "$(proto tls1_2)" = TLSv1.2
tls11_refused() {
	[ -z "$(proto tls1_1)" ]
}
check "TLS 1.1 refused" tls11_refused
check "curl: /healthz over HTTPS, certificate pinned by its CA file" \
	test "$(curl -s --cacert "$D/admin-tls.pem" "https://localhost:$APORT/healthz" \
	    --resolve "localhost:$APORT:127.0.0.1")" = ok
check "the served certificate is init's" test "$(fingerprint)" = "$AFP"

# --- 3. reload on SIGHUP, keep-alive connection kept ----------------------
cat >"$T/keepalive.py" <<'EOF'
import http.client, ssl, sys, time
port, go, done = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx)
c.request("GET", "/healthz"); r = c.getresponse(); a = r.read()
open(go, "w").write("1")
for i in range(100):
    try:
        open(done).close()
        break
    except OSError:
        time.sleep(0.05)
c.request("GET", "/healthz"); r = c.getresponse(); b = r.read()
print(r.status, a.decode().strip(), b.decode().strip())
EOF
python3 "$T/keepalive.py" "$APORT" "$T/ka.go" "$T/ka.done" >"$T/ka.out" 2>&1 &
KA=$!
for i in $(seq 1 50); do [ -e "$T/ka.go" ] && break; sleep 0.1; done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/new.key" -out "$T/new.pem" -subj /CN=localhost -days 2 \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
chmod 600 "$T/new.key"
cp "$T/new.pem" "$D/admin-tls.pem"
cp -p "$T/new.key" "$D/admin-tls.key"
NFP=$(openssl x509 -in "$T/new.pem" -noout -fingerprint -sha256 | cut -d= -f2)
kill -HUP "$SCEPD_PID"
for i in $(seq 1 50); do
	grep -q "admin listener: TLS certificate .* reloaded" "$T/scepd.log" && break
	sleep 0.1
done
check "SIGHUP: a new connection gets the new certificate" test "$(fingerprint)" = "$NFP"
touch "$T/ka.done"
wait "$KA" || true
check "SIGHUP: the keep-alive connection opened before still answers" \
	grep -qx "200 ok ok" "$T/ka.out"

# --- 4. client certificates -----------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/dev.key" -out "$T/dev.pem" \
    -subj "/CN=macbook-scep-identity" -days 1 2>/dev/null
DFP=$(openssl x509 -in "$T/dev.pem" -outform DER | sha256sum | cut -d' ' -f1 | tr a-f A-F)
asks_cert() {
	echo | timeout 5 openssl s_client -connect "127.0.0.1:$APORT" 2>/dev/null |
		grep -q "Requested Signature Algorithms"
}
check "client_certs: the handshake asks for a client certificate" asks_cert
check "a client certificate from an unknown CA: handshake done, API says 401 (no token bound)" \
	test "$(curl -sk --cert "$T/dev.pem" --key "$T/dev.key" -o /dev/null -w '%{http_code}' \
	    "$AURL/api/v1/certificates")" = 401
check "its SHA-256 reached the API's authentication" \
	grep -q "client certificate SHA-256 $DFP" "$T/scepd.log"
check "no client certificate: the handshake works too" \
	test "$(curl -sk "$AURL/healthz")" = ok

# --- 5. the API's 401s, throttle, no token in the log --------------------
curl -sk -D "$T/h401" -o "$T/b401" "$AURL/api/v1/certificates"
check "no token: 401, WWW-Authenticate: Bearer, JSON error" \
	sh -c "grep -q '^HTTP/1.1 401' '$T/h401' && grep -qi '^WWW-Authenticate: Bearer' '$T/h401' && grep -q '\"error\"' '$T/b401'"
SECRET=tok-$RANDOM$RANDOM-never-logged
code() { curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECRET" "$AURL/api/v1/certificates"; }
check "bad token: 401" test "$(code)" = 401
code >/dev/null; code >/dev/null
check "refused tokens from one address: then 429" test "$(code)" = 429
check "no token appears in the log" sh -c "! grep -q '$SECRET' '$T/scepd.log'"
scepd_stop

# --- 6. non-loopback admin address without TLS ---------------------------
sed -i '/^  tls_cert = "admin-tls.pem";/d; /^  tls_key = "admin-tls.key";/d' "$D/scepd.conf"
refused() {
	local rc=0
	timeout 10 "$SCEPD" serve -d "$D" --listen 127.0.0.1:0 \
	    --admin-listen 0.0.0.0:0 >"$T/nl.out" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] && grep -q "not a loopback address.*refusing to serve the admin API without TLS" "$T/nl.out"
}
check "non-loopback --admin-listen without TLS: refused, with the reason" refused

# --- 7. the SCEP listener over HTTPS -----------------------------------------
sed -i 's|^  max_connections = 1024;|&\n  tls_cert = "admin-tls.pem"; tls_key = "admin-tls.key";|' "$D/scepd.conf"
scepd_start "$D"
check "SCEP over HTTPS: GetCACaps" \
	sh -c "curl -sk 'https://127.0.0.1:$PORT/scep?operation=GetCACaps' | grep -q SCEPStandard"
APORT=$PORT
check "SCEP over HTTPS: TLS 1.2 and 1.3, TLS 1.1 refused" \
	test "$(proto tls1_3) $(proto tls1_2) $(proto tls1_1)" = "TLSv1.3 TLSv1.2 "
check "SCEP over HTTPS: /healthz" test "$(curl -sk "https://127.0.0.1:$PORT/healthz")" = ok
check "plain HTTP to the HTTPS listener gets no SCEP answer" \
	sh -c "! curl -s -m 3 'http://127.0.0.1:$PORT/scep?operation=GetCACaps' | grep -q SCEP"
scepd_stop
finish
