#!/usr/bin/env bash
# tests/integration/store_wal.sh: store.wal_limit bounds SQLite's
# write-ahead log (issue #15, item 5).  Each enrollment adds ~24 KiB to
# the WAL; with a 64 KiB limit, 60 enrollments (~1.4 MiB written) must
# leave the WAL file within the limit plus the transactions written while
# a checkpoint runs, and the store intact.  Without the limit SQLite keeps
# the WAL at the largest size it reached, ~4 MiB.
# Environment: SCEPD, SCEPBENCH (the benchmark client, which enrolls).
: "${SCEPBENCH:?SCEPBENCH must name the scepbench binary}"
. "$(dirname "$0")/lib.sh"

scepd_init "$T/d"
sed -i 's/^store: {/store: {\n  wal_limit = 64;/' "$T/d/scepd.conf"
check "wal_limit is in the config" grep -q "wal_limit = 64" "$T/d/scepd.conf"
scepd_start "$T/d"

# The largest the WAL file gets while the devices enroll.
( max=0
  while kill -0 "$SCEPD_PID" 2>/dev/null; do
	s=$(stat -c %s "$T/d/scepd.db-wal" 2>/dev/null || echo 0)
	if [ "$s" -gt "$max" ]; then max=$s; echo "$max" >"$T/walmax"; fi
	sleep 0.01
  done ) &
watcher=$!

check "60 enrollments at c=4, all verified" \
    "$SCEPBENCH" run --url "$URL" --cacert "$T/d/ca.pem" -n 60 -c 4 \
    --keys 2 --challenge "${CHALLENGE:-s3cret}" --duration 0 --strict
check "60 certificates stored" \
    test "$("$SCEPD" cert list -d "$T/d" | wc -l)" -ge 60
walmax=$(cat "$T/walmax" 2>/dev/null || echo 0)
echo "# WAL high-water mark: $walmax bytes"
# 64 KiB, and up to ~8 enrollments (4 writers) appended past it while the
# checkpoint that cuts it back runs: far below the 1.4 MiB written.
check "the WAL stayed near 64 KiB (max $walmax bytes)" \
    test "$walmax" -le $((512 * 1024))
scepd_stop
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
check "the store passes integrity_check" \
    test "$(sqlite3 "$T/d/scepd.db" 'PRAGMA integrity_check')" = ok
finish
