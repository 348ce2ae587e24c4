/*	SPDX-License-Identifier: ISC */
/*
 * store.c: the front door of persistent state.  Picks the backend named
 * in the configuration and forwards to its struct store_ops; nothing
 * else in scepd names a backend.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"

struct store {
	const struct store_ops	*ops;
	void			*be;	/* the backend's own handle */
	atomic_ullong		 errors; /* calls that failed: /metrics */
	_Atomic int64_t		 prune_at; /* next txlog prune, Unix s */
};

/* Count a failed call (every failure is -1, whatever the enum). */
static int
store_err(struct store *st, int rc)
{
	if (rc == -1)
		atomic_fetch_add_explicit(&st->errors, 1,
		    memory_order_relaxed);
	return rc;
}

static const struct store_ops *const store_backends[] = {
	&store_sqlite_ops,
	&store_pgsql_ops,
};

struct store *
store_open(const struct conf_store *cs, int create)
{
	struct store	*st;
	size_t		 i;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		log_warn("store_open");
		return NULL;
	}
	for (i = 0; i < sizeof(store_backends) / sizeof(store_backends[0]);
	    i++)
		if (strcmp(store_backends[i]->name, cs->backend) == 0)
			st->ops = store_backends[i];
	if (st->ops == NULL || st->ops->version != STORE_OPS_VERSION) {
		log_warnx("store backend \"%s\" is not available",
		    cs->backend);
		free(st);
		return NULL;
	}
	if ((st->be = st->ops->open(cs, create)) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->be);
	free(st);
}

enum store_put
store_issue(struct store *st, const struct store_cert *c,
    const struct store_txn *t)
{
	return store_err(st, st->ops->issue(st->be, c, t));
}

int
store_txn_get(struct store *st, const char *txid,
    const unsigned char *signer_kid, struct store_txn *t, int *found)
{
	return store_err(st,
	    st->ops->txn_get(st->be, txid, signer_kid, t, found));
}

int
store_cert_get(struct store *st, const char *serial, struct store_cert *c,
    int *found)
{
	return store_err(st, st->ops->cert_get(st->be, serial, c, found));
}

int
store_cert_list(struct store *st, store_cert_cb cb, void *arg)
{
	return store_err(st, st->ops->cert_list(st->be, cb, arg));
}

int
store_cert_status(struct store *st, const char *serial,
    struct store_status *s, int *found)
{
	return store_err(st, st->ops->cert_status(st->be, serial, s, found));
}

enum store_revoke
store_cert_revoke(struct store *st, const char *serial, int reason,
    int64_t when)
{
	return store_err(st,
	    st->ops->cert_revoke(st->be, serial, reason, when));
}

int
store_revoked_list(struct store *st, const char *ca, store_cert_cb cb,
    void *arg)
{
	return store_err(st, st->ops->revoked_list(st->be, ca, cb, arg));
}

int
store_revision(struct store *st, int64_t *rev)
{
	return store_err(st, st->ops->revision(st->be, rev));
}

enum store_put
store_request_put(struct store *st, struct store_request *r,
    const struct store_txn *t)
{
	return store_err(st, st->ops->request_put(st->be, r, t));
}

int
store_request_get(struct store *st, int64_t id, struct store_request *r,
    int *found)
{
	return store_err(st, st->ops->request_get(st->be, id, r, found));
}

int
store_request_list(struct store *st, store_request_cb cb, void *arg)
{
	return store_err(st, st->ops->request_list(st->be, cb, arg));
}

enum store_put
store_request_issue(struct store *st, int64_t id, const struct store_cert *c)
{
	return store_err(st, st->ops->request_issue(st->be, id, c));
}

enum store_put
store_request_reject(struct store *st, int64_t id, const char *reason,
    int64_t when)
{
	return store_err(st, st->ops->request_reject(st->be, id, reason, when));
}

int
store_crl_latest(struct store *st, const char *ca, struct store_crl *c,
    int *found)
{
	return store_err(st, st->ops->crl_latest(st->be, ca, c, found));
}

enum store_put
store_crl_put(struct store *st, const struct store_crl *c)
{
	return store_err(st, st->ops->crl_put(st->be, c));
}

int
store_txn_list(struct store *st, store_txn_cb cb, void *arg)
{
	return store_err(st, st->ops->txn_list(st->be, cb, arg));
}

int
store_crl_list(struct store *st, store_crl_cb cb, void *arg)
{
	return store_err(st, st->ops->crl_list(st->be, cb, arg));
}

int
store_counts(struct store *st, struct store_counts *n)
{
	memset(n, 0, sizeof(*n));
	return store_err(st, st->ops->counts(st->be, n));
}

int
store_import(struct store *st, struct store *src, struct store_counts *n)
{
	memset(n, 0, sizeof(*n));
	if (st == src) {
		log_warnx("store import: source and target are the same");
		return -1;
	}
	return store_err(st, st->ops->import(st->be, src, n));
}

int
store_challenge_put(struct store *st, const struct store_challenge *c)
{
	return store_err(st, st->ops->challenge_put(st->be, c));
}

int
store_challenge_get(struct store *st, const unsigned char *hash,
    struct store_challenge *c, int *found)
{
	return store_err(st, st->ops->challenge_get(st->be, hash, c, found));
}

int
store_challenge_list(struct store *st, store_challenge_cb cb, void *arg)
{
	return store_err(st, st->ops->challenge_list(st->be, cb, arg));
}

int
store_cert_count_active(struct store *st, const char *ca, const char *subject,
    int64_t now, int64_t *n)
{
	*n = 0;
	return store_err(st,
	    st->ops->cert_count_active(st->be, ca, subject, now, n));
}

int
store_txn_pending_other(struct store *st, const char *txid,
    const unsigned char *signer_kid, int64_t *n)
{
	*n = 0;
	return store_err(st,
	    st->ops->txn_pending_other(st->be, txid, signer_kid, n));
}

/* The checks both backends rely on, made once here. */
static int
store_search_text_ok(const char *what, const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return 1;
	n = strlen(s);
	if (n < STORE_SEARCH_TEXT_MIN || n > STORE_SEARCH_TEXT_MAX) {
		log_warnx("store search: %s: %d to %d characters", what,
		    STORE_SEARCH_TEXT_MIN, STORE_SEARCH_TEXT_MAX);
		return 0;
	}
	return 1;
}

static int
store_search_limits_ok(int limit, size_t nprofiles)
{
	if (limit < 1 || limit > STORE_SEARCH_LIMIT_MAX ||
	    nprofiles > STORE_SEARCH_PROFILES) {
		log_warnx("store search: limit or profiles out of range");
		return 0;
	}
	return 1;
}

int
store_cert_search(struct store *st, const struct store_cert_query *q,
    store_cert_cb cb, void *arg, int64_t *next)
{
	*next = 0;
	if (!store_search_limits_ok(q->limit, q->nprofiles) ||
	    !store_search_text_ok("subject", q->subject) ||
	    !store_search_text_ok("san", q->san))
		return -1;
	return st->ops->cert_search(st->be, q, cb, arg, next);
}

int
store_cert_renewals(struct store *st, const char *serial, store_cert_cb cb,
    void *arg)
{
	return st->ops->cert_renewals(st->be, serial, cb, arg);
}

int
store_request_search(struct store *st, const struct store_request_query *q,
    store_request_cb cb, void *arg, int64_t *next)
{
	*next = 0;
	if (!store_search_limits_ok(q->limit, q->nprofiles) ||
	    (q->text != NULL && strlen(q->text) > STORE_SEARCH_TEXT_MAX))
		return -1;
	return st->ops->request_search(st->be, q, cb, arg, next);
}

void
store_request_clear(struct store_request *r)
{
	free(r->csr);
	free(r->subject);
	memset(r, 0, sizeof(*r));
}

void
store_crl_clear(struct store_crl *c)
{
	free(c->der);
	memset(c, 0, sizeof(*c));
}

void
store_cert_clear(struct store_cert *c)
{
	free(c->subject);
	free(c->der);
	free(c->sans);
	memset(c, 0, sizeof(*c));
}

int
store_metrics(struct store *st, int64_t now, store_metrics_cb cb, void *arg,
    struct store_metrics *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = store_err(st, st->ops->metrics(st->be, now, cb, arg, m));
	m->errors = atomic_load_explicit(&st->errors, memory_order_relaxed);
	return rc;
}

enum store_put
store_request_issue_audited(struct store *st, int64_t id,
    const struct store_cert *c, const struct store_audit *a)
{
	return store_err(st, st->ops->request_issue_a(st->be, id, c, a));
}

enum store_put
store_request_reject_audited(struct store *st, int64_t id, const char *reason,
    int64_t when, const struct store_audit *a)
{
	return store_err(st, st->ops->request_reject_a(st->be, id, reason, when, a));
}

enum store_revoke
store_cert_revoke_audited(struct store *st, const char *serial, int reason,
    int64_t when, const struct store_audit *a)
{
	return store_err(st, st->ops->cert_revoke_a(st->be, serial, reason, when, a));
}

int
store_challenge_put_audited(struct store *st, const struct store_challenge *c,
    const struct store_audit *a)
{
	return store_err(st, st->ops->challenge_put_a(st->be, c, a));
}

enum store_put
store_challenge_revoke(struct store *st, const unsigned char *hash,
    int64_t when, const struct store_audit *a)
{
	return store_err(st, st->ops->challenge_revoke(st->be, hash, when, a));
}

enum store_put
store_token_put(struct store *st, const struct store_token *t,
    const struct store_audit *a)
{
	return store_err(st, st->ops->token_put(st->be, t, a));
}

enum store_put
store_token_revoke(struct store *st, const char *name, int64_t when,
    const struct store_audit *a)
{
	return store_err(st, st->ops->token_revoke(st->be, name, when, a));
}

int
store_token_by_hash(struct store *st, const unsigned char *hash,
    struct store_token *t, int *found)
{
	memset(t, 0, sizeof(*t));
	return store_err(st, st->ops->token_get(st->be, 0, hash, t, found));
}

int
store_token_by_cert(struct store *st, const unsigned char *cert,
    struct store_token *t, int *found)
{
	memset(t, 0, sizeof(*t));
	return store_err(st, st->ops->token_get(st->be, 1, cert, t, found));
}

int
store_token_list(struct store *st, store_token_cb cb, void *arg)
{
	return store_err(st, st->ops->token_list(st->be, cb, arg));
}

int
store_audit_append(struct store *st, const struct store_audit *a)
{
	return store_err(st, st->ops->audit_append(st->be, a));
}

int
store_audit_list(struct store *st, const struct store_audit_filter *f,
    store_audit_cb cb, void *arg)
{
	return store_err(st, st->ops->audit_list(st->be, f, cb, arg));
}

int
store_audit_each(struct store *st, store_audit_cb cb, void *arg)
{
	return store_err(st, st->ops->audit_all(st->be, cb, arg));
}

int
store_audit_head(struct store *st, int64_t *seq, unsigned char *hash)
{
	return store_err(st, st->ops->audit_head(st->be, seq, hash));
}

/* The verify walk's state between entries. */
struct store_verify {
	struct store_audit_check	*c;
	unsigned char			 prev[STORE_KID_LEN];
};

static int
store_verify_one(const struct store_audit *a, void *arg)
{
	struct store_verify	*v = arg;
	struct store_audit_check *c = v->c;
	unsigned char		 h[STORE_KID_LEN];

	if (c->broken != 0)
		return 0;
	c->entries++;
	if (a->seq != c->entries) {
		c->broken = c->entries;
		snprintf(c->why, sizeof(c->why), "entry %lld is missing "
		    "(next is %lld)", (long long)c->entries,
		    (long long)a->seq);
	} else if (memcmp(a->prev, v->prev, STORE_KID_LEN) != 0) {
		c->broken = a->seq;
		snprintf(c->why, sizeof(c->why), "entry %lld does not link "
		    "to the entry before it", (long long)a->seq);
	} else if (store_audit_hash(a, h) == -1)
		return -1;
	else if (memcmp(h, a->hash, STORE_KID_LEN) != 0) {
		c->broken = a->seq;
		snprintf(c->why, sizeof(c->why), "entry %lld was changed: "
		    "its hash does not match its fields", (long long)a->seq);
	}
	memcpy(v->prev, a->hash, STORE_KID_LEN);
	return 0;
}

int
store_audit_verify(struct store *st, struct store_audit_check *c)
{
	struct store_verify v = { .c = c };

	memset(c, 0, sizeof(*c));
	if (store_audit_head(st, &c->head_seq, c->head) == -1 ||
	    store_audit_each(st, store_verify_one, &v) == -1)
		return -1;
	if (c->broken != 0)
		return 0;
	/* Entries cut off the end leave the head pointing past them. */
	if (c->head_seq != c->entries ||
	    memcmp(c->head, v.prev, STORE_KID_LEN) != 0) {
		c->broken = c->entries + 1;
		snprintf(c->why, sizeof(c->why), "the chain head is entry "
		    "%lld, but the log ends at %lld", (long long)c->head_seq,
		    (long long)c->entries);
	}
	return 0;
}

/* Rows one prune deletes at most: a bounded pause for its writer. */
#define STORE_PRUNE_BATCH	5000
/* How often store_txlog_put() prunes, seconds. */
#define STORE_PRUNE_EVERY	3600

int
store_txlog_put(struct store *st, const struct store_txlog *t, int keep_days)
{
	int64_t	 due, now = (int64_t)time(NULL), n = 0;
	int	 rc;

	rc = store_err(st, st->ops->txlog_put(st->be, t));
	/*
	 * One request an hour prunes, the one that wins the exchange; the
	 * others pay an atomic load.  A full batch means more is due: the
	 * next request prunes again.
	 */
	due = atomic_load_explicit(&st->prune_at, memory_order_relaxed);
	if (keep_days > 0 && now >= due &&
	    atomic_compare_exchange_strong(&st->prune_at, &due,
	    now + STORE_PRUNE_EVERY)) {
		if (st->ops->txlog_prune(st->be, now - (int64_t)keep_days *
		    86400, STORE_PRUNE_BATCH, &n) == 0 &&
		    n == STORE_PRUNE_BATCH)
			atomic_store(&st->prune_at, now);
		if (n > 0)
			log_info("transaction log: pruned %lld rows older than "
			    "%d days", (long long)n, keep_days);
	}
	return rc;
}

int
store_txlog_list(struct store *st, const struct store_txlog_filter *f,
    store_txlog_cb cb, void *arg)
{
	return store_err(st, st->ops->txlog_list(st->be, f, cb, arg));
}

int
store_txlog_prune(struct store *st, int64_t before, int64_t *n)
{
	int64_t	k;

	*n = 0;
	do {
		if (store_err(st, st->ops->txlog_prune(st->be, before,
		    STORE_PRUNE_BATCH, &k)) == -1)
			return -1;
		*n += k;
	} while (k == STORE_PRUNE_BATCH);
	return 0;
}

int
store_stats(struct store *st, int64_t since, store_stat_cb cb, void *arg)
{
	return store_err(st, st->ops->stats(st->be, since, cb, arg));
}

int
store_lease_take(struct store *st, const char *name, const char *holder,
    int64_t now, int ttl, int *taken)
{
	*taken = 0;
	return store_err(st, st->ops->lease_take(st->be, name, holder, now,
	    now + ttl, taken));
}
