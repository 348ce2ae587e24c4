/*	SPDX-License-Identifier: ISC */
/*
 * test_store.c: a store backend through store.h only, as the engine
 * sees it: schema migration (fresh, and from version 1), round trips of
 * every field, the two duplicate outcomes of store_issue() (each leaving
 * nothing written), listing order, reopening, revocation and the store
 * revision, pending requests and their decisions, CRLs, concurrent
 * issuance from many threads, races between deciders, and the export
 * and import behind "scepd store migrate".
 * SQLite by default; with SCEPD_TEST_PG_URL set (tests/integration/
 * unit_pg.sh starts a cluster) the same cases run against PostgreSQL,
 * plus its own: advisory-locked migration by nodes starting at once, and
 * reconnection after the server dropped the sessions or refused new
 * ones.  Only the schema checks and the outage simulation talk to the
 * database directly (sqlite3, libpq).
 */
#include <sys/stat.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"
#include "testutil.h"

#define NTHREADS	8
#define NPERTHREAD	50

static char		*dir, *dbpath, *srcpath;
static struct conf_store cs;
static const char	*pgurl;		/* SCEPD_TEST_PG_URL, or NULL */
static PGconn		*admin;		/* the test's own session */

/* Run "sql" on the test's own PostgreSQL session; it must succeed. */
static void
pg_admin(const char *sql)
{
	PGresult *r = PQexec(admin, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	PQclear(r);
}

/* The first value "sql" returns, as an integer (-1: no row). */
static long long
pg_admin_int(const char *sql)
{
	PGresult	*r = PQexec(admin, sql);
	long long	 v = -1;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	if (PQntuples(r) > 0)
		v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static void
pg_quiet(void *arg, const char *msg)
{
}

static int
setup(void **state)
{
	if ((dir = tu_tmpdir()) == NULL ||
	    (dbpath = tu_path(dir, "scepd.db")) == NULL ||
	    (srcpath = tu_path(dir, "source.db")) == NULL)
		return -1;
	cs.backend = (char *)"sqlite";
	cs.path = dbpath;
	cs.conns = 0;
	if ((pgurl = getenv("SCEPD_TEST_PG_URL")) != NULL) {
		cs.backend = (char *)"postgresql";
		cs.path = NULL;
		cs.url = (char *)pgurl;
		admin = PQconnectdb(getenv("SCEPD_TEST_PG_ADMIN_URL") != NULL ?
		    getenv("SCEPD_TEST_PG_ADMIN_URL") : pgurl);
		if (PQstatus(admin) != CONNECTION_OK) {
			fprintf(stderr, "%s", PQerrorMessage(admin));
			return -1;
		}
		PQsetNoticeProcessor(admin, pg_quiet, NULL);
	}
	return 0;
}

static void
unlink_db(const char *path)
{
	char *p;

	unlink(path);
	if (asprintf(&p, "%s-wal", path) != -1) {
		unlink(p);
		free(p);
	}
	if (asprintf(&p, "%s-shm", path) != -1) {
		unlink(p);
		free(p);
	}
}

/* Each test starts from no database at all. */
static int
teardown(void **state)
{
	unlink_db(dbpath);
	unlink_db(srcpath);
	if (admin != NULL)
		pg_admin("DROP TABLE IF EXISTS txns, requests, crls, certs, "
		    "challenges, leases, meta, tokens, audit, audit_head, txlog "
		    "CASCADE");
	return 0;
}

static int
group_teardown(void **state)
{
	teardown(state);
	PQfinish(admin);
	tu_rmrf(dir);
	free(dir);
	free(dbpath);
	free(srcpath);
	return 0;
}

/* A certificate record whose every field depends on "i". */
static void
rec_make(int i, struct store_cert *c, struct store_txn *t,
    unsigned char *der, size_t dersz)
{
	memset(c, 0, sizeof(*c));
	memset(t, 0, sizeof(*t));
	snprintf(c->serial, sizeof(c->serial), "%040X", (unsigned)i + 0x1000);
	c->serial[0] = '4';
	if (asprintf(&c->subject, "CN=device-%d,O=Example \"quoted\"", i) ==
	    -1)
		c->subject = NULL;
	c->not_before = 1700000000 + i;
	c->not_after = 1700000000 + 365 * 86400LL + i;
	c->status = STORE_CERT_VALID;
	c->revoke_reason = -1;
	c->issued_at = 1700000100 + i;
	snprintf(c->txid, sizeof(c->txid), "txid-%d", i);
	snprintf(c->profile, sizeof(c->profile), "profile-%d", i % 3);
	snprintf(c->peer, sizeof(c->peer), "192.0.2.%d", i % 250);
	tu_fill(der, dersz, (uint32_t)i);
	der[0] = 0x30;
	der[dersz / 2] = 0x00;		/* a NUL inside the blob */
	c->der = der;
	c->dersz = dersz;
	snprintf(t->txid, sizeof(t->txid), "%s", c->txid);
	tu_fill(t->signer_kid, sizeof(t->signer_kid), (uint32_t)i + 1000);
	tu_fill(t->csr_kid, sizeof(t->csr_kid), (uint32_t)i + 2000);
	memcpy(t->serial, c->serial, sizeof(t->serial));
}

static void
cert_equal(const struct store_cert *a, const struct store_cert *b)
{
	assert_string_equal(a->serial, b->serial);
	assert_string_equal(a->subject, b->subject);
	assert_true(a->not_before == b->not_before);
	assert_true(a->not_after == b->not_after);
	assert_int_equal(a->status, b->status);
	assert_true(a->issued_at == b->issued_at);
	assert_string_equal(a->txid, b->txid);
	assert_string_equal(a->profile, b->profile);
	assert_string_equal(a->peer, b->peer);
	assert_int_equal(a->dersz, b->dersz);
	assert_memory_equal(a->der, b->der, a->dersz);
	assert_string_equal(a->renewed_from, b->renewed_from);
}

/* store_issue() of record "i", which must succeed. */
static void
issue_ok(struct store *st, int i)
{
	struct store_cert	c;
	struct store_txn	t;
	unsigned char		der[300];

	rec_make(i, &c, &t, der, sizeof(der));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	free(c.subject);
}

static void
test_schema(void **state)
{
	struct store	*st;
	sqlite3		*db;
	sqlite3_stmt	*q;
	int		 n = 0;

	assert_non_null(st = store_open(&cs, 1));
	store_close(st);

	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
	    &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_true(sqlite3_column_int(q, 0) >= 1);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "sqlite_master WHERE type = 'table' AND name IN "
	    "('certs', 'txns')", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		n++;
	sqlite3_finalize(q);
	assert_int_equal(n, 2);
	/* An issuance adds to neither partial index (schema 5). */
	n = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "sqlite_master WHERE type = 'index' AND name IN "
	    "('certs_revoked', 'txns_request') AND sql LIKE '% WHERE %'", -1,
	    &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		n++;
	sqlite3_finalize(q);
	assert_int_equal(n, 2);
	/* The admin API's search indexes and text table (schema 6). */
	n = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "sqlite_master WHERE name IN ('certs_not_after', 'certs_issued', "
	    "'certs_profile', 'certs_peer', 'certs_renewed', 'certs_text', "
	    "'certs_text_add')", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		n++;
	sqlite3_finalize(q);
	assert_int_equal(n, 7);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1,
	    &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);

	/* Opening again does not migrate twice (nor fail). */
	assert_non_null(st = store_open(&cs, 1));
	store_close(st);
}

static void
test_roundtrip(void **state)
{
	struct store		*st;
	struct store_cert	 c, got;
	struct store_txn	 t, gott;
	unsigned char		 der[777];
	int			 found = -1;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(7, &c, &t, der, sizeof(der));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);

	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_int_equal(found, 1);
	cert_equal(&c, &got);
	store_cert_clear(&got);
	assert_null(got.der);

	assert_int_equal(store_txn_get(st, t.txid, t.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(gott.txid, t.txid);
	assert_memory_equal(gott.signer_kid, t.signer_kid, STORE_KID_LEN);
	assert_memory_equal(gott.csr_kid, t.csr_kid, STORE_KID_LEN);
	assert_string_equal(gott.serial, t.serial);

	/* Not found is not an error. */
	assert_int_equal(store_cert_get(st, "00", &got, &found), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_txn_get(st, "no-such-txid", t.signer_kid,
	    &gott, &found), 0);
	assert_int_equal(found, 0);
	/* The signer is part of the key: same txid, other signer. */
	t.signer_kid[0] ^= 0xff;
	assert_int_equal(store_txn_get(st, t.txid, t.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 0);

	free(c.subject);
	store_close(st);
}

/* Longest values the structs can hold survive the trip. */
static void
test_roundtrip_limits(void **state)
{
	struct store		*st;
	struct store_cert	 c, got;
	struct store_txn	 t, gott;
	unsigned char		 der[1];
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &c, &t, der, sizeof(der));
	memset(c.txid, 'T', STORE_TXID_MAX);
	c.txid[STORE_TXID_MAX] = '\0';
	memcpy(t.txid, c.txid, sizeof(t.txid));
	memset(c.profile, 'p', sizeof(c.profile) - 1);
	memset(c.peer, 'a', sizeof(c.peer) - 1);
	c.not_after = INT64_MAX;
	c.not_before = INT64_MIN;
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_int_equal(found, 1);
	cert_equal(&c, &got);
	store_cert_clear(&got);
	assert_int_equal(store_txn_get(st, t.txid, t.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(gott.txid, t.txid);
	free(c.subject);
	store_close(st);
}

static void
test_dup_serial(void **state)
{
	struct store		*st;
	struct store_cert	 c, c2, got;
	struct store_txn	 t, t2, gott;
	unsigned char		 der[100], der2[100];
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &c, &t, der, sizeof(der));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);

	/* Another transaction drew the same serial. */
	rec_make(2, &c2, &t2, der2, sizeof(der2));
	memcpy(c2.serial, c.serial, sizeof(c2.serial));
	memcpy(t2.serial, c.serial, sizeof(t2.serial));
	assert_int_equal(store_issue(st, &c2, &t2), STORE_PUT_DUP_SERIAL);

	/* Nothing of the second was written; the first is intact. */
	assert_int_equal(store_txn_get(st, t2.txid, t2.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_int_equal(found, 1);
	cert_equal(&c, &got);
	store_cert_clear(&got);

	/* The engine retries with a fresh serial: that works. */
	snprintf(c2.serial, sizeof(c2.serial), "7FFF");
	memcpy(t2.serial, c2.serial, sizeof(t2.serial));
	assert_int_equal(store_issue(st, &c2, &t2), STORE_PUT_OK);
	assert_int_equal(store_txn_get(st, t2.txid, t2.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(gott.serial, "7FFF");

	free(c.subject);
	free(c2.subject);
	store_close(st);
}

static void
test_dup_txn(void **state)
{
	struct store		*st;
	struct store_cert	 c, c2, got;
	struct store_txn	 t, t2, gott;
	unsigned char		 der[100], der2[100];
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &c, &t, der, sizeof(der));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);

	/* The same (txid, signer) again, with a new certificate. */
	rec_make(2, &c2, &t2, der2, sizeof(der2));
	memcpy(t2.txid, t.txid, sizeof(t2.txid));
	memcpy(t2.signer_kid, t.signer_kid, sizeof(t2.signer_kid));
	assert_int_equal(store_issue(st, &c2, &t2), STORE_PUT_DUP_TXN);

	/* The second certificate was rolled back with the transaction. */
	assert_int_equal(store_cert_get(st, c2.serial, &got, &found), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_txn_get(st, t.txid, t.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(gott.serial, c.serial);
	assert_memory_equal(gott.csr_kid, t.csr_kid, STORE_KID_LEN);

	/* The same txid from another signer is another transaction. */
	t2.signer_kid[0] ^= 0xff;
	assert_int_equal(store_issue(st, &c2, &t2), STORE_PUT_OK);

	free(c.subject);
	free(c2.subject);
	store_close(st);
}

struct list_ctx {
	int	 n;
	int	 stop_at;	/* return -1 on this call, 0 = never */
	char	 serials[64][STORE_SERIAL_MAX + 1];
};

static int
list_cb(const struct store_cert *c, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->n < 64)
		memcpy(lc->serials[lc->n], c->serial, sizeof(lc->serials[0]));
	lc->n++;
	if (c->der == NULL || c->subject == NULL)
		return -1;
	return lc->n == lc->stop_at ? -1 : 0;
}

static void
test_list(void **state)
{
	struct store		*st;
	struct store_cert	 c;
	struct store_txn	 t;
	struct list_ctx		 lc;
	unsigned char		 der[50];
	/* Issue order deliberately differs from serial order. */
	int			 order[] = { 5, 1, 9, 3, 7, 2, 8, 4, 6, 0 };
	size_t			 i;

	assert_non_null(st = store_open(&cs, 1));
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_cert_list(st, list_cb, &lc), 0);
	assert_int_equal(lc.n, 0);

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		issue_ok(st, order[i]);
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_cert_list(st, list_cb, &lc), 0);
	assert_int_equal(lc.n, 10);
	/* Oldest first. */
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		rec_make(order[i], &c, &t, der, sizeof(der));
		assert_string_equal(lc.serials[i], c.serial);
		free(c.subject);
	}

	/* A callback's -1 stops the walk. */
	memset(&lc, 0, sizeof(lc));
	lc.stop_at = 3;
	assert_int_equal(store_cert_list(st, list_cb, &lc), -1);
	assert_int_equal(lc.n, 3);
	/* And the store is still usable: the statement was reset. */
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_cert_list(st, list_cb, &lc), 0);
	assert_int_equal(lc.n, 10);
	store_close(st);
}

static void
test_reopen(void **state)
{
	struct store		*st;
	struct store_cert	 c, got;
	struct store_txn	 t, gott;
	struct list_ctx		 lc;
	unsigned char		 der[300];
	int			 found, i;

	assert_non_null(st = store_open(&cs, 1));
	for (i = 0; i < 5; i++)
		issue_ok(st, i);
	store_close(st);

	assert_non_null(st = store_open(&cs, 0));
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_cert_list(st, list_cb, &lc), 0);
	assert_int_equal(lc.n, 5);
	rec_make(3, &c, &t, der, sizeof(der));
	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_int_equal(found, 1);
	cert_equal(&c, &got);
	store_cert_clear(&got);
	assert_int_equal(store_txn_get(st, t.txid, t.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 1);
	free(c.subject);
	/* Still writable. */
	issue_ok(st, 5);
	store_close(st);
}

static void
test_open_missing(void **state)
{
	struct stat		 sb;
	struct conf_store	 bad = cs;

	assert_int_equal(stat(dbpath, &sb), -1);
	assert_null(store_open(&cs, 0));
	/* ... and did not leave an empty database behind. */
	assert_int_equal(stat(dbpath, &sb), -1);

	bad.backend = (char *)"pgsql";
	assert_null(store_open(&bad, 1));
	assert_int_equal(stat(dbpath, &sb), -1);

	bad.backend = (char *)"sqlite";
	bad.path = (char *)"/nonexistent-dir/x/scepd.db";
	assert_null(store_open(&bad, 1));
	store_close(NULL);
}

static void
test_not_a_database(void **state)
{
	assert_int_equal(tu_write_str(dbpath, "this is not SQLite, just "
	    "text that is long enough to be a header and more ...........\n"
	    "...............................................................",
	    0600), 0);
	assert_null(store_open(&cs, 0));
	assert_null(store_open(&cs, 1));
}

static void
test_renewed_from(void **state)
{
	struct store		*st;
	struct store_cert	 old, c, got;
	struct store_txn	 t;
	unsigned char		 der[64], der2[64];
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &old, &t, der, sizeof(der));
	assert_int_equal(store_issue(st, &old, &t), STORE_PUT_OK);
	rec_make(2, &c, &t, der2, sizeof(der2));
	memcpy(c.renewed_from, old.serial, sizeof(c.renewed_from));
	free(old.subject);
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_int_equal(found, 1);
	cert_equal(&c, &got);
	assert_int_equal(got.revoke_reason, -1);
	assert_true(got.revoked_at == 0);
	store_cert_clear(&got);
	free(c.subject);
	store_close(st);
}

/* Count and remember what store_revoked_list() reports. */
static int
revoked_cb(const struct store_cert *c, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->n < 64)
		memcpy(lc->serials[lc->n], c->serial, sizeof(lc->serials[0]));
	lc->n++;
	return c->status == STORE_CERT_REVOKED ? 0 : -1;
}

static void
test_revoke(void **state)
{
	struct store		*st;
	struct store_cert	 c1, c2, got;
	struct store_txn	 t;
	struct store_status	 ss;
	struct list_ctx		 lc;
	unsigned char		 der[64];
	int64_t			 rev = -1;
	int			 found, i;

	assert_non_null(st = store_open(&cs, 1));
	for (i = 1; i <= 3; i++)
		issue_ok(st, i);
	rec_make(1, &c1, &t, der, sizeof(der));
	rec_make(2, &c2, &t, der, sizeof(der));
	assert_int_equal(store_revision(st, &rev), 0);
	assert_true(rev == 0);
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_revoked_list(st, "default", revoked_cb, &lc), 0);
	assert_int_equal(lc.n, 0);

	/* keyCompromise (1), at a fixed time. */
	assert_int_equal(store_cert_revoke(st, c2.serial, 1, 1750000000),
	    STORE_REVOKE_DONE);
	assert_int_equal(store_revision(st, &rev), 0);
	assert_true(rev == 1);
	assert_int_equal(store_cert_status(st, c2.serial, &ss, &found), 0);
	assert_int_equal(found, 1);
	assert_int_equal(ss.status, STORE_CERT_REVOKED);
	assert_true(ss.revoked_at == 1750000000);
	assert_int_equal(ss.revoke_reason, 1);
	assert_true(ss.not_after == c2.not_after);
	assert_int_equal(store_cert_get(st, c2.serial, &got, &found), 0);
	assert_int_equal(got.status, STORE_CERT_REVOKED);
	assert_true(got.revoked_at == 1750000000);
	assert_int_equal(got.revoke_reason, 1);
	store_cert_clear(&got);

	/* Again: already revoked, nothing changes, no new revision. */
	assert_int_equal(store_cert_revoke(st, c2.serial, 4, 1760000000),
	    STORE_REVOKE_ALREADY);
	assert_int_equal(store_revision(st, &rev), 0);
	assert_true(rev == 1);
	assert_int_equal(store_cert_status(st, c2.serial, &ss, &found), 0);
	assert_true(ss.revoked_at == 1750000000);
	assert_int_equal(ss.revoke_reason, 1);
	assert_int_equal(store_cert_revoke(st, "0123", 1, 1750000000),
	    STORE_REVOKE_UNKNOWN);
	assert_int_equal(store_cert_status(st, "0123", &ss, &found), 0);
	assert_int_equal(found, 0);

	/* No reason code at all (-1). */
	assert_int_equal(store_cert_revoke(st, c1.serial, -1, 1750000001),
	    STORE_REVOKE_DONE);
	assert_int_equal(store_cert_status(st, c1.serial, &ss, &found), 0);
	assert_int_equal(ss.status, STORE_CERT_REVOKED);
	assert_int_equal(ss.revoke_reason, -1);
	assert_int_equal(store_revision(st, &rev), 0);
	assert_true(rev == 2);

	/* Only the revoked ones, oldest issued first. */
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_revoked_list(st, "default", revoked_cb, &lc), 0);
	assert_int_equal(lc.n, 2);
	assert_string_equal(lc.serials[0], c1.serial);
	assert_string_equal(lc.serials[1], c2.serial);
	free(c1.subject);
	free(c2.subject);
	store_close(st);
}

/* A pending request for record "i", expiring at "expires". */
static void
req_make(int i, struct store_request *r, struct store_txn *t,
    unsigned char *csr, size_t csrsz, int64_t expires)
{
	struct store_cert c;

	rec_make(i, &c, t, csr, csrsz);
	free(c.subject);
	memset(r, 0, sizeof(*r));
	memcpy(r->txid, t->txid, sizeof(r->txid));
	memcpy(r->signer_kid, t->signer_kid, STORE_KID_LEN);
	memcpy(r->csr_kid, t->csr_kid, STORE_KID_LEN);
	r->csr = csr;
	r->csrsz = csrsz;
	r->subject = (char *)"CN=pending";
	snprintf(r->profile, sizeof(r->profile), "p%d", i);
	snprintf(r->peer, sizeof(r->peer), "198.51.100.%d", i);
	r->created_at = 1700000000 + i;
	r->expires_at = expires;
	t->serial[0] = '\0';
}

static int
request_cb(const struct store_request *r, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->n < 64)
		snprintf(lc->serials[lc->n], sizeof(lc->serials[0]), "%lld",
		    (long long)r->id);
	lc->n++;
	return r->csr == NULL ? -1 : 0;
}

/*
 * store_txn_pending_other() for "txid" seen from "kid", or with "flip"
 * from another key (kid with its first byte inverted).
 */
static int64_t
pending_other(struct store *st, const char *txid, const unsigned char *kid,
    int flip)
{
	unsigned char	k[STORE_KID_LEN];
	int64_t		n = -1;

	memcpy(k, kid, STORE_KID_LEN);
	if (flip)
		k[0] ^= 0xff;
	assert_int_equal(store_txn_pending_other(st, txid, k, &n), 0);
	return n;
}

static void
test_requests(void **state)
{
	struct store		*st;
	struct store_request	 r, r2, got;
	struct store_txn	 t, t2, gott;
	struct store_cert	 c, gotc;
	struct list_ctx		 lc;
	unsigned char		 csr[200], csr2[200], der[64];
	char			 id1[32];
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	req_make(1, &r, &t, csr, sizeof(csr), 1800000000);
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
	assert_true(r.id > 0);
	assert_int_equal(r.status, STORE_TXN_PENDING);

	/* The transaction now says PENDING and points at the request. */
	assert_int_equal(store_txn_get(st, t.txid, t.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(found, 1);
	assert_int_equal(gott.status, STORE_TXN_PENDING);
	assert_true(gott.request_id == r.id);
	assert_string_equal(gott.serial, "");

	assert_int_equal(store_request_get(st, r.id, &got, &found), 0);
	assert_int_equal(found, 1);
	assert_true(got.id == r.id);
	assert_string_equal(got.txid, r.txid);
	assert_memory_equal(got.signer_kid, r.signer_kid, STORE_KID_LEN);
	assert_memory_equal(got.csr_kid, r.csr_kid, STORE_KID_LEN);
	assert_int_equal(got.csrsz, sizeof(csr));
	assert_memory_equal(got.csr, csr, sizeof(csr));
	assert_string_equal(got.subject, "CN=pending");
	assert_string_equal(got.profile, r.profile);
	assert_string_equal(got.peer, r.peer);
	assert_true(got.created_at == r.created_at);
	assert_true(got.expires_at == r.expires_at);
	assert_int_equal(got.status, STORE_TXN_PENDING);
	assert_string_equal(got.serial, "");
	store_request_clear(&got);
	assert_int_equal(store_request_get(st, r.id + 100, &got, &found), 0);
	assert_int_equal(found, 0);

	/*
	 * Issue #14: the pending transactionID, seen from another signer
	 * key, is taken; from its own key, or once decided, it is not.
	 */
	assert_true(pending_other(st, t.txid, t.signer_kid, 1) == 1);
	assert_true(pending_other(st, t.txid, t.signer_kid, 0) == 0);
	assert_true(pending_other(st, "no-such-txid", t.signer_kid, 1) == 0);

	/* A resent PKCSReq of the same transaction is not a new request. */
	req_make(1, &r2, &t2, csr2, sizeof(csr2), 1800000000);
	assert_int_equal(store_request_put(st, &r2, &t2), STORE_PUT_DUP_TXN);
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_request_list(st, request_cb, &lc), 0);
	assert_int_equal(lc.n, 1);

	/* Approve: the certificate, the request, the transaction. */
	rec_make(10, &c, &t2, der, sizeof(der));
	c.issued_at = 1700000500;
	assert_int_equal(store_request_issue(st, r.id, &c), STORE_PUT_OK);
	assert_int_equal(store_cert_get(st, c.serial, &gotc, &found), 0);
	assert_int_equal(found, 1);
	store_cert_clear(&gotc);
	assert_int_equal(store_request_get(st, r.id, &got, &found), 0);
	assert_int_equal(got.status, STORE_TXN_ISSUED);
	assert_string_equal(got.serial, c.serial);
	store_request_clear(&got);
	assert_int_equal(store_txn_get(st, t.txid, t.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(gott.status, STORE_TXN_ISSUED);
	assert_string_equal(gott.serial, c.serial);
	free(c.subject);
	/* Issued: no longer pending. */
	assert_true(pending_other(st, t.txid, t.signer_kid, 1) == 0);

	/* Decided once: a second approval or a rejection is stale. */
	rec_make(11, &c, &t2, der, sizeof(der));
	c.issued_at = 1700000600;
	assert_int_equal(store_request_issue(st, r.id, &c), STORE_PUT_STALE);
	assert_int_equal(store_cert_get(st, c.serial, &gotc, &found), 0);
	assert_int_equal(found, 0);	/* rolled back with it */
	assert_int_equal(store_request_reject(st, r.id, "no", 1700000700),
	    STORE_PUT_STALE);
	free(c.subject);

	/* Reject another. */
	req_make(2, &r2, &t2, csr2, sizeof(csr2), 1800000000);
	assert_int_equal(store_request_put(st, &r2, &t2), STORE_PUT_OK);
	assert_true(r2.id > r.id);
	assert_int_equal(store_request_reject(st, r2.id, "not this one",
	    1700000800), STORE_PUT_OK);
	assert_int_equal(store_request_get(st, r2.id, &got, &found), 0);
	assert_int_equal(got.status, STORE_TXN_REJECTED);
	assert_string_equal(got.reason, "not this one");
	store_request_clear(&got);
	assert_int_equal(store_txn_get(st, t2.txid, t2.signer_kid, &gott,
	    &found), 0);
	assert_int_equal(gott.status, STORE_TXN_REJECTED);
	assert_int_equal(store_request_reject(st, 9999, "x", 1700000900),
	    STORE_PUT_STALE);

	/* Expired before approval: stale, and nothing issued. */
	req_make(3, &r2, &t2, csr2, sizeof(csr2), 1700000000);
	assert_int_equal(store_request_put(st, &r2, &t2), STORE_PUT_OK);
	rec_make(12, &c, &t2, der, sizeof(der));
	c.issued_at = 1700000001;
	assert_int_equal(store_request_issue(st, r2.id, &c), STORE_PUT_STALE);
	assert_int_equal(store_cert_get(st, c.serial, &gotc, &found), 0);
	assert_int_equal(found, 0);
	free(c.subject);

	/* Newest first. */
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_request_list(st, request_cb, &lc), 0);
	assert_int_equal(lc.n, 3);
	snprintf(id1, sizeof(id1), "%lld", (long long)r.id);
	assert_string_equal(lc.serials[2], id1);
	store_close(st);
}

static void
test_crls(void **state)
{
	struct store		*st;
	struct store_crl	 cr, got;
	unsigned char		 der[300];
	int			 found, i;

	assert_non_null(st = store_open(&cs, 1));
	assert_int_equal(store_crl_latest(st, "default", &got, &found), 0);
	assert_int_equal(found, 0);
	tu_fill(der, sizeof(der), 5);
	memset(&cr, 0, sizeof(cr));
	cr.der = der;
	cr.dersz = sizeof(der);
	for (i = 1; i <= 40; i++) {
		cr.number = i;
		cr.revision = i / 2;
		cr.this_update = 1700000000 + i;
		cr.next_update = 1700086400 + i;
		der[0] = (unsigned char)i;
		assert_int_equal(store_crl_put(st, &cr), STORE_PUT_OK);
	}
	assert_int_equal(store_crl_latest(st, "default", &got, &found), 0);
	assert_int_equal(found, 1);
	assert_true(got.number == 40);
	assert_true(got.revision == 20);
	assert_true(got.this_update == 1700000040);
	assert_true(got.next_update == 1700086440);
	assert_int_equal(got.dersz, sizeof(der));
	assert_memory_equal(got.der, der, sizeof(der));
	store_crl_clear(&got);

	/* A number taken (another node was first): refused, latest kept. */
	cr.number = 40;
	der[0] = 0xff;
	assert_int_equal(store_crl_put(st, &cr), STORE_PUT_DUP_SERIAL);
	assert_int_equal(store_crl_latest(st, "default", &got, &found), 0);
	assert_int_equal(got.der[0], 40);
	store_crl_clear(&got);
	store_close(st);
}

/* The schema of version 1, as the first release created it. */
static const char v1_schema[] =
	"CREATE TABLE certs ("
	"  serial TEXT NOT NULL UNIQUE, subject TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,"
	"  status INTEGER NOT NULL DEFAULT 0, issued_at INTEGER NOT NULL,"
	"  txid TEXT NOT NULL, profile TEXT NOT NULL, peer TEXT NOT NULL,"
	"  der BLOB NOT NULL);"
	"CREATE INDEX certs_subject ON certs(subject);"
	"CREATE INDEX certs_not_after ON certs(not_after);"
	"CREATE TABLE txns ("
	"  txid TEXT NOT NULL, signer_kid BLOB NOT NULL,"
	"  csr_kid BLOB NOT NULL,"
	"  serial TEXT NOT NULL REFERENCES certs(serial),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (txid, signer_kid));"
	"INSERT INTO certs VALUES ('4ABC', 'CN=old', 1, 2, 0, 3, 'old-txid',"
	"  'default', '192.0.2.9', x'3000');"
	"INSERT INTO txns VALUES ('old-txid', zeroblob(32), zeroblob(32),"
	"  '4ABC', 3);"
	"PRAGMA user_version = 1;";

/* A database from the first schema is migrated and keeps its rows. */
static void
test_migrate_v1(void **state)
{
	struct store		*st;
	struct store_cert	 got;
	struct store_txn	 gott;
	struct store_status	 ss;
	sqlite3			*db;
	unsigned char		 zero[STORE_KID_LEN] = { 0 };
	int64_t			 rev = -1;
	int			 found;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	assert_non_null(st = store_open(&cs, 0));
	assert_int_equal(store_cert_get(st, "4ABC", &got, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(got.subject, "CN=old");
	assert_string_equal(got.txid, "old-txid");
	assert_int_equal(got.dersz, 2);
	assert_int_equal(got.revoke_reason, -1);
	assert_string_equal(got.renewed_from, "");
	store_cert_clear(&got);
	assert_int_equal(store_txn_get(st, "old-txid", zero, &gott, &found),
	    0);
	assert_int_equal(found, 1);
	assert_int_equal(gott.status, STORE_TXN_ISSUED);
	assert_string_equal(gott.serial, "4ABC");
	assert_int_equal(store_revision(st, &rev), 0);
	assert_true(rev == 0);
	/* The new operations work on the old rows. */
	assert_int_equal(store_cert_revoke(st, "4ABC", 0, 10),
	    STORE_REVOKE_DONE);
	assert_int_equal(store_cert_status(st, "4ABC", &ss, &found), 0);
	assert_int_equal(ss.status, STORE_CERT_REVOKED);
	issue_ok(st, 1);
	store_close(st);
}

/* A database from a newer scepd is refused, not downgraded. */
static void
test_schema_too_new(void **state)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999;", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(&cs, 0));
	assert_null(store_open(&cs, 1));
}

struct worker {
	struct store	*st;
	int		 base;
	int		 errors;
};

static void *
worker_run(void *arg)
{
	struct worker		*w = arg;
	struct store_cert	 c, got;
	struct store_txn	 t, gott;
	unsigned char		 der[400];
	int			 i, found;

	for (i = 0; i < NPERTHREAD; i++) {
		rec_make(w->base + i, &c, &t, der, sizeof(der));
		if (store_issue(w->st, &c, &t) != STORE_PUT_OK)
			w->errors++;
		/* Reads interleave with the other threads' writes. */
		if (store_txn_get(w->st, t.txid, t.signer_kid, &gott,
		    &found) == -1 || !found)
			w->errors++;
		if (store_cert_get(w->st, c.serial, &got, &found) == -1 ||
		    !found)
			w->errors++;
		else
			store_cert_clear(&got);
		free(c.subject);
	}
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct store	*st;
	struct worker	 w[NTHREADS];
	pthread_t	 th[NTHREADS];
	struct list_ctx	 lc;
	int		 i;

	assert_non_null(st = store_open(&cs, 1));
	for (i = 0; i < NTHREADS; i++) {
		w[i].st = st;
		w[i].base = i * NPERTHREAD;
		w[i].errors = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run,
		    &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(w[i].errors, 0);
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_cert_list(st, list_cb, &lc), 0);
	assert_int_equal(lc.n, NTHREADS * NPERTHREAD);
	store_close(st);
}

/* A pool smaller than the number of threads makes them wait, not fail. */
static void
test_concurrent_small_pool(void **state)
{
	struct conf_store	 one = cs;
	struct store		*st;
	struct worker		 w[4];
	pthread_t		 th[4];
	int			 i;

	one.conns = 2;
	assert_non_null(st = store_open(&one, 1));
	for (i = 0; i < 4; i++) {
		w[i].st = st;
		w[i].base = 10000 + i * NPERTHREAD;
		w[i].errors = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run,
		    &w[i]), 0);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(w[i].errors, 0);
	store_close(st);
}

/* A transactionID is the client's bytes: not necessarily UTF-8. */
static void
test_txid_bytes(void **state)
{
	struct store		*st;
	struct store_cert	 c, got;
	struct store_txn	 t, gott;
	struct store_request	 r, gotr;
	unsigned char		 der[64], csr[64];
	const char		*txid = "tx-\xff\xfe\x80-\xc3\x28";
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &c, &t, der, sizeof(der));
	snprintf(c.txid, sizeof(c.txid), "%s", txid);
	snprintf(t.txid, sizeof(t.txid), "%s", txid);
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	assert_int_equal(store_txn_get(st, txid, t.signer_kid, &gott, &found),
	    0);
	assert_int_equal(found, 1);
	assert_string_equal(gott.txid, txid);
	assert_string_equal(gott.serial, c.serial);
	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_string_equal(got.txid, txid);
	store_cert_clear(&got);
	free(c.subject);

	req_make(2, &r, &t, csr, sizeof(csr), 1800000000);
	snprintf(r.txid, sizeof(r.txid), "%s-2", txid);
	snprintf(t.txid, sizeof(t.txid), "%s-2", txid);
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
	assert_int_equal(store_request_get(st, r.id, &gotr, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(gotr.txid, r.txid);
	store_request_clear(&gotr);
	store_close(st);
}

/* A resent request whose transaction exists: rolled back, no id. */
static void
test_request_dup_no_id(void **state)
{
	struct store		*st;
	struct store_request	 r, r2;
	struct store_txn	 t, t2;
	struct list_ctx		 lc;
	unsigned char		 csr[64], csr2[64];

	assert_non_null(st = store_open(&cs, 1));
	req_make(1, &r, &t, csr, sizeof(csr), 1800000000);
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
	req_make(1, &r2, &t2, csr2, sizeof(csr2), 1800000000);
	r2.id = 12345;
	assert_int_equal(store_request_put(st, &r2, &t2), STORE_PUT_DUP_TXN);
	assert_true(r2.id == 0);
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_request_list(st, request_cb, &lc), 0);
	assert_int_equal(lc.n, 1);
	store_close(st);
}

#define NRACE	6

struct racer {
	struct store		*st;
	int64_t			 id;
	int			 i;
	pthread_barrier_t	*go;
	int			 result;
};

/* Approve request w->id with a certificate of its own serial. */
static void *
racer_approve(void *arg)
{
	struct racer		*w = arg;
	struct store_cert	 c;
	struct store_txn	 t;
	unsigned char		 der[64];

	rec_make(100 + w->i, &c, &t, der, sizeof(der));
	c.issued_at = 1700000500;
	pthread_barrier_wait(w->go);
	w->result = store_request_issue(w->st, w->id, &c);
	free(c.subject);
	return NULL;
}

static void *
racer_revoke(void *arg)
{
	struct racer		*w = arg;
	struct store_cert	 c;
	struct store_txn	 t;
	unsigned char		 der[64];

	rec_make(50, &c, &t, der, sizeof(der));
	free(c.subject);
	pthread_barrier_wait(w->go);
	w->result = store_cert_revoke(w->st, c.serial, w->i % 3,
	    1750000000 + w->i);
	return NULL;
}

/* Run NRACE threads of "fn" at once; how many got "want". */
static int
race(struct store *st, int64_t id, void *(*fn)(void *), int want)
{
	struct racer		 w[NRACE];
	pthread_t		 th[NRACE];
	pthread_barrier_t	 go;
	int			 i, n = 0;

	assert_int_equal(pthread_barrier_init(&go, NULL, NRACE), 0);
	for (i = 0; i < NRACE; i++) {
		w[i] = (struct racer){ st, id, i, &go, -2 };
		assert_int_equal(pthread_create(&th[i], NULL, fn, &w[i]), 0);
	}
	for (i = 0; i < NRACE; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&go);
	for (i = 0; i < NRACE; i++)
		if (w[i].result == want)
			n++;
	return n;
}

/*
 * Deciders racing: approvals of one request (several administrators,
 * or nodes) issue exactly one certificate; revocations of one serial
 * bump the revision exactly once.  The database decides, not a lock.
 */
static void
test_races(void **state)
{
	struct conf_store	 many = cs;
	struct store		*st;
	struct store_request	 r;
	struct store_txn	 t;
	struct store_counts	 n;
	unsigned char		 csr[64];
	int64_t			 rev;

	many.conns = NRACE;
	assert_non_null(st = store_open(&many, 1));
	req_make(1, &r, &t, csr, sizeof(csr), 1800000000);
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
	assert_int_equal(race(st, r.id, racer_approve, STORE_PUT_OK), 1);
	assert_int_equal(store_counts(st, &n), 0);
	assert_true(n.certs == 1);
	assert_true(n.pending == 0);

	issue_ok(st, 50);
	assert_int_equal(race(st, 0, racer_revoke, STORE_REVOKE_DONE), 1);
	assert_int_equal(store_revision(st, &rev), 0);
	assert_true(rev == 1);
	store_close(st);
}

static int
txn_count_cb(const struct store_txn *t, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->n < 64)
		snprintf(lc->serials[lc->n], sizeof(lc->serials[0]), "%s",
		    t->serial);
	lc->n++;
	return t->created_at == 0 ? -1 : 0;
}

static int
crl_count_cb(const struct store_crl *cr, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->n < 64)
		snprintf(lc->serials[lc->n], sizeof(lc->serials[0]), "%lld",
		    (long long)cr->number);
	lc->n++;
	return cr->der == NULL ? -1 : 0;
}

/*
 * Fill "st" with one of everything: certificates (one revoked, one a
 * renewal, one of another CA with a one-time challenge), requests
 * pending, issued and rejected, CRLs of two CAs, a challenge still
 * open, a revision.
 */
static void
fill(struct store *st)
{
	struct store_cert	 c, old;
	struct store_txn	 t;
	struct store_request	 r;
	struct store_crl	 cr = { 0 };
	struct store_challenge	 ch = { 0 };
	unsigned char		 der[80], csr[90];
	int			 i;

	for (i = 1; i <= 4; i++)
		issue_ok(st, i);
	/* 5 renews 1, and is revoked; so is 2, without a reason. */
	rec_make(1, &old, &t, der, sizeof(der));
	rec_make(5, &c, &t, der, sizeof(der));
	memcpy(c.renewed_from, old.serial, sizeof(c.renewed_from));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	assert_int_equal(store_cert_revoke(st, c.serial, 4, 1750000000),
	    STORE_REVOKE_DONE);
	free(old.subject);
	free(c.subject);
	rec_make(2, &c, &t, der, sizeof(der));
	assert_int_equal(store_cert_revoke(st, c.serial, -1, 1750000001),
	    STORE_REVOKE_DONE);
	free(c.subject);

	/* Requests: 10 pending, 11 approved, 12 rejected. */
	for (i = 10; i < 13; i++) {
		req_make(i, &r, &t, csr, sizeof(csr), 1800000000);
		assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
		if (i == 11) {
			rec_make(20, &c, &t, der, sizeof(der));
			c.issued_at = 1700000900;
			assert_int_equal(store_request_issue(st, r.id, &c),
			    STORE_PUT_OK);
			free(c.subject);
		} else if (i == 12)
			assert_int_equal(store_request_reject(st, r.id,
			    "not this one", 1700000901), STORE_PUT_OK);
	}
	cr.der = der;
	cr.dersz = sizeof(der);
	for (i = 1; i <= 3; i++) {
		cr.number = i;
		cr.revision = i - 1;
		cr.this_update = 1700000000 + i;
		cr.next_update = 1700086400 + i;
		assert_int_equal(store_crl_put(st, &cr), STORE_PUT_OK);
	}
	snprintf(cr.ca, sizeof(cr.ca), "routers");
	cr.number = 1;
	assert_int_equal(store_crl_put(st, &cr), STORE_PUT_OK);

	tu_fill(ch.hash, sizeof(ch.hash), 31);
	snprintf(ch.profile, sizeof(ch.profile), "routers");
	ch.created_at = 1700000000;
	ch.expires_at = 1800000000;
	assert_int_equal(store_challenge_put(st, &ch), 0);
	rec_make(6, &c, &t, der, sizeof(der));
	snprintf(c.ca, sizeof(c.ca), "routers");
	t.challenge_once = 1;
	memcpy(t.challenge, ch.hash, sizeof(t.challenge));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	free(c.subject);
	tu_fill(ch.hash, sizeof(ch.hash), 32);
	snprintf(ch.subject, sizeof(ch.subject), "^CN=x$");
	assert_int_equal(store_challenge_put(st, &ch), 0);
}

/* What fill() leaves: the numbers every backend must count alike. */
static void
counts_of_fill(const struct store_counts *n)
{
	assert_true(n->certs == 7);
	assert_true(n->revoked == 2);
	assert_true(n->renewals == 1);
	assert_true(n->txns == 9);
	assert_true(n->requests == 3);
	assert_true(n->pending == 1);
	assert_true(n->crls == 4);
	assert_true(n->revision == 2);
	assert_true(n->challenges == 2);
}

static void
test_export(void **state)
{
	struct store		*st;
	struct store_counts	 n;
	struct list_ctx		 lc;

	assert_non_null(st = store_open(&cs, 1));
	assert_int_equal(store_counts(st, &n), 0);
	assert_true(n.certs == 0 && n.txns == 0 && n.revision == 0);
	fill(st);
	assert_int_equal(store_counts(st, &n), 0);
	counts_of_fill(&n);
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_txn_list(st, txn_count_cb, &lc), 0);
	assert_int_equal(lc.n, 9);
	/* By CA, then number: default's 1, 2, 3, then routers' 1. */
	memset(&lc, 0, sizeof(lc));
	assert_int_equal(store_crl_list(st, crl_count_cb, &lc), 0);
	assert_int_equal(lc.n, 4);
	assert_string_equal(lc.serials[0], "1");
	assert_string_equal(lc.serials[2], "3");
	assert_string_equal(lc.serials[3], "1");
	/* A callback's -1 stops the walk, and the store is still usable. */
	memset(&lc, 0, sizeof(lc));
	lc.stop_at = 2;
	assert_int_equal(store_cert_list(st, list_cb, &lc), -1);
	assert_int_equal(store_counts(st, &n), 0);
	store_close(st);
}

static int
cert_same_cb(const struct store_cert *c, void *arg)
{
	struct store		*dst = arg;
	struct store_cert	 got;
	int			 found;

	if (store_cert_get(dst, c->serial, &got, &found) == -1 || !found)
		return -1;
	cert_equal(c, &got);
	assert_string_equal(got.ca, c->ca);
	assert_int_equal(got.status, c->status);
	assert_true(got.revoked_at == c->revoked_at);
	assert_int_equal(got.revoke_reason, c->revoke_reason);
	store_cert_clear(&got);
	return 0;
}

static int
request_same_cb(const struct store_request *r, void *arg)
{
	struct store		*dst = arg;
	struct store_request	 got;
	int			 found;

	if (store_request_get(dst, r->id, &got, &found) == -1 || !found)
		return -1;
	assert_string_equal(got.txid, r->txid);
	assert_memory_equal(got.signer_kid, r->signer_kid, STORE_KID_LEN);
	assert_int_equal(got.csrsz, r->csrsz);
	assert_memory_equal(got.csr, r->csr, r->csrsz);
	assert_string_equal(got.subject, r->subject);
	assert_int_equal(got.status, r->status);
	assert_string_equal(got.serial, r->serial);
	assert_string_equal(got.reason, r->reason);
	assert_true(got.created_at == r->created_at);
	assert_true(got.expires_at == r->expires_at);
	assert_true(got.decided_at == r->decided_at);
	store_request_clear(&got);
	return 0;
}

static int
txn_same_cb(const struct store_txn *t, void *arg)
{
	struct store		*dst = arg;
	struct store_txn	 got;
	int			 found;

	if (store_txn_get(dst, t->txid, t->signer_kid, &got, &found) == -1 ||
	    !found)
		return -1;
	assert_memory_equal(got.csr_kid, t->csr_kid, STORE_KID_LEN);
	assert_string_equal(got.serial, t->serial);
	assert_int_equal(got.status, t->status);
	assert_true(got.request_id == t->request_id);
	assert_true(got.created_at == t->created_at);
	return 0;
}

static int
challenge_same_cb(const struct store_challenge *ch, void *arg)
{
	struct store		*dst = arg;
	struct store_challenge	 got;
	int			 found;

	if (store_challenge_get(dst, ch->hash, &got, &found) == -1 || !found)
		return -1;
	assert_string_equal(got.profile, ch->profile);
	assert_string_equal(got.subject, ch->subject);
	assert_true(got.created_at == ch->created_at);
	assert_true(got.expires_at == ch->expires_at);
	assert_true(got.used_at == ch->used_at);
	return 0;
}

/*
 * "scepd store migrate": a SQLite store copied into this backend keeps
 * every row and field, the target's own ids go on after the imported
 * ones, and a target that is not empty is refused untouched.
 */
static void
test_import(void **state)
{
	struct conf_store	 scs = { .backend = (char *)"sqlite",
	    .path = srcpath };
	struct store		*src, *dst;
	struct store_counts	 n, copied;
	struct store_crl	 a, b;
	struct store_request	 r;
	struct store_txn	 t;
	unsigned char		 csr[64];
	int64_t			 rev;
	int			 found;

	assert_non_null(src = store_open(&scs, 1));
	fill(src);
	assert_non_null(dst = store_open(&cs, 1));
	assert_int_equal(store_import(dst, dst, &copied), -1);
	assert_int_equal(store_import(dst, src, &copied), 0);
	counts_of_fill(&copied);
	assert_int_equal(store_counts(dst, &n), 0);
	counts_of_fill(&n);
	assert_int_equal(store_cert_list(src, cert_same_cb, dst), 0);
	assert_int_equal(store_request_list(src, request_same_cb, dst), 0);
	assert_int_equal(store_txn_list(src, txn_same_cb, dst), 0);
	assert_int_equal(store_challenge_list(src, challenge_same_cb, dst), 0);
	assert_int_equal(store_crl_latest(src, "default", &a, &found), 0);
	assert_int_equal(store_crl_latest(dst, "default", &b, &found), 0);
	assert_int_equal(found, 1);
	assert_true(a.number == b.number && a.revision == b.revision &&
	    a.next_update == b.next_update && a.dersz == b.dersz);
	store_crl_clear(&a);
	store_crl_clear(&b);
	assert_int_equal(store_revision(dst, &rev), 0);
	assert_true(rev == 2);

	/* The target goes on: a new request gets a new id. */
	req_make(30, &r, &t, csr, sizeof(csr), 1800000000);
	assert_int_equal(store_request_put(dst, &r, &t), STORE_PUT_OK);
	assert_true(r.id > 3);

	/* Not empty now: refused, nothing written. */
	assert_int_equal(store_import(dst, src, &copied), -1);
	assert_int_equal(store_counts(dst, &n), 0);
	assert_true(n.certs == 7 && n.requests == 4);
	store_close(dst);
	store_close(src);
}

/* PostgreSQL: the schema, as a database client sees it. */
static void
test_pg_schema(void **state)
{
	struct store *st;

	assert_non_null(st = store_open(&cs, 0));
	store_close(st);
	assert_true(pg_admin_int("SELECT value FROM meta WHERE key = "
	    "'schema_version'") == 7);
	/* The admin API's search indexes (schema 7). */
	assert_true(pg_admin_int("SELECT count(*) FROM pg_indexes WHERE "
	    "indexname IN ('certs_not_after', 'certs_issued', 'certs_profile', "
	    "'certs_peer', 'certs_renewed', 'certs_subject_trgm', "
	    "'certs_sans_trgm')") == 7);
	/* The admin layer's tables and the chain head's one row. */
	assert_true(pg_admin_int("SELECT count(*) FROM audit_head") == 1);
	assert_true(pg_admin_int("SELECT count(*) FROM pg_indexes WHERE "
	    "indexname IN ('txlog_at', 'txlog_txid', 'txlog_peer', "
	    "'txlog_profile', 'audit_actor', 'tokens_cert')") == 6);
	/* An issuance adds to neither partial index. */
	assert_true(pg_admin_int("SELECT count(*) FROM pg_indexes WHERE "
	    "indexname IN ('certs_revoked', 'txns_request') AND indexdef "
	    "LIKE '% WHERE %'") == 2);
	assert_true(pg_admin_int("SELECT count(*) FROM information_schema."
	    "tables WHERE table_name IN ('certs', 'txns', 'requests', "
	    "'crls', 'challenges')") == 5);
	assert_true(pg_admin_int("SELECT value FROM meta WHERE key = "
	    "'revision'") == 0);
	/* Opening again does not migrate twice (nor fail). */
	assert_non_null(st = store_open(&cs, 1));
	store_close(st);
}

/* A schema from a newer scepd is refused, not downgraded. */
static void
test_pg_schema_too_new(void **state)
{
	struct store *st;

	assert_non_null(st = store_open(&cs, 1));
	store_close(st);
	pg_admin("UPDATE meta SET value = 999 WHERE key = 'schema_version'");
	assert_null(store_open(&cs, 0));
}

struct opener {
	pthread_barrier_t	*go;
	int			 i;
};

/* One node starting: open (migrating if first), issue, close. */
static void *
opener(void *arg)
{
	struct opener		*o = arg;
	struct conf_store	 one = cs;
	struct store		*st;
	struct store_cert	 c;
	struct store_txn	 t;
	unsigned char		 der[40];
	enum store_put		 p;

	one.conns = 1;
	pthread_barrier_wait(o->go);
	if ((st = store_open(&one, 1)) == NULL)
		return (void *)1;
	rec_make(o->i, &c, &t, der, sizeof(der));
	p = store_issue(st, &c, &t);
	free(c.subject);
	store_close(st);
	return p == STORE_PUT_OK ? NULL : (void *)1;
}

/*
 * Nodes starting at once on an empty database: the advisory lock makes
 * them migrate in turn; every one of them opens.
 */
static void
test_pg_concurrent_open(void **state)
{
	pthread_t		 th[NTHREADS];
	pthread_barrier_t	 go;
	struct opener		 o[NTHREADS];
	void			*rv;
	int			 i, bad = 0;

	assert_int_equal(pthread_barrier_init(&go, NULL, NTHREADS), 0);
	for (i = 0; i < NTHREADS; i++) {
		o[i].go = &go;
		o[i].i = i;
		assert_int_equal(pthread_create(&th[i], NULL, opener, &o[i]),
		    0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], &rv), 0);
		bad += rv != NULL;
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(bad, 0);
	assert_true(pg_admin_int("SELECT count(*) FROM meta WHERE key = "
	    "'revision'") == 1);
	assert_true(pg_admin_int("SELECT count(*) FROM certs") == NTHREADS);
}

/* No such database, nothing listening: refused, and quickly. */
static void
test_pg_open_missing(void **state)
{
	struct conf_store	 bad = cs;
	time_t			 t0 = time(NULL);
	char			*url;

	assert_non_null(url = strdup(pgurl));
	assert_non_null(strstr(url, "/scepd?"));
	memcpy(strstr(url, "/scepd?"), "/scepx?", 7);	/* no such database */
	bad.url = url;
	assert_null(store_open(&bad, 1));
	bad.url = (char *)"postgresql://postgres@127.0.0.1:1/x?"
	    "connect_timeout=2&sslmode=disable&gssencmode=disable";
	assert_null(store_open(&bad, 1));
	bad.url = NULL;
	assert_null(store_open(&bad, 1));
	bad.backend = (char *)"pgsql";
	assert_null(store_open(&bad, 1));
	assert_true(time(NULL) - t0 < 5);
	free(url);
}

/*
 * The server drops every session (a restart, a failover): the pool
 * notices at checkout and reconnects, so no call fails.  Then new
 * logins are refused (the database is down): calls fail at once
 * with -1, and succeed again once it is back.
 */
static void
test_pg_reconnect(void **state)
{
	struct conf_store	 two = cs;
	struct store		*st;
	struct store_cert	 got;
	struct store_txn	 t;
	unsigned char		 kid[STORE_KID_LEN] = { 0 };
	int64_t			 rev;
	struct timespec		 t0, t1;
	int			 found, i;

	two.conns = 2;
	assert_non_null(st = store_open(&two, 1));
	issue_ok(st, 1);
	pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	    "WHERE application_name = 'scepd'");
	usleep(200000);
	for (i = 0; i < 4; i++)
		assert_int_equal(store_revision(st, &rev), 0);
	issue_ok(st, 2);

	pg_admin("ALTER ROLE scepd NOLOGIN");
	pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	    "WHERE application_name = 'scepd'");
	usleep(200000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(store_revision(st, &rev), -1);
		assert_int_equal(store_txn_get(st, "txid-1", kid,
		    &t, &found), -1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	pg_admin("ALTER ROLE scepd LOGIN");
	sleep(2);	/* past the reconnection back-off */
	assert_int_equal(store_cert_get(st, "00", &got, &found), 0);
	issue_ok(st, 3);
	assert_int_equal(store_revision(st, &rev), 0);
	store_close(st);
}

/* Certificates, revocations and CRLs kept apart per CA. */
static void
test_per_ca(void **state)
{
	struct store		*st;
	struct store_cert	 c, got;
	struct store_txn	 t;
	struct store_status	 ss;
	struct store_crl	 cr, latest;
	unsigned char		 der[300];
	struct list_ctx		 lc = { 0 };
	int64_t			 n;
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &c, &t, der, sizeof(der));
	snprintf(c.ca, sizeof(c.ca), "routers");
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(got.ca, "routers");
	store_cert_clear(&got);
	assert_int_equal(store_cert_status(st, c.serial, &ss, &found), 0);
	assert_string_equal(ss.ca, "routers");
	/* One valid certificate of this subject, at routers only. */
	assert_int_equal(store_cert_count_active(st, "routers", c.subject,
	    c.not_before, &n), 0);
	assert_true(n == 1);
	assert_int_equal(store_cert_count_active(st, "default", c.subject,
	    c.not_before, &n), 0);
	assert_true(n == 0);
	/* Expired at "now": not active. */
	assert_int_equal(store_cert_count_active(st, "routers", c.subject,
	    c.not_after + 1, &n), 0);
	assert_true(n == 0);
	assert_int_equal(store_cert_revoke(st, c.serial, 1, 1700000500),
	    STORE_REVOKE_DONE);
	assert_int_equal(store_cert_count_active(st, "routers", c.subject,
	    c.not_before, &n), 0);
	assert_true(n == 0);
	assert_int_equal(store_revoked_list(st, "default", revoked_cb,
	    &lc), 0);
	assert_int_equal(lc.n, 0);
	assert_int_equal(store_revoked_list(st, "routers", revoked_cb,
	    &lc), 0);
	assert_int_equal(lc.n, 1);
	free(c.subject);

	/* CRL numbers are per CA: both may have number 1. */
	memset(&cr, 0, sizeof(cr));
	cr.der = der;
	cr.dersz = sizeof(der);
	cr.number = 1;
	snprintf(cr.ca, sizeof(cr.ca), "routers");
	assert_int_equal(store_crl_put(st, &cr), STORE_PUT_OK);
	snprintf(cr.ca, sizeof(cr.ca), "default");
	cr.number = 1;
	assert_int_equal(store_crl_put(st, &cr), STORE_PUT_OK);
	cr.number = 2;
	assert_int_equal(store_crl_put(st, &cr), STORE_PUT_OK);
	assert_int_equal(store_crl_latest(st, "routers", &latest, &found), 0);
	assert_int_equal(found, 1);
	assert_true(latest.number == 1);
	assert_string_equal(latest.ca, "routers");
	store_crl_clear(&latest);
	assert_int_equal(store_crl_latest(st, "default", &latest, &found), 0);
	assert_true(latest.number == 2);
	store_crl_clear(&latest);
	assert_int_equal(store_crl_latest(st, "nobody", &latest, &found), 0);
	assert_int_equal(found, 0);
	store_close(st);
}

/* A one-time challenge of profile "p", valid until "exp". */
static void
chal_make(struct store_challenge *ch, uint32_t seed, int64_t exp)
{
	memset(ch, 0, sizeof(*ch));
	tu_fill(ch->hash, sizeof(ch->hash), seed);
	snprintf(ch->profile, sizeof(ch->profile), "routers");
	snprintf(ch->subject, sizeof(ch->subject), "^CN=rtr-");
	ch->created_at = 1700000000;
	ch->expires_at = exp;
}

static int
chal_count_cb(const struct store_challenge *ch, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* One-time challenges: kept by hash, consumed with what they allowed. */
static void
test_challenges(void **state)
{
	struct store		*st;
	struct store_challenge	 ch, got;
	struct store_cert	 c;
	struct store_txn	 t;
	struct store_request	 r;
	struct store_status	 ss;
	unsigned char		 der[300];
	int			 found, n = 0;

	assert_non_null(st = store_open(&cs, 1));
	chal_make(&ch, 7, 1800000000);
	assert_int_equal(store_challenge_put(st, &ch), 0);
	/* The hash is unique. */
	assert_int_equal(store_challenge_put(st, &ch), -1);
	assert_int_equal(store_challenge_get(st, ch.hash, &got, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(got.profile, "routers");
	assert_string_equal(got.subject, "^CN=rtr-");
	assert_true(got.expires_at == 1800000000);
	assert_true(got.used_at == 0);

	/* Issued with it: consumed in the same transaction. */
	rec_make(1, &c, &t, der, sizeof(der));
	t.challenge_once = 1;
	memcpy(t.challenge, ch.hash, sizeof(t.challenge));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	free(c.subject);
	assert_int_equal(store_challenge_get(st, ch.hash, &got, &found), 0);
	assert_true(got.used_at != 0);
	/* A second use: refused, and nothing written. */
	rec_make(2, &c, &t, der, sizeof(der));
	t.challenge_once = 1;
	memcpy(t.challenge, ch.hash, sizeof(t.challenge));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_CHALLENGE);
	assert_int_equal(store_cert_status(st, c.serial, &ss, &found), 0);
	assert_int_equal(found, 0);
	free(c.subject);

	/* Expired (issued_at past expires_at): refused too. */
	chal_make(&ch, 8, 1700000050);
	assert_int_equal(store_challenge_put(st, &ch), 0);
	rec_make(3, &c, &t, der, sizeof(der));
	t.challenge_once = 1;
	memcpy(t.challenge, ch.hash, sizeof(t.challenge));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_CHALLENGE);
	free(c.subject);
	/* Unknown: refused. */
	rec_make(4, &c, &t, der, sizeof(der));
	t.challenge_once = 1;
	tu_fill(t.challenge, sizeof(t.challenge), 99);
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_CHALLENGE);
	free(c.subject);

	/* A pending request burns it too; its id is then not kept. */
	chal_make(&ch, 9, 1800000000);
	assert_int_equal(store_challenge_put(st, &ch), 0);
	req_make(5, &r, &t, der, sizeof(der), 1800000000);
	t.challenge_once = 1;
	memcpy(t.challenge, ch.hash, sizeof(t.challenge));
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
	req_make(6, &r, &t, der, sizeof(der), 1800000000);
	t.challenge_once = 1;
	memcpy(t.challenge, ch.hash, sizeof(t.challenge));
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_CHALLENGE);
	assert_true(r.id == 0);

	assert_int_equal(store_challenge_list(st, chal_count_cb, &n), 0);
	assert_int_equal(n, 3);
	store_close(st);
}

struct chal_racer {
	struct store		*st;
	int			 i;
	const unsigned char	*hash;
	enum store_put		 got;
};

static void *
chal_racer_run(void *arg)
{
	struct chal_racer	*cr = arg;
	struct store_cert	 c;
	struct store_txn	 t;
	unsigned char		 der[300];

	rec_make(100 + cr->i, &c, &t, der, sizeof(der));
	t.challenge_once = 1;
	memcpy(t.challenge, cr->hash, sizeof(t.challenge));
	cr->got = store_issue(cr->st, &c, &t);
	free(c.subject);
	return NULL;
}

/* 20 requests with one challenge at once: exactly one certificate. */
static void
test_challenge_race(void **state)
{
	struct chal_racer	 r[20];
	pthread_t		 th[20];
	struct store_challenge	 ch;
	struct store		*st;
	int			 i, ok = 0, spent = 0;

	assert_non_null(st = store_open(&cs, 1));
	chal_make(&ch, 11, 1800000000);
	assert_int_equal(store_challenge_put(st, &ch), 0);
	for (i = 0; i < 20; i++) {
		r[i] = (struct chal_racer){ st, i, ch.hash, STORE_PUT_ERROR };
		assert_int_equal(pthread_create(&th[i], NULL, chal_racer_run,
		    &r[i]), 0);
	}
	for (i = 0; i < 20; i++) {
		pthread_join(th[i], NULL);
		ok += r[i].got == STORE_PUT_OK;
		spent += r[i].got == STORE_PUT_CHALLENGE;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(spent, 19);
	store_close(st);
}

struct limit_racer {
	struct store	*st;
	int		 i;
	enum store_put	 got;
};

static void *
limit_racer_run(void *arg)
{
	struct limit_racer	*lr = arg;
	struct store_cert	 c;
	struct store_txn	 t;
	unsigned char		 der[300];

	rec_make(200 + lr->i, &c, &t, der, sizeof(der));
	free(c.subject);
	c.subject = (char *)"CN=one-only";
	snprintf(c.ca, sizeof(c.ca), "routers");
	t.max_active = 1;
	lr->got = store_issue(lr->st, &c, &t);
	return NULL;
}

/*
 * max_active_per_subject decided inside the write: sequentially, and
 * with 12 threads at once (on PostgreSQL, as if on several nodes).
 */
static void
test_limit(void **state)
{
	struct limit_racer	 lr[12];
	pthread_t		 th[12];
	struct store_cert	 c;
	struct store_txn	 t;
	struct store		*st;
	unsigned char		 der[300];
	int			 i, ok = 0, limited = 0;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &c, &t, der, sizeof(der));
	t.max_active = 2;
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	free(c.subject);
	rec_make(2, &c, &t, der, sizeof(der));
	free(c.subject);
	c.subject = (char *)"CN=device-1,O=Example \"quoted\"";
	t.max_active = 2;
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	rec_make(3, &c, &t, der, sizeof(der));
	free(c.subject);
	c.subject = (char *)"CN=device-1,O=Example \"quoted\"";
	t.max_active = 2;
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_LIMIT);
	/* Another CA's certificates do not count. */
	snprintf(c.ca, sizeof(c.ca), "other");
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);

	for (i = 0; i < 12; i++) {
		lr[i] = (struct limit_racer){ st, i, STORE_PUT_ERROR };
		assert_int_equal(pthread_create(&th[i], NULL, limit_racer_run,
		    &lr[i]), 0);
	}
	for (i = 0; i < 12; i++) {
		pthread_join(th[i], NULL);
		ok += lr[i].got == STORE_PUT_OK;
		limited += lr[i].got == STORE_PUT_LIMIT;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(limited, 11);
	store_close(st);
}

/* Run "sql" on the database behind the store, bypassing it. */
static void
db_tamper(const char *sql)
{
	sqlite3 *db;

	if (pgurl != NULL) {
		pg_admin(sql);
		return;
	}
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
audit_make(struct store_audit *a, const char *action, const char *target)
{
	memset(a, 0, sizeof(*a));
	a->at = 1700000000;
	snprintf(a->actor, sizeof(a->actor), "cli:tester");
	snprintf(a->action, sizeof(a->action), "%s", action);
	snprintf(a->target, sizeof(a->target), "%s", target);
	snprintf(a->details, sizeof(a->details), "{\"n\":1}");
	snprintf(a->peer, sizeof(a->peer), "192.0.2.1");
	snprintf(a->outcome, sizeof(a->outcome), "ok");
}

static int
audit_collect(const struct store_audit *a, void *arg)
{
	struct store_audit *v = arg;
	int i;

	for (i = 0; v[i].seq != 0; i++)
		;
	if (i < 63)
		v[i] = *a;
	return 0;
}

static void
test_tokens(void **state)
{
	struct store		*st;
	struct store_token	 t, got;
	struct store_audit	 a;
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "mdm");
	tu_fill(t.hash, sizeof(t.hash), 1);
	snprintf(t.role, sizeof(t.role), "operator");
	snprintf(t.profiles, sizeof(t.profiles), "ios,macos");
	t.created_at = 1700000000;
	t.expires_at = 1800000000;
	audit_make(&a, "token.create", "token:mdm");
	assert_int_equal(store_token_put(st, &t, &a), STORE_PUT_OK);
	/* The same name again, or the same hash: nothing written. */
	tu_fill(t.hash, sizeof(t.hash), 2);
	assert_int_equal(store_token_put(st, &t, &a), STORE_PUT_DUP_NAME);
	snprintf(t.name, sizeof(t.name), "other");
	tu_fill(t.hash, sizeof(t.hash), 1);
	assert_int_equal(store_token_put(st, &t, &a), STORE_PUT_DUP_NAME);
	/* A second token, bound to a client certificate. */
	tu_fill(t.hash, sizeof(t.hash), 3);
	t.has_cert = 1;
	tu_fill(t.cert, sizeof(t.cert), 4);
	t.profiles[0] = '\0';
	assert_int_equal(store_token_put(st, &t, NULL), STORE_PUT_OK);

	tu_fill(t.hash, sizeof(t.hash), 1);
	assert_int_equal(store_token_by_hash(st, t.hash, &got, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(got.name, "mdm");
	assert_string_equal(got.role, "operator");
	assert_string_equal(got.profiles, "ios,macos");
	assert_true(got.expires_at == 1800000000 && got.revoked_at == 0);
	assert_int_equal(got.has_cert, 0);
	assert_int_equal(store_token_by_cert(st, t.cert, &got, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(got.name, "other");
	assert_int_equal(got.has_cert, 1);
	assert_memory_equal(got.cert, t.cert, STORE_KID_LEN);
	tu_fill(t.hash, sizeof(t.hash), 9);
	assert_int_equal(store_token_by_hash(st, t.hash, &got, &found), 0);
	assert_int_equal(found, 0);

	audit_make(&a, "token.revoke", "token:mdm");
	assert_int_equal(store_token_revoke(st, "mdm", 1700000500, &a),
	    STORE_PUT_OK);
	assert_int_equal(store_token_revoke(st, "mdm", 1700000600, &a),
	    STORE_PUT_STALE);
	assert_int_equal(store_token_revoke(st, "nobody", 1700000600, &a),
	    STORE_PUT_STALE);
	tu_fill(t.hash, sizeof(t.hash), 1);
	assert_int_equal(store_token_by_hash(st, t.hash, &got, &found), 0);
	assert_true(found && got.revoked_at == 1700000500);
	/* Two writes that happened were audited, the refused ones not. */
	{
		struct store_audit_check c;

		assert_int_equal(store_audit_verify(st, &c), 0);
		assert_true(c.entries == 2 && c.broken == 0);
	}
	store_close(st);
}

static void
test_audit_chain(void **state)
{
	struct store			*st;
	struct store_audit		 a, v[64];
	struct store_audit_check	 c;
	struct store_audit_filter	 f;
	char				 target[32];
	int				 i;

	assert_non_null(st = store_open(&cs, 1));
	assert_int_equal(store_audit_verify(st, &c), 0);
	assert_true(c.entries == 0 && c.broken == 0 && c.head_seq == 0);
	for (i = 1; i <= 10; i++) {
		snprintf(target, sizeof(target), "request:%d", i);
		audit_make(&a, i % 2 ? "request.approve" : "request.reject",
		    target);
		a.at = 1700000000 + i * 100;
		if (i > 5)
			snprintf(a.actor, sizeof(a.actor), "token:mdm");
		assert_int_equal(store_audit_append(st, &a), 0);
	}
	assert_int_equal(store_audit_verify(st, &c), 0);
	assert_true(c.entries == 10 && c.broken == 0 && c.head_seq == 10);

	/* Newest first; every filter; the cursor. */
	memset(v, 0, sizeof(v));
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_audit_list(st, &f, audit_collect, v), 0);
	assert_true(v[0].seq == 10 && v[9].seq == 1 && v[10].seq == 0);
	assert_string_equal(v[9].target, "request:1");
	assert_string_equal(v[9].details, "{\"n\":1}");
	assert_memory_equal(v[8].prev, v[9].hash, STORE_KID_LEN);
	memset(v, 0, sizeof(v));
	f.actor = "token:mdm";
	f.action = "request.reject";
	assert_int_equal(store_audit_list(st, &f, audit_collect, v), 0);
	assert_true(v[0].seq == 10 && v[1].seq == 8 && v[2].seq == 6 &&
	    v[3].seq == 0);
	memset(v, 0, sizeof(v));
	memset(&f, 0, sizeof(f));
	f.before = 8;
	f.limit = 2;
	f.since = 1700000000 + 300;
	assert_int_equal(store_audit_list(st, &f, audit_collect, v), 0);
	assert_true(v[0].seq == 7 && v[1].seq == 6 && v[2].seq == 0);
	memset(v, 0, sizeof(v));
	f.before = 0;
	f.limit = 0;
	f.until = 1700000000 + 400;
	assert_int_equal(store_audit_list(st, &f, audit_collect, v), 0);
	assert_true(v[0].seq == 4 && v[1].seq == 3 && v[2].seq == 0);

	/* A changed entry is named... */
	db_tamper("UPDATE audit SET actor = 'cli:someone' WHERE seq = 4");
	assert_int_equal(store_audit_verify(st, &c), 0);
	assert_true(c.broken == 4);
	db_tamper("UPDATE audit SET actor = 'cli:tester' WHERE seq = 4");
	assert_int_equal(store_audit_verify(st, &c), 0);
	assert_true(c.broken == 0);
	/* ... as is a missing one, and one cut off the end. */
	db_tamper("DELETE FROM audit WHERE seq = 7");
	assert_int_equal(store_audit_verify(st, &c), 0);
	assert_true(c.broken == 7);
	store_close(st);
	teardown(state);
	assert_non_null(st = store_open(&cs, 1));
	for (i = 0; i < 3; i++) {
		audit_make(&a, "reload", "server");
		assert_int_equal(store_audit_append(st, &a), 0);
	}
	db_tamper("DELETE FROM audit WHERE seq = 3");
	assert_int_equal(store_audit_verify(st, &c), 0);
	assert_true(c.broken == 3 && c.entries == 2);
	store_close(st);
}

/* An audited write that is refused writes no audit entry either. */
static void
test_audit_atomic(void **state)
{
	struct store			*st;
	struct store_request		 r;
	struct store_txn		 t;
	struct store_cert		 c, c2;
	struct store_txn		 t2;
	struct store_audit		 a;
	struct store_audit_check	 k;
	struct store_challenge		 ch;
	unsigned char			 der[64], der2[64];

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &c, &t, der, sizeof(der));
	memset(&r, 0, sizeof(r));
	snprintf(r.txid, sizeof(r.txid), "%s", t.txid);
	memcpy(r.signer_kid, t.signer_kid, STORE_KID_LEN);
	memcpy(r.csr_kid, t.csr_kid, STORE_KID_LEN);
	r.csr = der;
	r.csrsz = sizeof(der);
	r.subject = c.subject;
	snprintf(r.profile, sizeof(r.profile), "default");
	r.created_at = 1700000000;
	r.expires_at = 1900000000;
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);

	audit_make(&a, "request.approve", "request:1");
	c.issued_at = 1700000100;
	assert_int_equal(store_request_issue_audited(st, r.id, &c, &a),
	    STORE_PUT_OK);
	/* Decided already: refused, and not audited. */
	rec_make(2, &c2, &t2, der2, sizeof(der2));
	c2.issued_at = 1700000200;
	assert_int_equal(store_request_issue_audited(st, r.id, &c2, &a),
	    STORE_PUT_STALE);
	assert_int_equal(store_request_reject_audited(st, r.id, "no", 1,
	    &a), STORE_PUT_STALE);
	assert_int_equal(store_cert_revoke_audited(st, c.serial, 1,
	    1700000300, &a), STORE_REVOKE_DONE);
	assert_int_equal(store_cert_revoke_audited(st, c.serial, 1,
	    1700000300, &a), STORE_REVOKE_ALREADY);
	assert_int_equal(store_cert_revoke_audited(st, "ABCDEF", 1,
	    1700000300, &a), STORE_REVOKE_UNKNOWN);

	memset(&ch, 0, sizeof(ch));
	tu_fill(ch.hash, sizeof(ch.hash), 5);
	snprintf(ch.profile, sizeof(ch.profile), "default");
	ch.created_at = 1700000000;
	ch.expires_at = 4000000000LL;
	assert_int_equal(store_challenge_put_audited(st, &ch, &a), 0);
	assert_int_equal(store_challenge_put_audited(st, &ch, &a), -1);
	assert_int_equal(store_challenge_revoke(st, ch.hash, 1700000400, &a),
	    STORE_PUT_OK);
	assert_int_equal(store_challenge_revoke(st, ch.hash, 1700000500, &a),
	    STORE_PUT_STALE);
	/* approve, revoke, challenge put, challenge revoke */
	assert_int_equal(store_audit_verify(st, &k), 0);
	assert_true(k.entries == 4 && k.broken == 0);
	free(c.subject);
	free(c2.subject);
	store_close(st);
}

struct audit_racer {
	struct store	*st;
	int		 id;
	int		 fails;
};

static void *
audit_racer_run(void *arg)
{
	struct audit_racer	*r = arg;
	struct store_audit	 a;
	char			 target[32];
	int			 i;

	for (i = 0; i < 25; i++) {
		snprintf(target, sizeof(target), "thread:%d:%d", r->id, i);
		audit_make(&a, "reload", target);
		if (store_audit_append(r->st, &a) == -1)
			r->fails++;
	}
	return NULL;
}

/*
 * Appenders at once, each with its own store handle (on PostgreSQL
 * its own sessions, as nodes have): one chain, no gap, no fork.
 */
static void
test_audit_concurrent(void **state)
{
	struct store			*st[NTHREADS];
	struct audit_racer		 r[NTHREADS];
	struct store_audit_check	 c;
	pthread_t			 th[NTHREADS];
	int				 i;

	for (i = 0; i < NTHREADS; i++)
		assert_non_null(st[i] = store_open(&cs, 1));
	for (i = 0; i < NTHREADS; i++) {
		r[i] = (struct audit_racer){ st[i], i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, audit_racer_run,
		    &r[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].fails, 0);
	}
	assert_int_equal(store_audit_verify(st[0], &c), 0);
	assert_true(c.broken == 0 && c.entries == NTHREADS * 25);
	for (i = 0; i < NTHREADS; i++)
		store_close(st[i]);
}

static void
txlog_make(struct store_txlog *t, int i)
{
	memset(t, 0, sizeof(*t));
	t->at = 1700000000 + i * 3600;
	snprintf(t->profile, sizeof(t->profile), "p%d", i % 3);
	snprintf(t->txid, sizeof(t->txid), "tx-%d", i);
	snprintf(t->msgtype, sizeof(t->msgtype), "PKCSReq");
	snprintf(t->outcome, sizeof(t->outcome), "%s", i % 4 == 0 ?
	    "FAILURE" : "SUCCESS");
	snprintf(t->result, sizeof(t->result), "%s", i % 4 == 0 ? "" :
	    i % 4 == 1 ? "issued" : i % 4 == 2 ? "renewed" : "");
	snprintf(t->fail_info, sizeof(t->fail_info), "%s", i % 4 == 0 ?
	    "badRequest" : "");
	snprintf(t->reason, sizeof(t->reason), "%s", i % 4 == 0 ?
	    "challenge mismatch" : "");
	snprintf(t->subject, sizeof(t->subject), "CN=ipad-%d,O=Example", i);
	snprintf(t->peer, sizeof(t->peer), "192.0.2.%d", i % 5);
	snprintf(t->serial, sizeof(t->serial), "%s", i % 4 == 1 ? "ABCD" :
	    "");
	t->http = 200;
	t->duration_ms = i;
}

static int
txlog_collect(const struct store_txlog *t, void *arg)
{
	int64_t *ids = arg;
	int i;

	for (i = 0; ids[i] != 0; i++)
		;
	if (i < 63)
		ids[i] = t->id;
	if (t->duration_ms == 1) {
		assert_string_equal(t->subject, "CN=ipad-1,O=Example");
		assert_string_equal(t->result, "issued");
		assert_string_equal(t->serial, "ABCD");
		assert_string_equal(t->txid, "tx-1");
		assert_true(t->at == 1700003600 && t->http == 200);
	}
	return 0;
}

static int
txlog_count(const struct store_txlog *t, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_txlog(void **state)
{
	struct store			*st;
	struct store_txlog		 t;
	struct store_txlog_filter	 f;
	int64_t				 ids[64], n;
	int				 i, k;

	assert_non_null(st = store_open(&cs, 1));
	for (i = 0; i < 40; i++) {
		txlog_make(&t, i);
		assert_int_equal(store_txlog_put(st, &t, 0), 0);
	}
	memset(&f, 0, sizeof(f));
	memset(ids, 0, sizeof(ids));
	f.limit = 10;
	assert_int_equal(store_txlog_list(st, &f, txlog_collect, ids), 0);
	assert_true(ids[0] > ids[9] && ids[10] == 0);
	/* The next page starts below the last id seen. */
	f.before = ids[9];
	memset(ids, 0, sizeof(ids));
	assert_int_equal(store_txlog_list(st, &f, txlog_collect, ids), 0);
	assert_true(ids[0] != 0 && ids[9] != 0 && ids[10] == 0);
	assert_true(ids[0] < f.before);

	memset(&f, 0, sizeof(f));
	k = 0;
	f.txid = "tx-1";
	assert_int_equal(store_txlog_list(st, &f, txlog_count, &k), 0);
	assert_int_equal(k, 1);
	memset(&f, 0, sizeof(f));
	k = 0;
	f.outcome = "FAILURE";
	f.profile = "p0";
	assert_int_equal(store_txlog_list(st, &f, txlog_count, &k), 0);
	assert_int_equal(k, 4);		/* 0, 12, 24, 36 */
	memset(&f, 0, sizeof(f));
	k = 0;
	f.peer = "192.0.2.3";
	f.subject = "ipad-1";
	assert_int_equal(store_txlog_list(st, &f, txlog_count, &k), 0);
	assert_int_equal(k, 2);		/* 13, 18 */
	memset(&f, 0, sizeof(f));
	k = 0;
	f.since = 1700000000 + 10 * 3600;
	f.until = 1700000000 + 19 * 3600;
	assert_int_equal(store_txlog_list(st, &f, txlog_count, &k), 0);
	assert_int_equal(k, 10);
	memset(&f, 0, sizeof(f));
	k = 0;
	f.subject = "no such";
	assert_int_equal(store_txlog_list(st, &f, txlog_count, &k), 0);
	assert_int_equal(k, 0);

	/* Pruning removes what is older, and only that. */
	assert_int_equal(store_txlog_prune(st, 1700000000 + 30 * 3600, &n), 0);
	assert_true(n == 30);
	memset(&f, 0, sizeof(f));
	k = 0;
	assert_int_equal(store_txlog_list(st, &f, txlog_count, &k), 0);
	assert_int_equal(k, 10);
	/* A put with a retention prunes by itself. */
	txlog_make(&t, 1000);
	t.at = (int64_t)time(NULL);
	assert_int_equal(store_txlog_put(st, &t, 90), 0);
	k = 0;
	assert_int_equal(store_txlog_list(st, &f, txlog_count, &k), 0);
	assert_int_equal(k, 1);
	store_close(st);
}

static int
stat_collect(const struct store_stat *r, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 2048 - n, "%lld/%s/%s=%lld ", (long long)r->day,
	    r->profile, r->key, (long long)r->n);
	return 0;
}

static void
test_stats(void **state)
{
	struct store		*st;
	struct store_txlog	 t;
	struct store_request	 r;
	struct store_txn	 tx;
	struct store_cert	 c;
	unsigned char		 der[64];
	char			 buf[2048] = "";
	int			 i;

	assert_non_null(st = store_open(&cs, 1));
	/* 8 rows on day 19675 (1700000000 is in it), profile p0..p2 */
	for (i = 0; i < 8; i++) {
		txlog_make(&t, i);
		t.at = 19675LL * 86400 + i;
		snprintf(t.profile, sizeof(t.profile), "p0");
		assert_int_equal(store_txlog_put(st, &t, 0), 0);
	}
	txlog_make(&t, 1);
	t.at = 19676LL * 86400;
	snprintf(t.outcome, sizeof(t.outcome), "error");
	t.result[0] = '\0';
	assert_int_equal(store_txlog_put(st, &t, 0), 0);
	/* A request rejected by an administrator on day 19676. */
	rec_make(1, &c, &tx, der, sizeof(der));
	memset(&r, 0, sizeof(r));
	snprintf(r.txid, sizeof(r.txid), "%s", tx.txid);
	memcpy(r.signer_kid, tx.signer_kid, STORE_KID_LEN);
	memcpy(r.csr_kid, tx.csr_kid, STORE_KID_LEN);
	r.csr = der;
	r.csrsz = sizeof(der);
	r.subject = c.subject;
	snprintf(r.profile, sizeof(r.profile), "p0");
	r.created_at = 19676LL * 86400;
	r.expires_at = r.created_at + 86400;
	assert_int_equal(store_request_put(st, &r, &tx), STORE_PUT_OK);
	assert_int_equal(store_request_reject(st, r.id, "no", 19676LL * 86400 +
	    5), STORE_PUT_OK);
	free(c.subject);

	assert_int_equal(store_stats(st, 19675LL * 86400, stat_collect, buf),
	    0);
	assert_string_equal(buf, "19675/p0/answered=2 19675/p0/failed:"
	    "badRequest=2 19675/p0/issued=2 19675/p0/renewed=2 "
	    "19676/p0/rejected=1 19676/p1/error=1 ");
	buf[0] = '\0';
	assert_int_equal(store_stats(st, 19676LL * 86400, stat_collect, buf),
	    0);
	assert_string_equal(buf, "19676/p0/rejected=1 19676/p1/error=1 ");
	store_close(st);
}

/* store migrate takes tokens, the audit chain and the txlog along. */
static void
test_import_admin(void **state)
{
	struct conf_store		 scs = { .backend = (char *)"sqlite",
	    .path = srcpath };
	struct store			*src, *dst;
	struct store_counts		 n;
	struct store_token		 t;
	struct store_audit		 a;
	struct store_txlog		 l;
	struct store_audit_check	 c;
	int				 found;

	assert_non_null(src = store_open(&scs, 1));
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "a");
	snprintf(t.role, sizeof(t.role), "admin");
	tu_fill(t.hash, sizeof(t.hash), 7);
	audit_make(&a, "token.create", "token:a");
	assert_int_equal(store_token_put(src, &t, &a), STORE_PUT_OK);
	audit_make(&a, "reload", "server");
	assert_int_equal(store_audit_append(src, &a), 0);
	txlog_make(&l, 3);
	assert_int_equal(store_txlog_put(src, &l, 0), 0);

	assert_non_null(dst = store_open(&cs, 1));
	assert_int_equal(store_import(dst, src, &n), 0);
	assert_true(n.tokens == 1 && n.audit == 2 && n.txlog == 1);
	assert_int_equal(store_audit_verify(dst, &c), 0);
	assert_true(c.entries == 2 && c.broken == 0 && c.head_seq == 2);
	{
		struct store_token got;

		assert_int_equal(store_token_by_hash(dst, t.hash, &got,
		    &found), 0);
		assert_true(found && strcmp(got.role, "admin") == 0);
	}
	/* And the chain goes on from there. */
	assert_int_equal(store_audit_append(dst, &a), 0);
	assert_int_equal(store_audit_verify(dst, &c), 0);
	assert_true(c.entries == 3 && c.broken == 0);
	/* Not into a store that has any of it. */
	assert_int_equal(store_import(dst, src, &n), -1);
	store_close(dst);
	store_close(src);
}

/* store_metrics(): what a row of it says, by CA and status. */
struct metrics_ctx {
	struct store_metrics_row	 rows[8];
	int				 n;
};

static int
metrics_cb(const struct store_metrics_row *r, void *arg)
{
	struct metrics_ctx *mc = arg;

	if (mc->n == 8)
		return -1;
	mc->rows[mc->n++] = *r;
	return 0;
}

static const struct store_metrics_row *
metrics_find(const struct metrics_ctx *mc, const char *ca, int status)
{
	int i;

	for (i = 0; i < mc->n; i++)
		if (strcmp(mc->rows[i].ca, ca) == 0 &&
		    mc->rows[i].status == status)
			return &mc->rows[i];
	return NULL;
}

/*
 * Four certificates of "default" expiring at now - 1 (expired), now + 3
 * days, now + 20 days and now + 300 days, one of "routers" revoked; one
 * pending request, one expired pending request.
 */
static void
test_metrics(void **state)
{
	static const int64_t		 left[] = { -1, 3 * 86400, 20 * 86400,
	    300 * 86400 };
	const struct store_metrics_row	*w;
	struct store			*st;
	struct store_cert		 c;
	struct store_txn		 t;
	struct store_request		 r;
	struct store_metrics		 m;
	struct metrics_ctx		 mc = { .n = 0 };
	unsigned char			 der[64], csr[64];
	const int64_t			 now = 1800000000;
	int				 i;

	assert_non_null(st = store_open(&cs, 1));
	assert_int_equal(store_metrics(st, now, metrics_cb, &mc, &m), 0);
	assert_int_equal(mc.n, 0);
	assert_true(m.pending == 0);
	for (i = 0; i < 5; i++) {
		rec_make(i + 1, &c, &t, der, sizeof(der));
		if (i < 4)
			c.not_after = now + left[i];
		else
			snprintf(c.ca, sizeof(c.ca), "routers");
		assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
		if (i == 4)
			assert_int_equal(store_cert_revoke(st, c.serial, 1, now),
			    STORE_REVOKE_DONE);
		free(c.subject);
	}
	req_make(11, &r, &t, csr, sizeof(csr), now + 3600);
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
	req_make(12, &r, &t, csr, sizeof(csr), now - 1);
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);

	assert_int_equal(store_metrics(st, now, metrics_cb, &mc, &m), 0);
	assert_int_equal(mc.n, 2);
	assert_non_null(w = metrics_find(&mc, STORE_CA_DEFAULT,
	    STORE_CERT_VALID));
	assert_true(w->count == 4 && w->expired == 1 && w->within7 == 1 &&
	    w->within30 == 2);
	assert_non_null(w = metrics_find(&mc, "routers", STORE_CERT_REVOKED));
	assert_true(w->count == 1);
	assert_true(m.pending == 1);
	assert_true(m.errors == 0);
	store_close(st);
}

/*
 * Leases (issue #16): one holder at a time; the holder renews its own;
 * another takes it once it has run out; names are independent.
 */
static void
test_lease(void **state)
{
	struct store	*st;
	int		 got;

	assert_non_null(st = store_open(&cs, 1));
	assert_int_equal(store_lease_take(st, "intune:a", "node1", 1000, 60,
	    &got), 0);
	assert_int_equal(got, 1);
	/* Held by node1 until 1060. */
	assert_int_equal(store_lease_take(st, "intune:a", "node2", 1030, 60,
	    &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(store_lease_take(st, "intune:b", "node2", 1030, 60,
	    &got), 0);
	assert_int_equal(got, 1);
	/* The holder renews it, to 1110. */
	assert_int_equal(store_lease_take(st, "intune:a", "node1", 1050, 60,
	    &got), 0);
	assert_int_equal(got, 1);
	assert_int_equal(store_lease_take(st, "intune:a", "node2", 1100, 60,
	    &got), 0);
	assert_int_equal(got, 0);
	/* Run out: anyone may take it. */
	assert_int_equal(store_lease_take(st, "intune:a", "node2", 1110, 60,
	    &got), 0);
	assert_int_equal(got, 1);
	assert_int_equal(store_lease_take(st, "intune:a", "node1", 1111, 60,
	    &got), 0);
	assert_int_equal(got, 0);
	store_close(st);
}

struct lease_racer {
	struct store	*st;
	int		 i;
	int		 got;
};

static void *
lease_racer_run(void *arg)
{
	struct lease_racer	*r = arg;
	char			 holder[16];

	snprintf(holder, sizeof(holder), "node%d", r->i);
	if (store_lease_take(r->st, "intune:race", holder, 5000, 60,
	    &r->got) == -1)
		r->got = -1;
	return NULL;
}

/* Of twelve nodes asking for the same free lease at once, one gets it. */
static void
test_lease_race(void **state)
{
	struct store		*st;
	struct lease_racer	 lr[12];
	pthread_t		 th[12];
	int			 i, n = 0;

	assert_non_null(st = store_open(&cs, 1));
	for (i = 0; i < 12; i++) {
		lr[i] = (struct lease_racer){ st, i, -1 };
		assert_int_equal(pthread_create(&th[i], NULL, lease_racer_run,
		    &lr[i]), 0);
	}
	for (i = 0; i < 12; i++) {
		pthread_join(th[i], NULL);
		assert_int_not_equal(lr[i].got, -1);
		n += lr[i].got;
	}
	assert_int_equal(n, 1);
	store_close(st);
}

/*
 * The admin API's searches: every filter, alone and together, keyset
 * paging without duplicates or gaps, and the refusals.
 */
#define SEARCH_N	40
#define SEARCH_NOW	(1700000000 + 365 * 86400LL + 20)

struct search_ctx {
	int	 n;
	char	 serials[1024][STORE_SERIAL_MAX + 1];
	char	 sans[64];
};

static int
search_cb(const struct store_cert *c, void *arg)
{
	struct search_ctx *sc = arg;

	if (sc->n < 1024)
		memcpy(sc->serials[sc->n], c->serial, sizeof(sc->serials[0]));
	if (sc->n == 0)
		snprintf(sc->sans, sizeof(sc->sans), "%s", c->sans);
	sc->n++;
	return c->der != NULL && c->subject != NULL ? 0 : -1;
}

/* How many rows "q" selects over every page of "limit"; no repeats. */
static int
search_all(struct store *st, struct store_cert_query *q, int limit)
{
	static struct search_ctx sc;
	int64_t			 next = 0;
	int			 i, j, pages = 0;

	memset(&sc, 0, sizeof(sc));
	q->limit = limit;
	q->after = 0;
	do {
		assert_int_equal(store_cert_search(st, q, search_cb, &sc,
		    &next), 0);
		q->after = next;
		assert_true(++pages <= 700);
	} while (next != 0);
	for (i = 0; i < sc.n; i++)
		for (j = i + 1; j < sc.n; j++)
			assert_string_not_equal(sc.serials[i], sc.serials[j]);
	/* Newest first: rec_make() serials grow with i. */
	for (i = 1; i < sc.n; i++)
		assert_true(strcmp(sc.serials[i - 1], sc.serials[i]) > 0);
	return sc.n;
}

static void
search_fill(struct store *st)
{
	struct store_cert	c;
	struct store_txn	t;
	unsigned char		der[100];
	char			sans[64];
	int			i;

	for (i = 0; i < SEARCH_N; i++) {
		rec_make(i, &c, &t, der, sizeof(der));
		snprintf(sans, sizeof(sans), "dns:host-%d.example, ip:10.0.0.%d",
		    i, i);
		c.sans = sans;
		if (i % 4 == 0)
			snprintf(c.ca, sizeof(c.ca), "other");
		assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
		if (i % 10 == 3)
			assert_int_equal(store_cert_revoke(st, c.serial, 1,
			    1700000200), STORE_REVOKE_DONE);
		free(c.subject);
	}
}

static void
test_search(void **state)
{
	struct store		*st;
	struct store_cert_query	 q;
	struct search_ctx	 sc;
	struct store_cert	 c;
	struct store_txn	 t;
	unsigned char		 der[100];
	int64_t			 next;

	assert_non_null(st = store_open(&cs, 1));
	search_fill(st);
	memset(&q, 0, sizeof(q));
	q.now = SEARCH_NOW;
	assert_int_equal(search_all(st, &q, 7), SEARCH_N);
	assert_int_equal(search_all(st, &q, 1), SEARCH_N);
	assert_int_equal(search_all(st, &q, SEARCH_N), SEARCH_N);
	assert_int_equal(search_all(st, &q, 1000), SEARCH_N);

	/* The first page: the newest, with its SANs. */
	memset(&sc, 0, sizeof(sc));
	q.limit = 3;
	q.after = 0;
	assert_int_equal(store_cert_search(st, &q, search_cb, &sc, &next), 0);
	assert_int_equal(sc.n, 3);
	assert_true(next != 0);
	assert_string_equal(sc.sans, "dns:host-39.example, ip:10.0.0.39");

	/* Text: case-insensitive substrings of the subject and the SANs. */
	q.subject = "DEVICE-1";		/* 1, 10..19 */
	assert_int_equal(search_all(st, &q, 4), 11);
	q.subject = "quoted\"";
	assert_int_equal(search_all(st, &q, 9), SEARCH_N);
	q.subject = "device-1%";
	assert_int_equal(search_all(st, &q, 9), 0);
	q.subject = NULL;
	q.san = "host-2";		/* 2, 20..29 */
	assert_int_equal(search_all(st, &q, 4), 11);
	q.subject = "device-2";
	q.san = "10.0.0.25";
	assert_int_equal(search_all(st, &q, 4), 1);
	q.subject = q.san = NULL;

	/* Exact filters. */
	rec_make(5, &c, &t, der, sizeof(der));
	free(c.subject);
	q.serial = c.serial;
	assert_int_equal(search_all(st, &q, 5), 1);
	q.serial = NULL;
	q.serial_prefix = "400000000000000000000000000000000000100";
	assert_int_equal(search_all(st, &q, 5), 16);	/* 0x1000-0x100F */
	q.serial_prefix = NULL;
	q.peer = "192.0.2.7";
	assert_int_equal(search_all(st, &q, 5), 1);
	q.peer = NULL;
	q.profiles[0] = "profile-1";
	q.nprofiles = 1;
	assert_int_equal(search_all(st, &q, 5), 13);
	q.profiles[1] = "profile-2";
	q.nprofiles = 2;
	assert_int_equal(search_all(st, &q, 5), 26);
	q.nprofiles = 0;
	q.ca = "other";
	assert_int_equal(search_all(st, &q, 3), 10);
	q.ca = STORE_CA_DEFAULT;
	assert_int_equal(search_all(st, &q, 3), 30);
	q.ca = NULL;

	/* States at SEARCH_NOW: 0..20 expired, 3 13 23 33 revoked. */
	q.state = STORE_STATE_REVOKED;
	assert_int_equal(search_all(st, &q, 3), 4);
	q.state = STORE_STATE_EXPIRED;
	assert_int_equal(search_all(st, &q, 3), 19);
	q.state = STORE_STATE_VALID;
	assert_int_equal(search_all(st, &q, 3), 17);
	q.state = STORE_STATE_ANY;

	/* Time ranges, [from, to). */
	q.issued_from = 1700000100 + 10;
	q.issued_to = 1700000100 + 15;
	assert_int_equal(search_all(st, &q, 2), 5);
	q.issued_from = q.issued_to = 0;
	q.expires_from = 1700000000 + 365 * 86400LL + 30;
	assert_int_equal(search_all(st, &q, 2), 10);
	q.expires_to = 1700000000 + 365 * 86400LL + 35;
	assert_int_equal(search_all(st, &q, 2), 5);
	q.expires_from = q.expires_to = 0;

	/* Refused: text too short, limits out of range. */
	q.limit = 10;
	q.subject = "ab";
	assert_int_equal(store_cert_search(st, &q, search_cb, &sc, &next),
	    -1);
	q.subject = NULL;
	q.limit = 0;
	assert_int_equal(store_cert_search(st, &q, search_cb, &sc, &next),
	    -1);
	q.limit = STORE_SEARCH_LIMIT_MAX + 1;
	assert_int_equal(store_cert_search(st, &q, search_cb, &sc, &next),
	    -1);
	store_close(st);
}

/*
 * Text search across SQLite's batches: rows up to the last multiple of
 * 256 are in the trigram table, the rest are read directly; a search
 * sees both, once each, in order.
 */
static void
test_search_text_batches(void **state)
{
	struct store		*st;
	struct store_cert_query	 q;
	struct store_cert	 c;
	struct store_txn	 t;
	unsigned char		 der[64];
	int			 i;

	assert_non_null(st = store_open(&cs, 1));
	for (i = 0; i < 600; i++) {
		rec_make(i, &c, &t, der, sizeof(der));
		assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
		free(c.subject);
	}
	memset(&q, 0, sizeof(q));
	q.subject = "device-5";		/* 5, 50..59, 500..599 */
	assert_int_equal(search_all(st, &q, 7), 111);
	assert_int_equal(search_all(st, &q, 111), 111);
	assert_int_equal(search_all(st, &q, 1000), 111);
	q.subject = "device-25";	/* 25, 250..259: both sides of 256 */
	assert_int_equal(search_all(st, &q, 3), 11);
	q.subject = "QUOTED";
	assert_int_equal(search_all(st, &q, 100), 600);
	q.profiles[0] = "profile-2";
	q.nprofiles = 1;
	assert_int_equal(search_all(st, &q, 50), 200);
	if (pgurl == NULL) {
		sqlite3		*db;
		sqlite3_stmt	*s1;

		assert_int_equal(sqlite3_open_v2(dbpath, &db,
		    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM "
		    "meta WHERE key = 'text_rowid'", -1, &s1, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(s1), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s1, 0), 512);
		sqlite3_finalize(s1);
		sqlite3_close(db);
	}
	store_close(st);
}

/* Renewal links both ways, and the SAN column through store_import(). */
static void
test_search_renewals(void **state)
{
	struct store		*st, *src;
	struct store_cert	 old, c, got;
	struct store_txn	 t;
	struct store_counts	 n;
	struct search_ctx	 sc;
	struct conf_store	 scs = cs;
	unsigned char		 der[64], der2[64];
	int			 found;

	assert_non_null(st = store_open(&cs, 1));
	rec_make(1, &old, &t, der, sizeof(der));
	old.sans = (char *)"email:a@example.net";
	assert_int_equal(store_issue(st, &old, &t), STORE_PUT_OK);
	rec_make(2, &c, &t, der2, sizeof(der2));
	memcpy(c.renewed_from, old.serial, sizeof(c.renewed_from));
	assert_int_equal(store_issue(st, &c, &t), STORE_PUT_OK);
	memset(&sc, 0, sizeof(sc));
	assert_int_equal(store_cert_renewals(st, old.serial, search_cb, &sc),
	    0);
	assert_int_equal(sc.n, 1);
	assert_string_equal(sc.serials[0], c.serial);
	memset(&sc, 0, sizeof(sc));
	assert_int_equal(store_cert_renewals(st, c.serial, search_cb, &sc),
	    0);
	assert_int_equal(sc.n, 0);
	assert_int_equal(store_cert_get(st, old.serial, &got, &found), 0);
	assert_string_equal(got.sans, "email:a@example.net");
	store_cert_clear(&got);
	assert_int_equal(store_cert_get(st, c.serial, &got, &found), 0);
	assert_string_equal(got.sans, "");
	store_cert_clear(&got);
	if (pgurl == NULL) {
		/* A migrated copy keeps the SANs, and searches them. */
		scs.path = srcpath;
		assert_non_null(src = store_open(&scs, 1));
		assert_int_equal(store_import(src, st, &n), 0);
		memset(&sc, 0, sizeof(sc));
		assert_int_equal(store_cert_search(src,
		    &(struct store_cert_query){ .san = "a@example",
		    .limit = 5 }, search_cb, &sc, &(int64_t){ 0 }), 0);
		assert_int_equal(sc.n, 1);
		assert_string_equal(sc.sans, "email:a@example.net");
		store_close(src);
	}
	free(old.subject);
	free(c.subject);
	store_close(st);
}

struct rsearch_ctx {
	int	 n;
	int64_t	 ids[16];
};

static int
rsearch_cb(const struct store_request *r, void *arg)
{
	struct rsearch_ctx *rc = arg;

	if (rc->n < 16)
		rc->ids[rc->n] = r->id;
	rc->n++;
	return 0;
}

static int
rsearch(struct store *st, struct store_request_query *q, int limit)
{
	struct rsearch_ctx	rc;
	int64_t			next;

	memset(&rc, 0, sizeof(rc));
	q->limit = limit;
	q->after = 0;
	do {
		assert_int_equal(store_request_search(st, q, rsearch_cb, &rc,
		    &next), 0);
		q->after = next;
	} while (next != 0);
	return rc.n;
}

static void
test_request_search(void **state)
{
	struct store			*st;
	struct store_request		 r[6];
	struct store_txn		 t;
	struct store_request_query	 q;
	struct store_cert		 c;
	unsigned char			 csr[6][64], der[64];
	int				 i;

	assert_non_null(st = store_open(&cs, 1));
	for (i = 0; i < 6; i++) {
		req_make(i + 1, &r[i], &t, csr[i], sizeof(csr[i]),
		    i < 2 ? 1700000100 : 1800000000);
		assert_int_equal(store_request_put(st, &r[i], &t),
		    STORE_PUT_OK);
	}
	rec_make(50, &c, &t, der, sizeof(der));
	c.issued_at = 1700000050;
	assert_int_equal(store_request_issue(st, r[0].id, &c), STORE_PUT_OK);
	free(c.subject);
	assert_int_equal(store_request_reject(st, r[2].id, "no", 1700000060),
	    STORE_PUT_OK);
	memset(&q, 0, sizeof(q));
	q.now = 1700000200;
	assert_int_equal(rsearch(st, &q, 4), 6);
	assert_int_equal(rsearch(st, &q, 1), 6);
	q.state = STORE_RSTATE_PENDING;
	assert_int_equal(rsearch(st, &q, 2), 3);	/* 4, 5, 6 */
	q.state = STORE_RSTATE_EXPIRED;
	assert_int_equal(rsearch(st, &q, 2), 1);	/* 2 */
	q.state = STORE_RSTATE_ISSUED;
	assert_int_equal(rsearch(st, &q, 2), 1);
	q.state = STORE_RSTATE_REJECTED;
	assert_int_equal(rsearch(st, &q, 2), 1);
	q.state = STORE_RSTATE_ANY;
	q.profiles[0] = "p5";
	q.nprofiles = 1;
	assert_int_equal(rsearch(st, &q, 2), 1);
	q.nprofiles = 0;
	q.text = "198.51.100.4";
	assert_int_equal(rsearch(st, &q, 2), 1);
	q.text = "TXID-";
	assert_int_equal(rsearch(st, &q, 2), 6);
	q.text = "pend";
	assert_int_equal(rsearch(st, &q, 5), 6);
	q.text = "%";
	assert_int_equal(rsearch(st, &q, 5), 0);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest common[] = {
		cmocka_unit_test_teardown(test_metrics, teardown),
		cmocka_unit_test_teardown(test_roundtrip, teardown),
		cmocka_unit_test_teardown(test_roundtrip_limits, teardown),
		cmocka_unit_test_teardown(test_dup_serial, teardown),
		cmocka_unit_test_teardown(test_dup_txn, teardown),
		cmocka_unit_test_teardown(test_list, teardown),
		cmocka_unit_test_teardown(test_reopen, teardown),
		cmocka_unit_test_teardown(test_renewed_from, teardown),
		cmocka_unit_test_teardown(test_revoke, teardown),
		cmocka_unit_test_teardown(test_requests, teardown),
		cmocka_unit_test_teardown(test_crls, teardown),
		cmocka_unit_test_teardown(test_txid_bytes, teardown),
		cmocka_unit_test_teardown(test_request_dup_no_id, teardown),
		cmocka_unit_test_teardown(test_races, teardown),
		cmocka_unit_test_teardown(test_export, teardown),
		cmocka_unit_test_teardown(test_import, teardown),
		cmocka_unit_test_teardown(test_concurrent, teardown),
		cmocka_unit_test_teardown(test_concurrent_small_pool,
		    teardown),
		cmocka_unit_test_teardown(test_per_ca, teardown),
		cmocka_unit_test_teardown(test_challenges, teardown),
		cmocka_unit_test_teardown(test_challenge_race, teardown),
		cmocka_unit_test_teardown(test_search, teardown),
		cmocka_unit_test_teardown(test_search_renewals, teardown),
		cmocka_unit_test_teardown(test_search_text_batches, teardown),
		cmocka_unit_test_teardown(test_request_search, teardown),
		cmocka_unit_test_teardown(test_lease, teardown),
		cmocka_unit_test_teardown(test_lease_race, teardown),
		cmocka_unit_test_teardown(test_limit, teardown),
		cmocka_unit_test_teardown(test_tokens, teardown),
		cmocka_unit_test_teardown(test_audit_chain, teardown),
		cmocka_unit_test_teardown(test_audit_atomic, teardown),
		cmocka_unit_test_teardown(test_audit_concurrent, teardown),
		cmocka_unit_test_teardown(test_txlog, teardown),
		cmocka_unit_test_teardown(test_stats, teardown),
		cmocka_unit_test_teardown(test_import_admin, teardown),
	};
	const struct CMUnitTest sqlite[] = {
		cmocka_unit_test_teardown(test_schema, teardown),
		cmocka_unit_test_teardown(test_open_missing, teardown),
		cmocka_unit_test_teardown(test_not_a_database, teardown),
		cmocka_unit_test_teardown(test_migrate_v1, teardown),
		cmocka_unit_test_teardown(test_schema_too_new, teardown),
	};
	const struct CMUnitTest pgsql[] = {
		cmocka_unit_test_teardown(test_pg_schema, teardown),
		cmocka_unit_test_teardown(test_pg_open_missing, teardown),
		cmocka_unit_test_teardown(test_pg_schema_too_new, teardown),
		cmocka_unit_test_teardown(test_pg_concurrent_open, teardown),
		cmocka_unit_test_teardown(test_pg_reconnect, teardown),
	};
	int rc;

	if (getenv("SCEPD_TEST_PG_URL") != NULL) {
		rc = cmocka_run_group_tests_name("store (postgresql)", pgsql,
		    setup, group_teardown);
		return rc | cmocka_run_group_tests_name("store on postgresql",
		    common, setup, group_teardown);
	}
	rc = cmocka_run_group_tests_name("store (sqlite)", sqlite, setup,
	    group_teardown);
	return rc | cmocka_run_group_tests_name("store on sqlite", common,
	    setup, group_teardown);
}
