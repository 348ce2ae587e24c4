/*	SPDX-License-Identifier: ISC */
/*
 * api_audit.c: GET /audit and GET /audit/verify (issue #11 item 5), for
 * the auditor role (and admin).  The audit log is the whole server's:
 * a token's profile limit does not filter it.  Newest first, keyset
 * pages by seq.
 */
#include <string.h>

#include "api_query.h"
#include "util.h"

/* One page under construction. */
struct audit_page {
	json_t	*items;
	int64_t	 last;		/* seq of the last row added */
	int	 n;
};

static int
audit_add(const struct store_audit *a, void *arg)
{
	struct audit_page *p = arg;

	if (json_array_append_new(p->items, api_audit_json(a)) == -1)
		return -1;
	p->last = a->seq;
	p->n++;
	return 0;
}

static void
api_audit_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const known[] = { "since", "until", "actor",
	    "action", "cursor", "limit", NULL };
	struct store_audit_filter	 f;
	struct audit_page		 p = { 0 };

	memset(&f, 0, sizeof(f));
	if (api_args_known(rq, rs, known) == -1 ||
	    api_arg_time(rq, rs, "since", &f.since) == -1 ||
	    api_arg_time(rq, rs, "until", &f.until) == -1 ||
	    api_arg_text(rq, rs, "actor", 95, &f.actor) == -1 ||
	    api_arg_text(rq, rs, "action", 47, &f.action) == -1 ||
	    api_arg_cursor(rq, rs, &f.before) == -1 ||
	    api_arg_limit(rq, rs, &f.limit) == -1)
		return;
	if ((p.items = json_array()) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	if (store_audit_list(rq->srv->store, &f, audit_add, &p) == -1) {
		json_decref(p.items);
		api_error(rs, 503, "store unavailable");
		return;
	}
	api_reply(rs, 200, api_page(p.items, p.n == f.limit ? p.last : 0));
}

static void
api_audit_verify(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	struct store_audit_check	c;
	char				head[2 * STORE_KID_LEN + 1];

	if (store_audit_verify(rq->srv->store, &c) == -1) {
		api_error(rs, 503, "store unavailable");
		return;
	}
	hex_lower(c.head, sizeof(c.head), head);
	api_reply(rs, 200, json_pack("{s:b, s:I, s:o, s:o, s:{s:I, s:s}}",
	    "intact", c.broken == 0, "entries", (json_int_t)c.entries,
	    "broken", c.broken ? json_integer(c.broken) : json_null(), "why",
	    c.broken ? json_string(c.why) : json_null(), "head", "seq",
	    (json_int_t)c.head_seq, "hash", head));
}

static const struct api_route api_audit_rows[] = {
	{ "GET", "/audit", API_ROLE_AUDITOR, api_audit_list },
	{ "GET", "/audit/verify", API_ROLE_AUDITOR, api_audit_verify },
};

const struct api_table api_audit_table = {
	api_audit_rows, sizeof(api_audit_rows) / sizeof(api_audit_rows[0])
};
