# tests/integration/pg.sh: a throwaway PostgreSQL cluster for tests (sourced).
# pg_start creates a cluster in a private temporary directory, owned by an
# unprivileged user when we run as root (initdb refuses root), listening on
# 127.0.0.1 only, on a free port, its unix socket in that directory, trust
# authentication, and a database "scepd" owned by an ordinary role "scepd" (as
# a deployment would have it). It sets PG_URL (role scepd) and PG_ADMIN_URL
# (the superuser, same database). pg_stop stops it and removes the directory;
# pg_pause and pg_resume stop and start the same cluster (an outage).
# PostgreSQL must be installed (scripts/deps.sh check does it): a missing
# server is a failure, never a skip.
# Sourcing this file sets an EXIT trap that calls pg_exit_hook if the test
# defines one, then pg_stop, then "cleanup" if lib.sh (which defines it) was
# sourced first.

PG_BIN=
PG_DIR=
PG_PORT=
PG_URL=
PG_ADMIN_URL=
PG_USER=

# pg_find: set PG_BIN to the newest /usr/lib/postgresql/*/bin with initdb.
pg_find() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PG_BIN=$d
	done
	if [ -z "$PG_BIN" ]; then
		echo "pg.sh: no PostgreSQL server (/usr/lib/postgresql/*/bin/initdb);" \
			"run scripts/deps.sh check" >&2
		return 1
	fi
}

# pg_as CMD...: run CMD as the cluster's owner.
pg_as() {
	if [ -n "$PG_USER" ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

# pg_free_port: print a TCP port nobody listens on at the moment.
pg_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pg_ctl_start: start the cluster on PG_PORT and wait until it accepts.
pg_ctl_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null
}

pg_start() {
	pg_find || return 1
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scepd-pg.XXXXXX")
	if [ "$(id -u)" -eq 0 ]; then
		# initdb and postgres refuse to run as root.
		PG_USER=nobody
		id -u "$PG_USER" >/dev/null 2>&1 || PG_USER=scepd-test
		id -u "$PG_USER" >/dev/null 2>&1 || useradd -r -M -d / -s /usr/sbin/nologin "$PG_USER"
		chown "$PG_USER" "$PG_DIR"
	fi
	# The owner must reach the directory, and the socket path must fit in
	# sun_path (108 bytes): else /tmp, which always does.
	if ! pg_as test -w "$PG_DIR" || [ ${#PG_DIR} -gt 80 ]; then
		rm -rf "$PG_DIR"
		PG_DIR=$(mktemp -d /tmp/scepd-pg.XXXXXX)
		[ -z "$PG_USER" ] || chown "$PG_USER" "$PG_DIR"
	fi
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
		--locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		echo "pg.sh: initdb failed:" >&2
		cat "$PG_DIR/initdb.log" >&2
		return 1
	fi
	# Only loopback, and only trust: nothing else can reach it.
	printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' |
		pg_as tee "$PG_DIR/data/pg_hba.conf" >/dev/null
	local try
	for try in 1 2 3; do
		PG_PORT=$(pg_free_port)
		if pg_ctl_start; then
			local q="sslmode=disable&gssencmode=disable"
			PG_URL="postgresql://scepd@127.0.0.1:$PG_PORT/scepd?$q"
			PG_ADMIN_URL="postgresql://postgres@127.0.0.1:$PG_PORT/scepd?$q"
			"$PG_BIN/psql" -X -q -d "postgresql://postgres@127.0.0.1:$PG_PORT/postgres?$q" \
				-c "CREATE ROLE scepd LOGIN" -c "CREATE DATABASE scepd OWNER scepd" >/dev/null
			return 0
		fi
	done
	echo "pg.sh: the cluster did not start:" >&2
	tail -n 20 "$PG_DIR/log" >&2
	return 1
}

# pg_pause: stop the server (fast: sessions are ended), keep the cluster.
pg_pause() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
}

# pg_resume: start it again on the same port.
pg_resume() {
	pg_ctl_start
}

# pg_psql SQL: run SQL on the test database as the superuser, print
# unaligned tuples only.
pg_psql() {
	"$PG_BIN/psql" -X -q -At -d "$PG_ADMIN_URL" -c "$1"
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

pg_on_exit() {
	local rc=$?
	# "set -e" must not cut this short: (exit $rc) below is not a failure.
	set +e
	# A test's own processes go first (pg_exit_hook), then the cluster.
	if declare -F pg_exit_hook >/dev/null; then pg_exit_hook || true; fi
	pg_stop
	if declare -F cleanup >/dev/null; then
		(exit "$rc")
		cleanup
	fi
	exit "$rc"
}
trap pg_on_exit EXIT
