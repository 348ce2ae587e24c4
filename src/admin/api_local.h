/*	SPDX-License-Identifier: ISC */
/*
 * api_local.h: what the endpoint files of the admin API share.  Each
 * file (api_cert.c, api_request.c, ...) owns one resource and exports
 * its rows as a struct api_table, which api.c's list names.  api.c
 * matches the path, checks the role and parses the JSON body before a
 * handler runs, so handlers start from checked input.
 */
#ifndef SCEPD_API_LOCAL_H
#define SCEPD_API_LOCAL_H

#include <jansson.h>

#include "api.h"

/* Path parameters: what each '*' of a route's pattern took, up to 2. */
struct api_match {
	char	 part[2][256];	/* URL-decoded by libmicrohttpd already */
	int	 nparts;
};

/*
 * A route.  "pattern" is a path after /api/v1 where '*' takes one
 * segment (no '/'), e.g. "/requests/ * /approve" without the spaces.
 * "role" is the least role that may call it (admin may call all;
 * auditor only rows that say API_ROLE_AUDITOR or API_ROLE_VIEWER);
 * API_ROLE_NONE is public: no credential needed (api_public()).
 * A POST/PUT row gets "body": the request's JSON object (NULL for
 * GET/DELETE); handlers own nothing of it.
 */
struct api_route {
	const char	*method;
	const char	*pattern;
	int		 role;		/* enum api_role */
	void		 (*fn)(const struct api_req *, struct api_resp *,
			     const struct api_match *, json_t *body);
};

struct api_table {
	const struct api_route	*rows;
	size_t			 nrows;
};

/* The endpoint files' tables, which api.c's api_tables[] lists. */
extern const struct api_table api_cert_table;		/* api_cert.c */
extern const struct api_table api_request_table;	/* api_request.c */
extern const struct api_table api_profile_table;	/* api_profile.c */
extern const struct api_table api_openapi_table;	/* api_openapi.c */
extern const struct api_table api_action_table;	/* api_action.c */
extern const struct api_table api_txn_table;		/* api_txn.c */
extern const struct api_table api_audit_table;	/* api_audit.c */
extern const struct api_table api_stats_table;	/* api_stats.c */
extern const struct api_table api_token_table;	/* api_token.c */

/*
 * Call "cb" with every route of every table, in the order they are
 * tried, until it returns -1 (then -1).  For the test that keeps
 * docs/openapi.json complete, and the fuzzer.
 */
int	 api_route_each(int (*cb)(const struct api_route *, void *),
	    void *arg);

/* Answer "j" (stolen, may be NULL: then 500) with "status". */
void	 api_reply(struct api_resp *, int status, json_t *j);
/* Answer {"error": "..."} with "status" (a 4xx or 5xx). */
void	 api_error(struct api_resp *, int status, const char *fmt, ...)
	    __attribute__((__format__(printf, 3, 4)));
/*
 * May "who" see or act on profile "profile"?  A token limited to
 * profiles (its "profiles" list) sees those alone.
 */
int	 api_profile_allowed(const struct api_identity *, const char *profile);
/*
 * The query parameter "name" as a non-negative integer within
 * [0, max], or "def" when absent; -1 (and a 400 answered) if malformed.
 */
long long api_arg_int(const struct api_req *, struct api_resp *,
	    const char *name, long long def, long long max);
/*
 * Check that object "body" holds only the keys listed (NULL-ended); -1
 * and a 400 naming the first unknown key otherwise.
 */
int	 api_body_keys(struct api_resp *, json_t *body, const char *const *keys);

#endif
