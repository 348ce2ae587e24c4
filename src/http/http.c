/*	SPDX-License-Identifier: ISC */
/*
 * http.c: libmicrohttpd front end (RFC 8894 4, checklist section 2).
 * Paths /scep (the default profile), /scep/<profile>[/anything],
 * /scep/pkiclient.exe, /cgi-bin/pkiclient.exe and NDES's
 * /certsrv/mscep/mscep.dll; operations by case-insensitive name; GET
 * and POST PKIOperation; 400/404/405/413/503 with a one-line text
 * reason.  Beside SCEP: /crl[/<ca>], /ca.crt, /ca/<ca>.crt, /ocsp, and
 * the NDES-style one-time challenge page.  Uses engine.c for
 * PKIOperation, run in the work pool (work.c), and the server's
 * pre-encoded bodies for the rest; never includes OpenSSL.  Each request holds a reference to the server it
 * started with, so a reload (SIGHUP) swaps it without dropping any.
 */
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

#include "challenge.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "ocsp.h"
#include "pki.h"
#include "util.h"
#include "work.h"

/* Big enough for a 16 KiB+ GET URI (checklist HTTP-11). */
#define HTTP_CONN_MEMORY	(96 * 1024)
/* How long http_stop() waits for requests in flight. */
#define HTTP_DRAIN_MS		10000

/* A server and the requests using it; the current one holds one more. */
struct http_srv {
	struct server	*srv;
	int		 refs;		/* under http.mtx */
};

struct http {
	struct MHD_Daemon	*d;
	pthread_mutex_t		 mtx;
	struct http_srv		*cur;
	size_t			 max_body;	/* fixed at start */
	atomic_int		 inflight;
	struct work		*work;		/* runs the PKIOperations */
	atomic_int		 stopping;	/* PKIOperations run inline */
};

/* A PKIOperation's way through the work pool (http_pkiop()). */
enum http_op {
	HTTP_OP_NONE,
	HTTP_OP_RUNNING,	/* queued or running; connection suspended */
	HTTP_OP_DONE,		/* "eo" holds the answer */
};

/* One request: its body so far and what the log line needs. */
struct http_req {
	struct buf		 body;
	double			 start;
	char			 peer[64];
	struct http_srv		*hs;		/* held until done */
	const struct server	*srv;
	struct http		*h;
	/* A PKIOperation handed to the work pool, and its answer. */
	struct work_job		 job;
	enum http_op		 op;
	const struct server_profile *sp;
	struct MHD_Connection	*conn;
	unsigned char		*der;	/* the message: "body" or malloc'd */
	size_t			 dersz;
	struct engine_out	 eo;
};

/* Paths of the default profile, besides /scep itself. */
static const char *const http_paths[] = {
	"/cgi-bin/pkiclient.exe", "/certsrv/mscep/mscep.dll",
};

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
		server_free(hs->srv);
		free(hs);
	}
}

int
http_reload(struct http *h, struct server *srv)
{
	struct http_srv *hs, *old;

	if ((hs = calloc(1, sizeof(*hs))) == NULL) {
		server_free(srv);
		return -1;
	}
	hs->srv = srv;
	hs->refs = 1;
	pthread_mutex_lock(&h->mtx);
	old = h->cur;
	h->cur = hs;
	pthread_mutex_unlock(&h->mtx);
	if (old != NULL)
		http_release(h, old);
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
static void
http_log(const struct http_req *r, const char *method, const char *url,
    const char *op, int status, size_t bytes, const struct engine_out *eo)
{
	struct log_line l = { .len = 0 };

	log_kv(&l, "msg", "request");
	log_kv(&l, "peer", r->peer);
	log_kv(&l, "method", method);
	log_kv(&l, "path", url);
	log_kv(&l, "op", op);
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

static enum MHD_Result
http_send(struct MHD_Connection *c, int status, const char *ctype,
    void *body, size_t len, enum MHD_ResponseMemoryMode mode,
    const char *allow)
{
	struct MHD_Response	*rsp;
	enum MHD_Result		 ret;

	if ((rsp = MHD_create_response_from_buffer(len, body, mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (allow != NULL)
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_ALLOW, allow);
	if (strcmp(ctype, "application/x-pki-message") == 0)
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "no-store");
	ret = MHD_queue_response(c, (unsigned int)status, rsp);
	MHD_destroy_response(rsp);
	return ret;
}

/* An HTTP error with a one-line reason, logged. */
static enum MHD_Result
http_error(struct MHD_Connection *c, struct http_req *r, const char *method,
    const char *url, const char *op, int status, const char *reason,
    const char *allow)
{
	struct engine_out	 eo = { .msgtype = "", .outcome = "error" };
	char			*body;
	int			 n;

	snprintf(eo.reason, sizeof(eo.reason), "%s", reason);
	if ((n = asprintf(&body, "%s\n", reason)) < 0)
		return MHD_NO;
	http_log(r, method, url, op, status, (size_t)n, &eo);
	return http_send(c, status, "text/plain", body, (size_t)n,
	    MHD_RESPMEM_MUST_FREE, allow);
}

static enum MHD_Result
http_count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int *n = cls;

	if (strcasecmp(key, "operation") == 0)
		n[0]++;
	else if (strcmp(key, "message") == 0)
		n[1]++;
	return MHD_YES;
}

/* In the work pool: the engine, then back to libmicrohttpd. */
static void
http_pkiop_run(void *arg)
{
	struct http_req *r = arg;

	engine_pkiop(r->srv, r->sp, r->der, r->dersz, r->peer, &r->eo);
	r->op = HTTP_OP_DONE;
	MHD_resume_connection(r->conn);
}

/* The engine's answer, logged; libmicrohttpd frees the body. */
static enum MHD_Result
http_pkiop_answer(struct MHD_Connection *c, struct http_req *r,
    const char *method, const char *url)
{
	unsigned char *body = r->eo.body;

	r->eo.body = NULL;
	http_log(r, method, url, "PKIOperation", r->eo.http, r->eo.bodysz,
	    &r->eo);
	return http_send(c, r->eo.http, r->eo.ctype, body, r->eo.bodysz,
	    MHD_RESPMEM_MUST_FREE, NULL);
}

/*
 * The message goes to the work pool (work.c says why) and the
 * connection is suspended until it is answered; libmicrohttpd then
 * calls http_handler() again, which sends the answer.  While stopping,
 * the pool may be gone: the engine runs here.
 */
static enum MHD_Result
http_pkiop(const struct server_profile *sp, struct MHD_Connection *c,
    struct http_req *r, const char *method, const char *url)
{
	const char		*msg;
	unsigned char		*der = NULL;
	size_t			 dersz;
	int			 n[2] = { 0, 0 };

	if (strcmp(method, "POST") == 0) {
		der = r->body.data;
		dersz = r->body.len;
	} else {
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND,
		    http_count_arg, n);
		msg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
		    "message");
		if (n[1] != 1 || msg == NULL || *msg == '\0')
			return http_error(c, r, method, url, "PKIOperation",
			    400, "PKIOperation needs one message parameter",
			    NULL);
		if (b64_decode_lenient(msg, strlen(msg), &der, &dersz) == -1)
			return http_error(c, r, method, url, "PKIOperation",
			    400, "message is not base64", NULL);
	}
	r->der = der;
	r->dersz = dersz;
	r->sp = sp;
	r->conn = c;
	if (atomic_load(&r->h->stopping)) {
		engine_pkiop(r->srv, sp, der, dersz, r->peer, &r->eo);
		return http_pkiop_answer(c, r, method, url);
	}
	r->op = HTTP_OP_RUNNING;
	r->job.fn = http_pkiop_run;
	r->job.arg = r;
	/* Suspended first, so that the resume always comes after it. */
	MHD_suspend_connection(c);
	work_submit(r->h->work, &r->job);
	return MHD_YES;
}

/* A 200 answer that is not a CertRep, logged. */
static enum MHD_Result
http_ok(struct MHD_Connection *c, struct http_req *r, const char *method,
    const char *url, const char *op, const char *ctype, void *body,
    size_t len, enum MHD_ResponseMemoryMode mode)
{
	http_log(r, method, url, op, 200, len, NULL);
	return http_send(c, 200, ctype, body, len, mode, NULL);
}

static int
http_is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/*
 * GetCACaps, GetCACert: GET only, answered from pre-encoded bodies.
 * The bodies belong to the server the request holds: PERSISTENT is
 * safe, MHD copies nothing and the server outlives the response.
 */
static enum MHD_Result
http_static(const struct server_profile *sp, struct MHD_Connection *c,
    struct http_req *r, const char *method, const char *url, const char *op)
{
	if (!http_is_get(method))
		return http_error(c, r, method, url, op, 405,
		    "this operation takes GET", "GET");
	if (strcasecmp(op, "GetCACaps") == 0)
		return http_ok(c, r, method, url, "GetCACaps", "text/plain",
		    (void *)sp->caps, strlen(sp->caps),
		    MHD_RESPMEM_PERSISTENT);
	return http_ok(c, r, method, url, "GetCACert", sp->cacert_type,
	    sp->cacert, sp->cacertsz, MHD_RESPMEM_PERSISTENT);
}

/* RFC 5280 4.2.1.13: a CA's current CRL at /crl or /crl/<ca>, DER. */
static enum MHD_Result
http_crl(const struct server_ca *sca, struct MHD_Connection *c,
    struct http_req *r, const char *method, const char *url)
{
	unsigned char	*der;
	size_t		 len;

	if (!http_is_get(method))
		return http_error(c, r, method, url, "crl", 405,
		    "the CRL is fetched with GET", "GET");
	if (pki_crl_current(r->srv, sca, &der, &len) == -1)
		return http_error(c, r, method, url, "crl", 503,
		    "CRL unavailable, try again", NULL);
	return http_ok(c, r, method, url, "crl", "application/pkix-crl",
	    der, len, MHD_RESPMEM_MUST_FREE);
}

/*
 * RFC 6960 A.1: POST with the DER request as body, or GET with it in
 * base64 (URL-escaped) after /ocsp/.
 */
static enum MHD_Result
http_ocsp(struct MHD_Connection *c, struct http_req *r, const char *method,
    const char *url)
{
	struct ocsp_result	 res;
	struct engine_out	 eo = { .msgtype = "", .txid = "" };
	struct pki_ocsp_arg	 arg = { r->srv, NULL };
	unsigned char		*der = NULL;
	size_t			 dersz = 0;

	if (strcmp(method, "POST") == 0) {
		der = r->body.data;
		dersz = r->body.len;
	} else if (strncmp(url, "/ocsp/", 6) != 0 || b64_decode_lenient(
	    url + 6, strlen(url + 6), &der, &dersz) == -1)
		return http_error(c, r, method, url, "ocsp", 400,
		    "want POST, or GET /ocsp/<base64 request>", NULL);
	/* The CA the first CertID names signs; the others are unknown. */
	arg.sca = pki_ocsp_ca(r->srv, der, dersz);
	ocsp_respond_cached(r->srv->ocsp, arg.sca->ca, der, dersz,
	    r->srv->conf->pki.ocsp_validity, pki_ocsp_lookup, &arg, &res);
	if (der != r->body.data)
		free(der);
	eo.outcome = res.outcome;
	snprintf(eo.serial, sizeof(eo.serial), "%s", res.serial);
	http_log(r, method, url, "ocsp", res.http, res.dersz, &eo);
	if (res.der == NULL)
		return http_error(c, r, method, url, "ocsp", 500,
		    "cannot answer", NULL);
	return http_send(c, res.http, "application/ocsp-response", res.der,
	    res.dersz, MHD_RESPMEM_MUST_FREE, NULL);
}

/* "/prefix<name>suffix" -> the CA named; NULL if not such a path. */
static const struct server_ca *
http_ca_path(const struct server *srv, const char *url, const char *prefix,
    const char *suffix, int *known)
{
	size_t	pl = strlen(prefix), sl = strlen(suffix), n;

	*known = 0;
	if (strncmp(url, prefix, pl) != 0 || (n = strlen(url)) < pl + sl ||
	    strcmp(url + n - sl, suffix) != 0)
		return NULL;
	*known = 1;
	return server_ca(srv, url + pl, n - pl - sl);
}

static enum MHD_Result
http_cader(const struct server_ca *sca, struct MHD_Connection *c,
    struct http_req *r, const char *method, const char *url)
{
	if (!http_is_get(method))
		return http_error(c, r, method, url, "ca.crt", 405,
		    "the CA certificate is fetched with GET", "GET");
	return http_ok(c, r, method, url, "ca.crt", "application/pkix-cert",
	    sca->cader, sca->caderlen, MHD_RESPMEM_PERSISTENT);
}

/* Paths beside SCEP's: revocation information and the CAs themselves. */
static int
http_pki_path(struct MHD_Connection *c, struct http_req *r,
    const char *method, const char *url, enum MHD_Result *ret)
{
	const struct server_ca	*sca;
	int			 known;

	if (strcmp(url, "/crl") == 0)
		*ret = http_crl(&r->srv->cas[0], c, r, method, url);
	else if (strcmp(url, "/ca.crt") == 0)
		*ret = http_cader(&r->srv->cas[0], c, r, method, url);
	else if (strcmp(url, "/ocsp") == 0 || strncmp(url, "/ocsp/", 6) == 0)
		*ret = http_ocsp(c, r, method, url);
	else if ((sca = http_ca_path(r->srv, url, "/crl/", "", &known)) !=
	    NULL)
		*ret = http_crl(sca, c, r, method, url);
	else if (known)
		*ret = http_error(c, r, method, url, "crl", 404, "no such CA",
		    NULL);
	else if ((sca = http_ca_path(r->srv, url, "/ca/", ".crt", &known)) !=
	    NULL)
		*ret = http_cader(sca, c, r, method, url);
	else if (known)
		*ret = http_error(c, r, method, url, "ca.crt", 404,
		    "no such CA", NULL);
	else
		return 0;
	return 1;
}

/*
 * Which profile a SCEP path names: /scep and the fixed paths are the
 * default; /scep/<name>[/...] is <name>, and a first part with a dot in
 * it (pkiclient.exe) is a file name under the default, since profile
 * names have none.  0 with *sp set, 404 for no SCEP path or profile.
 */
static int
http_profile(const struct server *srv, const char *url,
    const struct server_profile **sp)
{
	const char	*seg, *end;
	size_t		 i;

	*sp = NULL;
	for (i = 0; i < sizeof(http_paths) / sizeof(http_paths[0]); i++)
		if (strcmp(url, http_paths[i]) == 0) {
			*sp = &srv->profiles[0];
			return 0;
		}
	if (strncmp(url, "/scep", 5) != 0 || (url[5] != '\0' &&
	    url[5] != '/'))
		return 404;
	seg = url[5] == '/' ? url + 6 : url + 5;
	if ((end = strchr(seg, '/')) == NULL)
		end = seg + strlen(seg);
	if (end == seg || memchr(seg, '.', (size_t)(end - seg)) != NULL)
		*sp = &srv->profiles[0];
	else
		*sp = server_profile(srv, seg, (size_t)(end - seg));
	return *sp == NULL ? 404 : 0;
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
 * GET /certsrv/mscep_admin/ with HTTP Basic credentials: mint a
 * one-time challenge for the profile they belong to.
 */
static enum MHD_Result
http_ndes(struct MHD_Connection *c, struct http_req *r, const char *method,
    const char *url)
{
	const struct server_profile	*sp;
	struct MHD_Response		*rsp;
	char				*user, *pass = NULL;
	char				 token[CHALLENGE_HEX + 1];
	unsigned char			*body;
	size_t				 len = 0;
	int64_t				 exp;
	enum MHD_Result			 ret;

	if (!http_is_get(method))
		return http_error(c, r, method, url, "ndes", 405,
		    "the challenge page is fetched with GET", "GET");
	user = MHD_basic_auth_get_username_password(c, &pass);
	sp = http_ndes_who(r->srv, user, pass);
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	if (sp == NULL) {
		http_log(r, method, url, "ndes", 401, 0, NULL);
		if ((rsp = MHD_create_response_from_buffer(13,
		    (void *)"Unauthorized\n", MHD_RESPMEM_PERSISTENT)) == NULL)
			return MHD_NO;
		ret = MHD_queue_basic_auth_fail_response(c, "scepd", rsp);
		MHD_destroy_response(rsp);
		return ret;
	}
	if (!sp->conf->enabled)
		return http_error(c, r, method, url, "ndes", 503,
		    sp->conf->disabled_reason != NULL ?
		    sp->conf->disabled_reason : "this profile is disabled",
		    NULL);
	if (challenge_mint(r->srv->store, sp->conf, 0, NULL, token, &exp) ==
	    -1)
		return http_error(c, r, method, url, "ndes", 503,
		    "cannot mint a challenge, try again", NULL);
	body = http_ndes_page(sp->sca->thumb, token,
	    sp->conf->policy.challenge_ttl / 60, &len);
	explicit_bzero(token, sizeof(token));
	if (body == NULL)
		return http_error(c, r, method, url, "ndes", 500,
		    "out of memory", NULL);
	return http_ok(c, r, method, url, "ndes",
	    "text/html; charset=utf-16", body, len, MHD_RESPMEM_MUST_FREE);
}

/* Route a complete request. */
static enum MHD_Result
http_route(struct MHD_Connection *c, struct http_req *r, const char *method,
    const char *url)
{
	const struct server_profile	*sp;
	const char			*op;
	int				 n[2] = { 0, 0 };
	enum MHD_Result			 ret;

	if (http_pki_path(c, r, method, url, &ret))
		return ret;
	if (strncmp(url, "/certsrv/mscep_admin", 20) == 0)
		return http_ndes(c, r, method, url);
	if (http_profile(r->srv, url, &sp) != 0)
		return http_error(c, r, method, url, "", 404,
		    "no SCEP service at this path", NULL);
	if (!sp->conf->enabled)
		return http_error(c, r, method, url, "", 503,
		    sp->conf->disabled_reason != NULL ?
		    sp->conf->disabled_reason : "this profile is disabled",
		    NULL);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, http_count_arg,
	    n);
	op = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "operation");
	if (n[0] > 1)
		return http_error(c, r, method, url, "", 400,
		    "operation given more than once", NULL);
	/* RFC 8894 4.3: some clients POST without any query string. */
	if (op == NULL && strcmp(method, "POST") == 0)
		op = "PKIOperation";
	if (op == NULL)
		return http_error(c, r, method, url, "", 400,
		    "missing operation parameter", NULL);
	if (strcasecmp(op, "PKIOperation") == 0)
		return http_pkiop(sp, c, r, method, url);
	if (strcasecmp(op, "GetCACaps") == 0 ||
	    strcasecmp(op, "GetCACert") == 0)
		return http_static(sp, c, r, method, url, op);
	if (strcasecmp(op, "GetNextCACert") == 0)
		return http_error(c, r, method, url, op, 404,
		    "no rollover CA certificate", NULL);
	return http_error(c, r, method, url, op, 400, "unknown operation",
	    NULL);
}

/* First call for a request: set it up, refuse what cannot be served. */
static enum MHD_Result
http_begin(struct http *h, struct MHD_Connection *c, const char *method,
    const char *url, void **ctx)
{
	struct http_req	*r;
	const char	*cl;
	char		*end;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MHD_NO;
	r->start = now_ms();
	r->body.max = h->max_body;
	r->hs = http_acquire(h);
	r->srv = r->hs->srv;
	r->h = h;
	http_peer(c, r->peer, sizeof(r->peer));
	*ctx = r;
	atomic_fetch_add(&h->inflight, 1);
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
	    strcmp(method, "HEAD") != 0)
		return http_error(c, r, method, url, "", 405,
		    "method not allowed", "GET, POST");
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (strtoull(cl, &end, 10) > r->body.max || *end))
		return http_error(c, r, method, url, "", 413,
		    "request body too large", NULL);
	return MHD_YES;
}

static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *uploadsz, void **ctx)
{
	struct http	*h = cls;
	struct http_req	*r = *ctx;

	if (r == NULL)
		return http_begin(h, c, method, url, ctx);
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
	if (r->op == HTTP_OP_DONE)	/* resumed: the work pool answered */
		return http_pkiop_answer(c, r, method, url);
	return http_route(c, r, method, url);
}

static void
http_done(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode why)
{
	struct http	*h = cls;
	struct http_req	*r = *ctx;

	if (r == NULL)
		return;
	if (r->der != r->body.data)
		free(r->der);
	free(r->eo.body);
	buf_free(&r->body);
	http_release(h, r->hs);
	free(r);
	*ctx = NULL;
	atomic_fetch_sub(&h->inflight, 1);
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

struct http *
http_start(struct server *srv, const char *listen, int *port)
{
	const struct conf_http	*hc = &srv->conf->http;
	struct http		*h;
	struct addrinfo		*ai;
	const union MHD_DaemonInfo *di;
	unsigned int		 flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME;
	long			 threads = hc->threads;

	if ((ai = http_addr(listen)) == NULL) {
		log_warnx("listen address \"%s\": want host:port", listen);
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    pthread_mutex_init(&h->mtx, NULL) != 0) {
		free(h);
		freeaddrinfo(ai);
		server_free(srv);
		return NULL;
	}
	h->max_body = hc->max_body;
	if (http_reload(h, srv) == -1) {
		pthread_mutex_destroy(&h->mtx);
		free(h);
		freeaddrinfo(ai);
		return NULL;
	}
	if (threads == 0 && (threads = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		threads = 1;
	if ((h->work = work_start((int)threads)) == NULL) {
		http_release(h, h->cur);
		pthread_mutex_destroy(&h->mtx);
		free(h);
		freeaddrinfo(ai);
		return NULL;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, http_handler, h,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)hc->max_conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)hc->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, http_done, h,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
	    MHD_OPTION_END);
	freeaddrinfo(ai);
	if (h->d == NULL) {
		log_warn("cannot listen on %s", listen);
		work_stop(h->work);
		http_release(h, h->cur);
		pthread_mutex_destroy(&h->mtx);
		free(h);
		return NULL;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	*port = di != NULL ? di->port : 0;
	return h;
}

void
http_stop(struct http *h)
{
	double deadline = now_ms() + HTTP_DRAIN_MS;

	if (h == NULL)
		return;
	atomic_store(&h->stopping, 1);
	MHD_quiesce_daemon(h->d);
	while (atomic_load(&h->inflight) > 0 && now_ms() < deadline)
		usleep(10000);
	/* No connection may stay suspended past MHD_stop_daemon(). */
	work_stop(h->work);
	MHD_stop_daemon(h->d);
	http_release(h, h->cur);
	pthread_mutex_destroy(&h->mtx);
	free(h);
}
