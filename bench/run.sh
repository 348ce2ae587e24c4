#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR]: the benchmark of issue #6, what "make bench" runs
# (method and results: docs/performance.md).  In a throwaway directory it
# creates an RSA-2048 CA with "scepd init", measures this machine's RSA
# private operations, then runs the same scepbench workload against scepd
# and against micromdm's scepserver (Debian "scep") holding the same CA key,
# then against scepd again with a million certificates in its store.  Every
# server listens on an ephemeral loopback port and is stopped here.  Prints
# the report; a missed target is reported, not an error.
#
# Environment:
#   BENCH_N=1000          enrollments per concurrency level
#   BENCH_CONC=1,8        concurrency levels
#   BENCH_DURATION=2      seconds of GetCACert and of GetCACaps
#   BENCH_FILL=1000000    certificates for the big-store case (enrollment,
#                         then the admin API's list and search, apibench.c);
#                         0 skips it
#   BENCH_FILL_ROUNDS=3   c=8 runs on the big store, each followed by one on
#                         an empty store with the same CA
#   BENCH_CA_KEYS=        more CA keys to run scepd with: "rsa:3072 rsa:4096
#                         ec:P-256 ec:P-384" (an EC CA gets an RSA RA)
#   BENCH_MICROMDM=1      0 skips micromdm
#   BENCH_LOAD_CONC=64,256,1024   many clients at once against a fresh
#                         scepd (issue #15: 503s, RSS before, peak, after);
#                         0 skips it
#   BENCH_LOAD_N=2048     enrollments per level of it
#   BENCH_OUT=BUILD_DIR/bench-results   where results.txt and report.txt go
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
SCEPD=$build/scepd
BENCH=$build/bench/scepbench
N=${BENCH_N:-1000}
CONC=${BENCH_CONC:-1,8}
DUR=${BENCH_DURATION:-2}
FILL=${BENCH_FILL:-1000000}
FILL_ROUNDS=${BENCH_FILL_ROUNDS:-3}
CA_KEYS=${BENCH_CA_KEYS:-}
MICROMDM=${BENCH_MICROMDM:-1}
LOAD_CONC=${BENCH_LOAD_CONC:-64,256,1024}
LOAD_N=${BENCH_LOAD_N:-2048}
OUT=${BENCH_OUT:-$build/bench-results}
CHALLENGE=bench-challenge
CAPASS=bench-capass

for f in "$SCEPD" "$BENCH"; do
	[ -x "$f" ] || { echo "$f: not built (make all)" >&2; exit 1; }
done
# micromdm's scepserver (scep), sqlite3 for the fill, curl to wait for start.
"$root/scripts/deps.sh" check

T=$(mktemp -d "${TMPDIR:-/tmp}/scepbench.XXXXXX")
SRV_PID=
SRV_URL=

stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill -TERM "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
	SRV_PID=
}

cleanup() {
	local rc=$?
	stop_server
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT INT TERM

# wait_up: until GetCACaps answers, at most 10 s.
wait_up() {
	local i
	for i in $(seq 1 100); do
		curl -sf -o /dev/null "$SRV_URL?operation=GetCACaps" && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "server did not start" >&2
	return 1
}

# start_scepd DIR: serve DIR on an ephemeral loopback port.
start_scepd() {
	rm -f "$T/port"
	"$SCEPD" serve -d "$1" --listen 127.0.0.1:0 --port-file "$T/port" \
	    --admin-listen 127.0.0.1:0 2>>"$T/scepd.log" &
	SRV_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$T/port" ] && break
		sleep 0.1
	done
	SRV_URL="http://127.0.0.1:$(cat "$T/port")/scep"
	wait_up
}

# start_micromdm CADIR: scepserver with the CA of a scepd data directory.
# It wants the key as encrypted traditional PEM, and binds all addresses
# (it has no listen flag): only loopback traffic is ever sent to it.
start_micromdm() {
	local depot=$T/depot port
	rm -rf "$depot"
	mkdir -p "$depot"
	cp "$1/ca.pem" "$depot/ca.pem"
	openssl rsa -in "$1/ca.key" -traditional -des3 -passout "pass:$CAPASS" \
	    -out "$depot/ca.key" 2>/dev/null
	port=$("$BENCH" port)
	scepserver -depot "$depot" -port "$port" -challenge "$CHALLENGE" \
	    -capass "$CAPASS" -allowrenew 0 >>"$T/micromdm.log" 2>&1 &
	SRV_PID=$!
	SRV_URL="http://127.0.0.1:$port/scep"
	wait_up
}

# run LABEL CADIR [scepbench run options]: the workload against the server.
run() {
	local label=$1 cadir=$2
	shift 2
	echo "== $label"
	"$BENCH" run --url "$SRV_URL" --cacert "$cadir/ca.pem" \
	    --pid "$SRV_PID" --label "$label" -n "$N" -c "$CONC" \
	    --duration "$DUR" --challenge "$CHALLENGE" \
	    --results "$OUT/results.txt" "$@" 2>>"$T/scepbench.log" ||
	    echo "$label: scepbench failed; see its log below" >&2
}

# init DIR KEY: a data directory whose default CA has KEY ("rsa:2048").
# An EC CA cannot open or sign SCEP messages (RFC 8894 3.1): it gets an
# RA, and its certificate replaces the RSA one "scepd init" made.
init() {
	local dir=$1 key=$2
	if [ "${key%%:*}" = rsa ]; then
		"$SCEPD" init -d "$dir" --ca-key "$key" --challenge "$CHALLENGE" \
		    >/dev/null 2>&1
		return
	fi
	"$SCEPD" init -d "$dir" --challenge "$CHALLENGE" >/dev/null 2>&1
	"$SCEPD" ca create ec -d "$dir" --key "$key" >/dev/null
	mv "$dir/ec.pem" "$dir/ca.pem"
	mv "$dir/ec.key" "$dir/ca.key"
	"$SCEPD" ca create-ra -d "$dir" >/dev/null
	sed -i 's|^  key = "ca.key";.*|&\n  ra_cert = "ra.pem";\n  ra_key = "ra.key";|' \
	    "$dir/scepd.conf"
}

mkdir -p "$OUT"
rm -f "$OUT/results.txt"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)," \
    "$(openssl version)"
# Everything here shares the CPUs with whatever else runs.
read -r load _ </proc/loadavg
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
	echo "warning: load average $load: other processes will lower the rates" >&2
fi
"$BENCH" speed --bits 2048 --sync-dir "$T" --results "$OUT/results.txt"
# What libcrypto, libmicrohttpd and SQLite hold on their own (rssfloor.c).
if floor=$("$build/bench/rssfloor" "$T"); then
	echo "the foundations alone: resident ${floor% *} kB, ${floor#* } kB mapped files"
	echo "idle label=foundations rss_kb=${floor% *} file_kb=${floor#* }" \
	    >>"$OUT/results.txt"
fi

init "$T/scepd" rsa:2048
start_scepd "$T/scepd"
run scepd "$T/scepd"
stop_server

# Many clients at once, from 32 loopback addresses (so that the
# per-address limit sees 32 clients, not one), against a fresh scepd
# with the default settings: its resident set is read before each
# level and again 3 s after its last connection closed.
if [ "$LOAD_CONC" != 0 ]; then
	start_scepd "$T/scepd"
	run scepd-load "$T/scepd" -c "$LOAD_CONC" -n "$LOAD_N" --duration 0 \
	    --source 127.0.1.1/32 --settle 3
	stop_server
fi

if [ "$MICROMDM" != 0 ]; then
	start_micromdm "$T/scepd"
	run micromdm "$T/scepd"
	stop_server
fi

# The big store against an empty one with the same CA, in turns, so that
# both see the same machine: the report compares the medians.
if [ "$FILL" -gt 0 ]; then
	echo "== filling the store with $FILL certificates"
	mkdir -p "$T/base"
	find "$T/scepd" -maxdepth 1 -type f ! -name 'scepd.db*' \
	    -exec cp {} "$T/base/" \;
	# The store as the first run left it: the empty store's copy.
	mkdir -p "$T/base.db"
	cp "$T/scepd"/scepd.db* "$T/base.db/"
	start=$(date +%s)
	"$root/bench/fillstore.sh" "$T/scepd/scepd.db" "$FILL"
	echo "fill certs=$FILL seconds=$(($(date +%s) - start))" >>"$OUT/results.txt"
	for round in $(seq 1 "$FILL_ROUNDS"); do
		start_scepd "$T/scepd"
		run scepd-filled "$T/scepd" --duration 0 -c 8
		stop_server
		rm -f "$T/base/scepd.db"*
		cp "$T/base.db"/scepd.db* "$T/base/"
		start_scepd "$T/base"
		run scepd-empty "$T/base" --duration 0 -c 8
		stop_server
	done
	# The admin API's list and search (issue #11: under 100 ms) on the
	# same million, after making it look lived-in: 1 % revoked, 2 % of
	# the oldest 30 % expired, 0.1 % expiring within 10 days.
	now=$(date +%s)
	sqlite3 "$T/scepd/scepd.db" >/dev/null <<EOF
UPDATE certs SET status = 1, revoked_at = $now, revoke_reason = 1
  WHERE rowid % 100 = 0;
UPDATE certs SET not_after = $now - 86400
  WHERE rowid % 50 = 1 AND rowid < $FILL * 3 / 10;
UPDATE certs SET not_after = $now + 10 * 86400 WHERE rowid % 1000 = 7;
EOF
	echo "== admin API over the big store"
	"$build/bench/apibench" "$T/scepd" -n 20 --results "$OUT/results.txt"
	rm -f "$T/scepd/scepd.db"* "$T/base/scepd.db"*
fi

for key in $CA_KEYS; do
	name=${key/:/}
	ra=()
	case $key in
	rsa:*)	"$BENCH" speed --bits "${key#rsa:}" --results "$OUT/results.txt" ;;
	*)	ra=(--ra "$T/$name/ra.pem") ;;
	esac
	init "$T/$name" "$key"
	start_scepd "$T/$name"
	run "scepd-${name,,}" "$T/$name" "${ra[@]}"
	stop_server
done

if [ -s "$T/scepbench.log" ]; then
	echo "--- scepbench warnings (first 20) ---"
	head -n 20 "$T/scepbench.log"
fi
echo
"$BENCH" report "$OUT/results.txt" | tee "$OUT/report.txt"
