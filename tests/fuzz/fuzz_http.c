/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_http.c: libFuzzer target for the HTTP front end: the routing of
 * http.c's http_routes[] and http_scep_ops[], the query handling
 * (operation=, message= in base64, RFC 8894 4.1), GET /ocsp/<base64>,
 * the CRL and CA certificate paths and the NDES page, then whatever
 * the route calls (the engine, OCSP).  The real libmicrohttpd daemon
 * of the test server (fuzz.h) is started once with http_start() on a
 * loopback port; each input becomes one request on a new connection,
 * and the harness waits for the whole answer.
 *
 * Input: the first line is "METHOD TARGET" (no space: GET TARGET);
 * then header lines up to an empty line; the rest is the body.  The
 * harness makes it well-formed HTTP/1.1 (a method and header names of
 * token characters, a target starting with '/' with control, space and
 * 8-bit bytes as %XX, header values without control characters, its
 * own Host, Connection: close and Content-Length), so that every input
 * is one complete request that libmicrohttpd hands to http.c, and the
 * time goes to scepd's code, not to timeouts.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz.h"
#include "http.h"
#include "util.h"

#define FZ_REQ_MAX	(512 * 1024)
#define FZ_WAIT_MS	20000		/* the engine runs in the pool */

static struct http	*fz_http;
static int		 fz_port;

static void
fz_stop(void)
{
	http_stop(fz_http);
}

static void
fz_init(void)
{
	struct fz_srv	*fs;

	if (fz_http != NULL)
		return;
	fs = fz_srv();
	fs->http_owned = 1;
	if ((fz_http = http_start(fs->srv, "127.0.0.1:0", &fz_port)) ==
	    NULL || fz_port == 0)
		abort();
	atexit(fz_stop);
}

enum fz_part {
	FZ_TOKEN,	/* method, header name: RFC 9110 tchar only */
	FZ_TARGET,	/* request target: CTL, space and 8-bit as %XX */
	FZ_VALUE,	/* header value: no CTL but HT */
};

/* Append "p" (n bytes) made fit for "part"; 0, or -1 if full. */
static int
fz_add(struct buf *b, const void *p, size_t n, enum fz_part part)
{
	const unsigned char	*s = p;
	char			 hex[4];
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		/* strchr() finds the NUL too: test for it first. */
		if (part == FZ_TOKEN && (s[i] == '\0' || (!isalnum(s[i]) &&
		    strchr("!#$%&'*+-.^_`|~", s[i]) == NULL)))
			continue;
		if (part == FZ_VALUE && (s[i] < 0x20 || s[i] == 0x7f) &&
		    s[i] != '\t')
			continue;
		if (part == FZ_TARGET && (s[i] <= 0x20 || s[i] >= 0x7f)) {
			snprintf(hex, sizeof(hex), "%%%02X", s[i]);
			rc = buf_add(b, hex, 3);
		} else
			rc = buf_add(b, s + i, 1);
	}
	return rc;
}

/* The end of the line starting at "p" (the '\n', or "end"). */
static const uint8_t *
fz_eol(const uint8_t *p, const uint8_t *end)
{
	const uint8_t	*q = memchr(p, '\n', (size_t)(end - p));

	return q != NULL ? q : end;
}

/* Headers the harness sets itself, so that the request stays framed. */
static int
fz_own_header(const uint8_t *p, size_t n)
{
	static const char *const own[] = { "content-length", "connection",
	    "transfer-encoding", "host", "expect" };
	size_t	 i, l;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		l = strlen(own[i]);
		if (n > l && strncasecmp((const char *)p, own[i], l) == 0 &&
		    (p[l] == ':' || p[l] == ' '))
			return 1;
	}
	return 0;
}

/* One header line "p" (n bytes), if it has a name and a colon. */
static int
fz_header(struct buf *b, const uint8_t *p, size_t n)
{
	const uint8_t	*colon = memchr(p, ':', n);
	size_t		 len = b->len;

	if (colon == NULL || fz_own_header(p, n))
		return 0;
	if (fz_add(b, p, (size_t)(colon - p), FZ_TOKEN) == -1)
		return -1;
	if (b->len == len)		/* no name left */
		return 0;
	if (buf_add(b, ":", 1) == -1 || fz_add(b, colon + 1,
	    n - (size_t)(colon + 1 - p), FZ_VALUE) == -1 ||
	    buf_add(b, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* The input as one well-formed request. */
static int
fz_request(const uint8_t *data, size_t size, struct buf *b)
{
	const uint8_t	*end = data + size, *p = data, *eol, *sp, *tgt;
	char		 cl[96];

	eol = fz_eol(p, end);
	tgt = p;
	if ((sp = memchr(p, ' ', (size_t)(eol - p))) != NULL) {
		if (fz_add(b, p, (size_t)(sp - p), FZ_TOKEN) == -1)
			return -1;
		tgt = sp + 1;
	}
	if (b->len == 0 && buf_add(b, "GET", 3) == -1)
		return -1;
	if (buf_add(b, " ", 1) == -1 || (tgt == eol || *tgt != '/' ?
	    buf_add(b, "/", 1) : 0) == -1 ||
	    fz_add(b, tgt, (size_t)(eol - tgt), FZ_TARGET) == -1 ||
	    buf_add(b, " HTTP/1.1\r\n", 11) == -1)
		return -1;
	p = eol < end ? eol + 1 : end;
	while (p < end) {
		eol = fz_eol(p, end);
		if (eol == p || (eol == p + 1 && *p == '\r')) {
			p = eol < end ? eol + 1 : end;
			break;
		}
		if (fz_header(b, p, (size_t)(eol - p)) == -1)
			return -1;
		p = eol < end ? eol + 1 : end;
	}
	snprintf(cl, sizeof(cl), "Host: 127.0.0.1\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n\r\n", (size_t)(end - p));
	if (buf_add(b, cl, strlen(cl)) == -1 ||
	    buf_add(b, p, (size_t)(end - p)) == -1)
		return -1;
	return 0;
}

/*
 * Send the request and read the answer to its end, keeping its first
 * "anssz" bytes; how many were kept.
 */
static size_t
fz_exchange(const struct buf *req, unsigned char *ans, size_t anssz)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	struct linger		 lg = { 1, 0 };
	struct pollfd		 pfd;
	unsigned char		 skip[16384];
	size_t			 off = 0, got = 0;
	ssize_t			 n;
	int			 s;

	sin.sin_port = htons((uint16_t)fz_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		abort();
	/* Reset, not TIME_WAIT: millions of connections would run out. */
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		abort();
	while (off < req->len) {
		if ((n = send(s, req->data + off, req->len - off,
		    MSG_NOSIGNAL)) <= 0)
			break;		/* answered and closed early */
		off += (size_t)n;
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, FZ_WAIT_MS) != 1)
			abort();	/* a request that is never answered */
		if (got < anssz)
			n = recv(s, ans + got, anssz - got, 0);
		else
			n = recv(s, skip, sizeof(skip), 0);
		if (n <= 0)
			break;
		if (got < anssz)
			got += (size_t)n;
	}
	close(s);
	return got;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 req = { .max = FZ_REQ_MAX };
	unsigned char	 ans[4096];
	size_t		 n;

	fz_init();
	fz_srv_tick(fz_srv());
	if (fz_request(data, size, &req) == -1) {
		buf_free(&req);
		return 0;
	}
	n = fz_exchange(&req, ans, sizeof(ans));
	if (getenv("SCEPD_FUZZ_LOG") != NULL)
		fprintf(stderr, "fuzz_http: request:\n%.*s\nanswer:\n%.*s\n",
		    (int)req.len, req.data, (int)n, ans);
	buf_free(&req);
	/* Every complete request gets an answer. */
	if (n < 12 || memcmp(ans, "HTTP/1.", 7) != 0)
		abort();
	return 0;
}
