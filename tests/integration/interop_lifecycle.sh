#!/usr/bin/env bash
# tests/integration/interop_lifecycle.sh: renewal and manual approval with real
# clients against a live scepd on loopback.
#
#   1. micromdm's scepclient (Debian package "scep") renews: enrolled once, run
#      again with its existing -private-key and -certificate it signs the new
#      request with the old certificate (scepclient 2.1.0: a RenewalReq over
#      the same key, CSR and transactionID as the first PKCSReq, so scepd must
#      tell a renewal from a resent PKCSReq). It gets a second, different
#      certificate with the same subject, and `scepd cert list` links the two.
#      The Debian scepclient only envelopes with single DES: `init --legacy`.
#   2. certmonger (driven as in interop_certmonger.sh: its own daemon on a
#      private socket, state under $T, no D-Bus, no system service touched)
#      with approval.manual = true: scep-submit gets PENDING and certmonger
#      keeps the request for another try; `scepd request approve`; `getcert
#      refresh` makes it ask again and it saves the approved certificate.
#      certmonger 0.79 verifies every CertRep with PKCS7_verify() and no
#      detached content, so a PENDING or FAILURE CertRep without eContent
#      (RFC 8894 3.3.2.2/3, checklist REP-03/04) fails there with "PKCS7
#      routines::no content" and lands in CA_UNREACHABLE. scepd's default
#      (compat.failure_content = true: an empty eContent) lets certmonger
#      wait (CA_WORKING), ask again with its PKCSReq, and show a refusal as
#      CA_REJECTED; this profile sets nothing but manual approval.
#   3. certmonger renews: `getcert rekey` (new key) sends a request signed by
#      its certificate, which scepd issues at once as a renewal, even under
#      manual approval; `getcert resubmit` (same key, hence the same
#      transactionID, signed by the certificate that transaction issued) is a
#      same-key renewal too, and gets a new certificate.
# What each client sent is printed from scepd's request log ("# ..." lines).
source "$(dirname "$0")/lib.sh"

SCEPCLIENT=${SCEPCLIENT:-scepclient}
command -v "$SCEPCLIENT" >/dev/null || {
	echo "scepclient not found: install the Debian package 'scep' (scripts/deps.sh check)" >&2
	exit 1
}
for tool in certmonger getcert; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
		echo "$tool not found: install the Debian package 'certmonger' (scripts/deps.sh check)" >&2
		exit 1
	}
done
CERTMONGER=$(command -v certmonger || echo /usr/sbin/certmonger)
CM=$T/cm
WAIT=${CM_WAIT:-15}   # seconds to wait for certmonger to settle, each time (about 1 s is usual)

CADIR=$T/ca
scepd_init "$CADIR" --legacy
scepd_start "$CADIR"
CA=$CADIR/ca.pem
CHALLENGE=${CHALLENGE:-s3cret}

# row SERIAL: the `scepd cert list` line of SERIAL (any case).
row() { "$SCEPD" cert list -d "$CADIR" | awk -F'\t' -v s="$1" 'toupper($1) == toupper(s)'; }
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253; }
same_key() { cmp -s <(openssl x509 -in "$1" -noout -pubkey) <(openssl pkey -in "$2" -pubout); }
# sent TXID: what scepd logged for that transactionID: "msgtype=outcome ...".
sent() {
	[ -n "$1" ] || return 0
	grep -F -e "txid=\"$1\"" -e "txid=$1 " "$T/scepd.log" |
		grep -o 'msgtype=[^ ]* txid=[^ ]* outcome=[^ ]*' |
		sed 's/ txid=[^ ]*//; s/ outcome=/=/; s/^msgtype=//' | tr '\n' ' '
}

# --- 1. scepclient renewal ----------------------------------------------------------------
SC=$T/sc
mkdir -p "$SC"
CA_FP=$(openssl x509 -in "$CA" -outform DER | sha256sum | cut -d' ' -f1)
# scepclient_run: run scepclient in $SC (key.pem, cert.pem, csr.pem live there);
# output in $SC/out, exit status in SC_RC.
scepclient_run() {
	SC_RC=0
	(cd "$SC" && timeout 60 "$SCEPCLIENT" -server-url "$URL" -challenge "$CHALLENGE" \
		-private-key key.pem -certificate cert.pem -cn interop-renew \
		-ca-fingerprint "$CA_FP" -debug) >"$SC/out" 2>&1 || SC_RC=$?
}
echo "# scepclient: $("$SCEPCLIENT" -version 2>&1 | head -n1), scepd at $URL"

scepclient_run
first_ok() {
	[ "$SC_RC" = 0 ] || { echo "scepclient exited $SC_RC:" >&2; tail -n 5 "$SC/out" >&2; return 1; }
	openssl verify -CAfile "$CA" "$SC/cert.pem" >/dev/null && same_key "$SC/cert.pem" "$SC/key.pem" &&
		cp "$SC/cert.pem" "$SC/first.pem"
}
check "scepclient enrolls (PKCSReq, challenge): exit 0, certificate verifies, own key" first_ok
TXID=$(sed -n 's/.*creating SCEP CSR request.* transaction_id="\([^"]*\)".*/\1/p' "$SC/out" | head -n1)

scepclient_run
echo "# scepclient second run: exit $SC_RC, $(grep -o 'signer_cn=[^ ]*' "$SC/out" | head -n1), $(grep -vE '^level=debug' "$SC/out" | tail -n1)"
echo "# scepclient transaction $TXID, scepd saw: $(sent "$TXID")"
renewed_ok() {
	[ "$SC_RC" = 0 ] || { echo "scepclient exited $SC_RC:" >&2; tail -n 5 "$SC/out" >&2; return 1; }
	[ -s "$SC/first.pem" ] || return 1
	local s0 s1 from
	s0=$(serial "$SC/first.pem") && s1=$(serial "$SC/cert.pem") || return 1
	[ "$s0" != "$s1" ] || { echo "the same certificate again (serial $s1): treated as a resent PKCSReq?" >&2; return 1; }
	[ "$(subject "$SC/cert.pem")" = "$(subject "$SC/first.pem")" ] ||
		{ echo "subject $(subject "$SC/cert.pem") vs $(subject "$SC/first.pem")" >&2; return 1; }
	openssl verify -CAfile "$CA" "$SC/cert.pem" >/dev/null || return 1
	from=$(row "$s1" | cut -f5)
	[ "${from^^}" = "${s0^^}" ] || { echo "cert list: $(row "$s1"), want renewed-from $s0" >&2; return 1; }
}
check "scepclient run again with its key and certificate (renewal signed by the old certificate): a second certificate, same subject, verifies, cert list renewed-from = first serial" \
	renewed_ok
check "the renewed certificate is over scepclient's (same) key" same_key "$SC/cert.pem" "$SC/key.pem"

# --- 2. certmonger and manual approval ---------------------------------------------------------
scepd_stop
cat >>"$CADIR/scepd.conf" <<'EOF'
# interop_lifecycle.sh
approval: { manual = true; pending_ttl = 600; };
EOF
scepd_start "$CADIR"

source "$(dirname "$0")/certmonger.sh"
# (set +e: under errexit, "(exit $rc)" would end the trap before cleanup,
# leaving scepd running and holding the test's output open)
trap 'rc=$?; set +e; cm_stop; [ "$rc" -eq 0 ] || cm_log_tail; (exit $rc); cleanup' EXIT
status() { gc list -i "$1" | awk '$1 == "status:" { print $2; exit }'; }
# settle ID STATE...: wait (at most $WAIT s) until the request is in one of
# STATEs or in a final state; prints the state.
settle() {
	local id=$1 st= i
	shift
	for i in $(seq 1 $((WAIT * 4))); do
		st=$(status "$id" || true)
		case " $* MONITORING CA_REJECTED CA_UNREACHABLE CA_UNCONFIGURED NEED_GUIDANCE NEED_CA " in
		*" $st "*) break ;;
		esac
		sleep 0.25
	done
	echo "$st"
}
wait_ca() {
	local i f
	for i in $(seq 1 150); do
		f=$(grep -lx "id=$1" "$CERTMONGER_CAS_DIR"/* 2>/dev/null | head -n1)
		[ -n "$f" ] && grep -q '^ca_capabilities=' "$f" && grep -q '^ca_encryption_cert=' "$f" && return 0
		sleep 0.2
	done
	return 1
}
# req_line CN: the `scepd request list` line whose subject names CN.
req_line() { "$SCEPD" request list -d "$CADIR" | awk -F'\t' -v cn="CN=$1" 'index($3, cn)'; }

cm_start
echo "# $("$CERTMONGER" -v 2>&1 | head -n1), scepd at $URL (approval.manual = true)"
check "getcert add-scep-ca -c scepd -u URL -N ca.pem" gc add-scep-ca -c scepd -u "$URL" -N "$CA"
check "certmonger fetched GetCACaps and GetCACert" wait_ca scepd

CN=interop-cm-pending
gc request -c scepd -I cm-pend -k "$CM/cm-pend.key" -f "$CM/cm-pend.pem" -N "CN=$CN" \
	-L "$CHALLENGE" >/dev/null || true
ST=$(settle cm-pend CA_WORKING)
echo "# certmonger after the first submission: $ST; $(gc list -i cm-pend | sed -n 's/^[[:space:]]*ca-error: //p' | head -n1)"
REQ=$(req_line "$CN")
CM_TXID=$(echo "$REQ" | cut -f2)
check "scepd answered certmonger's PKCSReq with PENDING" eval '[[ "$(sent "$CM_TXID")" == PKCSReq=PENDING* ]]'
check "by default (empty eContent), certmonger verifies the PENDING CertRep and waits: CA_WORKING, no certificate" \
	eval '[ "$ST" = CA_WORKING ] && [ ! -s "$CM/cm-pend.pem" ]'
check "scepd request list: one pending request for the certmonger subject" \
	eval '[ "$(echo "$REQ" | grep -c .)" = 1 ] && [ "$(echo "$REQ" | cut -f4)" = pending ]'
check "nothing issued yet" eval '! "$SCEPD" cert list -d "$CADIR" | grep -qw "$CN"'

SERIAL=
approve() {
	local out
	out=$("$SCEPD" request approve "$(echo "$REQ" | cut -f1)" -d "$CADIR") || return 1
	SERIAL=${out#issued }
	[ -n "$SERIAL" ] && [ "$SERIAL" != "$out" ]
}
check "scepd request approve ID: issued SERIAL" approve

gc refresh -i cm-pend >/dev/null 2>&1 || gc resubmit -i cm-pend >/dev/null 2>&1 || true
ST=$(settle cm-pend)
echo "# certmonger after the approval and a refresh: $ST"
echo "# certmonger transaction $CM_TXID, scepd saw: $(sent "$CM_TXID")"
issued_ok() {
	[ "$ST" = MONITORING ] || { gc list -i cm-pend | grep -E 'status|ca-error' >&2; return 1; }
	openssl verify -CAfile "$CA" "$CM/cm-pend.pem" >/dev/null || return 1
	[ "$(serial "$CM/cm-pend.pem")" = "${SERIAL^^}" ] ||
		{ echo "serial $(serial "$CM/cm-pend.pem"), approved $SERIAL" >&2; return 1; }
	subject "$CM/cm-pend.pem" | grep -q "CN=$CN\(,\|$\)" && same_key "$CM/cm-pend.pem" "$CM/cm-pend.key"
}
check "certmonger asks again and saves the approved certificate: MONITORING, verifies, approved serial, own key" \
	issued_ok
check "scepd request list: issued" eval '[ "$(req_line "$CN" | cut -f4)" = issued ]'

# A wrong challenge is refused, not queued; certmonger reads the FAILURE.
gc request -c scepd -I cm-bad -k "$CM/cm-bad.key" -f "$CM/cm-bad.pem" -N "CN=interop-cm-bad" \
	-L not-the-challenge >/dev/null || true
ST=$(settle cm-bad CA_REJECTED)
echo "# certmonger with a wrong challenge: $ST; $(gc list -i cm-bad | sed -n 's/^[[:space:]]*ca-error: //p' | head -n1)"
check "wrong challenge: FAILURE badRequest, certmonger says CA_REJECTED, nothing issued or queued" \
	eval '[ "$ST" = CA_REJECTED ] && [ ! -s "$CM/cm-bad.pem" ] && [ -z "$(req_line interop-cm-bad)" ] &&
		! "$SCEPD" cert list -d "$CADIR" | grep -qw interop-cm-bad'

# --- 3. certmonger renews: resubmit (same key) and rekey (new key) ------------------------------
# certmonger signs a request for a key it already holds a certificate for with
# that certificate, so scepd sees a renewal: never pending, even here.
# until COMMAND...: wait (at most $WAIT s) until COMMAND succeeds.
until_ok() {
	local i
	for i in $(seq 1 $((WAIT * 4))); do
		"$@" && return 0
		sleep 0.25
	done
	return 1
}
nlog() { grep -cF -e "txid=\"$1\"" -e "txid=$1 " "$T/scepd.log" || true; }
CM_SER1=$(serial "$CM/cm-pend.pem")
cp "$CM/cm-pend.pem" "$CM/cm-pend.1.pem"
N=$(nlog "$CM_TXID")
gc resubmit -i cm-pend >/dev/null || true
until_ok eval '[ "$(nlog "$CM_TXID")" -gt "$N" ]' || true
ST=$(settle cm-pend)
echo "# getcert resubmit (same key, same transactionID): $ST, serial $(serial "$CM/cm-pend.pem") (was $CM_SER1); scepd saw: $(sent "$CM_TXID")"
resubmit_ok() {
	local now from
	now=$(serial "$CM/cm-pend.pem")
	[ "$ST" = MONITORING ] || { gc list -i cm-pend | grep -E 'status|ca-error' >&2; return 1; }
	[ "$now" != "$CM_SER1" ] || { echo "same certificate after resubmit" >&2; return 1; }
	openssl verify -CAfile "$CA" "$CM/cm-pend.pem" >/dev/null && same_key "$CM/cm-pend.pem" "$CM/cm-pend.key" || return 1
	from=$(row "$now" | cut -f5)
	[ "${from^^}" = "${CM_SER1^^}" ] || { echo "cert list: $(row "$now"), want renewed-from $CM_SER1" >&2; return 1; }
}
check "getcert resubmit: signed by certmonger's certificate with the enrolment's transactionID, a same-key renewal: new certificate, renewed-from the old" \
	resubmit_ok
CM_SER1=$(serial "$CM/cm-pend.pem")
cp "$CM/cm-pend.pem" "$CM/cm-pend.1.pem"
gc rekey -i cm-pend >/dev/null || true
until_ok eval '[ "$(serial "$CM/cm-pend.pem")" != "$CM_SER1" ]' || true
ST=$(settle cm-pend)
CM_SER2=$(serial "$CM/cm-pend.pem")
echo "# getcert rekey (new key): $ST, serial $CM_SER2 (was $CM_SER1); scepd: $(grep -F "serial=$CM_SER2" "$T/scepd.log" | grep -o 'msgtype=[^ ]* txid=[^ ]* outcome=[^ ]*' | head -n1)"
rekey_ok() {
	[ "$ST" = MONITORING ] || { gc list -i cm-pend | grep -E 'status|ca-error' >&2; return 1; }
	[ "$CM_SER2" != "$CM_SER1" ] || { echo "same certificate after rekey" >&2; return 1; }
	openssl verify -CAfile "$CA" "$CM/cm-pend.pem" >/dev/null && same_key "$CM/cm-pend.pem" "$CM/cm-pend.key" &&
		! same_key "$CM/cm-pend.1.pem" "$CM/cm-pend.key" || return 1
	local from
	from=$(row "$CM_SER2" | cut -f5)
	[ "${from^^}" = "${CM_SER1^^}" ] || { echo "cert list: $(row "$CM_SER2"), want renewed-from $CM_SER1" >&2; return 1; }
}
check "getcert rekey: a renewal signed by certmonger's certificate, not pending under manual approval: new key, new certificate, renewed-from the old" \
	rekey_ok
check "scepd still running" kill -0 "$SCEPD_PID"

finish
