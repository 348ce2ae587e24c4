/*	SPDX-License-Identifier: ISC */
/*
 * api_query.c: the query-string helpers of api_query.h, shared by the
 * admin API's list endpoints (api_cert.c, api_request.c, ...).  A
 * parameter that is there but wrong is always a 400 naming it: a
 * filter silently dropped would answer a different question.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_local.h"
#include "api_query.h"

const char *
api_arg(const struct api_req *rq, const char *name)
{
	if (rq->arg == NULL)
		return NULL;
	return rq->arg(rq->argcls, name);
}

struct api_known {
	const char *const	*known;
	char			 bad[65];
};

static int
api_known_cb(void *arg, const char *name, const char *value)
{
	struct api_known	*k = arg;
	size_t			 i;

	for (i = 0; k->known[i] != NULL; i++)
		if (strcmp(k->known[i], name) == 0)
			return 0;
	snprintf(k->bad, sizeof(k->bad), "%s", name);
	return -1;
}

int
api_args_known(const struct api_req *rq, struct api_resp *rs,
    const char *const *known)
{
	struct api_known	k = { known, "" };
	size_t			i;

	if (rq->args == NULL || rq->args(rq->argcls, api_known_cb, &k) == 0)
		return 0;
	/* Say it without bytes a JSON string cannot hold. */
	for (i = 0; k.bad[i] != '\0'; i++)
		if (!isprint((unsigned char)k.bad[i]))
			k.bad[i] = '?';
	api_error(rs, 400, "unknown query parameter \"%s\"", k.bad);
	return -1;
}

int
api_arg_limit(const struct api_req *rq, struct api_resp *rs, int *limit)
{
	long long n;

	if ((n = api_arg_int(rq, rs, "limit", API_LIMIT_DEFAULT,
	    API_LIMIT_MAX)) == -1)
		return -1;
	if (n == 0) {
		api_error(rs, 400, "limit: an integer from 1 to %d",
		    API_LIMIT_MAX);
		return -1;
	}
	*limit = (int)n;
	return 0;
}

void
api_cursor_put(int64_t key, char *out)
{
	snprintf(out, API_CURSOR_LEN, "c%016llx", (unsigned long long)key);
}

json_t *
api_cursor_json(int64_t next)
{
	char c[API_CURSOR_LEN];

	if (next <= 0)
		return json_null();
	api_cursor_put(next, c);
	return json_string(c);
}

int
api_arg_cursor(const struct api_req *rq, struct api_resp *rs, int64_t *key)
{
	const char		*v = api_arg(rq, "cursor");
	unsigned long long	 n = 0;
	size_t			 i;

	*key = 0;
	if (v == NULL)
		return 0;
	if (strlen(v) != API_CURSOR_LEN - 2 || v[0] != 'c')
		goto bad;
	for (i = 1; v[i] != '\0'; i++) {
		if (!isxdigit((unsigned char)v[i]) ||
		    isupper((unsigned char)v[i]))
			goto bad;
		n = n << 4 | (unsigned long long)(isdigit((unsigned char)v[i]) ?
		    v[i] - '0' : v[i] - 'a' + 10);
	}
	if (n == 0 || n > INT64_MAX)
		goto bad;
	*key = (int64_t)n;
	return 0;
 bad:
	api_error(rs, 400, "cursor: not one this API gave out");
	return -1;
}

int
api_arg_time(const struct api_req *rq, struct api_resp *rs, const char *name,
    int64_t *t)
{
	const char	*v = api_arg(rq, name), *end;
	struct tm	 tm;
	char		*e;
	long long	 n;

	*t = 0;
	if (v == NULL)
		return 0;
	if (*v >= '0' && *v <= '9' && strchr(v, '-') == NULL) {
		n = strtoll(v, &e, 10);
		if (*e == '\0' && n > 0 && n < 253402300800LL) {
			*t = n;
			return 0;
		}
	} else {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL) {
			memset(&tm, 0, sizeof(tm));
			end = strptime(v, "%Y-%m-%d", &tm);
		}
		if (end != NULL && *end == '\0' && tm.tm_year >= 70 &&
		    tm.tm_year < 8100) {
			*t = (int64_t)timegm(&tm);
			return 0;
		}
	}
	api_error(rs, 400, "%s: Unix seconds, YYYY-MM-DD or "
	    "YYYY-MM-DDTHH:MM:SSZ", name);
	return -1;
}

int
api_scope_get(const struct api_req *rq, struct api_resp *rs, const char *want,
    struct api_scope *sc)
{
	char *p, *comma;

	memset(sc, 0, sizeof(*sc));
	if (want != NULL && *want != '\0') {
		sc->empty = !api_profile_allowed(rq->who, want);
		sc->profiles[sc->n++] = want;
		return 0;
	}
	if (rq->who == NULL || rq->who->profiles[0] == '\0')
		return 0;
	snprintf(sc->buf, sizeof(sc->buf), "%s", rq->who->profiles);
	for (p = sc->buf; p != NULL && *p != '\0'; p = comma) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma++ = '\0';
		if (sc->n == STORE_SEARCH_PROFILES) {
			api_error(rs, 500, "this token names more than %d "
			    "profiles", STORE_SEARCH_PROFILES);
			return -1;
		}
		if (*p != '\0')
			sc->profiles[sc->n++] = p;
	}
	/* A token limited to a list that names none sees nothing. */
	sc->empty = sc->n == 0;
	return 0;
}

json_t *
api_jstr(const char *s)
{
	json_t	*j;
	char	*copy;
	size_t	 i;

	if (s == NULL)
		return json_null();
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20)
			break;
	if (s[i] == '\0' && (j = json_string(s)) != NULL)
		return j;
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] < 0x20 ||
		    (unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

void
api_time_str(int64_t t, char *out, size_t sz)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, sz, "%s", "");
		return;
	}
	strftime(out, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *
api_jtime(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	api_time_str(t, buf, sizeof(buf));
	return json_string(buf);
}

const char *
api_cert_state(const struct store_cert *c, int64_t now)
{
	if (c->status == STORE_CERT_REVOKED)
		return "revoked";
	return c->not_after <= now ? "expired" : "valid";
}
