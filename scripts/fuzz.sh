#!/usr/bin/env bash
# scripts/fuzz.sh BUILD_DIR SECONDS: build the libFuzzer targets of tests/fuzz
# with clang (-DSCEPD_FUZZ=ON) in BUILD_DIR, seed their corpora, and run each
# for SECONDS/3 seconds.  Prints one line per fuzzer and a closing
# "N passed, N failed"; exits non-zero if any fuzzer crashed (the input is
# kept in BUILD_DIR/fuzz-work/artifacts).  Without clang or its libFuzzer
# runtime it says why and exits 0.  Corpora persist in
# BUILD_DIR/fuzz-work/corpus, so longer runs (make fuzz) build on earlier ones.
# Seeds: PKIOperation messages from tests/tools/scepmsg when
# BUILD_DIR/../build/tests/scepmsg exists (or $SCEPMSG), CSRs from the openssl
# command, base64 of both.  Replay a crash: BUILD_DIR/tests/fuzz/fuzz_X FILE.
set -u

usage() {
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
}

[ $# -eq 2 ] || usage
build=$1
secs=$2
case $secs in
'' | *[!0-9]*) usage ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
fuzzers=(fuzz_pkiop fuzz_csr fuzz_b64)

# Prints "ok CC" for a clang that links libFuzzer with ASan and UBSan,
# else "no REASON".
find_cc() {
	local c probe why="clang not found"
	probe=$(mktemp -d) || { echo "no mktemp failed"; return; }
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *, size_t);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$probe/t.c"
	for c in "${CC:-}" clang clang-14; do
		[ -n "$c" ] && command -v "$c" >/dev/null 2>&1 || continue
		"$c" --version 2>/dev/null | grep -q clang || continue
		if "$c" -fsanitize=fuzzer,address,undefined "$probe/t.c" \
		    -o "$probe/t" 2>"$probe/err"; then
			rm -rf "$probe"
			echo "ok $c"
			return
		fi
		why="$c cannot link -fsanitize=fuzzer: $(head -n 1 "$probe/err")"
	done
	rm -rf "$probe"
	echo "no $why"
}

found=$(find_cc)
if [ "${found%% *}" != ok ]; then
	echo "fuzz: skipped: ${found#no } (scripts/deps.sh check installs" \
	    "clang and libclang-rt-14-dev)"
	exit 0
fi
cc=${found#ok }

echo "fuzz: building ${fuzzers[*]} with $cc in $build"
if ! cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCEPD_FUZZ=ON -DSCEPD_SANITIZE=OFF \
    >"$build.cmake.log" 2>&1; then
	cat "$build.cmake.log" >&2
	echo "fuzz: cmake failed" >&2
	exit 1
fi
rm -f "$build.cmake.log"
if ! cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" \
    --target "${fuzzers[@]}"; then
	echo "fuzz: build failed" >&2
	exit 1
fi

work=$build/fuzz-work
seeds=$work/seeds
mkdir -p "$work/artifacts" "$work/corpus"
rm -rf "$seeds"
for f in "${fuzzers[@]}"; do
	mkdir -p "$seeds/$f" "$work/corpus/$f"
done

# The CA the pkiop fuzzer loads and the seeds are addressed to: kept
# between runs so that the corpus stays decryptable.
ca_cert=$work/ca.pem
ca_key=$work/ca.key
if [ ! -s "$ca_cert" ] || [ ! -s "$ca_key" ]; then
	(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes \
	    -keyout "$ca_key" -out "$ca_cert" -days 3650 \
	    -subj "/CN=scepd fuzz CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature,keyEncipherment" \
	    >/dev/null 2>&1) || rm -f "$ca_cert" "$ca_key"
fi

# Prefix byte for fuzz_pkiop: its low bit turns legacy mode on.
pkiop_seed() {
	local legacy=$1 der=$2 name=$3
	{ printf "\\$(printf '%03o' "$legacy")"; cat "$der"; } \
	    >"$seeds/fuzz_pkiop/$name"
}

scepmsg=${SCEPMSG:-$build/../build/tests/scepmsg}
nmsg=0
if [ -x "$scepmsg" ] && [ -s "$ca_cert" ]; then
	tmp=$work/tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	i=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		legacy=${line%% *}
		args=${line#* }
		i=$((i + 1))
		# shellcheck disable=SC2086  # word splitting wanted
		if "$scepmsg" req --cacert "$ca_cert" $args -o "$tmp/m.der" \
		    --state "$tmp/state" >/dev/null 2>&1; then
			pkiop_seed "$legacy" "$tmp/m.der" "msg-$i"
			base64 -w 76 "$tmp/m.der" >"$seeds/fuzz_b64/msg-$i"
			nmsg=$((nmsg + 1))
		fi
	done <<EOF
0 --key $tmp/rsa.pem --newkey rsa:2048
0 --key $tmp/rsa.pem --newkey rsa:2048 --challenge fuzz --san-dns a.example --san-dns b.example
0 --key $tmp/ec.pem --newkey ec:P-256 --subject /CN=ec/O=fuzz
0 --key $tmp/rsa.pem --cipher aes256 --digest sha512
0 --key $tmp/rsa.pem --cipher des3 --digest sha1
1 --key $tmp/rsa.pem --cipher des --digest md5
0 --key $tmp/rsa.pem --type 17
0 --key $tmp/rsa.pem --type 20 --subject /CN=poll
0 --key $tmp/rsa.pem --type 21 --serial 0A1B2C
0 --key $tmp/rsa.pem --type 99
0 --key $tmp/rsa.pem --mutate flip-sig
0 --key $tmp/rsa.pem --mutate no-txid
0 --key $tmp/rsa.pem --mutate two-txid
0 --key $tmp/rsa.pem --mutate nonce-8
0 --key $tmp/rsa.pem --mutate raw-csr
0 --key $tmp/rsa.pem --mutate ktri-ski
0 --key $tmp/rsa.pem --mutate sid-ski
0 --key $tmp/rsa.pem --mutate env-garbage
0 --key $tmp/rsa.pem --mutate no-signer-cert
EOF
	rm -rf "$tmp"
	echo "fuzz: $nmsg PKIOperation seeds from $scepmsg"
else
	echo "fuzz: no scepmsg at $scepmsg (or no openssl): fuzz_pkiop starts" \
	    "from its corpus alone"
fi

# CSR seeds from the openssl command.
ncsr=0
if command -v openssl >/dev/null 2>&1; then
	tmp=$work/tmp
	mkdir -p "$tmp"
	cat >"$tmp/req.cnf" <<EOF
[req]
prompt = no
distinguished_name = dn
attributes = attrs
[dn]
O = fuzz
CN = device-1
[attrs]
challengePassword = fuzz-challenge
EOF
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$tmp/rsa.key" >/dev/null 2>&1
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$tmp/ec.key" >/dev/null 2>&1
	openssl genpkey -algorithm ED25519 -out "$tmp/ed.key" >/dev/null 2>&1
	n=0
	for k in rsa ec ed; do
		for extra in "" "-addext subjectAltName=DNS:a.example,IP:192.0.2.1"; do
			n=$((n + 1))
			# shellcheck disable=SC2086
			openssl req -new -config "$tmp/req.cnf" \
			    -key "$tmp/$k.key" $extra -outform DER \
			    -out "$seeds/fuzz_csr/csr-$n" >/dev/null 2>&1 &&
			    ncsr=$((ncsr + 1))
		done
	done
	openssl req -new -key "$tmp/ec.key" -subj / \
	    -addext "subjectAltName=DNS:only.example" -outform DER \
	    -out "$seeds/fuzz_csr/csr-empty-subject" >/dev/null 2>&1 &&
	    ncsr=$((ncsr + 1))
	for f in "$seeds"/fuzz_csr/csr-*; do
		[ -s "$f" ] && base64 -w 0 "$f" | tr '+/' '-_' | tr -d '=' \
		    >"$seeds/fuzz_b64/$(basename "$f")-url"
	done
	rm -rf "$tmp"
fi
printf 'aGVsbG8gd29ybGQ=' >"$seeds/fuzz_b64/plain"
printf 'aGVs\r\nbG8g\r\nd29y bGQ' >"$seeds/fuzz_b64/crlf-space"
echo "fuzz: $ncsr CSR seeds"

caenv=()
[ -s "$ca_cert" ] && caenv=("SCEPD_FUZZ_CA_CERT=$ca_cert" \
    "SCEPD_FUZZ_CA_KEY=$ca_key")
per=$((secs / 3))
[ "$per" -ge 1 ] || per=1
passed=0
failed=0
for f in "${fuzzers[@]}"; do
	log=$work/$f.log
	env "${caenv[@]}" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$build/tests/fuzz/$f" -max_len=65536 -max_total_time="$per" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/artifacts/$f-" \
	    "$work/corpus/$f" "$seeds/$f" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "fuzz: $f ok: ${runs:-?} runs in ${per}s," \
		    "corpus $(find "$work/corpus/$f" -type f | wc -l) files"
	else
		failed=$((failed + 1))
		echo "fuzz: $f FAILED (exit $rc); last lines of $log:"
		grep -v '^ts=' "$log" | tail -n 40 | sed 's/^/    /'
		ls "$work/artifacts/$f-"* 2>/dev/null | sed 's/^/    artifact: /'
	fi
done

# Without the CA files the pkiop fuzzer used a throwaway CA: say so.
[ -s "$ca_cert" ] || echo "fuzz: note: no openssl command, fuzz_pkiop" \
    "used a throwaway CA"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
