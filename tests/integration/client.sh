# tests/integration/client.sh: SCEP client helpers for the integration tests
# (sourced after lib.sh). Requests are built by $SCEPMSG (tests/tools/scepmsg.c),
# sent with curl, and every CertRep is checked by "scepmsg rep", which runs the
# CHK-REP of the RFC 8894 conformance checklist (section 7.4).
# Request NAME keeps its files in $T: NAME.key NAME.der NAME.st NAME.rep NAME.crt.
# Callers set CA (the CA certificate, PEM) after scepd_init.
: "${SCEPMSG:?SCEPMSG must name the scepmsg binary}"
CHALLENGE=${CHALLENGE:-s3cret}
CODE='' CTYPE='' VERDICT=''

# http CURL-ARGS...: one request; sets CODE and CTYPE, body in $T/body.
http() {
	local out
	out=$(curl -s -g -o "$T/body" -w '%{http_code} %{content_type}' "$@") || true
	CODE=${out%% *}
	CTYPE=${out#* }
	CTYPE=${CTYPE%%;*}
}

# http_is CODE: the last answer had that status; a 400 or 413 must come with
# a body of exactly one text/plain line (LF-terminated, no CR).
http_is() {
	if [ "$CODE" != "$1" ]; then
		echo "HTTP $CODE, want $1: $(head -c 200 "$T/body")" >&2
		return 1
	fi
	case $1 in 400|413) ;; *) return 0 ;; esac
	[ "$CTYPE" = text/plain ] || { echo "Content-Type \"$CTYPE\", want text/plain" >&2; return 1; }
	if [ "$(awk 'END { print NR }' "$T/body")" != 1 ] || [ -n "$(tail -c 1 "$T/body")" ] ||
		grep -q $'\r' "$T/body"; then
		echo "body is not one line: $(od -c "$T/body" | head -3)" >&2
		return 1
	fi
}

# get_is CODE URL [CURL-ARGS...]: request URL, expect CODE (see http_is).
get_is() {
	local code=$1; shift
	http "$@" && http_is "$code"
}

# mkreq NAME [scepmsg req options]: build request NAME, by default a PKCSReq
# for /CN=NAME with the right challenge, over a new RSA-2048 key $T/NAME.key.
# Options given override those defaults; --no-challenge leaves it out.
mkreq() {
	local name=$1 a
	shift
	local chal=(--challenge "$CHALLENGE") args=()
	for a in "$@"; do
		if [ "$a" = --no-challenge ]; then chal=(); else args+=("$a"); fi
	done
	"$SCEPMSG" req --cacert "$CA" --key "$T/$name.key" --newkey rsa:2048 \
		--subject "/CN=$name" "${chal[@]}" -o "$T/$name.der" \
		--state "$T/$name.st" "${args[@]}"
}

# mkreq_padded NAME [options]: mkreq with a transactionID whose length makes
# the DER length no multiple of 3, so that its base64 ends in '='.
mkreq_padded() {
	local name=$1 pad
	shift
	for pad in x xx xxx; do
		mkreq "$name" --txid "$name-$pad" "$@" || return 1
		[ $(($(stat -c %s "$T/$name.der") % 3)) -ne 0 ] && return 0
	done
	return 1
}

# post_file FILE [CTYPE]: POST FILE as PKIOperation with that Content-Type
# (default application/x-pki-message; "" sends none).
post_file() {
	local ct=${2-application/x-pki-message}
	http --data-binary "@$1" -H "Content-Type:${ct:+ $ct}" "$URL?operation=PKIOperation"
}

# post NAME [CTYPE]: POST request NAME; the answer goes to NAME.rep.
post() {
	post_file "$T/$1.der" "${2-application/x-pki-message}" && cp "$T/body" "$T/$1.rep"
}

# get NAME [scepmsg b64 options]: GET request NAME, message= exactly as
# "scepmsg b64" prints it; the answer goes to NAME.rep.
get() {
	local name=$1 m
	shift
	m=$("$SCEPMSG" b64 -i "$T/$name.der" "$@") || return 1
	http "$URL?operation=PKIOperation&message=$m" && cp "$T/body" "$T/$name.rep"
}

# verdict NAME: CHK-REP on NAME.rep: HTTP 200, application/x-pki-message, and
# "scepmsg rep" (which writes NAME.crt on SUCCESS); sets VERDICT to its line.
# ECONTENT=absent|empty: the form a FAILURE or PENDING must have (else either).
# REPSIG=pss|pkcs1: the RSA signature the CertRep must have (else either).
verdict() {
	local name=$1
	VERDICT=
	http_is 200 || return 1
	[ "$CTYPE" = application/x-pki-message ] ||
		{ echo "$name: Content-Type \"$CTYPE\"" >&2; return 1; }
	VERDICT=$("$SCEPMSG" rep --state "$T/$name.st" --cacert "$CA" \
		-i "$T/$name.rep" --cert-out "$T/$name.crt" \
		${ECONTENT:+--econtent "$ECONTENT"} ${REPSIG:+--sig "$REPSIG"}) || return 1
	echo "# $name: $VERDICT"
}

# expect NAME WANT: the verdict on NAME.rep starts with WANT.
expect() {
	verdict "$1" || return 1
	case $VERDICT in "$2"*) return 0 ;; esac
	echo "$1: want \"$2\"" >&2
	return 1
}

# enroll NAME WANT [scepmsg req options]: mkreq, post, expect.
enroll() {
	local name=$1 want=$2
	shift 2
	mkreq "$name" "$@" && post "$name" && expect "$name" "$want"
}

# cert_ok NAME: NAME.crt chains to the CA.
cert_ok() { openssl verify -CAfile "$CA" "$T/$1.crt" >/dev/null; }

# serial_of NAME: the serial of NAME.crt, upper-case hex as openssl prints it.
serial_of() { openssl x509 -in "$T/$1.crt" -noout -serial 2>/dev/null | cut -d= -f2; }

# listed SERIAL: `scepd cert list` has a line with that serial (any case).
listed() { "$SCEPD" cert list -d "$D" | grep -ciw -- "$1" >/dev/null; }
