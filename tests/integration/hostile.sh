#!/usr/bin/env bash
# tests/integration/hostile.sh: a hostile network (issue #15), on loopback
# only, each party on its own 127.0.0.x address (tests/tools/hostile.py).
#   1,500 silent connections from 127.0.0.2 and a slowloris from 127.0.0.3,
#   reconnecting whenever scepd closes them: enrollments from 127.0.0.4 (the
#   benchmark client, which can bind an address) still succeed, at least 99
#   of 100; so do they under 1,200 slowloris connections spread over 40
#   addresses, more than scepd serves at once.  The per-address limit refuses connection N+1 from one address
#   while another address gets in.  A connection that sends nothing, and
#   one that trickles its headers, is closed at the header deadline; an
#   idle kept-alive one is not.
#   A burst larger than the work queue may hold (http.queue_ms) gets 503s
#   with a Retry-After, logged as shed, and never a FAILURE CertRep; only
#   the enrollments answered SUCCESS are stored.
# Outcomes only: every wait is generous, no latency is asserted.
source "$(dirname "$0")/lib.sh"

: "${SCEPBENCH:=$(dirname "$SCEPD")/bench/scepbench}"
HOSTILE="python3 $(dirname "$0")/../tools/hostile.py"
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge 4096 ] || { echo "need 4096 descriptors, have $(ulimit -n)" >&2; exit 1; }

D=$T/d
scepd_init "$D"
CA=$D/ca.pem

# conf_http KEY=VALUE...: the http group of the configuration, besides listen.
conf_http() {
	local kv
	sed -i '/^  header_timeout\|^  queue_ms\|^  threads\|^  timeout\|^  max_connections_per_address/d' \
	    "$D/scepd.conf"
	for kv in "$@"; do
		sed -i "s|^http: {|&\n  ${kv%%=*} = ${kv#*=};|" "$D/scepd.conf"
	done
}

# enroll_from SRC N C [scepbench options]: N enrollments, C at once; sets
# OK FAIL SHED from its result line.
enroll_from() {
	local src=$1 n=$2 c=$3 line
	shift 3
	rm -f "$T/results"
	"$SCEPBENCH" run --url "$URL" --cacert "$CA" --challenge s3cret \
	    --pid "$SCEPD_PID" --label hostile -n "$n" -c "$c" --duration 0 \
	    --source "$src" --results "$T/results" "$@" >>"$T/bench.out" 2>&1 || true
	line=$(grep '^result ' "$T/results" 2>/dev/null || true)
	OK=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line")
	FAIL=$(sed -n 's/.* fail=\([0-9]*\).*/\1/p' <<<"$line")
	SHED=$(sed -n 's/.* shed=\([0-9]*\).*/\1/p' <<<"$line")
	echo "# $src: ok=${OK:-?} fail=${FAIL:-?} shed=${SHED:-?}"
	[ -n "$OK" ]
}

ncerts() { "$SCEPD" cert list -d "$D" | wc -l; }

# --- connections: limits and deadlines, under attack ---------------------------

conf_http header_timeout=2 timeout=60
scepd_start "$D"
$HOSTILE attack "$PORT" 20 127.0.0.2 1500 127.0.0.3 300 >"$T/attack.out" 2>&1 &
ATTACK=$!
sleep 2

enroll_from 127.0.0.4 100 4 || true
check "1,500 silent + 300 slowloris connections: enrollments from another address succeed (>= 99 of 100)" \
	test "${OK:-0}" -ge 99
check "... and none of them fails a check" test "${FAIL:-1}" -eq 0
check "per-address limit: 64 connections from 127.0.0.5 held, the 65th closed unanswered, 127.0.0.6 answered" \
	$HOSTILE limit "$PORT" 127.0.0.5 64 127.0.0.6
check "a connection that sends nothing is closed at the header deadline (2 s), long before http.timeout (60 s)" \
	$HOSTILE silent "$PORT" 127.0.0.7 20
check "a connection trickling its headers a byte every 0.5 s is closed at the header deadline too" \
	$HOSTILE trickle "$PORT" 127.0.0.8 20
check "a kept-alive connection idle past the header deadline stays open (http.timeout applies)" \
	$HOSTILE keepalive "$PORT" 127.0.0.9 5

wait "$ATTACK" || true
cat "$T/attack.out"
check "the attacker's connections were closed by scepd (limit and deadlines)" \
	grep -q 'closed by scepd' "$T/attack.out"
check "scepd logged what it shut down past the header deadline" \
	grep -q 'msg="connections shut down".*headers_late=[1-9]' "$T/scepd.log"

# A slowloris spread over 40 addresses, each under the per-address limit,
# with more connections (1,200) than the 1,024 scepd serves: the header
# deadline frees their places for the others.
$HOSTILE attack "$PORT" 12 127.0.0.2 10 127.0.2.1/40 1200 >"$T/attack.out" 2>&1 &
ATTACK=$!
sleep 3
enroll_from 127.0.0.4 100 4 || true
check "1,200 slowloris connections from 40 addresses: enrollments succeed (>= 99 of 100)" \
	test "${OK:-0}" -ge 99 -a "${FAIL:-1}" -le 1
wait "$ATTACK" || true
cat "$T/attack.out"
scepd_stop

# --- load shedding --------------------------------------------------------------

# One worker and a 5 ms budget: a burst of 64 cannot all be queued.
conf_http threads=1 queue_ms=5
scepd_start "$D"
before=$(ncerts)
enroll_from 127.0.0.10/8 300 64 || true
after=$(ncerts)
nshed=$(grep -c 'msg=request.*op=PKIOperation.*outcome=shed.*status=503' "$T/scepd.log" || true)
echo "# stored before $before, after $after; $nshed shed lines in the log"
check "a burst of 64 over a 5 ms queue: some answered 503 with Retry-After (shed > 0)" \
	test "${SHED:-0}" -gt 0
check "... and every other answer a verified SUCCESS CertRep (no FAILURE, no error)" \
	test "${FAIL:-1}" -eq 0 -a $((${OK:-0} + ${SHED:-0})) -eq 300
check "... only the enrollments answered SUCCESS are stored" \
	test $((after - before)) -eq "${OK:--1}"
check "... each shed request has its log line (outcome=shed, status=503)" \
	test "$nshed" -eq "${SHED:--1}"
scepd_stop

finish
