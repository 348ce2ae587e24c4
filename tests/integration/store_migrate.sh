#!/usr/bin/env bash
# tests/integration/store_migrate.sh: `scepd store migrate` from the SQLite
# store of a node that has lived a little (certificates, a renewal, a revoked
# one, a pending request, a CRL) into PostgreSQL (pg.sh): the counts are
# printed and match, a second run is refused (target not empty), and scepd
# serving from the new store carries on where the old one stopped: the same
# certificate list, the revocation in CRL and OCSP, the pending request
# approved and polled.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/client.sh"
source "$(dirname "$0")/pg.sh"

pg_start
D=$T/d
scepd_init "$D"
CA=$D/ca.pem
printf 'approval: { manual = false; };\n' >>"$D/scepd.conf"
scepd_start "$D"
BASE=${URL%/scep}

check "three enrolments" eval 'enroll a status=SUCCESS && enroll b status=SUCCESS && enroll c status=SUCCESS'
check "a renewal of a, signed by a.crt" \
	enroll a2 status=SUCCESS --type 17 --no-challenge --subject /CN=a \
	--signer-cert "$T/a.crt" --signer-key "$T/a.key"
B=$(serial_of b)
check "revoke b" eval '"$SCEPD" cert revoke "$B" -d "$D" >/dev/null'
check "a CRL is stored" get_is 200 "$BASE/crl"
scepd_stop
sed -i 's/^approval: { manual = false; };$/approval: { manual = true; };/' "$D/scepd.conf"
scepd_start "$D"
check "a pending request" enroll p status=PENDING --txid txn-p
scepd_stop
"$SCEPD" cert list -d "$D" | sort >"$T/before"

migrate_ok() {
	"$SCEPD" store migrate --from "sqlite:$D/scepd.db" --to "$PG_URL" >"$T/migrate.out" || return 1
	cat "$T/migrate.out"
	# name source target: both columns as wanted.
	row() {
		grep -qE "^ *$1 +$2 +$2\$" "$T/migrate.out" || { echo "want $1 = $2" >&2; return 1; }
	}
	row certificates 4 && row revoked 1 && row renewals 1 && row transactions 5 &&
		row requests 1 && row pending 1 && row revision 1 &&
		grep -qE '^crls +[1-9][0-9]* +[1-9]' "$T/migrate.out" && ! grep -q DIFFERS "$T/migrate.out"
}
check "scepd store migrate --from sqlite:... --to postgresql://...: counts printed, equal" migrate_ok
check "in PostgreSQL: 4 certificates, 1 pending request" \
	eval '[ "$(pg_psql "SELECT count(*) FROM certs")" = 4 ] && [ "$(pg_psql "SELECT count(*) FROM requests WHERE status = 3")" = 1 ]'
check "again: refused, the target is not empty (exit 1)" \
	eval '! "$SCEPD" store migrate --from "sqlite:$D/scepd.db" --to "$PG_URL" >/dev/null 2>"$T/again.err" &&
		grep -q "not empty" "$T/again.err"'
check "bad arguments: exit 2" \
	eval '"$SCEPD" store migrate --from "$D/scepd.db" --to "$PG_URL" 2>/dev/null; [ $? -eq 2 ]'

# The node moves to PostgreSQL.
sed -i '/^store: {/,/^};/d' "$D/scepd.conf"
echo "store: { backend = \"postgresql\"; url = \"$PG_URL\"; connections = 2; };" >>"$D/scepd.conf"
mv "$D/scepd.db" "$D/scepd.db.old"
scepd_start "$D"
BASE=${URL%/scep}
check "scepd cert list on PostgreSQL: the same lines" eval '"$SCEPD" cert list -d "$D" | sort | cmp -s - "$T/before"'
check "b still revoked: CRL" eval 'curl -s -o "$T/crl.der" "$BASE/crl" &&
	openssl crl -inform DER -in "$T/crl.der" -noout -text | grep -ci "Serial Number: $B" >/dev/null'
check "b still revoked: OCSP" eval 'openssl ocsp -issuer "$CA" -CAfile "$CA" -cert "$T/b.crt" \
	-url "$BASE/ocsp" -timeout 10 2>&1 | grep -q ": revoked"'
poll() {
	enroll "$1" "$2" --type 20 --no-challenge --key "$T/p.key" --subject /CN=p --txid txn-p
}
check "CertPoll for the migrated request: PENDING" poll p-poll1 status=PENDING
check "scepd request approve (its id kept)" \
	eval '"$SCEPD" request approve "$("$SCEPD" request list -d "$D" | cut -f1)" -d "$D" >/dev/null'
check "CertPoll: SUCCESS" poll p-poll2 status=SUCCESS
check "a new enrolment on PostgreSQL: PENDING, request id 2 (after the migrated 1)" \
	eval 'enroll d status=PENDING --txid txn-d &&
		[ "$("$SCEPD" request list -d "$D" | awk -F"\t" '"'"'$2 == "txn-d" { print $1 }'"'"')" = 2 ]'
finish
