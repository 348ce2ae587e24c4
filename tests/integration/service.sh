#!/usr/bin/env bash
# tests/integration/service.sh: "installed like a service" (issue 11, item 8).
#   1. cmake --install into a temporary prefix (what "make install PREFIX=..."
#      runs) and with DESTDIR (what "make install DESTDIR=..." runs): the
#      binary, scepd(8), scepd.conf(5), the systemd unit naming the installed
#      binary, the sysusers.d entry, the sample configuration, the documents.
#   2. systemd-analyze verify on the installed unit, offline (no running
#      systemd here): no error and no warning, with MANPATH pointing at the
#      installed man pages so that Documentation= is checked too; the
#      sandboxing directives the unit must keep.
#   3. The man pages pass "mandoc -T lint -W warning" and "man --warnings";
#      every command of "scepd --help" and every long option of each
#      "scepd COMMAND --help" is in scepd(8), every setting of
#      src/conf/conf.c's tables in scepd.conf(5).
#   4. contrib/scepd.conf.sample has exactly the settings "scepd init"
#      writes, and "scepd config check" accepts it.
source "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(dirname "$SCEPD")
P=$T/prefix/usr

# --- 1. install ---------------------------------------------------------------------

check "cmake --install --prefix: succeeds" \
	eval 'cmake --install "$BUILD" --prefix "$P" >"$T/install.out"'
installed() {
	local f
	for f in bin/scepd share/man/man8/scepd.8 share/man/man5/scepd.conf.5 \
		lib/systemd/system/scepd.service lib/sysusers.d/scepd.conf \
		share/doc/scepd/examples/scepd.conf.sample share/doc/scepd/README.md \
		share/doc/scepd/configuration.md share/doc/scepd/deployment.md \
		share/doc/scepd/events.md; do
		[ -f "$1/$f" ] || { echo "missing: $1/$f" >&2; return 1; }
	done
	[ -x "$1/bin/scepd" ] || { echo "$1/bin/scepd not executable" >&2; return 1; }
}
check "every file in place under the prefix" installed "$P"
check "the installed binary runs" eval '"$P/bin/scepd" --version | grep -q "^scepd "'
UNIT=$P/lib/systemd/system/scepd.service
check "the unit starts and reloads the installed binary, data in /var/lib/scepd" \
	eval 'grep -qx "ExecStart=$P/bin/scepd serve -d /var/lib/scepd" "$UNIT" &&
	grep -qx "ExecReload=$P/bin/scepd config check -d /var/lib/scepd" "$UNIT" &&
	! grep -q "=/usr/bin/scepd" "$UNIT"'
check "the sysusers.d entry creates the user the unit runs as" \
	eval 'grep -q "^u scepd - .* /var/lib/scepd$" "$P/lib/sysusers.d/scepd.conf" &&
	grep -qx "User=scepd" "$UNIT"'

PREFIX0=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
check "DESTDIR install: every file under DESTDIR + the configured prefix ($PREFIX0)" \
	eval 'DESTDIR="$T/root" cmake --install "$BUILD" >/dev/null && installed "$T/root$PREFIX0" &&
	grep -qx "ExecStart=$PREFIX0/bin/scepd serve -d /var/lib/scepd" \
		"$T/root$PREFIX0/lib/systemd/system/scepd.service"'

# --- 2. systemd-analyze verify ---------------------------------------------------------

# verify UNIT: no error and nothing printed.  The unit's paths exist here (the
# prefix install), so the check that ExecStart= is executable applies too.
verify() {
	local rc=0
	MANPATH=$P/share/man systemd-analyze verify "$1" >"$T/verify.out" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$T/verify.out" ]; then
		echo "systemd-analyze verify: exit $rc" >&2
		cat "$T/verify.out" >&2
		return 1
	fi
}
check "systemd-analyze verify: the installed unit, no error or warning" verify "$UNIT"
# The check is a check: a misspelt directive is reported.
sed 's/^ProtectHome=yes$/ProtectHome=yes\nProtectHomme=yes/' "$UNIT" >"$T/scepd.service"
check "systemd-analyze verify reports a misspelt directive (the check can fail)" \
	eval '! verify "$T/scepd.service" 2>/dev/null'

sandboxed() {
	local d
	for d in "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" \
		"PrivateTmp=yes" "PrivateDevices=yes" "StateDirectory=scepd" \
		"ReadWritePaths=/var/lib/scepd" \
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
		"SystemCallFilter=@system-service" \
		"CapabilityBoundingSet=CAP_NET_BIND_SERVICE" \
		"AmbientCapabilities=CAP_NET_BIND_SERVICE" \
		"ExecReload=/bin/kill -HUP \$MAINPID" "Restart=on-failure" "UMask=0077"; do
		grep -qxF "$d" "$UNIT" || { echo "the unit lacks \"$d\"" >&2; return 1; }
	done
	# Nothing but the data directory is writable.
	[ "$(grep -c '^ReadWritePaths=' "$UNIT")" = 1 ]
}
check "the unit keeps its sandboxing" sandboxed

# --- 3. the man pages -------------------------------------------------------------------

M8=$P/share/man/man8/scepd.8
M5=$P/share/man/man5/scepd.conf.5
check "mandoc -T lint -W warning: scepd.8 and scepd.conf.5 clean" \
	mandoc -T lint -W warning "$M8" "$M5"
manwarn() {
	LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$1" 2>"$T/man.err" >/dev/null || return 1
	[ ! -s "$T/man.err" ] || { cat "$T/man.err" >&2; return 1; }
}
check "man --warnings: scepd.8 clean" manwarn "$M8"
check "man --warnings: scepd.conf.5 clean" manwarn "$M5"

# rendered PAGE: the page as text, one paragraph a line at most, no hyphenation.
rendered() { MANWIDTH=2000 LC_ALL=C.UTF-8 man --nh --nj -E UTF-8 -l "$1" 2>/dev/null | col -b; }
rendered "$M8" >"$T/scepd.8.txt"
rendered "$M5" >"$T/scepd.conf.5.txt"

every_command() {
	local c o bad=0
	for c in $("$SCEPD" --help | awk '/^  [a-z]/ { print $1 }'); do
		grep -qE "^ +$c( |$)" "$T/scepd.8.txt" ||
			{ echo "scepd(8) lacks command \"$c\"" >&2; bad=1; }
		for o in $("$SCEPD" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
			grep -qF -- "$o" "$T/scepd.8.txt" ||
				{ echo "scepd(8) lacks $c's option $o" >&2; bad=1; }
		done
	done
	[ "$bad" = 0 ]
}
check "scepd(8): every command of scepd --help, every long option of its --help" every_command

every_setting() {
	local s bad=0
	for s in $(grep -oE 'CONF_K_[A-Z_]+\("[a-z_.]+"' "$SRC/src/conf/conf.c" |
		sed 's/.*("//; s/"$//'); do
		grep -qE "(^|[^a-z_.])$s([^a-z_]|$)" "$T/scepd.conf.5.txt" ||
			{ echo "scepd.conf(5) lacks setting $s" >&2; bad=1; }
	done
	[ "$bad" = 0 ]
}
check "scepd.conf(5): every setting of src/conf/conf.c" every_setting

# --- 4. the sample configuration -------------------------------------------------------

D=$T/d
scepd_init "$D"
python3 "$SRC/tests/tools/confnames.py" "$D/scepd.conf" >"$T/init.names"
python3 "$SRC/tests/tools/confnames.py" "$P/share/doc/scepd/examples/scepd.conf.sample" \
	>"$T/sample.names"
check "the sample has exactly the settings scepd init writes ($(wc -l <"$T/init.names") names)" \
	eval '[ -s "$T/init.names" ] && diff "$T/init.names" "$T/sample.names" >&2'
check "scepd config check accepts the sample (with init's CA and challenge)" \
	eval 'cp "$P/share/doc/scepd/examples/scepd.conf.sample" "$D/scepd.conf" &&
	"$SCEPD" config check -d "$D" >/dev/null 2>"$T/check.err" || { cat "$T/check.err" >&2; false; }'

finish
