#!/usr/bin/env bash
# tests/integration/profiles.sh: profiles, several CAs, RA mode, challenge
# modes, templates and approval rules (issue 4) against one live scepd, with
# real clients where there is one: micromdm's scepclient, certmonger's getcert
# and scep-submit, curl for the NDES page; scepmsg + curl for the rest. Every
# CertRep scepmsg reads goes through "scepmsg rep" (CHK-REP).
#
#   1. Profiles: "default" (top level: CA "default", 365 days, clientAuth) and
#      "routers" (CA "routers", 30 days, serverAuth+clientAuth, SHA-384,
#      subject must match ^CN=rtr-), enrolled to by scepclient and certmonger;
#      issuer, EKU, validity, signature digest, openssl verify against the
#      right CA and not the other; a subject outside the pattern: FAILURE
#      badRequest. GetCACaps and GetCACert per profile (and under
#      /scep/NAME/pkiclient.exe); /scep/nope: 404; a disabled profile: 503
#      with its disabled_reason.
#   2. RA mode: "scepd ca create ecca --key ec:P-256", "scepd ca create-ra":
#      GetCACert is application/x-x509-ca-ra-cert with the CA and the RA
#      (RSA, digitalSignature+keyEncipherment, EKU 1.3.6.1.4.1.311.20.2.1);
#      scepclient -ca-fingerprint <RA> enrolls, the certificate verifies
#      against the EC CA; scepmsg: the CertRep is signed by the RA, not the CA.
#   3. One-time challenges ("dynamic"): once SUCCESS, twice FAILURE; 20
#      concurrent requests with one challenge: one SUCCESS, one certificate;
#      expired (--ttl 1s); bound to a subject (--subject); minted for another
#      profile; the NDES page (/certsrv/mscep_admin/, Basic auth, UTF-16LE)
#      gives a challenge scepclient enrolls with, wrong credentials 401, a
#      disabled profile's page 503.
#   4. Webhook: allow, deny (reason in failInfoText), timeout and HTTP 500
#      of tools/webhook_server.py on loopback; the signed request's fields;
#      notifications for issued and failed.
#   5. Approval rules: networks with and without 127.0.0.1, subject pattern;
#      otherwise = pending (scepd request list) or reject.
#   6. scepd config check: three mistakes in three places, all reported with
#      their lines, exit 1; the good file exits 0; serve refuses the bad one.
#   7. scepd mobileconfig for a profile: tools/plistcheck.py accepts it; the
#      static challenge or a new one-time challenge is embedded, and
#      scepclient enrolls with the one read back from the file.
#   8. certificate.max_active_per_subject = 1: a second certificate for the
#      subject is refused until the first is revoked.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

SCEPCLIENT=${SCEPCLIENT:-scepclient}
PYTHON=${PYTHON:-python3}
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
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
HOOK_PID=
CM_PID=
CM=$T/cm

stop_pid() { # stop_pid PID: TERM, then KILL after 5 s
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
trap 'rc=$?; set +e; stop_pid "$CM_PID"; stop_pid "$HOOK_PID"; (exit $rc); cleanup' EXIT

D=$T/d
scepd_init "$D" --legacy        # scepclient sends single DES
CA=$D/ca.pem

# RSA keys for scepmsg requests: four made once, copied per request (key
# generation would be most of this test's time otherwise).
for i in 0 1 2 3; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/pool$i.key" 2>/dev/null
done
NKEY=0
# en NAME WANT [scepmsg req options]: client.sh's enroll over a pooled key;
# the caller sets URL (and CA) for the profile.
en() {
	[ -f "$T/$1.key" ] || cp "$T/pool$((NKEY++ % 4)).key" "$T/$1.key"
	enroll "$@"
}
# enroll_at PROFILE NAME WANT [options]: en at /scep/PROFILE (CA "default"
# unless the caller sets CA).
enroll_at() { local p=$1; shift; URL=$BASE/scep/$p en "$@"; }
BADREQ="status=FAILURE failinfo=badRequest "

# --- CAs, secrets, the webhook service, the configuration ------------------------
"$SCEPD" ca create routers --cn "Routers CA" -d "$D" >"$T/ca-routers.out"
"$SCEPD" ca create ecca --key ec:P-256 --cn "EC CA" -d "$D" >"$T/ca-ecca.out"
# A sub-CA made elsewhere (openssl), imported with its root as the chain.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/root.key" -out "$T/root.pem" \
	-subj "/CN=Corp Root" -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/sub.key" -out "$T/sub.csr" \
	-subj "/CN=Corp Issuing CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$T/sub.ext"
openssl x509 -req -in "$T/sub.csr" -CA "$T/root.pem" -CAkey "$T/root.key" -CAcreateserial \
	-days 1825 -extfile "$T/sub.ext" -out "$T/sub.pem" 2>/dev/null
chmod 600 "$T/root.key" "$T/sub.key"
check "scepd ca import with a key that is not the certificate's: refused, nothing written" \
	eval '! "$SCEPD" ca import bad --cert "$T/sub.pem" --key-file "$T/root.key" -d "$D" >/dev/null 2>&1 &&
		[ ! -e "$D/bad.pem" ] && [ ! -e "$D/bad.key" ]'
check "scepd ca import with a chain that does not certify it: refused" \
	eval '! "$SCEPD" ca import bad --cert "$T/sub.pem" --key-file "$T/sub.key" --chain "$D/ca.pem" -d "$D" >/dev/null 2>&1 &&
		[ ! -e "$D/bad.pem" ]'
check "scepd ca import corp --cert --key-file --chain: corp.pem, corp.key (0600), corp-chain.pem" \
	eval '"$SCEPD" ca import corp --cert "$T/sub.pem" --key-file "$T/sub.key" --chain "$T/root.pem" -d "$D" >/dev/null &&
		[ "$(stat -c %a "$D/corp.key")" = 600 ] && cmp -s "$D/corp-chain.pem" <(openssl x509 -in "$T/root.pem")'
printf 'ndes-s3cret\n' >"$D/ndes.pass"
printf 'hook-s3cret\n' >"$D/hook.secret"
chmod 600 "$D/ndes.pass" "$D/hook.secret"

"$PYTHON" "$TOOLS/webhook_server.py" --secret hook-s3cret --record "$T/hook.rec" \
	--lifetime 240 >"$T/hook.port" 2>"$T/hook.err" &
HOOK_PID=$!
for i in $(seq 1 100); do
	[ -s "$T/hook.port" ] && break
	sleep 0.1
done
HOOK=http://127.0.0.1:$(head -n1 "$T/hook.port")

cat >>"$D/scepd.conf" <<EOF
# profiles.sh settings
cas: {
  routers: { cert = "routers.pem"; key = "routers.key"; };
  ecca: { cert = "ecca.pem"; key = "ecca.key";
          ra_cert = "ecca-ra.pem"; ra_key = "ecca-ra.key"; };
  corp: { cert = "corp.pem"; key = "corp.key"; chain = "corp-chain.pem"; };
};
profiles: {
  routers: {
    ca = "routers";
    certificate: {
      validity_days = 30;
      extended_key_usage = [ "serverAuth", "clientAuth" ];
      digest = "sha384";
      subject: { mode = "require"; pattern = "^CN=rtr-"; };
    };
  };
  strict: { algorithms: { legacy = false; }; };
  closed: { enabled = false; disabled_reason = "closed for maintenance until Monday"; };
  ec: { ca = "ecca"; };
  otp: { challenge: { mode = "dynamic"; ndes_user = "mdm"; ndes_password_file = "ndes.pass"; }; };
  otp2: { challenge: { mode = "dynamic"; }; };
  otpoff: { enabled = false; disabled_reason = "no enrolment today";
            challenge: { mode = "dynamic"; ndes_user = "mdm2"; ndes_password_file = "ndes.pass"; }; };
  hook: {
    challenge: {
      mode = "webhook";
      webhook: { url = "$HOOK/check"; secret_file = "hook.secret";
                 notify_url = "$HOOK/notify"; timeout_ms = 1000; };
    };
  };
  lan: { approval: { rules: { networks = [ "127.0.0.0/8" ]; }; otherwise = "reject"; }; };
  wanp: { approval: { rules: { networks = [ "10.0.0.0/8", "2001:db8::/32" ]; }; otherwise = "pending"; }; };
  wanr: { approval: { rules: { networks = [ "10.0.0.0/8" ]; }; otherwise = "reject"; }; };
  labr: { approval: { rules: { subject = "^CN=lab-"; }; otherwise = "reject"; }; };
  labp: { approval: { rules: { subject = "^CN=lab-"; }; otherwise = "pending"; }; };
  single: { certificate: { max_active_per_subject = 1; }; };
  corp: { ca = "corp"; };
};
EOF
# The CA must be in the configuration before its RA can be made.
"$SCEPD" ca create-ra --ca ecca -d "$D" >"$T/ca-ra.out"
check "scepd config check: the profiles configuration is valid" \
	eval '"$SCEPD" config check -d "$D" >"$T/check-good.out" 2>&1 &&
		grep -q "ok, 16 profile(s), 4 CA(s)" "$T/check-good.out"'
scepd_start "$D"
BASE=${URL%/scep}

# --- helpers ---------------------------------------------------------------------------

# der PEM: the certificate as DER on stdout.
der() { openssl x509 -in "$1" -outform DER; }
fp256() { der "$1" | sha256sum | cut -d' ' -f1; }

# days CERT: notAfter - notBefore in whole days (backdating is 300 s).
days() {
	local nb na
	nb=$(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s) &&
		na=$(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s) &&
		echo $(((na - nb) / 86400))
}
eku() { openssl x509 -in "$1" -noout -ext extendedKeyUsage | sed -n '2s/^ *//p'; }
issuer() { openssl x509 -in "$1" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//'; }
sigalg() { openssl x509 -in "$1" -noout -text | awk '/Signature Algorithm:/ { print $3; exit }'; }

# template CERT CAFILE OTHERCA ISSUER DAYS EKU [SIGALG]: the certificate is
# what the profile promises, chains to CAFILE and not to OTHERCA.
template() {
	local c=$1 want
	openssl verify -CAfile "$2" "$c" >/dev/null || return 1
	! openssl verify -CAfile "$3" "$c" >/dev/null 2>&1 || { echo "$c verifies against $3" >&2; return 1; }
	[ "$(issuer "$c")" = "$4" ] || { echo "issuer $(issuer "$c"), want $4" >&2; return 1; }
	[ "$(days "$c")" = "$5" ] || { echo "validity $(days "$c") days, want $5" >&2; return 1; }
	[ "$(eku "$c")" = "$6" ] || { echo "EKU \"$(eku "$c")\", want \"$6\"" >&2; return 1; }
	want=${7:-sha256WithRSAEncryption}
	[ "$(sigalg "$c")" = "$want" ] || { echo "signed with $(sigalg "$c"), want $want" >&2; return 1; }
}
CLIENT_EKU="TLS Web Client Authentication"
BOTH_EKU="TLS Web Server Authentication, TLS Web Client Authentication"

# sc DIR URL CN CHALLENGE FINGERPRINT: scepclient in its own fresh directory
# (it writes csr.pem and self.pem there and would reuse them); output in
# DIR/out, exit code in DIR/rc, certificate in DIR/cert.pem.
sc() {
	local dir=$1 rc=0
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && timeout 20 "$SCEPCLIENT" -server-url "$2" -challenge "$4" \
		-private-key key.pem -certificate cert.pem -cn "$3" -ca-fingerprint "$5") \
		>"$dir/out" 2>&1 || rc=$?
	echo "$rc" >"$dir/rc"
	echo "# scepclient $3 at ${2#"$BASE"}: exit $rc: $(grep -v '^ts=' "$dir/out" | tail -n1)$(grep -o 'pkiStatus=[A-Z]*' "$dir/out" | tail -n1)"
}
# sc_ok DIR: scepclient exited 0 with a certificate over its own key.
sc_ok() {
	[ "$(cat "$1/rc")" = 0 ] && [ -s "$1/cert.pem" ] || { cat "$1/out" >&2; return 1; }
	cmp -s <(openssl x509 -in "$1/cert.pem" -noout -pubkey) <(openssl pkey -in "$1/key.pem" -pubout)
}
# sc_refused DIR: scepclient got FAILURE badRequest and wrote no certificate.
sc_refused() {
	local rc
	rc=$(cat "$1/rc")
	[ "$rc" != 0 ] && [ "$rc" != 124 ] && [ ! -s "$1/cert.pem" ] &&
		grep -q "failInfo: badRequest" "$1/out"
}
# listed_cn CN: `scepd cert list` has a certificate whose subject has CN.
listed_cn() { "$SCEPD" cert list -d "$D" | cut -f2 | grep -Eq "(^|,)CN=$1(,|$)"; }
ncerts() { "$SCEPD" cert list -d "$D" | grep -c . || true; }

# get_op PATH OP: GET /scep... ?operation=OP; CODE, CTYPE, $T/body.
get_op() { http "$BASE$1?operation=$2"; }

# --- 1. profiles, two CAs, two templates -------------------------------------------------
caps_of() { get_op "$1" GetCACaps && http_is 200 && [ "$CTYPE" = text/plain ] && tr '\n' ' ' <"$T/body"; }
check "GetCACaps /scep (legacy): POSTPKIOperation, no SCEPStandard" \
	eval 'c=$(caps_of /scep) && [[ $c == *POSTPKIOperation* && $c != *SCEPStandard* ]]'
check "GetCACaps /scep/strict (algorithms.legacy = false): SCEPStandard" \
	eval 'c=$(caps_of /scep/strict) && [[ $c == *SCEPStandard* && $c == *AES* ]]'
# cacert_is PATH PEM: GetCACert at PATH is PEM's certificate alone, as DER.
cacert_is() {
	get_op "$1" GetCACert && http_is 200 || return 1
	[ "$CTYPE" = application/x-x509-ca-cert ] || { echo "Content-Type $CTYPE" >&2; return 1; }
	cmp -s "$T/body" <(der "$2")
}
check "GetCACert /scep: the default CA (DER, application/x-x509-ca-cert)" cacert_is /scep "$CA"
check "GetCACert /scep/routers: the routers CA" cacert_is /scep/routers "$D/routers.pem"
check "GetCACert /scep/routers/pkiclient.exe: the routers CA" \
	cacert_is /scep/routers/pkiclient.exe "$D/routers.pem"
check "GetCACert /cgi-bin/pkiclient.exe: the default CA" cacert_is /cgi-bin/pkiclient.exe "$CA"
check "/scep/nope: GetCACaps, GetCACert and PKIOperation get 404" \
	eval 'get_op /scep/nope GetCACaps && http_is 404 && get_op /scep/nope/pkiclient.exe GetCACert &&
		http_is 404 && http --data-binary x "$BASE/scep/nope?operation=PKIOperation" && http_is 404'
check "disabled profile /scep/closed: 503 with its disabled_reason" \
	eval 'get_op /scep/closed GetCACaps && http_is 503 &&
		[ "$(cat "$T/body")" = "closed for maintenance until Monday" ] &&
		get_op /scep/closed GetCACert && http_is 503'

echo "# scepclient: $("$SCEPCLIENT" -version 2>&1 | head -n1)"
FP_CA=$(fp256 "$CA")
FP_RTR=$(fp256 "$D/routers.pem")
sc "$T/sc-def" "$BASE/scep" sc-default "$CHALLENGE" "$FP_CA"
check "scepclient enrolls at /scep" sc_ok "$T/sc-def"
check "scepclient at /scep: issuer CN=scepd CA, 365 days, EKU clientAuth, verifies against ca.pem only" \
	template "$T/sc-def/cert.pem" "$CA" "$D/routers.pem" "CN=scepd CA" 365 "$CLIENT_EKU"
sc "$T/sc-rtr" "$BASE/scep/routers" rtr-sc1 "$CHALLENGE" "$FP_RTR"
check "scepclient enrolls at /scep/routers as CN=rtr-sc1" sc_ok "$T/sc-rtr"
check "scepclient at /scep/routers: issuer CN=Routers CA, 30 days, EKU serverAuth+clientAuth, SHA-384, verifies against routers.pem only" \
	template "$T/sc-rtr/cert.pem" "$D/routers.pem" "$CA" "CN=Routers CA" 30 "$BOTH_EKU" sha384WithRSAEncryption
sc "$T/sc-rtr-bad" "$BASE/scep/routers" host-sc2 "$CHALLENGE" "$FP_RTR"
check "scepclient at /scep/routers as CN=host-sc2 (not ^CN=rtr-): FAILURE badRequest, nothing issued" \
	eval 'sc_refused "$T/sc-rtr-bad" && ! listed_cn host-sc2'
check "scepmsg at /scep/routers as CN=host-msg: FAILURE badRequest naming the subject pattern" \
	eval 'CA=$D/routers.pem enroll_at routers host-msg "$BADREQ" && [[ $VERDICT == *"does not match the profile"* ]]'

# certmonger: its own daemon on a private socket, everything in $CM.
source "$(dirname "$0")/certmonger.sh"
cm_start
cm_status() { gc list -i "$1" | awk '$1 == "status:" { print $2; exit }'; }
# cm_enroll CA ID CN: request and wait (20 s at most) until it settles.
cm_enroll() {
	local st="" i
	gc request -c "$1" -I "$2" -k "$CM/$2.key" -f "$CM/$2.pem" -N "CN=$3" -L "$CHALLENGE" >/dev/null || return 1
	for i in $(seq 1 80); do
		st=$(cm_status "$2" || true)
		case $st in MONITORING | CA_REJECTED | CA_UNREACHABLE | NEED_GUIDANCE) break ;; esac
		sleep 0.25
	done
	echo "# certmonger $2 (CN=$3 via CA $1): $st $(gc list -i "$2" | sed -n 's/^[[:space:]]*ca-error: //p' | head -n1)"
	[ "$st" = MONITORING ]
}
echo "# $("$CERTMONGER" -v 2>&1 | head -n1)"
check "getcert add-scep-ca for /scep and /scep/routers (-N names each profile's CA)" \
	eval 'gc add-scep-ca -c dflt -u "$BASE/scep" -N "$CA" >/dev/null &&
		gc add-scep-ca -c routers -u "$BASE/scep/routers" -N "$D/routers.pem" >/dev/null'
check "certmonger enrolls at /scep: 365 days, clientAuth, chains to ca.pem" \
	eval 'cm_enroll dflt cm-def cm-default &&
		template "$CM/cm-def.pem" "$CA" "$D/routers.pem" "CN=scepd CA" 365 "$CLIENT_EKU"'
check "certmonger enrolls at /scep/routers as CN=rtr-cm1: 30 days, serverAuth+clientAuth, chains to routers.pem" \
	eval 'cm_enroll routers cm-rtr rtr-cm1 &&
		template "$CM/cm-rtr.pem" "$D/routers.pem" "$CA" "CN=Routers CA" 30 "$BOTH_EKU" sha384WithRSAEncryption'
# (certmonger 0.79 cannot read a FAILURE CertRep, which has no content:
# docs/CLIENTS-setup.md; it shows CA_UNREACHABLE and would try again.)
check "certmonger at /scep/routers as CN=host-cm2: not issued, nothing in scepd cert list" \
	eval '! cm_enroll routers cm-bad host-cm2 && [ ! -s "$CM/cm-bad.pem" ] && ! listed_cn host-cm2'
cm_stop

# --- 1b. an imported sub-CA with its chain ------------------------------------------------
corp_cacert() {
	get_op /scep/corp GetCACert && http_is 200 && [ "$CTYPE" = application/x-x509-ca-ra-cert ] || return 1
	openssl pkcs7 -inform DER -in "$T/body" -print_certs -out "$T/corp-cacert.pem" || return 1
	[ "$(grep -c 'BEGIN CERTIFICATE' "$T/corp-cacert.pem")" = 2 ] &&
		[ "$(openssl x509 -in "$T/corp-cacert.pem" -noout -subject -nameopt RFC2253)" = "subject=CN=Corp Issuing CA" ]
}
check "GetCACert at /scep/corp: PKCS#7 of the sub-CA, then its root" corp_cacert
corp_enrol() {
	sc "$T/sc-corp" "$BASE/scep/corp" corp-dev1 "$CHALLENGE" "$(fp256 "$D/corp.pem")"
	sc_ok "$T/sc-corp" || return 1
	openssl verify -CAfile "$T/root.pem" -untrusted "$D/corp.pem" "$T/sc-corp/cert.pem" >/dev/null &&
		[ "$(issuer "$T/sc-corp/cert.pem")" = "CN=Corp Issuing CA" ]
}
check "scepclient enrolls at /scep/corp: issued by the sub-CA, verifies up to the root" corp_enrol
corp_chain_in_rep() { # the CertRep holds the leaf first, then the chain
	CA=$D/corp.pem enroll_at corp corp-msg status=SUCCESS --subject /CN=corp-msg || return 1
	"$SCEPMSG" rep --state "$T/corp-msg.st" --cacert "$D/corp.pem" -i "$T/corp-msg.rep" \
		--chain-out "$T/corp-msg.chain.pem" >/dev/null || return 1
	[ "$(grep -c 'BEGIN CERTIFICATE' "$T/corp-msg.chain.pem")" = 3 ] &&
		[ "$(openssl x509 -in "$T/corp-msg.chain.pem" -noout -subject -nameopt RFC2253)" = "subject=CN=corp-msg" ]
}
check "CertRep from /scep/corp: the issued certificate first, then the sub-CA and the root" corp_chain_in_rep

# --- 2. RA mode: an EC CA served through an RSA RA ---------------------------------------
RA=$D/ecca-ra.pem
ra_shape() {
	get_op /scep/ec GetCACert && http_is 200 || return 1
	[ "$CTYPE" = application/x-x509-ca-ra-cert ] || { echo "Content-Type $CTYPE" >&2; return 1; }
	openssl pkcs7 -inform DER -in "$T/body" -print_certs -out "$T/ec-certs.pem" 2>/dev/null || return 1
	awk '/BEGIN/ { n++ } { print > (dir "/ec-cert" n ".pem") }' dir="$T" "$T/ec-certs.pem"
	[ "$(grep -c BEGIN "$T/ec-certs.pem")" = 2 ] || { echo "$(grep -c BEGIN "$T/ec-certs.pem") certificates" >&2; return 1; }
	cmp -s <(der "$T/ec-cert1.pem") <(der "$D/ecca.pem") || { echo "first is not the CA" >&2; return 1; }
	cmp -s <(der "$T/ec-cert2.pem") <(der "$RA") || { echo "second is not the RA" >&2; return 1; }
}
check "GetCACert /scep/ec: application/x-x509-ca-ra-cert, the EC CA then the RA" ra_shape
ra_cert_ok() {
	openssl x509 -in "$RA" -noout -text >"$T/ra.txt" || return 1
	grep -q "Public Key Algorithm: rsaEncryption" "$T/ra.txt" &&
		grep -A1 "X509v3 Key Usage" "$T/ra.txt" | grep -q "Digital Signature, Key Encipherment" &&
		grep -A1 "X509v3 Extended Key Usage" "$T/ra.txt" | grep -q "1.3.6.1.4.1.311.20.2.1" &&
		openssl verify -CAfile "$D/ecca.pem" "$RA" >/dev/null &&
		openssl x509 -in "$D/ecca.pem" -noout -text | grep -c "id-ecPublicKey" >/dev/null ||
		{ cat "$T/ra.txt" >&2; return 1; }
}
check "the RA: RSA, KU digitalSignature+keyEncipherment, EKU 1.3.6.1.4.1.311.20.2.1, issued by the EC CA" ra_cert_ok
ca_listed() { "$SCEPD" ca list -d "$D" | awk -F'\t' '$1 == "ecca" && $3 == "ec" && $4 == "ra"' | grep -q .; }
check "scepd ca list: ecca is EC with an RA" ca_listed
sc "$T/sc-ec" "$BASE/scep/ec" sc-ec "$CHALLENGE" "$(fp256 "$RA")"
check "scepclient -ca-fingerprint <RA> enrolls at /scep/ec; the certificate verifies against the EC CA" \
	eval 'sc_ok "$T/sc-ec" && openssl verify -CAfile "$D/ecca.pem" "$T/sc-ec/cert.pem" >/dev/null &&
		[ "$(issuer "$T/sc-ec/cert.pem")" = "CN=EC CA" ] && [ "$(sigalg "$T/sc-ec/cert.pem")" = ecdsa-with-SHA256 ]'
ra_msg() {
	mkreq ra-msg --recipient "$RA" --cacert "$D/ecca.pem" && URL=$BASE/scep/ec post ra-msg && http_is 200 || return 1
	"$SCEPMSG" rep --state "$T/ra-msg.st" --cacert "$D/ecca.pem" --signer-cert "$RA" \
		-i "$T/ra-msg.rep" --cert-out "$T/ra-msg.crt" | grep -q '^status=SUCCESS' &&
		openssl verify -CAfile "$D/ecca.pem" "$T/ra-msg.crt" >/dev/null &&
		! "$SCEPMSG" rep --state "$T/ra-msg.st" --cacert "$D/ecca.pem" -i "$T/ra-msg.rep" >/dev/null 2>&1
}
check "scepmsg enveloped to the RA: SUCCESS signed by the RA (not the CA), certificate issued by the EC CA" \
	eval 'cp "$T/pool0.key" "$T/ra-msg.key" && ra_msg'

# --- 3. one-time challenges ------------------------------------------------------------------
mint() { "$SCEPD" challenge new -d "$D" "$@" 2>>"$T/mint.log"; }
TOK=$(mint --profile otp)
check "scepd challenge new --profile otp: prints a token" eval '[[ $TOK =~ ^[0-9A-Fa-f]{16,}$ ]]'
check "the one-time challenge, first use: SUCCESS" \
	eval 'CHALLENGE=$TOK enroll_at otp once1 status=SUCCESS && cert_ok once1'
check "the same challenge again (new key and subject): FAILURE badRequest" \
	eval 'CHALLENGE=$TOK enroll_at otp once2 "$BADREQ" && ! listed_cn once2'
# chal_state STATE: `scepd challenge list` has a challenge of otp in STATE.
chal_state() { "$SCEPD" challenge list -d "$D" | awk -F'\t' -v s="$1" '$1 == "otp" && $4 == s' | grep -q .; }
check "scepd challenge list: used" chal_state used
check "the top level's static challenge does not open a dynamic profile: FAILURE badRequest" \
	enroll_at otp static1 "$BADREQ"

# 20 requests with one challenge, built first, then sent at once.
TOK=$(mint --profile otp)
for i in $(seq 1 20); do
	cp "$T/pool$((i % 4)).key" "$T/race$i.key"
	CHALLENGE=$TOK mkreq "race$i" >/dev/null
done
BEFORE=$(ncerts)
PIDS=()
for i in $(seq 1 20); do
	curl -s -o "$T/race$i.rep" -w '%{http_code}\n' --data-binary "@$T/race$i.der" \
		-H 'Content-Type: application/x-pki-message' "$BASE/scep/otp?operation=PKIOperation" >"$T/race$i.code" &
	PIDS+=($!)
done
wait "${PIDS[@]}" || true      # (not a bare wait: scepd and the webhook run in the background)
for i in $(seq 1 20); do
	"$SCEPMSG" rep --state "$T/race$i.st" --cacert "$CA" -i "$T/race$i.rep" --cert-out "$T/race$i.crt" || echo "bad CertRep"
done >"$T/race.out"
echo "# 20 concurrent requests, one challenge: $(sort "$T/race.out" | uniq -c | tr -s ' \n' ' ')"
check "20 concurrent requests with one challenge: all HTTP 200, exactly one SUCCESS, 19 FAILURE badRequest" \
	eval '[ "$(cat "$T"/race*.code | sort -u)" = 200 ] && [ "$(grep -c "^status=SUCCESS" "$T/race.out")" = 1 ] &&
		[ "$(grep -c "^$BADREQ" "$T/race.out")" = 19 ]'
check "... and exactly one new certificate in scepd cert list" eval '[ $(($(ncerts) - BEFORE)) = 1 ]'

TOK=$(mint --profile otp --ttl 1s)
sleep 2
check "a challenge past its --ttl 1s: FAILURE badRequest" eval 'CHALLENGE=$TOK enroll_at otp late1 "$BADREQ" && ! listed_cn late1'
check "scepd challenge list: expired" chal_state expired
TOK=$(mint --profile otp --subject '^CN=bound-ok$')
check "a challenge bound to ^CN=bound-ok\$, used by CN=bound-other: FAILURE badRequest" \
	eval 'CHALLENGE=$TOK enroll_at otp bound-other "$BADREQ" && [[ $VERDICT == *"not valid for this subject"* ]]'
check "... and then by CN=bound-ok: SUCCESS" eval 'CHALLENGE=$TOK enroll_at otp bound-ok status=SUCCESS'
TOK=$(mint --profile otp2)
check "a challenge of profile otp2 used at /scep/otp: FAILURE badRequest" \
	eval 'CHALLENGE=$TOK enroll_at otp cross1 "$BADREQ" && ! listed_cn cross1'
check "... and at /scep/otp2: SUCCESS" eval 'CHALLENGE=$TOK enroll_at otp2 cross2 status=SUCCESS'

# The NDES page, as an MDM reads it.
ndes() { curl -s -o "$T/ndes.html" -D "$T/ndes.hdr" -w '%{http_code}' "$@" "$BASE/certsrv/mscep_admin/"; }
ndes_token() {
	[ "$(ndes -u mdm:ndes-s3cret)" = 200 ] || return 1
	grep -qi '^content-type: text/html; charset=utf-16' "$T/ndes.hdr" || return 1
	[ "$(head -c 2 "$T/ndes.html" | od -An -tx1 | tr -d ' ')" = fffe ] || { echo "no UTF-16LE BOM" >&2; return 1; }
	iconv -f UTF-16 -t UTF-8 "$T/ndes.html" >"$T/ndes.txt" || return 1
	NDES_TOK=$(sed -n 's/.*The enrollment challenge password is: <B> \([^ <]*\) <\/B>.*/\1/p' "$T/ndes.txt")
	[ -n "$NDES_TOK" ] || { cat "$T/ndes.txt" >&2; return 1; }
	# the thumbprint NDES shows is the SHA-1 of the CA certificate
	grep -qi "$(der "$CA" | sha1sum | cut -d' ' -f1)" "$T/ndes.txt"
}
NDES_TOK=
check "NDES page with the right credentials: 200, UTF-16LE HTML with a challenge and the CA thumbprint" ndes_token
sc "$T/sc-ndes" "$BASE/scep/otp" sc-ndes "$NDES_TOK" "$FP_CA"
check "scepclient enrolls at /scep/otp with the NDES page's challenge" sc_ok "$T/sc-ndes"
sc "$T/sc-ndes2" "$BASE/scep/otp" sc-ndes2 "$NDES_TOK" "$FP_CA"
check "scepclient with the same NDES challenge again: FAILURE badRequest" \
	eval 'sc_refused "$T/sc-ndes2" && ! listed_cn sc-ndes2'
check "NDES page with a wrong password or none: 401 with Basic" \
	eval '[ "$(ndes -u mdm:wrong)" = 401 ] && grep -qi "^www-authenticate: basic" "$T/ndes.hdr" &&
		[ "$(ndes)" = 401 ] && [ "$(ndes -u nobody:ndes-s3cret)" = 401 ]'
check "NDES page of a disabled dynamic profile: 503 with its reason, no challenge" \
	eval '[ "$(ndes -u mdm2:ndes-s3cret)" = 503 ] && [ "$(cat "$T/ndes.html")" = "no enrolment today" ]'

# --- 4. webhook ----------------------------------------------------------------------------------
check "webhook allow: SUCCESS" eval 'enroll_at hook allow status=SUCCESS && cert_ok allow'
check "webhook deny: FAILURE badRequest, failInfoText has the service's reason" \
	eval 'enroll_at hook deny "$BADREQ" && [[ $VERDICT == *"not on the list"* ]] && ! listed_cn deny'
t0=$(date +%s%N)
check "webhook slower than timeout_ms (1000): FAILURE badRequest" eval 'enroll_at hook slow "$BADREQ" && ! listed_cn slow'
HOOK_MS=$((($(date +%s%N) - t0) / 1000000))
echo "# the timed-out request took $HOOK_MS ms (the service answers after 3000)"
check "... answered before the service did (< 2800 ms)" eval '[ "$HOOK_MS" -lt 2800 ]'
check "webhook answering HTTP 500: FAILURE badRequest" eval 'enroll_at hook fail "$BADREQ" && ! listed_cn fail'
# hook_rec: what the service saw, one line per POST: path sig event subject ...
hook_seen() {
	"$PYTHON" - "$T/hook.rec" "$T/allow.st" "$(serial_of allow)" <<'EOF'
import base64, json, subprocess, sys
rec, state, serial = sys.argv[1:4]
txid = [l.split("=", 1)[1].strip() for l in open(state) if l.startswith("txid=")][0]
lines = [json.loads(l) for l in open(rec)]
bad = []
def need(ok, what):
    if not ok:
        bad.append(what)
need(all(l["sig_ok"] for l in lines), "a POST without a valid signature")
chk = [l["body"] for l in lines if l["path"] == "/check" and l["body"]["subject"] == "CN=allow"]
need(len(chk) == 1, "one /check for CN=allow")
if chk:
    b = chk[0]
    need(b.get("profile") == "hook", "profile %r" % b.get("profile"))
    need(b.get("transaction_id") == txid, "transaction_id")
    need(b.get("requester") == "127.0.0.1", "requester %r" % b.get("requester"))
    csr = subprocess.run(["openssl", "req", "-inform", "DER", "-noout", "-subject"],
                         input=base64.b64decode(b.get("csr", "")), capture_output=True)
    need(b"allow" in csr.stdout, "csr is not CN=allow's")
ev = {(l["body"]["subject"], l["body"].get("event")): l["body"] for l in lines if l["path"] == "/notify"}
i = ev.get(("CN=allow", "issued"))
need(i is not None and (i.get("serial") or "").upper() == serial.upper(), "issued notification with the serial")
for cn in ("deny", "slow", "fail"):
    need(("CN=" + cn, "failed") in ev, "failed notification for " + cn)
d = ev.get(("CN=deny", "failed")) or {}
need("not on the list" in (d.get("reason") or ""), "deny notification reason %r" % d.get("reason"))
for b in bad:
    print("webhook record: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
check "webhook: every POST signed; /check has profile, transaction_id, CSR, subject, requester; notifications issued (with serial) and failed (with reason)" hook_seen

# --- 5. approval rules --------------------------------------------------------------------------
req_status() { "$SCEPD" request list -d "$D" | awk -F'\t' -v t="$1" '$2 == t { print $4 }'; }
check "rules.networks [127.0.0.0/8]: issued" eval 'enroll_at lan net-in status=SUCCESS'
check "rules.networks without 127.0.0.1, otherwise pending: PENDING, in scepd request list" \
	eval 'enroll_at wanp net-p status=PENDING --txid txn-net-p && [ "$(req_status txn-net-p)" = pending ] && ! listed_cn net-p'
check "rules.networks without 127.0.0.1, otherwise reject: FAILURE badRequest" \
	eval 'enroll_at wanr net-r "$BADREQ" --txid txn-net-r && [ -z "$(req_status txn-net-r)" ] && ! listed_cn net-r'
check "rules.subject ^CN=lab-, CN=lab-1: issued" eval 'enroll_at labr lab-1 status=SUCCESS'
check "rules.subject ^CN=lab-, CN=office-1, otherwise reject: FAILURE badRequest" \
	eval 'enroll_at labr office-1 "$BADREQ" && ! listed_cn office-1'
check "rules.subject ^CN=lab-, CN=office-2, otherwise pending: PENDING, in scepd request list" \
	eval 'enroll_at labp office-2 status=PENDING --txid txn-office-2 && [ "$(req_status txn-office-2)" = pending ]'
check "rules hold but the challenge is wrong: FAILURE badRequest" \
	eval 'CHALLENGE=wrong enroll_at lan net-wrong "$BADREQ"'

# --- 6. scepd config check ------------------------------------------------------------------------
B=$T/bad
mkdir -p "$B"
cp -p "$D"/*.pem "$D"/*.key "$D"/challenge "$D"/ndes.pass "$D"/hook.secret "$B"/
sed -e 's/^\( *\)threads = 0;/\1treads = 0;/' \
	-e 's/^\( *\)validity_days = 365;/\1validity_days = 0;/' \
	-e 's/digest = "sha384";/digest = "md4";/' "$D/scepd.conf" >"$B/scepd.conf"
L1=$(grep -n 'treads = 0;' "$B/scepd.conf" | cut -d: -f1)
L2=$(grep -n 'validity_days = 0;' "$B/scepd.conf" | cut -d: -f1)
L3=$(grep -n 'digest = "md4";' "$B/scepd.conf" | cut -d: -f1)
three_errors() {
	local rc=0
	"$SCEPD" config check -d "$B" >"$T/check-bad.out" 2>"$T/check-bad.err" || rc=$?
	sed 's/^/# config check: /' "$T/check-bad.err"
	[ "$rc" = 1 ] || { echo "exit $rc" >&2; return 1; }
	grep -q "scepd.conf:$L1: unknown setting .*http.treads" "$T/check-bad.err" &&
		grep -q "scepd.conf:$L2: certificate.validity_days: 0 is outside" "$T/check-bad.err" &&
		grep -q "scepd.conf:$L3: certificate.digest" "$T/check-bad.err" && [ ! -s "$T/check-bad.out" ]
}
check "config check: an unknown setting (line $L1), a value out of range (line $L2) and a bad value in profile routers (line $L3): all three reported with their lines, exit 1" three_errors
check "config check of the good file: exit 0" eval '"$SCEPD" config check -d "$D" >/dev/null 2>&1'
serve_refuses() {
	local rc=0
	timeout 10 "$SCEPD" serve -d "$B" --listen 127.0.0.1:0 >"$T/serve-bad.out" 2>&1 || rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "scepd.conf:$L1:" "$T/serve-bad.out"
}
check "scepd serve refuses the bad file (exit non-zero at once, errors on stderr)" serve_refuses

# --- 7. mobileconfig -----------------------------------------------------------------------------
mcfg() { # mcfg PROFILE CAPEM [--challenge C]
	local p=$1 ca=$2
	shift 2
	rm -f "$T/$p.mobileconfig"
	"$SCEPD" mobileconfig -d "$D" --profile "$p" --url "$BASE/scep/$p" -o "$T/$p.mobileconfig" "$@" \
		>/dev/null 2>>"$T/mcfg.log" || return 1
	der "$ca" >"$T/$p.ca.der"
	"$PYTHON" "$TOOLS/plistcheck.py" "$T/$p.mobileconfig" --ca-der "$T/$p.ca.der" \
		--url "$BASE/scep/$p" --subject '[[["CN","device"]]]' "$@"
}
check "scepd mobileconfig --profile routers --challenge: plistcheck.py passes, the routers CA is the root payload" \
	mcfg routers "$D/routers.pem" --challenge "$CHALLENGE"
check "scepd mobileconfig --profile otp with a minted challenge: plistcheck.py passes" \
	eval 'mcfg otp "$CA" --challenge "$(mint --profile otp)"'
check "scepd mobileconfig --profile routers, no --challenge: the static challenge is embedded" \
	eval 'mcfg routers "$D/routers.pem" && "$PYTHON" "$TOOLS/plistcheck.py" "$T/routers.mobileconfig" \
		--ca-der "$T/routers.ca.der" --url "$BASE/scep/routers" --subject "[[[\"CN\",\"device\"]]]" \
		--challenge "$CHALLENGE"'
# Without --challenge a dynamic profile's mobileconfig embeds a new one-time
# challenge: read it back as a device would and enroll with it.
mc_chal() {
	"$PYTHON" -c 'import plistlib, sys
p = plistlib.load(open(sys.argv[1], "rb"))
print([c for c in p["PayloadContent"] if c["PayloadType"] == "com.apple.security.scep"][0]["PayloadContent"]["Challenge"])' "$1"
}
mc_embedded() {
	local c1 c2
	mcfg otp "$CA" && c1=$(mc_chal "$T/otp.mobileconfig") && mcfg otp "$CA" &&
		c2=$(mc_chal "$T/otp.mobileconfig") || return 1
	[ -n "$c1" ] && [ "$c1" != "$c2" ] || { echo "challenges \"$c1\" \"$c2\"" >&2; return 1; }
	"$PYTHON" "$TOOLS/plistcheck.py" "$T/otp.mobileconfig" --ca-der "$T/otp.ca.der" \
		--url "$BASE/scep/otp" --subject '[[["CN","device"]]]' --challenge "$c2" || return 1
	sc "$T/sc-mc" "$BASE/scep/otp" sc-mobileconfig "$c2" "$FP_CA"
	sc_ok "$T/sc-mc"
}
check "scepd mobileconfig --profile otp, no --challenge: a new one-time challenge each time, scepclient enrolls with it" mc_embedded
check "scepd mobileconfig for the disabled profile: refused" \
	eval '! "$SCEPD" mobileconfig -d "$D" --profile closed --url "$BASE/scep/closed" -o "$T/closed.mc" 2>/dev/null && [ ! -e "$T/closed.mc" ]'

# --- 8. certificate.max_active_per_subject ---------------------------------------------------------
check "max_active_per_subject = 1: first CN=single-1: SUCCESS" enroll_at single single-a status=SUCCESS --subject /CN=single-1
check "second CN=single-1 (another key): FAILURE badRequest" \
	eval 'enroll_at single single-b "$BADREQ" --subject /CN=single-1 && [[ $VERDICT == *"allows 1"* ]]'
check "scepd cert revoke of the first" eval '"$SCEPD" cert revoke "$(serial_of single-a)" -d "$D" >/dev/null 2>&1'
check "after the revocation, CN=single-1 again: SUCCESS" enroll_at single single-c status=SUCCESS --subject /CN=single-1

check "scepd still running" kill -0 "$SCEPD_PID"
check "no HTTP 5xx in the log but the disabled profiles' 503s" \
	eval '! grep -E "status=5[0-9][0-9]" "$T/scepd.log" |
		grep -v -e "path=/scep/closed" -e "reason=\"no enrolment today\"" | grep -q .'
check "scepd exits 0 on SIGTERM" scepd_stop
finish
