#!/usr/bin/env bash
# bench/fillstore.sh DB N: add N synthetic issued certificates, each with
# its transaction, to the SQLite store DB of a stopped scepd, in one
# transaction (about 20 s a million here), then flushes it to disk.  For the benchmark's big-store
# case only: the rows have random serials, transactionIDs and key ids like
# real ones, but their "der" is random bytes of a certificate's size.
# It names the columns it fills, so a schema change that it does not
# follow makes it fail instead of filling the wrong thing.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 DB N" >&2; exit 2; }
db=$1
n=$2
case $n in '' | *[!0-9]*) echo "$0: N must be a number" >&2; exit 2 ;; esac
[ -f "$db" ] || { echo "$0: $db: no such store (scepd init makes one)" >&2; exit 1; }

# No journal and no syncs while filling: a crash leaves a throwaway store
# to delete, and scepd sets WAL and synchronous=FULL again when it opens.
sqlite3 "$db" >/dev/null <<EOF
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-262144;
BEGIN;
CREATE TEMP TABLE fill AS
  WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
  SELECT i, upper(hex(randomblob(16))) AS serial,
      upper(hex(randomblob(16))) AS txid, unixepoch() AS now
  FROM seq;
INSERT INTO certs (serial, subject, not_before, not_after, status, issued_at,
    txid, profile, peer, der)
  SELECT serial, 'CN=fill ' || i, now - 300, now + 365 * 86400, 0, now, txid,
      'default', '127.0.0.1', randomblob(1000)
  FROM fill;
INSERT INTO txns (txid, signer_kid, csr_kid, status, serial, created_at)
  SELECT txid, randomblob(32), randomblob(32), 0, serial, now FROM fill;
DROP TABLE fill;
COMMIT;
PRAGMA journal_mode=WAL;
EOF
# On disk before the measurement starts: otherwise scepd's first checkpoint
# pays for flushing the whole fill (about a second here).
sync "$db"
