#!/usr/bin/env bash
# tests/integration/caching.sh: HTTP caching of what scepd serves unchanged
# for a while (RFC 5019 6.2, RFC 9110 8.8 and 13.1.2, RFC 9111 5.2/5.3), with
# curl against a live scepd:
#   - the CRL (/crl): ETag, Cache-Control max-age up to nextUpdate, Expires =
#     nextUpdate, Last-Modified = thisUpdate; If-None-Match (exact, weak, in a
#     list, "*") gets 304 with the same validators, another tag gets 200; a
#     revocation makes a new CRL and a new ETag;
#   - OCSP over GET (/ocsp/<base64>) without a nonce: the same, with Expires
#     and Last-Modified from the response's nextUpdate and thisUpdate; with a
#     nonce, or over POST: no caching headers;
#   - GetCACert and /ca.crt: ETag and Cache-Control max-age=3600; 304.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

D=$T/d
scepd_init "$D"
scepd_start "$D"
CA=$D/ca.pem
BASE=http://127.0.0.1:$PORT

# head_of FILE NAME: the value of response header NAME (any case) in FILE.
head_of() { awk -v n="$2" -F': ' 'tolower($1) == tolower(n) { sub(/\r$/, "", $2); print $2; exit }' "$1"; }
# get_h URL FILE [curl args]: GET URL, headers to FILE, body to FILE.body;
# prints the status code.
get_h() {
	local url=$1 f=$2
	shift 2
	curl -s -o "$f.body" -D "$f" -w '%{http_code}' "$@" "$url"
}
epoch() { date -d "$1" +%s; }

# cached_ok FILE NEXT THIS: the four headers, consistent with NEXT and THIS
# (Unix seconds; THIS may be empty for no Last-Modified check).
cached_ok() {
	local f=$1 next=$2 this=$3 cc etag exp lm age now
	etag=$(head_of "$f" ETag) cc=$(head_of "$f" Cache-Control)
	exp=$(head_of "$f" Expires) lm=$(head_of "$f" Last-Modified)
	[[ "$etag" =~ ^\"[0-9A-F]{32}\"$ ]] || { echo "ETag \"$etag\"" >&2; return 1; }
	[[ "$cc" =~ ^max-age=([0-9]+),\ public,\ no-transform,\ must-revalidate$ ]] ||
		{ echo "Cache-Control \"$cc\"" >&2; return 1; }
	age=${BASH_REMATCH[1]} now=$(date +%s)
	[ "$(epoch "$exp")" = "$next" ] || { echo "Expires $exp, want $(date -u -d @"$next")" >&2; return 1; }
	[ "$age" -le $((next - now + 1)) ] && [ "$age" -ge $((next - now - 5)) ] ||
		{ echo "max-age $age, nextUpdate in $((next - now)) s" >&2; return 1; }
	[ -z "$this" ] || [ "$(epoch "$lm")" = "$this" ] ||
		{ echo "Last-Modified $lm, want $(date -u -d @"$this")" >&2; return 1; }
}

# --- the CRL ----------------------------------------------------------------------
crl_times() { # crl_times DER: "NEXT THIS" in Unix seconds
	local t
	t=$(openssl crl -inform DER -in "$1" -noout -lastupdate -nextupdate)
	echo "$(epoch "$(echo "$t" | sed -n 's/^nextUpdate=//p')") $(epoch "$(echo "$t" | sed -n 's/^lastUpdate=//p')")"
}
crl_ok() {
	[ "$(get_h "$BASE/crl" "$T/crl.h")" = 200 ] || return 1
	set -- $(crl_times "$T/crl.h.body")
	cached_ok "$T/crl.h" "$1" "$2"
}
check "GET /crl: 200, ETag, max-age to nextUpdate, Expires = nextUpdate, Last-Modified = thisUpdate" crl_ok
ETAG=$(head_of "$T/crl.h" ETag)
# is304 URL FILE TAG...: If-None-Match TAG gives 304, no body, same validators.
is304() {
	local url=$1 f=$2
	shift 2
	[ "$(get_h "$url" "$f" -H "If-None-Match: $*")" = 304 ] || return 1
	[ ! -s "$f.body" ] && [ "$(head_of "$f" ETag)" = "$ETAG" ] && [ -n "$(head_of "$f" Cache-Control)" ]
}
check "If-None-Match with the CRL's ETag: 304, no body, the same ETag and Cache-Control" is304 "$BASE/crl" "$T/c1" "$ETAG"
check "If-None-Match W/ the same tag (weak comparison): 304" is304 "$BASE/crl" "$T/c2" "W/$ETAG"
check "If-None-Match: a list holding the tag: 304" is304 "$BASE/crl" "$T/c3" "\"0000\", $ETAG"
check "If-None-Match: *: 304" is304 "$BASE/crl" "$T/c4" "*"
check "If-None-Match with another tag: 200 and the CRL" \
	eval '[ "$(get_h "$BASE/crl" "$T/c5" -H "If-None-Match: \"00000000000000000000000000000000\"")" = 200 ] &&
		cmp -s "$T/c5.body" "$T/crl.h.body"'

# A revocation makes a new CRL, with a new ETag: the old tag no longer matches.
enroll leaf status=SUCCESS --newkey rsa:2048 --challenge "${CHALLENGE:-s3cret}"
SER=$(serial_of leaf)
"$SCEPD" cert revoke "$SER" -d "$D" >/dev/null
new_crl() {
	[ "$(get_h "$BASE/crl" "$T/c6" -H "If-None-Match: $ETAG")" = 200 ] &&
		[ "$(head_of "$T/c6" ETag)" != "$ETAG" ] &&
		openssl crl -inform DER -in "$T/c6.body" -noout -text | grep -qi "$SER"
}
check "after scepd cert revoke: the old ETag gets 200, a new ETag, the serial listed" new_crl

# --- OCSP over GET -------------------------------------------------------------------
openssl ocsp -issuer "$CA" -cert "$T/leaf.crt" -no_nonce -reqout "$T/ocsp.req" >/dev/null 2>&1
openssl ocsp -issuer "$CA" -cert "$T/leaf.crt" -reqout "$T/ocsp-nonce.req" >/dev/null 2>&1
b64url() { base64 -w0 "$1" | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g'; }
OURL=$BASE/ocsp/$(b64url "$T/ocsp.req")
ocsp_times() { # "NEXT THIS" of an OCSP response
	local t
	t=$(openssl ocsp -respin "$1" -resp_text -noverify 2>/dev/null)
	echo "$(epoch "$(echo "$t" | sed -n 's/^ *Next Update: //p' | head -n1)")" \
		"$(epoch "$(echo "$t" | sed -n 's/^ *This Update: //p' | head -n1)")"
}
ocsp_ok() {
	[ "$(get_h "$OURL" "$T/o.h")" = 200 ] || return 1
	openssl ocsp -respin "$T/o.h.body" -resp_text -noverify 2>/dev/null | grep -q "Cert Status: revoked" || return 1
	set -- $(ocsp_times "$T/o.h.body")
	cached_ok "$T/o.h" "$1" "$2"
}
check "OCSP GET without a nonce: 200, ETag, max-age to nextUpdate, Expires, Last-Modified = thisUpdate" ocsp_ok
ETAG=$(head_of "$T/o.h" ETag)
check "OCSP GET with If-None-Match of its ETag: 304" is304 "$OURL" "$T/o2" "$ETAG"
no_cache_headers() { [ -z "$(head_of "$1" ETag)" ] && [ -z "$(head_of "$1" Expires)" ]; }
check "OCSP GET with a nonce: 200, no ETag, no Expires (answers this request only)" \
	eval '[ "$(get_h "$BASE/ocsp/$(b64url "$T/ocsp-nonce.req")" "$T/o3")" = 200 ] && no_cache_headers "$T/o3"'
check "OCSP POST: 200, no ETag, no Expires" \
	eval '[ "$(get_h "$BASE/ocsp" "$T/o4" -H "Content-Type: application/ocsp-request" --data-binary @"$T/ocsp.req")" = 200 ] &&
		no_cache_headers "$T/o4"'

# --- GetCACert and /ca.crt ---------------------------------------------------------------
cacert_ok() { # cacert_ok URL FILE
	[ "$(get_h "$1" "$2")" = 200 ] || return 1
	[[ "$(head_of "$2" ETag)" =~ ^\"[0-9A-F]{32}\"$ ]] && [ "$(head_of "$2" Cache-Control)" = "max-age=3600, public" ] &&
		openssl x509 -in "$CA" -outform DER | cmp -s - "$2.body"
}
check "GetCACert: 200, the CA certificate, ETag, Cache-Control max-age=3600" cacert_ok "$URL?operation=GetCACert" "$T/g1"
ETAG=$(head_of "$T/g1" ETag)
check "GetCACert with If-None-Match of its ETag: 304" is304 "$URL?operation=GetCACert" "$T/g2" "$ETAG"
check "/ca.crt: the same ETag and Cache-Control" \
	eval 'cacert_ok "$BASE/ca.crt" "$T/g3" && [ "$(head_of "$T/g3" ETag)" = "$ETAG" ]'
check "/ca.crt with If-None-Match: 304" is304 "$BASE/ca.crt" "$T/g4" "$ETAG"
check "a CertRep is never cached: PKIOperation answers say no-store, no ETag" \
	eval '[ "$(get_h "$URL?operation=PKIOperation" "$T/p1" -H "Content-Type: application/x-pki-message" --data-binary @"$T/leaf.der")" = 200 ] &&
		[ "$(head_of "$T/p1" Cache-Control)" = no-store ] && [ -z "$(head_of "$T/p1" ETag)" ]'
check "scepd still running" kill -0 "$SCEPD_PID"
finish
