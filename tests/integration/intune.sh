#!/usr/bin/env bash
# tests/integration/intune.sh: challenge.mode intune (issue #16) against
# tools/intune_standin.py, a STAND-IN for Entra ID, Microsoft Graph and
# Intune's SCEP services on loopback HTTPS (a test CA made here with openssl,
# which scepd is told to trust through intune.ca_file). No real tenant is
# reached; the stand-in follows ../shared/docs/INTUNE.md.
#
#   1. scepd config check refuses an intune profile with manual approval.
#   2. scepmsg enrolls through /scep/intune: the token requests (client
#      credentials, both scopes), the discovery (Bearer, client-request-id)
#      and validateRequest (api-version, client-request-id, UserAgent, the
#      transactionID, the CSR byte for byte as decrypted from the request)
#      and successNotification (thumbprint, serial, expiry, issuer, ...) are
#      checked field by field. The certificate keeps the URI SAN of Intune's
#      strong mapping (tag:microsoft.com,2022-09-14:sid:...).
#   3. Every refusal code of INTUNE.md: FAILURE badRequest, no certificate,
#      no failureNotification. HTTP 500 and a hang past intune.timeout: the
#      same, and the discovered services are asked for again.
#   4. Intune says Success, scepd's policy refuses (RSA 1024): a
#      failureNotification with the HRESULT and a description of <= 255.
#      successNotification refused: no certificate.
#   5. A challengePassword of 16 KiB over POST and GET; 17 KiB refused
#      without asking Intune. A renewal signed by our certificate: no call.
#   6. micromdm's scepclient gets its certificate when the stand-in says
#      Success, and none when it says ChallengeExpired.
#   7. A token the stand-in stops honouring mid-run (401) is renewed; a token
#      past its expires_in is renewed before use.
#   8. Wrong secret (401 on the token), 403 on the discovery, no SCEP service:
#      enrollment fails; scepd intune check says so in plain words, exit 1;
#      on the good profile it exits 0. A certificate credential: the client
#      assertion verifies with openssl (RS256, x5t, aud, iss, sub, exp).
#      intune.proxy: the calls go through an HTTP CONNECT proxy.
#   9. The revocation queue, switched on by SIGHUP: three requests (one for a serial scepd never
#      issued) leave two certificates revoked (openssl ocsp) and three correct
#      results uploaded; a fourth for a revoked one: "revoked already".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

PYTHON=${PYTHON:-python3}
SCEPCLIENT=${SCEPCLIENT:-scepclient}
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
command -v "$SCEPCLIENT" >/dev/null || {
	echo "scepclient not found: install the Debian package 'scep' (scripts/deps.sh check)" >&2
	exit 1
}
SI_PID=
trap 'rc=$?; set +e; [ -z "$SI_PID" ] || { kill "$SI_PID"; wait "$SI_PID"; } 2>/dev/null; (exit $rc); cleanup' EXIT

APP=11111111-2222-3333-4444-555555555555
TENANT=contoso.onmicrosoft.com
D=$T/d
scepd_init "$D" --legacy        # scepclient sends single DES
CA=$D/ca.pem

# --- the stand-in's test CA and TLS certificate; the stand-in itself -----------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tca.key" -out "$T/tca.pem" \
	-subj "/CN=scepd test CA for the Intune stand-in" -days 2 \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/si.key" -out "$T/si.csr" \
	-subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$T/si.ext"
openssl x509 -req -in "$T/si.csr" -CA "$T/tca.pem" -CAkey "$T/tca.key" -CAcreateserial \
	-days 2 -extfile "$T/si.ext" -out "$T/si.pem" 2>/dev/null
SI_DIR=$T/si
mkdir -p "$SI_DIR"
REC=$SI_DIR/records.jsonl
# ctl JSON: the stand-in's script from now on (written atomically).
ctl() { printf '%s\n' "$1" >"$SI_DIR/control.tmp" && mv "$SI_DIR/control.tmp" "$SI_DIR/control.json"; }
rec() { "$PYTHON" "$TOOLS/intune_records.py" "$REC" "$@"; }
ctl '{"secret": "app-s3cret"}'
"$PYTHON" "$TOOLS/intune_standin.py" "$SI_DIR" "$T/si.pem" "$T/si.key" 2>>"$T/standin.log" &
SI_PID=$!
for i in $(seq 1 100); do [ -s "$SI_DIR/port" ] && break; sleep 0.1; done
SI=https://127.0.0.1:$(cat "$SI_DIR/port")

# The app's certificate credential, for a signed client assertion.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/app.key" -out "$D/app.pem" \
	-subj "/CN=scepd app credential" -days 2 2>/dev/null
chmod 600 "$D/app.key"
printf 'app-s3cret\n' >"$D/intune.secret"
printf 'not-the-secret\n' >"$D/wrong.secret"
chmod 600 "$D/intune.secret" "$D/wrong.secret"
# intune_profile NAME SECRET_FILE [extra settings]
intune_profile() {
	cat <<EOF
  $1: {
    challenge: { mode = "intune"; };
    intune: {
      tenant = "$TENANT";
      app_id = "$APP";
      $2
      authority = "$SI";
      graph = "$SI";
      ca_file = "$T/tca.pem";
      timeout = 2;
      revocation_interval = ${4:-0};
    };
    ${3:-}
  };
EOF
}
cp "$D/scepd.conf" "$T/base.conf"

# --- 1. config check ------------------------------------------------------------
{ cat "$T/base.conf"; echo "profiles: {"; intune_profile intune 'secret_file = "intune.secret";' \
	'approval: { manual = true; };'; echo "};"; } >"$D/scepd.conf"
check "config check: an intune profile with approval.manual is refused, in words" \
	eval '! "$SCEPD" config check -d "$D" >"$T/cc.out" 2>&1 &&
		grep -q "challenge.mode intune cannot wait for approval" "$T/cc.out"'
# write_conf INTERVAL: profiles "intune" (revocation_interval INTERVAL) and
# "intunebad" (a wrong secret). The queue's thread stays idle (0) until
# section 9, so that its calls cannot interleave with the counts before.
write_conf() {
	{ cat "$T/base.conf"; echo "profiles: {"
		intune_profile intune 'secret_file = "intune.secret";' "" "$1"
		intune_profile intunebad 'secret_file = "wrong.secret";'
		intune_profile intunecert 'cert_file = "app.pem"; key_file = "app.key";'
		intune_profile intuneproxy "secret_file = \"intune.secret\"; proxy = \"http://127.0.0.1:$(cat "$SI_DIR/proxy_port")\";"
		echo "};"; } >"$D/scepd.conf"
}
write_conf 0
check "config check: the intune profiles are accepted" "$SCEPD" config check -d "$D"

scepd_start "$D"
BASE=http://127.0.0.1:$PORT
URL=$BASE/scep/intune
OCSP_URL=$BASE/ocsp

for i in 0 1 2 3; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/pool$i.key" 2>/dev/null
done
NKEY=0
en() { # en NAME WANT [scepmsg req options]: enroll over a pooled key
	[ -f "$T/$1.key" ] || cp "$T/pool$((NKEY++ % 4)).key" "$T/$1.key"
	enroll "$@"
}
BADREQ="status=FAILURE failinfo=badRequest "
BLOB=$(head -c 2400 /dev/urandom | base64 -w0)   # an Intune challenge is kilobytes
SID="tag:microsoft.com,2022-09-14:sid:S-1-5-21-1004336348-1177238915-682003330-512"

# --- 2. a first enrollment, field by field ----------------------------------------
check "Success: scepmsg gets a certificate through /scep/intune" \
	en dev1 "status=SUCCESS" --challenge "$BLOB" --san-uri "$SID"
check "the certificate keeps the URI SAN of Intune's strong mapping" \
	eval 'openssl x509 -in "$T/dev1.crt" -noout -ext subjectAltName | grep -qF "URI:$SID"'

# The CSR as the device sent it: the pkiMessage's content, decrypted.
openssl cms -verify -noverify -inform DER -in "$T/dev1.der" -out "$T/dev1.env" 2>/dev/null
openssl cms -decrypt -inform DER -in "$T/dev1.env" -recip "$CA" -inkey "$D/ca.key" \
	-out "$T/dev1.csr.der" 2>/dev/null
TXID=$(sed -n 's/^txid=//p' "$T/dev1.st")
V=/ScepActions/validateRequest
S=/ScepActions/successNotification
TOK=/oauth2/v2.0/token
check "token: POST $SI/$TENANT/oauth2/v2.0/token, client credentials" \
	eval '[ "$(rec field $TOK path 0)" = "/$TENANT/oauth2/v2.0/token" ] &&
		[ "$(rec field $TOK form.grant_type 0)" = client_credentials ] &&
		[ "$(rec field $TOK form.client_id 0)" = "$APP" ] &&
		[ "$(rec field $TOK form.client_secret 0)" = app-s3cret ] &&
		[ "$(rec field $TOK headers.content-type 0)" = application/x-www-form-urlencoded ]'
check "token scopes: Graph's and Intune's (with the reference's double slash)" \
	eval 'rec field $TOK form.scope 0 >"$T/scopes"; rec field $TOK form.scope 1 >>"$T/scopes";
		grep -qx "$SI/.default" "$T/scopes" &&
		grep -qx "https://api.manage.microsoft.com//.default" "$T/scopes"'
check "discovery: GET servicePrincipals/appId=<Intune>/endpoints with a Graph token" \
	eval '[ "$(rec count /endpoints)" = 1 ] && [ "$(rec field /endpoints method)" = GET ] &&
		rec field /endpoints headers.authorization | grep -q "^Bearer standin-graph-" &&
		rec field /endpoints headers.client-request-id |
		grep -Eqx "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"'
check "validateRequest: Intune token, api-version 2018-02-20, JSON, UserAgent, client-request-id" \
	eval 'rec field $V headers.authorization | grep -q "^Bearer standin-intune-" &&
		[ "$(rec field $V headers.api-version)" = 2018-02-20 ] &&
		[ "$(rec field $V headers.content-type)" = application/json ] &&
		[ "$(rec field $V headers.useragent)" = "scepd/$("$SCEPD" --version | cut -d" " -f2)" ] &&
		rec field $V headers.client-request-id | grep -Eqx "[0-9a-f-]{36}" &&
		[ "$(rec field $V headers.client-request-id)" != "$(rec field /endpoints headers.client-request-id)" ]'
check "validateRequest body: transactionId, callerInfo, and the CSR byte for byte" \
	eval '[ "$(rec field $V json.request.transactionId)" = "$TXID" ] &&
		[ "$(rec field $V json.request.callerInfo)" = "$(rec field $V headers.useragent)" ] &&
		rec field $V json.request.certificateRequest | base64 -d >"$T/sent.csr" &&
		[ -s "$T/dev1.csr.der" ] && cmp "$T/sent.csr" "$T/dev1.csr.der" &&
		openssl req -inform DER -in "$T/sent.csr" -noout -text | grep -qF "$SID"'
THUMB=$(openssl x509 -in "$T/dev1.crt" -outform DER | sha1sum | cut -d" " -f1 | tr a-f A-F)
NOTAFTER=$(date -u -d "$(openssl x509 -in "$T/dev1.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%S.000Z)
check "successNotification: thumbprint, serial, expiry, issuer, CSR, transactionId" \
	eval '[ "$(rec count $S)" = 1 ] &&
		[ "$(rec field $S json.notification.transactionId)" = "$TXID" ] &&
		[ "$(rec field $S json.notification.certificateRequest)" = "$(rec field $V json.request.certificateRequest)" ] &&
		[ "$(rec field $S json.notification.certificateThumbprint)" = "$THUMB" ] &&
		[ "$(rec field $S json.notification.certificateSerialNumber)" = "$(serial_of dev1)" ] &&
		[ "$(rec field $S json.notification.certificateExpirationDateUtc)" = "$NOTAFTER" ] &&
		[ "$(rec field $S json.notification.issuingCertificateAuthority)" = "$(openssl x509 -in "$T/dev1.crt" -noout -issuer -nameopt RFC2253 | sed "s/^issuer=//")" ] &&
		[ "$(rec field $S json.notification.certificateAuthority)" = default ] &&
		rec field $S json.notification.caConfiguration >/dev/null &&
		[ "$(rec field $S headers.api-version)" = 2018-02-20 ]'
check "the token and the services are cached: a second enrollment asks neither again" \
	eval 'en dev2 "status=SUCCESS" --challenge "$BLOB" &&
		[ "$(rec count $TOK)" = 2 ] && [ "$(rec count /endpoints)" = 1 ] &&
		[ "$(rec count $V)" = 2 ]'

# --- 3. refusals ---------------------------------------------------------------------
ncerts() { "$SCEPD" cert list -d "$D" | wc -l; }
CODES="Unknown CertificateRequestDecodingFailed ChallengePasswordMissing ChallengeDeserializationError
ChallengeDecryptionError ChallengeDecodingError ChallengeInvalidTimestamp ChallengeExpired
SubjectNameMissing SubjectNameMismatch SubjectAltNameMissing SubjectAltNameMismatch KeyUsageMismatch
KeyLengthMismatch EnhancedKeyUsageMissing EnhancedKeyUsageMismatch AadKeyIdentifierListMissing
RegisteredKeyMismatch SigningCertThumbprintMismatch ScepProfileNoLongerTargetedToTheClient
SignatureValidationFailed BadCertificateRequestIdInChallenge BadDeviceIdInChallenge BadUserIdInChallenge"
refusals() {
	local code n=0 before=$(ncerts)
	for code in $CODES; do
		ctl "{\"secret\": \"app-s3cret\", \"validate\": \"$code\"}"
		en "r-$code" "$BADREQ" --challenge "$BLOB" >/dev/null || { echo "$code: not refused" >&2; return 1; }
		case $VERDICT in *"$code"*) ;; *) echo "$code: failtext $VERDICT" >&2; return 1 ;; esac
		n=$((n + 1))
	done
	[ "$n" = 24 ] && [ "$(ncerts)" = "$before" ] && [ "$(rec count /failureNotification)" = 0 ] &&
		grep -q 'intune validateRequest: ChallengeExpired: stand-in says ChallengeExpired (HTTP 200, activity [0-9a-f-]*)' "$T/scepd.log"
}
check "each of the 24 refusal codes: FAILURE badRequest naming it, no certificate, no failureNotification, logged" refusals
check "HTTP 500 on validateRequest: FAILURE badRequest, no certificate" \
	eval 'ctl "{\"secret\": \"app-s3cret\", \"validate\": \"500\"}"; n=$(ncerts);
		en e500 "$BADREQ" --challenge "$BLOB" && [ "$(ncerts)" = "$n" ]'
check "after a failure the services are discovered again" \
	eval 'ctl "{\"secret\": \"app-s3cret\"}"; n=$(rec count /endpoints);
		en after500 "status=SUCCESS" --challenge "$BLOB" && [ "$(rec count /endpoints)" = $((n + 1)) ]'
hang() {
	local t0 t1 n=$(ncerts)
	ctl '{"secret": "app-s3cret", "validate": "hang", "hang_seconds": 6}'
	t0=$(date +%s)
	en hang "$BADREQ" --challenge "$BLOB" || return 1
	t1=$(date +%s)
	[ $((t1 - t0)) -lt 5 ] && [ "$(ncerts)" = "$n" ] &&
		grep -q "intune validateRequest: no answer within 2 s" "$T/scepd.log"
}
check "a hang past intune.timeout (2 s): FAILURE badRequest at once, no certificate" hang
ctl '{"secret": "app-s3cret"}'

# --- 4. failure notifications ---------------------------------------------------------------
F=/ScepActions/failureNotification
check "Intune says Success, the profile refuses RSA 1024: FAILURE, a failureNotification" \
	eval 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/small.key" 2>/dev/null &&
		en small "$BADREQ" --challenge "$BLOB" && [ "$(rec count $F)" = 1 ] &&
		[ "$(rec field $F json.notification.transactionId)" = "$(sed -n "s/^txid=//p" "$T/small.st")" ] &&
		[ "$(rec field $F json.notification.hResult)" = -2146877422 ] &&
		[ "$(rec field $F json.notification.callerInfo)" = "$(rec field $V headers.useragent)" ] &&
		[ "$(rec field $F headers.api-version)" = 2018-02-20 ] &&
		rec field $F json.notification.errorDescription | grep -q "RSA" &&
		[ "$(rec field $F json.notification.certificateRequest)" = "$(rec field $V json.request.certificateRequest)" ]'
check "failureNotification: errorDescription within 255 characters" \
	eval '[ "$(rec field $F json.notification.errorDescription | wc -m)" -le 256 ]'
check "successNotification refused (500, then a code): no certificate, a failureNotification" \
	eval 'n=$(ncerts); ctl "{\"secret\": \"app-s3cret\", \"success\": \"500\"}";
		en sn500 "$BADREQ" --challenge "$BLOB" &&
		ctl "{\"secret\": \"app-s3cret\", \"success\": \"ChallengeExpired\"}";
		en sncode "$BADREQ" --challenge "$BLOB" &&
		[ "$(ncerts)" = "$n" ] && [ "$(rec count $F)" = 3 ] &&
		[ "$(rec field $F json.notification.hResult)" = -2147467259 ]'
ctl '{"secret": "app-s3cret"}'

# --- 5. long challenges; renewal ---------------------------------------------------------
LONG=$(head -c 12288 /dev/urandom | base64 -w0)            # 16384 characters
TOOLONG=$(head -c 12800 /dev/urandom | base64 -w0)         # 17068 characters
check "a 16 KiB challengePassword over POST: SUCCESS" \
	en long-post "status=SUCCESS" --challenge "$LONG"
check "a 16 KiB challengePassword over GET (a message= of $(( $(stat -c %s "$T/long-post.der") * 4 / 3 / 1024 )) KiB): SUCCESS" \
	eval 'cp "$T/pool0.key" "$T/long-get.key" && mkreq long-get --challenge "$LONG" && get long-get &&
		expect long-get "status=SUCCESS"'
check "a 17 KiB challengePassword: FAILURE badRequest, Intune not asked" \
	eval 'n=$(rec count $V); en toolong "$BADREQ" --challenge "$TOOLONG" &&
		case $VERDICT in *malformed*) ;; *) false ;; esac && [ "$(rec count $V)" = "$n" ]'
check "no challengePassword: FAILURE badRequest, Intune not asked" \
	eval 'n=$(rec count $V); en nochal "$BADREQ" --no-challenge && [ "$(rec count $V)" = "$n" ]'
check "a renewal signed by our certificate: SUCCESS without asking Intune" \
	eval 'n=$(rec count $V); m=$(rec count $S);
		cp "$T/pool1.key" "$T/ren.key" &&
		mkreq ren --type 17 --signer-cert "$T/dev1.crt" --signer-key "$T/dev1.key" --subject /CN=dev1 &&
		post ren && expect ren "status=SUCCESS" && [ "$(rec count $V)" = "$n" ] && [ "$(rec count $S)" = "$m" ]'

# --- 6. a real client --------------------------------------------------------------------
sc() { # sc NAME: scepclient enrolls at /scep/intune with the blob
	timeout 60 "$SCEPCLIENT" -server-url "$URL" -private-key "$T/$1.sckey" -certificate "$T/$1.sccrt" \
		-challenge "$BLOB" -cn "$1" -organization scepd -country DE >"$T/$1.scout" 2>&1
}
check "scepclient: a certificate when the stand-in says Success" \
	eval 'sc mdm1 && openssl verify -CAfile "$CA" "$T/mdm1.sccrt" >/dev/null &&
		[ "$(rec field $V json.request.certificateRequest)" != "" ]'
check "scepclient: no certificate when the stand-in says ChallengeExpired" \
	eval 'ctl "{\"secret\": \"app-s3cret\", \"validate\": \"ChallengeExpired\"}";
		! sc mdm2 && [ ! -s "$T/mdm2.sccrt" ]'
ctl '{"secret": "app-s3cret"}'

# --- 7. tokens that expire ------------------------------------------------------------------
check "a token refused mid-run (401) is renewed, the call made again: SUCCESS" \
	eval 'n=$(rec count $TOK); v=$(rec count $V);
		ctl "{\"secret\": \"app-s3cret\", \"epoch\": 1}";
		en epoch "status=SUCCESS" --challenge "$BLOB" &&
		[ "$(rec count $TOK)" -gt "$n" ] && [ "$(rec count $V)" = $((v + 2)) ]'
check "a token past its expires_in is renewed before use (no 401)" \
	eval 'ctl "{\"secret\": \"app-s3cret\", \"epoch\": 2, \"expires_in\": 2}";
		en short1 "status=SUCCESS" --challenge "$BLOB" && n=$(rec count $TOK) && v=$(rec count $V) &&
		sleep 1.5 && en short2 "status=SUCCESS" --challenge "$BLOB" &&
		[ "$(rec count $TOK)" -gt "$n" ] && [ "$(rec count $V)" = $((v + 1)) ]'
ctl '{"secret": "app-s3cret"}'

# --- 8. what an admin sees when the tenant is not set up ----------------------------------
check "wrong secret: enrollment FAILURE; scepd intune check says the secret is wrong, exit 1" \
	eval 'URL=$BASE/scep/intunebad en bad1 "$BADREQ" --challenge "$BLOB" &&
		! "$SCEPD" intune check --profile intunebad -d "$D" >"$T/ic1" 2>&1 &&
		grep -q "token: *FAILED: the client secret is wrong" "$T/ic1" &&
		grep -q AADSTS7000215 "$T/ic1"'
check "403 on the discovery: enrollment FAILURE; check names Application.Read.All and admin consent" \
	eval 'ctl "{\"secret\": \"app-s3cret\", \"validate\": \"500\"}"; en drop "$BADREQ" --challenge "$BLOB";
		ctl "{\"secret\": \"app-s3cret\", \"discovery\": \"403\"}";
		en d403 "$BADREQ" --challenge "$BLOB" &&
		! "$SCEPD" intune check --profile intune -d "$D" >"$T/ic2" 2>&1 &&
		grep -q "discovery: FAILED: .*HTTP 403.*Application.Read.All.*admin consent" "$T/ic2"'
check "no SCEP service in the tenant: enrollment FAILURE; check names scep_challenge_provider" \
	eval 'ctl "{\"secret\": \"app-s3cret\", \"discovery\": \"noscep\"}";
		en noscep "$BADREQ" --challenge "$BLOB" &&
		! "$SCEPD" intune check --profile intune -d "$D" >"$T/ic3" 2>&1 &&
		grep -q "lists no ScepRequestValidationFEService.*scep_challenge_provider" "$T/ic3"'
check "token endpoint down (503): scepd intune check says Entra refused, exit 1" \
	eval 'ctl "{\"secret\": \"app-s3cret\", \"token\": \"503\"}";
		! "$SCEPD" intune check --profile intune -d "$D" >"$T/ic4" 2>&1 && grep -q "token: *FAILED" "$T/ic4"'
ctl '{"secret": "app-s3cret"}'
check "scepd intune check on a good profile: both services, exit 0" \
	eval '"$SCEPD" intune check --profile intune -d "$D" >"$T/ic5" 2>&1 &&
		grep -q "ScepRequestValidationFEService: $SI/scep" "$T/ic5" &&
		grep -q "PkiConnectorFEService: $SI/pki" "$T/ic5"'
# jwt_check: the last token request is a client assertion (RFC 7523) that
# verifies with the app certificate's key, names it by x5t, and has Entra's
# claims.
jwt_check() {
	[ "$(rec field $TOK form.client_assertion_type)" = urn:ietf:params:oauth:client-assertion-type:jwt-bearer ] || return 1
	! rec field $TOK form.client_secret >/dev/null || return 1
	rec field $TOK form.client_assertion >"$T/jwt" || return 1
	"$PYTHON" - "$T/jwt" "$T" <<'PYEOF' || return 1
import base64, json, sys
h, c, s = open(sys.argv[1]).read().strip().split(".")
d = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
open(sys.argv[2] + "/jwt.input", "w").write(h + "." + c)
open(sys.argv[2] + "/jwt.sig", "wb").write(d(s))
hdr, claims = json.loads(d(h)), json.loads(d(c))
open(sys.argv[2] + "/jwt.x5t", "w").write(hdr["x5t"])
print(hdr["alg"], hdr["typ"], claims["aud"], claims["iss"], claims["sub"], claims["exp"] - claims["nbf"], len(claims["jti"]))
PYEOF
	openssl x509 -in "$D/app.pem" -pubkey -noout >"$T/app.pub"
	openssl dgst -sha256 -verify "$T/app.pub" -signature "$T/jwt.sig" "$T/jwt.input" >/dev/null || return 1
	[ "$(cat "$T/jwt.x5t")" = "$(openssl x509 -in "$D/app.pem" -outform DER | openssl dgst -sha1 -binary | base64 | tr +/ -_ | tr -d =)" ]
}
check "a certificate credential: scepd intune check gets a token with a signed client assertion" \
	eval '"$SCEPD" intune check --profile intunecert -d "$D" >"$T/ic6" 2>&1 && grep -q "discovery: ok" "$T/ic6" &&
		jwt_check >"$T/jwt.out" && cat "$T/jwt.out" &&
		grep -qx "RS256 JWT $SI/$TENANT/oauth2/v2.0/token $APP $APP 600 36" "$T/jwt.out"'
check "intune.proxy: token and discovery go through the HTTP proxy (CONNECT), TLS still verified" \
	eval '"$SCEPD" intune check --profile intuneproxy -d "$D" >"$T/ic7" 2>&1 && grep -q "discovery: ok" "$T/ic7" &&
		[ "$(grep -c "^CONNECT 127.0.0.1:${SI##*:}$" "$SI_DIR/proxy.log")" -ge 2 ]'
check "scepd intune check on a profile that is not intune: exit 1" \
	eval '! "$SCEPD" intune check -d "$D" >/dev/null 2>&1'

# --- 9. the revocation queue (intune.revocation_interval = 1 s, by SIGHUP) ------------------
write_conf 1
kill -HUP "$SCEPD_PID"
U=/CertificateAuthorityRequests/uploadRevocationResults
DL=/CertificateAuthorityRequests/downloadRevocationRequests
SA=$(serial_of dev1) SB=$(serial_of dev2)
ISSUER=$(openssl x509 -in "$T/dev1.crt" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
ctl "{\"secret\": \"app-s3cret\", \"queue\": [
	{\"requestContext\": \"ctx-a\", \"serialNumber\": \"$SA\", \"issuerName\": \"$ISSUER\"},
	{\"requestContext\": \"ctx-b\", \"serialNumber\": \"$(echo "$SB" | tr A-F a-f)\", \"issuerName\": \"$ISSUER\"},
	{\"requestContext\": \"ctx-x\", \"serialNumber\": \"0DEADBEEF0\", \"issuerName\": \"$ISSUER\"}]}"
wait_upload() { # wait_upload N: N uploads have been recorded (10 s at most)
	local i
	for i in $(seq 1 100); do
		[ "$(rec count $U)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
res() { rec field $U "json.results" "$1" | "$PYTHON" -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["requestContext"], r["succeeded"], r["errorCode"], r["errorMessage"])'; }
check "queue of three: one upload with three results (done, done, unknown serial)" \
	eval 'wait_upload 1 && res 0 >"$T/res1" && cat "$T/res1" &&
		grep -qx "ctx-a True None revoked" "$T/res1" && grep -qx "ctx-b True None revoked" "$T/res1" &&
		grep -q "^ctx-x False CertificateNotFoundError " "$T/res1" && [ "$(wc -l <"$T/res1")" = 3 ]'
check "downloadRevocationRequests: maxRequests 500, issuerName null, api-version 5019-05-05" \
	eval '[ "$(rec field $DL json.downloadParameters.maxRequests)" = 500 ] &&
		[ "$(rec field $DL json.downloadParameters.issuerName)" = null ] &&
		[ "$(rec field $DL headers.api-version)" = 5019-05-05 ] &&
		[ "$(rec field $U headers.api-version)" = 5019-05-05 ] &&
		rec field $DL headers.authorization | grep -q "^Bearer standin-intune-"'
ocsp() { openssl ocsp -issuer "$CA" -CAfile "$CA" -url "$OCSP_URL" -timeout 10 -cert "$T/$1.crt" >"$T/$1.ocsp" 2>&1; }
check "OCSP: both certificates revoked, another one still good" \
	eval 'ocsp dev1 && grep -q ": revoked$" "$T/dev1.ocsp" && ocsp dev2 && grep -q ": revoked$" "$T/dev2.ocsp" &&
		ocsp after500 && grep -q ": good$" "$T/after500.ocsp"'
check "scepd cert list: the two revoked, nothing else" \
	eval '[ "$("$SCEPD" cert list -d "$D" | grep -ci revoked)" = 2 ]'
check "a request for a certificate revoked already: succeeded, \"revoked already\"" \
	eval 'ctl "{\"secret\": \"app-s3cret\", \"queue\": [
		{\"requestContext\": \"ctx-a2\", \"serialNumber\": \"$SA\", \"issuerName\": \"$ISSUER\"}]}";
		wait_upload 2 && res 1 | grep -qx "ctx-a2 True None revoked already"'
check "scepd intune sync beside the serving node: the node holds the lease, exit 1" \
	eval '! "$SCEPD" intune sync --profile intune -d "$D" >"$T/sync.out" 2>&1 &&
		grep -q "another node holds the lease" "$T/sync.out"'
check "the log names the revocations" \
	eval 'grep -q "intune: revoked serial $SA (profile intune" "$T/scepd.log"'
check "the audit log has them, actor intune, and its chain verifies" \
	eval '"$SCEPD" audit list --json -d "$D" | grep "\"cert:$SA\"" | grep -q "\"intune\"" &&
		"$SCEPD" audit verify -d "$D" >/dev/null'
ctl '{"secret": "app-s3cret"}'

check "the transaction log keeps what Intune said of a refusal" \
	eval '"$SCEPD" txlog list -d "$D" >"$T/txlog.out"; grep -q "intune validateRequest: " "$T/txlog.out" || { tail -n 5 "$T/txlog.out"; false; }'

check "scepd still serves and stops cleanly" eval 'get_is 200 "$URL?operation=GetCACaps"'
scepd_stop
finish
