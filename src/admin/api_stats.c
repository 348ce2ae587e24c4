/*	SPDX-License-Identifier: ISC */
/*
 * api_stats.c: GET /stats?days=N (issue #11 item 4): per day for up to
 * 90 days and per profile, what enrollments came to: issued and
 * renewed automatically, pending, approved and rejected by an
 * administrator, failed by failInfo, errors; with totals and a success
 * rate.  One GROUP BY over the transaction log and the requests
 * (store_stats()); a token limited to profiles sees those alone.
 */
#include <string.h>
#include <time.h>

#include "api_query.h"

#define STATS_DAYS_MAX		90
#define STATS_DAYS_DEFAULT	30

/* The counters of one day and profile, as JSON builds them. */
static json_t *
stats_bucket(int64_t day, const char *profile)
{
	return json_pack("{s:o, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, "
	    "s:{}}", "date", api_jtime(day * 86400), "profile", profile,
	    "issued", 0, "renewed", 0, "pending", 0, "approved", 0,
	    "rejected", 0, "error", 0, "answered", 0, "failed");
}

/* Add "n" to counter "key" of object "o" (a nested one for failed:X). */
static int
stats_add(json_t *o, const char *key, int64_t n)
{
	json_t	*v;

	if (strncmp(key, "failed:", 7) == 0) {
		o = json_object_get(o, "failed");
		key += 7;
		if (*key == '\0')
			key = "unknown";
	}
	v = json_object_get(o, key);
	return json_object_set_new(o, key, json_integer((v != NULL ?
	    json_integer_value(v) : 0) + n));
}

struct stats_ctx {
	const struct api_identity *who;
	json_t	*days;		/* the array of buckets */
	json_t	*cur;		/* the bucket of the rows being read */
	json_t	*totals;
	int64_t	 day;
	char	 profile[STORE_NAME_MAX + 1];
};

/* Rows come ordered by day and profile: one bucket after another. */
static int
stats_row(const struct store_stat *r, void *arg)
{
	struct stats_ctx *s = arg;

	if (!api_profile_allowed(s->who, r->profile))
		return 0;
	if (s->cur == NULL || r->day != s->day ||
	    strcmp(r->profile, s->profile) != 0) {
		if ((s->cur = stats_bucket(r->day, r->profile)) == NULL ||
		    json_array_append_new(s->days, s->cur) == -1)
			return -1;
		s->day = r->day;
		snprintf(s->profile, sizeof(s->profile), "%s", r->profile);
	}
	return stats_add(s->cur, r->key, r->n) | stats_add(s->totals, r->key,
	    r->n);
}

/* Successes over everything that was decided, or null if nothing was. */
static json_t *
stats_rate(json_t *t)
{
	const char	*k;
	json_t		*v;
	double		 ok, all;

	ok = (double)(json_integer_value(json_object_get(t, "issued")) +
	    json_integer_value(json_object_get(t, "renewed")) +
	    json_integer_value(json_object_get(t, "approved")));
	all = ok + (double)(json_integer_value(json_object_get(t,
	    "rejected")) + json_integer_value(json_object_get(t, "error")));
	json_object_foreach(json_object_get(t, "failed"), k, v)
		all += (double)json_integer_value(v);
	return all > 0 ? json_real(ok / all) : json_null();
}

static void
api_stats_get(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	struct stats_ctx	 s = { .who = rq->who };
	long long		 days;
	int64_t			 since;

	if ((days = api_arg_int(rq, rs, "days", STATS_DAYS_DEFAULT,
	    STATS_DAYS_MAX)) == -1)
		return;
	if (days == 0) {
		api_error(rs, 400, "days: 1 to %d", STATS_DAYS_MAX);
		return;
	}
	/* Whole days, today's included. */
	since = ((int64_t)time(NULL) / 86400 - (days - 1)) * 86400;
	s.days = json_array();
	s.totals = stats_bucket(0, "");
	if (s.days == NULL || s.totals == NULL) {
		api_error(rs, 500, "out of memory");
		goto out;
	}
	json_object_del(s.totals, "date");
	json_object_del(s.totals, "profile");
	if (store_stats(rq->srv->store, since, stats_row, &s) == -1) {
		api_error(rs, 503, "store unavailable");
		goto out;
	}
	json_object_set_new(s.totals, "success_rate", stats_rate(s.totals));
	json_object_set_new(s.totals, "auto_approved", json_integer(
	    json_integer_value(json_object_get(s.totals, "issued")) +
	    json_integer_value(json_object_get(s.totals, "renewed"))));
	json_object_set_new(s.totals, "manually_approved", json_integer(
	    json_integer_value(json_object_get(s.totals, "approved"))));
	api_reply(rs, 200, json_pack("{s:I, s:o, s:O, s:O}", "days",
	    (json_int_t)days, "since", api_jtime(since), "by_day", s.days,
	    "totals", s.totals));
 out:
	json_decref(s.days);
	json_decref(s.totals);
}

static const struct api_route api_stats_rows[] = {
	{ "GET", "/stats", API_ROLE_VIEWER, api_stats_get },
};

const struct api_table api_stats_table = {
	api_stats_rows, sizeof(api_stats_rows) / sizeof(api_stats_rows[0])
};
