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

void
store_cert_clear(struct store_cert *c)
{
	free(c->subject);
	free(c->der);
	memset(c, 0, sizeof(*c));
}
