/*	SPDX-License-Identifier: ISC */
/*
 * http.h: the libmicrohttpd front end.  Routes SCEP's paths and
 * operations (RFC 8894 4.1), enforces the transport limits, and logs one
 * logfmt line per request.  It sees bytes, never OpenSSL objects.
 */
#ifndef SCEPD_HTTP_H
#define SCEPD_HTTP_H

#include "server.h"

struct http;

/*
 * Listen on "listen" ("host:port", "[v6]:port"; port 0 picks one) and
 * serve "srv" (owned from here on, also on failure) from worker
 * threads.  *port receives the bound port.
 */
struct http	*http_start(struct server *srv, const char *listen,
		    int *port);
/*
 * Serve "srv" (owned from here on) from now on: requests already
 * running finish with the server they started with, which is freed
 * after the last of them.  0, or -1 (srv freed, the old one stays).
 */
int		 http_reload(struct http *, struct server *srv);
/* Stop accepting, let requests in flight finish (bounded), stop. */
void		 http_stop(struct http *);

#endif
