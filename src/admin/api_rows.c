/*	SPDX-License-Identifier: ISC */
/*
 * api_rows.c: what the admin layer's own list endpoints (api_txn.c,
 * api_audit.c, api_action.c, api_stats.c, api_token.c) share beside
 * api_query.c: a bounded text parameter, the JSON of audit and
 * transaction-log rows, and a page with its cursor (the same
 * {"items", "next"} shape as every list of the API).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "api_query.h"
#include "util.h"

int
api_arg_text(const struct api_req *rq, struct api_resp *rs, const char *name,
    size_t max, const char **out)
{
	const char *v;

	*out = NULL;
	if (rq->arg == NULL || (v = rq->arg(rq->argcls, name)) == NULL)
		return 0;
	if (*v == '\0' || strlen(v) > max) {
		api_error(rs, 400, "%s: 1 to %zu bytes", name, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* "" is null: a column that has no value for this row. */
static json_t *
api_opt_str(const char *s)
{
	return *s == '\0' ? json_null() : json_string(s);
}

json_t *
api_audit_json(const struct store_audit *a)
{
	char	 hash[2 * STORE_KID_LEN + 1], prev[2 * STORE_KID_LEN + 1];
	json_t	*d;

	hex_lower(a->hash, STORE_KID_LEN, hash);
	hex_lower(a->prev, STORE_KID_LEN, prev);
	/* Details are JSON text written by action.c; show them as such. */
	if ((d = json_loads(a->details, 0, NULL)) == NULL)
		d = json_string(a->details);
	return json_pack("{s:I, s:o, s:I, s:s, s:s, s:s, s:o, s:o, s:s, "
	    "s:s, s:s}", "seq", (json_int_t)a->seq, "time",
	    api_jtime(a->at), "at", (json_int_t)a->at, "actor", a->actor,
	    "action", a->action, "target", a->target, "details", d, "peer",
	    api_opt_str(a->peer), "outcome", a->outcome, "hash", hash, "prev",
	    prev);
}

char *
action_audit_json(const struct store_audit *a)
{
	json_t	*j = api_audit_json(a);
	char	*s = NULL;

	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII |
		    JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

json_t *
api_txlog_json(const struct store_txlog *t)
{
	return json_pack("{s:I, s:o, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, "
	    "s:o, s:s, s:o, s:i, s:i}", "id", (json_int_t)t->id, "time",
	    api_jtime(t->at), "at", (json_int_t)t->at, "profile",
	    t->profile, "transaction_id", t->txid, "message_type", t->msgtype,
	    "outcome", t->outcome, "result", api_opt_str(t->result),
	    "fail_info", api_opt_str(t->fail_info), "reason",
	    api_opt_str(t->reason), "subject", api_opt_str(t->subject),
	    "peer", t->peer, "serial", api_opt_str(t->serial), "http_status",
	    t->http, "duration_ms", t->duration_ms);
}

json_t *
api_page(json_t *items, int64_t next)
{
	return json_pack("{s:o, s:o}", "items", items, "next",
	    api_cursor_json(next));
}