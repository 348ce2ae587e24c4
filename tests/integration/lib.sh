# tests/integration/lib.sh: shared helpers for integration tests (sourced).
# Each test gets a private temporary directory $T, removed on exit, and starts
# its own scepd on an ephemeral loopback port, which it stops itself.
# Environment: SCEPD (path of the scepd binary), SCEPMSG (test message tool).
set -euo pipefail

: "${SCEPD:?SCEPD must name the scepd binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/scepd-test.XXXXXX")
SCEPD_PID=
PORT=
URL=
NPASS=0
NFAIL=0

cleanup() {
	local rc=$?
	scepd_stop || true
	if [ "$rc" -ne 0 ] && [ -f "$T/scepd.log" ]; then
		echo "--- scepd log (last 40 lines) ---" >&2
		tail -n 40 "$T/scepd.log" >&2
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

# scepd_init DIR [init options...]: create a data directory, challenge "s3cret" by default.
scepd_init() {
	local dir=$1; shift
	"$SCEPD" init -d "$dir" --challenge "${CHALLENGE:-s3cret}" "$@" >"$T/init.out"
}

# scepd_start DIR [serve options...]: start scepd, wait until it listens; sets PORT, URL.
# The admin listener (which "scepd init" configures on 127.0.0.1:8443) gets an
# ephemeral port too, written to $T/aport, so that tests can run side by side.
scepd_start() {
	local dir=$1; shift
	rm -f "$T/port" "$T/aport"
	"$SCEPD" serve -d "$dir" --listen 127.0.0.1:0 --port-file "$T/port" \
	    --admin-listen 127.0.0.1:0 --admin-port-file "$T/aport" "$@" \
	    2>>"$T/scepd.log" &
	SCEPD_PID=$!
	local i
	for i in $(seq 1 100); do
		if [ -s "$T/port" ]; then
			PORT=$(cat "$T/port")
			URL="http://127.0.0.1:$PORT/scep"
			return 0
		fi
		kill -0 "$SCEPD_PID" 2>/dev/null || { echo "scepd died at start" >&2; return 1; }
		sleep 0.1
	done
	echo "scepd did not start" >&2
	return 1
}

# scepd_stop: SIGTERM, and fail if scepd does not exit 0 within 10 s.
scepd_stop() {
	[ -n "$SCEPD_PID" ] || return 0
	local pid=$SCEPD_PID rc=0
	SCEPD_PID=
	kill -TERM "$pid" 2>/dev/null || return 0
	local i
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		echo "scepd did not stop on SIGTERM" >&2
		return 1
	fi
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { echo "scepd exited $rc" >&2; return 1; }
}

# ok NAME / bad NAME: record a check; finish prints the closing line.
ok() { NPASS=$((NPASS + 1)); echo "ok - $*"; }
bad() { NFAIL=$((NFAIL + 1)); echo "not ok - $*"; }
check() { # check NAME COMMAND...: run COMMAND, ok if it succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
finish() {
	echo "$NPASS passed, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
}
