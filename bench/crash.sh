#!/usr/bin/env bash
# bench/crash.sh: durability of issued certificates under concurrent
# enrollments (CTest "store_crash", label "integration").  scepd is killed
# with SIGKILL while 8 connections enroll, three times; afterwards every
# certificate that a client received in a SUCCESS must be in the store, and
# the store must pass SQLite's integrity check.  This is the guarantee the
# SQLite backend's group commit keeps (issue #6): a CertRep leaves only after
# the COMMIT that records its certificate is on disk.
# Environment: SCEPD, SCEPBENCH.
: "${SCEPBENCH:?SCEPBENCH must name the scepbench binary}"
. "$(dirname "$0")/../tests/integration/lib.sh"

# successes: SUCCESS lines scepd has logged so far.
successes() {
	grep -c 'outcome=SUCCESS' "$T/scepd.log" 2>/dev/null || true
}

scepd_init "$T/d"
for round in 1 2 3; do
	scepd_start "$T/d"
	"$SCEPBENCH" run --url "$URL" --cacert "$T/d/ca.pem" -n 400 -c 8 \
	    --keys 4 --challenge "${CHALLENGE:-s3cret}" --duration 0 \
	    --serials "$T/received" 2>>"$T/scepbench.log" >/dev/null &
	bench=$!
	# Kill in the middle of the load, whatever building it took.
	start=$(successes)
	for i in $(seq 1 500); do
		[ "$(successes)" -ge $((start + 40 * round)) ] && break
		sleep 0.02
	done
	kill -KILL "$SCEPD_PID"
	wait "$SCEPD_PID" 2>/dev/null || true
	SCEPD_PID=
	wait "$bench" || true
done

"$SCEPD" cert list -d "$T/d" | cut -f1 | sort -u >"$T/stored"
sort -u "$T/received" >"$T/received.sorted"
lost=$(comm -23 "$T/received.sorted" "$T/stored" | wc -l)
check "SUCCESS replies arrived before the kills ($(wc -l <"$T/received.sorted"))" \
    test -s "$T/received.sorted"
check "requests were cut off by the kills" \
    grep -Eq "no answer|connect" "$T/scepbench.log"
check "every certificate a client received is in the store ($lost lost)" \
    test "$lost" -eq 0
check "the store passes PRAGMA integrity_check" \
    test "$(sqlite3 "$T/d/scepd.db" 'PRAGMA integrity_check')" = ok
finish
