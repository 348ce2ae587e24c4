/*	SPDX-License-Identifier: ISC */
/*
 * cache.h: HTTP caching of what scepd serves unchanged for a while:
 * OCSP answers over GET and CRLs (RFC 5019 6.2: Cache-Control max-age,
 * Expires, Last-Modified, ETag; RFC 9110 13.1.2 If-None-Match -> 304),
 * and the CA certificate (GetCACert, /ca.crt).  Used by http.c only.
 */
#ifndef SCEPD_HTTP_CACHE_H
#define SCEPD_HTTP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#define HTTP_ETAG_LEN	35	/* '"', 32 hex digits, '"', NUL */

/* What to say about one response; times are Unix seconds, 0 = none. */
struct http_cache {
	char	 etag[HTTP_ETAG_LEN];	/* strong, over the body */
	int64_t	 last_modified;		/* Last-Modified */
	int64_t	 expires;		/* Expires; max-age runs to it */
	int	 max_age;		/* used when "expires" is 0 */
};

/*
 * Fill "c" for "body": its ETag (the first 16 bytes of its SHA-256 in
 * hex), and the times given.  0, or -1 (logged) if hashing failed.
 */
int	http_cache_init(struct http_cache *c, const void *body, size_t len,
	    int64_t last_modified, int64_t expires, int max_age);
/* Does the request's If-None-Match name c's ETag (or "*")?  1 or 0. */
int	http_cache_fresh(struct MHD_Connection *, const struct http_cache *);
/* Add ETag, Cache-Control, Expires and Last-Modified to "rsp". */
void	http_cache_headers(struct MHD_Response *, const struct http_cache *);
/* An empty 304 for "c" (RFC 9110 15.4.5); NULL: no memory. */
struct MHD_Response *http_cache_304(const struct http_cache *c);

#endif
