#!/usr/bin/env bash
# bench/smoke.sh: CTest's check (label "bench") that scepbench still works:
# a few dozen enrollments against a fresh scepd at two concurrency levels,
# every reply verified (--strict makes any failed check or duplicate serial
# an error), a short GetCACert/GetCACaps phase, and the report.  Nothing
# here is timed against a target: that is what "make bench" reports.
# Environment: SCEPD, SCEPBENCH.
: "${SCEPBENCH:?SCEPBENCH must name the scepbench binary}"
. "$(dirname "$0")/../tests/integration/lib.sh"

scepd_init "$T/d"
scepd_start "$T/d"

check "scepbench speed" "$SCEPBENCH" speed --results "$T/results"
check "scepbench run: 24 enrollments at c=1 and c=4, all verified" \
    "$SCEPBENCH" run --url "$URL" --cacert "$T/d/ca.pem" --pid "$SCEPD_PID" \
    --label scepd -n 24 -c 1,4 --keys 2 --challenge "${CHALLENGE:-s3cret}" \
    --duration 0.2 --results "$T/results" --strict
check "result lines for 2 enrollment and 2 GET phases" \
    test "$(grep -c '^result label=scepd .* fail=0 dup=0 ' "$T/results")" -eq 4
"$SCEPBENCH" report "$T/results" >"$T/report"
check "report lists the targets" grep -q "^targets" "$T/report"
check "a FAILURE reply fails the check" bash -c '! "$0" run --url "$1" \
    --cacert "$2" -n 2 -c 1 --keys 1 --challenge wrong --duration 0 \
    --strict 2>/dev/null' "$SCEPBENCH" "$URL" "$T/d/ca.pem"
scepd_stop
if [ -n "${APIBENCH:-}" ]; then
	check "apibench: every list and search answers 200 over that store" \
	    "$APIBENCH" "$T/d" -n 2 --results "$T/results"
	check "apibench result lines" test "$(grep -c '^api label=' \
	    "$T/results")" -ge 19
fi
finish
