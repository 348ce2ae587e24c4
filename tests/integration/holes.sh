#!/usr/bin/env bash
# tests/integration/holes.sh: the small holes a hostile test found (issue #15
# item 4), each closed, against a live scepd on loopback:
#   a. message=<base64>%00garbage is refused (400), not cut at the NUL;
#   b. 1,500 query parameters get 414 at once, not a connection held 30 s;
#   c. the NDES page mints on GET of its own paths only: HEAD 405, no
#      challenge; /certsrv/mscep_adminFOO 404;
#   d. repeated wrong NDES credentials from one address get 429 with
#      Retry-After (others unaffected), logged with user and address, never
#      the password;
#   e. "scepd init" into a world-readable directory: directory 0700, store
#      and its WAL 0600; serve warns about a store others may read;
#   f. a flood of malformed OCSP requests: warnings summarised, one request
#      log line each.
# Outcomes only: no assertion here depends on how long anything takes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

D=$T/d
# --- e. an existing, world-readable directory and store --------------------------
mkdir -m 755 "$D"
: >"$D/scepd.db"
chmod 644 "$D/scepd.db"
scepd_init "$D"
CA=$D/ca.pem
check "init into an existing 0755 directory: directory now 0700" \
	eval '[ "$(stat -c %a "$D")" = 700 ]'
check "init over an existing 0644 store file: store now 0600" \
	eval '[ "$(stat -c %a "$D/scepd.db")" = 600 ]'

printf 'ndes-s3cret\n' >"$D/ndes.pass"
chmod 600 "$D/ndes.pass"
# The first wait is an hour, so that no check below can outlast it.
cat >>"$D/scepd.conf" <<EOF2
# holes.sh settings
auth: { max_failures = 3; delay = 3600; max_delay = 3600; };
profiles: {
  otp: { challenge: { mode = "dynamic"; ndes_user = "mdm"; ndes_password_file = "ndes.pass"; }; };
};
EOF2
check "scepd config check: auth.* settings accepted" \
	eval '"$SCEPD" config check -d "$D" >"$T/check.out" 2>&1'
scepd_start "$D"
BASE=http://127.0.0.1:$PORT

# --- a. NUL in message= ------------------------------------------------------------
nul_tail() {
	local m
	mkreq_padded nul && m=$("$SCEPMSG" b64 -i "$T/nul.der") || return 1
	get_is 400 "$URL?operation=PKIOperation&message=${m}%00garbage" || return 1
	grep -q "NUL" "$T/body" || { echo "reason: $(cat "$T/body")" >&2; return 1; }
	# the same message without its tail enrols: only the tail was refused
	get nul && expect nul status=SUCCESS
}
check "GET message=<valid base64>%00garbage: 400 with a one-line reason; without the tail: SUCCESS" nul_tail
check "GET operation=GetCACaps%00junk: 400" get_is 400 "$URL?operation=GetCACaps%00junk"
check "GET message=%00 (a NUL only): 400" get_is 400 "$URL?operation=PKIOperation&message=%00"

# --- b. too many query parameters --------------------------------------------------
params() { local i; for i in $(seq 1 "$1"); do printf '&p%d=x' "$i"; done; }
many() {
	http -m 20 "$URL?operation=GetCACaps$(params 1500)"
	[ "$CODE" = 414 ] || { echo "HTTP $CODE, want 414" >&2; return 1; }
	[ "$(awk 'END { print NR }' "$T/body")" = 1 ] && grep -q "query parameters" "$T/body"
}
check "GET with 1,500 query parameters: 414 with a one-line reason (answered, not held)" many
check "POST PKIOperation with 1,500 query parameters: 414" \
	eval 'mkreq many && http -m 20 --data-binary "@$T/many.der" "$URL?operation=PKIOperation$(params 1500)" &&
		[ "$CODE" = 414 ]'
check "GET with 64 parameters in all: still served (GetCACaps 200)" \
	get_is 200 "$URL?operation=GetCACaps$(params 63)"
check "GET with 65 parameters in all: 414" get_is 414 "$URL?operation=GetCACaps$(params 64)"
check "scepd still answers after them" get_is 200 "$URL?operation=GetCACaps"

# --- c. the NDES page: GET on its paths only ----------------------------------------
# ndes PATH [curl options]: the status of PATH with the right credentials.
ndes() {
	curl -s -o "$T/ndes.html" -D "$T/ndes.hdr" -w '%{http_code}' "${@:2}" "$BASE$1"
}
nchal() { "$SCEPD" challenge list -d "$D" | awk -F'\t' '$1 == "otp"' | grep -c . || true; }
N0=$(nchal)
check "HEAD /certsrv/mscep_admin/ with valid credentials: 405, Allow: GET" \
	eval '[ "$(ndes /certsrv/mscep_admin/ -u mdm:ndes-s3cret -I)" = 405 ] &&
		grep -qi "^allow: GET" "$T/ndes.hdr"'
check "... and no challenge was minted" eval '[ "$(nchal)" = "$N0" ]'
check "POST /certsrv/mscep_admin/: 405" \
	eval '[ "$(ndes /certsrv/mscep_admin/ -u mdm:ndes-s3cret -d x)" = 405 ]'
check "GET /certsrv/mscep_adminFOO with valid credentials: 404, no challenge" \
	eval '[ "$(ndes /certsrv/mscep_adminFOO -u mdm:ndes-s3cret)" = 404 ] && [ "$(nchal)" = "$N0" ]'
check "GET /certsrv/mscep_admin/x: 404" \
	eval '[ "$(ndes /certsrv/mscep_admin/x -u mdm:ndes-s3cret)" = 404 ]'
for p in /certsrv/mscep_admin/ /certsrv/mscep_admin /certsrv/mscep_admin/mscep.dll; do
	check "GET $p with valid credentials: 200, a challenge" \
		eval '[ "$(ndes $p -u mdm:ndes-s3cret)" = 200 ] &&
			iconv -f UTF-16 -t UTF-8 "$T/ndes.html" >"$T/ndes.txt" &&
			grep -q "challenge password is: <B> [0-9A-Fa-f]" "$T/ndes.txt"'
done
check "... three GETs, three challenges" eval '[ "$(nchal)" = $((N0 + 3)) ]'

# --- d. repeated failures from one address ---------------------------------------
A=(--interface 127.0.0.2)
check "no credentials from 127.0.0.2: 401, not counted" \
	eval '[ "$(ndes /certsrv/mscep_admin/ "${A[@]}")" = 401 ]'
for i in 1 2 3; do
	check "wrong password $i from 127.0.0.2: 401" \
		eval '[ "$(ndes /certsrv/mscep_admin/ "${A[@]}" -u mdm:guess-Xq7$i)" = 401 ]'
done
check "4th try from 127.0.0.2, wrong password: 429 with Retry-After" \
	eval '[ "$(ndes /certsrv/mscep_admin/ "${A[@]}" -u mdm:guess-Xq74)" = 429 ] &&
		grep -qi "^retry-after: [1-9]" "$T/ndes.hdr"'
check "... and with the right password: 429 too (no oracle), no challenge" \
	eval 'N1=$(nchal) && [ "$(ndes /certsrv/mscep_admin/ "${A[@]}" -u mdm:ndes-s3cret)" = 429 ] &&
		[ "$(nchal)" = "$N1" ]'
check "127.0.0.3 meanwhile, right password: 200" \
	eval '[ "$(ndes /certsrv/mscep_admin/ --interface 127.0.0.3 -u mdm:ndes-s3cret)" = 200 ]'
check "127.0.0.3, two wrong and then the right one: 401 401 200 (a success forgets)" \
	eval '[ "$(ndes /certsrv/mscep_admin/ --interface 127.0.0.3 -u mdm:no1)" = 401 ] &&
		[ "$(ndes /certsrv/mscep_admin/ --interface 127.0.0.3 -u mdm:no2)" = 401 ] &&
		[ "$(ndes /certsrv/mscep_admin/ --interface 127.0.0.3 -u mdm:ndes-s3cret)" = 200 ] &&
		[ "$(ndes /certsrv/mscep_admin/ --interface 127.0.0.3 -u mdm:no3)" = 401 ]'
check "the failures are logged at warn with the user and the address" \
	eval 'grep "level=warn" "$T/scepd.log" | grep "127.0.0.2: NDES page: wrong credentials" |
		grep -q "user ..mdm.."'
check "... and no password ever is" \
	eval '! grep -q -e guess-Xq7 -e ndes-s3cret -e "no[123]\b" "$T/scepd.log"'
check "the 429s are in the request log" \
	eval '[ "$(grep -c "msg=request peer=127.0.0.2 .*status=429" "$T/scepd.log")" = 2 ]'

# --- e. the WAL of a running store ----------------------------------------------
check "a running store's -wal and -shm files: 0600" \
	eval 'enroll wal status=SUCCESS && [ "$(stat -c %a "$D/scepd.db-wal")" = 600 ] &&
		[ "$(stat -c %a "$D/scepd.db-shm")" = 600 ]'

# --- f. a flood of malformed OCSP requests ----------------------------------------
head -c 100 /dev/urandom >"$T/junk.ocsp"
urls=()
for i in $(seq 1 200); do urls+=("$BASE/ocsp"); done
curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' \
	--data-binary "@$T/junk.ocsp" "${urls[@]}" || true
scepd_stop
W='ocsp: RFC 6960 4.1.1: not an OCSPRequest'
# shown: warning lines written; held: the counts of the summaries of that warning.
shown=$(grep -c "level=warn msg=\"$W" "$T/scepd.log" || true)
held=$(grep "similar warnings suppressed\" like=\"$W" "$T/scepd.log" |
	sed 's/.*msg="\([0-9]*\) similar.*/\1/' | awk '{ n += $1 } END { print n + 0 }')
echo "# 200 malformed OCSP requests: $shown warnings written, $held summarised"
check "200 malformed OCSP requests: fewer than 200 warning lines" eval '[ "$shown" -lt 200 ]'
check "... and the rest counted in summary lines: written + summarised = 200" \
	eval '[ $((shown + held)) = 200 ]'
check "... and still one request log line (info) each" \
	eval '[ "$(grep -c "level=info msg=request .*path=/ocsp " "$T/scepd.log")" = 200 ]'

# serve warns about a store others may read (its WAL would be too).
chmod 644 "$D/scepd.db"
scepd_start "$D"
check "serve with a 0644 store: a warning that says so" \
	eval 'grep -q "scepd.db: mode 0644 lets others read the store" "$T/scepd.log"'
scepd_stop

finish
