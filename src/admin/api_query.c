/*	SPDX-License-Identifier: ISC */
/*
 * api_query.c: query parameters and JSON shared by the admin layer's
 * list endpoints (api_query.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "api_query.h"
#include "util.h"

int
api_arg_time(const struct api_req *rq, struct api_resp *rs, const char *name,
    int64_t *out)
{
	const char	*v, *e;
	struct tm	 tm;
	char		*end;
	long long	 n;

	*out = 0;
	if (rq->arg == NULL || (v = rq->arg(rq->argcls, name)) == NULL)
		return 0;
	if (*v >= '0' && *v <= '9' && strchr(v, '-') == NULL) {
		n = strtoll(v, &end, 10);
		if (*end == '\0' && n > 0 && n < 253402300800LL) {
			*out = n;
			return 0;
		}
	} else {
		memset(&tm, 0, sizeof(tm));
		if ((e = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL) {
			memset(&tm, 0, sizeof(tm));
			e = strptime(v, "%Y-%m-%d", &tm);
		}
		if (e != NULL && *e == '\0' && (*out = (int64_t)timegm(&tm)) >
		    0)
			return 0;
	}
	*out = 0;
	api_error(rs, 400, "%s: Unix seconds or an ISO 8601 UTC time "
	    "(2026-12-01T10:00:00Z)", name);
	return -1;
}

int
api_arg_cursor(const struct api_req *rq, struct api_resp *rs, int64_t *out)
{
	long long n;

	*out = 0;
	if ((n = api_arg_int(rq, rs, "cursor", 0, INT64_MAX)) == -1)
		return -1;
	if (rq->arg != NULL && rq->arg(rq->argcls, "cursor") != NULL &&
	    n == 0) {
		api_error(rs, 400, "cursor: not one of this API's cursors");
		return -1;
	}
	*out = n;
	return 0;
}

int
api_arg_limit(const struct api_req *rq, struct api_resp *rs, int *out)
{
	long long n;

	if ((n = api_arg_int(rq, rs, "limit", API_PAGE_DEFAULT,
	    API_PAGE_MAX)) == -1)
		return -1;
	if (n == 0) {
		api_error(rs, 400, "limit: 1 to %d", API_PAGE_MAX);
		return -1;
	}
	*out = (int)n;
	return 0;
}

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

json_t *
api_time_json(int64_t t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;
	char		buf[32];

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
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
	    api_time_json(a->at), "at", (json_int_t)a->at, "actor", a->actor,
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
	    api_time_json(t->at), "at", (json_int_t)t->at, "profile",
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
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)next);
	return json_pack("{s:o, s:o}", "items", items, "next_cursor",
	    next > 0 ? json_string(buf) : json_null());
}
