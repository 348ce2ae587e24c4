/*	SPDX-License-Identifier: ISC */
/*
 * api_txn.c: GET /transactions, the transaction log (issue #11 item 4):
 * every PKIOperation answered, filtered by profile, transactionID,
 * outcome, requester address, text in the subject and time, newest
 * first in keyset pages by id, so "why did my iPad fail" is one query.
 */
#include <string.h>

#include "api_query.h"

/*
 * Batches a token limited to profiles may read to fill one page
 * before it is handed a cursor to go on from.
 */
#define TXN_SCAN_BATCHES	20

struct txn_page {
	const struct api_identity *who;
	json_t	*items;
	int64_t	 last;		/* id of the last row taken or skipped */
	int	 read;		/* rows the batch returned */
	int	 n;		/* rows on the page */
	int	 limit;
};

/* Rows after the page filled are left for the next page's cursor. */
static int
txn_add(const struct store_txlog *t, void *arg)
{
	struct txn_page *p = arg;

	p->read++;
	if (p->n == p->limit)
		return 0;
	p->last = t->id;
	if (!api_profile_allowed(p->who, t->profile))
		return 0;
	if (json_array_append_new(p->items, api_txlog_json(t)) == -1)
		return -1;
	p->n++;
	return 0;
}

/* The query's filters; -1 (answered) if one is malformed. */
static int
txn_filter(const struct api_req *rq, struct api_resp *rs,
    struct store_txlog_filter *f)
{
	static const char *const known[] = { "profile", "transaction_id",
	    "outcome", "peer", "q", "since", "until", "cursor", "limit", NULL };

	memset(f, 0, sizeof(*f));
	if (api_args_known(rq, rs, known) == -1)
		return -1;
	if (api_arg_text(rq, rs, "profile", STORE_NAME_MAX, &f->profile) ==
	    -1 || api_arg_text(rq, rs, "transaction_id", STORE_TXID_MAX,
	    &f->txid) == -1 ||
	    api_arg_text(rq, rs, "outcome", 15, &f->outcome) == -1 ||
	    api_arg_text(rq, rs, "peer", 63, &f->peer) == -1 ||
	    api_arg_text(rq, rs, "q", 255, &f->subject) == -1 ||
	    api_arg_time(rq, rs, "since", &f->since) == -1 ||
	    api_arg_time(rq, rs, "until", &f->until) == -1 ||
	    api_arg_cursor(rq, rs, &f->before) == -1 ||
	    api_arg_limit(rq, rs, &f->limit) == -1)
		return -1;
	if (f->outcome != NULL && strcmp(f->outcome, "SUCCESS") != 0 &&
	    strcmp(f->outcome, "FAILURE") != 0 &&
	    strcmp(f->outcome, "PENDING") != 0 &&
	    strcmp(f->outcome, "error") != 0) {
		api_error(rs, 400, "outcome: SUCCESS, FAILURE, PENDING or "
		    "error");
		return -1;
	}
	if (f->profile != NULL && !api_profile_allowed(rq->who, f->profile)) {
		api_error(rs, 403, "profile %s is outside this token's "
		    "profiles", f->profile);
		return -1;
	}
	return 0;
}

static void
api_txn_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	struct store_txlog_filter	 f;
	struct txn_page			 p = { .who = rq->who };
	int				 i, more = 0;

	if (txn_filter(rq, rs, &f) == -1)
		return;
	p.limit = f.limit;
	if ((p.items = json_array()) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	/* Rows of other profiles are skipped, a batch at a time. */
	for (i = 0; i < TXN_SCAN_BATCHES; i++) {
		p.read = 0;
		if (store_txlog_list(rq->srv->store, &f, txn_add, &p) == -1) {
			json_decref(p.items);
			api_error(rs, 503, "store unavailable");
			return;
		}
		more = p.read == f.limit;
		if (p.n == p.limit || !more)
			break;
		f.before = p.last;
	}
	api_reply(rs, 200, api_page(p.items, more ? p.last : 0));
}

static const struct api_route api_txn_rows[] = {
	{ "GET", "/transactions", API_ROLE_VIEWER, api_txn_list },
};

const struct api_table api_txn_table = {
	api_txn_rows, sizeof(api_txn_rows) / sizeof(api_txn_rows[0])
};
