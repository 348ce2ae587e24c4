/*	SPDX-License-Identifier: ISC */
/*
 * api_request.c: the enrolment requests of the admin API (issue #11
 * item 4): GET /requests (state, profile, text; keyset pages) and
 * GET /requests/{id} with its PKCS#10 decoded by lib/x509_desc.c.
 * Role viewer.  Approving and rejecting are api_action.c's.  A request
 * of a profile outside the caller's scope is 404, as one that does
 * not exist.  The challengePassword is reported present or absent,
 * never shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_local.h"
#include "api_query.h"
#include "x509_desc.h"

static const char *
api_request_state(const struct store_request *r, int64_t now)
{
	switch (r->status) {
	case STORE_TXN_ISSUED:
		return "issued";
	case STORE_TXN_REJECTED:
		return "rejected";
	case STORE_TXN_PENDING:
		return r->expires_at <= now ? "expired" : "pending";
	}
	return "unknown";
}

static json_t *
api_request_item(const struct store_request *r, int64_t now)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, "
	    "s:o, s:o}",
	    "id", (json_int_t)r->id,
	    "txid", api_jstr(r->txid),
	    "subject", api_jstr(r->subject),
	    "profile", api_jstr(r->profile),
	    "requester", api_jstr(r->peer),
	    "status", api_request_state(r, now),
	    "created_at", api_jtime(r->created_at),
	    "expires_at", api_jtime(r->expires_at),
	    "decided_at", api_jtime(r->decided_at),
	    "serial", r->serial[0] != '\0' ? json_string(r->serial) :
	    json_null(),
	    "reason", r->reason[0] != '\0' ? api_jstr(r->reason) :
	    json_null());
}

struct api_request_page {
	json_t	*items;
	int64_t	 now;
};

static int
api_request_page_cb(const struct store_request *r, void *arg)
{
	struct api_request_page *pg = arg;

	return json_array_append_new(pg->items, api_request_item(r, pg->now));
}

static int
api_request_filters(const struct api_req *rq, struct api_resp *rs,
    struct store_request_query *q, struct api_scope *sc)
{
	const char	*st = api_arg(rq, "status");
	const char	*text = api_arg(rq, "text");
	size_t		 i;

	memset(q, 0, sizeof(*q));
	q->now = (int64_t)time(NULL);
	if (st == NULL)
		q->state = STORE_RSTATE_ANY;
	else if (strcmp(st, "pending") == 0)
		q->state = STORE_RSTATE_PENDING;
	else if (strcmp(st, "issued") == 0)
		q->state = STORE_RSTATE_ISSUED;
	else if (strcmp(st, "rejected") == 0)
		q->state = STORE_RSTATE_REJECTED;
	else if (strcmp(st, "expired") == 0)
		q->state = STORE_RSTATE_EXPIRED;
	else {
		api_error(rs, 400, "status: pending, issued, rejected or "
		    "expired");
		return -1;
	}
	if (text != NULL && (*text == '\0' ||
	    strlen(text) > STORE_SEARCH_TEXT_MAX)) {
		api_error(rs, 400, "text: 1 to %d characters",
		    STORE_SEARCH_TEXT_MAX);
		return -1;
	}
	q->text = text;
	if (api_scope_get(rq, rs, api_arg(rq, "profile"), sc) == -1 ||
	    api_arg_limit(rq, rs, &q->limit) == -1 ||
	    api_arg_cursor(rq, rs, &q->after) == -1)
		return -1;
	for (i = 0; i < sc->n; i++)
		q->profiles[i] = sc->profiles[i];
	q->nprofiles = sc->n;
	return 0;
}

static void
api_request_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const known[] = { "status", "profile", "text",
	    "limit", "cursor", NULL };
	struct store_request_query	 q;
	struct api_scope		 sc;
	struct api_request_page		 pg = { NULL, 0 };
	int64_t				 next = 0;

	if (api_args_known(rq, rs, known) == -1 ||
	    api_request_filters(rq, rs, &q, &sc) == -1)
		return;
	pg.now = q.now;
	if ((pg.items = json_array()) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	if (!sc.empty && store_request_search(rq->srv->store, &q,
	    api_request_page_cb, &pg, &next) == -1) {
		json_decref(pg.items);
		api_error(rs, 503, "the store could not be searched");
		return;
	}
	api_reply(rs, 200, json_pack("{s:o, s:o}", "items", pg.items,
	    "next", api_cursor_json(next)));
}

/* The request's CSR, decoded, with its challenge reported, not shown. */
static json_t *
api_request_csr(const struct store_request *r)
{
	struct x509_desc	 d;
	json_t			*j;

	if (x509_desc_csr(r->csr, r->csrsz, &d) == -1)
		return json_pack("{s:b}", "decoded", 0);
	if ((j = api_desc_json(&d)) != NULL) {
		json_object_del(j, "fingerprints");
		json_object_set_new(j, "sha256", json_string(d.sha256));
		json_object_set_new(j, "challenge_password",
		    json_string(d.challenge ? "present" : "absent"));
		json_object_set_new(j, "decoded", json_true());
	}
	x509_desc_clear(&d);
	return j;
}

static void
api_request_one(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const none[] = { NULL };
	struct store_request	 r;
	json_t			*j, *csr;
	char			*end;
	long long		 id;
	int			 found = 0;

	if (api_args_known(rq, rs, none) == -1)
		return;
	id = strtoll(m->part[0], &end, 10);
	if (m->part[0][0] < '1' || m->part[0][0] > '9' || *end != '\0' ||
	    id <= 0) {
		api_error(rs, 404, "no such request");
		return;
	}
	if (store_request_get(rq->srv->store, id, &r, &found) == -1) {
		api_error(rs, 503, "the store could not be read");
		return;
	}
	if (!found || !api_profile_allowed(rq->who, r.profile)) {
		if (found)
			store_request_clear(&r);
		api_error(rs, 404, "no such request");
		return;
	}
	j = api_request_item(&r, (int64_t)time(NULL));
	csr = api_request_csr(&r);
	if (j == NULL)
		json_decref(csr);
	if (j == NULL || csr == NULL || json_object_set_new(j, "csr", csr) ==
	    -1) {
		json_decref(j);
		api_error(rs, 500, "out of memory");
	} else
		api_reply(rs, 200, j);
	store_request_clear(&r);
}

static const struct api_route api_request_rows[] = {
	{ "GET", "/requests", API_ROLE_VIEWER, api_request_list },
	{ "GET", "/requests/*", API_ROLE_VIEWER, api_request_one },
};

const struct api_table api_request_table = {
	api_request_rows, sizeof(api_request_rows) / sizeof(api_request_rows[0])
};
