/*	SPDX-License-Identifier: ISC */
/*
 * api.c: the /api/v1 dispatcher.  Finds the route of a call among the
 * endpoint files' tables, checks the caller's role, parses a JSON body,
 * and runs the handler; also the helpers those handlers share
 * (api_local.h).  Unknown paths are 404, other methods 405, a role too
 * small 403, a body that is not one JSON object 400.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_local.h"
#include "api_query.h"

/*
 * Every endpoint file's table.  A new resource adds its file and one
 * row here.
 */
static const struct api_table *const api_tables[] = {
	&api_action_table,
	&api_txn_table,
	&api_audit_table,
	&api_stats_table,
	&api_token_table,
	&api_cert_table,
	&api_request_table,
	&api_profile_table,
	&api_openapi_table,
};

void
api_reply(struct api_resp *rs, int status, json_t *j)
{
	free(rs->body);
	rs->body = NULL;
	rs->len = 0;
	rs->ctype = "application/json";
	rs->status = status;
	if (j != NULL)
		rs->body = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (rs->body == NULL) {
		rs->status = 500;
		if ((rs->body = strdup("{\"error\":\"out of memory\"}")) ==
		    NULL)
			return;
	}
	rs->len = strlen(rs->body);
}

void
api_error(struct api_resp *rs, int status, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_reply(rs, status, json_pack("{s:s}", "error", msg));
	if (rs->status != 500)
		rs->status = status;
}

int
api_profile_allowed(const struct api_identity *who, const char *profile)
{
	const char	*p = who->profiles, *e;
	size_t		 n = strlen(profile);

	if (*p == '\0')
		return 1;
	while (*p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && strncmp(p, profile, n) == 0)
			return 1;
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}

long long
api_arg_int(const struct api_req *rq, struct api_resp *rs, const char *name,
    long long def, long long max)
{
	const char	*v;
	char		*end;
	long long	 n;

	if (rq->arg == NULL || (v = rq->arg(rq->argcls, name)) == NULL)
		return def;
	n = strtoll(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || n < 0 || n > max) {
		api_error(rs, 400, "%s: an integer from 0 to %lld", name, max);
		return -1;
	}
	return n;
}

int
api_body_keys(struct api_resp *rs, json_t *body, const char *const *keys)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(body, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL) {
			api_error(rs, 400, "unknown field \"%.64s\"", k);
			return -1;
		}
	}
	return 0;
}

int
api_route_each(int (*cb)(const struct api_route *, void *), void *arg)
{
	size_t t, i;

	for (t = 0; t < sizeof(api_tables) / sizeof(api_tables[0]); t++)
		for (i = 0; api_tables[t] != NULL && i < api_tables[t]->nrows;
		    i++)
			if (cb(&api_tables[t]->rows[i], arg) == -1)
				return -1;
	return 0;
}

/* Does "path" fit "pattern"?  Fills "m" with what each '*' took. */
static int
api_match(const char *pattern, const char *path, struct api_match *m)
{
	size_t n;

	memset(m, 0, sizeof(*m));
	while (*pattern != '\0') {
		if (*pattern != '*') {
			if (*pattern++ != *path++)
				return 0;
			continue;
		}
		pattern++;
		n = strcspn(path, "/");
		if (n == 0 || n >= sizeof(m->part[0]) ||
		    m->nparts == (int)(sizeof(m->part) / sizeof(m->part[0])))
			return 0;
		memcpy(m->part[m->nparts++], path, n);
		path += n;
	}
	return *path == '\0';
}

/* The admin does everything; the others what their row names. */
static int
api_role_may(int have, int need)
{
	if (need == API_ROLE_NONE)
		return 1;
	if (have == API_ROLE_ADMIN)
		return 1;
	if (need == API_ROLE_VIEWER)
		return have >= API_ROLE_VIEWER;
	return have == need;
}

static const struct api_route *
api_find(const struct api_req *rq, struct api_match *m, int *pathfound)
{
	const struct api_route	*r;
	size_t			 t, i;

	*pathfound = 0;
	for (t = 0; t < sizeof(api_tables) / sizeof(api_tables[0]); t++) {
		if (api_tables[t] == NULL)
			continue;
		for (i = 0; i < api_tables[t]->nrows; i++) {
			r = &api_tables[t]->rows[i];
			if (!api_match(r->pattern, rq->path, m))
				continue;
			*pathfound = 1;
			if (strcmp(r->method, rq->method) == 0)
				return r;
		}
	}
	return NULL;
}

int
api_public(const char *method, const char *path)
{
	const struct api_route	*r;
	struct api_match	 m;
	struct api_req		 rq = { .method = method, .path = path };
	int			 pathfound;

	return (r = api_find(&rq, &m, &pathfound)) != NULL &&
	    r->role == API_ROLE_NONE;
}

/* The body of a POST or PUT: one JSON object, or a 400. */
static json_t *
api_body(const struct api_req *rq, struct api_resp *rs)
{
	json_error_t	 err;
	json_t		*j;

	if (rq->bodysz == 0)
		return json_object();
	j = json_loadb((const char *)rq->body, rq->bodysz,
	    JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		api_error(rs, 400, "body is not JSON: %s at offset %d",
		    err.text, err.position);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_error(rs, 400, "body must be a JSON object");
		return NULL;
	}
	return j;
}

void
api_handle(const struct api_req *rq, struct api_resp *rs)
{
	const struct api_route	*r;
	struct api_match	 m;
	json_t			*body = NULL;
	int			 pathfound;

	memset(rs, 0, sizeof(*rs));
	if ((r = api_find(rq, &m, &pathfound)) == NULL) {
		if (pathfound)
			api_error(rs, 405, "%s is not allowed here",
			    rq->method);
		else
			api_error(rs, 404, "no such API endpoint");
		return;
	}
	if (r->role != API_ROLE_NONE && (rq->who == NULL ||
	    !api_role_may(rq->who->role, r->role))) {
		api_error(rs, 403, "this token's role may not do that");
		return;
	}
	if (strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0)
		if ((body = api_body(rq, rs)) == NULL)
			return;
	r->fn(rq, rs, &m, body);
	json_decref(body);
}
