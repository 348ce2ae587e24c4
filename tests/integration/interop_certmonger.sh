#!/usr/bin/env bash
# tests/integration/interop_certmonger.sh: certmonger (Debian package
# "certmonger") enrolls against a live scepd on loopback, driven exactly as in
# production: the real certmonger daemon runs /usr/lib/certmonger/scep-submit,
# getcert talks to the daemon. No system services are touched: the daemon
# listens on a private socket in $T (certmonger -L -P, getcert finds it through
# CERTMONGER_PVT_ADDRESS, no D-Bus) and keeps its CA and request records,
# config, temp files and lock in $T (CERTMONGER_*_DIR).
#
#   1. getcert add-scep-ca -c scepd -u URL -N ca.pem: certmonger fetches
#      GetCACaps and GetCACert and keeps them in its CA record.
#   2. getcert request -L CHALLENGE: certmonger picks its algorithms from
#      GetCACaps ("Server supports AES, using AES256", the best SHA offered),
#      sends PKCSReq (as a GET: certmonger 0.79 never POSTs), and saves a
#      certificate that verifies against DIR/ca.pem.
#   3. the other algorithms, one enrollment each: certmonger's per-CA settings
#      scep_cipher (AES256 AES192 AES128 DES3 DES) and scep_digest (SHA512
#      SHA384 SHA256 SHA1 MD5), which it reads from the CA record at start-up
#      (no getcert option sets them): DES3/SHA256, AES128/SHA1 and
#      AES256/SHA512 must enroll, MD5 must be refused (RFC 8894 section 2.9).
#   4. a wrong challenge is refused: no certificate, nothing issued, and
#      certmonger reports CA_REJECTED (it can verify the FAILURE because scepd
#      sends an empty eContent by default, compat.failure_content).
#   7. the old form (compat.failure_content = false: eContent absent, as
#      RFC 8894 3.3.2.2 permits): certmonger 0.79 cannot verify the FAILURE
#      ("PKCS7 routines::no content") and reports CA_UNREACHABLE. This is
#      why the default is an empty eContent.
# Each request's pkiMessage (certmonger stores it as scep_req) is decoded and
# its digest and content cipher printed ("# ..." lines), so the report says
# what went over the wire.
#
# Why -N: certmonger's scep-submit verifies a CertRep only against a "CA
# certificate" (CERTMONGER_SCEP_CA_CERTIFICATE). With a single-certificate
# GetCACert answer (the CA is its own RA) it only knows an RA certificate and
# fails every CertRep with "failed to verify signature on server response";
# -N names the CA certificate explicitly. See docs/CLIENTS-setup.md.
source "$(dirname "$0")/lib.sh"

for tool in certmonger getcert; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
		echo "$tool not found: install the Debian package 'certmonger' (scripts/deps.sh check)" >&2
		exit 1
	}
done
CERTMONGER=$(command -v certmonger || echo /usr/sbin/certmonger)
CM=$T/cm
WAIT=${CM_WAIT:-60}   # seconds to wait for one enrollment to settle
DEADLINE=$(($(date +%s) + ${CM_BUDGET:-150}))   # and for all of them together

source "$(dirname "$0")/certmonger.sh"
trap 'rc=$?; set +e; cm_stop; [ "$rc" -eq 0 ] || cm_log_tail; (exit $rc); cleanup' EXIT

# record_file DIR ID: the certmonger record (CA or request) whose id is ID,
# or nothing (status 0 either way). certmonger rewrites a record as its state
# moves, so a single look can miss it: look again for up to 5 s.
record_file() {
	local i f
	for i in $(seq 1 25); do
		f=$(grep -lx "id=$2" "$1"/* 2>/dev/null | head -n1 || true)
		[ -z "$f" ] || { echo "$f"; return 0; }
		sleep 0.2
	done
}

# field FILE KEY: a record's value (continuation lines start with a space).
field() {
	awk -v k="$2" 'f && /^ / { print substr($0, 2); next } { f = 0 }
		index($0, k "=") == 1 { f = 1; print substr($0, length(k) + 2) }' "$1"
}

# wait_ca NAME: until certmonger has the CA's capabilities and certificate;
# then $CM/NAME.ca is a copy of that complete record (the daemon keeps
# rewriting the original, so later reads of it could catch it half-written).
wait_ca() {
	local i f
	for i in $(seq 1 150); do
		f=$(record_file "$CERTMONGER_CAS_DIR" "$1")
		if [ -n "$f" ] && cp "$f" "$CM/$1.ca" 2>/dev/null &&
			grep -q '^ca_capabilities=' "$CM/$1.ca" && grep -q '^ca_encryption_cert=' "$CM/$1.ca"; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# status ID: the request's certmonger status (MONITORING once issued).
status() { gc list -i "$1" | awk '$1 == "status:" { print $2; exit }'; }

# enroll ID CN CHALLENGE: add a request and wait (at most $WAIT s) until it
# settles; prints the final status.
enroll() {
	local id=$1 cn=$2 challenge=$3 st= i
	gc request -c "${CA_NAME:-scepd}" -I "$id" -k "$CM/$id.key" -f "$CM/$id.pem" \
		-N "CN=$cn" -L "$challenge" >/dev/null
	for i in $(seq 1 $((WAIT * 4))); do
		st=$(status "$id" || true)
		case $st in
		MONITORING | CA_REJECTED | CA_UNREACHABLE | CA_UNCONFIGURED | NEED_GUIDANCE | \
			NEED_CA | NEED_TO_NOTIFY_REJECTION | NEED_TO_NOTIFY_ISSUED_CA_ERROR)
			break ;;
		esac
		[ "$(date +%s)" -lt "$DEADLINE" ] || break
		sleep 0.25
	done
	echo "$st"
}

# wire ID: digest and content cipher of the PKCSReq certmonger built for ID.
wire() {
	local f der=$CM/$1.req.der dig enc
	f=$(record_file "$CERTMONGER_REQUESTS_DIR" "$1")
	[ -n "$f" ] || { echo "no record"; return 0; }
	field "$f" scep_req | grep -v -- '-----' | base64 -d >"$der" 2>/dev/null || true
	dig=$(openssl cms -cmsout -print -inform DER -in "$der" 2>/dev/null |
		awk '/digestAlgorithm:/ { getline; print $2; exit }')
	openssl cms -verify -noverify -inform DER -in "$der" -out "$der.env" 2>/dev/null || true
	enc=$(openssl cms -cmsout -print -inform DER -in "$der.env" 2>/dev/null |
		awk '/contentEncryptionAlgorithm:/ { getline; print $2; exit }')
	echo "digest=${dig:-?} cipher=${enc:-?}"
}

# issued ID CN: the request is MONITORING and its certificate is sound.
issued() {
	local id=$1 cn=$2 st
	st=$(status "$id")
	[ "$st" = MONITORING ] || {
		echo "$id: status $st" >&2
		gc list -i "$id" | grep -E 'status|ca-error' >&2
		return 1
	}
	openssl verify -CAfile "$CADIR/ca.pem" "$CM/$id.pem" >/dev/null || return 1
	openssl x509 -in "$CM/$id.pem" -noout -subject -nameopt RFC2253 | grep "CN=$cn\(,\|$\)" >/dev/null ||
		{ echo "$id: subject is not CN=$cn" >&2; return 1; }
	cmp -s <(openssl x509 -in "$CM/$id.pem" -noout -pubkey) \
		<(openssl pkey -in "$CM/$id.key" -pubout) || { echo "$id: public key mismatch" >&2; return 1; }
}

# refused ID CN [STATE]: not issued, scepd issued nothing for CN, and
# certmonger's status is STATE (default CA_REJECTED: it read the FAILURE).
refused() {
	local id=$1 cn=$2 want=${3:-CA_REJECTED} st
	st=$(status "$id")
	echo "# $id: status $st, $(gc list -i "$id" | sed -n 's/^[[:space:]]*ca-error: //p' | head -n1)"
	[ "$st" = "$want" ] && [ ! -s "$CM/$id.pem" ] && ! listed "$cn"
}

# listed CN: `scepd cert list` has a line naming CN (whole word).
listed() { "$SCEPD" cert list -d "$CADIR" | grep -w -- "$1" >/dev/null; }

# set_algs CIPHER DIGEST: restart certmonger with these per-CA settings
# ("" removes the setting, so certmonger chooses from GetCACaps again).
set_algs() {
	local f
	cm_stop
	f=$(record_file "$CERTMONGER_CAS_DIR" scepd)
	sed -i '/^scep_cipher=/d; /^scep_digest=/d' "$f"
	[ -z "$1" ] || echo "scep_cipher=$1" >>"$f"
	[ -z "$2" ] || echo "scep_digest=$2" >>"$f"
	cm_start
}

CADIR=$T/ca
scepd_init "$CADIR"
scepd_start "$CADIR"
cm_start
echo "# $("$CERTMONGER" -v 2>&1 | head -n1), scepd at $URL"

# --- 1. the CA ------------------------------------------------------------------
check "getcert add-scep-ca -c scepd -u URL -N ca.pem" \
	gc add-scep-ca -c scepd -u "$URL" -N "$CADIR/ca.pem"
check "certmonger fetched GetCACaps and GetCACert" wait_ca scepd
CAREC=$CM/scepd.ca
echo "# certmonger's view of GetCACaps: $(field "$CAREC" ca_capabilities)"
same_ca() {
	cmp -s <(field "$CAREC" ca_encryption_cert | openssl x509 -outform DER) \
		<(openssl x509 -in "$CADIR/ca.pem" -outform DER)
}
check "certmonger's SCEP encryption certificate is DIR/ca.pem" same_ca

# --- 2. enrollment with the algorithms certmonger picks itself ---------------
t0=$(date +%s%N)
st=$(enroll cm-auto interop-certmonger-auto "${CHALLENGE:-s3cret}")
echo "# cm-auto: $st after $((($(date +%s%N) - t0) / 1000000)) ms; on the wire: $(wire cm-auto)"
grep -hE "Server supports|using (cipher|digest)" "$CM/certmonger.log" | sed 's/^.*\] /# certmonger: /' | sort -u
check "certmonger enrolls (its own choice of algorithms): MONITORING, certificate verifies against ca.pem" \
	issued cm-auto interop-certmonger-auto
check "scepd cert list shows the certmonger certificate" listed interop-certmonger-auto

# --- 3. the algorithms certmonger can be told to use ------------------------------
# good: cipher digest
for pair in "DES3 SHA256" "AES128 SHA1" "AES192 SHA384" "AES256 SHA512"; do
	set -- $pair
	id=cm-$(echo "$1-$2" | tr 'A-Z' 'a-z')
	set_algs "$1" "$2"
	st=$(enroll "$id" "interop-$id" "${CHALLENGE:-s3cret}")
	echo "# $id: $st; on the wire: $(wire "$id")"
	check "certmonger with scep_cipher=$1 scep_digest=$2 enrolls" issued "$id" "interop-$id"
done
# refused: MD5. (Single DES cannot be tested this way: certmonger on OpenSSL 3
# cannot build a DES envelope at all and stops at NEED_SCEP_DATA, sending nothing.)
for pair in "AES128 MD5"; do
	set -- $pair
	id=cm-$(echo "$1-$2" | tr 'A-Z' 'a-z')
	set_algs "$1" "$2"
	st=$(enroll "$id" "interop-$id" "${CHALLENGE:-s3cret}")
	echo "# $id: $st; on the wire: $(wire "$id")"
	check "certmonger with scep_cipher=$1 scep_digest=$2 is refused: CA_REJECTED, nothing issued" refused "$id" "interop-$id"
	# else the restart below would resubmit it with the daemon's new settings
	gc stop-tracking -i "$id" >/dev/null
done
set_algs "" ""

# --- 4. wrong challenge -------------------------------------------------------------
st=$(enroll cm-wrong interop-certmonger-wrong "not-the-challenge")
check "wrong challenge: CA_REJECTED, no certificate, nothing issued" refused cm-wrong interop-certmonger-wrong
gc stop-tracking -i cm-wrong >/dev/null
check "scepd still running" kill -0 "$SCEPD_PID"

# --- 5. (information only) renewal: getcert resubmit, then rekey, of the first request
serial_of() { openssl x509 -in "$1" -noout -serial 2>/dev/null | cut -d= -f2; }
before=$(serial_of "$CM/cm-auto.pem")
gc resubmit -i cm-auto >/dev/null || true
left=0
for i in $(seq 1 80); do   # 20 s at most
	after=$(serial_of "$CM/cm-auto.pem")
	st=$(status cm-auto || true)
	[ "$after" != "$before" ] && break
	case $st in
	CA_REJECTED | CA_UNREACHABLE | NEED_GUIDANCE) break ;;
	MONITORING) [ "$left" = 1 ] && break ;;   # back, with the same certificate
	*) left=1 ;;
	esac
	[ "$(date +%s)" -lt "$DEADLINE" ] || break
	sleep 0.25
done
echo "# getcert resubmit (renewal, same key): status $st, serial $before -> $after" \
	"($(gc list -i cm-auto | sed -n 's/^[[:space:]]*ca-error: //p' | head -n1))"
before=$(serial_of "$CM/cm-auto.pem")
keybefore=$(openssl pkey -in "$CM/cm-auto.key" -pubout 2>/dev/null | sha256sum | cut -c1-16)
gc rekey -i cm-auto >/dev/null || true
left=0
for i in $(seq 1 80); do   # 20 s at most
	after=$(serial_of "$CM/cm-auto.pem")
	st=$(status cm-auto || true)
	[ "$after" != "$before" ] && break
	case $st in
	CA_REJECTED | CA_UNREACHABLE | NEED_GUIDANCE) break ;;
	MONITORING) [ "$left" = 1 ] && break ;;
	*) left=1 ;;
	esac
	[ "$(date +%s)" -lt "$DEADLINE" ] || break
	sleep 0.25
done
keyafter=$(openssl pkey -in "$CM/cm-auto.key" -pubout 2>/dev/null | sha256sum | cut -c1-16)
echo "# getcert rekey (renewal, new key $keybefore -> $keyafter): status $st, serial $before -> $after" \
	"($(gc list -i cm-auto | sed -n 's/^[[:space:]]*ca-error: //p' | head -n1))"

# --- 6. (information only) the same without -N --------------------------------
gc add-scep-ca -c scepd-noN -u "$URL" >/dev/null
if wait_ca scepd-noN; then
	st=$(CA_NAME=scepd-noN WAIT=20 enroll cm-nonN interop-certmonger-nonN "${CHALLENGE:-s3cret}")
	echo "# without -N: $st ($(gc list -i cm-nonN | sed -n 's/^[[:space:]]*ca-error: //p' | head -n1));" \
		"issued by scepd: $(listed interop-certmonger-nonN && echo yes || echo no)"
	gc stop-tracking -i cm-nonN >/dev/null || true
fi

# --- 7. the old form: compat.failure_content = false -----------------------------
scepd_stop
echo 'compat: { failure_content = false; };   # interop_certmonger.sh, part 7' >>"$CADIR/scepd.conf"
scepd_start "$CADIR" --listen "127.0.0.1:$PORT"
st=$(enroll cm-absent interop-certmonger-absent "not-the-challenge")
check "failure_content = false (eContent absent): certmonger cannot read the FAILURE, CA_UNREACHABLE, nothing issued" \
	refused cm-absent interop-certmonger-absent CA_UNREACHABLE
gc stop-tracking -i cm-absent >/dev/null || true

grep -i "pkioperation" "$T/scepd.log" 2>/dev/null | tail -n 8 | sed 's/^/# scepd: /' || true
finish
