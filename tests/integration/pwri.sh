#!/usr/bin/env bash
# tests/integration/pwri.sh: PasswordRecipientInfo requests (RFC 8894 3.2.2,
# RFC 3211) against a live scepd; checklist NEG-20, ENC-08.
#   An EC CA without an RA cannot take key transport, so a client encrypts the
#   pkcsPKIEnvelope to the challengePassword (PBKDF2 + PWRI-KEK). scepd opens
#   it with the profile's static challenge. The CertRep is signed by the EC CA
#   and encrypted to the client's signing certificate by key transport when
#   its key is RSA, by PWRI under the challenge when it is EC.
#   PBKDF2 is bounded (20000 iterations): above, badAlg before any derivation.
#   A wrong password is the same answer as every other decryption failure.
#   A profile whose challenge the server cannot read (one-time, or stored as
#   "sha256:HEX") refuses PWRI with badAlg and says why.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

D=$T/d
scepd_init "$D"
"$SCEPD" ca create ecca --key ec:P-256 --cn "EC CA" -d "$D" >"$T/ca-ecca.out"
grep -q "PWRI" "$T/ca-ecca.out" || { echo "scepd ca create: no word on PWRI" >&2; exit 1; }
printf 'sha256:%s\n' "$(printf s3cret | sha256sum | cut -d' ' -f1)" >"$D/challenge.hash"
chmod 600 "$D/challenge.hash"
cat >>"$D/scepd.conf" <<'EOF'
# pwri.sh
cas: { ecca: { cert = "ecca.pem"; key = "ecca.key"; }; };
profiles: {
  ec: { ca = "ecca"; };
  ecotp: { ca = "ecca"; challenge: { mode = "dynamic"; }; };
  echash: { ca = "ecca"; challenge: { file = "challenge.hash"; }; };
};
EOF
scepd_start "$D"
BASE=${URL%/scep}
CA=$D/ca.pem
CHAL=${CHALLENGE:-s3cret}
BADREQ="status=FAILURE failinfo=badRequest "
BADALG="status=FAILURE failinfo=badAlg "
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" \
	-subj /CN=other-ca -days 30 2>/dev/null

# at PROFILE CACERT NAME WANT [scepmsg req options]: enroll at /scep/PROFILE.
# The subject is CN=NAME.
at() {
	local p=$1 ca=$2 name=$3 want=$4
	shift 4
	URL=$BASE/scep${p:+/$p} CA=$ca enroll "$name" "$want" --subject "/CN=$name" "$@"
}

check "GetCACert of the EC profile: the EC CA certificate" \
	eval 'http "$BASE/scep/ec?operation=GetCACert" && http_is 200 &&
		openssl x509 -in "$D/ecca.pem" -outform DER | cmp -s - "$T/body"'

# key transport of the reply: "ktri" or "pwri"
reply_ri() {
	openssl cms -verify -noverify -inform DER -in "$T/$1.rep" -out "$T/$1.env" 2>/dev/null &&
		openssl cms -cmsout -print -inform DER -in "$T/$1.env" |
		grep -o -m1 -e 'd.ktri:' -e 'd.pwri:' | tr -d 'd.:'
}
ec_signed() {
	openssl cms -cmsout -print -inform DER -in "$T/$1.rep" |
		awk '/signatureAlgorithm:/ { getline; print $2; exit }' | grep -q ecdsa
}

check "EC CA without an RA, RSA client, PWRI request: SUCCESS, certificate of the EC CA" \
	at ec "$D/ecca.pem" pwri-rsa status=SUCCESS --pwri "$CHAL" --challenge "$CHAL" --newkey rsa:2048
check "... the CertRep is ECDSA-signed by the EC CA and its envelope is key transport to the client" \
	eval 'ec_signed pwri-rsa && [ "$(reply_ri pwri-rsa)" = ktri ] &&
		openssl verify -CAfile "$D/ecca.pem" "$T/pwri-rsa.crt" >/dev/null'
check "EC client, PWRI request: SUCCESS, the reply envelope is PWRI under the challenge" \
	eval 'at ec "$D/ecca.pem" pwri-ec status=SUCCESS --pwri "$CHAL" --challenge "$CHAL" --newkey ec:P-256 &&
		[ "$(reply_ri pwri-ec)" = pwri ] && openssl verify -CAfile "$D/ecca.pem" "$T/pwri-ec.crt" >/dev/null'
check "PWRI with aes256 content, sha512 digest: SUCCESS" \
	at ec "$D/ecca.pem" pwri-256 status=SUCCESS --pwri "$CHAL" --challenge "$CHAL" --newkey rsa:2048 \
		--cipher aes256 --digest sha512
check "PBKDF2 at the bound, 20000 iterations: SUCCESS" \
	at ec "$D/ecca.pem" pwri-20k status=SUCCESS --pwri "$CHAL" --pwri-iter 20000 --challenge "$CHAL" --newkey rsa:2048
check "PBKDF2 20001 iterations: FAILURE badAlg, nothing derived" \
	at ec "$D/ecca.pem" pwri-20k1 "$BADALG" --pwri "$CHAL" --pwri-iter 20001 --challenge "$CHAL" --newkey rsa:2048
# (scepmsg derives with 2048 iterations and states 2000000000: were scepd to
# run them, this check would take half an hour and time out)
check "PBKDF2 stating 2000000000 iterations (NEG-20): FAILURE badAlg at once" \
	at ec "$D/ecca.pem" pwri-2g "$BADALG" --pwri "$CHAL" --pwri-iter-claim 2000000000 --challenge "$CHAL" --newkey rsa:2048
check "the same envelope stating 2048 (what it really used): SUCCESS, so the claim alone made the difference" \
	at ec "$D/ecca.pem" pwri-2k status=SUCCESS --pwri "$CHAL" --pwri-iter-claim 2048 --challenge "$CHAL" --newkey rsa:2048
check "an RSA CA accepts a PWRI request too (default profile)" \
	at "" "$CA" pwri-rsaca status=SUCCESS --pwri "$CHAL" --challenge "$CHAL" --newkey rsa:2048

# ENC-08: one answer for every decryption failure, PWRI included.
KTRI_VERDICT=
ktri_bad() {
	at "" "$CA" ktri-other "$BADREQ" --recipient "$T/other.pem" --newkey rsa:2048 && KTRI_VERDICT=$VERDICT
}
check "key transport to another CA's certificate: FAILURE badRequest" ktri_bad
same_as_ktri() {
	at "$@" || return 1
	[ "$VERDICT" = "$KTRI_VERDICT" ] || { echo "\"$VERDICT\" differs from \"$KTRI_VERDICT\"" >&2; return 1; }
}
check "PWRI under a wrong password: the same failInfo and text as any decryption failure" \
	same_as_ktri ec "$D/ecca.pem" pwri-wrong "$BADREQ" --pwri not-the-challenge --challenge "$CHAL" --newkey rsa:2048
check "PWRI under a wrong password at the RSA CA: the same answer" \
	same_as_ktri "" "$CA" pwri-wrong2 "$BADREQ" --pwri not-the-challenge --challenge "$CHAL" --newkey rsa:2048
check "PWRI whose ciphertext is corrupted: the same answer" \
	same_as_ktri ec "$D/ecca.pem" pwri-pad "$BADREQ" --pwri "$CHAL" --challenge "$CHAL" --newkey rsa:2048 \
		--mutate env-bad-pad

# What the EC CA cannot do, said plainly.
check "EC CA without an RA, a request for its key (KARI, no PWRI): FAILURE badAlg" \
	at ec "$D/ecca.pem" ec-kari "$BADALG" --challenge "$CHAL" --newkey rsa:2048
check "one-time challenge profile: PWRI refused with badAlg, the reason names the static challenge" \
	eval 'at ecotp "$D/ecca.pem" pwri-otp "$BADALG" --pwri "$CHAL" --challenge "$CHAL" --newkey rsa:2048 &&
		[[ "$VERDICT" == *"static challenge"* ]]'
check "challenge stored as sha256:HEX: PWRI refused with badAlg (the server cannot derive the key)" \
	at echash "$D/ecca.pem" pwri-hash "$BADALG" --pwri "$CHAL" --challenge "$CHAL" --newkey rsa:2048
check "nothing issued for any refused request" \
	eval '! "$SCEPD" cert list -d "$D" | grep -w -e pwri-20k1 -e pwri-2g -e pwri-wrong -e pwri-wrong2 \
		-e pwri-pad -e ec-kari -e pwri-otp -e pwri-hash -e ktri-other'
check "and the good ones are listed" \
	eval '"$SCEPD" cert list -d "$D" | grep -qw pwri-ec && "$SCEPD" cert list -d "$D" | grep -qw pwri-20k'
check "scepd still running" kill -0 "$SCEPD_PID"
finish
