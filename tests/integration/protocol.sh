#!/usr/bin/env bash
# tests/integration/protocol.sh: RFC 8894 happy paths against a live scepd.
#   GetCACaps (3.5.2) and GetCACert (4.2.1.1): exact bodies and media types,
#   operation names in any case, a draft-era &message=, the three SCEP paths.
#   PKIOperation PKCSReq (3.3.1, 4.3) over POST with any Content-Type and over
#   GET with every base64 spelling clients send (checklist HTTP-02); every
#   cipher x digest pair, mirrored in the CertRep; RSASSA-PSS and RSAES-OAEP
#   requests answered in kind; EC keys (PWRI reply).
#   The issued certificate: chain, SANs, KU/EKU, validity, serial.
#   A resent PKCSReq gets the same certificate (TXN-02); `scepd cert` sees it.
#   FAILURE and PENDING: eContent empty by default, absent with
#   compat.failure_content = false (REP-03/04), never a pkcsPKIEnvelope.
# Every CertRep goes through "scepmsg rep" (CHK-REP, checklist 7.4).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

D=$T/d
scepd_init "$D"
scepd_start "$D"
CA=$D/ca.pem
BASE=http://127.0.0.1:$PORT

# --- GetCACaps, GetCACert, routing ---------------------------------------------

# caps_ok URL [QUERY-SUFFIX [OPERATION]]: exactly our capabilities, one per
# LF-ended line.
caps_ok() {
	http "$1?operation=${3:-GetCACaps}${2-}" && http_is 200 || return 1
	[ "$CTYPE" = text/plain ] || { echo "Content-Type \"$CTYPE\"" >&2; return 1; }
	if grep -q $'\r' "$T/body" || [ -n "$(tail -c 1 "$T/body")" ]; then
		echo "a CR, or a line without LF: $(od -c "$T/body" | head -5)" >&2
		return 1
	fi
	diff <(LC_ALL=C sort "$T/body") <(printf '%s\n' AES DES3 POSTPKIOperation \
		Renewal SCEPStandard SHA-1 SHA-256 SHA-384 SHA-512 | LC_ALL=C sort) >&2
}

# cacert_ok URL [QUERY-SUFFIX [OPERATION]]: the whole body is DIR/ca.pem in DER.
cacert_ok() {
	http "$1?operation=${3:-GetCACert}${2-}" && http_is 200 || return 1
	[ "$CTYPE" = application/x-x509-ca-cert ] || { echo "Content-Type \"$CTYPE\"" >&2; return 1; }
	openssl x509 -in "$CA" -outform DER | cmp -s - "$T/body"
}

cacert_stable() {
	cacert_ok "$URL" && cp "$T/body" "$T/cacert1" && cacert_ok "$URL" &&
		cmp -s "$T/cacert1" "$T/body"
}

check "GetCACaps: 200 text/plain, exactly AES DES3 POSTPKIOperation Renewal SCEPStandard SHA-1 SHA-256 SHA-384 SHA-512, LF only" \
	caps_ok "$URL"
check "GetCACaps: operation=getcacaps (lower case)" caps_ok "$URL" "" getcacaps
check "GetCACaps: operation=GETCACAPS (upper case)" caps_ok "$URL" "" GETCACAPS
check "GetCACaps&message=anything: same body" caps_ok "$URL" "&message=anything"
check "GetCACert: 200 application/x-x509-ca-cert, body = DER of ca.pem" cacert_ok "$URL"
check "GetCACert: operation=getcacert (lower case)" cacert_ok "$URL" "" getcacert
check "GetCACert&message=anything: same body" cacert_ok "$URL" "&message=anything"
check "GetCACert: byte-identical across calls" cacert_stable
for p in /scep /scep/pkiclient.exe /cgi-bin/pkiclient.exe; do
	check "path $p: GetCACaps" caps_ok "$BASE$p"
	check "path $p: GetCACert" cacert_ok "$BASE$p"
done
check "path /nowhere/pkiclient.exe: 404" get_is 404 "$BASE/nowhere/pkiclient.exe?operation=GetCACaps"

# --- PKIOperation over POST and GET --------------------------------------------

# post_as NAME CTYPE: a fresh PKCSReq POSTed with that Content-Type ("" none).
post_as() {
	mkreq "$1" && post "$1" "$2" && expect "$1" status=SUCCESS && cert_ok "$1"
}

# get_as NAME [scepmsg b64 options]: a fresh PKCSReq (base64 with padding) over GET.
get_as() {
	local name=$1
	shift
	mkreq_padded "$name" && get "$name" "$@" && expect "$name" status=SUCCESS &&
		cert_ok "$name"
}

# The raw GET is only a test if its base64 holds all of + / =.
get_raw() {
	local m
	mkreq_padded "$1" && m=$("$SCEPMSG" b64 -i "$T/$1.der") || return 1
	[[ $m == *+* && $m == */* && $m == *= ]] || { echo "no + / = in $m" >&2; return 1; }
	get "$1" && expect "$1" status=SUCCESS && cert_ok "$1"
}

check "POST, Content-Type application/x-pki-message: SUCCESS, certificate verifies" \
	post_as post-pki application/x-pki-message
check "POST, Content-Type application/octet-stream: SUCCESS" post_as post-octet application/octet-stream
check "POST, Content-Type text/plain: SUCCESS" post_as post-text text/plain
check "POST, no Content-Type: SUCCESS" post_as post-none ""
check "GET, base64 percent-escaped (%2B %2F %3D): SUCCESS" get_as get-esc --escape
check "GET, raw + / = in the query: SUCCESS" get_raw get-raw
check "GET, spaces where + was: SUCCESS" get_as get-space --plus-space
check "GET, base64 wrapped at 64 with %0A: SUCCESS" get_as get-wrap --wrap 64 --escape
check "GET, base64 wrapped at 76 with %0D%0A: SUCCESS" get_as get-crlf --wrap 76 --crlf --escape
check "GET, base64 without padding: SUCCESS" get_as get-nopad --no-pad --escape

# --- message variants -----------------------------------------------------------
check "signer named by subjectKeyIdentifier (SignerInfo v3, MSG-06): SUCCESS" \
	enroll var-sidski status=SUCCESS --mutate sid-ski
check "envelope recipient named by subjectKeyIdentifier (ktri v2, ENC-01): SUCCESS" \
	enroll var-ktriski status=SUCCESS --mutate ktri-ski
check "8-byte senderNonce echoed verbatim as recipientNonce (ATTR-07): SUCCESS" \
	enroll var-nonce8 status=SUCCESS --mutate nonce-8

# --- algorithms ------------------------------------------------------------------
for c in aes128 aes192 aes256 des3; do
	for d in sha1 sha256 sha384 sha512; do
		check "PKCSReq $c/$d: SUCCESS, CertRep mirrors $c and $d" \
			enroll "alg-$c-$d" status=SUCCESS --key "$T/alg.key" --cipher "$c" --digest "$d"
	done
done

# RSASSA-PSS and RSAES-OAEP requests (strongSwan --rsa-padding pss). OAEP is
# answered in kind ("scepmsg rep" wants an OAEP KTRI back); the CertRep is
# PKCS#1 v1.5-signed unless algorithms.pss_replies (strongSwan < 5.9.11
# verifies nothing else), see the end of this file for PSS replies.
REPSIG=pkcs1
for d in sha1 sha256 sha384 sha512; do
	check "PKCSReq signed RSASSA-PSS/$d: SUCCESS, CertRep in $d, PKCS#1 v1.5 (default)" \
		enroll "pss-$d" status=SUCCESS --key "$T/alg.key" --pss --digest "$d"
done
check "PKCSReq whose key transport is RSAES-OAEP (SHA-256): SUCCESS, the CertRep envelope is OAEP too" \
	enroll oaep status=SUCCESS --key "$T/alg.key" --oaep
check "PSS and OAEP together, aes256/sha512: SUCCESS" \
	enroll pss-oaep status=SUCCESS --key "$T/alg.key" --pss --oaep --cipher aes256 --digest sha512
REPSIG=

for d in sha1 sha384 sha512; do
	check "PKCSReq whose CSR is signed with $d (sha256 pkiMessage): SUCCESS" \
		enroll "csr-$d" status=SUCCESS --key "$T/alg.key" --csr-digest "$d"
done
check "sha384 throughout (pkiMessage, CSR): SUCCESS, CertRep in sha384" \
	enroll csr-all384 status=SUCCESS --key "$T/alg.key" --digest sha384 --csr-digest sha384 --cipher aes256

# pwri_reply NAME: the CertRep envelope of NAME is for the challenge (PWRI).
pwri_reply() {
	openssl cms -verify -noverify -inform DER -in "$T/$1.rep" -out "$T/$1.env" 2>/dev/null &&
		openssl cms -cmsout -print -inform DER -in "$T/$1.env" | grep -c 'd.pwri:' >/dev/null
}
check "EC P-256 key (self-signed EC signer): SUCCESS over the CSR key" \
	enroll ec-p256 status=SUCCESS --newkey ec:P-256
check "EC P-256: the certificate verifies, the reply envelope is PWRI" \
	eval 'cert_ok ec-p256 && pwri_reply ec-p256'
check "EC P-384 key: SUCCESS" enroll ec-p384 status=SUCCESS --newkey ec:P-384

# --- the issued certificate ------------------------------------------------------

sans_ok() {
	local s
	s=$(openssl x509 -in "$T/san.crt" -noout -ext subjectAltName) || return 1
	[[ $s == *DNS:a.example* && $s == *DNS:b.example* ]] || { echo "SAN: $s" >&2; return 1; }
}

# ku_eku_ok NAME: keyUsage digitalSignature, extendedKeyUsage clientAuth only.
ku_eku_ok() {
	local ku eku
	ku=$(openssl x509 -in "$T/$1.crt" -noout -ext keyUsage) &&
		eku=$(openssl x509 -in "$T/$1.crt" -noout -ext extendedKeyUsage) || return 1
	[[ $ku == *"Digital Signature"* && $eku == *"TLS Web Client Authentication"* &&
		$eku != *"Server Authentication"* ]] || { echo "KU: $ku EKU: $eku" >&2; return 1; }
}

# validity_ok NAME: notAfter is 365 days (+-1) from now.
validity_ok() {
	local end days
	end=$(openssl x509 -in "$T/$1.crt" -noout -enddate | cut -d= -f2) &&
		days=$((($(date -d "$end" +%s) - $(date +%s)) / 86400)) || return 1
	if [ "$days" -lt 364 ] || [ "$days" -gt 366 ]; then
		echo "valid for $days days" >&2
		return 1
	fi
}

# serial_ok NAME: positive, at least 64 bits.
serial_ok() {
	local s
	s=$(serial_of "$1" | sed 's/^0*//')
	if [[ $s == -* ]] || [ ${#s} -lt 16 ] || [[ ${#s} -eq 16 && $s != [89A-F]* ]]; then
		echo "serial $s: negative or under 64 bits" >&2
		return 1
	fi
}

check "SANs of the CSR: SUCCESS" \
	enroll san status=SUCCESS --subject /CN=san/O=Example --san-dns a.example --san-dns b.example
check "SANs of the CSR are copied to the certificate" sans_ok
subject_ok() {
	openssl x509 -in "$T/$1.crt" -noout -subject -nameopt RFC2253 | grep -qx "subject=$2"
}
check "subject of the CSR is the certificate's" subject_ok san O=Example,CN=san
check "keyUsage digitalSignature, extendedKeyUsage clientAuth" ku_eku_ok post-pki
check "validity about 365 days" validity_ok post-pki
check "serial positive, at least 64 bits" serial_ok post-pki

# --- resent requests, and what `scepd cert` sees ---------------------------------

# same_serial NAME FIRST: NAME.crt has the serial of FIRST.crt.
same_serial() {
	[ "$(serial_of "$1")" = "$(serial_of "$2")" ] ||
		{ echo "serial $(serial_of "$1") vs $(serial_of "$2")" >&2; return 1; }
}

resend_bytes() {
	cp "$T/res.der" "$T/res2.der" && cp "$T/res.st" "$T/res2.st" &&
		post res2 && expect res2 status=SUCCESS && same_serial res2 res
}

resend_rebuilt() {
	mkreq res3 --key "$T/res.key" --subject /CN=res --txid resend-1 && post res3 &&
		expect res3 status=SUCCESS && same_serial res3 res
}

new_txn() {
	mkreq res4 --key "$T/res.key" --subject /CN=res --txid resend-2 && post res4 &&
		expect res4 status=SUCCESS && ! same_serial res4 res 2>/dev/null
}

# shown_ok NAME: `scepd cert show SERIAL` prints NAME.crt.
shown_ok() {
	local s
	s=$("$SCEPD" cert list -d "$D" | grep -iwo -- "$(serial_of "$1")") &&
		"$SCEPD" cert show "$s" -d "$D" >"$T/shown.pem" || return 1
	cmp -s <(openssl x509 -in "$T/shown.pem" -outform DER) <(openssl x509 -in "$T/$1.crt" -outform DER)
}

all_listed() {
	local n
	for n in post-pki post-none get-esc get-raw get-wrap ec-p256 san res res4; do
		listed "$(serial_of "$n")" || { echo "$n: serial not listed" >&2; return 1; }
	done
}

check "PKCSReq with transactionID resend-1: SUCCESS" enroll res status=SUCCESS --txid resend-1
check "the identical PKCSReq bytes again: SUCCESS, the same serial" resend_bytes
check "PKCSReq rebuilt (same transactionID and key, new nonce): the same serial" resend_rebuilt
check "a second transaction, same key: a different serial" new_txn
check "scepd cert list shows the issued serials" all_listed
check "scepd cert show SERIAL prints the issued certificate" shown_ok post-pki

# --- FAILURE and PENDING: no pkcsPKIEnvelope; eContent empty by default ---------
# (RFC 8894 3.3.2.2/3; compat.failure_content, checklist REP-03/04)
ECONTENT=empty
check "FAILURE (wrong challenge), default profile: eContent empty, no envelope" \
	enroll ec-fail "status=FAILURE failinfo=badRequest" --challenge wrong
scepd_stop
cp "$D/scepd.conf" "$D/scepd.conf.orig"
echo 'approval: { manual = true; };' >>"$D/scepd.conf"
scepd_start "$D"
check "PENDING (manual approval), default profile: eContent empty, no envelope" \
	enroll ec-pend status=PENDING --subject /CN=ec-pend
scepd_stop
echo 'compat: { failure_content = false; };' >>"$D/scepd.conf"
scepd_start "$D"
ECONTENT=absent
check "PENDING with compat.failure_content = false: eContent absent" \
	enroll ec-pend-abs status=PENDING --subject /CN=ec-pend-abs
check "FAILURE with compat.failure_content = false: eContent absent" \
	enroll ec-fail-abs "status=FAILURE failinfo=badRequest" --challenge wrong
ECONTENT=empty
check "an absent eContent is not taken for an empty one (scepmsg rep --econtent empty refuses it)" \
	eval '! expect ec-fail-abs status=FAILURE 2>/dev/null'
ECONTENT=

# --- algorithms.pss_replies: a PSS request gets a PSS CertRep --------------------
scepd_stop
cp "$D/scepd.conf.orig" "$D/scepd.conf"
sed -i 's/^\( *legacy = false;\)/\1 pss_replies = true;/' "$D/scepd.conf"   # in the algorithms group
scepd_start "$D"
REPSIG=pss
for d in sha256 sha512; do
	check "pss_replies: PSS/$d request: SUCCESS, the CertRep is RSASSA-PSS/$d" \
		enroll "pssr-$d" status=SUCCESS --key "$T/alg.key" --pss --digest "$d"
done
check "pss_replies: a FAILURE to a PSS request is PSS-signed too" \
	enroll pssr-fail "status=FAILURE failinfo=badRequest" --key "$T/alg.key" --pss --challenge wrong
REPSIG=pkcs1
check "pss_replies: a PKCS#1 v1.5 request still gets a PKCS#1 v1.5 CertRep" \
	enroll pssr-v15 status=SUCCESS --key "$T/alg.key"
REPSIG=
scepd_stop
cp "$D/scepd.conf.orig" "$D/scepd.conf"
scepd_start "$D"
check "scepd still running" kill -0 "$SCEPD_PID"

finish
