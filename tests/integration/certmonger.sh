# tests/integration/certmonger.sh: sourced by the tests that drive
# certmonger: its own daemon on a private socket, with all its state
# under $CM (set by the caller), no D-Bus and no system service touched.
# Gives cm_start, cm_stop, gc (getcert with a timeout) and cm_log_tail.

CERTMONGER=${CERTMONGER:-$(command -v certmonger || echo /usr/sbin/certmonger)}
CM_PID=

export CERTMONGER_CONFIG_DIR=$CM/config CERTMONGER_CAS_DIR=$CM/cas \
	CERTMONGER_REQUESTS_DIR=$CM/requests CERTMONGER_LOCAL_CA_DIR=$CM/local \
	CERTMONGER_TMPDIR=$CM/tmp CERTMONGER_SYSTEM_LOCK_FILE=$CM/lock \
	CERTMONGER_PVT_ADDRESS=unix:path=$CM/sock
mkdir -p "$CERTMONGER_CONFIG_DIR" "$CERTMONGER_CAS_DIR" "$CERTMONGER_REQUESTS_DIR" \
	"$CERTMONGER_LOCAL_CA_DIR" "$CERTMONGER_TMPDIR"

# cm_start: the daemon, up once its socket is there (10 s at most).
cm_start() {
	rm -f "$CM/sock"
	"$CERTMONGER" -n -L -P "$CM/sock" -d 3 -p "$CM/pid" >>"$CM/certmonger.log" 2>&1 &
	CM_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -S "$CM/sock" ] && return 0
		kill -0 "$CM_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "certmonger did not start:" >&2
	tail -n 20 "$CM/certmonger.log" >&2
	return 1
}

# cm_stop: TERM, then KILL after 10 s.
cm_stop() {
	[ -n "$CM_PID" ] || return 0
	local pid=$CM_PID i
	CM_PID=
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# cm_log_tail: the log lines that explain a failure, for the EXIT trap.
cm_log_tail() {
	[ -f "$CM/certmonger.log" ] || return 0
	echo "--- certmonger log (problem lines) ---" >&2
	grep -iE "error|fail|unreach|reject|moved to state" "$CM/certmonger.log" |
		grep -v "Setting \"" | tail -n 20 >&2 || true
}

gc() { timeout 30 getcert "$@"; }
