/*	SPDX-License-Identifier: ISC */
/*
 * store_pgsql.c: the PostgreSQL backend of struct store_ops (libpq), for
 * several scepd nodes sharing one database.  The answers are those of
 * store_sqlite.c; what differs is how races are settled: uniqueness by
 * constraint (unique_violation becomes DUP_*), decisions by conditional
 * UPDATEs whose row count says who won, migrations under an advisory
 * lock.  A pool of connections, each with its prepared statements; a
 * connection that broke is reset at its next checkout, so scepd
 * reconnects by itself once the database is back.
 * Only store.c calls this file.  Its SQL is here, but for the column
 * lists it shares with the other backend (store_cols.h).
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "log.h"
#include "store.h"
#include "store_cols.h"
#include "store_query.h"

/*
 * Schema migrations: entry i takes meta.schema_version i to i + 1.
 * Version 1 is SQLite's version 2, with bigserial ids where SQLite has
 * rowids, bytea for transactionIDs (the client's bytes, which need not
 * be UTF-8) and an index for the request -> transaction link; version 2
 * is SQLite's 3.
 */
static const char *const pg_migrations[] = {
	/* 1: certificates, transactions, pending requests, CRLs */
	"CREATE TABLE certs ("
	"  id bigserial PRIMARY KEY,"
	"  serial text NOT NULL UNIQUE,"
	"  subject text NOT NULL,"
	"  not_before bigint NOT NULL,"
	"  not_after bigint NOT NULL,"
	"  status integer NOT NULL DEFAULT 0,"
	"  issued_at bigint NOT NULL,"
	"  txid bytea NOT NULL,"
	"  profile text NOT NULL,"
	"  peer text NOT NULL,"
	"  der bytea NOT NULL,"
	"  revoked_at bigint,"
	"  revoke_reason integer,"
	"  renewed_from text);"
	"CREATE INDEX certs_subject ON certs(subject);"
	"CREATE INDEX certs_not_after ON certs(not_after);"
	"CREATE INDEX certs_status ON certs(status);"
	"CREATE TABLE requests ("
	"  id bigserial PRIMARY KEY,"
	"  txid bytea NOT NULL,"
	"  signer_kid bytea NOT NULL,"
	"  csr_kid bytea NOT NULL,"
	"  csr bytea NOT NULL,"
	"  subject text NOT NULL,"
	"  profile text NOT NULL,"
	"  peer text NOT NULL,"
	"  created_at bigint NOT NULL,"
	"  expires_at bigint NOT NULL,"
	"  status integer NOT NULL,"
	"  serial text REFERENCES certs(serial),"
	"  decided_at bigint,"
	"  reason text);"
	"CREATE TABLE txns ("
	"  txid bytea NOT NULL,"
	"  signer_kid bytea NOT NULL,"
	"  csr_kid bytea NOT NULL,"
	"  status integer NOT NULL DEFAULT 0,"
	"  serial text REFERENCES certs(serial),"
	"  request_id bigint REFERENCES requests(id),"
	"  created_at bigint NOT NULL,"
	"  PRIMARY KEY (txid, signer_kid));"
	"CREATE INDEX txns_request ON txns(request_id);"
	"CREATE TABLE crls ("
	"  number bigint PRIMARY KEY,"
	"  revision bigint NOT NULL,"
	"  this_update bigint NOT NULL,"
	"  next_update bigint NOT NULL,"
	"  der bytea NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('revision', 0);",
	/* 2: several CAs (certificates and CRLs per CA), one-time challenges */
	"ALTER TABLE certs ADD COLUMN ca text NOT NULL DEFAULT '"
	    STORE_CA_DEFAULT "';"
	"CREATE INDEX certs_ca_subject ON certs(ca, subject);"
	"ALTER TABLE crls ADD COLUMN ca text NOT NULL DEFAULT '"
	    STORE_CA_DEFAULT "';"
	"ALTER TABLE crls DROP CONSTRAINT crls_pkey;"
	"ALTER TABLE crls ADD PRIMARY KEY (ca, number);"
	"CREATE TABLE challenges ("
	"  hash bytea PRIMARY KEY,"
	"  profile text NOT NULL,"
	"  created_at bigint NOT NULL,"
	"  expires_at bigint NOT NULL,"
	"  used_at bigint,"
	"  subject text NOT NULL DEFAULT '');"
	"CREATE INDEX challenges_created ON challenges(created_at);",
	/*
	 * 3: as SQLite's schema 4 and 5: no index nothing queries by
	 * (subject alone, not_after), and partial indexes for the rows that
	 * are looked for, revoked certificates and the transactions of
	 * pending requests, so that an issuance adds to neither (issue #6).
	 */
	"DROP INDEX certs_subject;"
	"DROP INDEX certs_not_after;"
	"DROP INDEX certs_status;"
	"CREATE INDEX certs_revoked ON certs(ca, id) WHERE status = 1;"
	"DROP INDEX txns_request;"
	"CREATE INDEX txns_request ON txns(request_id) "
	"  WHERE request_id IS NOT NULL;",
	/* 4: as SQLite's schema 6: what /metrics counts (issue #11). */
	"CREATE INDEX certs_expiry ON certs(ca, status, not_after);",
	/*
	 * 5: as SQLite's schema 7 (the admin layer, issue #11): tokens,
	 * the hash-chained audit log and its head row (locked by every
	 * append, so nodes take turns and never fork the chain), and the
	 * transaction log; transactionIDs as bytea, as in txns.
	 */
	"CREATE TABLE tokens ("
	"  name text PRIMARY KEY,"
	"  hash bytea NOT NULL UNIQUE,"
	"  role text NOT NULL,"
	"  profiles text NOT NULL DEFAULT '',"
	"  created_at bigint NOT NULL,"
	"  expires_at bigint NOT NULL DEFAULT 0,"
	"  revoked_at bigint NOT NULL DEFAULT 0,"
	"  cert bytea);"
	"CREATE INDEX tokens_cert ON tokens(cert) WHERE cert IS NOT NULL;"
	"CREATE TABLE audit ("
	"  seq bigint PRIMARY KEY,"
	"  at bigint NOT NULL,"
	"  actor text NOT NULL,"
	"  action text NOT NULL,"
	"  target text NOT NULL,"
	"  details text NOT NULL,"
	"  peer text NOT NULL,"
	"  outcome text NOT NULL,"
	"  prev bytea NOT NULL,"
	"  hash bytea NOT NULL);"
	"CREATE INDEX audit_at ON audit(at);"
	"CREATE INDEX audit_actor ON audit(actor, seq);"
	"CREATE INDEX audit_action ON audit(action, seq);"
	"CREATE TABLE audit_head ("
	"  id integer PRIMARY KEY CHECK (id = 1),"
	"  seq bigint NOT NULL,"
	"  hash bytea NOT NULL);"
	"INSERT INTO audit_head VALUES (1, 0, decode(repeat('00', 32), "
	"  'hex'));"
	"CREATE TABLE txlog ("
	"  id bigserial PRIMARY KEY,"
	"  at bigint NOT NULL,"
	"  profile text NOT NULL,"
	"  txid bytea NOT NULL,"
	"  msgtype text NOT NULL,"
	"  outcome text NOT NULL,"
	"  result text NOT NULL,"
	"  fail_info text NOT NULL,"
	"  reason text NOT NULL,"
	"  subject text NOT NULL,"
	"  peer text NOT NULL,"
	"  serial text NOT NULL,"
	"  http integer NOT NULL,"
	"  duration_ms integer NOT NULL);"
	"CREATE INDEX txlog_at ON txlog(at);"
	"CREATE INDEX txlog_txid ON txlog(txid);"
	"CREATE INDEX txlog_peer ON txlog(peer, id);"
	"CREATE INDEX txlog_profile ON txlog(profile, id);"
	"CREATE INDEX requests_decided ON requests(decided_at) "
	"  WHERE decided_at IS NOT NULL;",
	/* 6: as SQLite's 8, leases of periodic jobs among nodes (issue #16) */
	"CREATE TABLE leases ("
	"  name text PRIMARY KEY,"
	"  holder text NOT NULL,"
	"  expires_at bigint NOT NULL);",
	/*
	 * 7: as SQLite's schema 9: SANs as text (filled at issue time; rows
	 * stored before have none), one index per exact filter of the admin
	 * API's search, each ending in the id it pages by, and pg_trgm
	 * indexes for substring search of subject and SANs.  pg_trgm ships
	 * with PostgreSQL and is a trusted extension (13+): the database's
	 * owner may create it.
	 */
	"CREATE EXTENSION IF NOT EXISTS pg_trgm;"
	"ALTER TABLE certs ADD COLUMN sans text NOT NULL DEFAULT '';"
	"CREATE INDEX certs_not_after ON certs(not_after, id);"
	"CREATE INDEX certs_issued ON certs(issued_at, id);"
	"CREATE INDEX certs_profile ON certs(profile, id);"
	"CREATE INDEX certs_peer ON certs(peer, id);"
	"CREATE INDEX certs_renewed ON certs(renewed_from) "
	"  WHERE renewed_from IS NOT NULL;"
	"CREATE INDEX certs_subject_trgm ON certs "
	"  USING gin (subject gin_trgm_ops);"
	"CREATE INDEX certs_sans_trgm ON certs USING gin (sans gin_trgm_ops);",
};
#define PG_SCHEMA_VERSION \
	((int)(sizeof(pg_migrations) / sizeof(pg_migrations[0])))

/* pg_advisory_xact_lock() key of migrations: "scep" in ASCII. */
#define PG_LOCK_KEY		"1935893872"
/* Seconds libpq waits for a connection, unless the URL says otherwise. */
#define PG_CONNECT_TIMEOUT	"5"
/* Seconds between reconnection attempts of one connection. */
#define PG_RETRY_SECS		1
#define PG_DEFAULT_CONNS	8
/* How many old CRLs are kept beside the newest (as store_sqlite.c). */
#define PG_CRL_KEEP		16
/* Parameters of the widest statement (a search naming many profiles). */
#define PG_NARGS		40

enum pg_stmt {
	PG_CERT_INSERT,
	PG_TXN_INSERT,
	PG_TXN_RENEW,
	PG_TXN_GET,
	PG_TXN_PENDING_OTHER,
	PG_CERT_GET,
	PG_CERT_LIST,
	PG_CERT_STATUS,
	PG_CERT_REVOKE,
	PG_REVOKED_LIST,
	PG_REV_BUMP,
	PG_REV_GET,
	PG_REQ_INSERT,
	PG_REQ_GET,
	PG_REQ_LIST,
	PG_REQ_ISSUE,
	PG_REQ_REJECT,
	PG_TXN_DECIDE,
	PG_CRL_LATEST,
	PG_CRL_INSERT,
	PG_CRL_PRUNE,
	PG_TXN_LIST,
	PG_CRL_LIST,
	PG_COUNTS,
	PG_REV_SET,
	PG_REQ_SEQ,
	PG_CHAL_INSERT,
	PG_CHAL_GET,
	PG_CHAL_USE,
	PG_CHAL_LIST,
	PG_CERT_COUNT,
	PG_LIMIT_LOCK,
	PG_METRICS_CERTS,
	PG_METRICS_PENDING,
	PG_CHAL_REVOKE,
	PG_TOKEN_INSERT,
	PG_TOKEN_REVOKE,
	PG_TOKEN_BY_HASH,
	PG_TOKEN_BY_CERT,
	PG_TOKEN_LIST,
	PG_AUDIT_LOCK,
	PG_AUDIT_HEAD,
	PG_AUDIT_INSERT,
	PG_AUDIT_HEAD_SET,
	PG_AUDIT_ALL,
	PG_TXLOG_INSERT,
	PG_TXLOG_PRUNE,
	PG_STATS,
	PG__MAX
};

static const char *const pg_sql[PG__MAX] = {
	[PG_CERT_INSERT] = "INSERT INTO certs (serial, subject, not_before, "
	    "not_after, status, issued_at, txid, profile, peer, der, "
	    "renewed_from, revoked_at, revoke_reason, ca, sans) VALUES ($1, $2, "
	    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
	[PG_TXN_INSERT] = "INSERT INTO txns (txid, signer_kid, csr_kid, "
	    "status, serial, request_id, created_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
	/* An upsert that only moves a transaction on from "replaces". */
	[PG_TXN_RENEW] = "INSERT INTO txns (txid, signer_kid, csr_kid, "
	    "status, serial, request_id, created_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7) "
	    "ON CONFLICT (txid, signer_kid) DO UPDATE SET "
	    "csr_kid = excluded.csr_kid, status = excluded.status, "
	    "serial = excluded.serial, request_id = excluded.request_id, "
	    "created_at = excluded.created_at WHERE txns.serial = $8",
	[PG_TXN_GET] = "SELECT " STORE_TXN_COLNAMES " FROM txns "
	    "WHERE txid = $1 AND signer_kid = $2",
	/* 3: STORE_TXN_PENDING; the primary key (txid, signer_kid) serves it */
	[PG_TXN_PENDING_OTHER] = "SELECT count(*) FROM txns "
	    "WHERE txid = $1 AND signer_kid <> $2 AND status = 3",
	[PG_CERT_GET] = "SELECT " STORE_CERT_COLNAMES " FROM certs "
	    "WHERE serial = $1",
	[PG_CERT_LIST] = "SELECT " STORE_CERT_COLNAMES " FROM certs "
	    "ORDER BY id",
	[PG_CERT_STATUS] = "SELECT " STORE_STATUS_COLNAMES " FROM certs "
	    "WHERE serial = $1",
	[PG_CERT_REVOKE] = "UPDATE certs SET status = 1, revoked_at = $2, "
	    "revoke_reason = $3 WHERE serial = $1 AND status = 0 "
	    "RETURNING serial",
	[PG_REVOKED_LIST] = "SELECT " STORE_CERT_COLNAMES " FROM certs "
	    "WHERE status = 1 AND ca = $1 ORDER BY id",
	[PG_REV_BUMP] = "UPDATE meta SET value = value + 1 "
	    "WHERE key = 'revision'",
	[PG_REV_GET] = "SELECT value FROM meta WHERE key = 'revision'",
	/* A new request takes the next id; an imported one keeps its own. */
	[PG_REQ_INSERT] = "INSERT INTO requests (txid, signer_kid, csr_kid, "
	    "csr, subject, profile, peer, created_at, expires_at, status, id, "
	    "serial, decided_at, reason) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	    "COALESCE($11, nextval('requests_id_seq')), $12, $13, $14) "
	    "RETURNING id",
	[PG_REQ_GET] = "SELECT " STORE_REQ_COLNAMES " FROM requests "
	    "WHERE id = $1",
	[PG_REQ_LIST] = "SELECT " STORE_REQ_COLNAMES " FROM requests "
	    "ORDER BY id DESC",
	[PG_REQ_ISSUE] = "UPDATE requests SET status = 0, serial = $2, "
	    "decided_at = $3 WHERE id = $1 AND status = 3 AND expires_at > $3 "
	    "RETURNING id",
	[PG_REQ_REJECT] = "UPDATE requests SET status = 2, reason = $2, "
	    "decided_at = $3 WHERE id = $1 AND status = 3 RETURNING id",
	[PG_TXN_DECIDE] = "UPDATE txns SET status = $2, serial = $3 "
	    "WHERE request_id = $1",
	[PG_CRL_LATEST] = "SELECT " STORE_CRL_COLNAMES " FROM crls "
	    "WHERE ca = $1 ORDER BY number DESC LIMIT 1",
	[PG_CRL_INSERT] = "INSERT INTO crls (number, revision, this_update, "
	    "next_update, der, ca) VALUES ($1, $2, $3, $4, $5, $6)",
	[PG_CRL_PRUNE] = "DELETE FROM crls WHERE number < $1 AND ca = $2",
	[PG_TXN_LIST] = "SELECT " STORE_TXN_COLNAMES " FROM txns "
	    "ORDER BY created_at, txid",
	[PG_CRL_LIST] = "SELECT " STORE_CRL_COLNAMES " FROM crls "
	    "ORDER BY ca, number",
	[PG_COUNTS] = "SELECT " STORE_COUNTS_COLNAMES,
	[PG_REV_SET] = "UPDATE meta SET value = $1 WHERE key = 'revision'",
	/* After an import, new requests must not reuse an imported id. */
	[PG_REQ_SEQ] = "SELECT setval('requests_id_seq', max(id)) "
	    "FROM requests HAVING max(id) IS NOT NULL",
	[PG_CHAL_INSERT] = "INSERT INTO challenges (" STORE_CHAL_COLNAMES ") "
	    "VALUES ($1, $2, $3, $4, $5, $6)",
	[PG_CHAL_GET] = "SELECT " STORE_CHAL_COLNAMES " FROM challenges "
	    "WHERE hash = $1",
	/*
	 * The one statement that decides which request gets a challenge:
	 * of requests on any number of nodes, the first takes the row
	 * lock, the others then find used_at set.
	 */
	[PG_CHAL_USE] = "UPDATE challenges SET used_at = $2 WHERE hash = $1 "
	    "AND used_at IS NULL AND expires_at > $2 RETURNING hash",
	[PG_CHAL_LIST] = "SELECT " STORE_CHAL_COLNAMES " FROM challenges "
	    "ORDER BY created_at DESC",
	[PG_CERT_COUNT] = "SELECT count(*) FROM certs WHERE ca = $1 AND "
	    "subject = $2 AND status = 0 AND not_after > $3",
	/* Writers of one CA and subject take turns until they commit. */
	[PG_LIMIT_LOCK] = "SELECT pg_advisory_xact_lock("
	    "hashtextextended($1::text || '/' || $2::text, 0))",
	/* As SQLite's; certs_expiry serves it (an index-only scan). */
	[PG_METRICS_CERTS] = "SELECT ca, status, count(*), "
	    "count(*) FILTER (WHERE not_after <= $1), "
	    "count(*) FILTER (WHERE not_after > $1 AND not_after <= $1 + "
	    "604800), "
	    "count(*) FILTER (WHERE not_after > $1 AND not_after <= $1 + "
	    "2592000) FROM certs GROUP BY ca, status",
	[PG_METRICS_PENDING] = "SELECT count(*) FROM requests "
	    "WHERE status = 3 AND expires_at > $1",
	[PG_CHAL_REVOKE] = "UPDATE challenges SET used_at = $2, "
	    "expires_at = $2 WHERE hash = $1 AND used_at IS NULL AND "
	    "expires_at > $2",
	[PG_TOKEN_INSERT] = "INSERT INTO tokens (" STORE_TOKEN_COLNAMES ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	[PG_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = $2 "
	    "WHERE name = $1 AND revoked_at = 0",
	[PG_TOKEN_BY_HASH] = "SELECT " STORE_TOKEN_COLNAMES " FROM tokens "
	    "WHERE hash = $1",
	[PG_TOKEN_BY_CERT] = "SELECT " STORE_TOKEN_COLNAMES " FROM tokens "
	    "WHERE cert = $1 ORDER BY revoked_at <> 0, created_at DESC",
	[PG_TOKEN_LIST] = "SELECT " STORE_TOKEN_COLNAMES " FROM tokens "
	    "ORDER BY name",
	/*
	 * Every append locks the head row until it commits: appenders on
	 * all nodes take turns, each linking to the one before.
	 */
	[PG_AUDIT_LOCK] = "SELECT seq, hash FROM audit_head WHERE id = 1 "
	    "FOR UPDATE",
	[PG_AUDIT_HEAD] = "SELECT seq, hash FROM audit_head WHERE id = 1",
	[PG_AUDIT_INSERT] = "INSERT INTO audit (" STORE_AUDIT_COLNAMES ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	[PG_AUDIT_HEAD_SET] = "UPDATE audit_head SET seq = $1, hash = $2 "
	    "WHERE id = 1",
	[PG_AUDIT_ALL] = "SELECT " STORE_AUDIT_COLNAMES " FROM audit "
	    "ORDER BY seq",
	[PG_TXLOG_INSERT] = "INSERT INTO txlog (" STORE_TXLOG_INSERT_COLS ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
	[PG_TXLOG_PRUNE] = "DELETE FROM txlog WHERE id IN (SELECT id FROM "
	    "txlog WHERE at < $1 ORDER BY at LIMIT $2)",
	[PG_STATS] = STORE_STATS_SQL("$1"),
};

struct pg_conn {
	PGconn		*db;
	int		 ready;		/* statements prepared on this session */
	int		 lost;		/* session unusable: reset before use */
	int		 down;		/* unavailable, and said so in the log */
	time_t		 retry;		/* no new attempt before (monotonic) */
};

struct pg {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct pg_conn	*conns;
	int		*idle;		/* stack of idle connection indexes */
	int		 nidle;
	int		 nconns;
	char		*url;		/* may hold a password: never logged */
	atomic_llong	 reconnects;	/* sessions reset or opened again */
};

/* The parameters of one statement: text, or binary for bytea. */
struct pg_args {
	int		 n;
	const char	*v[PG_NARGS];
	int		 len[PG_NARGS];
	int		 fmt[PG_NARGS];
	char		 num[PG_NARGS][24];
};

/*
 * Reads a result's row into a record, indexing it by the record's
 * column enum (store_cols.h); on -1 the record owns nothing.
 */
typedef int (*pg_row_fn)(const PGresult *, void *);

/* The parameters of a statement that has none. */
static const struct pg_args pg_noargs;

static time_t
pg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* libpq's messages span lines (a tab starts the next); a log line not. */
static void
pg_oneline(const char *msg, char *buf, size_t sz)
{
	size_t i, n = 0;

	for (i = 0; msg[i] != '\0' && n + 1 < sz; i++) {
		if (msg[i] == '\n' || msg[i] == '\t') {
			if (n > 0 && buf[n - 1] != ' ')
				buf[n++] = ' ';
		} else
			buf[n++] = msg[i];
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

static void
pg_log(const char *what, const char *msg)
{
	char buf[512];

	pg_oneline(msg, buf, sizeof(buf));
	log_warnx("store (postgresql): %s: %s", what, buf);
}

/* NOTICEs go to the debug log, not to stderr as libpq would have it. */
static void
pg_notice(void *arg, const char *msg)
{
	char buf[512];

	if (log_enabled(LOG_LVL_DEBUG)) {
		pg_oneline(msg, buf, sizeof(buf));
		log_debug("store (postgresql): %s", buf);
	}
}

static void
pg_arg(struct pg_args *a, const void *v, size_t len, int fmt)
{
	if (a->n < PG_NARGS) {
		a->v[a->n] = v;
		a->len[a->n] = (int)len;
		a->fmt[a->n] = fmt;
	}
	a->n++;
}

static void
pg_text(struct pg_args *a, const char *s)
{
	pg_arg(a, s, 0, 0);
}

/* NULL for "" as well, as store_sqlite.c binds optional text. */
static void
pg_opt_text(struct pg_args *a, const char *s)
{
	pg_arg(a, s != NULL && *s != '\0' ? s : NULL, 0, 0);
}

static void
pg_int(struct pg_args *a, int64_t v)
{
	if (a->n < PG_NARGS)
		snprintf(a->num[a->n], sizeof(a->num[0]), "%lld",
		    (long long)v);
	pg_arg(a, a->n < PG_NARGS ? a->num[a->n] : NULL, 0, 0);
}

/* NULL for 0: an id or time that is not there. */
static void
pg_opt_int(struct pg_args *a, int64_t v)
{
	if (v == 0)
		pg_arg(a, NULL, 0, 0);
	else
		pg_int(a, v);
}

static void
pg_blob(struct pg_args *a, const void *p, size_t n)
{
	pg_arg(a, p, n, 1);
}

/* The revocation columns of a certificate: NULL unless revoked. */
static void
pg_revocation(struct pg_args *a, const struct store_cert *r)
{
	if (r->status != STORE_CERT_REVOKED) {
		pg_arg(a, NULL, 0, 0);
		pg_arg(a, NULL, 0, 0);
		return;
	}
	pg_int(a, r->revoked_at);
	if (r->revoke_reason < 0)
		pg_arg(a, NULL, 0, 0);
	else
		pg_int(a, r->revoke_reason);
}

/* An integer column of a binary result (int2, int4 or int8); NULL is 0. */
static int64_t
pg_col_int(const PGresult *r, int col)
{
	const unsigned char	*p = (const unsigned char *)PQgetvalue(r, 0, col);
	int			 n = PQgetlength(r, 0, col), i;
	uint64_t		 v = 0;

	if (PQgetisnull(r, 0, col) || (n != 2 && n != 4 && n != 8))
		return 0;
	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n < 8 && (p[0] & 0x80))
		v |= ~(uint64_t)0 << (8 * n);
	return (int64_t)v;
}

static void
pg_col_text(const PGresult *r, int col, char *buf, size_t sz)
{
	snprintf(buf, sz, "%.*s", PQgetlength(r, 0, col),
	    PQgetvalue(r, 0, col));
}

static char *
pg_col_strdup(const PGresult *r, int col)
{
	return strndup(PQgetvalue(r, 0, col), (size_t)PQgetlength(r, 0, col));
}

/* A bytea column into a malloc'd copy; empty or NULL is an error. */
static int
pg_col_blob(const PGresult *r, int col, unsigned char **out, size_t *outsz)
{
	int n = PQgetlength(r, 0, col);

	if (PQgetisnull(r, 0, col) || n <= 0 ||
	    (*out = malloc((size_t)n)) == NULL)
		return -1;
	memcpy(*out, PQgetvalue(r, 0, col), (size_t)n);
	*outsz = (size_t)n;
	return 0;
}

/* A bytea column of exactly STORE_KID_LEN bytes. */
static int
pg_col_kid(const PGresult *r, int col, unsigned char *out)
{
	if (PQgetisnull(r, 0, col) || PQgetlength(r, 0, col) != STORE_KID_LEN)
		return -1;
	memcpy(out, PQgetvalue(r, 0, col), STORE_KID_LEN);
	return 0;
}

/* A CRLReason column: NULL is -1 (none). */
static int
pg_col_reason(const PGresult *r, int col)
{
	return PQgetisnull(r, 0, col) ? -1 : (int)pg_col_int(r, col);
}

static void
pg_stmt_name(enum pg_stmt which, char *buf, size_t sz)
{
	snprintf(buf, sz, "scepd_%d", (int)which);
}

/*
 * After a failed command, log it and decide whether the session is
 * still good: a lost connection, an administrator's shutdown (57P) or
 * a connection exception (08) mean it must be reset before reuse.
 */
static void
pg_fail(struct pg_conn *c, const PGresult *r, const char *what)
{
	const char *state;

	state = r == NULL ? NULL : PQresultErrorField(r, PG_DIAG_SQLSTATE);
	pg_log(what, r != NULL && *PQresultErrorMessage(r) != '\0' ?
	    PQresultErrorMessage(r) : PQerrorMessage(c->db));
	if (PQstatus(c->db) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
		c->ready = 0;
		c->lost = 1;
	}
}

/* A statement without parameters or rows (BEGIN, COMMIT, LOCK): 0 or -1. */
static int
pg_cmd(struct pg_conn *c, const char *sql)
{
	PGresult	*r = PQexec(c->db, sql);
	int		 ret = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(c, r, sql);
		ret = -1;
	}
	PQclear(r);
	return ret;
}

/*
 * Run prepared statement "which" with "a"; binary results.  The result
 * (caller clears) or NULL.  With "dup" set, a unique_violation is not
 * logged but reported there: it is an answer, not a failure.
 */
static PGresult *
pg_exec(struct pg_conn *c, enum pg_stmt which, const struct pg_args *a,
    int *dup)
{
	PGresult	*r;
	const char	*state;
	char		 name[16];

	if (dup != NULL)
		*dup = 0;
	if (a->n > PG_NARGS) {
		log_warnx("store (postgresql): %s: too many parameters",
		    pg_sql[which]);
		return NULL;
	}
	pg_stmt_name(which, name, sizeof(name));
	r = PQexecPrepared(c->db, name, a->n, a->v, a->len, a->fmt, 1);
	if (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (dup != NULL && state != NULL && strcmp(state, "23505") == 0)
		*dup = 1;
	else
		pg_fail(c, r, pg_sql[which]);
	PQclear(r);
	return NULL;
}

/*
 * A write inside a transaction: STORE_PUT_OK with *rows (if wanted) the
 * number of rows it touched, "dup" on a unique violation, else an
 * error.
 */
static enum store_put
pg_write(struct pg_conn *c, enum pg_stmt which, const struct pg_args *a,
    enum store_put dup, int *rows)
{
	PGresult	*r;
	int		 isdup;

	if ((r = pg_exec(c, which, a, &isdup)) == NULL)
		return isdup ? dup : STORE_PUT_ERROR;
	if (rows != NULL)
		*rows = atoi(PQcmdTuples(r));
	PQclear(r);
	return STORE_PUT_OK;
}

static PGconn *
pg_connect(const char *url)
{
	/* "dbname" last: what the URL itself says wins (expand_dbname). */
	static const char *const keys[] = { "connect_timeout",
	    "application_name", "dbname", NULL };
	const char	*vals[] = { PG_CONNECT_TIMEOUT, "scepd", url, NULL };
	PGconn		*db;

	if ((db = PQconnectdbParams(keys, vals, 1)) != NULL)
		PQsetNoticeProcessor(db, pg_notice, NULL);
	return db;
}

static int
pg_prepare(struct pg_conn *c)
{
	PGresult	*r;
	char		 name[16];
	int		 i, ok;

	for (i = 0; i < PG__MAX; i++) {
		pg_stmt_name(i, name, sizeof(name));
		r = PQprepare(c->db, name, pg_sql[i], 0, NULL);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			pg_fail(c, r, pg_sql[i]);
		PQclear(r);
		if (!ok)
			return -1;
	}
	return 0;
}

/*
 * Bring the schema to PG_SCHEMA_VERSION in one transaction, holding an
 * advisory lock: nodes starting together take turns, and the later ones
 * find the work done.  DDL is transactional in PostgreSQL, so a failed
 * step leaves the schema as it was.
 */
static int
pg_migrate(struct pg_conn *c)
{
	PGresult	*r = NULL;
	const char	*vals[1];
	char		 v[16], what[48];
	int		 from, version, ret = -1;

	if (pg_cmd(c, "BEGIN") == -1 ||
	    pg_cmd(c, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")") == -1 ||
	    pg_cmd(c, "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, "
	    "value bigint NOT NULL)") == -1)
		goto out;
	r = PQexec(c->db, "SELECT value FROM meta WHERE key = "
	    "'schema_version'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(c, r, "schema version");
		goto out;
	}
	version = PQntuples(r) == 0 ? 0 : atoi(PQgetvalue(r, 0, 0));
	if (version > PG_SCHEMA_VERSION) {
		log_warnx("store (postgresql): schema version %d is newer than "
		    "this scepd (%d)", version, PG_SCHEMA_VERSION);
		goto out;
	}
	for (from = version; version < PG_SCHEMA_VERSION; version++) {
		PQclear(r);
		r = PQexec(c->db, pg_migrations[version]);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			snprintf(what, sizeof(what), "schema migration to "
			    "version %d", version + 1);
			pg_fail(c, r, what);
			goto out;
		}
	}
	PQclear(r);
	snprintf(v, sizeof(v), "%d", version);
	vals[0] = v;
	r = PQexecParams(c->db, "INSERT INTO meta (key, value) VALUES "
	    "('schema_version', $1) ON CONFLICT (key) DO UPDATE SET "
	    "value = excluded.value", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(c, r, "schema version");
		goto out;
	}
	if ((ret = pg_cmd(c, "COMMIT")) == 0 && from != version)
		log_info("store (postgresql): schema migrated from version %d "
		    "to %d", from, version);
 out:
	PQclear(r);
	if (ret == -1 && PQstatus(c->db) == CONNECTION_OK)
		PQclear(PQexec(c->db, "ROLLBACK"));
	return ret;
}

/*
 * Is this idle session still there?  Between our commands the server
 * has nothing to say unless it is going away (shutdown, failover, a
 * terminated backend: a FATAL message, then the end of the stream), so
 * a readable socket means "reset first".  Costs one poll().
 */
static int
pg_alive(struct pg_conn *c)
{
	struct pollfd pfd;

	if (PQstatus(c->db) != CONNECTION_OK)
		return 0;
	pfd.fd = PQsocket(c->db);
	pfd.events = POLLIN;
	return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

/*
 * Make "c" usable: reset a session that broke and prepare its
 * statements.  While the database is unreachable each connection tries
 * again at most every PG_RETRY_SECS, and in between fails at once, so
 * requests get a quick 503 instead of queueing on connect timeouts.
 * The first failure and the recovery are logged, not every attempt.
 */
static int
pg_ready(struct pg *p, struct pg_conn *c)
{
	time_t now;

	if (c->ready && !c->lost && pg_alive(c))
		return 0;
	now = pg_now();
	if (now < c->retry)
		return -1;
	if (c->db == NULL)
		c->db = pg_connect(p->url);
	else if (c->lost || !pg_alive(c)) {
		atomic_fetch_add(&p->reconnects, 1);
		PQreset(c->db);
	}
	c->ready = c->lost = 0;
	if (c->db != NULL && PQstatus(c->db) == CONNECTION_OK &&
	    pg_prepare(c) == 0) {
		if (c->down)
			log_info("store (postgresql): connection restored");
		c->ready = 1;
		c->down = 0;
		return 0;
	}
	if (!c->down)
		pg_log("database unavailable", c->db == NULL ?
		    "out of memory" : PQerrorMessage(c->db));
	c->lost = c->down = 1;
	c->retry = pg_now() + PG_RETRY_SECS;
	return -1;
}

static void
pg_put(struct pg *p, struct pg_conn *c)
{
	PGresult *r;

	if (c->db != NULL && PQstatus(c->db) == CONNECTION_OK) {
		/* Rows of a walk that stopped early are still coming. */
		while ((r = PQgetResult(c->db)) != NULL)
			PQclear(r);
		if (PQtransactionStatus(c->db) != PQTRANS_IDLE &&
		    pg_cmd(c, "ROLLBACK") == -1)
			c->lost = 1;
	}
	pthread_mutex_lock(&p->mu);
	p->idle[p->nidle++] = (int)(c - p->conns);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Check out a connection, ready for use; NULL if the database is away. */
static struct pg_conn *
pg_get(struct pg *p)
{
	struct pg_conn *c;

	pthread_mutex_lock(&p->mu);
	while (p->nidle == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	c = &p->conns[p->idle[--p->nidle]];
	pthread_mutex_unlock(&p->mu);
	if (pg_ready(p, c) == 0)
		return c;
	pg_put(p, c);
	return NULL;
}

static void pg_close(void *);

static void *
pg_open(const struct conf_store *cs, int create)
{
	struct pg	*p;
	int		 i;

	if (!PQisthreadsafe()) {
		log_warnx("store (postgresql): libpq is not thread-safe");
		return NULL;
	}
	if (cs->url == NULL) {
		log_warnx("store (postgresql): store.url is not set");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->nconns = cs->conns > 0 ? cs->conns : PG_DEFAULT_CONNS;
	if ((p->url = strdup(cs->url)) == NULL ||
	    (p->conns = calloc((size_t)p->nconns, sizeof(*p->conns))) ==
	    NULL || (p->idle = calloc((size_t)p->nconns, sizeof(int))) ==
	    NULL) {
		log_warn("store (postgresql): open");
		goto fail;
	}
	/* The schema first: statements cannot be prepared without it. */
	if ((p->conns[0].db = pg_connect(p->url)) == NULL ||
	    PQstatus(p->conns[0].db) != CONNECTION_OK) {
		pg_log("cannot connect", p->conns[0].db == NULL ?
		    "out of memory" : PQerrorMessage(p->conns[0].db));
		goto fail;
	}
	if (pg_migrate(&p->conns[0]) == -1)
		goto fail;
	for (i = 0; i < p->nconns; i++) {
		if (pg_ready(p, &p->conns[i]) == -1)
			goto fail;
		p->idle[p->nidle++] = i;
	}
	return p;
 fail:
	pg_close(p);
	return NULL;
}

static void
pg_close(void *arg)
{
	struct pg	*p = arg;
	int		 i;

	if (p == NULL)
		return;
	for (i = 0; p->conns != NULL && i < p->nconns; i++)
		PQfinish(p->conns[i].db);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->conns);
	free(p->idle);
	if (p->url != NULL)
		explicit_bzero(p->url, strlen(p->url));
	free(p->url);
	free(p);
}

/*
 * Finish a write transaction: commit when "ret" says so; give the
 * connection back (which rolls back anything left open).  A COMMIT
 * that fails is an error: if the connection died during it the change
 * may or may not be in, and the client's retry finds out (a resent
 * PKCSReq is answered from its stored transaction).
 */
static enum store_put
pg_finish(struct pg *p, struct pg_conn *c, enum store_put ret)
{
	if (ret == STORE_PUT_OK &&
	    (PQtransactionStatus(c->db) != PQTRANS_INTRANS ||
	    pg_cmd(c, "COMMIT") == -1))
		ret = STORE_PUT_ERROR;
	pg_put(p, c);
	return ret;
}

/*
 * Run one-row lookup "which" and hand the row to "row".  Not found is
 * 0 with *found = 0.
 */
static int
pg_lookup(struct pg *p, enum pg_stmt which, const struct pg_args *a,
    pg_row_fn row, void *out, int *found)
{
	struct pg_conn	*c;
	PGresult	*r;
	int		 ret = -1;

	*found = 0;
	if ((c = pg_get(p)) == NULL)
		return -1;
	if ((r = pg_exec(c, which, a, NULL)) != NULL) {
		if (PQntuples(r) == 0)
			ret = 0;
		else if (row(r, out) == 0) {
			*found = 1;
			ret = 0;
		} else
			log_warnx("store (postgresql): %s: unusable row",
			    pg_sql[which]);
	}
	PQclear(r);
	pg_put(p, c);
	return ret;
}

/*
 * Every row of "which", one at a time (single-row mode: a large store
 * is never held in memory), each read by "fill" into a record that
 * store_cb_give() hands on; stops at the first -1 of either.
 */
static int pg_drain(struct pg_conn *, const char *, pg_row_fn,
    const struct store_cb *);

static int
pg_each(struct pg *p, enum pg_stmt which, const struct pg_args *a,
    pg_row_fn fill, const struct store_cb *cb)
{
	struct pg_conn	*c;
	char		 name[16];
	int		 ret = -1;

	if ((c = pg_get(p)) == NULL)
		return -1;
	pg_stmt_name(which, name, sizeof(name));
	if (a->n > PG_NARGS ||
	    !PQsendQueryPrepared(c->db, name, a->n, a->v, a->len, a->fmt, 1) ||
	    !PQsetSingleRowMode(c->db)) {
		pg_fail(c, NULL, pg_sql[which]);
		goto out;
	}
	ret = pg_drain(c, pg_sql[which], fill, cb);
 out:
	pg_put(p, c);
	return ret;
}

/*
 * The rows of the query just sent on "c" in single-row mode, each
 * read by "fill" and handed on by store_cb_give(); 0 or -1.
 */
static int
pg_drain(struct pg_conn *c, const char *what, pg_row_fn fill,
    const struct store_cb *cb)
{
	PGresult	*r;
	union store_row	 row;
	int		 ret = -1, stop = 0;

	while ((r = PQgetResult(c->db)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
			if (!stop && (fill(r, &row) == -1 ||
			    store_cb_give(cb, &row) == -1))
				stop = 1;
			break;
		case PGRES_TUPLES_OK:
			if (!stop)
				ret = 0;
			break;
		default:
			pg_fail(c, r, what);
			stop = 1;
			break;
		}
		PQclear(r);
	}
	return ret;
}

/* Insert a certificate: OK, DUP_SERIAL or ERROR. */
static enum store_put
pg_cert_insert(struct pg_conn *c, const struct store_cert *r)
{
	struct pg_args a = { 0 };

	pg_text(&a, r->serial);
	pg_text(&a, r->subject);
	pg_int(&a, r->not_before);
	pg_int(&a, r->not_after);
	pg_int(&a, r->status);
	pg_int(&a, r->issued_at);
	pg_blob(&a, r->txid, strlen(r->txid));
	pg_text(&a, r->profile);
	pg_text(&a, r->peer);
	pg_blob(&a, r->der, r->dersz);
	pg_opt_text(&a, r->renewed_from);
	pg_revocation(&a, r);
	pg_text(&a, store_ca_name(r->ca));
	pg_text(&a, r->sans != NULL ? r->sans : "");
	return pg_write(c, PG_CERT_INSERT, &a, STORE_PUT_DUP_SERIAL, NULL);
}

/*
 * Insert a transaction recorded at "when": OK, DUP_TXN or ERROR.  With
 * t->replaces set, an existing row of that serial is moved on instead;
 * a row with another serial is DUP_TXN, as store_sqlite.c answers.
 */
static enum store_put
pg_txn_insert(struct pg_conn *c, const struct store_txn *t, int64_t when)
{
	struct pg_args	 a = { 0 };
	enum store_put	 ret;
	int		 renew = t->replaces[0] != '\0', rows = 0;

	pg_blob(&a, t->txid, strlen(t->txid));
	pg_blob(&a, t->signer_kid, STORE_KID_LEN);
	pg_blob(&a, t->csr_kid, STORE_KID_LEN);
	pg_int(&a, t->status);
	pg_opt_text(&a, t->serial);
	pg_opt_int(&a, t->request_id);
	pg_int(&a, when);
	if (renew)
		pg_text(&a, t->replaces);
	ret = pg_write(c, renew ? PG_TXN_RENEW : PG_TXN_INSERT, &a,
	    STORE_PUT_DUP_TXN, &rows);
	if (ret == STORE_PUT_OK && rows == 0)
		ret = STORE_PUT_DUP_TXN;
	return ret;
}

/*
 * Burn the transaction's one-time challenge, if it has one, inside the
 * write: STORE_PUT_CHALLENGE if another request (on any node) did
 * first, or it expired, or it is unknown.
 */
static enum store_put
pg_challenge_use(struct pg_conn *c, const struct store_txn *t, int64_t when)
{
	struct pg_args	 a = { 0 };
	enum store_put	 ret;
	int		 rows = 0;

	if (!t->challenge_once)
		return STORE_PUT_OK;
	pg_blob(&a, t->challenge, STORE_KID_LEN);
	pg_int(&a, when);
	ret = pg_write(c, PG_CHAL_USE, &a, STORE_PUT_ERROR, &rows);
	if (ret == STORE_PUT_OK && rows != 1)
		ret = STORE_PUT_CHALLENGE;
	return ret;
}

/*
 * certificate.max_active_per_subject inside the write: the advisory lock
 * makes nodes issuing for the same CA and subject take turns, and the
 * count after it sees what the previous holder committed.
 */
static enum store_put
pg_limit(struct pg_conn *c, const struct store_cert *r,
    const struct store_txn *t)
{
	struct pg_args	 a = { 0 }, b = { 0 };
	const char	*ca = store_ca_name(r->ca);
	PGresult	*res;
	int64_t		 n = -1;

	if (t->max_active <= 0)
		return STORE_PUT_OK;
	pg_text(&a, ca);
	pg_text(&a, r->subject);
	if ((res = pg_exec(c, PG_LIMIT_LOCK, &a, NULL)) == NULL)
		return STORE_PUT_ERROR;
	PQclear(res);
	pg_text(&b, ca);
	pg_text(&b, r->subject);
	pg_int(&b, r->issued_at);
	if ((res = pg_exec(c, PG_CERT_COUNT, &b, NULL)) == NULL)
		return STORE_PUT_ERROR;
	if (PQntuples(res) == 1)
		n = pg_col_int(res, 0);
	PQclear(res);
	if (n < 0)
		return STORE_PUT_ERROR;
	return n < t->max_active ? STORE_PUT_OK : STORE_PUT_LIMIT;
}

static enum store_put
pg_issue(void *arg, const struct store_cert *r, const struct store_txn *t)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	struct store_txn tt = *t;
	enum store_put	 ret = STORE_PUT_ERROR;

	if ((c = pg_get(p)) == NULL)
		return STORE_PUT_ERROR;
	tt.status = STORE_TXN_ISSUED;
	if (pg_cmd(c, "BEGIN") == 0 &&
	    (ret = pg_challenge_use(c, t, r->issued_at)) == STORE_PUT_OK &&
	    (ret = pg_limit(c, r, t)) == STORE_PUT_OK &&
	    (ret = pg_cert_insert(c, r)) == STORE_PUT_OK)
		ret = pg_txn_insert(c, &tt, r->issued_at);
	return pg_finish(p, c, ret);
}

static int
pg_txn_row(const PGresult *r, void *arg)
{
	struct store_txn *t = arg;

	memset(t, 0, sizeof(*t));
	pg_col_text(r, TXN_COL_SERIAL, t->serial, sizeof(t->serial));
	t->status = (int)pg_col_int(r, TXN_COL_STATUS);
	t->request_id = pg_col_int(r, TXN_COL_REQUEST_ID);
	t->created_at = pg_col_int(r, TXN_COL_CREATED_AT);
	pg_col_text(r, TXN_COL_TXID, t->txid, sizeof(t->txid));
	if (pg_col_kid(r, TXN_COL_SIGNER_KID, t->signer_kid) == -1)
		return -1;
	return pg_col_kid(r, TXN_COL_CSR_KID, t->csr_kid);
}

static int
pg_txn_get(void *arg, const char *txid, const unsigned char *signer_kid,
    struct store_txn *t, int *found)
{
	struct pg_args	a = { 0 };
	int		ret;

	pg_blob(&a, txid, strlen(txid));
	pg_blob(&a, signer_kid, STORE_KID_LEN);
	ret = pg_lookup(arg, PG_TXN_GET, &a, pg_txn_row, t, found);
	if (!*found) {
		memset(t, 0, sizeof(*t));
		snprintf(t->txid, sizeof(t->txid), "%s", txid);
		memcpy(t->signer_kid, signer_kid, STORE_KID_LEN);
	}
	return ret;
}

/* A row of STORE_CERT_COLNAMES into "r" (which then owns its copies). */
static int
pg_cert_row(const PGresult *res, void *arg)
{
	struct store_cert *r = arg;

	memset(r, 0, sizeof(*r));
	pg_col_text(res, CERT_COL_SERIAL, r->serial, sizeof(r->serial));
	r->not_before = pg_col_int(res, CERT_COL_NOT_BEFORE);
	r->not_after = pg_col_int(res, CERT_COL_NOT_AFTER);
	r->status = (int)pg_col_int(res, CERT_COL_STATUS);
	r->issued_at = pg_col_int(res, CERT_COL_ISSUED_AT);
	pg_col_text(res, CERT_COL_TXID, r->txid, sizeof(r->txid));
	pg_col_text(res, CERT_COL_PROFILE, r->profile, sizeof(r->profile));
	pg_col_text(res, CERT_COL_PEER, r->peer, sizeof(r->peer));
	r->revoked_at = pg_col_int(res, CERT_COL_REVOKED_AT);
	r->revoke_reason = pg_col_reason(res, CERT_COL_REVOKE_REASON);
	pg_col_text(res, CERT_COL_RENEWED_FROM, r->renewed_from,
	    sizeof(r->renewed_from));
	pg_col_text(res, CERT_COL_CA, r->ca, sizeof(r->ca));
	if ((r->subject = pg_col_strdup(res, CERT_COL_SUBJECT)) == NULL ||
	    (r->sans = pg_col_strdup(res, CERT_COL_SANS)) == NULL ||
	    pg_col_blob(res, CERT_COL_DER, &r->der, &r->dersz) == -1) {
		store_cert_clear(r);
		return -1;
	}
	return 0;
}

static int
pg_cert_get(void *arg, const char *serial, struct store_cert *r, int *found)
{
	struct pg_args a = { 0 };

	pg_text(&a, serial);
	return pg_lookup(arg, PG_CERT_GET, &a, pg_cert_row, r, found);
}

static int
pg_cert_list(void *arg, store_cert_cb fn, void *fnarg)
{
	return pg_each(arg, PG_CERT_LIST, &pg_noargs, pg_cert_row,
	    STORE_CB_CERT(fn, fnarg));
}

static int
pg_revoked_list(void *arg, const char *ca, store_cert_cb fn, void *fnarg)
{
	struct pg_args a = { 0 };

	pg_text(&a, ca);
	return pg_each(arg, PG_REVOKED_LIST, &a, pg_cert_row,
	    STORE_CB_CERT(fn, fnarg));
}

static int
pg_status_row(const PGresult *r, void *arg)
{
	struct store_status *ss = arg;

	ss->status = (int)pg_col_int(r, STATUS_COL_STATUS);
	ss->not_after = pg_col_int(r, STATUS_COL_NOT_AFTER);
	ss->revoked_at = pg_col_int(r, STATUS_COL_REVOKED_AT);
	ss->revoke_reason = pg_col_reason(r, STATUS_COL_REVOKE_REASON);
	pg_col_text(r, STATUS_COL_CA, ss->ca, sizeof(ss->ca));
	return 0;
}

static int
pg_cert_status(void *arg, const char *serial, struct store_status *ss,
    int *found)
{
	struct pg_args a = { 0 };

	memset(ss, 0, sizeof(*ss));
	pg_text(&a, serial);
	return pg_lookup(arg, PG_CERT_STATUS, &a, pg_status_row, ss, found);
}

/* Insert entry "e" as it is and make it the chain head. */
static enum store_put
pg_audit_insert(struct pg_conn *c, const struct store_audit *e)
{
	struct pg_args	a = { 0 }, h = { 0 };
	enum store_put	ret;

	pg_int(&a, e->seq);
	pg_int(&a, e->at);
	pg_text(&a, e->actor);
	pg_text(&a, e->action);
	pg_text(&a, e->target);
	pg_text(&a, e->details);
	pg_text(&a, e->peer);
	pg_text(&a, e->outcome);
	pg_blob(&a, e->prev, STORE_KID_LEN);
	pg_blob(&a, e->hash, STORE_KID_LEN);
	pg_int(&h, e->seq);
	pg_blob(&h, e->hash, STORE_KID_LEN);
	if ((ret = pg_write(c, PG_AUDIT_INSERT, &a, STORE_PUT_ERROR, NULL)) ==
	    STORE_PUT_OK)
		ret = pg_write(c, PG_AUDIT_HEAD_SET, &h, STORE_PUT_ERROR, NULL);
	return ret;
}

/*
 * Append audit entry "a" (NULL: none) inside the transaction of "c",
 * the head row locked until it commits.
 */
static enum store_put
pg_audit_add(struct pg_conn *c, const struct store_audit *a)
{
	struct store_audit	 e;
	PGresult		*r;
	int			 ok;

	if (a == NULL)
		return STORE_PUT_OK;
	e = *a;
	if ((r = pg_exec(c, PG_AUDIT_LOCK, &pg_noargs, NULL)) == NULL)
		return STORE_PUT_ERROR;
	ok = PQntuples(r) == 1 && pg_col_kid(r, 1, e.prev) == 0;
	e.seq = ok ? pg_col_int(r, 0) + 1 : 0;
	PQclear(r);
	if (!ok || store_audit_hash(&e, e.hash) == -1)
		return STORE_PUT_ERROR;
	return pg_audit_insert(c, &e);
}

/*
 * The conditional UPDATE decides between nodes revoking at once: one
 * changes the row and bumps the revision, the others change nothing.
 */
static enum store_revoke
pg_cert_revoke_a(void *arg, const char *serial, int reason, int64_t when,
    const struct store_audit *au)
{
	struct pg		*p = arg;
	struct pg_conn		*c;
	struct pg_args		 a = { 0 }, none = { 0 };
	struct store_status	 ss;
	enum store_put		 ret = STORE_PUT_ERROR;
	int			 found, changed = 0;

	if ((c = pg_get(p)) == NULL)
		return STORE_REVOKE_ERROR;
	pg_text(&a, serial);
	pg_int(&a, when);
	if (reason < 0)
		pg_arg(&a, NULL, 0, 0);
	else
		pg_int(&a, reason);
	if (pg_cmd(c, "BEGIN") == 0 && (ret = pg_write(c, PG_CERT_REVOKE, &a,
	    STORE_PUT_ERROR, &changed)) == STORE_PUT_OK && changed &&
	    (ret = pg_write(c, PG_REV_BUMP, &none, STORE_PUT_ERROR, NULL)) ==
	    STORE_PUT_OK)
		ret = pg_audit_add(c, au);
	if (pg_finish(p, c, ret) != STORE_PUT_OK)
		return STORE_REVOKE_ERROR;
	if (changed)
		return STORE_REVOKE_DONE;
	if (pg_cert_status(p, serial, &ss, &found) == -1)
		return STORE_REVOKE_ERROR;
	return found ? STORE_REVOKE_ALREADY : STORE_REVOKE_UNKNOWN;
}

static enum store_revoke
pg_cert_revoke(void *arg, const char *serial, int reason, int64_t when)
{
	return pg_cert_revoke_a(arg, serial, reason, when, NULL);
}

/* A row of one integer: a count, the revision. */
static int
pg_int_row(const PGresult *r, void *arg)
{
	*(int64_t *)arg = pg_col_int(r, 0);
	return 0;
}

static int
pg_revision(void *arg, int64_t *rev)
{
	struct pg_args	a = { 0 };
	int		found;

	*rev = 0;
	return pg_lookup(arg, PG_REV_GET, &a, pg_int_row, rev, &found);
}

/* Insert request "r" as it is (id 0: the next one); *id is set. */
static enum store_put
pg_req_insert(struct pg_conn *c, const struct store_request *r, int64_t *id)
{
	struct pg_args	 a = { 0 };
	PGresult	*res;

	pg_blob(&a, r->txid, strlen(r->txid));
	pg_blob(&a, r->signer_kid, STORE_KID_LEN);
	pg_blob(&a, r->csr_kid, STORE_KID_LEN);
	pg_blob(&a, r->csr, r->csrsz);
	pg_text(&a, r->subject);
	pg_text(&a, r->profile);
	pg_text(&a, r->peer);
	pg_int(&a, r->created_at);
	pg_int(&a, r->expires_at);
	pg_int(&a, r->status);
	pg_opt_int(&a, r->id);
	pg_opt_text(&a, r->serial);
	pg_opt_int(&a, r->decided_at);
	pg_opt_text(&a, r->reason);
	if ((res = pg_exec(c, PG_REQ_INSERT, &a, NULL)) == NULL)
		return STORE_PUT_ERROR;
	*id = PQntuples(res) == 1 ? pg_col_int(res, 0) : 0;
	PQclear(res);
	return *id > 0 ? STORE_PUT_OK : STORE_PUT_ERROR;
}

static enum store_put
pg_request_put(void *arg, struct store_request *r, const struct store_txn *t)
{
	struct pg		*p = arg;
	struct pg_conn		*c;
	struct store_txn	 tt = *t;
	struct store_request	 rr = *r;
	enum store_put		 ret = STORE_PUT_ERROR;
	int64_t			 id = 0;

	if ((c = pg_get(p)) == NULL)
		return STORE_PUT_ERROR;
	/* A new request: pending, undecided, its id chosen here. */
	rr.id = 0;
	rr.status = STORE_TXN_PENDING;
	rr.serial[0] = rr.reason[0] = '\0';
	rr.decided_at = 0;
	if (pg_cmd(c, "BEGIN") == -1 ||
	    (ret = pg_req_insert(c, &rr, &id)) != STORE_PUT_OK)
		return pg_finish(p, c, STORE_PUT_ERROR);
	r->status = STORE_TXN_PENDING;
	tt.status = STORE_TXN_PENDING;
	tt.request_id = id;
	tt.serial[0] = '\0';
	if ((ret = pg_txn_insert(c, &tt, r->created_at)) == STORE_PUT_OK)
		ret = pg_challenge_use(c, t, r->created_at);
	ret = pg_finish(p, c, ret);
	/* Rolled back, that row never existed: no id. */
	r->id = ret == STORE_PUT_OK ? id : 0;
	return ret;
}

static int
pg_request_row(const PGresult *res, void *arg)
{
	struct store_request *r = arg;

	memset(r, 0, sizeof(*r));
	r->id = pg_col_int(res, REQ_COL_ID);
	pg_col_text(res, REQ_COL_TXID, r->txid, sizeof(r->txid));
	pg_col_text(res, REQ_COL_PROFILE, r->profile, sizeof(r->profile));
	pg_col_text(res, REQ_COL_PEER, r->peer, sizeof(r->peer));
	r->created_at = pg_col_int(res, REQ_COL_CREATED_AT);
	r->expires_at = pg_col_int(res, REQ_COL_EXPIRES_AT);
	r->status = (int)pg_col_int(res, REQ_COL_STATUS);
	pg_col_text(res, REQ_COL_SERIAL, r->serial, sizeof(r->serial));
	pg_col_text(res, REQ_COL_REASON, r->reason, sizeof(r->reason));
	r->decided_at = pg_col_int(res, REQ_COL_DECIDED_AT);
	if (pg_col_kid(res, REQ_COL_SIGNER_KID, r->signer_kid) == -1 ||
	    pg_col_kid(res, REQ_COL_CSR_KID, r->csr_kid) == -1 ||
	    pg_col_blob(res, REQ_COL_CSR, &r->csr, &r->csrsz) == -1 ||
	    (r->subject = pg_col_strdup(res, REQ_COL_SUBJECT)) == NULL) {
		store_request_clear(r);
		return -1;
	}
	return 0;
}

static int
pg_request_get(void *arg, int64_t id, struct store_request *r, int *found)
{
	struct pg_args a = { 0 };

	pg_int(&a, id);
	return pg_lookup(arg, PG_REQ_GET, &a, pg_request_row, r, found);
}

static int
pg_request_list(void *arg, store_request_cb fn, void *fnarg)
{
	return pg_each(arg, PG_REQ_LIST, &pg_noargs, pg_request_row,
	    STORE_CB_REQUEST(fn, fnarg));
}

/* Mark the transaction of request "id" decided. */
static enum store_put
pg_txn_decide(struct pg_conn *c, int64_t id, int status, const char *serial)
{
	struct pg_args a = { 0 };

	pg_int(&a, id);
	pg_int(&a, status);
	pg_opt_text(&a, serial);
	return pg_write(c, PG_TXN_DECIDE, &a, STORE_PUT_ERROR, NULL);
}

/*
 * Approve: the certificate, then the request's move out of pending by
 * one conditional UPDATE (two administrators, or an approval racing the
 * expiry: exactly one sees its row), then the transaction.
 */
static enum store_put
pg_request_issue_a(void *arg, int64_t id, const struct store_cert *r,
    const struct store_audit *au)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	struct pg_args	 a = { 0 };
	enum store_put	 ret = STORE_PUT_ERROR;
	int		 rows = 0;

	if ((c = pg_get(p)) == NULL)
		return STORE_PUT_ERROR;
	pg_int(&a, id);
	pg_text(&a, r->serial);
	pg_int(&a, r->issued_at);
	/* The certificate first: the request's serial refers to it. */
	if (pg_cmd(c, "BEGIN") == -1 ||
	    (ret = pg_cert_insert(c, r)) != STORE_PUT_OK)
		return pg_finish(p, c, ret);
	ret = pg_write(c, PG_REQ_ISSUE, &a, STORE_PUT_ERROR, &rows);
	if (ret == STORE_PUT_OK && rows != 1)
		ret = STORE_PUT_STALE;
	else if (ret == STORE_PUT_OK &&
	    (ret = pg_txn_decide(c, id, STORE_TXN_ISSUED, r->serial)) ==
	    STORE_PUT_OK)
		ret = pg_audit_add(c, au);
	return pg_finish(p, c, ret);
}

static enum store_put
pg_request_issue(void *arg, int64_t id, const struct store_cert *r)
{
	return pg_request_issue_a(arg, id, r, NULL);
}

static enum store_put
pg_request_reject_a(void *arg, int64_t id, const char *reason, int64_t when,
    const struct store_audit *au)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	struct pg_args	 a = { 0 };
	enum store_put	 ret = STORE_PUT_ERROR;
	int		 rows = 0;

	if ((c = pg_get(p)) == NULL)
		return STORE_PUT_ERROR;
	pg_int(&a, id);
	pg_opt_text(&a, reason);
	pg_int(&a, when);
	if (pg_cmd(c, "BEGIN") == 0 &&
	    (ret = pg_write(c, PG_REQ_REJECT, &a, STORE_PUT_ERROR, &rows)) ==
	    STORE_PUT_OK) {
		if (rows != 1)
			ret = STORE_PUT_STALE;
		else if ((ret = pg_txn_decide(c, id, STORE_TXN_REJECTED,
		    NULL)) == STORE_PUT_OK)
			ret = pg_audit_add(c, au);
	}
	return pg_finish(p, c, ret);
}

static enum store_put
pg_request_reject(void *arg, int64_t id, const char *reason, int64_t when)
{
	return pg_request_reject_a(arg, id, reason, when, NULL);
}

static int
pg_crl_row(const PGresult *r, void *arg)
{
	struct store_crl *cr = arg;

	memset(cr, 0, sizeof(*cr));
	cr->number = pg_col_int(r, CRL_COL_NUMBER);
	cr->revision = pg_col_int(r, CRL_COL_REVISION);
	cr->this_update = pg_col_int(r, CRL_COL_THIS_UPDATE);
	cr->next_update = pg_col_int(r, CRL_COL_NEXT_UPDATE);
	pg_col_text(r, CRL_COL_CA, cr->ca, sizeof(cr->ca));
	return pg_col_blob(r, CRL_COL_DER, &cr->der, &cr->dersz);
}

static int
pg_crl_latest(void *arg, const char *ca, struct store_crl *cr, int *found)
{
	struct pg_args a = { 0 };

	pg_text(&a, ca);
	memset(cr, 0, sizeof(*cr));
	return pg_lookup(arg, PG_CRL_LATEST, &a, pg_crl_row, cr, found);
}

/* Insert a CRL: OK, or DUP_SERIAL if another node took its number. */
static enum store_put
pg_crl_insert(struct pg_conn *c, const struct store_crl *cr)
{
	struct pg_args a = { 0 };

	pg_int(&a, cr->number);
	pg_int(&a, cr->revision);
	pg_int(&a, cr->this_update);
	pg_int(&a, cr->next_update);
	pg_blob(&a, cr->der, cr->dersz);
	pg_text(&a, store_ca_name(cr->ca));
	return pg_write(c, PG_CRL_INSERT, &a, STORE_PUT_DUP_SERIAL, NULL);
}

static enum store_put
pg_crl_put(void *arg, const struct store_crl *cr)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	struct pg_args	 a = { 0 };
	enum store_put	 ret = STORE_PUT_ERROR;

	if ((c = pg_get(p)) == NULL)
		return STORE_PUT_ERROR;
	pg_int(&a, cr->number - PG_CRL_KEEP);
	pg_text(&a, store_ca_name(cr->ca));
	if (pg_cmd(c, "BEGIN") == 0 &&
	    (ret = pg_crl_insert(c, cr)) == STORE_PUT_OK)
		ret = pg_write(c, PG_CRL_PRUNE, &a, STORE_PUT_ERROR, NULL);
	return pg_finish(p, c, ret);
}

static int
pg_txn_list(void *arg, store_txn_cb fn, void *fnarg)
{
	return pg_each(arg, PG_TXN_LIST, &pg_noargs, pg_txn_row,
	    STORE_CB_TXN(fn, fnarg));
}

static int
pg_crl_list(void *arg, store_crl_cb fn, void *fnarg)
{
	return pg_each(arg, PG_CRL_LIST, &pg_noargs, pg_crl_row,
	    STORE_CB_CRL(fn, fnarg));
}

static int
pg_counts_row(const PGresult *r, void *arg)
{
	struct store_counts *n = arg;

	n->certs = pg_col_int(r, COUNTS_COL_CERTS);
	n->revoked = pg_col_int(r, COUNTS_COL_REVOKED);
	n->renewals = pg_col_int(r, COUNTS_COL_RENEWALS);
	n->txns = pg_col_int(r, COUNTS_COL_TXNS);
	n->requests = pg_col_int(r, COUNTS_COL_REQUESTS);
	n->pending = pg_col_int(r, COUNTS_COL_PENDING);
	n->crls = pg_col_int(r, COUNTS_COL_CRLS);
	n->revision = pg_col_int(r, COUNTS_COL_REVISION);
	n->challenges = pg_col_int(r, COUNTS_COL_CHALLENGES);
	n->tokens = pg_col_int(r, COUNTS_COL_TOKENS);
	n->audit = pg_col_int(r, COUNTS_COL_AUDIT);
	n->txlog = pg_col_int(r, COUNTS_COL_TXLOG);
	return 0;
}

static int
pg_counts(void *arg, struct store_counts *n)
{
	struct pg_args	a = { 0 };
	int		found;

	return pg_lookup(arg, PG_COUNTS, &a, pg_counts_row, n, &found);
}

/* PG_COUNTS on connection "c", inside its transaction. */
static int
pg_counts_on(struct pg_conn *c, struct store_counts *n)
{
	struct pg_args	 a = { 0 };
	PGresult	*r;

	if ((r = pg_exec(c, PG_COUNTS, &a, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 1)
		pg_counts_row(r, n);
	PQclear(r);
	return 0;
}

/* Insert a one-time challenge: OK, DUP_SERIAL if its hash is taken. */
static enum store_put
pg_chal_insert(struct pg_conn *c, const struct store_challenge *ch)
{
	struct pg_args a = { 0 };

	pg_blob(&a, ch->hash, STORE_KID_LEN);
	pg_text(&a, ch->profile);
	pg_int(&a, ch->created_at);
	pg_int(&a, ch->expires_at);
	pg_opt_int(&a, ch->used_at);
	pg_text(&a, ch->subject);
	return pg_write(c, PG_CHAL_INSERT, &a, STORE_PUT_DUP_SERIAL, NULL);
}

static int
pg_challenge_put_a(void *arg, const struct store_challenge *ch,
    const struct store_audit *au)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	enum store_put	 ret = STORE_PUT_ERROR;

	if ((c = pg_get(p)) == NULL)
		return -1;
	if (pg_cmd(c, "BEGIN") == 0 &&
	    (ret = pg_chal_insert(c, ch)) == STORE_PUT_OK)
		ret = pg_audit_add(c, au);
	if (ret == STORE_PUT_DUP_SERIAL)
		log_warnx("store (postgresql): challenge: hash taken");
	return pg_finish(p, c, ret) == STORE_PUT_OK ? 0 : -1;
}

static int
pg_challenge_put(void *arg, const struct store_challenge *ch)
{
	return pg_challenge_put_a(arg, ch, NULL);
}

static int
pg_challenge_row(const PGresult *r, void *arg)
{
	struct store_challenge *ch = arg;

	memset(ch, 0, sizeof(*ch));
	if (pg_col_kid(r, CHAL_COL_HASH, ch->hash) == -1)
		return -1;
	pg_col_text(r, CHAL_COL_PROFILE, ch->profile, sizeof(ch->profile));
	ch->created_at = pg_col_int(r, CHAL_COL_CREATED_AT);
	ch->expires_at = pg_col_int(r, CHAL_COL_EXPIRES_AT);
	ch->used_at = pg_col_int(r, CHAL_COL_USED_AT);
	pg_col_text(r, CHAL_COL_SUBJECT, ch->subject, sizeof(ch->subject));
	return 0;
}

static int
pg_challenge_get(void *arg, const unsigned char *hash,
    struct store_challenge *ch, int *found)
{
	struct pg_args a = { 0 };

	memset(ch, 0, sizeof(*ch));
	pg_blob(&a, hash, STORE_KID_LEN);
	return pg_lookup(arg, PG_CHAL_GET, &a, pg_challenge_row, ch, found);
}

static int
pg_challenge_list(void *arg, store_challenge_cb fn, void *fnarg)
{
	return pg_each(arg, PG_CHAL_LIST, &pg_noargs, pg_challenge_row,
	    STORE_CB_CHALLENGE(fn, fnarg));
}

static int
pg_cert_count_active(void *arg, const char *ca, const char *subject,
    int64_t now, int64_t *n)
{
	struct pg_args	a = { 0 };
	int		found;

	*n = 0;
	pg_text(&a, ca);
	pg_text(&a, subject);
	pg_int(&a, now);
	return pg_lookup(arg, PG_CERT_COUNT, &a, pg_int_row, n, &found);
}

static int
pg_txn_pending_other(void *arg, const char *txid,
    const unsigned char *signer_kid, int64_t *n)
{
	struct pg_args	a = { 0 };
	int		found;

	pg_blob(&a, txid, strlen(txid));
	pg_blob(&a, signer_kid, STORE_KID_LEN);
	return pg_lookup(arg, PG_TXN_PENDING_OTHER, &a, pg_int_row, n, &found);
}

/* A change of one row under "which" with "a", audited: OK or STALE. */
static enum store_put
pg_change_one(struct pg *p, enum pg_stmt which, const struct pg_args *a,
    const struct store_audit *au)
{
	struct pg_conn	*c;
	enum store_put	 ret = STORE_PUT_ERROR;
	int		 rows = 0;

	if ((c = pg_get(p)) == NULL)
		return STORE_PUT_ERROR;
	if (pg_cmd(c, "BEGIN") == 0 &&
	    (ret = pg_write(c, which, a, STORE_PUT_ERROR, &rows)) ==
	    STORE_PUT_OK)
		ret = rows == 1 ? pg_audit_add(c, au) : STORE_PUT_STALE;
	return pg_finish(p, c, ret);
}

static enum store_put
pg_challenge_revoke(void *arg, const unsigned char *hash, int64_t when,
    const struct store_audit *au)
{
	struct pg_args a = { 0 };

	pg_blob(&a, hash, STORE_KID_LEN);
	pg_int(&a, when);
	return pg_change_one(arg, PG_CHAL_REVOKE, &a, au);
}

/* Insert a token: OK, DUP_NAME if its name or hash is taken, or ERROR. */
static enum store_put
pg_token_insert(struct pg_conn *c, const struct store_token *t)
{
	struct pg_args a = { 0 };

	pg_text(&a, t->name);
	pg_blob(&a, t->hash, STORE_KID_LEN);
	pg_text(&a, t->role);
	pg_text(&a, t->profiles);
	pg_int(&a, t->created_at);
	pg_int(&a, t->expires_at);
	pg_int(&a, t->revoked_at);
	if (t->has_cert)
		pg_blob(&a, t->cert, STORE_KID_LEN);
	else
		pg_arg(&a, NULL, 0, 0);
	return pg_write(c, PG_TOKEN_INSERT, &a, STORE_PUT_DUP_NAME, NULL);
}

static enum store_put
pg_token_put(void *arg, const struct store_token *t,
    const struct store_audit *au)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	enum store_put	 ret = STORE_PUT_ERROR;

	if ((c = pg_get(p)) == NULL)
		return STORE_PUT_ERROR;
	if (pg_cmd(c, "BEGIN") == 0 &&
	    (ret = pg_token_insert(c, t)) == STORE_PUT_OK)
		ret = pg_audit_add(c, au);
	return pg_finish(p, c, ret);
}

static enum store_put
pg_token_revoke(void *arg, const char *name, int64_t when,
    const struct store_audit *au)
{
	struct pg_args a = { 0 };

	pg_text(&a, name);
	pg_int(&a, when);
	return pg_change_one(arg, PG_TOKEN_REVOKE, &a, au);
}

static int
pg_token_row(const PGresult *r, void *arg)
{
	struct store_token *t = arg;

	memset(t, 0, sizeof(*t));
	pg_col_text(r, TOKEN_COL_NAME, t->name, sizeof(t->name));
	pg_col_text(r, TOKEN_COL_ROLE, t->role, sizeof(t->role));
	pg_col_text(r, TOKEN_COL_PROFILES, t->profiles, sizeof(t->profiles));
	t->created_at = pg_col_int(r, TOKEN_COL_CREATED_AT);
	t->expires_at = pg_col_int(r, TOKEN_COL_EXPIRES_AT);
	t->revoked_at = pg_col_int(r, TOKEN_COL_REVOKED_AT);
	if (!PQgetisnull(r, 0, TOKEN_COL_CERT)) {
		if (pg_col_kid(r, TOKEN_COL_CERT, t->cert) == -1)
			return -1;
		t->has_cert = 1;
	}
	return pg_col_kid(r, TOKEN_COL_HASH, t->hash);
}

static int
pg_token_get(void *arg, int bycert, const unsigned char *h,
    struct store_token *t, int *found)
{
	struct pg_args a = { 0 };

	pg_blob(&a, h, STORE_KID_LEN);
	return pg_lookup(arg, bycert ? PG_TOKEN_BY_CERT : PG_TOKEN_BY_HASH,
	    &a, pg_token_row, t, found);
}

static int
pg_token_list(void *arg, store_token_cb fn, void *fnarg)
{
	return pg_each(arg, PG_TOKEN_LIST, &pg_noargs, pg_token_row,
	    STORE_CB_TOKEN(fn, fnarg));
}

static int
pg_audit_append(void *arg, const struct store_audit *au)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	enum store_put	 ret = STORE_PUT_ERROR;

	if ((c = pg_get(p)) == NULL)
		return -1;
	if (pg_cmd(c, "BEGIN") == 0)
		ret = pg_audit_add(c, au);
	return pg_finish(p, c, ret) == STORE_PUT_OK ? 0 : -1;
}

static int
pg_audit_row(const PGresult *r, void *arg)
{
	struct store_audit *a = arg;

	memset(a, 0, sizeof(*a));
	a->seq = pg_col_int(r, AUDIT_COL_SEQ);
	a->at = pg_col_int(r, AUDIT_COL_AT);
	pg_col_text(r, AUDIT_COL_ACTOR, a->actor, sizeof(a->actor));
	pg_col_text(r, AUDIT_COL_ACTION, a->action, sizeof(a->action));
	pg_col_text(r, AUDIT_COL_TARGET, a->target, sizeof(a->target));
	pg_col_text(r, AUDIT_COL_DETAILS, a->details, sizeof(a->details));
	pg_col_text(r, AUDIT_COL_PEER, a->peer, sizeof(a->peer));
	pg_col_text(r, AUDIT_COL_OUTCOME, a->outcome, sizeof(a->outcome));
	/* A damaged link is for store_audit_verify() to report, not -1. */
	if (pg_col_kid(r, AUDIT_COL_PREV, a->prev) == -1)
		memset(a->prev, 0xff, STORE_KID_LEN);
	if (pg_col_kid(r, AUDIT_COL_HASH, a->hash) == -1)
		memset(a->hash, 0xff, STORE_KID_LEN);
	return 0;
}

/* Query "q" (store_query.h), each row read by "fill", handed to "cb". */
static int
pg_query(struct pg *p, const struct store_q *q, pg_row_fn fill,
    const struct store_cb *cb)
{
	struct pg_conn	*c;
	struct pg_args	 a = { 0 };
	int		 i, ret = -1;

	if (q->err || q->n > PG_NARGS) {
		log_warnx("store (postgresql): query too long");
		return -1;
	}
	for (i = 0; i < q->n; i++) {
		if (q->p[i].type == STORE_Q_INT)
			pg_int(&a, q->p[i].i);
		else if (q->p[i].type == STORE_Q_BYTES)
			pg_blob(&a, q->p[i].s, strlen(q->p[i].s));
		else
			pg_text(&a, q->p[i].s);
	}
	if ((c = pg_get(p)) == NULL)
		return -1;
	if (!PQsendQueryParams(c->db, q->sql, a.n, NULL, a.v, a.len, a.fmt,
	    1) || !PQsetSingleRowMode(c->db))
		pg_fail(c, NULL, q->sql);
	else
		ret = pg_drain(c, q->sql, fill, cb);
	pg_put(p, c);
	return ret;
}

static int
pg_audit_list(void *arg, const struct store_audit_filter *f,
    store_audit_cb fn, void *fnarg)
{
	struct store_q q;

	store_q_init(&q, 1, "SELECT " STORE_AUDIT_COLNAMES " FROM audit");
	store_q_int(&q, "at >= %s", f->since);
	store_q_int(&q, "at <= %s", f->until);
	store_q_text(&q, "actor = %s", f->actor);
	store_q_text(&q, "action = %s", f->action);
	store_q_int(&q, "seq < %s", f->before);
	store_q_tail(&q, " ORDER BY seq DESC", f->limit);
	return pg_query(arg, &q, pg_audit_row, STORE_CB_AUDIT(fn, fnarg));
}

static int
pg_audit_all(void *arg, store_audit_cb fn, void *fnarg)
{
	return pg_each(arg, PG_AUDIT_ALL, &pg_noargs, pg_audit_row,
	    STORE_CB_AUDIT(fn, fnarg));
}

static int
pg_head_row(const PGresult *r, void *arg)
{
	struct store_audit *a = arg;

	a->seq = pg_col_int(r, 0);
	return pg_col_kid(r, 1, a->hash);
}

static int
pg_audit_head(void *arg, int64_t *seq, unsigned char *hash)
{
	struct store_audit	a;
	int			found;

	if (pg_lookup(arg, PG_AUDIT_HEAD, &pg_noargs, pg_head_row, &a,
	    &found) == -1 || !found)
		return -1;
	*seq = a.seq;
	memcpy(hash, a.hash, STORE_KID_LEN);
	return 0;
}

/* Insert a transaction log row (autocommit outside a transaction). */
static enum store_put
pg_txlog_insert(struct pg_conn *c, const struct store_txlog *t)
{
	struct pg_args a = { 0 };

	pg_int(&a, t->at);
	pg_text(&a, t->profile);
	pg_blob(&a, t->txid, strlen(t->txid));
	pg_text(&a, t->msgtype);
	pg_text(&a, t->outcome);
	pg_text(&a, t->result);
	pg_text(&a, t->fail_info);
	pg_text(&a, t->reason);
	pg_text(&a, t->subject);
	pg_text(&a, t->peer);
	pg_text(&a, t->serial);
	pg_int(&a, t->http);
	pg_int(&a, t->duration_ms);
	return pg_write(c, PG_TXLOG_INSERT, &a, STORE_PUT_ERROR, NULL);
}

/* One statement, one round trip: no BEGIN and COMMIT around it. */
static int
pg_txlog_put(void *arg, const struct store_txlog *t)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	enum store_put	 ret;

	if ((c = pg_get(p)) == NULL)
		return -1;
	ret = pg_txlog_insert(c, t);
	pg_put(p, c);
	return ret == STORE_PUT_OK ? 0 : -1;
}

static int
pg_txlog_row(const PGresult *r, void *arg)
{
	struct store_txlog *t = arg;

	memset(t, 0, sizeof(*t));
	t->id = pg_col_int(r, TXLOG_COL_ID);
	t->at = pg_col_int(r, TXLOG_COL_AT);
	pg_col_text(r, TXLOG_COL_PROFILE, t->profile, sizeof(t->profile));
	pg_col_text(r, TXLOG_COL_TXID, t->txid, sizeof(t->txid));
	pg_col_text(r, TXLOG_COL_MSGTYPE, t->msgtype, sizeof(t->msgtype));
	pg_col_text(r, TXLOG_COL_OUTCOME, t->outcome, sizeof(t->outcome));
	pg_col_text(r, TXLOG_COL_RESULT, t->result, sizeof(t->result));
	pg_col_text(r, TXLOG_COL_FAIL_INFO, t->fail_info,
	    sizeof(t->fail_info));
	pg_col_text(r, TXLOG_COL_REASON, t->reason, sizeof(t->reason));
	pg_col_text(r, TXLOG_COL_SUBJECT, t->subject, sizeof(t->subject));
	pg_col_text(r, TXLOG_COL_PEER, t->peer, sizeof(t->peer));
	pg_col_text(r, TXLOG_COL_SERIAL, t->serial, sizeof(t->serial));
	t->http = (int)pg_col_int(r, TXLOG_COL_HTTP);
	t->duration_ms = (int)pg_col_int(r, TXLOG_COL_DURATION);
	return 0;
}

static int
pg_txlog_list(void *arg, const struct store_txlog_filter *f,
    store_txlog_cb fn, void *fnarg)
{
	struct store_q q;

	store_q_init(&q, 1, "SELECT " STORE_TXLOG_COLNAMES " FROM txlog");
	store_q_text(&q, "profile = %s", f->profile);
	if (f->txid != NULL)
		store_q_cond(&q, "txid = %s", STORE_Q_BYTES, f->txid, 0);
	store_q_text(&q, "outcome = %s", f->outcome);
	store_q_text(&q, "peer = %s", f->peer);
	store_q_text(&q, "strpos(subject, %s) > 0", f->subject);
	store_q_int(&q, "at >= %s", f->since);
	store_q_int(&q, "at <= %s", f->until);
	store_q_int(&q, "id < %s", f->before);
	store_q_tail(&q, f->oldest_first ? " ORDER BY id" : " ORDER BY id DESC",
	    f->limit);
	return pg_query(arg, &q, pg_txlog_row, STORE_CB_TXLOG(fn, fnarg));
}

static int
pg_txlog_prune(void *arg, int64_t before, int max, int64_t *n)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	struct pg_args	 a = { 0 };
	enum store_put	 ret;
	int		 rows = 0;

	*n = 0;
	if ((c = pg_get(p)) == NULL)
		return -1;
	pg_int(&a, before);
	pg_int(&a, max);
	ret = pg_write(c, PG_TXLOG_PRUNE, &a, STORE_PUT_ERROR, &rows);
	pg_put(p, c);
	*n = rows;
	return ret == STORE_PUT_OK ? 0 : -1;
}

static int
pg_stat_row(const PGresult *r, void *arg)
{
	struct store_stat *st = arg;

	memset(st, 0, sizeof(*st));
	st->day = pg_col_int(r, 0);
	pg_col_text(r, 1, st->profile, sizeof(st->profile));
	pg_col_text(r, 2, st->key, sizeof(st->key));
	st->n = pg_col_int(r, 3);
	return 0;
}

static int
pg_stats(void *arg, int64_t since, store_stat_cb fn, void *fnarg)
{
	struct pg_args a = { 0 };

	pg_int(&a, since);
	return pg_each(arg, PG_STATS, &a, pg_stat_row, STORE_CB_STAT(fn,
	    fnarg));
}

/* store_import(): each source row goes into the target's transaction. */
static int
pg_import_cert(const struct store_cert *r, void *arg)
{
	switch (pg_cert_insert(arg, r)) {
	case STORE_PUT_OK:
		return 0;
	case STORE_PUT_DUP_SERIAL:
		log_warnx("store (postgresql): import: serial %s twice",
		    r->serial);
		return -1;
	default:
		return -1;
	}
}

static int
pg_import_request(const struct store_request *r, void *arg)
{
	int64_t id;

	return pg_req_insert(arg, r, &id) == STORE_PUT_OK ? 0 : -1;
}

static int
pg_import_txn(const struct store_txn *t, void *arg)
{
	struct store_txn tt = *t;

	tt.replaces[0] = '\0';
	return pg_txn_insert(arg, &tt, t->created_at) == STORE_PUT_OK ? 0 : -1;
}

static int
pg_import_crl(const struct store_crl *cr, void *arg)
{
	return pg_crl_insert(arg, cr) == STORE_PUT_OK ? 0 : -1;
}

static int
pg_import_challenge(const struct store_challenge *ch, void *arg)
{
	return pg_chal_insert(arg, ch) == STORE_PUT_OK ? 0 : -1;
}

static int
pg_import_token(const struct store_token *t, void *arg)
{
	return pg_token_insert(arg, t) == STORE_PUT_OK ? 0 : -1;
}

/* Entries keep their seq and hashes: the chain stays verifiable. */
static int
pg_import_audit(const struct store_audit *a, void *arg)
{
	return pg_audit_insert(arg, a) == STORE_PUT_OK ? 0 : -1;
}

static int
pg_import_txlog(const struct store_txlog *t, void *arg)
{
	return pg_txlog_insert(arg, t) == STORE_PUT_OK ? 0 : -1;
}

/* The source's chain head, even if entries before it are missing. */
static int
pg_import_head(struct pg_conn *c, struct store *src)
{
	struct pg_args	a = { 0 };
	unsigned char	hash[STORE_KID_LEN];
	int64_t		seq;

	if (store_audit_head(src, &seq, hash) == -1)
		return -1;
	pg_int(&a, seq);
	pg_blob(&a, hash, STORE_KID_LEN);
	return pg_write(c, PG_AUDIT_HEAD_SET, &a, STORE_PUT_ERROR, NULL) ==
	    STORE_PUT_OK ? 0 : -1;
}

/*
 * One transaction, begun by locking every table against writers: a
 * node already running on this database cannot slip a row in between
 * the emptiness check and the copy.  Certificates first and
 * transactions last: requests refer to certificates, transactions to
 * both.  One-time challenges come along, used or not, so that none
 * can be used twice across the move.
 */
static int
pg_import(void *arg, struct store *src, struct store_counts *n)
{
	struct pg	*p = arg;
	struct pg_conn	*c;
	struct pg_args	 a = { 0 }, none = { 0 };
	enum store_put	 ret = STORE_PUT_ERROR;
	int64_t		 rev;

	if ((c = pg_get(p)) == NULL)
		return -1;
	if (pg_cmd(c, "BEGIN") == -1 || pg_cmd(c, "LOCK TABLE certs, txns, "
	    "requests, crls, challenges, meta, tokens, audit, audit_head, "
	    "txlog IN EXCLUSIVE MODE") == -1 ||
	    pg_counts_on(c, n) == -1)
		goto out;
	if (n->certs + n->txns + n->requests + n->crls + n->revision +
	    n->challenges + n->tokens + n->audit + n->txlog != 0) {
		log_warnx("store (postgresql): not empty: refusing to import "
		    "into it");
		goto out;
	}
	if (store_cert_list(src, pg_import_cert, c) == -1 ||
	    store_request_list(src, pg_import_request, c) == -1 ||
	    store_txn_list(src, pg_import_txn, c) == -1 ||
	    store_crl_list(src, pg_import_crl, c) == -1 ||
	    store_challenge_list(src, pg_import_challenge, c) == -1 ||
	    store_token_list(src, pg_import_token, c) == -1 ||
	    store_audit_each(src, pg_import_audit, c) == -1 ||
	    store_txlog_list(src, &(struct store_txlog_filter){
	    .oldest_first = 1 }, pg_import_txlog, c) == -1 ||
	    pg_import_head(c, src) == -1 ||
	    store_revision(src, &rev) == -1)
		goto out;
	pg_int(&a, rev);
	if (pg_write(c, PG_REV_SET, &a, STORE_PUT_ERROR, NULL) != STORE_PUT_OK ||
	    pg_write(c, PG_REQ_SEQ, &none, STORE_PUT_ERROR, NULL) !=
	    STORE_PUT_OK || pg_counts_on(c, n) == -1)
		goto out;
	ret = STORE_PUT_OK;
 out:
	return pg_finish(p, c, ret) == STORE_PUT_OK ? 0 : -1;
}

/* An integer cell of row "i" of a binary result, as pg_col_int(). */
static int64_t
pg_cell_int(const PGresult *r, int i, int col)
{
	const unsigned char	*p = (const unsigned char *)PQgetvalue(r, i, col);
	int			 n = PQgetlength(r, i, col), k;
	uint64_t		 v = 0;

	if (PQgetisnull(r, i, col) || (n != 2 && n != 4 && n != 8))
		return 0;
	for (k = 0; k < n; k++)
		v = v << 8 | p[k];
	if (n < 8 && (p[0] & 0x80))
		v |= ~(uint64_t)0 << (8 * n);
	return (int64_t)v;
}

/* store_metrics(): rows per CA and status are few, read in one result. */
static int
pg_metrics(void *arg, int64_t now, store_metrics_cb cb, void *cbarg,
    struct store_metrics *m)
{
	struct pg			*p = arg;
	struct pg_args			 a = { 0 };
	struct store_metrics_row	 row;
	struct pg_conn			*c;
	PGresult			*r;
	int				 i, found, ret = -1;

	m->reconnects = atomic_load(&p->reconnects);
	if ((c = pg_get(p)) == NULL)
		return -1;
	pg_int(&a, now);
	r = pg_exec(c, PG_METRICS_CERTS, &a, NULL);
	pg_put(p, c);
	if (r == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		memset(&row, 0, sizeof(row));
		snprintf(row.ca, sizeof(row.ca), "%.*s", PQgetlength(r, i, 0),
		    PQgetvalue(r, i, 0));
		row.status = (int)pg_cell_int(r, i, 1);
		row.count = pg_cell_int(r, i, 2);
		row.expired = pg_cell_int(r, i, 3);
		row.within7 = pg_cell_int(r, i, 4);
		row.within30 = pg_cell_int(r, i, 5);
		if (cb(&row, cbarg) == -1)
			break;
	}
	if (i == PQntuples(r) && pg_lookup(p, PG_METRICS_PENDING, &a,
	    pg_int_row, &m->pending, &found) == 0)
		ret = 0;
	PQclear(r);
	return ret;
}

/*
 * The lease "name" for "holder", as sq_lease_take(): of nodes racing for
 * it, the upsert's row lock lets one change the row; the others find
 * it held and change nothing (no row returned).  Run with
 * PQexecParams, not prepared: once a sync.
 */
static int
pg_lease_take(void *arg, const char *name, const char *holder, int64_t now,
    int64_t until, int *taken)
{
	static const char	 sql[] = "INSERT INTO leases (name, holder, "
	    "expires_at) VALUES ($1, $2, $4) ON CONFLICT (name) DO UPDATE SET "
	    "holder = excluded.holder, expires_at = excluded.expires_at "
	    "WHERE leases.holder = excluded.holder OR leases.expires_at <= $3 "
	    "RETURNING name";
	struct pg		*p = arg;
	struct pg_conn		*c;
	struct pg_args		 a = { 0 };
	PGresult		*r;
	int			 ret = -1;

	*taken = 0;
	if ((c = pg_get(p)) == NULL)
		return -1;
	pg_text(&a, name);
	pg_text(&a, holder);
	pg_int(&a, now);
	pg_int(&a, until);
	r = PQexecParams(c->db, sql, a.n, NULL, a.v, a.len, a.fmt, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		*taken = PQntuples(r) > 0;
		ret = 0;
	} else
		pg_fail(c, r, "lease");
	PQclear(r);
	pg_put(p, c);
	return ret;
}

/*
 * The admin API's searches, as store_sqlite.c makes them: one
 * statement per call from fixed fragments, every value a parameter
 * ($n, numbered as they are added).  Text is matched with ILIKE, which
 * the pg_trgm indexes serve.
 */
struct pg_q {
	char		 sql[2048];
	size_t		 len;
	int		 overflow;
	struct pg_args	 a;
	char		 buf[4][STORE_SEARCH_TEXT_MAX * 2 + 8];
	int		 nbuf;
};

/* Append "frag", each '$' of it becoming the next parameter's number. */
static void
pg_q_add(struct pg_q *q, const char *frag, int nparams)
{
	char	 tmp[512];
	size_t	 n = 0;
	int	 k = q->a.n - nparams + 1;

	for (; *frag != '\0' && n + 12 < sizeof(tmp); frag++) {
		if (*frag == '$')
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "$%d",
			    k++);
		else
			tmp[n++] = *frag;
	}
	tmp[n] = '\0';
	if (*frag != '\0' || n >= sizeof(q->sql) - q->len) {
		q->overflow = 1;
		return;
	}
	memcpy(q->sql + q->len, tmp, n + 1);
	q->len += n;
}

static void
pg_q_text(struct pg_q *q, const char *frag, const char *v)
{
	pg_text(&q->a, v);
	pg_q_add(q, frag, 1);
}

static void
pg_q_int(struct pg_q *q, const char *frag, int64_t v)
{
	pg_int(&q->a, v);
	pg_q_add(q, frag, 1);
}

/* "%v%" with LIKE's special characters escaped, in a buffer of "q". */
static const char *
pg_q_like(struct pg_q *q, const char *v)
{
	char	*b;
	size_t	 n = 1, i;

	if (q->nbuf == (int)(sizeof(q->buf) / sizeof(q->buf[0]))) {
		q->overflow = 1;
		return "";
	}
	b = q->buf[q->nbuf++];
	b[0] = '%';
	for (i = 0; v[i] != '\0' && n + 4 < sizeof(q->buf[0]); i++) {
		if (v[i] == '%' || v[i] == '_' || v[i] == '\\')
			b[n++] = '\\';
		b[n++] = v[i];
	}
	if (v[i] != '\0')
		q->overflow = 1;
	b[n++] = '%';
	b[n] = '\0';
	return b;
}

static void
pg_q_profiles(struct pg_q *q, const char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	pg_q_add(q, " AND profile IN (", 0);
	for (i = 0; i < n; i++)
		pg_q_text(q, i == 0 ? "$" : ", $", v[i]);
	pg_q_add(q, ")", 0);
}

/*
 * Run "q" in single-row mode: rows read by "fill" (the key in column
 * "keycol") and handed to "cb", at most "limit" (0: all); *next as in
 * store_sqlite.c's sq_q_run().
 */
static int
pg_q_run(struct pg *p, const struct pg_q *q, pg_row_fn fill, int keycol,
    const struct store_cb *cb, int limit, int64_t *next)
{
	struct pg_conn	*c;
	PGresult	*r;
	union store_row	 row;
	int64_t		 key = 0;
	int		 ret = -1, stop = 0, got = 0;

	if (next != NULL)
		*next = 0;
	if (q->overflow || q->a.n > PG_NARGS) {
		log_warnx("store (postgresql): search: query too large");
		return -1;
	}
	if ((c = pg_get(p)) == NULL)
		return -1;
	if (!PQsendQueryParams(c->db, q->sql, q->a.n, NULL, q->a.v, q->a.len,
	    q->a.fmt, 1) || !PQsetSingleRowMode(c->db)) {
		pg_fail(c, NULL, "search");
		goto out;
	}
	while ((r = PQgetResult(c->db)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
			if (stop)
				break;
			if (limit > 0 && got == limit) {
				*next = key;
				ret = 0;
				stop = 1;
				break;
			}
			key = pg_col_int(r, keycol);
			got++;
			if (fill(r, &row) == -1 ||
			    store_cb_give(cb, &row) == -1)
				stop = 1;
			break;
		case PGRES_TUPLES_OK:
			if (!stop)
				ret = 0;
			break;
		default:
			pg_fail(c, r, "search");
			stop = 1;
			ret = -1;
			break;
		}
		PQclear(r);
	}
 out:
	pg_put(p, c);
	return ret;
}

static void
pg_q_cert_filters(struct pg_q *q, const struct store_cert_query *cq)
{
	if (cq->subject != NULL && *cq->subject != '\0')
		pg_q_text(q, " AND subject ILIKE $", pg_q_like(q,
		    cq->subject));
	if (cq->san != NULL && *cq->san != '\0')
		pg_q_text(q, " AND sans ILIKE $", pg_q_like(q, cq->san));
	if (cq->serial != NULL && *cq->serial != '\0')
		pg_q_text(q, " AND serial = $", cq->serial);
	if (cq->serial_prefix != NULL && *cq->serial_prefix != '\0') {
		pg_q_text(q, " AND serial >= $ COLLATE \"C\"",
		    cq->serial_prefix);
		if (q->nbuf < (int)(sizeof(q->buf) / sizeof(q->buf[0]))) {
			snprintf(q->buf[q->nbuf], sizeof(q->buf[0]), "%s~",
			    cq->serial_prefix);
			pg_q_text(q, " AND serial < $ COLLATE \"C\"",
			    q->buf[q->nbuf++]);
		} else
			q->overflow = 1;
	}
	if (cq->peer != NULL && *cq->peer != '\0')
		pg_q_text(q, " AND peer = $", cq->peer);
	if (cq->state == STORE_STATE_VALID)
		pg_q_int(q, " AND status = 0 AND not_after > $", cq->now);
	else if (cq->state == STORE_STATE_REVOKED)
		pg_q_add(q, " AND status = 1", 0);
	else if (cq->state == STORE_STATE_EXPIRED)
		pg_q_int(q, " AND status = 0 AND not_after <= $", cq->now);
	pg_q_profiles(q, cq->profiles, cq->nprofiles);
	if (cq->ca != NULL && *cq->ca != '\0')
		pg_q_text(q, " AND ca = $", cq->ca);
	if (cq->issued_from != 0)
		pg_q_int(q, " AND issued_at >= $", cq->issued_from);
	if (cq->issued_to != 0)
		pg_q_int(q, " AND issued_at < $", cq->issued_to);
	if (cq->expires_from != 0)
		pg_q_int(q, " AND not_after >= $", cq->expires_from);
	if (cq->expires_to != 0)
		pg_q_int(q, " AND not_after < $", cq->expires_to);
	if (cq->after > 0)
		pg_q_int(q, " AND id < $", cq->after);
	pg_q_int(q, " ORDER BY id DESC LIMIT $", (int64_t)cq->limit + 1);
}

static int
pg_cert_search(void *arg, const struct store_cert_query *cq,
    store_cert_cb fn, void *fnarg, int64_t *next)
{
	struct pg_q	*q;
	int		 ret;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	pg_q_add(q, "SELECT " STORE_CERT_COLNAMES ", id FROM certs WHERE true",
	    0);
	pg_q_cert_filters(q, cq);
	ret = pg_q_run(arg, q, pg_cert_row, CERT_COL__MAX,
	    STORE_CB_CERT(fn, fnarg), cq->limit, next);
	free(q);
	return ret;
}

static int
pg_cert_renewals(void *arg, const char *serial, store_cert_cb fn,
    void *fnarg)
{
	struct pg_q	*q;
	int		 ret;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	pg_q_text(q, "SELECT " STORE_CERT_COLNAMES ", id FROM certs "
	    "WHERE renewed_from = $ ORDER BY id", serial);
	ret = pg_q_run(arg, q, pg_cert_row, CERT_COL__MAX,
	    STORE_CB_CERT(fn, fnarg), 0, NULL);
	free(q);
	return ret;
}

static int
pg_request_search(void *arg, const struct store_request_query *rq,
    store_request_cb fn, void *fnarg, int64_t *next)
{
	struct pg_q	*q;
	const char	*pat;
	int		 ret;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	pg_q_add(q, "SELECT " STORE_REQ_COLNAMES " FROM requests WHERE true",
	    0);
	if (rq->state == STORE_RSTATE_PENDING)
		pg_q_int(q, " AND status = 3 AND expires_at > $", rq->now);
	else if (rq->state == STORE_RSTATE_ISSUED)
		pg_q_add(q, " AND status = 0", 0);
	else if (rq->state == STORE_RSTATE_REJECTED)
		pg_q_add(q, " AND status = 2", 0);
	else if (rq->state == STORE_RSTATE_EXPIRED)
		pg_q_int(q, " AND status = 3 AND expires_at <= $", rq->now);
	pg_q_profiles(q, rq->profiles, rq->nprofiles);
	if (rq->text != NULL && *rq->text != '\0') {
		pat = pg_q_like(q, rq->text);
		pg_q_text(q, " AND (subject ILIKE $", pat);
		pg_q_text(q, " OR encode(txid, 'escape') ILIKE $",
		    pat);
		pg_q_text(q, " OR peer ILIKE $)", pat);
	}
	if (rq->after > 0)
		pg_q_int(q, " AND id < $", rq->after);
	pg_q_int(q, " ORDER BY id DESC LIMIT $", (int64_t)rq->limit + 1);
	ret = pg_q_run(arg, q, pg_request_row, REQ_COL_ID,
	    STORE_CB_REQUEST(fn, fnarg), rq->limit, next);
	free(q);
	return ret;
}

const struct store_ops store_pgsql_ops = {
	.version = STORE_OPS_VERSION,
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.issue = pg_issue,
	.txn_get = pg_txn_get,
	.cert_get = pg_cert_get,
	.cert_list = pg_cert_list,
	.cert_status = pg_cert_status,
	.cert_revoke = pg_cert_revoke,
	.revoked_list = pg_revoked_list,
	.revision = pg_revision,
	.request_put = pg_request_put,
	.request_get = pg_request_get,
	.request_list = pg_request_list,
	.request_issue = pg_request_issue,
	.request_reject = pg_request_reject,
	.crl_latest = pg_crl_latest,
	.crl_put = pg_crl_put,
	.txn_list = pg_txn_list,
	.crl_list = pg_crl_list,
	.counts = pg_counts,
	.import = pg_import,
	.challenge_put = pg_challenge_put,
	.challenge_get = pg_challenge_get,
	.challenge_list = pg_challenge_list,
	.cert_count_active = pg_cert_count_active,
	.txn_pending_other = pg_txn_pending_other,
	.cert_search = pg_cert_search,
	.cert_renewals = pg_cert_renewals,
	.request_search = pg_request_search,
	.lease_take = pg_lease_take,
	.metrics = pg_metrics,
	.request_issue_a = pg_request_issue_a,
	.request_reject_a = pg_request_reject_a,
	.cert_revoke_a = pg_cert_revoke_a,
	.challenge_put_a = pg_challenge_put_a,
	.challenge_revoke = pg_challenge_revoke,
	.token_put = pg_token_put,
	.token_revoke = pg_token_revoke,
	.token_get = pg_token_get,
	.token_list = pg_token_list,
	.audit_append = pg_audit_append,
	.audit_list = pg_audit_list,
	.audit_all = pg_audit_all,
	.audit_head = pg_audit_head,
	.txlog_put = pg_txlog_put,
	.txlog_list = pg_txlog_list,
	.txlog_prune = pg_txlog_prune,
	.stats = pg_stats,
};
