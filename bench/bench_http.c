/*	SPDX-License-Identifier: ISC */
/*
 * bench_http.c: the little HTTP/1.1 (RFC 9112) scepbench needs: one
 * request at a time on a keep-alive connection, answers framed by
 * Content-Length, chunked transfer coding (Go's net/http uses it for
 * larger bodies) or the end of the connection.  Requests are built
 * whole before a timed phase, so the loop only writes and reads.
 * Loopback only: bench_url_parse() refuses every other address, and a
 * connection is bound to a source address only inside 127.0.0.0/8.
 * A 503 is an answer like any other: its Retry-After is kept.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bench.h"

/* The largest answer read: a CertRep or CA chain is a few KiB. */
#define BENCH_HTTP_MAX		(4 * 1024 * 1024)
#define BENCH_HTTP_READ		16384

int
bench_url_parse(const char *url, struct bench_url *u)
{
	char		 host[64];
	const char	*p, *slash;
	unsigned long	 port;
	char		*end;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7) != 0)
		goto bad;
	p = url + 7;
	if ((slash = strchr(p, '/')) == NULL)
		slash = p + strlen(p);
	if ((size_t)(slash - p) >= sizeof(u->host))
		goto bad;
	memcpy(u->host, p, (size_t)(slash - p));
	snprintf(u->path, sizeof(u->path), "%s", *slash ? slash : "/");
	if ((end = strrchr(u->host, ':')) == NULL)
		goto bad;
	port = strtoul(end + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		goto bad;
	snprintf(host, sizeof(host), "%.*s", (int)(strrchr(u->host, ':') -
	    u->host), u->host);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	u->sin.sin_family = AF_INET;
	u->sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &u->sin.sin_addr) != 1)
		goto bad;
	/* 127.0.0.0/8: a benchmark never leaves this machine. */
	if ((ntohl(u->sin.sin_addr.s_addr) >> 24) != 127) {
		warnx("%s: not a loopback address", url);
		return -1;
	}
	return 0;
 bad:
	warnx("%s: want http://127.x.x.x:PORT/PATH", url);
	return -1;
}

char *
bench_http_req(const struct bench_url *u, const char *op,
    const unsigned char *body, size_t bodysz, size_t *len)
{
	char	*head = NULL, *req;
	int	 n;

	if (body == NULL)
		n = asprintf(&head, "GET %s?operation=%s HTTP/1.1\r\n"
		    "Host: %s\r\n\r\n", u->path, op, u->host);
	else
		n = asprintf(&head, "POST %s?operation=%s HTTP/1.1\r\n"
		    "Host: %s\r\nContent-Type: application/x-pki-message\r\n"
		    "Content-Length: %zu\r\n\r\n", u->path, op, u->host,
		    bodysz);
	if (n < 0)
		return NULL;
	if ((req = malloc((size_t)n + bodysz)) != NULL) {
		memcpy(req, head, (size_t)n);
		if (bodysz > 0)
			memcpy(req + n, body, bodysz);
		*len = (size_t)n + bodysz;
	}
	free(head);
	return req;
}

void
bench_conn_init(struct bench_conn *c, const struct bench_url *u)
{
	memset(c, 0, sizeof(*c));
	c->url = u;
	c->fd = -1;
	c->retry_after = -1;
}

void
bench_conn_close(struct bench_conn *c)
{
	struct in_addr src = c->src;

	if (c->fd != -1)
		close(c->fd);
	free(c->buf);
	free(c->body);
	bench_conn_init(c, c->url);
	c->src = src;
}

/* Bind to c->src, if one is set and it is a loopback address. */
static int
bench_conn_bind(struct bench_conn *c)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = c->src };

	if (c->src.s_addr == 0)
		return 0;
	if ((ntohl(c->src.s_addr) >> 24) != 127) {
		warnx("source %s: not a loopback address", inet_ntoa(c->src));
		return -1;
	}
	if (bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		warn("bind %s", inet_ntoa(c->src));
		return -1;
	}
	return 0;
}

static int
bench_conn_open(struct bench_conn *c)
{
	int one = 1;

	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* Header and body go in one write; never wait for an ACK. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bench_conn_bind(c) == -1) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	if (connect(c->fd, (const struct sockaddr *)&c->url->sin,
	    sizeof(c->url->sin)) == -1) {
		warn("connect %s", c->url->host);
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->len = 0;
	return 0;
}

static int
bench_conn_write(struct bench_conn *c, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read more into the buffer: bytes read, 0 at the end, -1 on error. */
static ssize_t
bench_conn_fill(struct bench_conn *c)
{
	unsigned char	*p;
	ssize_t		 r;

	if (c->cap - c->len < BENCH_HTTP_READ) {
		if (c->cap >= BENCH_HTTP_MAX ||
		    (p = realloc(c->buf, c->cap + 4 * BENCH_HTTP_READ)) ==
		    NULL)
			return -1;
		c->buf = p;
		c->cap += 4 * BENCH_HTTP_READ;
	}
	do
		r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (r == -1 && errno == EINTR);
	if (r > 0)
		c->len += (size_t)r;
	return r;
}

/* The value of header "name" in the head "h" (NUL-terminated), or NULL. */
static const char *
bench_header(const char *h, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p = h;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
	}
	return NULL;
}

/*
 * RFC 9112 7.1: decode the chunked body at "p" (n bytes so far) into
 * "out".  The bytes it took once complete, 0 if more must be read, -1
 * if malformed.  Trailers are skipped.
 */
static long
bench_chunked(const unsigned char *p, size_t n, unsigned char *out,
    size_t *outlen)
{
	const unsigned char	*q = p, *end = p + n, *eol;
	unsigned long		 sz;
	char			*e;

	*outlen = 0;
	for (;;) {
		if ((eol = memmem(q, (size_t)(end - q), "\r\n", 2)) == NULL)
			return 0;
		sz = strtoul((const char *)q, &e, 16);
		if ((const unsigned char *)e == q)
			return -1;
		q = eol + 2;
		if (sz == 0)
			break;
		if ((size_t)(end - q) < sz + 2)
			return 0;
		memcpy(out + *outlen, q, sz);
		*outlen += sz;
		q += sz + 2;
	}
	for (;;) {	/* trailer fields, then the empty line */
		if ((eol = memmem(q, (size_t)(end - q), "\r\n", 2)) == NULL)
			return 0;
		if (eol == q)
			return (long)(eol + 2 - p);
		q = eol + 2;
	}
}

/* Whether the head of a complete answer asks us to close. */
static int
bench_head_close(const char *head)
{
	const char *v = bench_header(head, "Connection");

	return v != NULL && strncasecmp(v, "close", 5) == 0;
}

/*
 * Read one answer.  Returns the bytes of buffer it took (head and
 * body), or -1; *body points into the buffer or c->body.
 */
static long
bench_conn_read(struct bench_conn *c, int *status, const unsigned char **body,
    size_t *bodysz, int *closing)
{
	const unsigned char	*eoh;
	const char		*v;
	char			*head;
	size_t			 hlen;
	long			 clen = -1, used;
	int			 chunked = 0;

	/* An empty buffer may have no storage yet: no memmem() on it. */
	while (c->len == 0 ||
	    (eoh = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
		if (bench_conn_fill(c) <= 0)
			return -1;
	hlen = (size_t)(eoh - c->buf) + 4;
	if ((head = strndup((const char *)c->buf, hlen)) == NULL)
		return -1;
	if (sscanf(head, "HTTP/1.%*d %d", status) != 1)
		*status = 0;
	if ((v = bench_header(head, "Content-Length")) != NULL)
		clen = strtol(v, NULL, 10);
	if ((v = bench_header(head, "Transfer-Encoding")) != NULL)
		chunked = strncasecmp(v, "chunked", 7) == 0;
	c->retry_after = -1;
	if ((v = bench_header(head, "Retry-After")) != NULL)
		c->retry_after = (int)strtol(v, NULL, 10);
	*closing = bench_head_close(head) || (clen < 0 && !chunked);
	free(head);
	if (*status == 0 || clen > BENCH_HTTP_MAX)
		return -1;
	if (chunked) {
		if (c->bodycap < BENCH_HTTP_MAX && (c->body = realloc(c->body,
		    c->bodycap = BENCH_HTTP_MAX)) == NULL)
			return -1;
		while ((used = bench_chunked(c->buf + hlen, c->len - hlen,
		    c->body, bodysz)) == 0)
			if (bench_conn_fill(c) <= 0)
				return -1;
		*body = c->body;
		return used < 0 ? -1 : (long)hlen + used;
	}
	if (clen < 0)	/* the body ends with the connection */
		while (bench_conn_fill(c) > 0)
			continue;
	else
		while (c->len - hlen < (size_t)clen)
			if (bench_conn_fill(c) <= 0)
				return -1;
	*body = c->buf + hlen;
	*bodysz = clen < 0 ? c->len - hlen : (size_t)clen;
	return (long)(hlen + *bodysz);
}

int
bench_conn_do(struct bench_conn *c, const char *req, size_t reqsz,
    int *status, const unsigned char **body, size_t *bodysz)
{
	int	closing = 0, fresh;

	/*
	 * One request at a time, so nothing is left over from the last
	 * answer.  A kept-alive connection the server closed meanwhile is
	 * opened again, once.
	 */
	for (;;) {
		c->len = 0;
		if ((fresh = c->fd == -1) && bench_conn_open(c) == -1)
			return -1;
		if (bench_conn_write(c, req, reqsz) == 0 &&
		    bench_conn_read(c, status, body, bodysz, &closing) > 0)
			break;
		close(c->fd);
		c->fd = -1;
		if (fresh) {
			warnx("%s: no answer", c->url->host);
			return -1;
		}
	}
	/* The body stays in the buffer until the next call. */
	if (closing) {
		close(c->fd);
		c->fd = -1;
	}
	return 0;
}

int
bench_free_port(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd, port = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}
