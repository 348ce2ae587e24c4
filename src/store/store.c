/*	SPDX-License-Identifier: ISC */
/*
 * store.c: the front door of persistent state.  Picks the backend named
 * in the configuration and forwards to its struct store_ops; nothing
 * else in scepd names a backend.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

struct store {
	const struct store_ops	*ops;
	void			*be;	/* the backend's own handle */
};

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
	return st->ops->issue(st->be, c, t);
}

int
store_txn_get(struct store *st, const char *txid,
    const unsigned char *signer_kid, struct store_txn *t, int *found)
{
	return st->ops->txn_get(st->be, txid, signer_kid, t, found);
}

int
store_cert_get(struct store *st, const char *serial, struct store_cert *c,
    int *found)
{
	return st->ops->cert_get(st->be, serial, c, found);
}

int
store_cert_list(struct store *st, store_cert_cb cb, void *arg)
{
	return st->ops->cert_list(st->be, cb, arg);
}

int
store_cert_status(struct store *st, const char *serial,
    struct store_status *s, int *found)
{
	return st->ops->cert_status(st->be, serial, s, found);
}

enum store_revoke
store_cert_revoke(struct store *st, const char *serial, int reason,
    int64_t when)
{
	return st->ops->cert_revoke(st->be, serial, reason, when);
}

int
store_revoked_list(struct store *st, const char *ca, store_cert_cb cb,
    void *arg)
{
	return st->ops->revoked_list(st->be, ca, cb, arg);
}

int
store_revision(struct store *st, int64_t *rev)
{
	return st->ops->revision(st->be, rev);
}

enum store_put
store_request_put(struct store *st, struct store_request *r,
    const struct store_txn *t)
{
	return st->ops->request_put(st->be, r, t);
}

int
store_request_get(struct store *st, int64_t id, struct store_request *r,
    int *found)
{
	return st->ops->request_get(st->be, id, r, found);
}

int
store_request_list(struct store *st, store_request_cb cb, void *arg)
{
	return st->ops->request_list(st->be, cb, arg);
}

enum store_put
store_request_issue(struct store *st, int64_t id, const struct store_cert *c)
{
	return st->ops->request_issue(st->be, id, c);
}

enum store_put
store_request_reject(struct store *st, int64_t id, const char *reason,
    int64_t when)
{
	return st->ops->request_reject(st->be, id, reason, when);
}

int
store_crl_latest(struct store *st, const char *ca, struct store_crl *c,
    int *found)
{
	return st->ops->crl_latest(st->be, ca, c, found);
}

enum store_put
store_crl_put(struct store *st, const struct store_crl *c)
{
	return st->ops->crl_put(st->be, c);
}

int
store_txn_list(struct store *st, store_txn_cb cb, void *arg)
{
	return st->ops->txn_list(st->be, cb, arg);
}

int
store_crl_list(struct store *st, store_crl_cb cb, void *arg)
{
	return st->ops->crl_list(st->be, cb, arg);
}

int
store_counts(struct store *st, struct store_counts *n)
{
	memset(n, 0, sizeof(*n));
	return st->ops->counts(st->be, n);
}

int
store_import(struct store *st, struct store *src, struct store_counts *n)
{
	memset(n, 0, sizeof(*n));
	if (st == src) {
		log_warnx("store import: source and target are the same");
		return -1;
	}
	return st->ops->import(st->be, src, n);
}

int
store_challenge_put(struct store *st, const struct store_challenge *c)
{
	return st->ops->challenge_put(st->be, c);
}

int
store_challenge_get(struct store *st, const unsigned char *hash,
    struct store_challenge *c, int *found)
{
	return st->ops->challenge_get(st->be, hash, c, found);
}

int
store_challenge_list(struct store *st, store_challenge_cb cb, void *arg)
{
	return st->ops->challenge_list(st->be, cb, arg);
}

int
store_cert_count_active(struct store *st, const char *ca, const char *subject,
    int64_t now, int64_t *n)
{
	*n = 0;
	return st->ops->cert_count_active(st->be, ca, subject, now, n);
}

int
store_txn_pending_other(struct store *st, const char *txid,
    const unsigned char *signer_kid, int64_t *n)
{
	*n = 0;
	return st->ops->txn_pending_other(st->be, txid, signer_kid, n);
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
