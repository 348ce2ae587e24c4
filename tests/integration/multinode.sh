#!/usr/bin/env bash
# tests/integration/multinode.sh: three `scepd serve` nodes, each with its own
# data directory and the same CA, on one PostgreSQL database (pg.sh), behave as
# one service (docs/deployment.md):
#   - concurrent enrolments spread over the nodes all succeed, no serial is
#     issued twice, `scepd cert list` shows each certificate exactly once;
#   - one PKCSReq sent to all three nodes at once is issued once, and every
#     node answers it with that certificate; resent to another node later, too;
#   - one one-time challenge (a dynamic profile) presented by three requests on
#     the three nodes at once: exactly one certificate;
#   - `scepd cert revoke` (any node's directory) shows at once in node C's CRL
#     and OCSP answers, though node C had them cached;
#   - approval.manual: PENDING on node A, `scepd request approve` from node C's
#     directory, CertPoll SUCCESS on node B;
#   - PostgreSQL stopped under load: every node keeps running and answers 503
#     (never 500, never a dropped connection); started again, every node
#     serves again by itself, and requests refused during the gap succeed when
#     the clients resend them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"
source "$(dirname "$0")/pg.sh"

NODES=(a b c)
declare -A PID NPORT
pg_exit_hook() {
	local n
	for n in "${NODES[@]}"; do
		[ -n "${PID[$n]:-}" ] && kill -TERM "${PID[$n]}" 2>/dev/null
	done
	wait 2>/dev/null || true
}

pg_start
scepd_init "$T/a"
CA=$T/a/ca.pem

# node_conf NODE [settings...]: NODE's scepd.conf on the shared database, with
# a profile "dyn" of one-time challenges, plus the given top-level settings.
node_conf() {
	local d=$T/$1
	shift
	sed -i '/^store: {/,/^};/d; /^# multinode.sh settings$/,$d' "$d/scepd.conf"
	{
		echo "# multinode.sh settings"
		echo "store: { backend = \"postgresql\"; url = \"$PG_URL\"; connections = 4; };"
		echo 'profiles: { dyn: { challenge: { mode = "dynamic"; }; }; };'
		printf '%s\n' "$@"
	} >>"$d/scepd.conf"
}
for n in b c; do
	mkdir -m 700 "$T/$n"
	cp -p "$T/a/ca.pem" "$T/a/ca.key" "$T/a/challenge" "$T/a/scepd.conf" \
	    "$T/a/admin-tls.pem" "$T/a/admin-tls.key" "$T/$n/"
done
for n in "${NODES[@]}"; do node_conf "$n"; done

# node_start NODE: start it in the background (node_wait waits for it).
node_start() {
	rm -f "$T/$1.port"
	"$SCEPD" serve -d "$T/$1" --listen 127.0.0.1:0 --port-file "$T/$1.port" \
		--admin-listen 127.0.0.1:0 2>>"$T/scepd.log" &
	PID[$1]=$!
}
# node_wait NODE: until it listens; its SCEP URL in NURL[NODE].
declare -A NURL
node_wait() {
	local i
	for i in $(seq 1 100); do
		if [ -s "$T/$1.port" ]; then
			NPORT[$1]=$(cat "$T/$1.port")
			NURL[$1]=http://127.0.0.1:${NPORT[$1]}/scep
			return 0
		fi
		kill -0 "${PID[$1]}" 2>/dev/null || { echo "node $1 died at start" >&2; return 1; }
		sleep 0.1
	done
	echo "node $1 did not start" >&2
	return 1
}
# node_stop NODE: SIGTERM; it must exit 0 within 10 s (lib.sh's scepd_stop).
node_stop() {
	SCEPD_PID=${PID[$1]}
	PID[$1]=
	scepd_stop
}
# alive: every node's process is still there.
alive() {
	local n
	for n in "${NODES[@]}"; do
		kill -0 "${PID[$n]}" 2>/dev/null || { echo "node $n is gone" >&2; return 1; }
	done
}

# --- the nodes start at once: the schema is made once, under the advisory lock
for n in "${NODES[@]}"; do node_start "$n"; done
for n in "${NODES[@]}"; do node_wait "$n"; done
check "three nodes started together on one empty database" \
	eval '[ "$(pg_psql "SELECT value FROM meta WHERE key = '"'schema_version'"'")" -ge 1 ]'

# --- concurrent enrolments, spread over the nodes ---------------------------------
NREQ=24
# send NAME NODE [PROFILE]: POST NAME.der to NODE (/scep, or /scep/PROFILE);
# the answer in NAME.rep, the HTTP status in NAME.code (safe to run in
# parallel, unlike client.sh's post).
send() {
	curl -s -m 20 -o "$T/$1.rep" -w '%{http_code}' --data-binary "@$T/$1.der" \
		-H 'Content-Type: application/x-pki-message' \
		"${NURL[$2]}${3:+/$3}?operation=PKIOperation" >"$T/$1.code" 2>/dev/null || true
}
# got NAME WANT: NAME's answer was HTTP 200 and a CertRep whose verdict starts
# with WANT (CHK-REP by scepmsg rep; NAME.crt written on SUCCESS).
got() {
	local v
	[ "$(cat "$T/$1.code")" = 200 ] || { echo "$1: HTTP $(cat "$T/$1.code")" >&2; return 1; }
	v=$("$SCEPMSG" rep --state "$T/$1.st" --cacert "$CA" -i "$T/$1.rep" \
		--cert-out "$T/$1.crt") || return 1
	case $v in "$2"*) return 0 ;; esac
	echo "$1: $v, want $2" >&2
	return 1
}
mk() { mkreq "$1" --txid "txn-$1" >/dev/null; }
# together: wait for the background jobs listed in JOBS (a bare "wait"
# would wait for the nodes too).
JOBS=()
together() { wait "${JOBS[@]}"; JOBS=(); }

for i in $(seq 1 $NREQ); do mk "e$i" & JOBS+=($!); done
together
for i in $(seq 1 $NREQ); do send "e$i" "${NODES[$((i % 3))]}" & JOBS+=($!); done
together
all_issued() {
	local i
	for i in $(seq 1 $NREQ); do got "e$i" status=SUCCESS || return 1; done
}
check "$NREQ concurrent PKCSReqs over three nodes: all SUCCESS" all_issued
for i in $(seq 1 $NREQ); do serial_of "e$i"; done | sort >"$T/serials"
check "no serial issued twice" eval '[ "$(sort -u "$T/serials" | wc -l)" -eq $NREQ ]'
list_once() {
	local d=$1
	"$SCEPD" cert list -d "$T/$d" | cut -f1 | tr a-f A-F | sort >"$T/listed"
	[ "$(wc -l <"$T/listed")" -eq "$NREQ" ] ||
		{ echo "cert list: $(wc -l <"$T/listed") lines, want $NREQ" >&2; return 1; }
	cmp -s "$T/listed" <(tr a-f A-F <"$T/serials") || { diff "$T/listed" "$T/serials" >&2; return 1; }
}
check "scepd cert list (node b's directory): each certificate exactly once" list_once b

# --- one PKCSReq to all three nodes at once -----------------------------------------
mk same
for n in "${NODES[@]}"; do cp "$T/same.der" "$T/same-$n.der"; cp "$T/same.st" "$T/same-$n.st"; done
for n in "${NODES[@]}"; do send "same-$n" "$n" & JOBS+=($!); done
together
same_once() {
	local n s first=
	for n in "${NODES[@]}"; do
		got "same-$n" status=SUCCESS || return 1
		s=$(serial_of "same-$n")
		[ -z "$first" ] || [ "$s" = "$first" ] || { echo "node $n answered $s, not $first" >&2; return 1; }
		first=$s
	done
	[ "$(pg_psql "SELECT count(*) FROM certs WHERE txid = 'txn-same'::bytea")" = 1 ]
}
check "one PKCSReq sent to all three nodes at once: issued once, every node answers that certificate" same_once
resend_other() {
	cp "$T/e1.der" "$T/e1b.der"
	cp "$T/e1.st" "$T/e1b.st"
	send e1b c && got e1b status=SUCCESS &&
		[ "$(serial_of e1b)" = "$(serial_of e1)" ]
}
check "a PKCSReq issued by node b, resent to node c: the same certificate" resend_other

# --- one one-time challenge, three requests on three nodes at once -----------------
OTC=$("$SCEPD" challenge new --profile dyn -d "$T/c" 2>/dev/null)
for n in "${NODES[@]}"; do mkreq "otc-$n" --txid "txn-otc-$n" --challenge "$OTC" >/dev/null & JOBS+=($!); done
together
for n in "${NODES[@]}"; do send "otc-$n" "$n" dyn & JOBS+=($!); done
together
otc_once() {
	local n ok=0 refused=0 v
	for n in "${NODES[@]}"; do
		[ "$(cat "$T/otc-$n.code")" = 200 ] || { echo "otc-$n: HTTP $(cat "$T/otc-$n.code")" >&2; return 1; }
		v=$("$SCEPMSG" rep --state "$T/otc-$n.st" --cacert "$CA" -i "$T/otc-$n.rep" \
			--cert-out "$T/otc-$n.crt") || return 1
		echo "# otc-$n: $v"
		case $v in
		status=SUCCESS*) ok=$((ok + 1)) ;;
		"status=FAILURE failinfo=badRequest"*) refused=$((refused + 1)) ;;
		esac
	done
	[ "$ok" = 1 ] && [ "$refused" = 2 ] &&
		[ "$(pg_psql "SELECT count(*) FROM certs WHERE convert_from(txid, 'UTF8') LIKE 'txn-otc-%'")" = 1 ] &&
		[ "$("$SCEPD" challenge list -d "$T/a" | cut -f4)" = used ]
}
check "one one-time challenge on three nodes at once: one SUCCESS, two badRequest, one certificate" otc_once

# --- revocation shows on every node -------------------------------------------------
# crl_has NODE SERIAL: NODE's /crl lists SERIAL.
crl_has() {
	local base=${NURL[$1]%/scep}
	curl -s -m 10 -o "$T/crl.der" "$base/crl" &&
		openssl crl -inform DER -in "$T/crl.der" -noout -text | grep -ci "Serial Number: $2" >/dev/null
}
# ocsp_says NODE NAME STATUS: NODE's /ocsp says STATUS for NAME.crt (no nonce:
# the answer may come from the node's cache).
ocsp_says() {
	local base=${NURL[$1]%/scep}
	openssl ocsp -issuer "$CA" -CAfile "$CA" -cert "$T/$2.crt" -url "$base/ocsp" \
		-no_nonce -timeout 10 >"$T/ocsp.out" 2>&1 &&
		grep -q "$2.crt: $3" <(sed "s|$T/||" "$T/ocsp.out")
}
R=$(serial_of e2)
check "before: node c's CRL does not list $R, its OCSP says good (now cached)" \
	eval '! crl_has c "$R" && ocsp_says c e2 good && ocsp_says c e2 good'
check "scepd cert revoke from node a's directory" eval '"$SCEPD" cert revoke "$R" --reason keyCompromise -d "$T/a" >/dev/null'
check "at once: node c's CRL lists it" crl_has c "$R"
check "at once: node c's OCSP says revoked" ocsp_says c e2 revoked
check "and node b's too" eval 'crl_has b "$R" && ocsp_says b e2 revoked'

# --- pending on a, approved from c's directory, polled on b ------------------------
node_stop a
node_stop b
for n in a b; do node_conf "$n" 'approval: { manual = true; };'; node_start "$n"; done
for n in a b; do node_wait "$n"; done
mk p1
send p1 a
check "approval.manual: PKCSReq on node a: PENDING" got p1 status=PENDING
approve() {
	local id out
	id=$("$SCEPD" request list -d "$T/c" | awk -F'\t' '$2 == "txn-p1" { print $1 }')
	[ -n "$id" ] || { echo "no request for txn-p1" >&2; return 1; }
	out=$("$SCEPD" request approve "$id" -d "$T/c") || return 1
	P1=${out#issued }
}
P1=
check "scepd request approve from node c's directory" approve
poll_b() {
	mkreq p1-poll --type 20 --no-challenge --key "$T/p1.key" --subject /CN=p1 \
		--txid txn-p1 >/dev/null && send p1-poll b && got p1-poll status=SUCCESS &&
		[ "$(serial_of p1-poll)" = "$(echo "$P1" | tr a-f A-F)" ]
}
check "CertPoll on node b: SUCCESS, the approved certificate" poll_b
node_stop a
node_stop b
for n in a b; do node_conf "$n"; node_start "$n"; done
for n in a b; do node_wait "$n"; done

# --- PostgreSQL stopped under load --------------------------------------------------
# A load of CRL fetches (each reads the store) on all nodes, until told to stop.
load() {
	local n
	while [ ! -f "$T/load.stop" ]; do
		for n in "${NODES[@]}"; do
			curl -s -m 20 -o /dev/null -w '%{http_code}\n' "${NURL[$n]%/scep}/crl" \
				>>"$T/load.$n" 2>/dev/null || echo fail >>"$T/load.$n"
		done
	done
}
for i in 1 2 3; do mk "g$i"; done
load &
LOAD=$!
sleep 0.5
pg_pause
gap_503() {
	local i n t0=$SECONDS
	for i in 1 2 3; do
		n=${NODES[$((i - 1))]}
		send "g$i" "$n"
		[ "$(cat "$T/g$i.code")" = 503 ] || { echo "g$i on node $n: HTTP $(cat "$T/g$i.code")" >&2; return 1; }
	done
	[ $((SECONDS - t0)) -le 5 ] || { echo "503s took $((SECONDS - t0)) s" >&2; return 1; }
}
check "database down: PKCSReq on each node gets HTTP 503 at once" gap_503
sleep 1
check "database down: every node is still running" alive
pg_resume
back() {
	local n i code
	for n in "${NODES[@]}"; do
		for i in $(seq 1 50); do
			code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${NURL[$n]%/scep}/crl") || true
			[ "$code" = 200 ] && break
			sleep 0.1
		done
		[ "$code" = 200 ] || { echo "node $n: /crl $code after the restart" >&2; return 1; }
	done
}
check "database back: every node serves again by itself (within 5 s)" back
sleep 0.3
touch "$T/load.stop"
wait "$LOAD"
load_clean() {
	local n codes
	codes=$(cat "$T"/load.? | sort | uniq -c | tr '\n' ' ')
	echo "# load: $codes"
	grep -qx 503 "$T"/load.? || { echo "no 503 during the gap" >&2; return 1; }
	grep -qvxE '200|503' "$T"/load.? && { echo "other answers: $codes" >&2; return 1; }
	for n in "${NODES[@]}"; do
		[ "$(tail -n1 "$T/load.$n")" = 200 ] || { echo "node $n: last $(tail -n1 "$T/load.$n")" >&2; return 1; }
	done
}
check "under load, only 200 and 503 (no 500, no dropped connection); 200 again at the end" load_clean
resend_after() {
	local i
	for i in 1 2 3; do
		send "g$i" "${NODES[$((i % 3))]}" && got "g$i" status=SUCCESS || return 1
	done
}
check "the PKCSReqs refused during the gap, resent: SUCCESS" resend_after
check "cert list: every certificate once ($NREQ + 1 + 1 + 1 + 3)" \
	eval '[ "$("$SCEPD" cert list -d "$T/c" | cut -f1 | sort -u | wc -l)" -eq $((NREQ + 6)) ]'

stop_all() {
	local n
	for n in "${NODES[@]}"; do node_stop "$n" || return 1; done
}
check "every node stops cleanly (exit 0)" stop_all
finish
