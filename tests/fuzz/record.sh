#!/usr/bin/env bash
# tests/fuzz/record.sh BUILD_DIR: rebuild the committed seed corpora,
# tests/fuzz/seeds/<target>/, from real clients' messages, and write
# tests/fuzz/seeds/PROVENANCE saying where each file came from.
#   - micromdm scepclient: tests/integration/interop_scepclient.sh run
#     with SCEPD_FUZZ_RECORD set, which keeps what its recording proxy saw
#     (PKIOperation POST and GET) and the CA key that opens it;
#   - openssl ocsp -reqout: OCSP requests for that CA;
#   - openssl req: CSRs with SANs and a challengePassword;
#   - tests/tools/scepmsg: CertPoll, GetCert, GetCRL (no client here
#     sends them), opened with the same CA.
# Decrypted CSRs become fuzz_csr's and fuzz_engine's inputs (their
# CertificationRequestInfo, which the harnesses re-sign); each seed is
# named by its SHA-256, so a rerun adds nothing already there.
# Needs BUILD_DIR/scepd and BUILD_DIR/tests/scepmsg, python3, openssl.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$root/tests/fuzz/seeds
T=$(mktemp -d "${TMPDIR:-/tmp}/scepd-record.XXXXXX")
trap 'rm -rf "$T"' EXIT
prov=$T/PROVENANCE

# seed TARGET SOURCE FILE [PREFIX-HEX]: FILE (after PREFIX bytes) as a
# seed of TARGET named by its hash, with a PROVENANCE line.
seed() {
	local target=$1 src=$2 f=$3 pfx=${4:-} h
	mkdir -p "$seeds/$target"
	{ [ -z "$pfx" ] || printf '%s' "$pfx" | xxd -r -p; cat "$f"; } >"$T/s"
	h=$(sha256sum "$T/s" | cut -c1-16)
	cp "$T/s" "$seeds/$target/$h"
	echo "$target/$h $src" >>"$prov"
}

# tbs CSR.der OUT: the CertificationRequestInfo of a PKCS#10 request.
tbs() {
	python3 - "$1" "$2" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
def hdr(d, i):
    n = d[i + 1]
    if n < 0x80:
        return 2, n
    k = n & 0x7f
    return 2 + k, int.from_bytes(d[i + 2:i + 2 + k], "big")
h, _ = hdr(d, 0)
h2, n2 = hdr(d, h)
open(sys.argv[2], "wb").write(d[h:h + h2 + n2])
PY
}

# open MSG CADIR OUT: the messageData of a pkiMessage, decrypted.
open_msg() {
	openssl cms -verify -noverify -inform DER -in "$1" -out "$T/env" \
	    2>/dev/null &&
	    openssl cms -decrypt -inform DER -in "$T/env" -recip "$2/ca.pem" \
	    -inkey "$2/ca.key" -out "$3" -provider legacy -provider default \
	    2>/dev/null
}

echo "record: interop_scepclient.sh with SCEPD_FUZZ_RECORD"
rec=$T/rec
mkdir -p "$rec"
SCEPD=$build/scepd SCEPMSG=$build/tests/scepmsg SCEPD_FUZZ_RECORD=$rec \
    bash "$root/tests/integration/interop_scepclient.sh" >"$T/interop.log" 2>&1 ||
    { tail -n 20 "$T/interop.log" >&2; exit 1; }
for d in "$rec"/scepclient-*; do
	ver=$(head -n1 "$d/VERSION" | tr -s ' ')
	src="micromdm scepclient ($ver), interop_scepclient.sh, proxy $(basename "$d")"
	for m in "$d"/msg*.der; do
		[ -s "$m" ] || continue
		seed fuzz_pkiop "$src, $(basename "$m"), legacy" "$m" 01
		base64 -w0 "$m" | tr '+/' '-_' | tr -d '=' >"$T/b64"
		seed fuzz_b64 "$src, $(basename "$m"), base64url" "$T/b64"
		printf 'POST /scep?operation=PKIOperation\nContent-Type: application/x-pki-message\n\n' >"$T/h"
		cat "$m" >>"$T/h"
		seed fuzz_http "$src, $(basename "$m"), POST" "$T/h"
		printf 'GET /scep?operation=PKIOperation&message=%s\n' "$(base64 -w0 "$m" | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')" >"$T/h"
		seed fuzz_http "$src, $(basename "$m"), GET message=" "$T/h"
		if open_msg "$m" "$d" "$T/inner"; then
			tbs "$T/inner" "$T/tbs"
			# default profile, "static" (challenge), renewal
			seed fuzz_engine "$src, $(basename "$m"): its CSR" "$T/tbs" 000001
			seed fuzz_engine "$src, $(basename "$m"): its CSR, profile static" "$T/tbs" 100002
			seed fuzz_engine "$src, $(basename "$m"): its CSR, as a renewal" "$T/tbs" 090003
			seed fuzz_engine "$src, $(basename "$m"): its CSR, profile manual" "$T/tbs" 200006
			seed fuzz_engine "$src, $(basename "$m"): its CSR, profile rules" "$T/tbs" 300107
			seed fuzz_csr "$src, $(basename "$m"): its CSR" "$T/tbs" 0003
			seed fuzz_csr "$src, $(basename "$m"): its CSR, profile static" "$T/tbs" 4103
		fi
	done
done

ca=$d
echo "record: openssl ocsp, req"
ossl="$(openssl version | cut -d' ' -f1-2)"
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$T/leaf.key" \
    -out "$T/leaf.pem" -subj /CN=leaf -days 1 2>/dev/null
n=0
for opt in "-no_nonce" "" "-sha256 -no_nonce" "-sha512" "-sha1 -serial 0x7f00aa -serial 1"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	openssl ocsp -issuer "$ca/ca.pem" -serial 0x4A5B6C7D $opt \
	    -reqout "$T/ocsp.der" 2>/dev/null || continue
	seed fuzz_ocsp "$ossl ocsp -reqout $opt" "$T/ocsp.der" 01
	printf 'POST /ocsp\nContent-Type: application/ocsp-request\n\n' >"$T/h"
	cat "$T/ocsp.der" >>"$T/h"
	seed fuzz_http "$ossl ocsp -reqout $opt, POST /ocsp" "$T/h"
	printf 'GET /ocsp/%s\n' "$(base64 -w0 "$T/ocsp.der" | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')" >"$T/h"
	seed fuzz_http "$ossl ocsp -reqout $opt, GET /ocsp/" "$T/h"
done
cat >"$T/req.cnf" <<CNF
[req]
prompt = no
distinguished_name = dn
attributes = attrs
[dn]
O = fuzz
CN = device-1.example
[attrs]
challengePassword = fuzz-challenge
CNF
for k in "rsa:1024" "ec -pkeyopt ec_paramgen_curve:P-256"; do
	for ext in "subjectAltName=DNS:a.example,IP:192.0.2.1" \
	    "subjectAltName=email:a@example.net,URI:tag:example,otherName:1.2.3.4;UTF8:x,dirName:dn_sect" \
	    "keyUsage=critical,digitalSignature"; do
		# shellcheck disable=SC2086
		printf '[dn_sect]\nCN=dir\n' >"$T/dn.cnf"
		cat "$T/req.cnf" "$T/dn.cnf" >"$T/r.cnf"
		openssl req -new -config "$T/r.cnf" -newkey ${k%% *} \
		    ${k#* } -nodes -keyout "$T/k" -addext "$ext" -outform DER \
		    -out "$T/csr.der" 2>/dev/null ||
		openssl req -new -config "$T/r.cnf" -newkey "$k" -nodes \
		    -keyout "$T/k" -addext "$ext" -outform DER \
		    -out "$T/csr.der" 2>/dev/null || continue
		tbs "$T/csr.der" "$T/tbs"
		seed fuzz_csr "$ossl req -newkey ${k%% *} -addext $ext" "$T/tbs" 0103
		seed fuzz_engine "$ossl req -newkey ${k%% *} -addext $ext" "$T/tbs" 000004
	done
done

echo "record: scepmsg CertPoll, GetCert, GetCRL"
for a in "--type 20 --subject /CN=poll" "--type 21 --serial 64" "--type 22 --serial 64"; do
	# shellcheck disable=SC2086
	"$build/tests/scepmsg" req --cacert "$ca/ca.pem" --key "$T/m.key" \
	    --newkey rsa:2048 $a -o "$T/m.der" --state "$T/state" >/dev/null 2>&1 ||
	    continue
	seed fuzz_pkiop "tests/tools/scepmsg req $a" "$T/m.der" 00
	open_msg "$T/m.der" "$ca" "$T/inner" || continue
	seed fuzz_issuer "tests/tools/scepmsg req $a, decrypted" "$T/inner"
	t=${a#--type }; t=${t%% *}
	case $t in 20) b=02 ;; 21) b=0b ;; *) b=0c ;; esac
	seed fuzz_engine "tests/tools/scepmsg req $a, decrypted" "$T/inner" "${b}0005"
done

echo "record: scepmsg PSS, OAEP, PWRI and attribute-SET requests"
for a in "--pss --digest sha384" "--oaep" "--pwri s3cret --challenge s3cret" \
	"--pwri s3cret --pwri-iter-claim 2000000000" "--mutate type-set2" \
	"--mutate two-rnonce"; do
	# shellcheck disable=SC2086
	"$build/tests/scepmsg" req --cacert "$ca/ca.pem" --key "$T/m.key" \
	    --newkey rsa:2048 $a -o "$T/m.der" --state "$T/state" >/dev/null 2>&1 ||
	    continue
	seed fuzz_pkiop "tests/tools/scepmsg req $a" "$T/m.der" 00
done

# Hand-written: webhook answers, HTTP routes, the documented config.
echo "record: hand-written webhook, http, conf seeds"
for j in '{"allow":true}' '{"allow":false,"reason":"not in inventory"}' \
    '{"allow":false,"reason":"tab\there\u0001"}' '{"allow":"yes"}' '[true]' \
    '{"allow":true,"allow":false}'; do
	printf '%s' "$j" >"$T/j"
	seed fuzz_webhook "hand-written webhook answer, HTTP 200" "$T/j" 0010
done
for r in "GET /scep?operation=GetCACaps" "GET /scep/static?operation=GetCACert" \
    "GET /cgi-bin/pkiclient.exe?operation=GetCACaps&message=x" "GET /crl" \
    "GET /ca.crt" "GET /ca/default.crt" "GET /crl/default" \
    "GET /certsrv/mscep_admin/" "POST /scep/rules" "GET /scep/nope?operation=GetCACaps" \
    "DELETE /scep?operation=GetCACert" "GET /scep?operation=GetNextCACert&operation=x"; do
	printf '%s\n' "$r" >"$T/h"
	seed fuzz_http "hand-written request" "$T/h"
done
printf 'GET /certsrv/mscep_admin/\nAuthorization: Basic bWRtOm5kZXM=\n' >"$T/h"
seed fuzz_http "hand-written request, NDES page with Basic auth" "$T/h"
sed -n '/^```/,/^```/p' "$root/docs/configuration.md" | sed '1d;$d' |
    awk 'BEGIN { n = 0 } /^```/ { exit } { print }' >"$T/conf"
seed fuzz_conf "docs/configuration.md, first sample" "$T/conf"
printf 'ca = { cert = "ca.pem"; key = "ca.key"; };\nstore = { path = "scepd.db"; };\nchallenge = { file = "challenge"; };\n' >"$T/conf"
seed fuzz_conf "hand-written minimal config" "$T/conf"
printf 'ca = { cert = "ca.pem"; key = "ca.key"; };\nstore = { path = "x"; };\nprofiles = { a = { challenge = { mode = "webhook"; webhook = { url = "http://x/"; secret_file = "world-readable.secret"; }; }; approval = { rules = { networks = [ "10.0.0.0/8", "::/0" ]; }; }; }; };\n' >"$T/conf"
seed fuzz_conf "hand-written config, webhook and rules" "$T/conf"

sort -u "$prov" >"$T/p2"
{
	echo "# tests/fuzz/seeds: where each seed came from (tests/fuzz/record.sh)."
	echo "# <target>/<sha256 prefix> <source>.  Prefix bytes are each"
	echo "# harness's selector bytes (see the target's header comment)."
	if [ -f "$seeds/PROVENANCE" ]; then grep -v '^#' "$seeds/PROVENANCE"; fi
	cat "$T/p2"
} | awk '!seen[$0]++' >"$T/p3"
mv "$T/p3" "$seeds/PROVENANCE"
du -sh "$seeds"
