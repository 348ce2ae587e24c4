/*	SPDX-License-Identifier: ISC */
/*
 * store_sqlite.c: the embedded SQLite backend of struct store_ops.
 * WAL journal, synchronous=FULL (a certificate is on disk before its
 * CertRep leaves), a busy timeout, versioned migrations kept in
 * PRAGMA user_version, and a pool of connections each with its prepared
 * statements, so worker threads never share a connection.
 * Only store.c calls this file.  Its SQL is here, but for the column
 * lists it shares with the other backend (store_cols.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_cols.h"
#include "store_query.h"

/* Certificates the text index takes at once (schema 6). */
#define SQ_TEXT_BATCH	"256"

/* Schema migrations: entry i takes user_version i to i + 1. */
static const char *const sq_migrations[] = {
	/* 1: certificates and the transactions that produced them */
	"CREATE TABLE certs ("
	"  serial TEXT NOT NULL UNIQUE,"
	"  subject TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  status INTEGER NOT NULL DEFAULT 0,"
	"  issued_at INTEGER NOT NULL,"
	"  txid TEXT NOT NULL,"
	"  profile TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  der BLOB NOT NULL);"
	"CREATE INDEX certs_subject ON certs(subject);"
	"CREATE INDEX certs_not_after ON certs(not_after);"
	"CREATE TABLE txns ("
	"  txid TEXT NOT NULL,"
	"  signer_kid BLOB NOT NULL,"
	"  csr_kid BLOB NOT NULL,"
	"  serial TEXT NOT NULL REFERENCES certs(serial),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (txid, signer_kid));",
	/* 2: lifecycle: revocation, renewal links, pending requests, CRLs */
	"ALTER TABLE certs ADD COLUMN revoked_at INTEGER;"
	"ALTER TABLE certs ADD COLUMN revoke_reason INTEGER;"
	"ALTER TABLE certs ADD COLUMN renewed_from TEXT;"
	"CREATE INDEX certs_status ON certs(status);"
	"CREATE TABLE requests ("
	"  id INTEGER PRIMARY KEY,"
	"  txid TEXT NOT NULL,"
	"  signer_kid BLOB NOT NULL,"
	"  csr_kid BLOB NOT NULL,"
	"  csr BLOB NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  profile TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  serial TEXT REFERENCES certs(serial),"
	"  decided_at INTEGER,"
	"  reason TEXT);"
	"CREATE TABLE txns_v2 ("
	"  txid TEXT NOT NULL,"
	"  signer_kid BLOB NOT NULL,"
	"  csr_kid BLOB NOT NULL,"
	"  status INTEGER NOT NULL DEFAULT 0,"
	"  serial TEXT REFERENCES certs(serial),"
	"  request_id INTEGER REFERENCES requests(id),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (txid, signer_kid));"
	"INSERT INTO txns_v2 (txid, signer_kid, csr_kid, status, serial,"
	"  created_at) SELECT txid, signer_kid, csr_kid, 0, serial, created_at"
	"  FROM txns;"
	"DROP TABLE txns;"
	"ALTER TABLE txns_v2 RENAME TO txns;"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('revision', 0);"
	"CREATE TABLE crls ("
	"  number INTEGER PRIMARY KEY,"
	"  revision INTEGER NOT NULL,"
	"  this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL,"
	"  der BLOB NOT NULL);",
	/* 3: several CAs (certificates and CRLs per CA), one-time challenges */
	"ALTER TABLE certs ADD COLUMN ca TEXT NOT NULL DEFAULT '"
	    STORE_CA_DEFAULT "';"
	"CREATE INDEX certs_ca_subject ON certs(ca, subject);"
	"CREATE TABLE crls_v3 ("
	"  ca TEXT NOT NULL,"
	"  number INTEGER NOT NULL,"
	"  revision INTEGER NOT NULL,"
	"  this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  PRIMARY KEY (ca, number));"
	"INSERT INTO crls_v3 SELECT '" STORE_CA_DEFAULT "', number, revision, "
	"this_update,"
	"  next_update, der FROM crls;"
	"DROP TABLE crls;"
	"ALTER TABLE crls_v3 RENAME TO crls;"
	"CREATE TABLE challenges ("
	"  hash BLOB PRIMARY KEY,"
	"  profile TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER,"
	"  subject TEXT NOT NULL DEFAULT '');",
	/*
	 * 4: indexes for the queries scepd makes, and no others: approving
	 * a request finds its transaction by request_id (a full scan of a
	 * big store before); every query by subject also names the CA, and
	 * none is by not_after, so each issuance maintains two B-trees fewer.
	 */
	"CREATE INDEX txns_request ON txns(request_id);"
	"DROP INDEX certs_subject;"
	"DROP INDEX certs_not_after;",
	/*
	 * 5: partial indexes for the rows that are looked for.  Only
	 * revoked certificates are listed by status (CRLs, counts) and only
	 * the transactions of pending requests have a request_id, so an
	 * issuance adds to neither index.  With a million certificates the
	 * two full indexes cost 5-10% of an enrollment (issue #6).
	 */
	"DROP INDEX certs_status;"
	"CREATE INDEX certs_revoked ON certs(ca) WHERE status = 1;"
	"DROP INDEX txns_request;"
	"CREATE INDEX txns_request ON txns(request_id) "
	"  WHERE request_id IS NOT NULL;",
	/*
	 * 6: what /metrics counts (issue #11): certificates by CA and
	 * status, expiring ones by notAfter, read from this index alone
	 * (a covering scan, no table row is visited; the expiring counts
	 * are its ranges).  One B-tree more per issuance: measured in
	 * docs/performance.md's way, see the commit that added it.
	 */
	"CREATE INDEX certs_expiry ON certs(ca, status, not_after);",
	/*
	 * 7: the admin layer (issue #11): API tokens (their hashes), the
	 * hash-chained audit log with its head row, and the transaction
	 * log with an index per column the API filters on by equality
	 * (keyset pages by id) and one on time for ranges and pruning.
	 */
	"CREATE TABLE tokens ("
	"  name TEXT PRIMARY KEY,"
	"  hash BLOB NOT NULL UNIQUE,"
	"  role TEXT NOT NULL,"
	"  profiles TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL DEFAULT 0,"
	"  revoked_at INTEGER NOT NULL DEFAULT 0,"
	"  cert BLOB);"
	"CREATE INDEX tokens_cert ON tokens(cert) WHERE cert IS NOT NULL;"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  details TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL);"
	"CREATE INDEX audit_at ON audit(at);"
	"CREATE INDEX audit_actor ON audit(actor, seq);"
	"CREATE INDEX audit_action ON audit(action, seq);"
	"CREATE TABLE audit_head ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq INTEGER NOT NULL,"
	"  hash BLOB NOT NULL);"
	"INSERT INTO audit_head VALUES (1, 0, zeroblob(32));"
	"CREATE TABLE txlog ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  profile TEXT NOT NULL,"
	"  txid TEXT NOT NULL,"
	"  msgtype TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  fail_info TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  serial TEXT NOT NULL,"
	"  http INTEGER NOT NULL,"
	"  duration_ms INTEGER NOT NULL);"
	"CREATE INDEX txlog_at ON txlog(at);"
	"CREATE INDEX txlog_txid ON txlog(txid);"
	"CREATE INDEX txlog_peer ON txlog(peer, id);"
	"CREATE INDEX txlog_profile ON txlog(profile, id);"
	"CREATE INDEX requests_decided ON requests(decided_at) "
	"  WHERE decided_at IS NOT NULL;",
	/* 8: leases of periodic jobs among nodes (issue #16) */
	"CREATE TABLE leases ("
	"  name TEXT PRIMARY KEY,"
	"  holder TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL);",
	/*
	 * 9: the admin API's certificate search (issue #11).  SANs as text,
	 * written at issue time (rows stored before have none: SQL cannot
	 * decode DER).  One index per exact filter, so that a rare value
	 * never scans a million rows; each index also ends in the rowid,
	 * so "newest first after a cursor" walks it backwards.  Subject
	 * and SAN text go to a contentless FTS5 trigram table (substring
	 * search), filled by a trigger every 256th certificate with the
	 * rows since meta.text_rowid: FTS5 writes a segment per
	 * transaction, which one row at a time cost each issuance 65 us
	 * (4 % of an enrollment), 256 at a time 10 us.  Searches read the
	 * few rows above text_rowid directly (sq_cert_text()).
	 * Certificates are never updated in those columns nor deleted.  A
	 * VACUUM could renumber the rowids it is keyed by; scepd never
	 * runs one.
	 */
	"ALTER TABLE certs ADD COLUMN sans TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX certs_not_after ON certs(not_after);"
	"CREATE INDEX certs_issued ON certs(issued_at);"
	"CREATE INDEX certs_profile ON certs(profile);"
	"CREATE INDEX certs_peer ON certs(peer);"
	"CREATE INDEX certs_renewed ON certs(renewed_from) "
	"  WHERE renewed_from IS NOT NULL;"
	"CREATE VIRTUAL TABLE certs_text USING fts5(tsubject, tsans, "
	"  content='', tokenize='trigram');"
	"INSERT INTO certs_text (rowid, tsubject, tsans) "
	"  SELECT rowid, subject, sans FROM certs;"
	"INSERT INTO meta (key, value) VALUES ('text_rowid', "
	"  (SELECT coalesce(max(rowid), 0) FROM certs));"
	"CREATE TRIGGER certs_text_add AFTER INSERT ON certs "
	"  WHEN new.rowid % " SQ_TEXT_BATCH " = 0 BEGIN "
	"  INSERT INTO certs_text (rowid, tsubject, tsans) "
	"  SELECT rowid, subject, sans FROM certs WHERE rowid > "
	"  (SELECT value FROM meta WHERE key = 'text_rowid') "
	"  AND rowid <= new.rowid;"
	"  UPDATE meta SET value = new.rowid WHERE key = 'text_rowid'; END;",
};
#define SQ_SCHEMA_VERSION \
	((int)(sizeof(sq_migrations) / sizeof(sq_migrations[0])))

/* How many old CRLs are kept beside the newest. */
#define SQ_CRL_KEEP	16

enum sq_stmt {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_CERT_INSERT,
	SQ_TXN_INSERT,
	SQ_TXN_RENEW,
	SQ_TXN_GET,
	SQ_TXN_PENDING_OTHER,
	SQ_CERT_GET,
	SQ_CERT_LIST,
	SQ_CERT_STATUS,
	SQ_CERT_REVOKE,
	SQ_REVOKED_LIST,
	SQ_REV_BUMP,
	SQ_REV_GET,
	SQ_REQ_INSERT,
	SQ_REQ_GET,
	SQ_REQ_LIST,
	SQ_REQ_ISSUE,
	SQ_REQ_REJECT,
	SQ_TXN_DECIDE,
	SQ_CRL_LATEST,
	SQ_CRL_INSERT,
	SQ_CRL_PRUNE,
	SQ_TXN_LIST,
	SQ_CRL_LIST,
	SQ_COUNTS,
	SQ_REV_SET,
	SQ_CHAL_INSERT,
	SQ_CHAL_GET,
	SQ_CHAL_USE,
	SQ_CHAL_LIST,
	SQ_CERT_COUNT,
	SQ_METRICS_CERTS,
	SQ_METRICS_PENDING,
	SQ_CHAL_REVOKE,
	SQ_TOKEN_INSERT,
	SQ_TOKEN_REVOKE,
	SQ_TOKEN_BY_HASH,
	SQ_TOKEN_BY_CERT,
	SQ_TOKEN_LIST,
	SQ_AUDIT_HEAD,
	SQ_AUDIT_INSERT,
	SQ_AUDIT_HEAD_SET,
	SQ_AUDIT_ALL,
	SQ_TXLOG_INSERT,
	SQ_TXLOG_PRUNE,
	SQ_STATS,
	SQ_SYNC_NORMAL,
	SQ_SYNC_FULL,
	SQ__MAX
};

static const char *const sq_sql[SQ__MAX] = {
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_CERT_INSERT] = "INSERT INTO certs (serial, subject, not_before, "
	    "not_after, status, issued_at, txid, profile, peer, der, "
	    "renewed_from, revoked_at, revoke_reason, ca, sans) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[SQ_TXN_INSERT] = "INSERT INTO txns (txid, signer_kid, csr_kid, "
	    "status, serial, request_id, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* An upsert that only moves a transaction on from "replaces". */
	[SQ_TXN_RENEW] = "INSERT INTO txns (txid, signer_kid, csr_kid, "
	    "status, serial, request_id, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (txid, signer_kid) DO UPDATE SET "
	    "csr_kid = excluded.csr_kid, status = excluded.status, "
	    "serial = excluded.serial, request_id = excluded.request_id, "
	    "created_at = excluded.created_at WHERE txns.serial = ?8",
	[SQ_TXN_GET] = "SELECT " STORE_TXN_COLNAMES " FROM txns "
	    "WHERE txid = ?1 AND signer_kid = ?2",
	/* 3: STORE_TXN_PENDING; the primary key (txid, signer_kid) serves it */
	[SQ_TXN_PENDING_OTHER] = "SELECT count(*) FROM txns "
	    "WHERE txid = ?1 AND signer_kid <> ?2 AND status = 3",
	[SQ_CERT_GET] = "SELECT " STORE_CERT_COLNAMES " FROM certs "
	    "WHERE serial = ?1",
	[SQ_CERT_LIST] = "SELECT " STORE_CERT_COLNAMES " FROM certs "
	    "ORDER BY rowid",
	[SQ_CERT_STATUS] = "SELECT " STORE_STATUS_COLNAMES " FROM certs "
	    "WHERE serial = ?1",
	[SQ_CERT_REVOKE] = "UPDATE certs SET status = 1, revoked_at = ?2, "
	    "revoke_reason = ?3 WHERE serial = ?1 AND status = 0",
	[SQ_REVOKED_LIST] = "SELECT " STORE_CERT_COLNAMES " FROM certs "
	    "WHERE status = 1 AND ca = ?1 ORDER BY rowid",
	[SQ_REV_BUMP] = "UPDATE meta SET value = value + 1 "
	    "WHERE key = 'revision'",
	[SQ_REV_GET] = "SELECT value FROM meta WHERE key = 'revision'",
	[SQ_REQ_INSERT] = "INSERT INTO requests (txid, signer_kid, csr_kid, "
	    "csr, subject, profile, peer, created_at, expires_at, status, id, "
	    "serial, decided_at, reason) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14)",
	[SQ_REQ_GET] = "SELECT " STORE_REQ_COLNAMES " FROM requests "
	    "WHERE id = ?1",
	[SQ_REQ_LIST] = "SELECT " STORE_REQ_COLNAMES " FROM requests "
	    "ORDER BY id DESC",
	[SQ_REQ_ISSUE] = "UPDATE requests SET status = 0, serial = ?2, "
	    "decided_at = ?3 WHERE id = ?1 AND status = 3 AND expires_at > ?3",
	[SQ_REQ_REJECT] = "UPDATE requests SET status = 2, reason = ?2, "
	    "decided_at = ?3 WHERE id = ?1 AND status = 3",
	[SQ_TXN_DECIDE] = "UPDATE txns SET status = ?2, serial = ?3 "
	    "WHERE request_id = ?1",
	[SQ_CRL_LATEST] = "SELECT " STORE_CRL_COLNAMES " FROM crls "
	    "WHERE ca = ?1 ORDER BY number DESC LIMIT 1",
	[SQ_CRL_INSERT] = "INSERT INTO crls (number, revision, this_update, "
	    "next_update, der, ca) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQ_CRL_PRUNE] = "DELETE FROM crls WHERE number < ?1 AND ca = ?2",
	[SQ_TXN_LIST] = "SELECT " STORE_TXN_COLNAMES " FROM txns "
	    "ORDER BY rowid",
	[SQ_CRL_LIST] = "SELECT " STORE_CRL_COLNAMES " FROM crls "
	    "ORDER BY ca, number",
	[SQ_COUNTS] = "SELECT " STORE_COUNTS_COLNAMES,
	[SQ_REV_SET] = "UPDATE meta SET value = ?1 WHERE key = 'revision'",
	[SQ_CHAL_INSERT] = "INSERT INTO challenges (" STORE_CHAL_COLNAMES ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQ_CHAL_GET] = "SELECT " STORE_CHAL_COLNAMES " FROM challenges "
	    "WHERE hash = ?1",
	/* The one statement that decides which request gets a challenge. */
	[SQ_CHAL_USE] = "UPDATE challenges SET used_at = ?2 WHERE hash = ?1 "
	    "AND used_at IS NULL AND expires_at > ?2",
	[SQ_CHAL_LIST] = "SELECT " STORE_CHAL_COLNAMES " FROM challenges "
	    "ORDER BY created_at DESC",
	[SQ_CERT_COUNT] = "SELECT count(*) FROM certs WHERE ca = ?1 AND "
	    "subject = ?2 AND status = 0 AND not_after > ?3",
	/* certs_expiry serves it alone, in its order. */
	[SQ_METRICS_CERTS] = "SELECT ca, status, count(*), "
	    "count(*) FILTER (WHERE not_after <= ?1), "
	    "count(*) FILTER (WHERE not_after > ?1 AND not_after <= ?1 + "
	    "604800), "
	    "count(*) FILTER (WHERE not_after > ?1 AND not_after <= ?1 + "
	    "2592000) FROM certs GROUP BY ca, status",
	/* 3: STORE_TXN_PENDING.  Requests are few: manual approval only. */
	[SQ_METRICS_PENDING] = "SELECT count(*) FROM requests "
	    "WHERE status = 3 AND expires_at > ?1",
	[SQ_CHAL_REVOKE] = "UPDATE challenges SET used_at = ?2, "
	    "expires_at = ?2 WHERE hash = ?1 AND used_at IS NULL AND "
	    "expires_at > ?2",
	[SQ_TOKEN_INSERT] = "INSERT INTO tokens (" STORE_TOKEN_COLNAMES ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[SQ_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = ?2 "
	    "WHERE name = ?1 AND revoked_at = 0",
	[SQ_TOKEN_BY_HASH] = "SELECT " STORE_TOKEN_COLNAMES " FROM tokens "
	    "WHERE hash = ?1",
	[SQ_TOKEN_BY_CERT] = "SELECT " STORE_TOKEN_COLNAMES " FROM tokens "
	    "WHERE cert = ?1 ORDER BY revoked_at <> 0, created_at DESC",
	[SQ_TOKEN_LIST] = "SELECT " STORE_TOKEN_COLNAMES " FROM tokens "
	    "ORDER BY name",
	[SQ_AUDIT_HEAD] = "SELECT seq, hash FROM audit_head WHERE id = 1",
	[SQ_AUDIT_INSERT] = "INSERT INTO audit (" STORE_AUDIT_COLNAMES ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SQ_AUDIT_HEAD_SET] = "UPDATE audit_head SET seq = ?1, hash = ?2 "
	    "WHERE id = 1",
	[SQ_AUDIT_ALL] = "SELECT " STORE_AUDIT_COLNAMES " FROM audit "
	    "ORDER BY seq",
	[SQ_TXLOG_INSERT] = "INSERT INTO txlog (" STORE_TXLOG_INSERT_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	/* Oldest first by the time index, a batch at a time. */
	[SQ_TXLOG_PRUNE] = "DELETE FROM txlog WHERE id IN (SELECT id FROM "
	    "txlog WHERE at < ?1 ORDER BY at LIMIT ?2)",
	[SQ_STATS] = STORE_STATS_SQL("?1"),
	/*
	 * A transaction log row is diagnostics, not a certificate: its
	 * commit does not wait for the disk (WAL, synchronous=NORMAL: the
	 * next FULL commit or checkpoint syncs it), which spares every
	 * enrollment a second fsync.
	 */
	[SQ_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[SQ_SYNC_FULL] = "PRAGMA synchronous=FULL",
};

struct sq_conn {
	sqlite3		*db;
	sqlite3_stmt	*stmt[SQ__MAX];
	pthread_mutex_t	*wmu;		/* the store's writer lock */
	int		 writing;	/* holds it: BEGIN until sq_put() */
};

struct sq {
	pthread_mutex_t	 mu;
	pthread_mutex_t	 wmu;		/* one writer at a time, sq_exec() */
	pthread_cond_t	 cv;
	struct sq_conn	*conns;
	int		*idle;		/* stack of idle connection indexes */
	int		 nidle;
	int		 nconns;
	char		*path;
};

static void
sq_conn_close(struct sq_conn *c)
{
	int i;

	for (i = 0; i < SQ__MAX; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close_v2(c->db);
	memset(c, 0, sizeof(*c));
}

/* Bring the schema to SQ_SCHEMA_VERSION, one transaction a step. */
static int
sq_migrate(sqlite3 *db, const char *path)
{
	sqlite3_stmt	*st = NULL;
	char		*err = NULL, *sql = NULL;
	int		 v;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		log_warnx("%s: %s", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v > SQ_SCHEMA_VERSION) {
		log_warnx("%s: schema version %d is newer than this scepd "
		    "(%d)", path, v, SQ_SCHEMA_VERSION);
		return -1;
	}
	for (; v < SQ_SCHEMA_VERSION; v++) {
		if (asprintf(&sql, "BEGIN IMMEDIATE; %s; PRAGMA user_version "
		    "= %d; COMMIT;", sq_migrations[v], v + 1) == -1)
			return -1;
		if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
			log_warnx("%s: migration to version %d: %s", path,
			    v + 1, err);
			sqlite3_free(err);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			free(sql);
			return -1;
		}
		free(sql);
		log_info("%s: store schema now at version %d", path, v + 1);
	}
	return 0;
}

/*
 * Keep the write-ahead log near "kib": a checkpoint starts once it holds
 * that much (SQLite's default is 1,000 pages, ~4 MiB), and the file is
 * cut back to that size after a checkpoint resets it, instead of keeping
 * the largest size it ever reached.  Each enrollment adds ~24 KiB to it.
 */
static int
sq_wal_bound(sqlite3 *db, const char *path, int kib)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[96];
	long long	 pagesz = 4096;
	int		 rc = -1;

	if (kib <= 0)
		kib = CONF_WAL_KIB_DEFAULT;
	if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		pagesz = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (pagesz <= 0)
		pagesz = 4096;
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit=%lld",
	    (long long)kib * 1024);
	if (sqlite3_wal_autocheckpoint(db, (int)((long long)kib * 1024 /
	    pagesz)) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL,
	    NULL) == SQLITE_OK)
		rc = 0;
	else
		log_warnx("%s: WAL limit: %s", path, sqlite3_errmsg(db));
	return rc;
}

static int
sq_conn_open(struct sq_conn *c, const char *path, int create, int first,
    int wal_kib)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int i;

	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", path, c->db ? sqlite3_errmsg(c->db) :
		    "cannot open");
		return -1;
	}
	sqlite3_busy_timeout(c->db, 10000);
	sqlite3_extended_result_codes(c->db, 1);
	if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
	    NULL) != SQLITE_OK) {
		log_warnx("%s: %s", path, sqlite3_errmsg(c->db));
		return -1;
	}
	if (sq_wal_bound(c->db, path, wal_kib) == -1)
		return -1;
	if (first && sq_migrate(c->db, path) == -1)
		return -1;
	for (i = 0; i < SQ__MAX; i++)
		if (sqlite3_prepare_v3(c->db, sq_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->stmt[i], NULL) !=
		    SQLITE_OK) {
			log_warnx("%s: prepare: %s", path,
			    sqlite3_errmsg(c->db));
			return -1;
		}
	return 0;
}

static void sq_close(void *);

static void *
sq_open(const struct conf_store *cs, int create)
{
	struct sq	*s;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_mutex_init(&s->wmu, NULL);
	s->nconns = cs->conns > 0 ? cs->conns : 8;
	if ((s->path = strdup(cs->path)) == NULL ||
	    (s->conns = calloc((size_t)s->nconns, sizeof(*s->conns))) ==
	    NULL || (s->idle = calloc((size_t)s->nconns, sizeof(int))) ==
	    NULL) {
		log_warn("sqlite open");
		sq_close(s);
		return NULL;
	}
	for (i = 0; i < s->nconns; i++) {
		if (sq_conn_open(&s->conns[i], s->path, create, i == 0,
		    cs->wal_kib) == -1) {
			sq_close(s);
			return NULL;
		}
		s->conns[i].wmu = &s->wmu;
		s->idle[s->nidle++] = i;
	}
	return s;
}

static void
sq_close(void *arg)
{
	struct sq	*s = arg;
	int		 i;

	if (s == NULL)
		return;
	for (i = 0; s->conns != NULL && i < s->nconns; i++)
		sq_conn_close(&s->conns[i]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->wmu);
	free(s->conns);
	free(s->idle);
	free(s->path);
	free(s);
}

static struct sq_conn *
sq_get(struct sq *s)
{
	struct sq_conn *c;

	pthread_mutex_lock(&s->mu);
	while (s->nidle == 0)
		pthread_cond_wait(&s->cv, &s->mu);
	c = &s->conns[s->idle[--s->nidle]];
	pthread_mutex_unlock(&s->mu);
	return c;
}

static void
sq_put(struct sq *s, struct sq_conn *c)
{
	int i;

	for (i = 0; i < SQ__MAX; i++)
		sqlite3_reset(c->stmt[i]);
	if (c->writing) {
		c->writing = 0;
		pthread_mutex_unlock(c->wmu);
	}
	pthread_mutex_lock(&s->mu);
	s->idle[s->nidle++] = (int)(c - s->conns);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Run a statement that returns no rows; the SQLite result code. */
static int
sq_exec(struct sq_conn *c, enum sq_stmt which)
{
	int rc;

	/*
	 * Writers of this process queue on a mutex, held until the
	 * connection goes back to the pool.  Left to SQLite, a writer that
	 * finds the database locked polls in its busy handler, sleeping 1
	 * to 100 ms between tries: under concurrent enrollments the worker
	 * threads slept more than they worked (issue #6).  The busy
	 * timeout still covers other processes (scepd cert, scepd ca).
	 */
	if (which == SQ_BEGIN && !c->writing) {
		pthread_mutex_lock(c->wmu);
		c->writing = 1;
	}
	rc = sqlite3_step(c->stmt[which]);
	sqlite3_reset(c->stmt[which]);
	return rc;
}

static void
sq_col_text(sqlite3_stmt *st, int i, char *buf, size_t sz)
{
	const unsigned char *p = sqlite3_column_text(st, i);

	snprintf(buf, sz, "%s", p == NULL ? "" : (const char *)p);
}

/* A BLOB column of exactly STORE_KID_LEN bytes into "out"; -1 otherwise. */
static int
sq_col_kid(sqlite3_stmt *st, int i, unsigned char *out)
{
	const void *p = sqlite3_column_blob(st, i);

	if (p == NULL || sqlite3_column_bytes(st, i) != STORE_KID_LEN)
		return -1;
	memcpy(out, p, STORE_KID_LEN);
	return 0;
}

/* A BLOB column into a malloc'd copy; empty or NULL is an error. */
static int
sq_col_blob(sqlite3_stmt *st, int i, unsigned char **out, size_t *outsz)
{
	const void	*p = sqlite3_column_blob(st, i);
	int		 n = sqlite3_column_bytes(st, i);

	if (p == NULL || n <= 0 || (*out = malloc((size_t)n)) == NULL)
		return -1;
	memcpy(*out, p, (size_t)n);
	*outsz = (size_t)n;
	return 0;
}

static char *
sq_col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *p = sqlite3_column_text(st, i);

	return strdup(p == NULL ? "" : (const char *)p);
}

/* A CRLReason column: NULL is -1 (none). */
static int
sq_col_reason(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, i);
}

/*
 * Reads the current row into a record, indexing it by the record's
 * column enum (store_cols.h); on -1 the record owns nothing.
 */
typedef int (*sq_read_fn)(sqlite3_stmt *, void *);

/*
 * The one way rows are read: step statement "which" of "c", its
 * parameters bound, and "fill" a record from each row.  With "cb" NULL
 * this is a lookup: the first row is read into "rec", which the caller
 * then owns, and *found says whether there was one.  Otherwise each
 * row is read into a record of the walk's own and handed on by
 * store_cb_give(), until there are no more or the callback returns -1.
 * The statement is reset but the connection kept, so that writes can
 * look inside their transaction.  0 or -1 (logged, unless the callback
 * stopped the walk).
 */
static int
sq_walk_stmt(struct sq *s, struct sq_conn *c, sqlite3_stmt *st,
    sq_read_fn fill, void *rec, const struct store_cb *cb, int *found)
{
	union store_row	 row;
	int		 rc, ret = -1;

	if (cb != NULL)
		rec = &row;
	else
		*found = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fill(st, rec) == -1) {
			log_warnx("%s: %s: unusable row", s->path,
			    sqlite3_sql(st));
			goto out;
		}
		if (cb == NULL) {
			*found = 1;
			ret = 0;
			goto out;
		}
		if (store_cb_give(cb, &row) == -1)
			goto out;
	}
	if (rc == SQLITE_DONE)
		ret = 0;
	else
		log_warnx("%s: %s: %s", s->path, sqlite3_sql(st),
		    sqlite3_errmsg(c->db));
 out:
	sqlite3_reset(st);
	return ret;
}

/* sq_walk_stmt() of prepared statement "which" of "c". */
static int
sq_walk(struct sq *s, struct sq_conn *c, enum sq_stmt which,
    sq_read_fn fill, void *rec, const struct store_cb *cb, int *found)
{
	return sq_walk_stmt(s, c, c->stmt[which], fill, rec, cb, found);
}

/* sq_walk() a lookup on "c", checked out for it; then give "c" back. */
static int
sq_lookup(struct sq *s, struct sq_conn *c, enum sq_stmt which,
    sq_read_fn fill, void *rec, int *found)
{
	int ret = sq_walk(s, c, which, fill, rec, NULL, found);

	sq_put(s, c);
	return ret;
}

/* sq_walk() a list on "c", checked out for it; then give "c" back. */
static int
sq_list(struct sq *s, struct sq_conn *c, enum sq_stmt which,
    sq_read_fn fill, const struct store_cb *cb)
{
	int ret = sq_walk(s, c, which, fill, NULL, cb, NULL);

	sq_put(s, c);
	return ret;
}

/* A row of one integer: a count, the revision. */
static int
sq_int_row(sqlite3_stmt *st, void *arg)
{
	*(int64_t *)arg = sqlite3_column_int64(st, 0);
	return 0;
}

/* A UNIQUE or PRIMARY KEY violation, as opposed to a real failure. */
static int
sq_is_dup(int rc)
{
	return rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static int
sq_bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int
sq_bind_opt_id(sqlite3_stmt *st, int i, int64_t v)
{
	return v == 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, v);
}

/*
 * The revocation columns (?i, ?i + 1) of a certificate: NULL unless it
 * is revoked, which only an imported one can be.
 */
static int
sq_bind_revocation(sqlite3_stmt *st, int i, const struct store_cert *r)
{
	if (r->status != STORE_CERT_REVOKED)
		return sqlite3_bind_null(st, i) | sqlite3_bind_null(st, i + 1);
	return sqlite3_bind_int64(st, i, r->revoked_at) |
	    (r->revoke_reason < 0 ? sqlite3_bind_null(st, i + 1) :
	    sqlite3_bind_int(st, i + 1, r->revoke_reason));
}

/* Insert a certificate: SQLITE_DONE, a constraint code, or an error. */
static int
sq_cert_insert(struct sq_conn *c, const struct store_cert *r)
{
	sqlite3_stmt *st = c->stmt[SQ_CERT_INSERT];

	if ((sqlite3_bind_text(st, 1, r->serial, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 2, r->subject, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 3, r->not_before) |
	    sqlite3_bind_int64(st, 4, r->not_after) |
	    sqlite3_bind_int(st, 5, r->status) |
	    sqlite3_bind_int64(st, 6, r->issued_at) |
	    sqlite3_bind_text(st, 7, r->txid, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 8, r->profile, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 9, r->peer, -1, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 10, r->der, (int)r->dersz, SQLITE_STATIC) |
	    sq_bind_opt_text(st, 11, r->renewed_from) |
	    sq_bind_revocation(st, 12, r) |
	    sqlite3_bind_text(st, 14, store_ca_name(r->ca), -1,
	    SQLITE_STATIC) |
	    sqlite3_bind_text(st, 15, r->sans != NULL ? r->sans : "", -1,
	    SQLITE_STATIC)) != SQLITE_OK)
		return SQLITE_ERROR;
	return sq_exec(c, SQ_CERT_INSERT);
}

static int
sq_txn_insert(struct sq_conn *c, const struct store_txn *t, int64_t when)
{
	int renew = t->replaces[0] != '\0';
	sqlite3_stmt *st = c->stmt[renew ? SQ_TXN_RENEW : SQ_TXN_INSERT];
	int rc;

	if (renew && sqlite3_bind_text(st, 8, t->replaces, -1,
	    SQLITE_STATIC) != SQLITE_OK)
		return SQLITE_ERROR;
	if ((sqlite3_bind_text(st, 1, t->txid, -1, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 2, t->signer_kid, STORE_KID_LEN,
	    SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 3, t->csr_kid, STORE_KID_LEN,
	    SQLITE_STATIC) |
	    sqlite3_bind_int(st, 4, t->status) |
	    sq_bind_opt_text(st, 5, t->serial) |
	    sq_bind_opt_id(st, 6, t->request_id) |
	    sqlite3_bind_int64(st, 7, when)) != SQLITE_OK)
		return SQLITE_ERROR;
	rc = sq_exec(c, renew ? SQ_TXN_RENEW : SQ_TXN_INSERT);
	/* The row existed with another serial: the upsert did nothing. */
	if (renew && rc == SQLITE_DONE && sqlite3_changes(c->db) == 0)
		return SQLITE_CONSTRAINT_PRIMARYKEY;
	return rc;
}

/*
 * Finish a write transaction: commit when "ret" says so, else roll
 * back; give the connection back.  Logs real errors here (a lookup
 * inside the write, through sq_walk(), has said what it met as well).
 */
static enum store_put
sq_finish(struct sq *s, struct sq_conn *c, enum store_put ret,
    const char *what)
{
	if (ret == STORE_PUT_OK && sq_exec(c, SQ_COMMIT) != SQLITE_DONE)
		ret = STORE_PUT_ERROR;
	if (ret == STORE_PUT_ERROR)
		log_warnx("%s: %s: %s", s->path, what, sqlite3_errmsg(c->db));
	if (!sqlite3_get_autocommit(c->db))
		sq_exec(c, SQ_ROLLBACK);
	sq_put(s, c);
	return ret;
}

/* Map a step result inside a write: ok, duplicate as "dup", or error. */
static enum store_put
sq_step_put(int rc, enum store_put dup)
{
	if (rc == SQLITE_DONE)
		return STORE_PUT_OK;
	return sq_is_dup(rc) ? dup : STORE_PUT_ERROR;
}

static int
sq_audit_bind(sqlite3_stmt *st, const struct store_audit *e)
{
	return sqlite3_bind_int64(st, 1, e->seq) |
	    sqlite3_bind_int64(st, 2, e->at) |
	    sqlite3_bind_text(st, 3, e->actor, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 4, e->action, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 5, e->target, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 6, e->details, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 7, e->peer, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 8, e->outcome, -1, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 9, e->prev, STORE_KID_LEN, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 10, e->hash, STORE_KID_LEN, SQLITE_STATIC);
}

/* Insert entry "e" as it is and make it the chain head. */
static enum store_put
sq_audit_insert(struct sq_conn *c, const struct store_audit *e)
{
	sqlite3_stmt *h = c->stmt[SQ_AUDIT_HEAD_SET];

	if (sq_audit_bind(c->stmt[SQ_AUDIT_INSERT], e) != SQLITE_OK ||
	    sq_exec(c, SQ_AUDIT_INSERT) != SQLITE_DONE ||
	    (sqlite3_bind_int64(h, 1, e->seq) | sqlite3_bind_blob(h, 2,
	    e->hash, STORE_KID_LEN, SQLITE_STATIC)) != SQLITE_OK ||
	    sq_exec(c, SQ_AUDIT_HEAD_SET) != SQLITE_DONE)
		return STORE_PUT_ERROR;
	return STORE_PUT_OK;
}

/*
 * Append audit entry "a" (NULL: none) inside the write transaction of
 * "c": BEGIN IMMEDIATE made it the only writer, so the head it reads
 * stays the head until it commits.
 */
static enum store_put
sq_audit_add(struct sq_conn *c, const struct store_audit *a)
{
	sqlite3_stmt		*st = c->stmt[SQ_AUDIT_HEAD];
	struct store_audit	 e;
	const void		*p;

	if (a == NULL)
		return STORE_PUT_OK;
	e = *a;
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (p = sqlite3_column_blob(st, 1)) == NULL ||
	    sqlite3_column_bytes(st, 1) != STORE_KID_LEN) {
		sqlite3_reset(st);
		return STORE_PUT_ERROR;
	}
	e.seq = sqlite3_column_int64(st, 0) + 1;
	memcpy(e.prev, p, STORE_KID_LEN);
	sqlite3_reset(st);
	if (store_audit_hash(&e, e.hash) == -1)
		return STORE_PUT_ERROR;
	return sq_audit_insert(c, &e);
}

/* Audit "a" after a change that went well ("ret"), in its transaction. */
static enum store_put
sq_audited(struct sq_conn *c, enum store_put ret, const struct store_audit *a)
{
	return ret == STORE_PUT_OK ? sq_audit_add(c, a) : ret;
}

/*
 * Burn the transaction's one-time challenge, if it has one, inside the
 * write: STORE_PUT_CHALLENGE if another request did first, or it
 * expired, or it is unknown.
 */
static enum store_put
sq_challenge_use(struct sq_conn *c, const struct store_txn *t, int64_t when)
{
	sqlite3_stmt *st = c->stmt[SQ_CHAL_USE];

	if (!t->challenge_once)
		return STORE_PUT_OK;
	if ((sqlite3_bind_blob(st, 1, t->challenge, STORE_KID_LEN,
	    SQLITE_STATIC) | sqlite3_bind_int64(st, 2, when)) != SQLITE_OK ||
	    sq_exec(c, SQ_CHAL_USE) != SQLITE_DONE)
		return STORE_PUT_ERROR;
	return sqlite3_changes(c->db) == 1 ? STORE_PUT_OK :
	    STORE_PUT_CHALLENGE;
}

/*
 * certificate.max_active_per_subject inside the write: BEGIN IMMEDIATE
 * has made this connection the only writer, so the count holds until
 * commit.
 */
static enum store_put
sq_limit(struct sq *s, struct sq_conn *c, const struct store_cert *r,
    const struct store_txn *t)
{
	sqlite3_stmt	*st = c->stmt[SQ_CERT_COUNT];
	int64_t		 n;
	int		 found;

	if (t->max_active <= 0)
		return STORE_PUT_OK;
	if ((sqlite3_bind_text(st, 1, store_ca_name(r->ca), -1,
	    SQLITE_STATIC) | sqlite3_bind_text(st, 2, r->subject, -1,
	    SQLITE_STATIC) | sqlite3_bind_int64(st, 3, r->issued_at)) !=
	    SQLITE_OK ||
	    sq_walk(s, c, SQ_CERT_COUNT, sq_int_row, &n, NULL, &found) == -1 ||
	    !found)
		return STORE_PUT_ERROR;
	return n < t->max_active ? STORE_PUT_OK : STORE_PUT_LIMIT;
}

static enum store_put
sq_issue(void *arg, const struct store_cert *r, const struct store_txn *t)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum store_put	 ret = STORE_PUT_ERROR;
	struct store_txn tt = *t;

	tt.status = STORE_TXN_ISSUED;
	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    (ret = sq_challenge_use(c, t, r->issued_at)) == STORE_PUT_OK &&
	    (ret = sq_limit(s, c, r, t)) == STORE_PUT_OK &&
	    (ret = sq_step_put(sq_cert_insert(c, r), STORE_PUT_DUP_SERIAL)) ==
	    STORE_PUT_OK)
		ret = sq_step_put(sq_txn_insert(c, &tt, r->issued_at),
		    STORE_PUT_DUP_TXN);
	return sq_finish(s, c, ret, "issue");
}

static int
sq_txn_row(sqlite3_stmt *st, void *arg)
{
	struct store_txn *t = arg;

	memset(t, 0, sizeof(*t));
	sq_col_text(st, TXN_COL_SERIAL, t->serial, sizeof(t->serial));
	t->status = sqlite3_column_int(st, TXN_COL_STATUS);
	t->request_id = sqlite3_column_int64(st, TXN_COL_REQUEST_ID);
	t->created_at = sqlite3_column_int64(st, TXN_COL_CREATED_AT);
	sq_col_text(st, TXN_COL_TXID, t->txid, sizeof(t->txid));
	if (sq_col_kid(st, TXN_COL_SIGNER_KID, t->signer_kid) == -1)
		return -1;
	return sq_col_kid(st, TXN_COL_CSR_KID, t->csr_kid);
}

static int
sq_txn_get(void *arg, const char *txid, const unsigned char *signer_kid,
    struct store_txn *t, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_TXN_GET];

	memset(t, 0, sizeof(*t));
	snprintf(t->txid, sizeof(t->txid), "%s", txid);
	memcpy(t->signer_kid, signer_kid, STORE_KID_LEN);
	sqlite3_bind_text(st, 1, txid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, signer_kid, STORE_KID_LEN, SQLITE_STATIC);
	return sq_lookup(s, c, SQ_TXN_GET, sq_txn_row, t, found);
}

/* A row of STORE_CERT_COLNAMES into "r" (which then owns its copies). */
static int
sq_cert_row(sqlite3_stmt *st, void *arg)
{
	struct store_cert *r = arg;

	memset(r, 0, sizeof(*r));
	sq_col_text(st, CERT_COL_SERIAL, r->serial, sizeof(r->serial));
	r->not_before = sqlite3_column_int64(st, CERT_COL_NOT_BEFORE);
	r->not_after = sqlite3_column_int64(st, CERT_COL_NOT_AFTER);
	r->status = sqlite3_column_int(st, CERT_COL_STATUS);
	r->issued_at = sqlite3_column_int64(st, CERT_COL_ISSUED_AT);
	sq_col_text(st, CERT_COL_TXID, r->txid, sizeof(r->txid));
	sq_col_text(st, CERT_COL_PROFILE, r->profile, sizeof(r->profile));
	sq_col_text(st, CERT_COL_PEER, r->peer, sizeof(r->peer));
	r->revoked_at = sqlite3_column_int64(st, CERT_COL_REVOKED_AT);
	r->revoke_reason = sq_col_reason(st, CERT_COL_REVOKE_REASON);
	sq_col_text(st, CERT_COL_RENEWED_FROM, r->renewed_from,
	    sizeof(r->renewed_from));
	sq_col_text(st, CERT_COL_CA, r->ca, sizeof(r->ca));
	if ((r->subject = sq_col_strdup(st, CERT_COL_SUBJECT)) == NULL ||
	    (r->sans = sq_col_strdup(st, CERT_COL_SANS)) == NULL ||
	    sq_col_blob(st, CERT_COL_DER, &r->der, &r->dersz) == -1) {
		store_cert_clear(r);
		return -1;
	}
	return 0;
}

static int
sq_cert_get(void *arg, const char *serial, struct store_cert *r, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);

	sqlite3_bind_text(c->stmt[SQ_CERT_GET], 1, serial, -1, SQLITE_STATIC);
	return sq_lookup(s, c, SQ_CERT_GET, sq_cert_row, r, found);
}

static int
sq_cert_list(void *arg, store_cert_cb fn, void *fnarg)
{
	struct sq *s = arg;

	return sq_list(s, sq_get(s), SQ_CERT_LIST, sq_cert_row,
	    STORE_CB_CERT(fn, fnarg));
}

static int
sq_revoked_list(void *arg, const char *ca, store_cert_cb fn, void *fnarg)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);

	sqlite3_bind_text(c->stmt[SQ_REVOKED_LIST], 1, ca, -1, SQLITE_STATIC);
	return sq_list(s, c, SQ_REVOKED_LIST, sq_cert_row,
	    STORE_CB_CERT(fn, fnarg));
}

static int
sq_status_row(sqlite3_stmt *st, void *arg)
{
	struct store_status *ss = arg;

	ss->status = sqlite3_column_int(st, STATUS_COL_STATUS);
	ss->not_after = sqlite3_column_int64(st, STATUS_COL_NOT_AFTER);
	ss->revoked_at = sqlite3_column_int64(st, STATUS_COL_REVOKED_AT);
	ss->revoke_reason = sq_col_reason(st, STATUS_COL_REVOKE_REASON);
	sq_col_text(st, STATUS_COL_CA, ss->ca, sizeof(ss->ca));
	return 0;
}

static int
sq_cert_status(void *arg, const char *serial, struct store_status *ss,
    int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);

	memset(ss, 0, sizeof(*ss));
	sqlite3_bind_text(c->stmt[SQ_CERT_STATUS], 1, serial, -1,
	    SQLITE_STATIC);
	return sq_lookup(s, c, SQ_CERT_STATUS, sq_status_row, ss, found);
}

static enum store_revoke
sq_cert_revoke_a(void *arg, const char *serial, int reason, int64_t when,
    const struct store_audit *a)
{
	struct sq		*s = arg;
	struct sq_conn		*c = sq_get(s);
	sqlite3_stmt		*st = c->stmt[SQ_CERT_REVOKE];
	struct store_status	 ss;
	enum store_put		 r = STORE_PUT_ERROR;
	int			 found, changed = 0;

	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, when) == SQLITE_OK &&
	    (reason < 0 ? sqlite3_bind_null(st, 3) :
	    sqlite3_bind_int(st, 3, reason)) == SQLITE_OK &&
	    sq_exec(c, SQ_CERT_REVOKE) == SQLITE_DONE) {
		changed = sqlite3_changes(c->db);
		r = !changed || sq_exec(c, SQ_REV_BUMP) == SQLITE_DONE ?
		    STORE_PUT_OK : STORE_PUT_ERROR;
		if (changed)
			r = sq_audited(c, r, a);
	}
	if (sq_finish(s, c, r, "revoke") != STORE_PUT_OK)
		return STORE_REVOKE_ERROR;
	if (changed)
		return STORE_REVOKE_DONE;
	if (sq_cert_status(s, serial, &ss, &found) == -1)
		return STORE_REVOKE_ERROR;
	return found ? STORE_REVOKE_ALREADY : STORE_REVOKE_UNKNOWN;
}

static enum store_revoke
sq_cert_revoke(void *arg, const char *serial, int reason, int64_t when)
{
	return sq_cert_revoke_a(arg, serial, reason, when, NULL);
}

static int
sq_revision(void *arg, int64_t *rev)
{
	struct sq	*s = arg;
	int		 found;

	*rev = 0;
	return sq_lookup(s, sq_get(s), SQ_REV_GET, sq_int_row, rev, &found);
}

/* Insert request "r" as it is; id 0 lets SQLite choose one. */
static int
sq_req_insert(struct sq_conn *c, const struct store_request *r)
{
	sqlite3_stmt *st = c->stmt[SQ_REQ_INSERT];

	if ((sqlite3_bind_text(st, 1, r->txid, -1, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 2, r->signer_kid, STORE_KID_LEN,
	    SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 3, r->csr_kid, STORE_KID_LEN,
	    SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 4, r->csr, (int)r->csrsz, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 5, r->subject, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 6, r->profile, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 7, r->peer, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 8, r->created_at) |
	    sqlite3_bind_int64(st, 9, r->expires_at) |
	    sqlite3_bind_int(st, 10, r->status) |
	    sq_bind_opt_id(st, 11, r->id) |
	    sq_bind_opt_text(st, 12, r->serial) |
	    sq_bind_opt_id(st, 13, r->decided_at) |
	    sq_bind_opt_text(st, 14, r->reason)) != SQLITE_OK)
		return SQLITE_ERROR;
	return sq_exec(c, SQ_REQ_INSERT);
}

static enum store_put
sq_request_put(void *arg, struct store_request *r, const struct store_txn *t)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	struct store_txn tt = *t;
	struct store_request rr = *r;
	enum store_put	 ret = STORE_PUT_ERROR;

	/* A new request: pending, undecided, its id chosen here. */
	rr.id = 0;
	rr.status = STORE_TXN_PENDING;
	rr.serial[0] = rr.reason[0] = '\0';
	rr.decided_at = 0;
	if (sq_exec(c, SQ_BEGIN) != SQLITE_DONE ||
	    sq_req_insert(c, &rr) != SQLITE_DONE)
		return sq_finish(s, c, ret, "request");
	r->id = sqlite3_last_insert_rowid(c->db);
	r->status = STORE_TXN_PENDING;
	tt.status = STORE_TXN_PENDING;
	tt.request_id = r->id;
	tt.serial[0] = '\0';
	ret = sq_step_put(sq_txn_insert(c, &tt, r->created_at),
	    STORE_PUT_DUP_TXN);
	if (ret == STORE_PUT_OK)
		ret = sq_challenge_use(c, t, r->created_at);
	if (ret != STORE_PUT_OK)
		r->id = 0;	/* rolled back: that row never existed */
	return sq_finish(s, c, ret, "request");
}

static int
sq_request_row(sqlite3_stmt *st, void *arg)
{
	struct store_request *r = arg;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, REQ_COL_ID);
	sq_col_text(st, REQ_COL_TXID, r->txid, sizeof(r->txid));
	sq_col_text(st, REQ_COL_PROFILE, r->profile, sizeof(r->profile));
	sq_col_text(st, REQ_COL_PEER, r->peer, sizeof(r->peer));
	r->created_at = sqlite3_column_int64(st, REQ_COL_CREATED_AT);
	r->expires_at = sqlite3_column_int64(st, REQ_COL_EXPIRES_AT);
	r->status = sqlite3_column_int(st, REQ_COL_STATUS);
	sq_col_text(st, REQ_COL_SERIAL, r->serial, sizeof(r->serial));
	sq_col_text(st, REQ_COL_REASON, r->reason, sizeof(r->reason));
	r->decided_at = sqlite3_column_int64(st, REQ_COL_DECIDED_AT);
	if (sq_col_kid(st, REQ_COL_SIGNER_KID, r->signer_kid) == -1 ||
	    sq_col_kid(st, REQ_COL_CSR_KID, r->csr_kid) == -1 ||
	    sq_col_blob(st, REQ_COL_CSR, &r->csr, &r->csrsz) == -1 ||
	    (r->subject = sq_col_strdup(st, REQ_COL_SUBJECT)) == NULL) {
		store_request_clear(r);
		return -1;
	}
	return 0;
}

static int
sq_request_get(void *arg, int64_t id, struct store_request *r, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);

	sqlite3_bind_int64(c->stmt[SQ_REQ_GET], 1, id);
	return sq_lookup(s, c, SQ_REQ_GET, sq_request_row, r, found);
}

static int
sq_request_list(void *arg, store_request_cb fn, void *fnarg)
{
	struct sq *s = arg;

	return sq_list(s, sq_get(s), SQ_REQ_LIST, sq_request_row,
	    STORE_CB_REQUEST(fn, fnarg));
}

/* Mark the transaction of request "id" decided; -1 on error. */
static int
sq_txn_decide(struct sq_conn *c, int64_t id, int status, const char *serial)
{
	sqlite3_stmt *st = c->stmt[SQ_TXN_DECIDE];

	if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int(st, 2, status) |
	    sq_bind_opt_text(st, 3, serial)) != SQLITE_OK)
		return -1;
	return sq_exec(c, SQ_TXN_DECIDE) == SQLITE_DONE ? 0 : -1;
}

static enum store_put
sq_request_issue_a(void *arg, int64_t id, const struct store_cert *r,
    const struct store_audit *a)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_REQ_ISSUE];
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) != SQLITE_DONE ||
	    (sqlite3_bind_int64(st, 1, id) |
	    sqlite3_bind_text(st, 2, r->serial, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 3, r->issued_at)) != SQLITE_OK)
		return sq_finish(s, c, ret, "approve");
	/* The certificate first: the request's serial refers to it. */
	if ((ret = sq_step_put(sq_cert_insert(c, r), STORE_PUT_DUP_SERIAL)) !=
	    STORE_PUT_OK)
		return sq_finish(s, c, ret, "approve");
	if (sq_exec(c, SQ_REQ_ISSUE) != SQLITE_DONE)
		ret = STORE_PUT_ERROR;
	else if (sqlite3_changes(c->db) != 1)
		ret = STORE_PUT_STALE;
	else if (sq_txn_decide(c, id, STORE_TXN_ISSUED, r->serial) == -1)
		ret = STORE_PUT_ERROR;
	else
		ret = sq_audit_add(c, a);
	return sq_finish(s, c, ret, "approve");
}

static enum store_put
sq_request_issue(void *arg, int64_t id, const struct store_cert *r)
{
	return sq_request_issue_a(arg, id, r, NULL);
}

static enum store_put
sq_request_reject_a(void *arg, int64_t id, const char *reason, int64_t when,
    const struct store_audit *a)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_REQ_REJECT];
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) != SQLITE_DONE ||
	    (sqlite3_bind_int64(st, 1, id) |
	    sq_bind_opt_text(st, 2, reason) |
	    sqlite3_bind_int64(st, 3, when)) != SQLITE_OK ||
	    sq_exec(c, SQ_REQ_REJECT) != SQLITE_DONE)
		return sq_finish(s, c, ret, "reject");
	if (sqlite3_changes(c->db) != 1)
		ret = STORE_PUT_STALE;
	else if (sq_txn_decide(c, id, STORE_TXN_REJECTED, NULL) == 0)
		ret = sq_audit_add(c, a);
	return sq_finish(s, c, ret, "reject");
}

static enum store_put
sq_request_reject(void *arg, int64_t id, const char *reason, int64_t when)
{
	return sq_request_reject_a(arg, id, reason, when, NULL);
}

static int
sq_crl_row(sqlite3_stmt *st, void *arg)
{
	struct store_crl *cr = arg;

	memset(cr, 0, sizeof(*cr));
	cr->number = sqlite3_column_int64(st, CRL_COL_NUMBER);
	cr->revision = sqlite3_column_int64(st, CRL_COL_REVISION);
	cr->this_update = sqlite3_column_int64(st, CRL_COL_THIS_UPDATE);
	cr->next_update = sqlite3_column_int64(st, CRL_COL_NEXT_UPDATE);
	sq_col_text(st, CRL_COL_CA, cr->ca, sizeof(cr->ca));
	return sq_col_blob(st, CRL_COL_DER, &cr->der, &cr->dersz);
}

static int
sq_crl_latest(void *arg, const char *ca, struct store_crl *cr, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);

	memset(cr, 0, sizeof(*cr));
	sqlite3_bind_text(c->stmt[SQ_CRL_LATEST], 1, ca, -1, SQLITE_STATIC);
	return sq_lookup(s, c, SQ_CRL_LATEST, sq_crl_row, cr, found);
}

static int
sq_crl_insert(struct sq_conn *c, const struct store_crl *cr)
{
	sqlite3_stmt *st = c->stmt[SQ_CRL_INSERT];

	if ((sqlite3_bind_int64(st, 1, cr->number) |
	    sqlite3_bind_int64(st, 2, cr->revision) |
	    sqlite3_bind_int64(st, 3, cr->this_update) |
	    sqlite3_bind_int64(st, 4, cr->next_update) |
	    sqlite3_bind_blob(st, 5, cr->der, (int)cr->dersz,
	    SQLITE_STATIC) |
	    sqlite3_bind_text(st, 6, store_ca_name(cr->ca), -1,
	    SQLITE_STATIC)) != SQLITE_OK)
		return SQLITE_ERROR;
	return sq_exec(c, SQ_CRL_INSERT);
}

static enum store_put
sq_crl_put(void *arg, const struct store_crl *cr)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) != SQLITE_DONE)
		return sq_finish(s, c, ret, "crl");
	ret = sq_step_put(sq_crl_insert(c, cr), STORE_PUT_DUP_SERIAL);
	if (ret == STORE_PUT_OK) {
		sqlite3_bind_int64(c->stmt[SQ_CRL_PRUNE], 1,
		    cr->number - SQ_CRL_KEEP);
		sqlite3_bind_text(c->stmt[SQ_CRL_PRUNE], 2,
		    store_ca_name(cr->ca), -1, SQLITE_STATIC);
		if (sq_exec(c, SQ_CRL_PRUNE) != SQLITE_DONE)
			ret = STORE_PUT_ERROR;
	}
	return sq_finish(s, c, ret, "crl");
}

static int
sq_txn_list(void *arg, store_txn_cb fn, void *fnarg)
{
	struct sq *s = arg;

	return sq_list(s, sq_get(s), SQ_TXN_LIST, sq_txn_row,
	    STORE_CB_TXN(fn, fnarg));
}

static int
sq_crl_list(void *arg, store_crl_cb fn, void *fnarg)
{
	struct sq *s = arg;

	return sq_list(s, sq_get(s), SQ_CRL_LIST, sq_crl_row,
	    STORE_CB_CRL(fn, fnarg));
}

static int
sq_counts_row(sqlite3_stmt *st, void *arg)
{
	struct store_counts *n = arg;

	n->certs = sqlite3_column_int64(st, COUNTS_COL_CERTS);
	n->revoked = sqlite3_column_int64(st, COUNTS_COL_REVOKED);
	n->renewals = sqlite3_column_int64(st, COUNTS_COL_RENEWALS);
	n->txns = sqlite3_column_int64(st, COUNTS_COL_TXNS);
	n->requests = sqlite3_column_int64(st, COUNTS_COL_REQUESTS);
	n->pending = sqlite3_column_int64(st, COUNTS_COL_PENDING);
	n->crls = sqlite3_column_int64(st, COUNTS_COL_CRLS);
	n->revision = sqlite3_column_int64(st, COUNTS_COL_REVISION);
	n->challenges = sqlite3_column_int64(st, COUNTS_COL_CHALLENGES);
	n->tokens = sqlite3_column_int64(st, COUNTS_COL_TOKENS);
	n->audit = sqlite3_column_int64(st, COUNTS_COL_AUDIT);
	n->txlog = sqlite3_column_int64(st, COUNTS_COL_TXLOG);
	return 0;
}

/* SQ_COUNTS on connection "c", inside whatever transaction it has. */
static int
sq_counts_on(struct sq *s, struct sq_conn *c, struct store_counts *n)
{
	int found;

	if (sq_walk(s, c, SQ_COUNTS, sq_counts_row, n, NULL, &found) == -1 ||
	    !found)
		return -1;
	return 0;
}

static int
sq_counts(void *arg, struct store_counts *n)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	int		 rc;

	rc = sq_counts_on(s, c, n);
	sq_put(s, c);
	return rc;
}

/* store_import(): each source row goes into the target's transaction. */
static int
sq_import_cert(const struct store_cert *r, void *arg)
{
	return sq_cert_insert(arg, r) == SQLITE_DONE ? 0 : -1;
}

static int
sq_import_request(const struct store_request *r, void *arg)
{
	return sq_req_insert(arg, r) == SQLITE_DONE ? 0 : -1;
}

static int
sq_import_txn(const struct store_txn *t, void *arg)
{
	struct store_txn tt = *t;

	tt.replaces[0] = '\0';
	return sq_txn_insert(arg, &tt, t->created_at) == SQLITE_DONE ? 0 : -1;
}

static int
sq_import_crl(const struct store_crl *cr, void *arg)
{
	return sq_crl_insert(arg, cr) == SQLITE_DONE ? 0 : -1;
}

static int sq_chal_insert(struct sq_conn *, const struct store_challenge *);
static int sq_token_insert(struct sq_conn *, const struct store_token *);
static int sq_txlog_insert(struct sq_conn *, const struct store_txlog *);

static int
sq_import_token(const struct store_token *t, void *arg)
{
	return sq_token_insert(arg, t) == SQLITE_DONE ? 0 : -1;
}

/* Entries keep their seq and hashes: the chain stays verifiable. */
static int
sq_import_audit(const struct store_audit *a, void *arg)
{
	return sq_audit_insert(arg, a) == STORE_PUT_OK ? 0 : -1;
}

/* The source's chain head, even if entries before it are missing. */
static int
sq_import_head(struct sq_conn *c, struct store *src)
{
	sqlite3_stmt	*h = c->stmt[SQ_AUDIT_HEAD_SET];
	unsigned char	 hash[STORE_KID_LEN];
	int64_t		 seq;

	if (store_audit_head(src, &seq, hash) == -1 ||
	    (sqlite3_bind_int64(h, 1, seq) | sqlite3_bind_blob(h, 2, hash,
	    STORE_KID_LEN, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    sq_exec(c, SQ_AUDIT_HEAD_SET) != SQLITE_DONE)
		return -1;
	return 0;
}

static int
sq_import_txlog(const struct store_txlog *t, void *arg)
{
	return sq_txlog_insert(arg, t) == SQLITE_DONE ? 0 : -1;
}

static int
sq_import_challenge(const struct store_challenge *ch, void *arg)
{
	return sq_chal_insert(arg, ch) == SQLITE_DONE ? 0 : -1;
}

/*
 * Certificates first and transactions last: requests refer to
 * certificates, transactions to both.  Empty means no row and revision
 * 0; anything else is refused before a row is written.
 */
static int
sq_import(void *arg, struct store *src, struct store_counts *n)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum store_put	 ret = STORE_PUT_ERROR;
	int64_t		 rev;

	if (sq_exec(c, SQ_BEGIN) != SQLITE_DONE || sq_counts_on(s, c, n) == -1)
		goto out;
	if (n->certs + n->txns + n->requests + n->crls + n->revision +
	    n->challenges + n->tokens + n->audit + n->txlog != 0) {
		log_warnx("%s: not empty: refusing to import into it",
		    s->path);
		ret = STORE_PUT_STALE;
		goto out;
	}
	if (store_cert_list(src, sq_import_cert, c) == -1 ||
	    store_request_list(src, sq_import_request, c) == -1 ||
	    store_txn_list(src, sq_import_txn, c) == -1 ||
	    store_crl_list(src, sq_import_crl, c) == -1 ||
	    store_challenge_list(src, sq_import_challenge, c) == -1 ||
	    store_token_list(src, sq_import_token, c) == -1 ||
	    store_audit_each(src, sq_import_audit, c) == -1 ||
	    store_txlog_list(src, &(struct store_txlog_filter){
	    .oldest_first = 1 }, sq_import_txlog, c) == -1 ||
	    sq_import_head(c, src) == -1 ||
	    store_revision(src, &rev) == -1 ||
	    sqlite3_bind_int64(c->stmt[SQ_REV_SET], 1, rev) != SQLITE_OK ||
	    sq_exec(c, SQ_REV_SET) != SQLITE_DONE ||
	    sq_counts_on(s, c, n) == -1)
		goto out;
	ret = STORE_PUT_OK;
 out:
	return sq_finish(s, c, ret, "import") == STORE_PUT_OK ? 0 : -1;
}

/* Insert a one-time challenge: SQLITE_DONE, a constraint code, or error. */
static int
sq_chal_insert(struct sq_conn *c, const struct store_challenge *ch)
{
	sqlite3_stmt *st = c->stmt[SQ_CHAL_INSERT];

	if ((sqlite3_bind_blob(st, 1, ch->hash, STORE_KID_LEN,
	    SQLITE_STATIC) |
	    sqlite3_bind_text(st, 2, ch->profile, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 3, ch->created_at) |
	    sqlite3_bind_int64(st, 4, ch->expires_at) |
	    sq_bind_opt_id(st, 5, ch->used_at) |
	    sqlite3_bind_text(st, 6, ch->subject, -1, SQLITE_STATIC)) !=
	    SQLITE_OK)
		return SQLITE_ERROR;
	return sq_exec(c, SQ_CHAL_INSERT);
}

static int
sq_challenge_put_a(void *arg, const struct store_challenge *ch,
    const struct store_audit *a)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    sq_chal_insert(c, ch) == SQLITE_DONE)
		ret = sq_audit_add(c, a);
	return sq_finish(s, c, ret, "challenge") == STORE_PUT_OK ? 0 : -1;
}

static int
sq_challenge_put(void *arg, const struct store_challenge *ch)
{
	return sq_challenge_put_a(arg, ch, NULL);
}

static int
sq_challenge_row(sqlite3_stmt *st, void *arg)
{
	struct store_challenge *ch = arg;

	memset(ch, 0, sizeof(*ch));
	if (sq_col_kid(st, CHAL_COL_HASH, ch->hash) == -1)
		return -1;
	sq_col_text(st, CHAL_COL_PROFILE, ch->profile, sizeof(ch->profile));
	ch->created_at = sqlite3_column_int64(st, CHAL_COL_CREATED_AT);
	ch->expires_at = sqlite3_column_int64(st, CHAL_COL_EXPIRES_AT);
	ch->used_at = sqlite3_column_int64(st, CHAL_COL_USED_AT);
	sq_col_text(st, CHAL_COL_SUBJECT, ch->subject, sizeof(ch->subject));
	return 0;
}

static int
sq_challenge_get(void *arg, const unsigned char *hash,
    struct store_challenge *ch, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);

	memset(ch, 0, sizeof(*ch));
	sqlite3_bind_blob(c->stmt[SQ_CHAL_GET], 1, hash, STORE_KID_LEN,
	    SQLITE_STATIC);
	return sq_lookup(s, c, SQ_CHAL_GET, sq_challenge_row, ch, found);
}

static int
sq_challenge_list(void *arg, store_challenge_cb fn, void *fnarg)
{
	struct sq *s = arg;

	return sq_list(s, sq_get(s), SQ_CHAL_LIST, sq_challenge_row,
	    STORE_CB_CHALLENGE(fn, fnarg));
}

static int
sq_txn_pending_other(void *arg, const char *txid,
    const unsigned char *signer_kid, int64_t *n)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_TXN_PENDING_OTHER];
	int		 found;

	sqlite3_bind_text(st, 1, txid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, signer_kid, STORE_KID_LEN, SQLITE_STATIC);
	return sq_lookup(s, c, SQ_TXN_PENDING_OTHER, sq_int_row, n, &found);
}

static int
sq_cert_count_active(void *arg, const char *ca, const char *subject,
    int64_t now, int64_t *n)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_CERT_COUNT];
	int		 found;

	sqlite3_bind_text(st, 1, ca, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return sq_lookup(s, c, SQ_CERT_COUNT, sq_int_row, n, &found);
}

/* store_metrics(): one pass over certs_expiry, then the pending count. */
static int
sq_metrics(void *arg, int64_t now, store_metrics_cb cb, void *cbarg,
    struct store_metrics *m)
{
	struct sq			*s = arg;
	struct sq_conn			*c = sq_get(s);
	sqlite3_stmt			*st = c->stmt[SQ_METRICS_CERTS];
	struct store_metrics_row	 row;
	int				 rc, found, ret = -1;

	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		sq_col_text(st, 0, row.ca, sizeof(row.ca));
		row.status = sqlite3_column_int(st, 1);
		row.count = sqlite3_column_int64(st, 2);
		row.expired = sqlite3_column_int64(st, 3);
		row.within7 = sqlite3_column_int64(st, 4);
		row.within30 = sqlite3_column_int64(st, 5);
		if (cb(&row, cbarg) == -1)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		log_warnx("%s: metrics: %s", s->path, sqlite3_errmsg(c->db));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		sq_put(s, c);
		return -1;
	}
	sqlite3_bind_int64(c->stmt[SQ_METRICS_PENDING], 1, now);
	if (sq_lookup(s, c, SQ_METRICS_PENDING, sq_int_row, &m->pending,
	    &found) == 0)
		ret = 0;
	return ret;
}

static enum store_put
sq_challenge_revoke(void *arg, const unsigned char *hash, int64_t when,
    const struct store_audit *a)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_CHAL_REVOKE];
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    (sqlite3_bind_blob(st, 1, hash, STORE_KID_LEN, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 2, when)) == SQLITE_OK &&
	    sq_exec(c, SQ_CHAL_REVOKE) == SQLITE_DONE)
		ret = sqlite3_changes(c->db) == 1 ? sq_audit_add(c, a) :
		    STORE_PUT_STALE;
	return sq_finish(s, c, ret, "challenge revoke");
}

/* Insert a token: SQLITE_DONE, a constraint code, or an error. */
static int
sq_token_insert(struct sq_conn *c, const struct store_token *t)
{
	sqlite3_stmt *st = c->stmt[SQ_TOKEN_INSERT];

	if ((sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 2, t->hash, STORE_KID_LEN, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 3, t->role, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 4, t->profiles, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 5, t->created_at) |
	    sqlite3_bind_int64(st, 6, t->expires_at) |
	    sqlite3_bind_int64(st, 7, t->revoked_at) |
	    (t->has_cert ? sqlite3_bind_blob(st, 8, t->cert, STORE_KID_LEN,
	    SQLITE_STATIC) : sqlite3_bind_null(st, 8))) != SQLITE_OK)
		return SQLITE_ERROR;
	return sq_exec(c, SQ_TOKEN_INSERT);
}

static enum store_put
sq_token_put(void *arg, const struct store_token *t,
    const struct store_audit *a)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE)
		ret = sq_audited(c, sq_step_put(sq_token_insert(c, t),
		    STORE_PUT_DUP_NAME), a);
	return sq_finish(s, c, ret, "token");
}

static enum store_put
sq_token_revoke(void *arg, const char *name, int64_t when,
    const struct store_audit *a)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_TOKEN_REVOKE];
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 2, when)) == SQLITE_OK &&
	    sq_exec(c, SQ_TOKEN_REVOKE) == SQLITE_DONE)
		ret = sqlite3_changes(c->db) == 1 ? sq_audit_add(c, a) :
		    STORE_PUT_STALE;
	return sq_finish(s, c, ret, "token revoke");
}

static int
sq_token_row(sqlite3_stmt *st, void *arg)
{
	struct store_token *t = arg;

	memset(t, 0, sizeof(*t));
	sq_col_text(st, TOKEN_COL_NAME, t->name, sizeof(t->name));
	sq_col_text(st, TOKEN_COL_ROLE, t->role, sizeof(t->role));
	sq_col_text(st, TOKEN_COL_PROFILES, t->profiles, sizeof(t->profiles));
	t->created_at = sqlite3_column_int64(st, TOKEN_COL_CREATED_AT);
	t->expires_at = sqlite3_column_int64(st, TOKEN_COL_EXPIRES_AT);
	t->revoked_at = sqlite3_column_int64(st, TOKEN_COL_REVOKED_AT);
	if (sqlite3_column_type(st, TOKEN_COL_CERT) != SQLITE_NULL) {
		if (sq_col_kid(st, TOKEN_COL_CERT, t->cert) == -1)
			return -1;
		t->has_cert = 1;
	}
	return sq_col_kid(st, TOKEN_COL_HASH, t->hash);
}

static int
sq_token_get(void *arg, int bycert, const unsigned char *h,
    struct store_token *t, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum sq_stmt	 which = bycert ? SQ_TOKEN_BY_CERT : SQ_TOKEN_BY_HASH;

	sqlite3_bind_blob(c->stmt[which], 1, h, STORE_KID_LEN, SQLITE_STATIC);
	return sq_lookup(s, c, which, sq_token_row, t, found);
}

static int
sq_token_list(void *arg, store_token_cb fn, void *fnarg)
{
	struct sq *s = arg;

	return sq_list(s, sq_get(s), SQ_TOKEN_LIST, sq_token_row,
	    STORE_CB_TOKEN(fn, fnarg));
}

static int
sq_audit_append(void *arg, const struct store_audit *a)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum store_put	 ret = STORE_PUT_ERROR;

	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE)
		ret = sq_audit_add(c, a);
	return sq_finish(s, c, ret, "audit") == STORE_PUT_OK ? 0 : -1;
}

static int
sq_audit_row(sqlite3_stmt *st, void *arg)
{
	struct store_audit *a = arg;

	memset(a, 0, sizeof(*a));
	a->seq = sqlite3_column_int64(st, AUDIT_COL_SEQ);
	a->at = sqlite3_column_int64(st, AUDIT_COL_AT);
	sq_col_text(st, AUDIT_COL_ACTOR, a->actor, sizeof(a->actor));
	sq_col_text(st, AUDIT_COL_ACTION, a->action, sizeof(a->action));
	sq_col_text(st, AUDIT_COL_TARGET, a->target, sizeof(a->target));
	sq_col_text(st, AUDIT_COL_DETAILS, a->details, sizeof(a->details));
	sq_col_text(st, AUDIT_COL_PEER, a->peer, sizeof(a->peer));
	sq_col_text(st, AUDIT_COL_OUTCOME, a->outcome, sizeof(a->outcome));
	/* A damaged link is for store_audit_verify() to report, not -1. */
	if (sq_col_kid(st, AUDIT_COL_PREV, a->prev) == -1)
		memset(a->prev, 0xff, STORE_KID_LEN);
	if (sq_col_kid(st, AUDIT_COL_HASH, a->hash) == -1)
		memset(a->hash, 0xff, STORE_KID_LEN);
	return 0;
}

/*
 * Run query "q" (built by store_query.h) on a connection of its own
 * preparing, each row read by "fill" and handed to "cb".
 */
static int
sq_query(struct sq *s, const struct store_q *q, sq_read_fn fill,
    const struct store_cb *cb)
{
	struct sq_conn	*c;
	sqlite3_stmt	*st = NULL;
	int		 i, rc = 0, ret = -1, found;

	if (q->err) {
		log_warnx("%s: query too long", s->path);
		return -1;
	}
	c = sq_get(s);
	if (sqlite3_prepare_v2(c->db, q->sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("%s: %s: %s", s->path, q->sql, sqlite3_errmsg(c->db));
		goto out;
	}
	for (i = 0; i < q->n; i++)
		rc |= q->p[i].type == STORE_Q_INT ?
		    sqlite3_bind_int64(st, i + 1, q->p[i].i) :
		    sqlite3_bind_text(st, i + 1, q->p[i].s, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		ret = sq_walk_stmt(s, c, st, fill, NULL, cb, &found);
 out:
	sqlite3_finalize(st);
	sq_put(s, c);
	return ret;
}

static int
sq_audit_list(void *arg, const struct store_audit_filter *f,
    store_audit_cb fn, void *fnarg)
{
	struct store_q q;

	store_q_init(&q, 0, "SELECT " STORE_AUDIT_COLNAMES " FROM audit");
	store_q_int(&q, "at >= %s", f->since);
	store_q_int(&q, "at <= %s", f->until);
	store_q_text(&q, "actor = %s", f->actor);
	store_q_text(&q, "action = %s", f->action);
	store_q_int(&q, "seq < %s", f->before);
	store_q_tail(&q, " ORDER BY seq DESC", f->limit);
	return sq_query(arg, &q, sq_audit_row, STORE_CB_AUDIT(fn, fnarg));
}

static int
sq_audit_all(void *arg, store_audit_cb fn, void *fnarg)
{
	struct sq *s = arg;

	return sq_list(s, sq_get(s), SQ_AUDIT_ALL, sq_audit_row,
	    STORE_CB_AUDIT(fn, fnarg));
}

static int
sq_head_row(sqlite3_stmt *st, void *arg)
{
	struct store_audit *a = arg;

	a->seq = sqlite3_column_int64(st, 0);
	return sq_col_kid(st, 1, a->hash);
}

static int
sq_audit_head(void *arg, int64_t *seq, unsigned char *hash)
{
	struct sq		*s = arg;
	struct store_audit	 a;
	int			 found;

	if (sq_lookup(s, sq_get(s), SQ_AUDIT_HEAD, sq_head_row, &a,
	    &found) == -1 || !found)
		return -1;
	*seq = a.seq;
	memcpy(hash, a.hash, STORE_KID_LEN);
	return 0;
}

/* Insert a transaction log row: SQLITE_DONE, or an error. */
static int
sq_txlog_insert(struct sq_conn *c, const struct store_txlog *t)
{
	sqlite3_stmt *st = c->stmt[SQ_TXLOG_INSERT];

	if ((sqlite3_bind_int64(st, 1, t->at) |
	    sqlite3_bind_text(st, 2, t->profile, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 3, t->txid, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 4, t->msgtype, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 5, t->outcome, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 6, t->result, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 7, t->fail_info, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 8, t->reason, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 9, t->subject, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 10, t->peer, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 11, t->serial, -1, SQLITE_STATIC) |
	    sqlite3_bind_int(st, 12, t->http) |
	    sqlite3_bind_int(st, 13, t->duration_ms)) != SQLITE_OK)
		return SQLITE_ERROR;
	return sq_exec(c, SQ_TXLOG_INSERT);
}

static int
sq_txlog_put(void *arg, const struct store_txlog *t)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	int		 rc = -1;

	sq_exec(c, SQ_SYNC_NORMAL);
	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    sq_txlog_insert(c, t) == SQLITE_DONE &&
	    sq_exec(c, SQ_COMMIT) == SQLITE_DONE)
		rc = 0;
	else
		log_warnx("%s: transaction log: %s", s->path,
		    sqlite3_errmsg(c->db));
	if (!sqlite3_get_autocommit(c->db))
		sq_exec(c, SQ_ROLLBACK);
	/* Back to FULL before any other write may use this connection. */
	sq_exec(c, SQ_SYNC_FULL);
	sq_put(s, c);
	return rc;
}

static int
sq_txlog_row(sqlite3_stmt *st, void *arg)
{
	struct store_txlog *t = arg;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, TXLOG_COL_ID);
	t->at = sqlite3_column_int64(st, TXLOG_COL_AT);
	sq_col_text(st, TXLOG_COL_PROFILE, t->profile, sizeof(t->profile));
	sq_col_text(st, TXLOG_COL_TXID, t->txid, sizeof(t->txid));
	sq_col_text(st, TXLOG_COL_MSGTYPE, t->msgtype, sizeof(t->msgtype));
	sq_col_text(st, TXLOG_COL_OUTCOME, t->outcome, sizeof(t->outcome));
	sq_col_text(st, TXLOG_COL_RESULT, t->result, sizeof(t->result));
	sq_col_text(st, TXLOG_COL_FAIL_INFO, t->fail_info,
	    sizeof(t->fail_info));
	sq_col_text(st, TXLOG_COL_REASON, t->reason, sizeof(t->reason));
	sq_col_text(st, TXLOG_COL_SUBJECT, t->subject, sizeof(t->subject));
	sq_col_text(st, TXLOG_COL_PEER, t->peer, sizeof(t->peer));
	sq_col_text(st, TXLOG_COL_SERIAL, t->serial, sizeof(t->serial));
	t->http = sqlite3_column_int(st, TXLOG_COL_HTTP);
	t->duration_ms = sqlite3_column_int(st, TXLOG_COL_DURATION);
	return 0;
}

static int
sq_txlog_list(void *arg, const struct store_txlog_filter *f,
    store_txlog_cb fn, void *fnarg)
{
	struct store_q q;

	store_q_init(&q, 0, "SELECT " STORE_TXLOG_COLNAMES " FROM txlog");
	store_q_text(&q, "profile = %s", f->profile);
	store_q_text(&q, "txid = %s", f->txid);
	store_q_text(&q, "outcome = %s", f->outcome);
	store_q_text(&q, "peer = %s", f->peer);
	store_q_text(&q, "instr(subject, %s) > 0", f->subject);
	store_q_int(&q, "at >= %s", f->since);
	store_q_int(&q, "at <= %s", f->until);
	store_q_int(&q, "id < %s", f->before);
	store_q_tail(&q, f->oldest_first ? " ORDER BY id" : " ORDER BY id DESC",
	    f->limit);
	return sq_query(arg, &q, sq_txlog_row, STORE_CB_TXLOG(fn, fnarg));
}

static int
sq_txlog_prune(void *arg, int64_t before, int max, int64_t *n)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_TXLOG_PRUNE];
	enum store_put	 ret = STORE_PUT_ERROR;

	*n = 0;
	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    (sqlite3_bind_int64(st, 1, before) |
	    sqlite3_bind_int(st, 2, max)) == SQLITE_OK &&
	    sq_exec(c, SQ_TXLOG_PRUNE) == SQLITE_DONE) {
		*n = sqlite3_changes(c->db);
		ret = STORE_PUT_OK;
	}
	if (sq_finish(s, c, ret, "transaction log prune") != STORE_PUT_OK) {
		*n = 0;
		return -1;
	}
	return 0;
}

static int
sq_stat_row(sqlite3_stmt *st, void *arg)
{
	struct store_stat *r = arg;

	memset(r, 0, sizeof(*r));
	r->day = sqlite3_column_int64(st, 0);
	sq_col_text(st, 1, r->profile, sizeof(r->profile));
	sq_col_text(st, 2, r->key, sizeof(r->key));
	r->n = sqlite3_column_int64(st, 3);
	return 0;
}

static int
sq_stats(void *arg, int64_t since, store_stat_cb fn, void *fnarg)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);

	sqlite3_bind_int64(c->stmt[SQ_STATS], 1, since);
	return sq_list(s, c, SQ_STATS, sq_stat_row, STORE_CB_STAT(fn, fnarg));
}

/*
 * The lease "name" for "holder": one upsert that changes a row only if
 * it is free, run out or "holder"'s, so sqlite3_changes() says who
 * has it.  Prepared here, not in sq_sql[]: it runs once a sync.
 */
static int
sq_lease_take(void *arg, const char *name, const char *holder, int64_t now,
    int64_t until, int *taken)
{
	static const char	 sql[] = "INSERT INTO leases (name, holder, "
	    "expires_at) VALUES (?1, ?2, ?4) ON CONFLICT (name) DO UPDATE SET "
	    "holder = excluded.holder, expires_at = excluded.expires_at "
	    "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3";
	struct sq		*s = arg;
	struct sq_conn		*c = sq_get(s);
	sqlite3_stmt		*st = NULL;
	enum store_put		 r = STORE_PUT_ERROR;

	*taken = 0;
	if (sq_exec(c, SQ_BEGIN) == SQLITE_DONE &&
	    sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, holder, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 3, now) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 4, until) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE) {
		*taken = sqlite3_changes(c->db) > 0;
		r = STORE_PUT_OK;
	}
	sqlite3_finalize(st);
	if (sq_finish(s, c, r, "lease") != STORE_PUT_OK) {
		*taken = 0;
		return -1;
	}
	return 0;
}

/*
 * The admin API's searches (store_cert_search(), store_request_search(),
 * store_cert_renewals()).  Which filters a query sets decides which
 * indexes can serve it, so each query is one statement put together
 * from the fixed fragments below, with every value bound as a
 * parameter, and prepared for that call alone.
 */
#define SQ_Q_ARGS	(16 + STORE_SEARCH_PROFILES)

struct sq_q {
	char		 sql[2048];
	size_t		 len;
	int		 overflow;	/* a fragment did not fit: refuse */
	int		 n;
	struct {
		const char	*text;	/* NULL: "num" */
		int64_t		 num;
	} arg[SQ_Q_ARGS];
	char		 buf[4][STORE_SEARCH_TEXT_MAX * 2 + 8];
	int		 nbuf;
	int		 got;		/* from sq_q_run(): rows handed on */
	int64_t		 last;		/* and the last one's key */
};

static void
sq_q_add(struct sq_q *q, const char *frag)
{
	size_t n = strlen(frag);

	if (n >= sizeof(q->sql) - q->len) {
		q->overflow = 1;
		return;
	}
	memcpy(q->sql + q->len, frag, n + 1);
	q->len += n;
}

/* "frag" holds one "?", which takes "text" (borrowed until the step). */
static void
sq_q_text(struct sq_q *q, const char *frag, const char *text)
{
	if (q->n == SQ_Q_ARGS) {
		q->overflow = 1;
		return;
	}
	q->arg[q->n].text = text;
	q->arg[q->n++].num = 0;
	sq_q_add(q, frag);
}

static void
sq_q_int(struct sq_q *q, const char *frag, int64_t v)
{
	if (q->n == SQ_Q_ARGS) {
		q->overflow = 1;
		return;
	}
	q->arg[q->n].text = NULL;
	q->arg[q->n++].num = v;
	sq_q_add(q, frag);
}

/*
 * A buffer of the query's own holding "fmt"'s expansion of "v" with
 * the characters special to LIKE (or, with "quote", '"' of an FTS5
 * string) escaped, or NULL.
 */
static const char *
sq_q_escape(struct sq_q *q, const char *pre, const char *v, const char *post,
    int quote)
{
	char	*b;
	size_t	 n = 0, i;

	if (q->nbuf == (int)(sizeof(q->buf) / sizeof(q->buf[0]))) {
		q->overflow = 1;
		return NULL;
	}
	b = q->buf[q->nbuf++];
	n = (size_t)snprintf(b, sizeof(q->buf[0]), "%s", pre);
	for (i = 0; v[i] != '\0' && n + 4 + strlen(post) < sizeof(q->buf[0]);
	    i++) {
		if (quote && v[i] == '"')
			b[n++] = '"';
		else if (!quote && (v[i] == '%' || v[i] == '_' ||
		    v[i] == '\\'))
			b[n++] = '\\';
		b[n++] = v[i];
	}
	if (v[i] != '\0') {
		q->overflow = 1;
		return NULL;
	}
	snprintf(b + n, sizeof(q->buf[0]) - n, "%s", post);
	return b;
}

static void
sq_q_profiles(struct sq_q *q, const char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	sq_q_add(q, " AND profile IN (");
	for (i = 0; i < n; i++)
		sq_q_text(q, i == 0 ? "?" : ", ?", v[i]);
	sq_q_add(q, ")");
}

/* Prepare and bind "q" on "c"; NULL (logged) on failure. */
static sqlite3_stmt *
sq_q_prepare(struct sq *s, struct sq_conn *c, const struct sq_q *q)
{
	sqlite3_stmt	*st = NULL;
	int		 i, rc = SQLITE_OK;

	if (q->overflow) {
		log_warnx("%s: search: query too large", s->path);
		return NULL;
	}
	if (sqlite3_prepare_v2(c->db, q->sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("%s: search: %s", s->path, sqlite3_errmsg(c->db));
		return NULL;
	}
	for (i = 0; i < q->n && rc == SQLITE_OK; i++)
		rc = q->arg[i].text != NULL ? sqlite3_bind_text(st, i + 1,
		    q->arg[i].text, -1, SQLITE_STATIC) :
		    sqlite3_bind_int64(st, i + 1, q->arg[i].num);
	if (rc != SQLITE_OK) {
		log_warnx("%s: search: %s", s->path, sqlite3_errmsg(c->db));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/*
 * Step "q": each row (its key in column "keycol") read by "fill" and
 * handed to "cb", at most "limit" of them (0: all); *next is the key
 * of the last row handed on when one more was there.
 */
static int
sq_q_run(struct sq *s, struct sq_q *q, sq_read_fn fill, int keycol,
    const struct store_cb *cb, int limit, int64_t *next)
{
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st;
	union store_row	 row;
	int64_t		 key = 0;
	int		 rc, got = 0, ret = -1;

	if (next != NULL)
		*next = 0;
	if ((st = sq_q_prepare(s, c, q)) == NULL)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (limit > 0 && got == limit) {
			*next = key;
			break;
		}
		key = sqlite3_column_int64(st, keycol);
		if (fill(st, &row) == -1) {
			log_warnx("%s: search: unusable row", s->path);
			goto out;
		}
		got++;
		q->got = got;
		q->last = key;
		if (store_cb_give(cb, &row) == -1)
			goto out;
	}
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		ret = 0;
	else
		log_warnx("%s: search: %s", s->path, sqlite3_errmsg(c->db));
 out:
	sqlite3_finalize(st);
	sq_put(s, c);
	return ret;
}

/* The FTS5 query of the text filters: column phrases, ANDed. */
static void
sq_q_match(struct sq_q *q, const struct store_cert_query *cq)
{
	const char *sub = NULL, *san = NULL;

	if (cq->subject != NULL && *cq->subject != '\0')
		sub = sq_q_escape(q, "tsubject : \"", cq->subject, "\"", 1);
	if (cq->san != NULL && *cq->san != '\0')
		san = sq_q_escape(q, "tsans : \"", cq->san, "\"", 1);
	if (sub != NULL && san != NULL) {
		/* Both into the first buffer's neighbour: one MATCH. */
		if (q->nbuf == (int)(sizeof(q->buf) / sizeof(q->buf[0])) ||
		    (size_t)snprintf(q->buf[q->nbuf], sizeof(q->buf[0]),
		    "%s AND %s", sub, san) >= sizeof(q->buf[0])) {
			q->overflow = 1;
			return;
		}
		sub = q->buf[q->nbuf++];
	} else if (sub == NULL)
		sub = san;
	sq_q_text(q, "SELECT " STORE_CERT_COLNAMES ", certs.rowid "
	    "FROM certs_text CROSS JOIN certs ON certs.rowid = "
	    "certs_text.rowid WHERE certs_text MATCH ?", sub);
}

/*
 * Which index a search walks.  Equality filters (profile, peer, CA,
 * serial) the planner serves well by itself: their indexes end in the
 * rowid, so they give rows in the order asked.  A range (expiry, issue
 * time) or the revoked state it cannot judge without statistics: it
 * either sorts what a wide range finds or walks the whole table for a
 * narrow one (both seconds with a million certificates).  So each is
 * probed, counting at most SQ_DENSE of its rows in its own covering
 * index (well under a millisecond), and a sparse one drives the
 * search, in a subquery that sorts rowids alone (not rows with their
 * DER); when none is sparse, matches are common and walking the rowid
 * down usually finds a page soon.  XXX Not when a dense range sits
 * wholly at the old end of a big store (e.g. 100,000 expired
 * certificates, all older than the 900,000 valid ones): that walk
 * passes every newer row first.  A filter not driving is written with
 * "+", which keeps the planner off its index.
 */
#define SQ_DENSE	50000

enum sq_drive {
	SQ_DRIVE_ROWID,
	SQ_DRIVE_NOT_AFTER,
	SQ_DRIVE_ISSUED,
	SQ_DRIVE_REVOKED,
};

/* The range and state terms of "cq", "+"-prefixed unless they drive. */
static void
sq_q_cert_ranges(struct sq_q *q, const struct store_cert_query *cq,
    enum sq_drive d)
{
	const char *na = d == SQ_DRIVE_NOT_AFTER ? "" : "+";
	const char *ia = d == SQ_DRIVE_ISSUED ? "" : "+";
	char	    frag[64];

	if (cq->state == STORE_STATE_VALID)
		sq_q_int(q, " AND status = 0 AND +not_after > ?", cq->now);
	else if (cq->state == STORE_STATE_REVOKED)
		sq_q_add(q, d == SQ_DRIVE_REVOKED ? " AND status = 1" :
		    " AND +status = 1");
	else if (cq->state == STORE_STATE_EXPIRED) {
		snprintf(frag, sizeof(frag), " AND status = 0 AND %snot_after "
		    "<= ?", na);
		sq_q_int(q, frag, cq->now);
	}
	snprintf(frag, sizeof(frag), " AND %sissued_at >= ?", ia);
	if (cq->issued_from != 0)
		sq_q_int(q, frag, cq->issued_from);
	snprintf(frag, sizeof(frag), " AND %sissued_at < ?", ia);
	if (cq->issued_to != 0)
		sq_q_int(q, frag, cq->issued_to);
	snprintf(frag, sizeof(frag), " AND %snot_after >= ?", na);
	if (cq->expires_from != 0)
		sq_q_int(q, frag, cq->expires_from);
	snprintf(frag, sizeof(frag), " AND %snot_after < ?", na);
	if (cq->expires_to != 0)
		sq_q_int(q, frag, cq->expires_to);
}

/* The filters of "cq" on "key" (the rowid the rows are ordered by). */
static void
sq_q_cert_filters(struct sq_q *q, const struct store_cert_query *cq,
    const char *key, enum sq_drive d)
{
	char	frag[64];

	if (cq->serial != NULL && *cq->serial != '\0')
		sq_q_text(q, " AND serial = ?", cq->serial);
	if (cq->serial_prefix != NULL && *cq->serial_prefix != '\0') {
		sq_q_text(q, " AND serial >= ?", cq->serial_prefix);
		/* Serials are upper-case hex, all below '~'. */
		sq_q_text(q, " AND serial < ?", sq_q_escape(q, "",
		    cq->serial_prefix, "~", 1));
	}
	if (cq->peer != NULL && *cq->peer != '\0')
		sq_q_text(q, " AND peer = ?", cq->peer);
	sq_q_profiles(q, cq->profiles, cq->nprofiles);
	if (cq->ca != NULL && *cq->ca != '\0')
		sq_q_text(q, " AND ca = ?", cq->ca);
	sq_q_cert_ranges(q, cq, d);
	snprintf(frag, sizeof(frag), " AND %s < ?", key);
	if (cq->after > 0)
		sq_q_int(q, frag, cq->after);
	snprintf(frag, sizeof(frag), " ORDER BY %s DESC LIMIT ?", key);
	sq_q_int(q, frag, (int64_t)cq->limit + 1);
}

static const char *const sq_drive_index[] = {
	[SQ_DRIVE_ROWID] = "",
	[SQ_DRIVE_NOT_AFTER] = " INDEXED BY certs_not_after",
	[SQ_DRIVE_ISSUED] = " INDEXED BY certs_issued",
	[SQ_DRIVE_REVOKED] = " INDEXED BY certs_revoked",
};

/* Rows of "cq"'s terms on drive "d"'s index alone, up to SQ_DENSE. */
static int64_t
sq_probe(struct sq *s, const struct store_cert_query *cq, enum sq_drive d)
{
	struct sq_q	*q;
	int64_t		 n = SQ_DENSE;
	int		 found;
	struct sq_conn	*c;
	sqlite3_stmt	*st;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return n;
	sq_q_add(q, "SELECT count(*) FROM (SELECT 1 FROM certs");
	sq_q_add(q, sq_drive_index[d]);
	sq_q_add(q, " WHERE 1");
	sq_q_cert_ranges(q, cq, d);
	sq_q_int(q, " LIMIT ?)", SQ_DENSE);
	c = sq_get(s);
	if ((st = sq_q_prepare(s, c, q)) != NULL) {
		found = sqlite3_step(st) == SQLITE_ROW;
		if (found)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sq_put(s, c);
	free(q);
	return n;
}

/* The sparsest range or state of "cq", or the rowid if none is. */
static enum sq_drive
sq_cert_drive(struct sq *s, const struct store_cert_query *cq)
{
	enum sq_drive	 best = SQ_DRIVE_ROWID;
	int64_t		 n, least = SQ_DENSE;

	if (cq->state == STORE_STATE_EXPIRED || cq->expires_from != 0 ||
	    cq->expires_to != 0) {
		if ((n = sq_probe(s, cq, SQ_DRIVE_NOT_AFTER)) < least) {
			least = n;
			best = SQ_DRIVE_NOT_AFTER;
		}
	}
	if (cq->issued_from != 0 || cq->issued_to != 0) {
		if ((n = sq_probe(s, cq, SQ_DRIVE_ISSUED)) < least) {
			least = n;
			best = SQ_DRIVE_ISSUED;
		}
	}
	if (cq->state == STORE_STATE_REVOKED &&
	    sq_probe(s, cq, SQ_DRIVE_REVOKED) < least)
		best = SQ_DRIVE_REVOKED;
	return best;
}

/* meta.text_rowid: the certificates up to it are in certs_text. */
static int
sq_text_indexed(struct sq *s, int64_t *indexed)
{
	struct sq_q	*q;
	struct sq_conn	*c;
	sqlite3_stmt	*st;
	int		 rc = -1;

	*indexed = 0;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	sq_q_add(q, "SELECT value FROM meta WHERE key = 'text_rowid'");
	c = sq_get(s);
	if ((st = sq_q_prepare(s, c, q)) != NULL) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			*indexed = sqlite3_column_int64(st, 0);
			rc = 0;
		} else
			log_warnx("%s: search: no text_rowid", s->path);
		sqlite3_finalize(st);
	}
	sq_put(s, c);
	free(q);
	return rc;
}

/*
 * A text search: first the certificates above meta.text_rowid (fewer
 * than SQ_TEXT_BATCH, not yet in certs_text), read with LIKE, then
 * certs_text's up to it, so that no certificate is found twice or
 * missed while the trigger moves text_rowid on.
 */
static int
sq_cert_text(struct sq *s, const struct store_cert_query *cq,
    const struct store_cb *cb, int64_t *next)
{
	struct store_cert_query	 rest = *cq;
	struct sq_q		*q;
	int64_t			 indexed;
	int			 ret = -1;

	if (sq_text_indexed(s, &indexed) == -1 ||
	    (q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	sq_q_int(q, "SELECT " STORE_CERT_COLNAMES ", rowid FROM certs "
	    "WHERE rowid > ?", indexed);
	if (cq->subject != NULL && *cq->subject != '\0')
		sq_q_text(q, " AND subject LIKE ? ESCAPE '\\'",
		    sq_q_escape(q, "%", cq->subject, "%", 0));
	if (cq->san != NULL && *cq->san != '\0')
		sq_q_text(q, " AND sans LIKE ? ESCAPE '\\'",
		    sq_q_escape(q, "%", cq->san, "%", 0));
	sq_q_cert_filters(q, cq, "certs.rowid", SQ_DRIVE_ROWID);
	if (sq_q_run(s, q, sq_cert_row, CERT_COL__MAX, cb, cq->limit,
	    next) == -1)
		goto out;
	if (*next != 0 || q->got == cq->limit) {
		/* A full page (the next may be empty). */
		if (*next == 0)
			*next = q->last;
		ret = 0;
		goto out;
	}
	rest.limit = cq->limit - q->got;
	memset(q, 0, sizeof(*q));
	sq_q_match(q, &rest);
	sq_q_int(q, " AND certs_text.rowid <= ?", indexed);
	sq_q_cert_filters(q, &rest, "certs_text.rowid", SQ_DRIVE_ROWID);
	ret = sq_q_run(s, q, sq_cert_row, CERT_COL__MAX, cb, rest.limit,
	    next);
 out:
	free(q);
	return ret;
}

static int
sq_cert_search(void *arg, const struct store_cert_query *cq,
    store_cert_cb fn, void *fnarg, int64_t *next)
{
	struct sq_q	*q;
	enum sq_drive	 d;
	int		 ret = -1;

	if ((cq->subject != NULL && *cq->subject != '\0') ||
	    (cq->san != NULL && *cq->san != '\0'))
		return sq_cert_text(arg, cq, STORE_CB_CERT(fn, fnarg), next);
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	d = sq_cert_drive(arg, cq);
	sq_q_add(q, "SELECT " STORE_CERT_COLNAMES ", rowid FROM certs");
	if (d != SQ_DRIVE_ROWID) {
		sq_q_add(q, " WHERE rowid IN (SELECT rowid FROM certs");
		sq_q_add(q, sq_drive_index[d]);
	}
	sq_q_add(q, " WHERE 1");
	sq_q_cert_filters(q, cq, "certs.rowid", d);
	if (d != SQ_DRIVE_ROWID)
		sq_q_add(q, ") ORDER BY rowid DESC");
	ret = sq_q_run(arg, q, sq_cert_row, CERT_COL__MAX,
	    STORE_CB_CERT(fn, fnarg), cq->limit, next);
	free(q);
	return ret;
}

static int
sq_cert_renewals(void *arg, const char *serial, store_cert_cb fn,
    void *fnarg)
{
	struct sq_q	*q;
	int		 ret;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	sq_q_text(q, "SELECT " STORE_CERT_COLNAMES ", rowid FROM certs "
	    "WHERE renewed_from = ? ORDER BY rowid", serial);
	ret = sq_q_run(arg, q, sq_cert_row, CERT_COL__MAX,
	    STORE_CB_CERT(fn, fnarg), 0, NULL);
	free(q);
	return ret;
}

static int
sq_request_search(void *arg, const struct store_request_query *rq,
    store_request_cb fn, void *fnarg, int64_t *next)
{
	struct sq_q	*q;
	const char	*pat;
	int		 ret;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	sq_q_add(q, "SELECT " STORE_REQ_COLNAMES " FROM requests WHERE 1");
	if (rq->state == STORE_RSTATE_PENDING)
		sq_q_int(q, " AND status = 3 AND expires_at > ?", rq->now);
	else if (rq->state == STORE_RSTATE_ISSUED)
		sq_q_add(q, " AND status = 0");
	else if (rq->state == STORE_RSTATE_REJECTED)
		sq_q_add(q, " AND status = 2");
	else if (rq->state == STORE_RSTATE_EXPIRED)
		sq_q_int(q, " AND status = 3 AND expires_at <= ?", rq->now);
	sq_q_profiles(q, rq->profiles, rq->nprofiles);
	/* Requests are few (pending ones, kept): a scan, no text index. */
	if (rq->text != NULL && *rq->text != '\0' &&
	    (pat = sq_q_escape(q, "%", rq->text, "%", 0)) != NULL) {
		sq_q_text(q, " AND (subject LIKE ? ESCAPE '\\'", pat);
		sq_q_text(q, " OR CAST(txid AS TEXT) LIKE ? ESCAPE '\\'", pat);
		sq_q_text(q, " OR peer LIKE ? ESCAPE '\\')", pat);
	}
	if (rq->after > 0)
		sq_q_int(q, " AND id < ?", rq->after);
	sq_q_int(q, " ORDER BY id DESC LIMIT ?", (int64_t)rq->limit + 1);
	ret = sq_q_run(arg, q, sq_request_row, REQ_COL_ID,
	    STORE_CB_REQUEST(fn, fnarg), rq->limit, next);
	free(q);
	return ret;
}

const struct store_ops store_sqlite_ops = {
	.version = STORE_OPS_VERSION,
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.issue = sq_issue,
	.txn_get = sq_txn_get,
	.cert_get = sq_cert_get,
	.cert_list = sq_cert_list,
	.cert_status = sq_cert_status,
	.cert_revoke = sq_cert_revoke,
	.revoked_list = sq_revoked_list,
	.revision = sq_revision,
	.request_put = sq_request_put,
	.request_get = sq_request_get,
	.request_list = sq_request_list,
	.request_issue = sq_request_issue,
	.request_reject = sq_request_reject,
	.crl_latest = sq_crl_latest,
	.crl_put = sq_crl_put,
	.txn_list = sq_txn_list,
	.crl_list = sq_crl_list,
	.counts = sq_counts,
	.import = sq_import,
	.challenge_put = sq_challenge_put,
	.challenge_get = sq_challenge_get,
	.challenge_list = sq_challenge_list,
	.cert_count_active = sq_cert_count_active,
	.txn_pending_other = sq_txn_pending_other,
	.cert_search = sq_cert_search,
	.cert_renewals = sq_cert_renewals,
	.request_search = sq_request_search,
	.lease_take = sq_lease_take,
	.metrics = sq_metrics,
	.request_issue_a = sq_request_issue_a,
	.request_reject_a = sq_request_reject_a,
	.cert_revoke_a = sq_cert_revoke_a,
	.challenge_put_a = sq_challenge_put_a,
	.challenge_revoke = sq_challenge_revoke,
	.token_put = sq_token_put,
	.token_revoke = sq_token_revoke,
	.token_get = sq_token_get,
	.token_list = sq_token_list,
	.audit_append = sq_audit_append,
	.audit_list = sq_audit_list,
	.audit_all = sq_audit_all,
	.audit_head = sq_audit_head,
	.txlog_put = sq_txlog_put,
	.txlog_list = sq_txlog_list,
	.txlog_prune = sq_txlog_prune,
	.stats = sq_stats,
};
