/*	SPDX-License-Identifier: ISC */
/*
 * http_local.h: what the files of the HTTP front end share.  http.c
 * runs the listeners (each a libmicrohttpd daemon with its own route
 * table, connection guard and optional TLS), the request life cycle,
 * the request log and the SCEP routes; admin.c the admin listener's
 * routes (the API, /metrics, health); metrics.c the counters and the
 * Prometheus text.  Private to src/http/.
 */
#ifndef SCEPD_HTTP_LOCAL_H
#define SCEPD_HTTP_LOCAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <microhttpd.h>

#include "engine.h"
#include "guard.h"
#include "http.h"
#include "ocsp.h"
#include "throttle.h"
#include "tls.h"
#include "util.h"
#include "work.h"

struct metrics;

/* A server and the requests using it; the current one holds one more. */
struct http_srv {
	struct server	*srv;
	int		 refs;		/* under http.mtx */
	int		*pslot;		/* metrics slot of each profile */
	/* its OCSP cache's counts when it stopped being current */
	struct ocsp_cache_stats retired;
};

/*
 * The methods a route takes, as a mask.  HEAD is taken as GET, as it
 * always has been here: libmicrohttpd sends the headers alone.
 */
enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_POST = 1 << 1,
	HTTP_PUT = 1 << 2,
	HTTP_DELETE = 1 << 3,
};

struct http_route;

/* One listening socket: its daemon, routes, limits and TLS. */
struct http_lsn {
	struct http		*h;
	const char		*name;		/* "scep", "admin" */
	struct MHD_Daemon	*d;
	struct guard		*guard;		/* its connections' state */
	const struct http_route	*routes;
	size_t			 nroutes;
	const char		*notfound;	/* the 404's reason */
	int			 methods;	/* mask of all its routes take */
	size_t			 max_body;
	struct tls		*tls;		/* NULL: plain HTTP */
	char			*certpem;	/* what libmicrohttpd was */
	char			*keypem;	/* started with */
	int			 port;
};

struct http {
	pthread_mutex_t		 mtx;
	struct http_srv		*cur;
	atomic_int		 inflight;
	struct work		*work;		/* runs the PKIOperations */
	unsigned int		 timeout;	/* http.timeout, seconds */
	unsigned int		 header_timeout; /* http.header_timeout */
	int			 queue_ms;	/* http.queue_ms, for the log */
	atomic_int		 stopping;	/* PKIOperations run inline */
	struct throttle		 auth;		/* credential failures */
	struct metrics		*m;		/* survives reloads */
	struct http_lsn		 scep;
	struct http_lsn		*admin;		/* NULL: none */
	/* POST /api/v1/reload: what SIGHUP does (http_admin_start()) */
	int			 (*reload)(void *);
	void			*reloadcls;
};

/* A PKIOperation's way through the work pool (http_pkiop()). */
enum http_op {
	HTTP_OP_NONE,
	HTTP_OP_RUNNING,	/* queued or running; connection suspended */
	HTTP_OP_DONE,		/* "eo" holds the answer */
};

/* What a query holds, as http_count_arg() counts it. */
struct http_args {
	int	 nop;		/* "operation" parameters, any case */
	int	 nmsg;		/* "message" parameters */
	int	 nul;		/* a name or value with a NUL byte in it */
};

/* The SCEP operation a request is, for the metrics (-1: none). */
enum http_sop {
	HTTP_SOP_PKIOPERATION,
	HTTP_SOP_GETCACAPS,
	HTTP_SOP_GETCACERT,
	HTTP_SOP_GETNEXTCACERT,
	HTTP_SOP__MAX
};

/*
 * One request.  The first group is set when it begins, the second by
 * its route.  "method" and "url" are libmicrohttpd's, taken again on
 * each call, as their lifetime is not documented; "rest" and an "op"
 * from the query are for the call that set them.  Freed by http_done().
 */
struct http_req {
	struct MHD_Connection	*conn;
	struct guard_conn	*gc;		/* guard.c's, or NULL */
	struct http		*h;
	struct http_lsn		*lsn;		/* the listener it came to */
	struct http_srv		*hs;		/* held until done */
	const struct server	*srv;		/* hs->srv */
	double			 start;		/* now_ms(), for dur_ms */
	char			 peer[64];	/* numeric client address */
	const char		*method;	/* as sent, for the log */
	const char		*url;		/* the path, without query */
	int			 meth;		/* enum http_method bit, or 0 */
	struct buf		 body;

	const char		*op;		/* op= in the log, or "" */
	const char		*rest;		/* what the '*' took */
	size_t			 restlen;	/* its length; NULL rest is 0 */
	const struct server_ca	*sca;		/* the CA the path names */
	const struct server_profile *sp;	/* the profile it names */
	struct http_args	 args;		/* a SCEP path's query */
	int			 sop;		/* enum http_sop, or -1 */

	/* A PKIOperation handed to the work pool, and its answer. */
	struct work_job		 job;
	enum http_op		 pkiop;
	unsigned char		*der;	/* the message: "body" or malloc'd */
	size_t			 dersz;
	struct engine_out	 eo;
};

/*
 * A row of a listener's route table.  "pattern" is a path, or a path
 * with one '*' standing for any run of characters, '/' included.
 * "find" resolves what '*' took to the CA or profile it names (r->sca,
 * r->sp), or returns why not, for the 404.  "why405" may be NULL only
 * in a row that takes every method its listener serves.
 */
struct http_route {
	const char	*pattern;
	const char	*(*find)(struct http_req *);	/* NULL: names none */
	int		 methods;	/* mask of enum http_method */
	const char	*op;		/* op= in the log */
	enum MHD_Result	 (*fn)(struct http_req *);
	const char	*why405;	/* the 405's reason, other methods */
};

/* http.c: answering, for every route file */
void		 http_log(const struct http_req *, int status, size_t bytes,
		    const struct engine_out *);
struct MHD_Response *http_response(const char *ctype, void *body,
		    size_t len, enum MHD_ResponseMemoryMode);
enum MHD_Result	 http_queue(struct http_req *, int status,
		    struct MHD_Response *);
enum MHD_Result	 http_error(struct http_req *, int status,
		    const char *reason);
/*
 * A refusal of the listener itself: "body" (n bytes from asprintf(),
 * taken; n < 0: none was made) of type "ctype", logged with "reason",
 * with header "hdr: val" if hdr is set.
 */
enum MHD_Result	 http_refuse(struct http_req *, int status,
		    const char *ctype, char *body, int n, const char *reason,
		    const char *hdr, const char *val);
enum MHD_Result	 http_ok(struct http_req *, const char *ctype, void *body,
		    size_t len, enum MHD_ResponseMemoryMode);

/* admin.c: the admin listener's routes, and health for both */
extern const struct http_route	admin_routes[];
extern const size_t		admin_nroutes;
enum MHD_Result	 http_healthz(struct http_req *);
enum MHD_Result	 http_readyz(struct http_req *);

/* metrics.c */
struct metrics	*metrics_new(void);
void		 metrics_free(struct metrics *);	/* NULL ok */
/*
 * The counters' slot of each profile of "srv" (by name, so that they
 * survive a reload), into "slot" (srv->nprofiles of them).  Called
 * under http.mtx; 0, or -1 without memory.
 */
int		 metrics_slots(struct metrics *, const struct server *,
		    int *slot);
/* Count one answered request, if it was a SCEP operation. */
void		 metrics_count(struct metrics *, const struct http_req *,
		    int status, const struct engine_out *);
/* The OCSP counts of a server that is no longer in use, kept. */
void		 metrics_ocsp_retired(struct metrics *, uint64_t hits,
		    uint64_t misses);
/* GET /metrics. */
enum MHD_Result	 metrics_serve(struct http_req *);

#endif
