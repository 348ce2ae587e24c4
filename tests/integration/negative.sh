#!/usr/bin/env bash
# tests/integration/negative.sh: broken and refused requests against a live
# scepd, each with the exact answer a correct server gives (checklist 1.4, 13):
#   a signed CertRep FAILURE over HTTP 200 with the right failInfo when a reply
#   can be built (challenge, signature, digest, envelope, CSR, key, algorithm,
#   messageType), and a one-line text/plain 400/405/413 when it cannot.
#   Every envelope failure gets one identical answer (ENC-08, no oracle).
# Afterwards scepd still enrolls, and no failed request left a certificate.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

D=$T/d
scepd_init "$D"
scepd_start "$D"
CA=$D/ca.pem
BADREQ="status=FAILURE failinfo=badRequest "
BADMSG="status=FAILURE failinfo=badMessageCheck "
BADALG="status=FAILURE failinfo=badAlg "

# Another CA's certificate, and an EC key for a CSR.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" \
	-subj /CN=other-ca -days 30 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.key" 2>/dev/null

# --- answered with a CertRep FAILURE -----------------------------------------------
check "wrong challenge: 200 CertRep FAILURE badRequest" enroll neg-chal "$BADREQ" --challenge wrong
check "no challenge: FAILURE badRequest" enroll neg-nochal "$BADREQ" --no-challenge
check "signature bit flipped: FAILURE badMessageCheck" enroll neg-sig "$BADMSG" --mutate flip-sig
check "messageDigest not of the content: FAILURE badMessageCheck" \
	enroll neg-digest "$BADMSG" --mutate bad-digest
check "signer certificate left out: FAILURE badMessageCheck" \
	enroll neg-nocert "$BADMSG" --mutate no-signer-cert
check "CSR signature bit flipped: FAILURE badRequest" enroll neg-csrsig "$BADREQ" --mutate csr-bad-sig
check "RSA-1024 key: FAILURE badRequest" enroll neg-rsa1024 "$BADREQ" --newkey rsa:1024
check "RSA signer, EC CSR key (decision 5: signer must hold the CSR key): FAILURE badRequest" \
	enroll neg-eccsr "$BADREQ" --csr-key "$T/ec.key"
check "MD5 digest: FAILURE badAlg" enroll neg-md5 "$BADALG" --digest md5
check "single DES: FAILURE badAlg" enroll neg-des "$BADALG" --cipher des
check "CSR signed with MD5 (RFC 8894 2.9): FAILURE badAlg" enroll neg-csrmd5 "$BADALG" --csr-digest md5
check "messageType 99: FAILURE badRequest" enroll neg-type99 "$BADREQ" --type 99
check "messageType 18 (UpdateReq): FAILURE badRequest" enroll neg-type18 "$BADREQ" --type 18
check "CSR without envelope (raw-csr): FAILURE badRequest" enroll neg-raw "$BADREQ" --mutate raw-csr
check "no messageType: FAILURE badRequest" enroll neg-notype "$BADREQ" --mutate no-type

# NEG-19: two transactionIDs are refused, never "first wins": 400, or FAILURE
# badRequest if scepd chose to answer with a CertRep.
two_txids() {
	mkreq neg-twotxid --mutate two-txid && post neg-twotxid || return 1
	[ "$CODE" = 400 ] && http_is 400 && return 0
	expect neg-twotxid "$BADREQ"
}
check "two transactionID attributes: 400 or FAILURE badRequest, never issued" two_txids

# ATTR-09, NEG-19: every other SCEP attribute whose SET holds other than one
# value is badRequest, judged before the algorithms and the signature.
check "messageType SET with two values: FAILURE badRequest" \
	enroll neg-type2 "$BADREQ" --mutate type-set2
check "messageType with an empty SET: FAILURE badRequest" \
	enroll neg-type0 "$BADREQ" --mutate type-set0
check "two messageType attributes: FAILURE badRequest" \
	enroll neg-twotype "$BADREQ" --mutate two-type
check "two recipientNonce attributes: FAILURE badRequest" \
	enroll neg-twornonce "$BADREQ" --mutate two-rnonce
check "a pkiStatus SET with two values: FAILURE badRequest" \
	enroll neg-status2 "$BADREQ" --mutate status-set2
check "messageType SET of two and an MD5 digest: badRequest, not badAlg (attributes first)" \
	enroll neg-type2md5 "$BADREQ" --mutate type-set2 --digest md5
check "messageType SET of two and a broken signature: badRequest, not badMessageCheck" \
	enroll neg-type2sig "$BADREQ" --mutate type-set2,flip-sig
nonce_set2() {
	mkreq neg-nonce2 --mutate nonce-set2 && post neg-nonce2 && http_is 400
}
check "senderNonce SET with two values: 400 (no senderNonce to echo, NEG-21)" nonce_set2

# same_answer NAME MUTATION: FAILURE badRequest, word for word the answer to
# the envelope for another CA.
same_answer() {
	enroll "$1" "$BADREQ" --mutate "$2" || return 1
	[ "$VERDICT" = "$RCPT_VERDICT" ] ||
		{ echo "\"$VERDICT\" differs from \"$RCPT_VERDICT\"" >&2; return 1; }
}
RCPT_VERDICT=
check "envelope to another CA's certificate: FAILURE badRequest" \
	enroll neg-rcpt "$BADREQ" --recipient "$T/other.pem"
RCPT_VERDICT=$VERDICT
check "envelope key for another RSA key (padding failure): same failInfo and text" \
	same_answer neg-envkey env-wrong-key
check "envelope ciphertext corrupted (CBC padding): same failInfo and text" \
	same_answer neg-envpad env-bad-pad
check "envelope decrypts to garbage, not a CSR (ENC-08): same failInfo and text" \
	same_answer neg-envjunk env-garbage

# --- answered with an HTTP error --------------------------------------------------

# post_is CODE FILE: POST FILE as PKIOperation, expect CODE (one-line body).
post_is() { post_file "$2" && http_is "$1"; }

# b64_cut NAME N: the base64 of request NAME without its last N characters.
b64_cut() { "$SCEPMSG" b64 -i "$T/$1.der" | head -c -1 | head -c "-$2"; }

mkreq neg-base
head -c -10 "$T/neg-base.der" >"$T/trunc.der"
head -c 200 /dev/urandom >"$T/random.der"
head -c $((300 * 1024)) /dev/urandom >"$T/big.der"
mkreq neg-notxid --mutate no-txid
mkreq neg-nononce --mutate no-nonce

check "GET message=!!!! (not base64): 400" get_is 400 "$URL?operation=PKIOperation&message=!!!!"
check "GET message= truncated base64 (7 characters cut): 400" \
	get_is 400 "$URL?operation=PKIOperation&message=$(b64_cut neg-base 7)"
check "POST DER truncated by 10 bytes: 400" post_is 400 "$T/trunc.der"
check "POST 200 random bytes: 400" post_is 400 "$T/random.der"
check "POST body of 300 KiB (limit 256 KiB): 413" post_is 413 "$T/big.der"
check "POST without transactionID: 400" post_is 400 "$T/neg-notxid.der"
check "POST without senderNonce: 400" post_is 400 "$T/neg-nononce.der"
check "unknown operation: 400" get_is 400 "$URL?operation=Foo"
check "no operation: 400" get_is 400 "$URL"
check "GET PKIOperation without message: 400" get_is 400 "$URL?operation=PKIOperation"
check "GET PKIOperation with empty message: 400" get_is 400 "$URL?operation=PKIOperation&message="
check "PUT: 405" get_is 405 -X PUT --data-binary "@$T/neg-base.der" "$URL?operation=PKIOperation"
check "DELETE: 405" get_is 405 -X DELETE "$URL?operation=GetCACaps"

# --- and then -----------------------------------------------------------------------

# none_issued: `scepd cert list` names no neg-* subject, and lists "good".
none_issued() {
	local list
	list=$("$SCEPD" cert list -d "$D") || return 1
	! grep -q 'neg-' <<<"$list" || { echo "issued: $(grep 'neg-' <<<"$list")" >&2; return 1; }
	[ "$(grep -c . <<<"$list")" = 1 ] && grep -qiw -- "$(serial_of good)" <<<"$list"
}

check "scepd still enrolls a good request: SUCCESS" \
	eval 'enroll good status=SUCCESS && cert_ok good'
check "scepd cert list: only the good certificate, none for a failed request" none_issued
check "scepd still running" kill -0 "$SCEPD_PID"

finish
