#!/usr/bin/env bash
# tests/integration/operator.sh: issue #11's "done when", as an operator on
# another machine would do it: over HTTPS, with tokens, against a live scepd,
# on SQLite or (OPERATOR_STORE=postgresql) on a throwaway PostgreSQL.
#
#   1. Tokens of each role from `scepd token create` (the token alone on the
#      last line).
#   2. A device enrolls (and scepd_requests_total on /metrics counts it);
#      another fails (wrong challenge). A viewer finds the device's
#      certificate by a piece of its name, and sees why the other failed in
#      /api/v1/transactions.
#   3. The auth matrix on the state-changing calls: no token 401, a bad
#      token 401, a viewer 403, a token limited to another profile cannot
#      touch it, a revoked token 401; nothing changes.
#   4. An operator revokes the certificate: the API, the CRL and OCSP say so.
#   5. Manual approval: a request waits, the operator finds it in
#      /api/v1/requests?status=pending and approves it; the device's resent
#      request gets its certificate.
#   6. The auditor sees who revoked and who approved, a viewer may not; the
#      audit chain verifies.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"
if [ "${OPERATOR_STORE:-sqlite}" = postgresql ]; then
	source "$(dirname "$0")/pg.sh"
fi

D=$T/d
scepd_init "$D"
CA=$D/ca.pem
if [ "${OPERATOR_STORE:-sqlite}" = postgresql ]; then
	pg_start
	sed -i '/^store: {/,/^};/d' "$D/scepd.conf"
	echo "store: { backend = \"postgresql\"; url = \"$PG_URL\"; connections = 4; };" >>"$D/scepd.conf"
fi
echo 'approval: { manual = false; };' >>"$D/scepd.conf"
scepd_start "$D"
AURL="https://127.0.0.1:$(cat "$T/aport")/api/v1"

# tok NAME ROLE [options]: a new token, from the last line of token create.
tok() {
	local name=$1 role=$2
	shift 2
	"$SCEPD" token create "$name" --role "$role" "$@" -d "$D" | tail -n 1
}
# api TOKEN METHOD PATH [curl args]: one call; status in CODE, body in $T/body.
api() {
	local t=$1 m=$2 p=$3
	shift 3
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$D/admin-tls.pem" \
		${t:+-H "Authorization: Bearer $t"} -X "$m" "$@" "$AURL$p") || CODE=000
}
# json EXPR: evaluate a Python expression over the last body (as "j").
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$T/body"; }

# --- 1. tokens ----------------------------------------------------------------
VIEW=$(tok view viewer)
OPER=$(tok oper operator)
AUDI=$(tok audi auditor)
OTHER=$(tok other-profile operator --profiles elsewhere)
GONE=$(tok gone operator)
"$SCEPD" token revoke gone -d "$D" >/dev/null
check "token create prints a token on its last line" \
	eval '[[ "$VIEW" == scepd_* && "$OPER" == scepd_* && "$OPER" != "$VIEW" ]]'

# --- 2. find a device, see why another failed ------------------------------------
metric() {
	curl -s --cacert "$D/admin-tls.pem" "https://127.0.0.1:$(cat "$T/aport")/metrics" |
		awk -v k="$1" 'index($0, k) == 1 && /outcome="SUCCESS"/ { s += $NF } END { print s + 0 }'
}
before=$(metric 'scepd_requests_total{')
check "the device enrolls" enroll ipad-17 "status=SUCCESS"
SERIAL=$(serial_of ipad-17)
after=$(metric 'scepd_requests_total{')
check "Prometheus: scepd_requests_total counted it ($before -> $after)" \
	test "$after" -ge $((before + 1))
CHALLENGE=wrong check "a device with a wrong challenge is refused" \
	enroll bad-ipad "status=FAILURE failinfo=badRequest"

api "$VIEW" GET "/certificates?subject=ipad-17"
check "viewer: GET /certificates?subject=ipad-17 finds its serial" \
	eval '[ "$CODE" = 200 ] && json "[c[\"serial\"] for c in j[\"items\"]]" | grep -qi "$SERIAL"'
api "$VIEW" GET "/transactions?outcome=FAILURE"
check "viewer: GET /transactions?outcome=FAILURE says why bad-ipad failed" \
	eval '[ "$CODE" = 200 ] && json "[(t[\"subject\"], t[\"fail_info\"], t[\"reason\"]) for t in j[\"items\"]]" |
		grep "CN=bad-ipad" | grep -q "badRequest"'

# --- 3. who may change things -------------------------------------------------------
revoke() { api "$1" POST "/certificates/$SERIAL/revoke" -H 'Content-Type: application/json' -d '{"reason": "keyCompromise"}'; }
revoke ""
check "revoke without a token: 401" test "$CODE" = 401
revoke "scepd_not-a-token"
check "revoke with a bad token: 401" test "$CODE" = 401
revoke "$GONE"
check "revoke with a revoked token: 401" test "$CODE" = 401
revoke "$VIEW"
check "revoke as viewer: 403" test "$CODE" = 403
revoke "$OTHER"
check "revoke with a token of another profile: refused (403/404)" eval '[ "$CODE" = 403 ] || [ "$CODE" = 404 ]'
api "$VIEW" GET "/certificates/$SERIAL"
check "after the refusals the certificate is still valid" \
	eval '[ "$CODE" = 200 ] && [ "$(json "j[\"status\"]")" = valid ]'

# --- 4. revoke ------------------------------------------------------------------------
revoke "$OPER"
check "revoke as operator: 200" test "$CODE" = 200
api "$VIEW" GET "/certificates/$SERIAL"
check "the API says revoked" eval '[ "$(json "j[\"status\"]")" = revoked ]'
curl -s -o "$T/crl.der" "http://127.0.0.1:$PORT/crl"
check "the CRL lists it" eval 'openssl crl -inform DER -in "$T/crl.der" -noout -text | grep -qi "Serial Number: *$SERIAL"'
ocsp_status() {
	openssl ocsp -issuer "$CA" -cert "$T/ipad-17.crt" -url "http://127.0.0.1:$PORT/ocsp" \
		-CAfile "$CA" -no_nonce 2>/dev/null | grep -i "ipad-17.crt:"
}
check "OCSP says revoked" eval 'ocsp_status | grep -q revoked'
revoke "$OPER"
check "revoking again: 409" test "$CODE" = 409

# --- 5. manual approval -------------------------------------------------------------
scepd_stop
sed -i 's/^approval: { manual = false; };$/approval: { manual = true; };/' "$D/scepd.conf"
scepd_start "$D"
AURL="https://127.0.0.1:$(cat "$T/aport")/api/v1"
check "a device under manual approval waits" enroll mac-3 "status=PENDING"
api "$VIEW" GET "/requests?status=pending"
RID=$(json "[r['id'] for r in j['items'] if 'mac-3' in r['subject']][0]" 2>/dev/null || true)
check "viewer: GET /requests?status=pending lists it" test -n "$RID"
api "$VIEW" POST "/requests/$RID/approve"
check "approve as viewer: 403" test "$CODE" = 403
api "$OPER" POST "/requests/$RID/approve"
check "approve as operator: 200" test "$CODE" = 200
post mac-3
check "the device's resent request gets its certificate" eval 'expect mac-3 "status=SUCCESS" && cert_ok mac-3'

# --- 6. the audit log ---------------------------------------------------------------
api "$VIEW" GET "/audit"
check "viewer: GET /audit 403" test "$CODE" = 403
api "$AUDI" GET "/audit"
check "auditor: the revocation and the approval, by their tokens" \
	eval '[ "$CODE" = 200 ] && json "[(a[\"actor\"], a[\"action\"]) for a in j[\"items\"]]" >"$T/audit" &&
		grep -q "oper.*cert.revoke" "$T/audit" && grep -q "oper.*request.approve" "$T/audit"'
check "scepd audit verify: the chain is intact" eval '"$SCEPD" audit verify -d "$D" >/dev/null'

finish
