/*	SPDX-License-Identifier: ISC */
/*
 * store_sqlite.c: the embedded SQLite backend of struct store_ops.
 * WAL journal, synchronous=FULL (a certificate is on disk before its
 * CertRep leaves), a busy timeout, versioned migrations kept in
 * PRAGMA user_version, and a pool of connections each with its prepared
 * statements, so worker threads never share a connection.
 * Only store.c calls this file; no SQL lives anywhere else.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"

/* Schema migrations: entry i takes user_version i to i + 1. */
static const char *const sq_migrations[] = {
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
};
#define SQ_SCHEMA_VERSION \
	((int)(sizeof(sq_migrations) / sizeof(sq_migrations[0])))

enum sq_stmt {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_CERT_INSERT,
	SQ_TXN_INSERT,
	SQ_TXN_GET,
	SQ_CERT_GET,
	SQ_CERT_LIST,
	SQ__MAX
};

#define SQ_CERT_COLS \
	"serial, subject, not_before, not_after, status, issued_at, txid, " \
	"profile, peer, der"

static const char *const sq_sql[SQ__MAX] = {
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_CERT_INSERT] = "INSERT INTO certs (" SQ_CERT_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SQ_TXN_INSERT] = "INSERT INTO txns (txid, signer_kid, csr_kid, "
	    "serial, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQ_TXN_GET] = "SELECT csr_kid, serial FROM txns "
	    "WHERE txid = ?1 AND signer_kid = ?2",
	[SQ_CERT_GET] = "SELECT " SQ_CERT_COLS " FROM certs WHERE serial = ?1",
	[SQ_CERT_LIST] = "SELECT " SQ_CERT_COLS " FROM certs ORDER BY rowid",
};

struct sq_conn {
	sqlite3		*db;
	sqlite3_stmt	*stmt[SQ__MAX];
};

struct sq {
	pthread_mutex_t	 mu;
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

static int
sq_conn_open(struct sq_conn *c, const char *path, int create, int first)
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
		if (sq_conn_open(&s->conns[i], s->path, create, i == 0) ==
		    -1) {
			sq_close(s);
			return NULL;
		}
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
	pthread_mutex_lock(&s->mu);
	s->idle[s->nidle++] = (int)(c - s->conns);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Run a statement that returns no rows; the SQLite result code. */
static int
sq_exec(struct sq_conn *c, enum sq_stmt which)
{
	int rc = sqlite3_step(c->stmt[which]);

	sqlite3_reset(c->stmt[which]);
	return rc;
}

static int
sq_bind_cert(sqlite3_stmt *st, const struct store_cert *r)
{
	return sqlite3_bind_text(st, 1, r->serial, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 2, r->subject, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 3, r->not_before) |
	    sqlite3_bind_int64(st, 4, r->not_after) |
	    sqlite3_bind_int(st, 5, r->status) |
	    sqlite3_bind_int64(st, 6, r->issued_at) |
	    sqlite3_bind_text(st, 7, r->txid, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 8, r->profile, -1, SQLITE_STATIC) |
	    sqlite3_bind_text(st, 9, r->peer, -1, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 10, r->der, (int)r->dersz, SQLITE_STATIC);
}

static int
sq_bind_txn(sqlite3_stmt *st, const struct store_txn *t, int64_t when)
{
	return sqlite3_bind_text(st, 1, t->txid, -1, SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 2, t->signer_kid, STORE_KID_LEN,
	    SQLITE_STATIC) |
	    sqlite3_bind_blob(st, 3, t->csr_kid, STORE_KID_LEN,
	    SQLITE_STATIC) |
	    sqlite3_bind_text(st, 4, t->serial, -1, SQLITE_STATIC) |
	    sqlite3_bind_int64(st, 5, when);
}

/* A UNIQUE or PRIMARY KEY violation, as opposed to a real failure. */
static int
sq_is_dup(int rc)
{
	return rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static enum store_put
sq_issue(void *arg, const struct store_cert *r, const struct store_txn *t)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	enum store_put	 ret = STORE_PUT_ERROR;
	int		 rc;

	if ((rc = sq_exec(c, SQ_BEGIN)) != SQLITE_DONE)
		goto fail;
	if (sq_bind_cert(c->stmt[SQ_CERT_INSERT], r) != SQLITE_OK)
		goto fail;
	if ((rc = sq_exec(c, SQ_CERT_INSERT)) != SQLITE_DONE) {
		if (sq_is_dup(rc))
			ret = STORE_PUT_DUP_SERIAL;
		goto fail;
	}
	if (sq_bind_txn(c->stmt[SQ_TXN_INSERT], t, r->issued_at) != SQLITE_OK)
		goto fail;
	if ((rc = sq_exec(c, SQ_TXN_INSERT)) != SQLITE_DONE) {
		if (sq_is_dup(rc))
			ret = STORE_PUT_DUP_TXN;
		goto fail;
	}
	if ((rc = sq_exec(c, SQ_COMMIT)) != SQLITE_DONE)
		goto fail;
	sq_put(s, c);
	return STORE_PUT_OK;
 fail:
	if (ret == STORE_PUT_ERROR)
		log_warnx("%s: issue %s: %s", s->path, r->serial,
		    sqlite3_errmsg(c->db));
	if (!sqlite3_get_autocommit(c->db))
		sq_exec(c, SQ_ROLLBACK);
	sq_put(s, c);
	return ret;
}

static int
sq_txn_get(void *arg, const char *txid, const unsigned char *signer_kid,
    struct store_txn *t, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_TXN_GET];
	const void	*kid;
	int		 rc, ret = -1;

	*found = 0;
	memset(t, 0, sizeof(*t));
	if (sqlite3_bind_text(st, 1, txid, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, signer_kid, STORE_KID_LEN,
	    SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		kid = sqlite3_column_blob(st, 0);
		if (kid == NULL || sqlite3_column_bytes(st, 0) !=
		    STORE_KID_LEN)
			goto out;
		snprintf(t->txid, sizeof(t->txid), "%s", txid);
		memcpy(t->signer_kid, signer_kid, STORE_KID_LEN);
		memcpy(t->csr_kid, kid, STORE_KID_LEN);
		snprintf(t->serial, sizeof(t->serial), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		*found = 1;
	} else if (rc != SQLITE_DONE)
		goto out;
	ret = 0;
 out:
	if (ret == -1)
		log_warnx("%s: txn_get: %s", s->path, sqlite3_errmsg(c->db));
	sq_put(s, c);
	return ret;
}

static char *
sq_col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *p = sqlite3_column_text(st, i);

	return strdup(p == NULL ? "" : (const char *)p);
}

/* The current row of a SQ_CERT_COLS query into "r" (which it owns). */
static int
sq_cert_row(sqlite3_stmt *st, struct store_cert *r)
{
	const void	*der;
	int		 n;

	memset(r, 0, sizeof(*r));
	snprintf(r->serial, sizeof(r->serial), "%s",
	    (const char *)sqlite3_column_text(st, 0));
	r->not_before = sqlite3_column_int64(st, 2);
	r->not_after = sqlite3_column_int64(st, 3);
	r->status = sqlite3_column_int(st, 4);
	r->issued_at = sqlite3_column_int64(st, 5);
	snprintf(r->txid, sizeof(r->txid), "%s",
	    (const char *)sqlite3_column_text(st, 6));
	snprintf(r->profile, sizeof(r->profile), "%s",
	    (const char *)sqlite3_column_text(st, 7));
	snprintf(r->peer, sizeof(r->peer), "%s",
	    (const char *)sqlite3_column_text(st, 8));
	der = sqlite3_column_blob(st, 9);
	n = sqlite3_column_bytes(st, 9);
	if ((r->subject = sq_col_strdup(st, 1)) == NULL || der == NULL ||
	    n <= 0 || (r->der = malloc((size_t)n)) == NULL) {
		store_cert_clear(r);
		return -1;
	}
	memcpy(r->der, der, (size_t)n);
	r->dersz = (size_t)n;
	return 0;
}

static int
sq_cert_get(void *arg, const char *serial, struct store_cert *r, int *found)
{
	struct sq	*s = arg;
	struct sq_conn	*c = sq_get(s);
	sqlite3_stmt	*st = c->stmt[SQ_CERT_GET];
	int		 rc, ret = -1;

	*found = 0;
	if (sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sq_cert_row(st, r) == -1)
			goto out;
		*found = 1;
	} else if (rc != SQLITE_DONE)
		goto out;
	ret = 0;
 out:
	if (ret == -1)
		log_warnx("%s: cert_get: %s", s->path, sqlite3_errmsg(c->db));
	sq_put(s, c);
	return ret;
}

static int
sq_cert_list(void *arg, store_cert_cb cb, void *cbarg)
{
	struct sq		*s = arg;
	struct sq_conn		*c = sq_get(s);
	sqlite3_stmt		*st = c->stmt[SQ_CERT_LIST];
	struct store_cert	 r;
	int			 rc, ret = -1;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sq_cert_row(st, &r) == -1)
			goto out;
		rc = cb(&r, cbarg);
		store_cert_clear(&r);
		if (rc == -1)
			goto out;
	}
	if (rc == SQLITE_DONE)
		ret = 0;
	else
		log_warnx("%s: cert_list: %s", s->path,
		    sqlite3_errmsg(c->db));
 out:
	sq_put(s, c);
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
};
