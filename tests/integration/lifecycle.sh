#!/usr/bin/env bash
# tests/integration/lifecycle.sh: certificate lifecycle against a live scepd,
# with scepmsg, curl and the openssl CLI:
#   Renewal (checklist REN-01..05, TYPE-02, TYPE-07): RenewalReq (17) and a
#   PKCSReq (19) signed by a certificate of this CA, with a new key and with
#   the same key, need no challenge, keep the subject, are answered encrypted
#   to the old certificate, and `scepd cert list` links them (renewed-from).
#   Refused with FAILURE badRequest: subject change (allowed with
#   renewal.allow_subject_change), outside renewal.window_days, same key with
#   allow_same_key = false, a revoked, an expired, or a forged signer (another
#   CA with our DN, the serial of one of ours), RenewalReq self-signed.
#   Manual approval (approval.manual; TXN-01, 02, 03, 04, 10, 12): PENDING,
#   resent PENDING without a second request, `scepd request list/show/approve/
#   reject`, CertPoll PENDING / SUCCESS / FAILURE, polls by another key or for
#   an unknown transaction, pending_ttl expiry, renewal never pending.
#   GetCert (21) and GetCRL (22) (TYPE-04, TYPE-05, REP-02): only for holders
#   of a valid certificate; badCertId for other subjects, unknown serials and
#   other issuers; a degenerate SignedData with one CRL.
#   Revocation: `scepd cert revoke`, CRLv2 at /crl and from `scepd crl`
#   (number, AKI, reason codes, validity), OCSP at /ocsp (POST and GET; good,
#   revoked with reason, unknown; nonce; validity), /ca.crt, and the CRL DP
#   and AIA pointers of issued certificates, which must lead to all three.
# Every CertRep goes through "scepmsg rep" (CHK-REP, checklist 7.4).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

D=$T/d
scepd_init "$D"
CA=$D/ca.pem
BADREQ="status=FAILURE failinfo=badRequest "
BADCERTID="status=FAILURE failinfo=badCertId "

# lc_conf [name=value]...: (re)write the lifecycle groups at the end of
# scepd.conf; defaults below, CRL and OCSP validity shortened so that the
# tests can tell them from the built-in defaults.
lc_conf() {
	local manual=false pending_ttl=604800 window_days=0
	local allow_subject_change=false allow_same_key=true crl=7200 ocsp=600
	local ocsp_signer=
	[ $# -eq 0 ] || local "$@"
	sed -i '/^# lifecycle.sh settings$/,$d' "$D/scepd.conf"
	[ -z "$ocsp_signer" ] || ocsp_signer="signer_cert = \"ocsp.pem\"; signer_key = \"ocsp.key\";"
	cat >>"$D/scepd.conf" <<-EOF
	# lifecycle.sh settings
	approval: { manual = $manual; pending_ttl = $pending_ttl; };
	renewal: { window_days = $window_days; allow_subject_change = $allow_subject_change; allow_same_key = $allow_same_key; };
	crl: { validity = $crl; };
	ocsp: { validity = $ocsp; $ocsp_signer };
	EOF
}

# restart [name=value]...: stop scepd, rewrite the lifecycle groups, start
# again on the same port (public_url points at it).
restart() {
	scepd_stop
	lc_conf "$@"
	scepd_start "$D" --listen "127.0.0.1:$FIXED"
}

# A port for good: public_url must name it for the certificates' pointers.
# (Another test may take the port between the two starts: try again.)
lc_conf
for try in 1 2 3; do
	scepd_start "$D"
	FIXED=$PORT
	scepd_stop
	sed -i "s|^public_url = .*|public_url = \"http://127.0.0.1:$FIXED/scep\";|" "$D/scepd.conf"
	if scepd_start "$D" --listen "127.0.0.1:$FIXED"; then break; fi
	[ "$try" -lt 3 ] || exit 1
done
BASE=http://127.0.0.1:$FIXED

# --- helpers ---------------------------------------------------------------------

# row SERIAL: the `scepd cert list` line of SERIAL (any case).
row() {
	"$SCEPD" cert list -d "$D" | awk -F'\t' -v s="$1" 'toupper($1) == toupper(s)'
}

# col SERIAL N: field N of that line.
col() { row "$1" | cut -f"$2"; }

# renewed NAME FROM: NAME.crt is listed with renewed-from = FROM.crt's serial,
# has FROM's subject, a new serial, and chains to the CA.
renewed() {
	local s f
	s=$(serial_of "$1") && f=$(serial_of "$2") || return 1
	[ "$s" != "$f" ] || { echo "$1: same serial as $2" >&2; return 1; }
	cert_ok "$1" || return 1
	[ "$(openssl x509 -in "$T/$1.crt" -noout -subject -nameopt RFC2253)" = \
		"$(openssl x509 -in "$T/$2.crt" -noout -subject -nameopt RFC2253)" ] ||
		{ echo "$1: subject differs from $2" >&2; return 1; }
	local from
	from=$(col "$s" 5)
	[ "${from^^}" = "${f^^}" ] ||
		{ echo "$1: cert list renewed-from \"$from\", want $f: $(row "$s")" >&2; return 1; }
}

# same_cert NAME OTHER: NAME.crt and OTHER.crt are the same certificate.
same_cert() { cmp -s <(openssl x509 -in "$T/$1.crt" -outform DER) <(openssl x509 -in "$T/$2.crt" -outform DER); }

# key_of NAME KEY: NAME.crt is over KEY.
key_of() {
	cmp -s <(openssl x509 -in "$T/$1.crt" -noout -pubkey) <(openssl pkey -in "$2" -pubout)
}

# renew NAME OLD WANT [scepmsg req options]: a request for /CN of OLD signed
# by OLD.crt (by default a RenewalReq without challenge over a new key).
renew() {
	local name=$1 old=$2 want=$3 cn
	shift 3
	cn=$(openssl x509 -in "$T/$old.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
	enroll "$name" "$want" --type 17 --no-challenge --subject "/$cn" \
		--signer-cert "$T/$old.crt" --signer-key "$(signer_key "$old")" "$@"
}
# signer_key NAME: the key NAME.crt is over (NAME.key, or the one recorded).
signer_key() { if [ -f "$T/$1.keyfile" ]; then cat "$T/$1.keyfile"; else echo "$T/$1.key"; fi; }

# issued_count: number of certificates `scepd cert list` shows.
issued_count() { "$SCEPD" cert list -d "$D" | grep -c . || true; }

# no_new_cert COMMAND...: COMMAND, and the store holds no more certificates
# than before.
no_new_cert() {
	local n
	n=$(issued_count)
	"$@" || return 1
	[ "$(issued_count)" = "$n" ] || { echo "a certificate was issued" >&2; return 1; }
}

# --- capabilities -------------------------------------------------------------------
http "$URL?operation=GetCACaps"
check "GetCACaps lists Renewal" grep -qx Renewal "$T/body"

# --- renewal ------------------------------------------------------------------------------
check "initial enrollment /CN=ren: SUCCESS" enroll ren0 status=SUCCESS --subject /CN=ren
check "RenewalReq signed by the certificate, new key, no challenge: SUCCESS (reply encrypted to the old certificate)" \
	renew ren1 ren0 status=SUCCESS
check "scepd cert list: a new enrollment is valid, renewed-from -" \
	eval '[ "$(col "$(serial_of ren0)" 4)" = valid ] && [ "$(col "$(serial_of ren0)" 5)" = - ]'
check "renewed certificate: new serial, same subject, verifies, cert list renewed-from = old serial" \
	renewed ren1 ren0
check "renewed certificate is over the new key" key_of ren1 "$T/ren1.key"
check "the RenewalReq resent byte for byte: SUCCESS, the same renewed certificate (TXN-02)" \
	eval 'cp "$T/ren1.der" "$T/ren1r.der" && cp "$T/ren1.st" "$T/ren1r.st" && post ren1r &&
		expect ren1r status=SUCCESS && same_cert ren1r ren1'
check "PKCSReq signed by the certificate, new key, no challenge: SUCCESS" \
	renew ren2 ren1 status=SUCCESS --type 19
check "PKCSReq renewal: cert list renewed-from = old serial" renewed ren2 ren1
check "RenewalReq with the same key: SUCCESS" \
	renew ren3 ren2 status=SUCCESS --key "$T/ren2.key"
echo "$T/ren2.key" >"$T/ren3.keyfile"
check "same-key renewal: over the same key, renewed-from = old serial" \
	eval 'key_of ren3 "$T/ren2.key" && renewed ren3 ren2'
check "PKCSReq signed by the certificate, same key: SUCCESS" \
	renew ren4 ren3 status=SUCCESS --type 19 --key "$T/ren2.key"
echo "$T/ren2.key" >"$T/ren4.keyfile"
check "PKCSReq same-key renewal: renewed-from = old serial" renewed ren4 ren3
check "RenewalReq carrying the original challenge (REN-05): SUCCESS" \
	renew ren5 ren4 status=SUCCESS --challenge "$CHALLENGE"
# Draft-era clients derive the transactionID from the key (micromdm's
# scepclient 2.1.0 does): a same-key renewal then reuses the transactionID of
# the enrollment, and its signer key is the same too. It is still a renewal.
check "enrollment /CN=samekey, transactionID txn-samekey: SUCCESS" \
	enroll sk0 status=SUCCESS --subject /CN=samekey --txid txn-samekey
check "same-key RenewalReq reusing the enrollment's transactionID (scepclient 2.1.0): a new certificate, renewed-from the old" \
	eval 'renew sk1 sk0 status=SUCCESS --key "$T/sk0.key" --txid txn-samekey && renewed sk1 sk0'
check "RenewalReq with another subject: FAILURE badRequest, nothing issued" \
	no_new_cert renew ren-subj ren5 "$BADREQ" --subject /CN=someone-else
check "RenewalReq signed by a self-signed certificate (TYPE-07), right challenge: FAILURE badRequest" \
	no_new_cert enroll ren-self "$BADREQ" --type 17 --subject /CN=ren

# A forged certificate: our CA's name, a key of its own (our CA certificate
# re-signed, so even the subjectKeyIdentifier matches), and a leaf with our
# subject and the serial of a real certificate of ours.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/evil-ca.key" 2>/dev/null
openssl x509 -in "$CA" -signkey "$T/evil-ca.key" -out "$T/evil-ca.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/forged.key" -subj /CN=ren \
	-out "$T/forged.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$T/leaf.ext"
openssl x509 -req -in "$T/forged.csr" -CA "$T/evil-ca.pem" -CAkey "$T/evil-ca.key" \
	-set_serial "0x$(serial_of ren5)" -days 30 -extfile "$T/leaf.ext" \
	-out "$T/forged.crt" 2>/dev/null
check "RenewalReq signed by another CA's certificate (same CA DN, our serial and subject): FAILURE badRequest" \
	no_new_cert renew ren-forged forged "$BADREQ"
check "PKCSReq signed by that forged certificate, no challenge: FAILURE badRequest" \
	no_new_cert renew ren-forged19 forged "$BADREQ" --type 19

# An expired certificate really issued by our CA (openssl ca can backdate),
# recorded in the store (sqlite3) like one scepd issued, so that only its
# validity is wrong.
mkdir -p "$T/oca"
: >"$T/oca/index.txt"
openssl rand -hex 16 | tr a-f A-F | sed 's/^./7/' >"$T/oca/serial"
cat >"$T/oca/ca.cnf" <<EOF
[ca]
default_ca = c
[c]
database = $T/oca/index.txt
new_certs_dir = $T/oca
serial = $T/oca/serial
default_md = sha256
policy = p
unique_subject = no
x509_extensions = e
[p]
commonName = supplied
[e]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/expd.key" -subj /CN=expd \
	-out "$T/expd.csr" 2>/dev/null
openssl ca -batch -config "$T/oca/ca.cnf" -cert "$CA" -keyfile "$D/ca.key" -in "$T/expd.csr" \
	-out "$T/expd.crt" -notext -startdate 20250101000000Z -enddate 20250301000000Z \
	>/dev/null 2>&1 || true
store_expired() {
	local s nb na der
	s=$(serial_of expd) || return 1
	nb=$(date -d "$(openssl x509 -in "$T/expd.crt" -noout -startdate | cut -d= -f2)" +%s)
	na=$(date -d "$(openssl x509 -in "$T/expd.crt" -noout -enddate | cut -d= -f2)" +%s)
	der=$(openssl x509 -in "$T/expd.crt" -outform DER | od -An -v -tx1 | tr -d ' \n')
	sqlite3 "$D/scepd.db" ".timeout 5000" "INSERT INTO certs (serial, subject, not_before,
		not_after, status, issued_at, txid, profile, peer, der) VALUES ('$s', 'CN=expd',
		$nb, $na, 0, $nb, 'lifecycle-expired', 'default', '127.0.0.1', X'$der');" &&
		[ -n "$(row "$s")" ]
}
check "setup: an expired certificate of our CA, in the store" store_expired
check "scepd cert list: the expired certificate's status is expired" \
	eval '[ "$(col "$(serial_of expd)" 4)" = expired ]'
check "RenewalReq signed by an expired certificate of ours: FAILURE badRequest" \
	no_new_cert renew ren-expired expd "$BADREQ"

# --- GetCert and GetCRL ---------------------------------------------------------------
check "enrollment /CN=bob: SUCCESS" enroll bob status=SUCCESS --subject /CN=bob

# getcert NAME REQUESTER SERIAL WANT [options]: GetCert signed by REQUESTER.crt.
getcert() {
	local name=$1 who=$2 serial=$3 want=$4
	shift 4
	enroll "$name" "$want" --type 21 --serial "$serial" --no-challenge \
		--key "$(signer_key "$who")" --signer-cert "$T/$who.crt" --signer-key "$(signer_key "$who")" "$@"
}
check "GetCert of its own serial: SUCCESS with that certificate" \
	eval 'getcert gc-own bob "$(serial_of bob)" status=SUCCESS && same_cert gc-own bob'
check "GetCert of an older certificate of the same subject: SUCCESS with it" \
	eval 'getcert gc-old ren5 "$(serial_of ren0)" status=SUCCESS && same_cert gc-old ren0'
check "GetCert of another subject's serial: FAILURE badCertId" \
	getcert gc-other bob "$(serial_of ren5)" "$BADCERTID"
check "GetCert of an unknown serial: FAILURE badCertId" \
	getcert gc-unknown bob 123456789ABCDEF0123 "$BADCERTID"
check "GetCert from a self-signed requester: FAILURE badRequest" \
	enroll gc-self "$BADREQ" --type 21 --serial "$(serial_of bob)" --subject /CN=bob --no-challenge
check "GetCert signed by an expired certificate of ours: FAILURE badRequest" \
	getcert gc-expired expd "$(serial_of expd)" "$BADREQ"
check "GetCert from a forged certificate (other CA, our DN): FAILURE badRequest" \
	getcert gc-forged forged "$(serial_of ren5)" "$BADREQ"

# crl_verifies FILE: a DER CRL that verifies against the CA.
crl_verifies() {
	openssl crl -inform DER -in "$1" -CAfile "$CA" -noout 2>&1 | grep -q '^verify OK' ||
		{ echo "$1: CRL does not verify: $(openssl crl -inform DER -in "$1" -CAfile "$CA" -noout 2>&1 | head -3)" >&2; return 1; }
}
# getcrl_ok WHO: GetCRL signed by WHO.crt; "scepmsg rep --crl-out" checks
# REP-02 and writes the CRL to gcrl.crl.
getcrl_ok() {
	local who=$1
	mkreq gcrl --type 22 --serial "$(serial_of "$who")" --no-challenge --key "$(signer_key "$who")" \
		--signer-cert "$T/$who.crt" --signer-key "$(signer_key "$who")" && post gcrl || return 1
	http_is 200 || return 1
	VERDICT=$("$SCEPMSG" rep --state "$T/gcrl.st" --cacert "$CA" -i "$T/gcrl.rep" \
		--crl-out "$T/gcrl.crl") || return 1
	echo "# gcrl: $VERDICT"
	[[ $VERDICT == status=SUCCESS* ]] || return 1
	crl_verifies "$T/gcrl.crl"
}
check "GetCRL (issuer = our CA): SUCCESS, exactly one CRL and no certificates, CRL verifies" getcrl_ok bob
check "GetCRL naming another issuer: FAILURE badCertId" \
	enroll gcrl-other "$BADCERTID" --type 22 --serial "$(serial_of bob)" --issuer "/CN=Another CA" \
	--no-challenge --key "$T/bob.key" --signer-cert "$T/bob.crt" --signer-key "$T/bob.key"
check "GetCRL from a self-signed requester: FAILURE badRequest" \
	enroll gcrl-self "$BADREQ" --type 22 --serial "$(serial_of bob)" --subject /CN=bob --no-challenge

# --- pointers in issued certificates ------------------------------------------------------
ext_of() { openssl x509 -in "$T/$1.crt" -noout -ext "$2" 2>/dev/null; }
CDP=$(ext_of bob crlDistributionPoints | sed -n 's/^ *URI://p' | head -n1)
AIA=$(ext_of bob authorityInfoAccess)
OCSP_URL=$(echo "$AIA" | sed -n 's/^ *OCSP - URI://p' | head -n1)
ISSUERS=$(echo "$AIA" | sed -n 's/^ *CA Issuers - URI://p' | head -n1)
echo "# pointers: CRL DP $CDP, OCSP $OCSP_URL, caIssuers $ISSUERS"
check "issued certificate: CRL Distribution Point $BASE/crl" [ "$CDP" = "$BASE/crl" ]
check "issued certificate: AIA OCSP $BASE/ocsp (or under public_url)" \
	eval '[ "$OCSP_URL" = "$BASE/ocsp" ] || [ "$OCSP_URL" = "$URL/ocsp" ]'
check "issued certificate: AIA caIssuers $BASE/ca.crt (or under public_url)" \
	eval '[ "$ISSUERS" = "$BASE/ca.crt" ] || [ "$ISSUERS" = "$URL/ca.crt" ]'
check "renewed certificate carries the same pointers" \
	eval '[ "$(ext_of ren5 crlDistributionPoints)" = "$(ext_of bob crlDistributionPoints)" ] &&
		[ "$(ext_of ren5 authorityInfoAccess)" = "$AIA" ]'
: "${OCSP_URL:=$BASE/ocsp}" "${ISSUERS:=$BASE/ca.crt}" "${CDP:=$BASE/crl}"

cacrt_ok() {
	http "$ISSUERS" && http_is 200 || return 1
	[ "$CTYPE" = application/pkix-cert ] || { echo "Content-Type \"$CTYPE\"" >&2; return 1; }
	openssl x509 -in "$CA" -outform DER | cmp -s - "$T/body"
}
check "GET caIssuers URL: 200 application/pkix-cert, the CA certificate in DER" cacrt_ok

# fetch_crl FILE: GET the CRL DP URL into FILE (200, application/pkix-crl).
fetch_crl() {
	http "$CDP" && http_is 200 || return 1
	[ "$CTYPE" = application/pkix-crl ] || { echo "Content-Type \"$CTYPE\"" >&2; return 1; }
	cp "$T/body" "$1"
}
crl_number() { openssl crl -inform DER -in "$1" -noout -crlnumber 2>/dev/null | sed 's/^crlNumber=//'; }
# crl_reason FILE SERIAL: the reason text of SERIAL's entry ("none" without one);
# fails if SERIAL is not listed.
crl_reason() {
	openssl crl -inform DER -in "$1" -noout -text | awk -v s="${2^^}" '
		/Serial Number:/ { cur = toupper($3); if (cur == s) { found = 1; r = "none" }; next }
		cur == s && /CRL Reason Code/ { getline; gsub(/^ +| +$/, ""); r = $0 }
		END { if (!found) exit 1; print r }'
}
crl_shape() { # CRLv2, AKI, CRL number, nextUpdate - lastUpdate = crl.validity
	local txt lu nu
	txt=$(openssl crl -inform DER -in "$1" -noout -text) || return 1
	grep -q 'Version 2 (0x1)' <<<"$txt" || { echo "not CRLv2" >&2; return 1; }
	grep -q 'Authority Key Identifier' <<<"$txt" || { echo "no AKI" >&2; return 1; }
	grep -q 'CRL Number' <<<"$txt" || { echo "no CRL number" >&2; return 1; }
	lu=$(date -d "$(openssl crl -inform DER -in "$1" -noout -lastupdate | cut -d= -f2)" +%s)
	nu=$(date -d "$(openssl crl -inform DER -in "$1" -noout -nextupdate | cut -d= -f2)" +%s) || return 1
	[ $((nu - lu)) -ge 7080 ] && [ $((nu - lu)) -le 7320 ] ||
		{ echo "nextUpdate - lastUpdate = $((nu - lu)) s, want 7200 (crl.validity)" >&2; return 1; }
}
check "GET CRL DP URL before any revocation: 200 application/pkix-crl, verifies" \
	eval 'fetch_crl "$T/crl0.der" && crl_verifies "$T/crl0.der"'
check "CRL: v2, AKI, CRL number, nextUpdate = thisUpdate + crl.validity" crl_shape "$T/crl0.der"

# --- revocation ---------------------------------------------------------------------------
REN0=$(serial_of ren0)
revoke_ok() {
	local out
	out=$("$SCEPD" cert revoke "$@" -d "$D") || return 1
	[ "$out" = "revoked $1" ] || { echo "printed \"$out\"" >&2; return 1; }
}
check "scepd cert revoke SERIAL --reason keyCompromise: exit 0, \"revoked SERIAL\"" \
	revoke_ok "$REN0" --reason keyCompromise
check "scepd cert revoke of a revoked certificate: exit 1" \
	eval '! "$SCEPD" cert revoke "$REN0" -d "$D" >/dev/null 2>&1'
check "scepd cert revoke of an unknown serial: exit 1" \
	eval '! "$SCEPD" cert revoke 0123456789ABCDEF -d "$D" >/dev/null 2>&1'
check "scepd cert list: status revoked" eval '[ "$(col "$REN0" 4)" = revoked ]'
check "CRL DP right after the revocation: verifies, lists the serial with Key Compromise" \
	eval 'fetch_crl "$T/crl1.der" && crl_verifies "$T/crl1.der" &&
		[ "$(crl_reason "$T/crl1.der" "$REN0")" = "Key Compromise" ]'
check "CRL: the CRL number grew" \
	eval '[ $((16#$(crl_number "$T/crl1.der" | sed "s/^0x//"))) -gt $((16#$(crl_number "$T/crl0.der" | sed "s/^0x//"))) ]'
check "scepd crl -o FILE: a verifying CRL listing the serial with Key Compromise" \
	eval '"$SCEPD" crl -d "$D" -o "$T/cli.der" >/dev/null && crl_verifies "$T/cli.der" &&
		[ "$(crl_reason "$T/cli.der" "$REN0")" = "Key Compromise" ]'
check "scepd crl: writes DIR/crl.der" eval '"$SCEPD" crl -d "$D" >/dev/null && crl_verifies "$D/crl.der"'
check "RenewalReq signed by the revoked certificate: FAILURE badRequest" \
	no_new_cert renew ren-revoked ren0 "$BADREQ"
check "PKCSReq signed by the revoked certificate, no challenge: FAILURE badRequest" \
	no_new_cert renew ren-revoked19 ren0 "$BADREQ" --type 19
check "GetCert of the revoked certificate: SUCCESS with it" \
	eval 'getcert gc-rev ren5 "$REN0" status=SUCCESS && same_cert gc-rev ren0'
check "GetCert signed by the revoked certificate: FAILURE badRequest" \
	getcert gc-byrev ren0 "$REN0" "$BADREQ"
check "GetCRL after the revocation: the CRL lists the serial" \
	eval 'getcrl_ok bob && crl_reason "$T/gcrl.crl" "$REN0" >/dev/null'

BOB=$(serial_of bob)
check "scepd cert revoke --reason removeFromCRL (delta CRLs only) or a made-up reason: exit 2, still valid" \
	eval '"$SCEPD" cert revoke "$BOB" --reason removeFromCRL -d "$D" >/dev/null 2>&1; [ $? -eq 2 ] &&
		{ "$SCEPD" cert revoke "$BOB" --reason lostIt -d "$D" >/dev/null 2>&1; [ $? -eq 2 ]; } &&
		[ "$(col "$BOB" 4)" = valid ]'
check "second revocation (--reason superseded): exit 0" revoke_ok "$BOB" --reason superseded
check "CRL DP: the CRL number grew again, both serials, Superseded" \
	eval 'fetch_crl "$T/crl2.der" && crl_verifies "$T/crl2.der" &&
		[ $((16#$(crl_number "$T/crl2.der" | sed "s/^0x//"))) -gt $((16#$(crl_number "$T/crl1.der" | sed "s/^0x//"))) ] &&
		[ "$(crl_reason "$T/crl2.der" "$BOB")" = Superseded ] &&
		[ "$(crl_reason "$T/crl2.der" "$REN0")" = "Key Compromise" ]'
check "CRL: no certificate that is still valid is listed" \
	eval '! crl_reason "$T/crl2.der" "$(serial_of ren5)" >/dev/null 2>&1'

# --- OCSP ---------------------------------------------------------------------------------
# ocsp OUT [openssl ocsp options]: ask $OCSP_URL (POST); output to OUT.
ocsp() {
	local out=$1
	shift
	openssl ocsp -issuer "$CA" -CAfile "$CA" -url "$OCSP_URL" -timeout 10 "$@" >"$out" 2>&1
}
ocsp_is() { # ocsp_is OUT STATUS: verified, status as wanted, nonce echoed
	grep -q '^Response verify OK' "$1" || { cat "$1" >&2; return 1; }
	grep -q ": $2\$" "$1" || { cat "$1" >&2; return 1; }
	! grep -qi 'nonce' "$1" || { cat "$1" >&2; return 1; }
}
ocsp_validity() { # This Update + ocsp.validity = Next Update
	local tu nu
	tu=$(date -d "$(sed -n 's/^[[:space:]]*This Update: //p' "$1" | head -n1)" +%s) &&
		nu=$(date -d "$(sed -n 's/^[[:space:]]*Next Update: //p' "$1" | head -n1)" +%s) || return 1
	[ $((nu - tu)) -ge 540 ] && [ $((nu - tu)) -le 660 ] ||
		{ echo "nextUpdate - thisUpdate = $((nu - tu)) s, want 600 (ocsp.validity)" >&2; return 1; }
}
check "OCSP (POST, nonce) for a valid certificate: good, signed by the CA, nonce echoed" \
	eval 'ocsp "$T/o-good" -cert "$T/ren5.crt" && ocsp_is "$T/o-good" good'
check "OCSP: nextUpdate = thisUpdate + ocsp.validity" ocsp_validity "$T/o-good"
check "OCSP for the revoked certificate: revoked, reason keyCompromise, revocation time" \
	eval 'ocsp "$T/o-rev" -cert "$T/ren0.crt" && ocsp_is "$T/o-rev" revoked &&
		grep -q "Reason: keyCompromise" "$T/o-rev" && grep -q "Revocation Time:" "$T/o-rev"'
check "OCSP for the superseded certificate: revoked, reason superseded" \
	eval 'ocsp "$T/o-sup" -cert "$T/bob.crt" && ocsp_is "$T/o-sup" revoked && grep -q "Reason: superseded" "$T/o-sup"'
check "OCSP for an unknown serial (-serial 0x1234): unknown" \
	eval 'ocsp "$T/o-unk" -serial 0x1234 && ocsp_is "$T/o-unk" unknown'
check "OCSP -no_nonce: good" \
	eval 'ocsp "$T/o-nn" -cert "$T/ren5.crt" -no_nonce && ocsp_is "$T/o-nn" good'
# (the CertID of a -cert is made with the -issuer given before it)
check "OCSP CertID with our CA's name but another key, our serial: not good (unknown or unauthorized)" \
	eval 'ocsp "$T/o-forged" -issuer "$T/evil-ca.pem" -cert "$T/forged.crt";
		! grep -q ": good$" "$T/o-forged" &&
		grep -qE ": unknown$|Responder Error: unauthorized" "$T/o-forged"'

# ocsp_get NAME CERT: the request built by openssl, sent as GET /ocsp/<base64>.
ocsp_get() {
	openssl ocsp -issuer "$CA" -cert "$T/$2.crt" -no_nonce -reqout "$T/$1.req" >/dev/null 2>&1 || return 1
	local b64
	b64=$(base64 -w0 "$T/$1.req" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')
	http "$OCSP_URL/$b64" && http_is 200 || return 1
	[ "$CTYPE" = application/ocsp-response ] || { echo "Content-Type \"$CTYPE\"" >&2; return 1; }
	openssl ocsp -respin "$T/body" -issuer "$CA" -cert "$T/$2.crt" -CAfile "$CA" -no_nonce >"$T/$1.out" 2>&1
}
check "OCSP over GET /ocsp/<base64>: application/ocsp-response, good" \
	eval 'ocsp_get og-good ren5 && ocsp_is "$T/og-good.out" good'
check "OCSP over GET for the revoked certificate: revoked" \
	eval 'ocsp_get og-rev ren0 && ocsp_is "$T/og-rev.out" revoked'
ocsp_post_ctype() {
	openssl ocsp -issuer "$CA" -cert "$T/ren5.crt" -reqout "$T/op.req" >/dev/null 2>&1 &&
		http --data-binary "@$T/op.req" -H 'Content-Type: application/ocsp-request' "$OCSP_URL" &&
		http_is 200 && [ "$CTYPE" = application/ocsp-response ]
}
check "OCSP POST by curl: 200 application/ocsp-response" ocsp_post_ctype

# A revocation while the server runs shows at once (ren5 was good above).
check "revoke a third certificate (--reason cessationOfOperation) while serving" \
	revoke_ok "$(serial_of ren5)" --reason cessationOfOperation
check "OCSP says revoked at once" \
	eval 'ocsp "$T/o-now" -cert "$T/ren5.crt" && ocsp_is "$T/o-now" revoked'
check "the CRL lists it at once" \
	eval 'fetch_crl "$T/crl3.der" && [ "$(crl_reason "$T/crl3.der" "$(serial_of ren5)")" = "Cessation Of Operation" ]'

# --- delegated OCSP signer (RFC 6960 4.2.2.2) ---------------------------------------------
signer_ok() {
	"$SCEPD" ca ocsp-signer -d "$D" --days 30 >"$T/signer.out" || return 1
	grep -q 'signer_cert = "ocsp.pem"' "$T/signer.out" || { cat "$T/signer.out" >&2; return 1; }
	[ "$(stat -c %a "$D/ocsp.key")" = 600 ] || { echo "ocsp.key mode $(stat -c %a "$D/ocsp.key")" >&2; return 1; }
	openssl verify -CAfile "$CA" -purpose ocsphelper "$D/ocsp.pem" >/dev/null &&
		openssl x509 -in "$D/ocsp.pem" -noout -ext extendedKeyUsage | grep -q 'OCSP Signing' &&
		openssl x509 -in "$D/ocsp.pem" -noout -text | grep -c 'OCSP No Check' >/dev/null
}
check "scepd ca ocsp-signer: ocsp.pem issued by the CA (EKU OCSPSigning, ocsp-nocheck), ocsp.key 0600" signer_ok
check "scepd ca ocsp-signer again: refuses to overwrite, exit 1" \
	eval '! "$SCEPD" ca ocsp-signer -d "$D" >/dev/null 2>&1'
restart ocsp_signer=yes
delegated() { # delegated OUT CERT STATUS: verified against the CA alone, signed by ocsp.pem
	ocsp "$1" -cert "$T/$2.crt" -resp_text && grep -q 'Response verify OK' "$1" &&
		grep -q ": $3\$" "$1" && grep -q "Subject: CN *= *.*OCSP signer" "$1" &&
		! grep -q 'WARNING: no nonce' "$1" || { cat "$1" >&2; return 1; }
}
check "delegated signer: good, verified with only the CA as trust anchor, signer certificate included" \
	eval 'enroll dele status=SUCCESS --subject /CN=dele && delegated "$T/od-good" dele good'
check "delegated signer: revoked" delegated "$T/od-rev" ren0 revoked
swap_key() { # a signer whose key is not its certificate's: serve refuses to start
	cp "$D/ocsp.key" "$T/ocsp.key.save" && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$D/ocsp.key" 2>/dev/null &&
		chmod 600 "$D/ocsp.key" || return 1
	scepd_stop
	! timeout 10 "$SCEPD" serve -d "$D" --listen 127.0.0.1:0 >"$T/swap.log" 2>&1 &&
		grep -q 'key does not match' "$T/swap.log"
	local rc=$?
	cp "$T/ocsp.key.save" "$D/ocsp.key"
	return $rc
}
check "serve refuses a delegated signer key that does not match its certificate" swap_key
restart

# --- policy variants (restarts on the same port) ------------------------------------------
check "enrollment /CN=carol: SUCCESS" enroll carol status=SUCCESS --subject /CN=carol
restart allow_subject_change=true
check "allow_subject_change = true: RenewalReq with another subject: SUCCESS" \
	eval 'renew carol2 carol status=SUCCESS --subject /CN=carol-renamed &&
		openssl x509 -in "$T/carol2.crt" -noout -subject -nameopt RFC2253 | grep -qx "subject=CN=carol-renamed" &&
		[ "$(col "$(serial_of carol2)" 5 | tr a-f A-F)" = "$(serial_of carol)" ]'

restart allow_same_key=false
check "allow_same_key = false: same-key RenewalReq: FAILURE badRequest" \
	no_new_cert renew carol-same carol2 "$BADREQ" --key "$T/carol2.key"
check "allow_same_key = false: new-key RenewalReq: SUCCESS" renew carol3 carol2 status=SUCCESS

sed -i 's/^\( *validity_days = \)[0-9]*;/\110;/' "$D/scepd.conf"
restart window_days=30
check "window_days = 30, signer valid for a year: FAILURE badRequest" \
	no_new_cert renew carol-early carol3 "$BADREQ"
check "window_days = 30: a 10-day certificate (certificate.validity_days = 10) is issued" \
	enroll dave status=SUCCESS --subject /CN=dave
check "window_days = 30, signer valid for 10 days: SUCCESS" renew dave2 dave status=SUCCESS
sed -i 's/^\( *validity_days = \)[0-9]*;/\1365;/' "$D/scepd.conf"

# --- manual approval --------------------------------------------------------------------------
restart manual=true
# req_line TXID: the `scepd request list` line of that transactionID.
req_line() { "$SCEPD" request list -d "$D" | awk -F'\t' -v t="$1" '$2 == t'; }
req_id() { req_line "$1" | cut -f1 | head -n1; }
# poll NAME ORIG WANT [options]: CertPoll for request ORIG (its key, subject
# and transactionID).
poll() {
	local name=$1 orig=$2 want=$3
	shift 3
	enroll "$name" "$want" --type 20 --no-challenge --key "$T/$orig.key" \
		--subject "/CN=$orig" --txid "txn-$orig" "$@"
}
pend() { enroll "$1" "status=PENDING" --txid "txn-$1" "${@:2}"; }

check "manual: PKCSReq with the right challenge: PENDING, nothing issued" no_new_cert pend p1
P1_ID=$(req_id txn-p1)
check "manual: the same PKCSReq resent byte for byte: PENDING" \
	eval 'cp "$T/p1.der" "$T/p1b.der" && cp "$T/p1.st" "$T/p1b.st" && post p1b && expect p1b status=PENDING'
check "manual: PKCSReq rebuilt (same transactionID and key, new nonce): PENDING" \
	eval 'mkreq p1c --key "$T/p1.key" --subject /CN=p1 --txid txn-p1 && post p1c && expect p1c status=PENDING'
list_line_ok() {
	local l n
	n=$(req_line txn-p1 | grep -c . || true)
	[ "$n" = 1 ] || { echo "$n lines for txn-p1" >&2; "$SCEPD" request list -d "$D" >&2; return 1; }
	l=$(req_line txn-p1)
	IFS=$'\t' read -r id txid subj status created serial <<<"$l"
	[[ $id =~ ^[0-9]+$ && $subj == *CN=p1* && $status == pending && $serial == - &&
		$created =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]] ||
		{ echo "request list line: $l" >&2; return 1; }
}
check "scepd request list: one line (id, transactionID, subject, pending, ISO 8601 UTC, -)" list_line_ok
# Issue #14: another key reusing a pending request's transactionID is
# refused, and the pending request is left exactly as it was.
check "manual: PKCSReq with p1's transactionID and another key: FAILURE badRequest" \
	enroll p1-otherkey "$BADREQ" --txid txn-p1 --subject /CN=p1
check "manual: ... and p1's request is untouched (one line, pending, same id)" \
	eval 'list_line_ok && [ "$(req_id txn-p1)" = "$P1_ID" ]'
show_ok() {
	"$SCEPD" request show "$(req_id txn-p1)" -d "$D" >"$T/show.out" || return 1
	grep -qE '^[A-Za-z_ -]+: .+' "$T/show.out" || { cat "$T/show.out" >&2; return 1; }
	sed -n '/-----BEGIN CERTIFICATE REQUEST-----/,/-----END CERTIFICATE REQUEST-----/p' "$T/show.out" >"$T/show.csr"
	openssl req -in "$T/show.csr" -noout -verify 2>&1 | grep -q 'verify OK' &&
		openssl req -in "$T/show.csr" -noout -subject -nameopt RFC2253 | grep -qx 'subject=CN=p1' &&
		cmp -s <(openssl req -in "$T/show.csr" -noout -pubkey) <(openssl pkey -in "$T/p1.key" -pubout)
}
check "scepd request show ID: key: value lines and the CSR PEM (p1's subject and key)" show_ok
check "manual: PKCSReq without challenge: PENDING" pend p2 --no-challenge
check "manual: PKCSReq with a wrong challenge: FAILURE badRequest, not queued" \
	eval 'enroll p3 "$BADREQ" --txid txn-p3 --challenge wrong && [ -z "$(req_line txn-p3)" ]'
check "CertPoll while waiting: PENDING (TXN-08: CHK-REP passes)" poll p1-poll1 p1 status=PENDING
check "CertPoll for an unknown transactionID: FAILURE badRequest (TXN-03)" \
	enroll poll-unknown "$BADREQ" --type 20 --no-challenge --subject /CN=p1 --txid txn-nobody
check "CertPoll with p1's transactionID signed by another key: FAILURE badRequest (TXN-04)" \
	enroll poll-otherkey "$BADREQ" --type 20 --no-challenge --subject /CN=p1 --txid txn-p1

approve_ok() {
	local out
	out=$("$SCEPD" request approve "$(req_id txn-p1)" -d "$D") || return 1
	[[ $out =~ ^issued\ ([0-9A-Fa-f]+)$ ]] || { echo "printed \"$out\"" >&2; return 1; }
	P1_SERIAL=${BASH_REMATCH[1]}
}
P1_SERIAL=
check "scepd request approve ID: exit 0, \"issued SERIAL\"" approve_ok
check "scepd request approve again: exit 1" eval '! "$SCEPD" request approve "$(req_id txn-p1)" -d "$D" >/dev/null 2>&1'
check "scepd request list: issued, with the serial" \
	eval '[ "$(req_line txn-p1 | cut -f4)" = issued ] && [ "$(req_line txn-p1 | cut -f6 | tr a-f A-F)" = "${P1_SERIAL^^}" ]'
check "CertPoll after approval: SUCCESS with the approved certificate, over p1's key, verifies (TXN-01)" \
	eval 'poll p1-poll2 p1 status=SUCCESS && [ "$(serial_of p1-poll2)" = "${P1_SERIAL^^}" ] && cert_ok p1-poll2'
check "the original PKCSReq resent after approval: SUCCESS, the same certificate (TXN-02)" \
	eval 'cp "$T/p1.der" "$T/p1d.der" && cp "$T/p1.st" "$T/p1d.st" && post p1d && expect p1d status=SUCCESS &&
		same_cert p1d p1-poll2'
check "scepd cert list shows the approved certificate" listed "$P1_SERIAL"

check "scepd request reject ID --reason TEXT: exit 0" \
	eval '"$SCEPD" request reject "$(req_id txn-p2)" --reason "not this one" -d "$D" >/dev/null'
check "scepd request reject again: exit 1" eval '! "$SCEPD" request reject "$(req_id txn-p2)" -d "$D" >/dev/null 2>&1'
check "scepd request approve of a rejected request: exit 1" \
	eval '! "$SCEPD" request approve "$(req_id txn-p2)" -d "$D" >/dev/null 2>&1'
check "scepd request list: rejected, no serial" \
	eval '[ "$(req_line txn-p2 | cut -f4)" = rejected ] && [ "$(req_line txn-p2 | cut -f6)" = - ]'
check "CertPoll after rejection: FAILURE badRequest" no_new_cert poll p2-poll p2 "$BADREQ"
check "scepd request approve/reject of an unknown id: exit 1" \
	eval '! "$SCEPD" request approve 999999 -d "$D" >/dev/null 2>&1 && ! "$SCEPD" request reject 999999 -d "$D" >/dev/null 2>&1'

cp "$T/p1-poll2.crt" "$T/p1.crt"
check "manual: renewal signed by a valid certificate is never pending: SUCCESS" \
	renew p1-ren p1 status=SUCCESS
check "manual: PKCSReq for p4: PENDING" pend p4

restart manual=true pending_ttl=1
check "after a restart, p4 (queued before) is still PENDING (TXN-10)" poll p4-poll p4 status=PENDING
check "pending_ttl = 1: PKCSReq p5: PENDING" pend p5
sleep 2
check "CertPoll after pending_ttl: FAILURE badRequest (TXN-12)" no_new_cert poll p5-poll p5 "$BADREQ"
check "scepd request list: expired" eval '[ "$(req_line txn-p5 | cut -f4)" = expired ]'
check "scepd request approve of an expired request: exit 1" \
	eval '! "$SCEPD" request approve "$(req_id txn-p5)" -d "$D" >/dev/null 2>&1'

check "scepd still running" kill -0 "$SCEPD_PID"
finish
