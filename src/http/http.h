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
 * The admin listener (issue #11): the API under /api/v1, /metrics,
 * /healthz and /readyz, on its own address, with the TLS files and
 * client certificate request of the configuration's admin group.
 */
struct http_admin {
	const char	*listen;	/* "host:port"; port 0 picks one */
	/* POST /api/v1/reload: what SIGHUP does; 0 or -1.  May be NULL. */
	int		 (*reload)(void *);
	void		*reloadcls;
};

/*
 * Start the admin listener beside the SCEP one.  Refused (logged) on
 * an address that is not loopback without admin.tls_cert: tokens
 * would cross the network in clear.  *port receives the bound port.
 * 0 or -1.
 */
int		 http_admin_start(struct http *, const struct http_admin *,
		    int *port);
/*
 * Serve "srv" (owned from here on) from now on: requests already
 * running finish with the server they started with, which is freed
 * after the last of them.  The listeners' TLS certificates are read
 * again.  0, or -1 (srv freed, the old one stays).
 */
int		 http_reload(struct http *, struct server *srv);
/* Stop accepting, let requests in flight finish (bounded), stop. */
void		 http_stop(struct http *);

#endif
