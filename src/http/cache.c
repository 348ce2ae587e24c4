/*	SPDX-License-Identifier: ISC */
/*
 * cache.c: HTTP validators and freshness for OCSP (GET), CRLs and the CA
 * certificate: RFC 5019 6.2, RFC 9111 5.2.2.1 (max-age), 5.3 (Expires),
 * RFC 9110 8.8.2 (Last-Modified), 8.8.3 (ETag), 13.1.2 (If-None-Match).
 * Uses libmicrohttpd and lib/ (SHA-256, hex) only.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "log.h"
#include "util.h"

int
http_cache_init(struct http_cache *c, const void *body, size_t len,
    int64_t last_modified, int64_t expires, int max_age)
{
	unsigned char	 h[32];

	memset(c, 0, sizeof(*c));
	if (sha256(body, len, h) == -1) {
		log_warnx("ETag: SHA-256 failed");
		return -1;
	}
	c->etag[0] = '"';
	hex_encode(h, 16, c->etag + 1);
	c->etag[33] = '"';
	c->etag[34] = '\0';
	c->last_modified = last_modified;
	c->expires = expires;
	c->max_age = max_age;
	return 0;
}

/*
 * One entity-tag of an If-None-Match list, "p" to "end" trimmed: a weak
 * W/ prefix is ignored (13.1.2 uses the weak comparison).
 */
static int
http_cache_tag_is(const char *p, const char *end, const char *etag)
{
	size_t	 n = strlen(etag);

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
		p += 2;
	if (end - p == 1 && *p == '*')
		return 1;
	return (size_t)(end - p) == n && memcmp(p, etag, n) == 0;
}

int
http_cache_fresh(struct MHD_Connection *conn, const struct http_cache *c)
{
	const char	*v, *p, *comma;

	if ((v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH)) == NULL)
		return 0;
	for (p = v; ; p = comma + 1) {
		comma = strchr(p, ',');
		if (http_cache_tag_is(p, comma != NULL ? comma : p + strlen(p),
		    c->etag))
			return 1;
		if (comma == NULL)
			return 0;
	}
}

/* RFC 9110 5.6.7: IMF-fixdate, always in English. */
static void
http_cache_date(int64_t t, char *buf, size_t len)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
http_cache_headers(struct MHD_Response *rsp, const struct http_cache *c)
{
	char		 buf[96];
	int64_t		 age;

	MHD_add_response_header(rsp, MHD_HTTP_HEADER_ETAG, c->etag);
	if (c->expires != 0) {
		/* 5019 6.2: fresh no longer than the nextUpdate. */
		age = c->expires - (int64_t)time(NULL);
		if (age < 0)
			age = 0;
		snprintf(buf, sizeof(buf), "max-age=%lld, public, "
		    "no-transform, must-revalidate", (long long)age);
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    buf);
		http_cache_date(c->expires, buf, sizeof(buf));
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_EXPIRES, buf);
	} else {
		snprintf(buf, sizeof(buf), "max-age=%d, public", c->max_age);
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    buf);
	}
	if (c->last_modified != 0) {
		http_cache_date(c->last_modified, buf, sizeof(buf));
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_LAST_MODIFIED,
		    buf);
	}
}

struct MHD_Response *
http_cache_304(const struct http_cache *c)
{
	struct MHD_Response	*rsp;

	/*
	 * libmicrohttpd 0.9.75 adds "Content-Length: 0" to it (RFC 9110
	 * 8.6 would want none, or the 200's); a second header of our own
	 * would be worse, and no cache reads a 304's length.
	 */
	if ((rsp = MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT)) != NULL)
		http_cache_headers(rsp, c);
	return rsp;
}
