/*	SPDX-License-Identifier: ISC */
/*
 * http.c: libmicrohttpd front end (RFC 8894 4, checklist section 2).
 * Paths /scep (the default profile), /scep/<profile>[/anything],
 * /scep/pkiclient.exe, /cgi-bin/pkiclient.exe and NDES's
 * /certsrv/mscep/mscep.dll; operations by case-insensitive name; GET
 * and POST PKIOperation; 400/404/405/413/414/429/503 with a one-line text
 * reason.  Beside SCEP: /crl[/<ca>], /ca.crt, /ca/<ca>.crt, /ocsp, and
 * the NDES-style one-time challenge page.  Paths and operations are
 * rows of two tables, http_routes[] and http_scep_ops[].
 *
 * Uses engine.c for PKIOperation, run in the work pool (work.c), and
 * the server's pre-encoded bodies for the rest; never includes OpenSSL.
 * Each request holds a reference to the server it started with, so a
 * reload (SIGHUP) swaps it without dropping any.  Connections are
 * tracked by guard.c from accept to close (issue #15: deadlines,
 * room at the limit); a PKIOperation the pool has no room for is
 * answered 503 at once.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cache.h"
#include "challenge.h"
#include "http_local.h"
#include "crl.h"
#include "log.h"
#include "pki.h"

/* Big enough for a 16 KiB+ GET URI (checklist HTTP-11). */
#define HTTP_CONN_MEMORY	(96 * 1024)
/* How long http_stop() waits for requests in flight. */
#define HTTP_DRAIN_MS		10000
/*
 * Query parameters a request may have.  SCEP needs two; each costs
 * libmicrohttpd a record in the connection's memory, and with 1,500 it
 * runs out (see http_uri()).  Past this, the query is replaced by
 * HTTP_ARGS_TOOMANY alone and the request gets 414.
 */
#define HTTP_MAX_ARGS		64
#define HTTP_ARGS_TOOMANY	"scepd-too-many-parameters"
_Static_assert(sizeof(HTTP_ARGS_TOOMANY) < HTTP_MAX_ARGS,
    "the marker must fit in the query it replaces");

/* The Allow header of a 405, by the mask of the methods allowed. */
static const char *const http_allow[] = {
	[HTTP_GET] = "GET",
	[HTTP_POST] = "POST",
	[HTTP_GET | HTTP_POST] = "GET, POST",
	[HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_DELETE] =
	    "GET, POST, PUT, DELETE",
};

static void	http_tls_reload(struct http *, const struct conf *);

/* Any admin API call's body, and all the SCEP paths take. */
#define HTTP_ADMIN_MAX_BODY	(1024 * 1024)
#define HTTP_SCEP_METHODS	(HTTP_GET | HTTP_POST)
#define HTTP_ADMIN_METHODS	(HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_DELETE)

/* A row of http_scep_ops[]: a SCEP operation, as http_route. */
struct http_scep_op {
	const char	*name;		/* matched ignoring case */
	int		 methods;
	enum MHD_Result	 (*fn)(struct http_req *);
	const char	*why405;
	enum http_sop	 sop;		/* for the metrics */
};

/*
 * A server's OCSP cache goes with it: keep what it counted for
 * /metrics, whose counters must not go back.  What it counted before
 * it was replaced is kept then (http_reload()), the rest here.
 */
static void
http_srv_retire(struct http *h, struct http_srv *hs)
{
	struct ocsp_cache_stats st;

	ocsp_cache_stats(hs->srv->ocsp, &st);
	metrics_ocsp_retired(h->m, st.hits - hs->retired.hits,
	    st.misses - hs->retired.misses);
}

static struct http_srv *
http_acquire(struct http *h)
{
	struct http_srv *hs;

	pthread_mutex_lock(&h->mtx);
	hs = h->cur;
	hs->refs++;
	pthread_mutex_unlock(&h->mtx);
	return hs;
}

static void
http_release(struct http *h, struct http_srv *hs)
{
	int last;

	pthread_mutex_lock(&h->mtx);
	last = --hs->refs == 0;
	pthread_mutex_unlock(&h->mtx);
	if (last) {
		http_srv_retire(h, hs);
		server_free(hs->srv);
		free(hs->pslot);
		free(hs);
	}
}

int
http_reload(struct http *h, struct server *srv)
{
	struct http_srv *hs, *old;

	if ((hs = calloc(1, sizeof(*hs))) == NULL ||
	    (hs->pslot = calloc(srv->nprofiles, sizeof(int))) == NULL) {
		free(hs);
		server_free(srv);
		return -1;
	}
	hs->srv = srv;
	hs->refs = 1;
	pthread_mutex_lock(&h->mtx);
	if (metrics_slots(h->m, srv, hs->pslot) == -1) {
		pthread_mutex_unlock(&h->mtx);
		free(hs->pslot);
		free(hs);
		server_free(srv);
		return -1;
	}
	old = h->cur;
	h->cur = hs;
	pthread_mutex_unlock(&h->mtx);
	if (old != NULL) {
		ocsp_cache_stats(old->srv->ocsp, &old->retired);
		metrics_ocsp_retired(h->m, old->retired.hits,
		    old->retired.misses);
		http_release(h, old);
	}
	http_tls_reload(h, srv->conf);
	return 0;
}

static void
http_peer(struct MHD_Connection *c, char *buf, size_t sz)
{
	const union MHD_ConnectionInfo	*ci;
	socklen_t			 len;

	snprintf(buf, sz, "?");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	len = ci->client_addr->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	getnameinfo(ci->client_addr, len, buf, (socklen_t)sz, NULL, 0,
	    NI_NUMERICHOST);
}

/* The request log line: one per request, logfmt (issue #2 item 9). */
void
http_log(const struct http_req *r, int status, size_t bytes,
    const struct engine_out *eo)
{
	struct log_line l = { .len = 0 };

	metrics_count(r->h->m, r, status, eo);
	log_kv(&l, "msg", "request");
	/* The SCEP listener's lines are as they always were. */
	if (r->lsn != &r->h->scep)
		log_kv(&l, "listener", r->lsn->name);
	log_kv(&l, "peer", r->peer);
	log_kv(&l, "method", r->method);
	log_kv(&l, "path", r->url);
	log_kv(&l, "op", r->op);
	if (eo != NULL) {
		log_kv(&l, "msgtype", eo->msgtype);
		log_kv(&l, "txid", eo->txid);
		log_kv(&l, "outcome", eo->outcome);
		if (eo->fail != SCEP_OK)
			log_kv(&l, "failinfo", scep_fail_str(eo->fail));
		if (eo->serial[0] != '\0')
			log_kv(&l, "serial", eo->serial);
		if (eo->subject[0] != '\0')
			log_kv(&l, "subject", eo->subject);
		if (eo->reason[0] != '\0')
			log_kv(&l, "reason", eo->reason);
	}
	log_kvf(&l, "status", "%d", status);
	log_kvf(&l, "bytes", "%zu", bytes);
	log_kvf(&l, "dur_ms", "%.2f", now_ms() - r->start);
	log_fields(LOG_LVL_INFO, &l);
}

/*
 * A response with "body", its Content-Type and, for a CertRep, no
 * caching; NULL (a MUST_FREE body freed) if there is no memory.
 */
struct MHD_Response *
http_response(const char *ctype, void *body, size_t len,
    enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *rsp;

	if ((rsp = MHD_create_response_from_buffer(len, body, mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return NULL;
	}
	MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (strcmp(ctype, "application/x-pki-message") == 0)
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "no-store");
	return rsp;
}

/* Queue "rsp" (NULL: out of memory) and let go of it. */
enum MHD_Result
http_queue(struct http_req *r, int status, struct MHD_Response *rsp)
{
	enum MHD_Result ret;

	if (rsp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(r->conn, (unsigned int)status, rsp);
	MHD_destroy_response(rsp);
	return ret;
}

static enum MHD_Result
http_send(struct http_req *r, int status, const char *ctype, void *body,
    size_t len, enum MHD_ResponseMemoryMode mode)
{
	return http_queue(r, status, http_response(ctype, body, len, mode));
}

enum MHD_Result
http_refuse(struct http_req *r, int status, const char *ctype, char *body,
    int n, const char *reason, const char *hdr, const char *val)
{
	struct engine_out	 eo = { .msgtype = "", .outcome = "error" };
	struct MHD_Response	*rsp;

	if (n < 0)
		return MHD_NO;
	snprintf(eo.reason, sizeof(eo.reason), "%s", reason);
	http_log(r, status, (size_t)n, &eo);
	rsp = http_response(ctype, body, (size_t)n, MHD_RESPMEM_MUST_FREE);
	if (rsp != NULL && hdr != NULL)
		MHD_add_response_header(rsp, hdr, val);
	return http_queue(r, status, rsp);
}

/* An HTTP error with a one-line text reason, logged. */
static enum MHD_Result
http_text(struct http_req *r, int status, const char *reason,
    const char *allow)
{
	char	*body;
	int	 n = asprintf(&body, "%s\n", reason);

	return http_refuse(r, status, "text/plain", body, n, reason,
	    allow != NULL ? MHD_HTTP_HEADER_ALLOW : NULL, allow);
}

enum MHD_Result
http_error(struct http_req *r, int status, const char *reason)
{
	return http_text(r, status, reason, NULL);
}

/* 405, naming the methods the path or operation takes. */
static enum MHD_Result
http_405(struct http_req *r, int methods, const char *reason)
{
	return http_text(r, 405, reason, http_allow[methods]);
}

/* A 200 answer that is not a CertRep, logged. */
enum MHD_Result
http_ok(struct http_req *r, const char *ctype, void *body, size_t len,
    enum MHD_ResponseMemoryMode mode)
{
	http_log(r, 200, len, NULL);
	return http_send(r, 200, ctype, body, len, mode);
}

/*
 * A 200 answer with validators and freshness (cache.c), or 304 when the
 * request's If-None-Match already names it.  "c" NULL: http_ok().
 */
static enum MHD_Result
http_ok_cached(struct http_req *r, const char *ctype, void *body,
    size_t len, enum MHD_ResponseMemoryMode mode, const struct http_cache *c)
{
	struct MHD_Response	*rsp;

	if (c == NULL)
		return http_ok(r, ctype, body, len, mode);
	if (http_cache_fresh(r->conn, c)) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		http_log(r, 304, 0, NULL);
		return http_queue(r, 304, http_cache_304(c));
	}
	http_log(r, 200, len, NULL);
	if ((rsp = http_response(ctype, body, len, mode)) != NULL)
		http_cache_headers(rsp, c);
	return http_queue(r, 200, rsp);
}

/* The CA certificate changes only with a reload: an hour, revalidated. */
#define HTTP_CACERT_MAX_AGE	3600

/* 503 for r->sp, switched off in its configuration. */
static enum MHD_Result
http_disabled(struct http_req *r)
{
	const char *why = r->sp->conf->disabled_reason;

	return http_error(r, 503, why != NULL ? why :
	    "this profile is disabled");
}

/*
 * With the sizes: libmicrohttpd's C strings stop at a %00, so
 * "message=<base64>%00garbage" would otherwise pass as the base64.
 */
static enum MHD_Result
http_count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t keysz, const char *value, size_t valuesz)
{
	struct http_args *a = cls;

	if ((key != NULL && memchr(key, '\0', keysz) != NULL) ||
	    (value != NULL && memchr(value, '\0', valuesz) != NULL))
		a->nul = 1;
	if (key == NULL)
		return MHD_YES;
	if (strcasecmp(key, "operation") == 0)
		a->nop++;
	else if (strcmp(key, "message") == 0)
		a->nmsg++;
	return MHD_YES;
}

/* In the work pool: the engine, then back to libmicrohttpd. */
static void
http_pkiop_run(void *arg)
{
	struct http_req *r = arg;

	engine_pkiop(r->srv, r->sp, r->der, r->dersz, r->peer, &r->eo);
	r->pkiop = HTTP_OP_DONE;
	MHD_resume_connection(r->conn);
}

/* The engine's answer, logged; libmicrohttpd frees the body. */
static enum MHD_Result
http_pkiop_answer(struct http_req *r)
{
	unsigned char *body = r->eo.body;

	r->eo.body = NULL;
	http_log(r, r->eo.http, r->eo.bodysz, &r->eo);
	return http_send(r, r->eo.http, r->eo.ctype, body, r->eo.bodysz,
	    MHD_RESPMEM_MUST_FREE);
}

/*
 * A GET PKIOperation's message: the one "message" parameter, base64
 * (RFC 8894 4.1).  NULL with *der malloc'd, or the reason for a 400.
 */
static const char *
http_pkiop_query(struct http_req *r, unsigned char **der, size_t *dersz)
{
	const char		*msg = NULL;
	size_t			 msgsz = 0;

	/* r->args: counted by http_scep(), which routed it here. */
	MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND,
	    "message", strlen("message"), &msg, &msgsz);
	if (r->args.nmsg != 1 || msg == NULL || msgsz == 0)
		return "PKIOperation needs one message parameter";
	/* All of it: a NUL (http_scep() refuses them) is not base64. */
	if (b64_decode_lenient(msg, msgsz, der, dersz) == -1)
		return "message is not base64";
	return NULL;
}

/*
 * 503 for a PKIOperation the work pool has no room for (work.c): the
 * engine has not run, so nothing is stored, and it is never a CertRep.
 * SCEP clients send a request again when it failed; Retry-After
 * spreads their return over about twice the wait that was refused, so
 * that a shed crowd does not come back in the same second.
 */
static enum MHD_Result
http_shed(struct http_req *r, double wait_ms)
{
	static const char	 body[] = "server busy, try again later\n";
	struct engine_out	 eo = { .msgtype = "", .outcome = "shed" };
	struct MHD_Response	*rsp;
	char			 after[16];
	unsigned int		 spread;

	snprintf(eo.reason, sizeof(eo.reason), "queue wait %.0f ms over "
	    "http.queue_ms %d", wait_ms, r->h->queue_ms);
	spread = 2 * ((unsigned int)(wait_ms / 1000) + 1);
	/* Any varying number will do: the microseconds of its start. */
	snprintf(after, sizeof(after), "%llu",
	    1 + (unsigned long long)(r->start * 1000) % spread);
	http_log(r, 503, sizeof(body) - 1, &eo);
	rsp = http_response("text/plain", (void *)body, sizeof(body) - 1,
	    MHD_RESPMEM_PERSISTENT);
	if (rsp != NULL)
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_RETRY_AFTER,
		    after);
	return http_queue(r, 503, rsp);
}

/*
 * The message goes to the work pool (work.c says why) and the
 * connection is suspended until it is answered; libmicrohttpd then
 * calls http_handler() again, which sends the answer.  While stopping,
 * the pool may be gone: the engine runs here.
 */
static enum MHD_Result
http_pkiop(struct http_req *r)
{
	const char	*why = NULL;
	double		 wait_ms;

	r->op = "PKIOperation";		/* however the client spelt it */
	if (r->meth == HTTP_POST) {
		r->der = r->body.data;
		r->dersz = r->body.len;
	} else
		why = http_pkiop_query(r, &r->der, &r->dersz);
	if (why != NULL)
		return http_error(r, 400, why);
	if (atomic_load(&r->h->stopping)) {
		engine_pkiop(r->srv, r->sp, r->der, r->dersz, r->peer, &r->eo);
		return http_pkiop_answer(r);
	}
	/* Shed before the engine runs: nothing is stored for it. */
	if (work_admit(r->h->work, &wait_ms) == -1)
		return http_shed(r, wait_ms);
	r->pkiop = HTTP_OP_RUNNING;
	r->job.fn = http_pkiop_run;
	r->job.arg = r;
	/* Suspended first, so that the resume always comes after it. */
	MHD_suspend_connection(r->conn);
	work_submit(r->h->work, &r->job);
	return MHD_YES;
}

/*
 * GetCACaps, GetCACert: answered from pre-encoded bodies.  The bodies
 * belong to the server the request holds: PERSISTENT is safe, MHD
 * copies nothing and the server outlives the response.
 */
static enum MHD_Result
http_getcacaps(struct http_req *r)
{
	r->op = "GetCACaps";
	return http_ok(r, "text/plain", (void *)r->sp->caps,
	    strlen(r->sp->caps), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result
http_getcacert(struct http_req *r)
{
	struct http_cache	 c;

	r->op = "GetCACert";
	return http_ok_cached(r, r->sp->cacert_type, r->sp->cacert,
	    r->sp->cacertsz, MHD_RESPMEM_PERSISTENT, http_cache_init(&c,
	    r->sp->cacert, r->sp->cacertsz, 0, 0, HTTP_CACERT_MAX_AGE) == 0 ?
	    &c : NULL);
}

/* XXX there is no CA rollover yet, so never a next CA certificate. */
static enum MHD_Result
http_getnextcacert(struct http_req *r)
{
	return http_error(r, 404, "no rollover CA certificate");
}

/* RFC 5280 4.2.1.13: a CA's current CRL at /crl or /crl/<ca>, DER. */
static enum MHD_Result
http_crl(struct http_req *r)
{
	struct http_cache	 c;
	unsigned char		*der;
	size_t			 len;
	int64_t			 tu, nu;

	if (pki_crl_current(r->srv, r->sca, &der, &len) == -1)
		return http_error(r, 503, "CRL unavailable, try again");
	/* RFC 5019 6.2: fresh until nextUpdate, modified at thisUpdate. */
	return http_ok_cached(r, "application/pkix-crl", der, len,
	    MHD_RESPMEM_MUST_FREE, crl_der_times(der, len, &tu, &nu) == 0 &&
	    http_cache_init(&c, der, len, tu, nu, 0) == 0 ? &c : NULL);
}

/* The CA certificate itself, DER, at /ca.crt or /ca/<ca>.crt. */
static enum MHD_Result
http_cader(struct http_req *r)
{
	struct http_cache	 c;

	return http_ok_cached(r, "application/pkix-cert", r->sca->cader,
	    r->sca->caderlen, MHD_RESPMEM_PERSISTENT, http_cache_init(&c,
	    r->sca->cader, r->sca->caderlen, 0, 0, HTTP_CACERT_MAX_AGE) == 0 ?
	    &c : NULL);
}

/*
 * RFC 5019 6.2: an OCSP answer over GET may be cached until its
 * nextUpdate, unless it answers a nonce (then it is this request's
 * only); POST answers are not cacheable by HTTP caches anyway.
 */
static int
http_ocsp_cacheable(const struct http_req *r, const struct ocsp_result *res,
    struct http_cache *c)
{
	int64_t	 tu, nu;

	return r->meth == HTTP_GET && res->http == 200 && !res->nonce &&
	    ocsp_times(res->der, res->dersz, &tu, &nu) == 0 &&
	    http_cache_init(c, res->der, res->dersz, tu, nu, 0) == 0;
}

/* The cacheable OCSP answer, or 304; logged with its outcome. */
static enum MHD_Result
http_ocsp_cached(struct http_req *r, struct ocsp_result *res,
    const struct engine_out *eo, const struct http_cache *c)
{
	struct MHD_Response	*rsp;
	int			 fresh = http_cache_fresh(r->conn, c);

	http_log(r, fresh ? 304 : 200, fresh ? 0 : res->dersz, eo);
	if (fresh) {
		free(res->der);
		return http_queue(r, 304, http_cache_304(c));
	}
	if ((rsp = http_response("application/ocsp-response", res->der,
	    res->dersz, MHD_RESPMEM_MUST_FREE)) != NULL)
		http_cache_headers(rsp, c);
	return http_queue(r, 200, rsp);
}

/*
 * RFC 6960 A.1: POST with the DER request as body, or GET with it in
 * base64 (URL-escaped) after /ocsp/.
 */
static enum MHD_Result
http_ocsp(struct http_req *r)
{
	struct ocsp_result	 res;
	struct http_cache	 c;
	struct engine_out	 eo = { .msgtype = "", .txid = "" };
	struct pki_ocsp_arg	 arg = { r->srv, NULL };
	unsigned char		*der = NULL;
	size_t			 dersz = 0;

	if (r->meth == HTTP_POST) {
		der = r->body.data;
		dersz = r->body.len;
	} else if (r->rest == NULL || b64_decode_lenient(r->rest, r->restlen,
	    &der, &dersz) == -1)
		return http_error(r, 400,
		    "want POST, or GET /ocsp/<base64 request>");
	/* The CA the first CertID names signs; the others are unknown. */
	arg.sca = pki_ocsp_ca(r->srv, der, dersz);
	ocsp_respond_cached(r->srv->ocsp, arg.sca->ca, der, dersz,
	    r->srv->conf->pki.ocsp_validity, pki_ocsp_lookup, &arg, &res);
	if (der != r->body.data)
		free(der);
	eo.outcome = res.outcome;
	snprintf(eo.serial, sizeof(eo.serial), "%s", res.serial);
	if (res.der == NULL) {
		http_log(r, res.http, res.dersz, &eo);
		return http_error(r, 500, "cannot answer");
	}
	if (http_ocsp_cacheable(r, &res, &c))
		return http_ocsp_cached(r, &res, &eo, &c);
	http_log(r, res.http, res.dersz, &eo);
	return http_send(r, res.http, "application/ocsp-response", res.der,
	    res.dersz, MHD_RESPMEM_MUST_FREE);
}

/*
 * The NDES challenge page (/certsrv/mscep_admin/), as MDMs that take
 * one-time passwords from NDES read it: HTML in UTF-16LE with a BOM,
 * the password after "The enrollment challenge password is: <B> ".
 */
static unsigned char *
http_ndes_page(const char *thumb, const char *token, int minutes,
    size_t *len)
{
	unsigned char	*w;
	char		*a;
	int		 n, i;

	if ((n = asprintf(&a, "<HTML><Head><Meta HTTP-Equiv=\"Content-Type\" "
	    "Content=\"text/html; charset=UTF-16\"><Title>Network Device "
	    "Enrollment Service</Title></Head><Body BgColor=#FFFFFF><Font "
	    "ID=locPageFont Face=\"Arial\"><P> Network Device Enrollment "
	    "Service allows you to obtain certificates for routers or other "
	    "network devices using the Simple Certificate Enrollment "
	    "Protocol (SCEP). </P><P> To complete certificate enrollment for "
	    "your network device you will need the following information: "
	    "<P> The thumbprint (hash value) for the CA certificate is: <B> "
	    "%s </B> <P> The enrollment challenge password is: <B> %s </B> "
	    "<P> This password can be used only once and will expire within "
	    "%d minutes. <P> Each enrollment requires a new challenge "
	    "password. You can refresh this web page to obtain a new "
	    "challenge password. </Font></Body></HTML>", thumb, token,
	    minutes)) < 0)
		return NULL;
	if ((w = malloc(2 * (size_t)n + 2)) != NULL) {
		w[0] = 0xff;	/* BOM: little-endian */
		w[1] = 0xfe;
		for (i = 0; i < n; i++) {
			w[2 + 2 * i] = (unsigned char)a[i];
			w[3 + 2 * i] = 0;
		}
		*len = 2 * (size_t)n + 2;
	}
	explicit_bzero(a, (size_t)n);
	free(a);
	return w;
}

/* The dynamic profile whose NDES page credentials these are, or NULL. */
static const struct server_profile *
http_ndes_who(const struct server *srv, const char *user, const char *pass)
{
	const struct conf_policy	*p;
	size_t				 i;

	for (i = 0; user != NULL && pass != NULL && i < srv->nprofiles; i++) {
		p = &srv->profiles[i].conf->policy;
		if (p->challenge_mode == CONF_CHALLENGE_DYNAMIC &&
		    p->ndes_user != NULL && strcmp(p->ndes_user, user) == 0 &&
		    ct_equal(pass, strlen(pass), p->ndes_password,
		    strlen(p->ndes_password)))
			return &srv->profiles[i];
	}
	return NULL;
}

/*
 * 429: "addr" failed too often and must wait "secs" (RFC 6585 4).
 * Nothing is checked meanwhile, not even right credentials: an
 * answer that differed would let a guesser go on.
 */
static enum MHD_Result
http_ndes_wait(struct http_req *r, int secs)
{
	struct engine_out	 eo = { .msgtype = "", .outcome = "error" };
	struct MHD_Response	*rsp;
	char			*body, after[16];
	int			 n;

	snprintf(eo.reason, sizeof(eo.reason), "credentials failed too "
	    "often from this address");
	if ((n = asprintf(&body, "%s; retry in %d s\n", eo.reason,
	    secs)) < 0)
		return MHD_NO;
	http_log(r, 429, (size_t)n, &eo);
	rsp = http_response("text/plain", body, (size_t)n,
	    MHD_RESPMEM_MUST_FREE);
	snprintf(after, sizeof(after), "%d", secs);
	if (rsp != NULL)
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_RETRY_AFTER,
		    after);
	return http_queue(r, 429, rsp);
}

/*
 * The credentials of an NDES page request: the profile they are of,
 * or NULL.  A wrong pair is counted against the address (and logged
 * with the user name, never the password); none at all is not, as a
 * client asks without them first.
 */
static const struct server_profile *
http_ndes_auth(struct http_req *r, int64_t now)
{
	const struct server_profile	*sp;
	char				*user, *pass = NULL;
	int				 fails, wait;

	user = MHD_basic_auth_get_username_password(r->conn, &pass);
	sp = http_ndes_who(r->srv, user, pass);
	if (sp != NULL)
		throttle_pass(&r->h->auth, r->peer);
	else if (user != NULL) {
		fails = throttle_fail(&r->h->auth, r->peer, now, &wait);
		if (wait > 0)
			log_warnx("%s: NDES page: wrong credentials for user "
			    "\"%.64s\" (failure %d in a row; refused for "
			    "%d s)", r->peer, user, fails, wait);
		else
			log_warnx("%s: NDES page: wrong credentials for user "
			    "\"%.64s\" (failure %d in a row)", r->peer, user,
			    fails);
	}
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	return sp;
}

/* 401 asking for the NDES page's credentials. */
static enum MHD_Result
http_unauthorized(struct http_req *r)
{
	struct MHD_Response	*rsp;
	enum MHD_Result		 ret;

	http_log(r, 401, 0, NULL);
	if ((rsp = MHD_create_response_from_buffer(13,
	    (void *)"Unauthorized\n", MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	ret = MHD_queue_basic_auth_fail_response(r->conn, "scepd", rsp);
	MHD_destroy_response(rsp);
	return ret;
}

/*
 * GET /certsrv/mscep_admin/ with HTTP Basic credentials: mint a
 * one-time challenge for the profile they belong to.  Not HEAD: it
 * would spend a challenge nobody sees.  An address that failed too
 * often waits (http_ndes_auth(), auth.* in docs/configuration.md).
 */
static enum MHD_Result
http_ndes(struct http_req *r)
{
	char		 token[CHALLENGE_HEX + 1];
	unsigned char	*body;
	size_t		 len = 0;
	int64_t		 exp, now = (int64_t)(now_ms() / 1000);
	int		 wait;

	if (strcmp(r->method, "HEAD") == 0)
		return http_405(r, HTTP_GET,
		    "the challenge page is fetched with GET, not HEAD");
	if ((wait = throttle_wait(&r->h->auth, r->peer, now)) > 0)
		return http_ndes_wait(r, wait);
	if ((r->sp = http_ndes_auth(r, now)) == NULL)
		return http_unauthorized(r);
	if (!r->sp->conf->enabled)
		return http_disabled(r);
	if (challenge_mint(r->srv->store, r->sp->conf, 0, NULL, token,
	    &exp) == -1)
		return http_error(r, 503, "cannot mint a challenge, try again");
	body = http_ndes_page(r->sp->sca->thumb, token,
	    r->sp->conf->policy.challenge_ttl / 60, &len);
	explicit_bzero(token, sizeof(token));
	if (body == NULL)
		return http_error(r, 500, "out of memory");
	return http_ok(r, "text/html; charset=utf-16", body, len,
	    MHD_RESPMEM_MUST_FREE);
}

/*
 * SCEP's operations (RFC 8894 4.1), by the "operation" parameter; a
 * method they do not take is answered 405.
 */
static const struct http_scep_op http_scep_ops[] = {
	{ "PKIOperation", HTTP_GET | HTTP_POST, http_pkiop, NULL,
	    HTTP_SOP_PKIOPERATION },
	{ "GetCACaps", HTTP_GET, http_getcacaps, "this operation takes GET",
	    HTTP_SOP_GETCACAPS },
	{ "GetCACert", HTTP_GET, http_getcacert, "this operation takes GET",
	    HTTP_SOP_GETCACERT },
	{ "GetNextCACert", HTTP_GET | HTTP_POST, http_getnextcacert, NULL,
	    HTTP_SOP_GETNEXTCACERT },
};

/*
 * A SCEP path: the operation the query names, from http_scep_ops[].
 * Until it is known the log's op is empty; then it is the client's
 * spelling, unless the operation's handler logs its own.
 */
static enum MHD_Result
http_scep(struct http_req *r)
{
	const struct http_scep_op	*o;
	const char			*op;
	size_t				 i;

	if (!r->sp->conf->enabled)
		return http_disabled(r);
	MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND,
	    http_count_arg, &r->args);
	op = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    "operation");
	if (r->args.nul)
		return http_error(r, 400,
		    "a query parameter has a NUL byte (%00) in it");
	if (r->args.nop > 1)
		return http_error(r, 400, "operation given more than once");
	/* RFC 8894 4.3: some clients POST without any query string. */
	if (op == NULL && r->meth == HTTP_POST)
		op = "PKIOperation";
	if (op == NULL)
		return http_error(r, 400, "missing operation parameter");
	r->op = op;
	for (i = 0; i < sizeof(http_scep_ops) / sizeof(http_scep_ops[0]); i++) {
		o = &http_scep_ops[i];
		if (strcasecmp(op, o->name) != 0)
			continue;
		r->sop = (int)o->sop;
		if ((r->meth & o->methods) == 0)
			return http_405(r, o->methods, o->why405);
		return o->fn(r);
	}
	return http_error(r, 400, "unknown operation");
}

/* The CA a path names: by what '*' took, else the first CA. */
static const char *
http_find_ca(struct http_req *r)
{
	if (r->rest == NULL)
		r->sca = &r->srv->cas[0];
	else
		r->sca = server_ca(r->srv, r->rest, r->restlen);
	return r->sca == NULL ? "no such CA" : NULL;
}

/*
 * The profile a SCEP path names: the first part of what '*' took
 * (/scep/<name>[/...]).  No '*', an empty part, or one with a dot in
 * it (pkiclient.exe) is the default profile: that is a file name, and
 * profile names have none.
 */
static const char *
http_find_profile(struct http_req *r)
{
	size_t len = 0;

	while (r->rest != NULL && len < r->restlen && r->rest[len] != '/')
		len++;
	if (len == 0 || memchr(r->rest, '.', len) != NULL)
		r->sp = &r->srv->profiles[0];
	else
		r->sp = server_profile(r->srv, r->rest, len);
	return r->sp == NULL ? "no SCEP service at this path" : NULL;
}

/*
 * Every path served, tried in order: the first whose pattern matches
 * takes the request.  It is then 404 if the CA or profile the path
 * names is not there, 405 for a method the row does not allow, and
 * otherwise the row's handler's.  A path no row matches is 404.
 */
static const struct http_route http_routes[] = {
	{ "/crl", http_find_ca, HTTP_GET, "crl", http_crl,
	    "the CRL is fetched with GET" },
	{ "/ca.crt", http_find_ca, HTTP_GET, "ca.crt", http_cader,
	    "the CA certificate is fetched with GET" },
	{ "/ocsp", NULL, HTTP_GET | HTTP_POST, "ocsp", http_ocsp, NULL },
	{ "/ocsp/*", NULL, HTTP_GET | HTTP_POST, "ocsp", http_ocsp, NULL },
	{ "/crl/*", http_find_ca, HTTP_GET, "crl", http_crl,
	    "the CRL is fetched with GET" },
	{ "/ca/*.crt", http_find_ca, HTTP_GET, "ca.crt", http_cader,
	    "the CA certificate is fetched with GET" },
	/*
	 * The NDES page where MDMs look for it: the folder, with or
	 * without its slash, and the ISAPI file NDES serves it from.
	 */
	{ "/certsrv/mscep_admin", NULL, HTTP_GET, "ndes", http_ndes,
	    "the challenge page is fetched with GET" },
	{ "/certsrv/mscep_admin/", NULL, HTTP_GET, "ndes", http_ndes,
	    "the challenge page is fetched with GET" },
	{ "/certsrv/mscep_admin/mscep.dll", NULL, HTTP_GET, "ndes", http_ndes,
	    "the challenge page is fetched with GET" },
	/* SCEP: the default profile, or /scep/<profile>[/...] */
	{ "/cgi-bin/pkiclient.exe", http_find_profile, HTTP_GET | HTTP_POST,
	    "", http_scep, NULL },
	{ "/certsrv/mscep/mscep.dll", http_find_profile, HTTP_GET | HTTP_POST,
	    "", http_scep, NULL },
	{ "/scep", http_find_profile, HTTP_GET | HTTP_POST, "", http_scep,
	    NULL },
	{ "/scep/*", http_find_profile, HTTP_GET | HTTP_POST, "", http_scep,
	    NULL },
	/* For load balancers (issue #11), as on the admin listener. */
	{ "/healthz", NULL, HTTP_GET, "healthz", http_healthz,
	    "health is asked with GET" },
	{ "/readyz", NULL, HTTP_GET, "readyz", http_readyz,
	    "readiness is asked with GET" },
};

/*
 * Does r->url match "pattern" (see struct http_route)?  Sets r->rest
 * and r->restlen to what its '*' took, NULL and 0 if it has none.
 */
static int
http_match(struct http_req *r, const char *pattern)
{
	const char	*star;
	size_t		 pl, sl, n;

	r->rest = NULL;
	r->restlen = 0;
	star = strchr(pattern, '*');
	if (star == NULL)
		return strcmp(r->url, pattern) == 0;
	pl = (size_t)(star - pattern);
	sl = strlen(star + 1);
	n = strlen(r->url);
	if (n < pl + sl || strncmp(r->url, pattern, pl) != 0 ||
	    strcmp(r->url + n - sl, star + 1) != 0)
		return 0;
	r->rest = r->url + pl;
	r->restlen = n - pl - sl;
	return 1;
}

/* Route a complete request by http_routes[]. */
static enum MHD_Result
http_route(struct http_req *r)
{
	const struct http_route	*rt;
	const char		*why;
	size_t			 i;

	if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND,
	    HTTP_ARGS_TOOMANY, strlen(HTTP_ARGS_TOOMANY), NULL, NULL) == MHD_YES)
		return http_error(r, 414,
		    "more than 64 query parameters");	/* HTTP_MAX_ARGS */
	for (i = 0; i < r->lsn->nroutes; i++) {
		rt = &r->lsn->routes[i];
		if (!http_match(r, rt->pattern))
			continue;
		r->op = rt->op;
		why = rt->find != NULL ? rt->find(r) : NULL;
		if (why != NULL)
			return http_error(r, 404, why);
		if ((r->meth & rt->methods) == 0)
			return http_405(r, rt->methods, rt->why405);
		return rt->fn(r);
	}
	return http_error(r, 404, r->lsn->notfound);
}

/* HEAD is GET (enum http_method); 0 for a method not served at all. */
static int
http_method(const char *method)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return HTTP_GET;
	if (strcmp(method, "POST") == 0)
		return HTTP_POST;
	if (strcmp(method, "PUT") == 0)
		return HTTP_PUT;
	if (strcmp(method, "DELETE") == 0)
		return HTTP_DELETE;
	return 0;
}

/*
 * What a connection holds from accept to close: libmicrohttpd's socket
 * context.  NULL when there was no memory: the connection is then not
 * tracked, and TLS serves the pair libmicrohttpd started with.
 */
struct http_conn {
	struct guard_conn	*gc;		/* guard.c's, or NULL */
	struct tls_cred		*cred;		/* its TLS pair, or NULL */
};

/* guard.c's record of connection "c", or NULL. */
static struct guard_conn *
http_guard_conn(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;
	struct http_conn		*hc;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (hc = ci->socket_context) == NULL)
		return NULL;
	return hc->gc;
}

/*
 * First call for a request: its headers are in.  Set it up, refuse
 * what cannot be served.  A connection's first request ends its
 * header deadline (http_conn()): from now on it has http.timeout.
 */
static enum MHD_Result
http_begin(struct http_lsn *l, struct MHD_Connection *c, const char *method,
    const char *url, void **ctx)
{
	struct http	*h = l->h;
	struct http_req	*r;
	const char	*cl;
	char		*end;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MHD_NO;
	r->gc = http_guard_conn(c);
	if (guard_request(l->guard, r->gc) && h->header_timeout != h->timeout)
		MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
		    h->timeout);
	r->conn = c;
	r->h = h;
	r->lsn = l;
	r->sop = -1;
	r->hs = http_acquire(h);
	r->srv = r->hs->srv;
	r->start = now_ms();
	http_peer(c, r->peer, sizeof(r->peer));
	r->method = method;
	r->url = url;
	r->meth = http_method(method);
	r->body.max = l->max_body;
	r->op = "";
	*ctx = r;
	atomic_fetch_add(&h->inflight, 1);
	if ((r->meth & l->methods) == 0)
		return http_405(r, l->methods, "method not allowed");
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (strtoull(cl, &end, 10) > r->body.max || *end))
		return http_error(r, 413, "request body too large");
	return MHD_YES;
}

static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *uploadsz, void **ctx)
{
	struct http_lsn	*l = cls;
	struct http_req	*r = *ctx;

	if (r == NULL)
		return http_begin(l, c, method, url, ctx);
	/* See struct http_req. */
	r->method = method;
	r->url = url;
	if (*uploadsz > 0) {
		/*
		 * A chunked body grew past the limit: MHD cannot answer
		 * before the body is read, and reading it all is what the
		 * limit prevents, so drop the connection.
		 */
		if (buf_add(&r->body, upload, *uploadsz) == -1)
			return MHD_NO;
		*uploadsz = 0;
		return MHD_YES;
	}
	if (r->pkiop == HTTP_OP_DONE)	/* resumed: the work pool answered */
		return http_pkiop_answer(r);
	guard_set(l->guard, r->gc, GUARD_BUSY);
	return http_route(r);
}

static void
http_done(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode why)
{
	struct http_lsn	*l = cls;
	struct http	*h = l->h;
	struct http_req	*r = *ctx;

	if (r == NULL) {
		guard_set(l->guard, http_guard_conn(c), GUARD_IDLE);
		return;
	}
	if (r->der != r->body.data)
		free(r->der);
	free(r->eo.body);
	buf_free(&r->body);
	http_release(h, r->hs);
	guard_set(l->guard, r->gc, GUARD_IDLE);
	free(r);
	*ctx = NULL;
	atomic_fetch_sub(&h->inflight, 1);
}

/*
 * libmicrohttpd's URI log callback: the request line, before the query
 * is cut into parameters.  XXX libmicrohttpd 0.9.75 gives each
 * parameter a record from the connection's memory pool; when the pool
 * runs out it logs that it answers 431, but parse_initial_message_line()
 * ignores the failure, so nothing is sent and the connection is held
 * until http.timeout.  This is the only hook before that parse, so a
 * query of more than HTTP_MAX_ARGS parameters is overwritten here, in
 * libmicrohttpd's own read buffer (which it is about to cut up in
 * place, and which is longer than the marker), with the marker alone;
 * http_route() answers 414 when it sees it.  Returns the request
 * context: none yet (http_begin() makes it).
 */
static void *
http_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	char	*q;
	size_t	 n = 1;

	if ((q = strchr(uri, '?')) == NULL)
		return NULL;
	for (q++; *q != '\0' && n <= HTTP_MAX_ARGS; q++)
		if (*q == '&')
			n++;
	if (n > HTTP_MAX_ARGS) {
		q = strchr(uri, '?') + 1;
		memcpy(q, HTTP_ARGS_TOOMANY, sizeof(HTTP_ARGS_TOOMANY));
	}
	return NULL;
}

/*
 * libmicrohttpd's connection callback: guard.c tracks each connection
 * from accept to close.  Until its first request's headers are in, a
 * connection has http.header_timeout of inactivity; guard.c counts the
 * same from accept, which also ends one that trickles its headers.
 */
static void
http_conn(void *cls, struct MHD_Connection *c, void **sctx,
    enum MHD_ConnectionNotificationCode why)
{
	struct http_lsn			*l = cls;
	struct http			*h = l->h;
	struct http_conn		*hc = *sctx;
	const union MHD_ConnectionInfo	*ci;

	if (why == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (hc != NULL) {
			guard_close(l->guard, hc->gc);
			tls_conn_done(l->tls, hc->cred);
			free(hc);
		}
		*sctx = NULL;
		return;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || (hc = calloc(1, sizeof(*hc))) == NULL)
		return;
	*sctx = hc;
	hc->gc = guard_open(l->guard, ci->connect_fd);
	hc->cred = tls_conn_start(l->tls, c);
	if (h->header_timeout != h->timeout)
		MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
		    h->header_timeout);
}

static void http_mhd_log(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 msg[256];
	size_t	 n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

/* "host:port" or "[v6]:port" to a socket address. */
static struct addrinfo *
http_addr(const char *listen)
{
	struct addrinfo	 hints = { .ai_flags = AI_NUMERICHOST |
	    AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo	*ai = NULL;
	char		 host[256];
	const char	*colon = strrchr(listen, ':');
	size_t		 hl;

	if (colon == NULL || (hl = (size_t)(colon - listen)) >= sizeof(host))
		return NULL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return NULL;
	return ai;
}

/*
 * Every connection is a descriptor, and a soft limit under
 * http.max_connections (systemd's default is 1,024) would refuse
 * clients before any limit of ours: raise it as far as the hard one.
 */
static void
http_nofile(int conns)
{
	struct rlimit	rl;
	rlim_t		want = (rlim_t)conns + 64;	/* store, logs, epoll */

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		log_warnx("only %lu file descriptors for http.max_connections "
		    "%d", (unsigned long)rl.rlim_cur, conns);
}


/* Is "sa" a loopback address (127/8, ::1, or 127/8 mapped to IPv6)? */
static int
http_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;
	const unsigned char		*b;

	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	b = s6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127;
}

/* What a listener is started with, beyond its struct http_lsn. */
struct http_spec {
	const char	*listen;
	const char	*cert, *key;	/* both NULL: plain HTTP */
	int		 ask_client;	/* request a client certificate */
	unsigned int	 threads;
};

/* libmicrohttpd's options for "l" (and TLS), into "o"; how many. */
static size_t
http_options(struct http_lsn *l, const struct conf_http *hc,
    const struct addrinfo *ai, unsigned int threads,
    struct MHD_OptionItem *o)
{
	size_t n = 0;

#define OPT(k, v, p) (o[n++] = (struct MHD_OptionItem){ k, (intptr_t)(v), p })
	/* First, or libmicrohttpd prints what comes before to stderr. */
	OPT(MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL);
	OPT(MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, threads, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, hc->max_conns, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, hc->max_conns_addr, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, hc->timeout, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, http_done, l);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, http_conn, l);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, http_uri, NULL);
	if (l->tls != NULL) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, l->certpem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, l->keypem);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)tls_priorities);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	return n;
}

/* Free what http_listen() made of "l"; the daemon must be stopped. */
static void
http_lsn_free(struct http_lsn *l)
{
	guard_stop(l->guard);
	l->guard = NULL;
	tls_free(l->tls);
	l->tls = NULL;
	if (l->keypem != NULL)
		explicit_bzero(l->keypem, strlen(l->keypem));
	free(l->keypem);
	free(l->certpem);
	l->keypem = l->certpem = NULL;
}

/*
 * Start listener "l" (its routes, name and limits set) as "sp" says,
 * with the connection limits of http.*; 0, or -1 (logged, nothing left).
 */
static int
http_listen(struct http_lsn *l, const struct conf_http *hc,
    const struct http_spec *sp)
{
	struct guard_limits	 gl = { .header_ms = 1000 * hc->header_timeout,
	    .body_ms = 1000 * hc->timeout, .idle_ms = 1000 * hc->timeout,
	    .max_conns = hc->max_conns };
	struct MHD_OptionItem	 opts[16];
	const union MHD_DaemonInfo *di;
	struct addrinfo		*ai;
	unsigned int		 flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME;

	if ((ai = http_addr(sp->listen)) == NULL) {
		log_warnx("listen address \"%s\": want host:port", sp->listen);
		return -1;
	}
	if (sp->cert != NULL && (!MHD_is_feature_supported(MHD_FEATURE_TLS) ||
	    (l->tls = tls_new(sp->cert, sp->key, sp->ask_client, &l->certpem,
	    &l->keypem)) == NULL)) {
		if (l->tls == NULL)
			log_warnx("%s listener: cannot serve HTTPS on %s",
			    l->name, sp->listen);
		goto fail;
	}
	if ((l->guard = guard_start(&gl)) == NULL)
		goto fail;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (l->tls != NULL)
		flags |= MHD_USE_TLS;
	http_options(l, hc, ai, sp->threads, opts);
	l->d = MHD_start_daemon(flags, 0, NULL, NULL, http_handler, l,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (l->d == NULL) {
		log_warn("cannot listen on %s", sp->listen);
		goto fail;
	}
	freeaddrinfo(ai);
	di = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT);
	l->port = di != NULL ? di->port : 0;
	return 0;
 fail:
	freeaddrinfo(ai);
	http_lsn_free(l);
	return -1;
}

/*
 * SIGHUP: the listeners' certificates are read again from the new
 * configuration "c".  Turning TLS on or off needs a restart.
 */
static void
http_tls_reload(struct http *h, const struct conf *c)
{
	struct {
		struct http_lsn	*l;
		const char	*cert, *key;
	} v[] = {
		{ &h->scep, c->http.tls_cert, c->http.tls_key },
		{ h->admin, c->admin.tls_cert, c->admin.tls_key },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].l == NULL || v[i].l->d == NULL)
			continue;
		if ((v[i].l->tls == NULL) != (v[i].cert == NULL))
			log_warnx("%s listener: switching HTTPS on or off "
			    "takes a restart", v[i].l->name);
		else if (v[i].l->tls != NULL && tls_reload(v[i].l->tls,
		    v[i].cert, v[i].key) == 0)
			log_info("%s listener: TLS certificate %s reloaded",
			    v[i].l->name, v[i].cert);
	}
}

struct http *
http_start(struct server *srv, const char *listen, int *port)
{
	const struct conf	*c = srv->conf;
	const struct conf_http	*hc = &c->http;
	struct http_spec	 sp = { listen, hc->tls_cert, hc->tls_key, 0,
	    0 };
	struct http		*h;
	long			 threads = hc->threads;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    pthread_mutex_init(&h->mtx, NULL) != 0) {
		free(h);
		server_free(srv);
		return NULL;
	}
	throttle_init(&h->auth, &(struct throttle_rule){
	    c->auth.max_failures, c->auth.window, c->auth.delay,
	    c->auth.max_delay });
	h->timeout = (unsigned int)hc->timeout;
	h->header_timeout = (unsigned int)hc->header_timeout;
	h->queue_ms = hc->queue_ms;
	h->scep = (struct http_lsn){ .h = h, .name = "scep",
	    .routes = http_routes,
	    .nroutes = sizeof(http_routes) / sizeof(http_routes[0]),
	    .notfound = "no SCEP service at this path",
	    .methods = HTTP_SCEP_METHODS, .max_body = hc->max_body };
	if ((h->m = metrics_new()) == NULL || http_reload(h, srv) == -1) {
		if (h->m == NULL)
			server_free(srv);
		metrics_free(h->m);
		throttle_fini(&h->auth);
		pthread_mutex_destroy(&h->mtx);
		free(h);
		return NULL;
	}
	if (threads == 0 && (threads = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		threads = 1;
	sp.threads = (unsigned int)threads;
	http_nofile(hc->max_conns);
	if ((h->work = work_start((int)threads, hc->queue_ms)) == NULL ||
	    http_listen(&h->scep, hc, &sp) == -1) {
		work_stop(h->work);
		http_release(h, h->cur);
		metrics_free(h->m);
		throttle_fini(&h->auth);
		pthread_mutex_destroy(&h->mtx);
		free(h);
		return NULL;
	}
	*port = h->scep.port;
	return h;
}

/* Threads of the admin listener: API calls are few, and may block. */
#define HTTP_ADMIN_THREADS	2

int
http_admin_start(struct http *h, const struct http_admin *a, int *port)
{
	const struct conf	*c = h->cur->srv->conf;
	struct http_spec	 sp = { a->listen, c->admin.tls_cert,
	    c->admin.tls_key, c->admin.client_certs, HTTP_ADMIN_THREADS };
	struct http_lsn		*l;
	struct addrinfo		*ai;
	int			 loop;

	if ((ai = http_addr(a->listen)) == NULL) {
		log_warnx("admin listen address \"%s\": want host:port",
		    a->listen);
		return -1;
	}
	loop = http_loopback(ai->ai_addr);
	freeaddrinfo(ai);
	if (!loop && sp.cert == NULL) {
		log_warnx("admin listener %s: not a loopback address, and "
		    "admin.tls_cert and admin.tls_key are not set: refusing "
		    "to serve the admin API without TLS", a->listen);
		return -1;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	*l = (struct http_lsn){ .h = h, .name = "admin",
	    .routes = admin_routes, .nroutes = admin_nroutes,
	    .notfound = "no such path", .methods = HTTP_ADMIN_METHODS,
	    .max_body = HTTP_ADMIN_MAX_BODY };
	h->reload = a->reload;
	h->reloadcls = a->reloadcls;
	if (http_listen(l, &c->http, &sp) == -1) {
		free(l);
		return -1;
	}
	pthread_mutex_lock(&h->mtx);
	h->admin = l;
	pthread_mutex_unlock(&h->mtx);
	*port = l->port;
	return 0;
}

void
http_stop(struct http *h)
{
	double deadline = now_ms() + HTTP_DRAIN_MS;

	if (h == NULL)
		return;
	atomic_store(&h->stopping, 1);
	MHD_quiesce_daemon(h->scep.d);
	if (h->admin != NULL)
		MHD_quiesce_daemon(h->admin->d);
	while (atomic_load(&h->inflight) > 0 && now_ms() < deadline)
		usleep(10000);
	/* No connection may stay suspended past MHD_stop_daemon(). */
	work_stop(h->work);
	if (h->admin != NULL) {
		MHD_stop_daemon(h->admin->d);
		http_lsn_free(h->admin);
		free(h->admin);
	}
	MHD_stop_daemon(h->scep.d);
	/* After the daemon: it reports every connection it closes. */
	http_lsn_free(&h->scep);
	http_release(h, h->cur);
	metrics_free(h->m);
	throttle_fini(&h->auth);
	pthread_mutex_destroy(&h->mtx);
	free(h);
}
