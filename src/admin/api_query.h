/*	SPDX-License-Identifier: ISC */
/*
 * api_query.h: what the admin layer's list endpoints share (api_txn.c,
 * api_audit.c, api_action.c, api_stats.c, api_token.c): times in and
 * out, the keyset cursor, JSON of the store's records.  Every reader
 * of a query parameter answers a 400 itself and returns -1 on bad
 * input, so a handler only stops.
 */
#ifndef SCEPD_API_QUERY_H
#define SCEPD_API_QUERY_H

#include <stdint.h>

#include "api_local.h"
#include "store.h"

/* The most rows one page holds, and the default. */
#define API_PAGE_MAX		1000
#define API_PAGE_DEFAULT	100

/*
 * Query parameter "name" as a time: Unix seconds, or ISO 8601 UTC
 * ("2026-12-01", "2026-12-01T10:00:00Z").  0 if absent.
 */
int	 api_arg_time(const struct api_req *, struct api_resp *,
	    const char *name, int64_t *out);
/* "cursor": a positive id from an earlier page's "next_cursor"; 0 none. */
int	 api_arg_cursor(const struct api_req *, struct api_resp *,
	    int64_t *out);
/* "limit": 1..API_PAGE_MAX, default API_PAGE_DEFAULT. */
int	 api_arg_limit(const struct api_req *, struct api_resp *, int *out);
/*
 * Query parameter "name" as text of at most "max" bytes (NULL if
 * absent); -1 and a 400 if longer.
 */
int	 api_arg_text(const struct api_req *, struct api_resp *,
	    const char *name, size_t max, const char **out);
json_t	*api_time_json(int64_t);	/* ISO 8601 UTC string, or null */

/* The route tables of the admin layer's endpoint files, for api.c. */
extern const struct api_table api_action_table;	/* api_action.c */
extern const struct api_table api_txn_table;		/* api_txn.c */
extern const struct api_table api_audit_table;	/* api_audit.c */
extern const struct api_table api_stats_table;	/* api_stats.c */
extern const struct api_table api_token_table;	/* api_token.c */

/* JSON of the store's records. */
json_t	*api_audit_json(const struct store_audit *);
json_t	*api_txlog_json(const struct store_txlog *);
/* {"items": items, "next_cursor": "<id>" or null} (items stolen). */
json_t	*api_page(json_t *items, int64_t next);

#endif
