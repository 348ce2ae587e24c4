/*	SPDX-License-Identifier: ISC */
/*
 * admin.c: the admin listener's routes (issue #11 item 2): the JSON API
 * under /api/v1, handed to admin/api.c once the caller is known,
 * /metrics (metrics.c), and /healthz and /readyz, which the SCEP
 * listener serves too.
 *
 * Who calls is decided here, before api_handle(): an Authorization
 * header goes to api_auth_bearer(), else a client certificate (tls.c
 * asks for one, never requires it) to api_auth_cert() by its SHA-256.
 * Refused credentials count against the address in the same throttle
 * as the NDES page (auth.* in docs/configuration.md); none at all do
 * not, as clients ask without them first.  A token never reaches a log
 * line: the request log has the path, never a header.  Plain C and
 * libmicrohttpd; JSON is the API's, so the few bodies written here are
 * constant.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "http_local.h"
#include "log.h"

#define ADMIN_API_PREFIX	"/api/v1"
/* What a streamed answer (an export) is handed to libmicrohttpd in. */
#define ADMIN_STREAM_BLOCK	(64 * 1024)

/* A JSON error answer of the listener itself, with "hdr: val" if set. */
static enum MHD_Result
admin_json(struct http_req *r, int status, const char *msg, const char *hdr,
    const char *val)
{
	char	*body;
	int	 n = asprintf(&body, "{\"error\":\"%s\"}", msg);

	return http_refuse(r, status, "application/json", body, n, msg, hdr,
	    val);
}

/* The query parameter "name", URL-decoded by libmicrohttpd, or NULL. */
static const char *
admin_arg(void *cls, const char *name)
{
	return MHD_lookup_connection_value(cls, MHD_GET_ARGUMENT_KIND, name);
}

/* api_req.args: every query parameter, for refusing misspelt ones. */
struct admin_args {
	int	(*cb)(void *, const char *, const char *);
	void	*cbarg;
	int	 rc;
};

static enum MHD_Result
admin_args_one(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct admin_args *a = cls;

	if (a->cb(a->cbarg, key, value != NULL ? value : "") == -1) {
		a->rc = -1;
		return MHD_NO;
	}
	return MHD_YES;
}

static int
admin_args(void *cls, int (*cb)(void *, const char *, const char *),
    void *cbarg)
{
	struct admin_args a = { cb, cbarg, 0 };

	MHD_get_connection_values(cls, MHD_GET_ARGUMENT_KIND, admin_args_one,
	    &a);
	return a.rc;
}

/*
 * Who is calling: a bearer token, else a client certificate.  A
 * refusal is counted against the address (and logged without what was
 * presented); a success forgets its failures.
 */
static enum api_auth
admin_auth(struct http_req *r, struct api_identity *who, int64_t now)
{
	unsigned char	 fp[TLS_SHA256_LEN];
	char		 hex[2 * TLS_SHA256_LEN + 1];
	const char	*authz, *how = "token";
	enum api_auth	 a;
	int		 fails, wait;

	authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (authz != NULL)
		a = api_auth_bearer(r->srv->store, authz, who);
	else if (tls_peer_sha256(r->conn, fp)) {
		how = "client certificate";
		hex_encode(fp, sizeof(fp), hex);
		log_debug("%s: admin API: client certificate SHA-256 %s",
		    r->peer, hex);
		a = api_auth_cert(r->srv->store, fp, who);
	} else
		a = API_AUTH_NONE;
	if (a == API_AUTH_OK)
		throttle_pass(&r->h->auth, r->peer);
	else if (a == API_AUTH_BAD || (a == API_AUTH_NONE && authz != NULL)) {
		fails = throttle_fail(&r->h->auth, r->peer, now, &wait);
		log_warnx("%s: admin API: %s refused (failure %d in a row%s)",
		    r->peer, how, fails, wait > 0 ? "; address must wait" :
		    "");
		a = API_AUTH_BAD;
	}
	return a;
}

/* Only characters that need no quoting in Content-Disposition. */
static int
admin_filename_ok(const char *f)
{
	size_t n = strlen(f);

	return n > 0 && strspn(f, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n && f[0] != '.';
}

/* Send what api_handle() answered; its body or stream is handed on. */
static enum MHD_Result
admin_send(struct http_req *r, struct api_resp *rs)
{
	struct MHD_Response	*rsp;
	char			 disp[96];
	const char		*ctype = rs->ctype != NULL ? rs->ctype :
	    "application/json";

	if (rs->read != NULL) {
		rsp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
		    ADMIN_STREAM_BLOCK, rs->read, rs->cls, rs->done);
		if (rsp == NULL && rs->done != NULL)
			rs->done(rs->cls);
		free(rs->body);
		http_log(r, rs->status, 0, NULL);
		if (rsp != NULL)
			MHD_add_response_header(rsp,
			    MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	} else {
		http_log(r, rs->status, rs->len, NULL);
		rsp = http_response(ctype, rs->body, rs->len,
		    MHD_RESPMEM_MUST_FREE);
	}
	if (rsp != NULL && admin_filename_ok(rs->filename)) {
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
		    rs->filename);
		MHD_add_response_header(rsp,
		    MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	}
	return http_queue(r, rs->status, rsp);
}

/* /api/v1/...: authenticate, then api_handle(). */
static enum MHD_Result
admin_api(struct http_req *r)
{
	struct api_identity	 who;
	struct api_req		 rq;
	struct api_resp		 rs;
	char			 after[16];
	int64_t			 now = (int64_t)(now_ms() / 1000);
	int			 wait;

	if ((wait = throttle_wait(&r->h->auth, r->peer, now)) > 0) {
		snprintf(after, sizeof(after), "%d", wait);
		return admin_json(r, 429, "credentials failed too often from "
		    "this address", MHD_HTTP_HEADER_RETRY_AFTER, after);
	}
	switch (admin_auth(r, &who, now)) {
	case API_AUTH_OK:
		break;
	case API_AUTH_NONE:
		return admin_json(r, 401, "a token is needed (Authorization: "
		    "Bearer)", MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"scepd\"");
	case API_AUTH_BAD:
		return admin_json(r, 401, "this token is not valid",
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"scepd\", "
		    "error=\"invalid_token\"");
	default:
		return admin_json(r, 503, "cannot check credentials now, try "
		    "again", NULL, NULL);
	}
	memset(&rq, 0, sizeof(rq));
	rq.srv = r->srv;
	/* HEAD is answered as GET (enum http_method). */
	rq.method = r->meth == HTTP_GET ? "GET" : r->method;
	rq.path = r->url + strlen(ADMIN_API_PREFIX);
	rq.arg = admin_arg;
	rq.args = admin_args;
	rq.argcls = r->conn;
	rq.body = r->body.len > 0 ? r->body.data : NULL;
	rq.bodysz = r->body.len;
	rq.who = &who;
	rq.peer = r->peer;
	rq.reload = r->h->reload;
	rq.reloadcls = r->h->reloadcls;
	api_handle(&rq, &rs);
	return admin_send(r, &rs);
}

enum MHD_Result
http_healthz(struct http_req *r)
{
	return http_ok(r, "text/plain", (void *)"ok\n", 3,
	    MHD_RESPMEM_PERSISTENT);
}

/*
 * Ready when the store answers a query (its revision: one row) and
 * every CA of the configuration is loaded; 503 with the reason
 * otherwise, and while stopping, so that a load balancer moves on.
 */
enum MHD_Result
http_readyz(struct http_req *r)
{
	int64_t	rev;
	size_t	i;

	if (atomic_load(&r->h->stopping))
		return http_error(r, 503, "shutting down");
	if (r->srv->ncas != r->srv->conf->ncas)
		return http_error(r, 503, "not every CA is loaded");
	for (i = 0; i < r->srv->ncas; i++)
		if (r->srv->cas[i].ca == NULL)
			return http_error(r, 503, "not every CA is loaded");
	if (store_revision(r->srv->store, &rev) == -1)
		return http_error(r, 503, "the store does not answer");
	return http_ok(r, "text/plain", (void *)"ready\n", 6,
	    MHD_RESPMEM_PERSISTENT);
}

/*
 * The admin listener's paths, as http.c's table: the API takes every
 * method it serves and answers 404/405 itself, in JSON.
 */
const struct http_route admin_routes[] = {
	{ ADMIN_API_PREFIX "/*", NULL,
	    HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_DELETE, "api", admin_api,
	    NULL },
	{ "/metrics", NULL, HTTP_GET, "metrics", metrics_serve,
	    "metrics are fetched with GET" },
	{ "/healthz", NULL, HTTP_GET, "healthz", http_healthz,
	    "health is asked with GET" },
	{ "/readyz", NULL, HTTP_GET, "readyz", http_readyz,
	    "readiness is asked with GET" },
};
const size_t admin_nroutes = sizeof(admin_routes) / sizeof(admin_routes[0]);
