/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_api.c: libFuzzer target for the admin API (issue #11): method,
 * path, query string and JSON body straight into api_handle(), over the
 * test server of fuzz.h (a small SQLite store holding two issued
 * certificates and a one-time challenge), as one of four callers: an
 * admin, a viewer, an operator limited to profile "static", and no one
 * (the public openapi.json).  Streamed answers (the exports) are read
 * to their end.  Every route of every api_table is reachable from any
 * input, including the rows other files add later: the harness can
 * take a route's own pattern from api_route_each() and fill its '*'
 * segments, so junk reaches the handlers and not only the 404.
 *
 * Input: byte 0 selects: bits 0-2 the method (GET POST DELETE PUT
 * PATCH, 5-7 the route's own), bits 3-4 the caller, bit 5 the path
 * from a route (then byte 1 picks the route, and the first line fills
 * each '*') rather than the first line itself.  Then lines: path (or
 * segment), query string ("a=b&c=%41", URL-decoded here as
 * libmicrohttpd would), and the rest is the body.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_local.h"
#include "fuzz.h"

#define FZ_API_ARGS	32
#define FZ_API_DRAIN	(8 * 1024 * 1024)	/* of a streamed answer */

struct fz_args {
	char	*name[FZ_API_ARGS];
	char	*value[FZ_API_ARGS];
	int	 n;
};

static int
fz_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* URL-decode [p, p + n) into a new string; NUL bytes stop it. */
static char *
fz_decode(const char *p, size_t n)
{
	char	*s, *q;
	size_t	 i;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	for (i = 0, q = s; i < n; i++) {
		if (p[i] == '+')
			*q++ = ' ';
		else if (p[i] == '%' && i + 2 < n && fz_hex(p[i + 1]) >= 0 &&
		    fz_hex(p[i + 2]) >= 0) {
			*q = (char)(fz_hex(p[i + 1]) << 4 | fz_hex(p[i + 2]));
			if (*q == '\0')
				break;
			q++;
			i += 2;
		} else
			*q++ = p[i];
	}
	*q = '\0';
	return s;
}

static void
fz_args_parse(struct fz_args *a, const char *qs, size_t n)
{
	const char	*p = qs, *end = qs + n, *amp, *eq;

	memset(a, 0, sizeof(*a));
	while (p < end && a->n < FZ_API_ARGS) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		a->name[a->n] = fz_decode(p, (size_t)(eq - p));
		a->value[a->n] = eq < amp ? fz_decode(eq + 1,
		    (size_t)(amp - eq - 1)) : fz_decode("", 0);
		a->n++;
		p = amp + 1;
	}
}

static void
fz_args_free(struct fz_args *a)
{
	int i;

	for (i = 0; i < a->n; i++) {
		free(a->name[i]);
		free(a->value[i]);
	}
}

static const char *
fz_arg(void *cls, const char *name)
{
	struct fz_args	*a = cls;
	int		 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->name[i], name) == 0)
			return a->value[i];
	return NULL;
}

static int
fz_args_each(void *cls, int (*cb)(void *, const char *, const char *),
    void *arg)
{
	struct fz_args	*a = cls;
	int		 i;

	for (i = 0; i < a->n; i++)
		if (cb(arg, a->name[i], a->value[i]) == -1)
			return -1;
	return 0;
}

struct fz_pick {
	size_t			 want, at;
	const struct api_route	*r;
};

static int
fz_pick_cb(const struct api_route *r, void *arg)
{
	struct fz_pick *pk = arg;

	if (pk->at++ == pk->want) {
		pk->r = r;
		return -1;
	}
	return 0;
}

/* Route number "want" (modulo how many there are). */
static const struct api_route *
fz_route(unsigned int want)
{
	struct fz_pick pk = { 0, 0, NULL };

	api_route_each(fz_pick_cb, &pk);
	if (pk.at == 0)
		return NULL;
	pk.want = want % pk.at;
	pk.at = 0;
	api_route_each(fz_pick_cb, &pk);
	return pk.r;
}

/* "pattern" with each '*' replaced by "seg" (no '/' in it). */
static char *
fz_fill(const char *pattern, const char *seg)
{
	char	*s, *q;
	size_t	 n = strlen(pattern) + 2 * strlen(seg) + 2, i;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	for (q = s; *pattern != '\0'; pattern++) {
		if (*pattern != '*') {
			*q++ = *pattern;
			continue;
		}
		for (i = 0; seg[i] != '\0'; i++)
			*q++ = seg[i] == '/' ? '_' : seg[i];
		if (seg[0] == '\0')
			*q++ = '1';
	}
	*q = '\0';
	return s;
}

static const struct api_identity fz_admin = { "fuzz-admin", "token",
    API_ROLE_ADMIN, "" };
static const struct api_identity fz_viewer = { "fuzz-viewer", "token",
    API_ROLE_VIEWER, "" };
static const struct api_identity fz_scoped = { "fuzz-mdm", "token",
    API_ROLE_OPERATOR, "static,nosuch" };

static const struct api_identity *
fz_who(unsigned int sel)
{
	switch (sel & 3) {
	case 0:
		return &fz_admin;
	case 1:
		return &fz_viewer;
	case 2:
		return &fz_scoped;
	}
	return NULL;
}

static void
fz_drain(struct api_resp *rs)
{
	char		buf[4096];
	uint64_t	pos = 0;
	ssize_t		n;

	while (pos < FZ_API_DRAIN &&
	    (n = rs->read(rs->cls, pos, buf, sizeof(buf))) >= 0) {
		if (n == 0 || (size_t)n > sizeof(buf))
			abort();	/* the contract: never 0, never more */
		pos += (uint64_t)n;
	}
	rs->done(rs->cls);
}

/* The next '\n'-ended line of [*p, end), as a new string. */
static char *
fz_line(const char **p, const char *end)
{
	const char	*nl;
	char		*s;

	if ((nl = memchr(*p, '\n', (size_t)(end - *p))) == NULL)
		nl = end;
	if ((s = strndup(*p, (size_t)(nl - *p))) == NULL)
		abort();
	*p = nl < end ? nl + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "DELETE",
	    "PUT", "PATCH" };
	struct fz_srv		*fs = fz_srv();
	const struct api_route	*r = NULL;
	struct api_req		 rq;
	struct api_resp		 rs;
	struct fz_args		 args;
	const char		*p = (const char *)data, *end = p + size;
	char			*line, *qs, *path;
	unsigned int		 sel, pick = 0;

	if (size < 2)
		return 0;
	sel = data[0];
	pick = data[1];
	p += 2;
	line = fz_line(&p, end);
	qs = fz_line(&p, end);
	if ((sel & 0x20) && (r = fz_route(pick)) != NULL)
		path = fz_fill(r->pattern, line);
	else if ((path = strdup(line)) == NULL)
		abort();
	fz_args_parse(&args, qs, strlen(qs));
	memset(&rq, 0, sizeof(rq));
	rq.srv = fs->srv;
	rq.method = (sel & 7) < 5 || r == NULL ? methods[(sel & 7) % 5] :
	    r->method;
	rq.path = path;
	rq.arg = fz_arg;
	rq.args = fz_args_each;
	rq.argcls = &args;
	rq.body = (const unsigned char *)p;
	rq.bodysz = (size_t)(end - p);
	rq.who = fz_who(sel >> 3);
	rq.peer = "192.0.2.1";
	(void)api_public(rq.method, rq.path);
	api_handle(&rq, &rs);
	if (rs.status < 200 || rs.status > 599 || (rs.read == NULL &&
	    rs.body == NULL))
		abort();
	if (rs.read != NULL)
		fz_drain(&rs);
	free(rs.body);
	fz_args_free(&args);
	free(path);
	free(qs);
	free(line);
	fz_srv_tick(fs);
	return 0;
}
