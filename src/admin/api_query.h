/*	SPDX-License-Identifier: ISC */
/*
 * api_query.h: what the list endpoints of the admin API share for
 * reading their query string: refusing unknown parameters, the page
 * size, the opaque cursor, times, the caller's profile scope, and
 * JSON values for store fields.  api_query.c implements them; every
 * failure has answered a 400 already when -1 comes back.
 */
#ifndef SCEPD_API_QUERY_H
#define SCEPD_API_QUERY_H

#include <stdint.h>

#include <jansson.h>

#include "api_local.h"
#include "store.h"

#define API_LIMIT_DEFAULT	100
#define API_LIMIT_MAX		STORE_SEARCH_LIMIT_MAX
#define API_CURSOR_LEN		19	/* "c" and 16 hex digits, "" */

/* A query parameter's value, or NULL when absent. */
const char	*api_arg(const struct api_req *, const char *name);
/*
 * 0 if every query parameter is one of "known" (NULL-ended), else -1
 * and a 400 naming the first that is not.
 */
int		 api_args_known(const struct api_req *, struct api_resp *,
		    const char *const *known);
/* "limit": API_LIMIT_DEFAULT when absent, 1 .. API_LIMIT_MAX. */
int		 api_arg_limit(const struct api_req *, struct api_resp *,
		    int *limit);
/*
 * "cursor": the store key a page starts after, 0 when absent; a value
 * that api_cursor_put() did not make is a 400.
 */
int		 api_arg_cursor(const struct api_req *, struct api_resp *,
		    int64_t *key);
/* The cursor text of "key" into "out" (API_CURSOR_LEN bytes). */
void		 api_cursor_put(int64_t key, char *out);
/* JSON of a page's cursor: the text, or null when there is no next. */
json_t		*api_cursor_json(int64_t next);
/*
 * Time parameter "name": Unix seconds, RFC 3339 UTC
 * ("2026-01-31T12:00:00Z") or a date ("2026-01-31", its midnight
 * UTC).  *t is 0 when absent.
 */
int		 api_arg_time(const struct api_req *, struct api_resp *,
		    const char *name, int64_t *t);

/*
 * The profiles a list may show "who": those its token is limited to,
 * narrowed to "want" if the call names one.  "empty" is set when
 * nothing may be shown (a profile outside the token's scope): the
 * answer is then an empty page, never a 403, so that a token cannot
 * learn which profiles exist.
 */
struct api_scope {
	const char	*profiles[STORE_SEARCH_PROFILES];
	size_t		 n;		/* 0: every profile */
	int		 empty;
	char		 buf[API_PROFILES_MAX + 1];
};
int		 api_scope_get(const struct api_req *, struct api_resp *,
		    const char *want, struct api_scope *);

/* A JSON string of any bytes (invalid UTF-8 and controls become '?'). */
json_t		*api_jstr(const char *);
/* RFC 3339 UTC of Unix seconds, or null for 0. */
json_t		*api_jtime(int64_t);
/* The same into "out" (21 bytes), "" for 0. */
void		 api_time_str(int64_t, char *out, size_t sz);
/*
 * A decoded certificate or request (lib/x509_desc.h) as JSON: subject,
 * sans, key, signature_algorithm, extensions, fingerprints.
 * api_cert.c.
 */
struct x509_desc;
json_t		*api_desc_json(const struct x509_desc *);
/* "valid", "revoked" or "expired" at "now". */
const char	*api_cert_state(const struct store_cert *, int64_t now);

/*
 * api_rows.c: query parameter "name" as text of at most "max" bytes
 * (NULL if absent); -1 and a 400 if longer.
 */
int		 api_arg_text(const struct api_req *, struct api_resp *,
		    const char *name, size_t max, const char **out);
/* JSON of the store's records (api_rows.c). */
json_t		*api_audit_json(const struct store_audit *);
json_t		*api_txlog_json(const struct store_txlog *);
/* {"items": items, "next": cursor or null} (items stolen; api_rows.c). */
json_t		*api_page(json_t *items, int64_t next);

#endif
