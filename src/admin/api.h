/*	SPDX-License-Identifier: ISC */
/*
 * api.h: the JSON admin API under /api/v1 (issue #11), and who may use
 * it.  http.c authenticates a request with api_auth_bearer() or
 * api_auth_cert(), then hands it to api_handle() and sends what comes
 * back; this layer never sees libmicrohttpd, and http.c never sees
 * jansson.  Every action that changes state is one of admin/action.h's,
 * shared with the CLI, and writes its audit entry.
 */
#ifndef SCEPD_API_H
#define SCEPD_API_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "server.h"

/* What a token (or a mapped client certificate) may do, in order. */
enum api_role {
	API_ROLE_NONE = 0,
	API_ROLE_VIEWER,	/* reads certificates, requests, txns, stats */
	API_ROLE_OPERATOR,	/* also approves, rejects, revokes, mints */
	API_ROLE_AUDITOR,	/* reads the audit log (and what viewer reads) */
	API_ROLE_ADMIN,		/* everything, reload included */
};

#define API_NAME_MAX		63
#define API_PROFILES_MAX	255

/* Who is calling: filled by api_auth_*(). */
struct api_identity {
	char	 name[API_NAME_MAX + 1];	/* token name, or user */
	char	 kind[16];	/* "token", "cert", "user": the audit's actor */
	int	 role;		/* enum api_role */
	/* comma-separated profile names it is limited to; "" is all */
	char	 profiles[API_PROFILES_MAX + 1];
};

enum api_auth {
	API_AUTH_OK = 0,
	API_AUTH_NONE,		/* no credential: 401 */
	API_AUTH_BAD,		/* unknown, expired or revoked: 401 */
	API_AUTH_ERROR = -1,	/* the store failed: 503 */
};

/*
 * The value of an Authorization header ("Bearer <token>"), or NULL.
 * Never logs the token.
 */
enum api_auth	 api_auth_bearer(struct store *, const char *authorization,
		    struct api_identity *);
/*
 * A client certificate's SHA-256 (32 bytes) presented on the admin
 * listener, mapped to the token bound to it (`scepd token create
 * --cert`); API_AUTH_NONE if none is.
 */
enum api_auth	 api_auth_cert(struct store *, const unsigned char *sha256,
		    struct api_identity *);

/* One API call, as http.c hands it over. */
struct api_req {
	const struct server	*srv;
	const char		*method;	/* "GET", "POST", "DELETE" */
	const char		*path;		/* after "/api/v1": "/certificates" */
	/* a query parameter's value (URL-decoded), or NULL */
	const char		*(*arg)(void *argcls, const char *name);
	void			*argcls;
	const unsigned char	*body;		/* may be NULL */
	size_t			 bodysz;
	const struct api_identity *who;
	const char		*peer;		/* numeric client address */
	/* POST /reload: what SIGHUP does; 0 or -1.  NULL: not offered. */
	int			 (*reload)(void *reloadcls);
	void			*reloadcls;
	/*
	 * Every query parameter (URL-decoded), so that a misspelt filter
	 * is refused instead of ignored: calls "cb" with each name and
	 * value until it returns -1, then returns -1 too, else 0.  NULL:
	 * not offered, and unknown parameters go unnoticed.
	 */
	int			 (*args)(void *argcls,
				     int (*cb)(void *, const char *name,
				     const char *value), void *cbarg);
};

/*
 * The answer.  Either "body" (malloc'd, handed to the caller) or, for
 * exports that must not be built in memory, "read": called with the
 * offset so far, it fills at most "max" bytes and returns how many,
 * 0 never, -1 at the end, -2 on an error (the connection is cut); then
 * "done" frees "cls".
 */
struct api_resp {
	int		 status;	/* HTTP status */
	const char	*ctype;		/* "application/json", "text/csv" */
	char		*body;
	size_t		 len;
	ssize_t		 (*read)(void *cls, uint64_t pos, char *buf,
			     size_t max);
	void		 (*done)(void *cls);
	void		*cls;
	char		 filename[64];	/* Content-Disposition, or "" */
};

/*
 * Does "method" "path" (after /api/v1) need no credential?  Only the
 * API's own description, GET /openapi.json, is public: http.c asks
 * before it answers 401, and then calls api_handle() with "who" NULL.
 */
int		 api_public(const char *method, const char *path);

/* Answer one call; never fails (an error is a JSON 4xx/5xx answer). */
void		 api_handle(const struct api_req *, struct api_resp *);

#endif
