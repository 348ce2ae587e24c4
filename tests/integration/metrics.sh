#!/usr/bin/env bash
# tests/integration/metrics.sh: /metrics, /healthz and /readyz (issue #11
# item 6), with a real client.
#
#   1. `promtool check metrics` (Debian "prometheus") passes on /metrics.
#   2. scepd_requests_total moves after micromdm's scepclient enrolls
#      (PKIOperation PKCSReq SUCCESS) and after it is refused (FAILURE
#      badRequest); the latency histogram counts them.
#   3. Store figures: after a restart (they are cached a few seconds) the
#      issued certificate is counted valid for its CA; the CA's notAfter is
#      the certificate's.
#   4. Counters survive SIGHUP.
#   5. /healthz and /readyz answer 200 on both listeners.
#   6. On PostgreSQL: /readyz answers 503 while the database is stopped, and
#      200 again once it is back; the store errors counter has moved.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"

PROMTOOL=${PROMTOOL:-promtool}
command -v "$PROMTOOL" >/dev/null || {
	echo "promtool not found: install the Debian package 'prometheus' (scripts/deps.sh check)" >&2
	exit 1
}
SCEPCLIENT=${SCEPCLIENT:-scepclient}
command -v "$SCEPCLIENT" >/dev/null || {
	echo "scepclient not found: install the Debian package 'scep' (scripts/deps.sh check)" >&2
	exit 1
}

D=$T/d
scepd_init "$D" --legacy
scepd_start "$D"
APORT=$(cat "$T/aport")
AURL="https://127.0.0.1:$APORT"
CA_FP=$(openssl x509 -in "$D/ca.pem" -outform DER | sha256sum | cut -d' ' -f1)

scrape() { curl -sk "$AURL/metrics" >"$1"; }
# value FILE PATTERN: the value of the first sample matching PATTERN, or 0.
value() { { grep -v "^#" "$1" | grep -F "$2" || echo "x 0"; } | head -n1 | awk '{ print $NF }'; }
enroll() {
	local dir=$1 cn=$2 challenge=$3
	mkdir -p "$dir"
	(cd "$dir" && timeout 20 "$SCEPCLIENT" -server-url "$URL" -challenge "$challenge" \
		-private-key key.pem -certificate cert.pem -cn "$cn" \
		-ca-fingerprint "$CA_FP") >"$dir/out" 2>&1 || true
}

# --- 1. the format --------------------------------------------------------
scrape "$T/m0"
check "promtool check metrics passes" "$PROMTOOL" check metrics <"$T/m0"
ctype() {
	curl -sk -o /dev/null -w '%{content_type}' "$AURL/metrics" |
		grep -q '^text/plain; version=0.0.4'
}
check "Content-Type text/plain; version=0.0.4" ctype

# --- 2. a real client moves the counters ----------------------------------
OK='scepd_requests_total{profile="default",operation="PKIOperation",message_type="PKCSReq",outcome="SUCCESS",fail_info="none"}'
BAD='scepd_requests_total{profile="default",operation="PKIOperation",message_type="PKCSReq",outcome="FAILURE",fail_info="badRequest"}'
HIST='scepd_request_duration_seconds_count{operation="PKIOperation"}'
enroll "$T/ok" metrics-ok "${CHALLENGE:-s3cret}"
enroll "$T/bad" metrics-bad wrong-challenge
scrape "$T/m1"
check "scepclient enrolled" test -s "$T/ok/cert.pem"
check "enrollment: PKCSReq SUCCESS counted once" test "$(value "$T/m1" "$OK")" = 1
check "wrong challenge: PKCSReq FAILURE badRequest counted once" test "$(value "$T/m1" "$BAD")" = 1
check "the latency histogram counted both PKIOperations" \
	test "$(value "$T/m1" "$HIST")" -eq "$(($(value "$T/m0" "$HIST") + 2))"
check "GetCACaps and GetCACert counted" sh -c "grep -q 'operation=\"GetCACaps\"' '$T/m1' && grep -q 'operation=\"GetCACert\",message_type=\"none\",outcome=\"ok\"' '$T/m1'"
check "promtool check metrics passes with samples" "$PROMTOOL" check metrics <"$T/m1"

# --- 4. SIGHUP keeps the counters -----------------------------------------
kill -HUP "$SCEPD_PID"
for i in $(seq 1 50); do grep -q "reloaded:" "$T/scepd.log" && break; sleep 0.1; done
scrape "$T/m2"
check "SIGHUP: scepd_requests_total kept" test "$(value "$T/m2" "$OK")" = 1

# --- 5. health on both listeners -----------------------------------------
code() { curl -sk -o /dev/null -w '%{http_code}' "$1"; }
check "admin /healthz 200" test "$(code "$AURL/healthz")" = 200
check "admin /readyz 200" test "$(code "$AURL/readyz")" = 200
check "SCEP listener /healthz 200" test "$(code "http://127.0.0.1:$PORT/healthz")" = 200
check "SCEP listener /readyz 200" test "$(code "http://127.0.0.1:$PORT/readyz")" = 200
check "SCEP listener has no /metrics" test "$(code "http://127.0.0.1:$PORT/metrics")" = 404
scepd_stop

# --- 3. store figures, read fresh after a restart ---------------------------
scepd_start "$D"
APORT=$(cat "$T/aport")
AURL="https://127.0.0.1:$APORT"
scrape "$T/m3"
check "scepd_certificates: the issued one is valid for CA default" \
	test "$(value "$T/m3" 'scepd_certificates{ca="default",status="valid"}')" = 1
check "scepd_certificates_expiring: none within 30 days" \
	test "$(value "$T/m3" 'scepd_certificates_expiring{ca="default",within="30d"}')" = 0
CANA=$(date -d "$(openssl x509 -in "$D/ca.pem" -noout -enddate | cut -d= -f2)" +%s)
check "scepd_ca_not_after_seconds is the CA certificate's notAfter" \
	test "$(value "$T/m3" 'scepd_ca_not_after_seconds{ca="default"}')" = "$CANA"
check "scepd_pending_requests 0" test "$(value "$T/m3" 'scepd_pending_requests ')" = 0
check "promtool check metrics passes with store figures" "$PROMTOOL" check metrics <"$T/m3"
scepd_stop

# --- 6. PostgreSQL away: not ready -------------------------------------
pg_start
sed -i '/^store: {/,/^};/d' "$D/scepd.conf"
echo "store: { backend = \"postgresql\"; url = \"$PG_URL\"; connections = 2; };" >>"$D/scepd.conf"
scepd_start "$D"
APORT=$(cat "$T/aport")
AURL="https://127.0.0.1:$APORT"
check "PostgreSQL: /readyz 200" test "$(code "$AURL/readyz")" = 200
pg_pause
notready() {
	local i
	for i in 1 2 3 4 5; do
		[ "$(code "$AURL/readyz")" = 503 ] && return 0
		sleep 0.5
	done
	return 1
}
check "PostgreSQL stopped: /readyz 503" notready
check "PostgreSQL stopped: the reason says so" \
	sh -c "curl -sk '$AURL/readyz' | grep -q 'store does not answer'"
check "PostgreSQL stopped: /healthz still 200" test "$(code "$AURL/healthz")" = 200
pg_resume
ready_again() {
	local i
	for i in $(seq 1 20); do
		[ "$(code "$AURL/readyz")" = 200 ] && return 0
		sleep 0.5
	done
	return 1
}
check "PostgreSQL back: /readyz 200 again" ready_again
scrape "$T/m4"
check "scepd_store_errors_total moved" test "$(value "$T/m4" 'scepd_store_errors_total ')" -gt 0
check "scepd_store_reconnects_total moved" test "$(value "$T/m4" 'scepd_store_reconnects_total ')" -gt 0
scepd_stop
finish
