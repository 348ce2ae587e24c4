#!/usr/bin/env bash
# tests/integration/audit.sh: the admin layer from the command line (issue
# #11): `scepd token create` prints the token alone on its last line; the
# CLI's actions (token create/revoke, cert revoke, request reject, challenge
# new/revoke, ca create) appear in `scepd audit list` as cli:<user>; `scepd
# audit verify` passes, then fails naming the entry after a sqlite3 UPDATE of
# one audit row, and after a DELETE of another; a real client's failed and
# successful enrollments are in the transaction log with their reason;
# `scepd txlog prune` deletes rows older than its days.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"

D=$T/d
scepd_init "$D"
CA=$D/ca.pem
DB=$D/scepd.db
ME=cli:$(id -un)
cat >>"$D/scepd.conf" <<'CONF'
profiles: {
  otp: { challenge: { mode = "dynamic"; }; };
  held: { approval: { manual = true; }; };
};
CONF

"$SCEPD" token create ops --role operator --profiles otp,held --expires 30d \
	-d "$D" >"$T/token.out" 2>"$T/token.err"
check "token create: the token alone on the last line of stdout" \
	eval '[[ $(tail -n 1 "$T/token.out") =~ ^scepd_[A-Za-z0-9_-]{43}$ ]]'
check "token create: the token is not in its log lines" \
	eval '! grep -qF "$(tail -n 1 "$T/token.out")" "$T/token.err"'
check "token create: a second token of that name is refused" \
	eval '! "$SCEPD" token create ops --role admin -d "$D" >/dev/null 2>&1'
check "token create: an unknown role is refused" \
	eval '! "$SCEPD" token create x --role root -d "$D" >/dev/null 2>&1'
check "token list: ops, operator, its profiles, active" \
	eval '"$SCEPD" token list -d "$D" | awk -F"\t" '\''$1 == "ops" && $2 == "operator" && $3 == "otp,held" && $6 == "active"'\'' | grep -q .'
"$SCEPD" token create old --role viewer -d "$D" >/dev/null 2>&1
check "token revoke" eval '"$SCEPD" token revoke old -d "$D" >/dev/null 2>&1'
check "token list: revoked" \
	eval '"$SCEPD" token list -d "$D" | awk -F"\t" '\''$1 == "old" && $6 == "revoked"'\'' | grep -q .'

scepd_start "$D"
check "an enrollment with a wrong challenge: FAILURE" \
	enroll bad "status=FAILURE failinfo=badRequest" --challenge wrong
check "an enrollment: SUCCESS" enroll good status=SUCCESS
check "a request kept for an administrator (profile held)" \
	eval 'URL=$URL/held enroll held status=PENDING'
scepd_stop
GOOD=$(serial_of good)
"$SCEPD" txlog list -d "$D" >"$T/txlog"
check "txlog: the failed enrollment with its failInfo and reason" \
	eval 'awk -F"\t" '\''$5 == "FAILURE" && $6 == "badRequest" && $7 == "CN=bad"'\'' "$T/txlog" | grep -q .'
check "txlog: the issued certificate with its serial" \
	eval 'awk -F"\t" -v s="$GOOD" '\''$5 == "SUCCESS" && $9 == s'\'' "$T/txlog" | grep -q .'

check "cert revoke" eval '"$SCEPD" cert revoke "$GOOD" --reason keyCompromise -d "$D" >/dev/null 2>&1'
check "cert revoke again: refused" eval '! "$SCEPD" cert revoke "$GOOD" -d "$D" >/dev/null 2>&1'
OTC=$("$SCEPD" challenge new --profile otp -d "$D" 2>/dev/null)
check "challenge new: a challenge" eval '[[ $OTC =~ ^[0-9A-F]{32}$ ]]'
CID=$("$SCEPD" challenge list -d "$D" | awk -F'\t' '$1 == "otp" { print $6 }' | head -n 1)
check "challenge revoke ID" eval '"$SCEPD" challenge revoke "$CID" -d "$D" >/dev/null 2>&1'
RID=$("$SCEPD" request list -d "$D" | awk -F'\t' '$3 == "CN=held" { print $1 }')
check "request reject ID --reason" \
	eval '"$SCEPD" request reject "$RID" --reason "not ours" -d "$D" >/dev/null 2>&1'
check "request approve of a rejected request: refused" \
	eval '! "$SCEPD" request approve "$RID" -d "$D" >/dev/null 2>&1'
check "ca create is audited too" eval '"$SCEPD" ca create sub -d "$D" >/dev/null 2>&1'

"$SCEPD" audit list -d "$D" >"$T/audit"
has() { # has ACTION TARGET-PREFIX OUTCOME: an entry by $ME
	awk -F'\t' -v a="$1" -v t="$2" -v o="$3" -v me="$ME" \
	    '$3 == me && $4 == a && index($5, t) == 1 && $6 == o' "$T/audit" | grep -q .
}
check "audit list: token.create by $ME" has token.create token:ops ok
check "audit list: token.revoke" has token.revoke token:old ok
check "audit list: cert.revoke with its reason" \
	eval 'has cert.revoke "cert:$GOOD" ok && grep -q keyCompromise "$T/audit"'
check "audit list: the refused second revoke" has cert.revoke "cert:$GOOD" refused
check "audit list: challenge.create and challenge.revoke" \
	eval 'has challenge.create profile:otp ok && has challenge.revoke challenge: ok'
check "audit list: ca.create" has ca.create ca:sub ok
check "audit list: request.reject with its reason, the approve refused" \
	eval 'has request.reject "request:$RID" ok && grep -q "not ours" "$T/audit" && has request.approve "request:$RID" refused'
check "txlog: the pending request" \
	eval 'awk -F"\t" '\''$2 == "held" && $5 == "PENDING"'\'' "$T/txlog" | grep -q .'
check "audit list: never the challenge itself" eval '! grep -qF "$OTC" "$T/audit"'
check "audit list --json: one object a line" \
	eval '"$SCEPD" audit list --json -d "$D" | head -n 1 | python3 -c "import json,sys; e=json.load(sys.stdin); assert e[\"seq\"] > 0 and e[\"hash\"]"'
check "audit list --action: that action alone" \
	eval '[ "$("$SCEPD" audit list --action token.create -d "$D" | cut -f4 | sort -u)" = token.create ]'

check "audit verify: intact" eval '"$SCEPD" audit verify -d "$D" >"$T/verify" 2>&1 && grep -q intact "$T/verify"'
ACTOR=$(sqlite3 "$DB" "SELECT actor FROM audit WHERE seq = 3")
sqlite3 "$DB" "UPDATE audit SET actor = 'cli:mallory' WHERE seq = 3"
check "audit verify after an UPDATE: fails naming entry 3" \
	eval '! "$SCEPD" audit verify -d "$D" >"$T/verify" 2>&1 && grep -q "entry 3" "$T/verify"'
sqlite3 "$DB" "UPDATE audit SET actor = '$ACTOR' WHERE seq = 3"
check "audit verify with the row restored: intact" eval '"$SCEPD" audit verify -d "$D" >/dev/null 2>&1'
sqlite3 "$DB" "DELETE FROM audit WHERE seq = 5"
check "audit verify after a DELETE: fails naming entry 5" \
	eval '! "$SCEPD" audit verify -d "$D" >"$T/verify" 2>&1 && grep -q "entry 5" "$T/verify"'

check "txlog prune --days 1: keeps today's rows" \
	eval '"$SCEPD" txlog prune --days 1 -d "$D" | grep -q "^pruned 0 rows"'
sqlite3 "$DB" "UPDATE txlog SET at = at - 100 * 86400"
check "txlog prune: deletes rows older than log.transactions_days" \
	eval '"$SCEPD" txlog prune -d "$D" | grep -qE "^pruned [1-9][0-9]* rows older than 90 days" && [ -z "$("$SCEPD" txlog list -d "$D")" ]'
finish
