/*	SPDX-License-Identifier: ISC */
/*
 * guard.h: the connections libmicrohttpd holds, each in the state of
 * its current request, so that no address and no slow client holds
 * what the others need (issue #15).  A state's deadline runs from when
 * the connection entered it; a connection past it, or an idle one when
 * the connections near their limit, is shut down (shutdown(2)), which
 * libmicrohttpd sees as the peer closing and cleans up in its own
 * thread.  Plain C: http.c feeds it from libmicrohttpd's callbacks.
 */
#ifndef SCEPD_GUARD_H
#define SCEPD_GUARD_H

enum guard_state {
	GUARD_HEADERS,		/* accepted; the request's headers not in */
	GUARD_BODY,		/* headers in, its body being read */
	GUARD_BUSY,		/* being answered: queued, running, sending */
	GUARD_IDLE,		/* kept alive between two requests */
	GUARD_CLOSING,		/* shut down here, not yet closed */
	GUARD__MAX
};

/* What guard_start() enforces; every time is in milliseconds. */
struct guard_limits {
	int	 header_ms;	/* GUARD_HEADERS, counted from accept */
	int	 body_ms;	/* GUARD_BODY, from the headers */
	int	 idle_ms;	/* GUARD_IDLE, from the previous answer */
	int	 max_conns;	/* libmicrohttpd's connection limit */
};

struct guard;
struct guard_conn;

/* guard.c: a thread that enforces "lim"; NULL (logged) on failure. */
struct guard	*guard_start(const struct guard_limits *lim);
/* Stop the thread and free everything; every connection is closed. */
void		 guard_stop(struct guard *);
/*
 * A connection was accepted on "fd" (GUARD_HEADERS).  Near the limit,
 * the longest idle connection is shut down to make room.  NULL if
 * there is no memory: the connection is then not tracked, and every
 * guard_*() call takes NULL for it.
 */
struct guard_conn *guard_open(struct guard *, int fd);
/*
 * A request's headers are in (GUARD_BODY).  1 if it is the
 * connection's first request (or the connection is not tracked), else 0.
 */
int		 guard_request(struct guard *, struct guard_conn *);
/* GUARD_BUSY or GUARD_IDLE; a connection being shut down stays so. */
void		 guard_set(struct guard *, struct guard_conn *,
		    enum guard_state);
/* libmicrohttpd is closing it: forget and free it, before its close(2). */
void		 guard_close(struct guard *, struct guard_conn *);
/* Connections tracked now, and (into by_state) how many in each state. */
int		 guard_count(struct guard *, int by_state[GUARD__MAX]);

#endif
