#!/usr/bin/env bash
# tests/integration/reload.sh: SIGHUP reloads profiles, CAs and templates
# without losing a request (issue 4, item 8).
#
#   1. Under load: 60 enrolments (scepmsg-built, sent by curl from 4 workers
#      at once) while the configuration changes (a new CA made by "scepd ca
#      create" and a profile on it; certificate.validity_days 365 -> 90) and
#      scepd gets SIGHUP six times, each one waited for. Every request gets
#      HTTP 200 and a CertRep SUCCESS; scepd cert list has all 60; those
#      answered before the first reload have 365 days, the last ones 90; the
#      new profile answers with the new CA.
#   2. A request in flight across a reload keeps the settings it started with:
#      a webhook request the service answers after 3 s, and meanwhile a reload
#      that disables its profile; it still ends in SUCCESS, while new requests
#      to the profile get 503.
#   3. A broken file on SIGHUP: the log says "reload failed" with the file's
#      line, the previous configuration goes on serving (the new profile, 90
#      days); after the file is fixed the next SIGHUP applies it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

PYTHON=${PYTHON:-python3}
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
N=60            # enrolments under load
NW=4            # workers sending them
HOOK_PID=
WPIDS=()

stop_bg() {
	local pid
	for pid in "${WPIDS[@]}" $HOOK_PID; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
trap 'rc=$?; set +e; stop_bg; (exit $rc); cleanup' EXIT

D=$T/d
scepd_init "$D"
CA=$D/ca.pem
for i in $(seq 0 $((NW - 1))); do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/pool$i.key" 2>/dev/null
done

printf 'hook-s3cret\n' >"$D/hook.secret"
chmod 600 "$D/hook.secret"
"$PYTHON" "$TOOLS/webhook_server.py" --secret hook-s3cret --record "$T/hook.rec" \
	--lifetime 240 >"$T/hook.port" 2>"$T/hook.err" &
HOOK_PID=$!
for i in $(seq 1 100); do
	[ -s "$T/hook.port" ] && break
	sleep 0.1
done
HOOK=http://127.0.0.1:$(head -n1 "$T/hook.port")

# rl_conf [name=value]...: rewrite the reload.sh block at the end of
# scepd.conf (into a new file, renamed over the old one).
#   fresh=yes   CA "newca" and profile "fresh" on it (7 days)
#   hook=false  profile "hook" disabled
#   broken=yes  an unknown setting, on the line printed as BROKEN_LINE
rl_conf() {
	local fresh=no hook=true broken=no
	[ $# -eq 0 ] || local "$@"
	sed '/^# reload.sh settings$/,$d' "$D/scepd.conf" >"$T/conf.new"
	{
		echo "# reload.sh settings"
		[ "$fresh" != yes ] || echo 'cas: { newca: { cert = "newca.pem"; key = "newca.key"; }; };'
		echo 'profiles: {'
		echo "  hook: { enabled = $hook; disabled_reason = \"hook is off\";"
		echo "    challenge: { mode = \"webhook\"; webhook: { url = \"$HOOK/check\";"
		echo '      secret_file = "hook.secret"; timeout_ms = 5000; }; }; };'
		[ "$fresh" != yes ] || echo '  fresh: { ca = "newca"; certificate: { validity_days = 7; }; };'
		echo '};'
		[ "$broken" != yes ] || echo 'bogus_setting = 1;'
	} >>"$T/conf.new"
	mv "$T/conf.new" "$D/scepd.conf"
}
# validity DAYS: the top level's certificate.validity_days.
validity() { sed -i "s/^\( *validity_days = \)[0-9]*;/\1$1;/" "$D/scepd.conf"; }

rl_conf
scepd_start "$D"
BASE=${URL%/scep}

# nlog TEXT: how many log lines have TEXT.
nlog() { grep -c -- "$1" "$T/scepd.log" || true; }
outcomes() { echo $(($(nlog 'msg="reloaded:') + $(nlog 'msg="reload failed'))); }
# hup: SIGHUP, and wait (5 s at most) for its "reloaded" or "reload failed".
hup() {
	local before i
	before=$(outcomes)
	kill -HUP "$SCEPD_PID"
	for i in $(seq 1 100); do
		[ "$(outcomes)" -gt "$before" ] && return 0
		sleep 0.05
	done
	echo "no reload outcome in the log" >&2
	return 1
}
days() {
	local nb na
	nb=$(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s) &&
		na=$(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s) &&
		echo $(((na - nb) / 86400))
}
# en NAME WANT [options]: client.sh's enroll over a pooled key.
en() {
	[ -f "$T/$1.key" ] || cp "$T/pool0.key" "$T/$1.key"
	enroll "$@"
}

check "before: /scep/fresh is 404" eval 'http "$BASE/scep/fresh?operation=GetCACaps" && http_is 404'

# --- 1. enrolments under load, reloads in between ---------------------------------------------
# (the new CA is made first: its key would take load time)
"$SCEPD" ca create newca --cn "New CA" -d "$D" >"$T/newca.out"
for i in $(seq 1 "$N"); do
	cp "$T/pool$((i % NW)).key" "$T/load$i.key"
	mkreq "load$i" --txid "txn-load$i" >/dev/null
done
: >"$T/progress"
# worker W: requests W, W+NW, ... one after the other, 0.1 s apart.
worker() {
	local i
	for ((i = $1; i <= N; i += NW)); do
		curl -s -o "$T/load$i.rep" -w '%{http_code}' --data-binary "@$T/load$i.der" \
			-H 'Content-Type: application/x-pki-message' "$URL?operation=PKIOperation" \
			>"$T/load$i.code" 2>"$T/load$i.err" || echo " curl exit $?" >>"$T/load$i.code"
		echo "$i" >>"$T/progress"
		sleep 0.1
	done
}
done_n() { grep -c . "$T/progress" || true; }
for w in $(seq 1 "$NW"); do
	worker "$w" &
	WPIDS+=($!)
done
# Reload only once the load is running.
for i in $(seq 1 200); do
	[ "$(done_n)" -ge 8 ] && break
	sleep 0.02
done
AT_FIRST=$(done_n)
rl_conf fresh=yes
validity 90
HUPS_OK=0
for _ in 1 2 3 4 5 6; do
	if hup; then HUPS_OK=$((HUPS_OK + 1)); fi
	sleep 0.1
done
AT_LAST=$(done_n)
wait "${WPIDS[@]}"
WPIDS=()
echo "# 6 reloads while requests $AT_FIRST..$AT_LAST of $N had been answered"
check "6 SIGHUPs, each answered by \"reloaded\" in the log" \
	eval '[ "$HUPS_OK" = 6 ] && [ "$(nlog "msg=\"reloaded:")" = 6 ] && [ "$(nlog "reload failed")" = 0 ]'
check "the reloads happened while the load was running" \
	eval '[ "$AT_FIRST" -ge 1 ] && [ "$AT_LAST" -lt "$N" ]'

load_verdicts() {
	local i v bad=0
	N365=0 N90=0
	for i in $(seq 1 "$N"); do
		if [ "$(cat "$T/load$i.code")" != 200 ]; then
			echo "load$i: HTTP $(cat "$T/load$i.code") $(cat "$T/load$i.err")" >&2
			bad=$((bad + 1))
			continue
		fi
		v=$("$SCEPMSG" rep --state "$T/load$i.st" --cacert "$CA" -i "$T/load$i.rep" \
			--cert-out "$T/load$i.crt") || { bad=$((bad + 1)); continue; }
		case $v in status=SUCCESS*) ;; *) echo "load$i: $v" >&2; bad=$((bad + 1)); continue ;; esac
		case $(days "$T/load$i.crt") in
		365) N365=$((N365 + 1)) ;;
		90) N90=$((N90 + 1)) ;;
		*) echo "load$i: $(days "$T/load$i.crt") days" >&2; bad=$((bad + 1)) ;;
		esac
	done
	echo "# load: $N365 certificates of 365 days (before the reload), $N90 of 90 (after)"
	[ "$bad" = 0 ]
}
N365=0 N90=0
check "all $N requests under reload: HTTP 200, CertRep SUCCESS (scepmsg rep), certificate over the request's key" load_verdicts
check "scepd cert list has every one of them" \
	eval '[ "$("$SCEPD" cert list -d "$D" | grep -c "CN=load[0-9]*")" = "$N" ]'
check "requests before the reload got 365 days, the last ones 90 (certificate.validity_days reloaded)" \
	eval '[ "$N365" -gt 0 ] && [ "$N90" -gt 0 ] && [ "$(days "$T/load$N.crt")" = 90 ]'
check "no HTTP 5xx in the log" eval '! grep -q "status=5[0-9][0-9]" "$T/scepd.log"'
fresh_ok() {
	http "$BASE/scep/fresh?operation=GetCACert" && http_is 200 &&
		cmp -s "$T/body" <(openssl x509 -in "$D/newca.pem" -outform DER) || return 1
	CA=$D/newca.pem URL=$BASE/scep/fresh en fresh1 status=SUCCESS &&
		openssl verify -CAfile "$D/newca.pem" "$T/fresh1.crt" >/dev/null &&
		[ "$(days "$T/fresh1.crt")" = 7 ]
}
check "after the reload /scep/fresh serves the new CA (GetCACert) and issues 7-day certificates from it" fresh_ok

# --- 2. a request in flight across a reload --------------------------------------------------
cp "$T/pool1.key" "$T/slow.key"
mkreq slow >/dev/null
curl -s -o "$T/slow.rep" -w '%{http_code}' --data-binary "@$T/slow.der" \
	-H 'Content-Type: application/x-pki-message' "$BASE/scep/hook?operation=PKIOperation" >"$T/slow.code" &
SLOW_PID=$!
WPIDS=("$SLOW_PID")
# in flight once the webhook service has the question (it answers after 3 s)
for i in $(seq 1 100); do
	grep -q '"CN=slow"' "$T/hook.rec" 2>/dev/null && break
	sleep 0.05
done
rl_conf fresh=yes hook=false
check "SIGHUP while the webhook request is in flight: reloaded, /scep/hook now 503" \
	eval 'hup && kill -0 "$SLOW_PID" && http "$BASE/scep/hook?operation=GetCACaps" && http_is 503 &&
		[ "$(cat "$T/body")" = "hook is off" ]'
wait "$SLOW_PID" || true
WPIDS=()
slow_ok() {
	local v
	[ "$(cat "$T/slow.code")" = 200 ] || { echo "HTTP $(cat "$T/slow.code")" >&2; return 1; }
	v=$("$SCEPMSG" rep --state "$T/slow.st" --cacert "$CA" -i "$T/slow.rep") || return 1
	echo "# slow: $v"
	[[ $v == status=SUCCESS* ]]
}
check "the in-flight request finished on the settings it started with: HTTP 200, SUCCESS" slow_ok

# --- 3. a broken file on SIGHUP ---------------------------------------------------------------
rl_conf fresh=yes hook=false broken=yes
BROKEN_LINE=$(grep -n '^bogus_setting' "$D/scepd.conf" | cut -d: -f1)
check "SIGHUP with a broken file: the log says reload failed, naming line $BROKEN_LINE" \
	eval 'hup && [ "$(nlog "reload failed")" = 1 ] &&
		grep -q "scepd.conf:$BROKEN_LINE: unknown setting .*bogus_setting" "$T/scepd.log"'
check "... scepd still serves the previous configuration: /scep/fresh answers, /scep 90 days" \
	eval 'kill -0 "$SCEPD_PID" && http "$BASE/scep/fresh?operation=GetCACaps" && http_is 200 &&
		en after-broken status=SUCCESS && [ "$(days "$T/after-broken.crt")" = 90 ]'
rl_conf fresh=yes hook=false
validity 45
check "the file fixed (validity_days = 45), SIGHUP: reloaded, /scep issues 45-day certificates" \
	eval 'hup && [ "$(nlog "msg=\"reloaded:")" = 8 ] && en fixed status=SUCCESS && [ "$(days "$T/fixed.crt")" = 45 ]'

check "scepd still running" kill -0 "$SCEPD_PID"
check "scepd exits 0 on SIGTERM" scepd_stop
finish
