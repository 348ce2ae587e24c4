#!/usr/bin/env bash
# tests/integration/events.sh: the events webhook (issue 11, item 7) against
# a loopback receiver (tests/tools/events_server.py, which checks the
# signature as the challenge webhook's receiver does and records every POST).
#   1. A real enrollment gives a signed certificate.issued event with its
#      serial, subject, transaction, profile, CA and requester; a renewal
#      certificate.renewed; a refused one (wrong challenge) enrollment.failed
#      with its failInfo and reason; a manual profile request.pending with
#      the request's id.  Every event has its own 32-hex id.
#   2. A receiver that answers 500 twice, then 200: the event arrives on the
#      third try, the same id each time, the retries spaced by the backoff.
#   3. A receiver that never answers does not slow enrollments: each one is
#      timed (figures printed; sanity bound 3 s, far below the 10 s delivery
#      timeout they would wait for if delivery blocked them), and what was
#      queued meanwhile reaches the receiver once events.url (reloaded)
#      points at one that answers.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
SECRET=ev-s3cret
# EC keys where the CertRep can be sealed by the challenge (PWRI): RSA key
# generation would be most of this test's time.
EC="--newkey ec:P-256"
REC=$T/events.jsonl
RPIDS=()

# receiver RECORD: start events_server.py; sets RP (its port) and RPID.
receiver() {
	rm -f "$T/rport"
	python3 "$TOOLS/events_server.py" --secret "$SECRET" --record "$1" \
		--lifetime 120 >"$T/rport" &
	RPID=$!
	RPIDS+=("$RPID")
	local i
	for i in $(seq 1 50); do
		[ -s "$T/rport" ] && { RP=$(head -1 "$T/rport"); return 0; }
		sleep 0.1
	done
	echo "receiver did not start" >&2
	return 1
}
stop_receivers() { local p; for p in "${RPIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'rc=$?; stop_receivers; (exit $rc); cleanup' EXIT

D=$T/d
scepd_init "$D"
CA=$D/ca.pem
cp "$D/scepd.conf" "$T/base.conf"
printf '%s\n' "$SECRET" >"$D/events.secret"
chmod 600 "$D/events.secret"
receiver "$REC"
RPORT=$RP

# configure URL [TIMEOUT]: scepd.conf = init's + events + a manual profile.
configure() {
	{
		cat "$T/base.conf"
		cat <<-EOF
		events: { url = "$1"; secret_file = "events.secret"; timeout = ${2:-5}; retries = 5; };
		profiles: { manual: { approval: { manual = true; }; }; };
		EOF
	} >"$D/scepd.conf"
}
# reload: SIGHUP, and wait for the log to say it was applied.
reload() {
	local n i
	n=$(grep -c 'msg="reloaded:' "$T/scepd.log" || true)
	kill -HUP "$SCEPD_PID"
	for i in $(seq 1 50); do
		[ "$(grep -c 'msg="reloaded:' "$T/scepd.log" || true)" -gt "$n" ] && return 0
		sleep 0.1
	done
	echo "reload not applied" >&2
	return 1
}

# events_of TYPE FILE: the recorded POSTs (JSON lines) of events of TYPE.
events_of() { [ -f "$2" ] && python3 -c '
import json, sys
for l in open(sys.argv[2]):
    r = json.loads(l)
    if (r["body"] or {}).get("type") == sys.argv[1]:
        print(l, end="")' "$1" "$2"; }

# wait_event TYPE FIELD VALUE [FILE [N]]: until FILE (default the record) has N
# (default 1) POSTs of a TYPE event whose FIELD is VALUE; at most 10 s.
wait_event() {
	local i
	for i in $(seq 1 100); do
		[ "$(events_of "$1" "${4:-$REC}" | grep -cF "\"$2\": \"$3\"" || true)" -ge "${5:-1}" ] &&
			return 0
		sleep 0.1
	done
	echo "no $1 event with $2=$3 in ${4:-$REC}: $(tail -3 "${4:-$REC}" 2>/dev/null)" >&2
	return 1
}

# event_is TYPE FIELD VALUE PYTHON-CONDITION: the first such event (as r, its
# body as b) satisfies the condition.
event_is() {
	events_of "$1" "$REC" | grep -F "\"$2\": \"$3\"" | head -1 | python3 -c '
import json, re, sys
r = json.loads(sys.stdin.readline())
b = r["body"]
ok = eval(sys.argv[1])
if not ok:
    print("event does not satisfy %s: %s" % (sys.argv[1], json.dumps(r)), file=sys.stderr)
sys.exit(0 if ok else 1)' "$4"
}

# post_ms NAME: POST request NAME, print how long the answer took (ms).
post_ms() {
	local t0 t1
	t0=$(date +%s%N)
	post "$1" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

configure "http://127.0.0.1:$RPORT/ok"
scepd_start "$D"
BASE=http://127.0.0.1:$PORT

# --- 1. what each outcome sends --------------------------------------------------------

check "enrollment: SUCCESS" enroll ev1 status=SUCCESS --txid txn-ev1
SERIAL=$(serial_of ev1)
check "certificate.issued arrives, signed (X-Scepd-Signature verifies)" \
	wait_event certificate.issued transaction_id txn-ev1
check "certificate.issued: serial, subject, profile, CA, requester, no reason, X-Scepd-Event header" \
	event_is certificate.issued transaction_id txn-ev1 \
	"r['sig_ok'] and r['event'] == 'certificate.issued' and int(b['serial'], 16) == int('$SERIAL', 16) and b['subject'] == 'CN=ev1' and b['profile'] == 'default' and b['ca'] == 'default' and b['requester'] == '127.0.0.1' and b['reason'] is None and b['fail_info'] is None"
check "certificate.issued: 32-hex id (also X-Scepd-Event-Id), RFC 3339 time within a minute" \
	event_is certificate.issued transaction_id txn-ev1 \
	"re.fullmatch('[0-9a-f]{32}', b['id']) and r['event_id'] == b['id'] and re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', b['time']) and abs(__import__('calendar').timegm(__import__('time').strptime(b['time'], '%Y-%m-%dT%H:%M:%SZ')) - r['time']) < 60"

check "renewal: SUCCESS" enroll ev1r status=SUCCESS --type 17 --no-challenge \
	--subject /CN=ev1 --signer-cert "$T/ev1.crt" --signer-key "$T/ev1.key" --txid txn-ev1r
check "certificate.renewed arrives with the new serial" \
	eval 'wait_event certificate.renewed transaction_id txn-ev1r &&
	event_is certificate.renewed transaction_id txn-ev1r "r[\"sig_ok\"] and int(b[\"serial\"], 16) == int(\"$(serial_of ev1r)\", 16)"'

CHALLENGE=wrong check "wrong challenge: FAILURE badRequest" \
	enroll evbad "status=FAILURE failinfo=badRequest" --txid txn-evbad $EC
check "enrollment.failed arrives: failInfo badRequest, a reason, the subject, no serial" \
	eval 'wait_event enrollment.failed transaction_id txn-evbad &&
	event_is enrollment.failed transaction_id txn-evbad "r[\"sig_ok\"] and b[\"fail_info\"] == \"badRequest\" and b[\"reason\"] and b[\"subject\"] == \"CN=evbad\" and b[\"serial\"] is None"'

check "manual profile: PENDING" eval 'URL=$BASE/scep/manual enroll evpend status=PENDING --txid txn-evpend $EC'
check "request.pending arrives with the profile and the request id" \
	eval 'wait_event request.pending transaction_id txn-evpend &&
	event_is request.pending transaction_id txn-evpend "r[\"sig_ok\"] and b[\"profile\"] == \"manual\" and isinstance(b[\"request_id\"], int) and b[\"request_id\"] > 0"'
check "every event has its own id" eval '[ "$(python3 -c "
import json
ids = [json.loads(l)[\"body\"][\"id\"] for l in open(\"$REC\")]
print(len(ids) == len(set(ids)) and len(ids) >= 4)")" = True ]'

# --- 2. 500, 500, then 200 -----------------------------------------------------------------

configure "http://127.0.0.1:$RPORT/flaky"
check "SIGHUP: events.url now /flaky" reload
check "enrollment with a flaky receiver: SUCCESS" enroll ev2 status=SUCCESS --txid txn-ev2 $EC
check "certificate.issued POSTed three times: 500, 500, 200, one id, each signed" \
	eval 'wait_event certificate.issued transaction_id txn-ev2 "$REC" 3 && [ "$(events_of certificate.issued "$REC" | grep -F txn-ev2 | python3 -c "
import json, sys
rs = [json.loads(l) for l in sys.stdin]
print([r[\"status\"] for r in rs] == [500, 500, 200] and len({r[\"body\"][\"id\"] for r in rs}) == 1 and all(r[\"sig_ok\"] for r in rs))")" = True ]'
check "retries backed off: >= 0.5 s before the 2nd try, >= 1 s before the 3rd" \
	eval '[ "$(events_of certificate.issued "$REC" | grep -F txn-ev2 | python3 -c "
import json, sys
t = [json.loads(l)[\"time\"] for l in sys.stdin]
print(t[1] - t[0] >= 0.45 and t[2] - t[1] >= 0.95)")" = True ]'
check "the log names the failed attempts" grep -q 'attempt 2 failed: HTTP status 500' "$T/scepd.log"

# --- 3. a receiver that never answers ----------------------------------------------------

# Healthy first, for the figure to compare with.
configure "http://127.0.0.1:$RPORT/ok"
reload
healthy=()
for i in 1 2 3 4 5; do
	mkreq "evh$i" --txid "txn-evh$i" $EC
	healthy+=("$(post_ms "evh$i")")
	expect "evh$i" status=SUCCESS >/dev/null
done

DEAD=$T/dead.jsonl
receiver "$DEAD"
DPORT=$RP
DPID=$RPID
configure "http://127.0.0.1:$DPORT/hang" 10
check "SIGHUP: events.url now a receiver that never answers (timeout 10 s)" reload
dead=()
slow=0
for i in $(seq 1 10); do
	mkreq "evd$i" --txid "txn-evd$i" $EC
	ms=$(post_ms "evd$i")
	dead+=("$ms")
	expect "evd$i" status=SUCCESS >/dev/null || slow=1
	[ "$ms" -lt 3000 ] || slow=1
done
echo "# enrollment (POST to CertRep), ms: receiver answering: ${healthy[*]}; receiver hanging: ${dead[*]}"
check "10 enrollments while the receiver hangs: each SUCCESS within 3 s" [ "$slow" = 0 ]
check "the hanging receiver was being tried" wait_event certificate.issued transaction_id txn-evd1 "$DEAD"

configure "http://127.0.0.1:$RPORT/ok"
reload
kill "$DPID"
check "once events.url answers again, the events queued meanwhile arrive, every one" \
	eval 'for i in $(seq 1 10); do wait_event certificate.issued transaction_id txn-evd$i || exit 1; done'

check "scepd stops cleanly (exit 0) with the events thread" scepd_stop
check "no event left undelivered at exit" eval '! grep -q "not delivered at exit" "$T/scepd.log"'

finish
