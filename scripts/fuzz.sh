#!/usr/bin/env bash
# scripts/fuzz.sh BUILD_DIR SECONDS|long: build the libFuzzer targets of
# tests/fuzz with clang (-DSCEPD_FUZZ=ON) in BUILD_DIR, seed their
# corpora, and run each: for SECONDS divided among the targets (make
# check), or with "long" (make fuzz) for 10 million executions each,
# bounded by the time that takes on the reference machine (the table
# below) plus a margin.  Prints one line per fuzzer and a closing
# "N passed, N failed"; exits non-zero if any fuzzer crashed (the input
# is kept in BUILD_DIR/fuzz-work/artifacts).  Without clang or its
# libFuzzer runtime it says why and exits 0.  Corpora persist in
# BUILD_DIR/fuzz-work/corpus, so longer runs (make fuzz) build on earlier
# ones.  Seeds: tests/fuzz/seeds/<target>/ (real clients' messages,
# tests/fuzz/record.sh), PKIOperation messages from tests/tools/scepmsg
# when BUILD_DIR/../build/tests/scepmsg exists (or $SCEPMSG), CSRs from
# the openssl command, base64 of both.  Replay a crash:
# BUILD_DIR/tests/fuzz/fuzz_X FILE.
set -u

usage() {
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
}

[ $# -eq 2 ] || usage
build=$1
secs=$2
case $secs in
long) ;;
'' | *[!0-9]*) usage ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
# tests/fuzz/CMakeLists.txt has the same list.
fuzzers=(fuzz_pkiop fuzz_csr fuzz_b64 fuzz_engine fuzz_ocsp fuzz_issuer
    fuzz_webhook fuzz_conf fuzz_http fuzz_api fuzz_intune)

# "long": 10 million executions each.  Seconds that takes, measured on
# the reference machine (2 shared cores, ASan+UBSan): executions per
# second of a warm corpus in the comment, 10 M / rate and 25 % margin
# in the value; -runs stops a faster machine sooner.
long_runs=10000000
long_secs() {
	case $1 in
	fuzz_pkiop) echo 7400 ;;	# 1700/s
	fuzz_csr) echo 7800 ;;	# 1600/s
	fuzz_b64) echo 60 ;;	# 245000/s
	fuzz_engine) echo 46300 ;;	# 270/s
	fuzz_ocsp) echo 640 ;;	# 19700/s
	fuzz_issuer) echo 630 ;;	# 20000/s
	fuzz_webhook) echo 90 ;;	# 150000/s
	fuzz_conf) echo 13200 ;;	# 950/s
	fuzz_http) echo 10400 ;;	# 1200/s
	fuzz_api) echo 900 ;;	# 14000/s (150 s from the seeds)
	fuzz_intune) echo 190 ;;	# 65000/s
	esac
}

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

# The CertificationRequestInfo of the PKCS#10 request $1, with the
# selector bytes "\\000\\003" fuzz_csr reads first, to $2.
csr_tbs() {
	local l off hl n
	l=$(openssl asn1parse -inform DER -in "$1" 2>/dev/null | sed -n 2p)
	off=${l%%:*}
	hl=$(echo "$l" | sed -n 's/.*hl= *\([0-9]*\).*/\1/p')
	n=$(echo "$l" | sed -n 's/.*l= *\([0-9]*\) .*/\1/p')
	[ -n "$off" ] && [ -n "$hl" ] && [ -n "$n" ] || return 1
	{ printf '\000\003'; dd if="$1" bs=1 skip="$off" count=$((hl + n)) \
	    2>/dev/null; } >"$2"
}

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
		[ -s "$f" ] || continue
		base64 -w 0 "$f" | tr '+/' '-_' | tr -d '=' \
		    >"$seeds/fuzz_b64/$(basename "$f")-url"
		csr_tbs "$f" "$f.tbs" || true
		rm -f "$f"
	done
	rm -rf "$tmp"
fi
printf 'aGVsbG8gd29ybGQ=' >"$seeds/fuzz_b64/plain"
printf 'aGVs\r\nbG8g\r\nd29y bGQ' >"$seeds/fuzz_b64/crlf-space"
echo "fuzz: $ncsr CSR seeds"

caenv=()
[ -s "$ca_cert" ] && caenv=("SCEPD_FUZZ_CA_CERT=$ca_cert" \
    "SCEPD_FUZZ_CA_KEY=$ca_key")
if [ "$secs" != long ]; then
	per=$((secs / ${#fuzzers[@]}))
	[ "$per" -ge 1 ] || per=1
fi
passed=0
failed=0
for f in "${fuzzers[@]}"; do
	log=$work/$f.log
	runsopt=()
	if [ "$secs" = long ]; then
		per=$(long_secs "$f")
		runsopt=(-runs="$long_runs")
	fi
	committed=()
	[ -d "$root/tests/fuzz/seeds/$f" ] &&
	    committed=("$root/tests/fuzz/seeds/$f")
	env "${caenv[@]}" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp" \
	    "$build/tests/fuzz/$f" -max_len=65536 -max_total_time="$per" \
	    "${runsopt[@]}" -timeout=25 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/artifacts/$f-" \
	    "$work/corpus/$f" "$seeds/$f" "${committed[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 |
	    sed -n 's/.*\(cov: [0-9]*\) \(ft: [0-9]*\).*/\1 \2/p')
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "fuzz: $f ok: ${runs:-?} runs in ${per}s, ${cov:-cov ?}," \
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
