/*	SPDX-License-Identifier: ISC */
/*
 * intune.c: the HTTP side of challenge.mode intune (issue #16), as
 * ../shared/docs/INTUNE.md lays it out: client-credentials tokens from
 * Entra ID (step 1), Graph's service discovery (step 2), and the calls
 * of the SCEP validation service (steps 3 and 4) and of the PKI
 * connector (step 5).  Tokens and service URLs are cached per tenant
 * in a struct intune_cache; a token is dropped when a service says 401
 * (and the call made once more with a new one), the service URLs on
 * any failure, since tenants move between scale units.
 *
 * Uses libcurl, jansson (through intune_json.c), jws.c for a signed
 * client assertion, log.c and util.c.  Every failure fails closed: the
 * caller issues nothing unless a verdict is INTUNE_OK.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "intune.h"
#include "jws.h"
#include "log.h"
#include "util.h"

/* A token is renewed this long before it expires (at most half its life). */
#define INTUNE_TOKEN_MARGIN	300
/* The lifetime of a client assertion, seconds. */
#define INTUNE_ASSERTION_LIFE	600

enum intune_tok {
	INTUNE_TOK_GRAPH,
	INTUNE_TOK_INTUNE,
	INTUNE_TOK__MAX
};

/* One tenant's tokens and services; entries live as long as the cache. */
struct intune_tenant {
	struct intune_tenant	*next;
	char			*key;		/* authority, tenant, app, ... */
	char			*tok[INTUNE_TOK__MAX];	/* under the mutex */
	int64_t			 exp[INTUNE_TOK__MAX];	/* renew from then */
	char			 scep[INTUNE_URI_MAX];	/* "" until discovered */
	char			 pki[INTUNE_URI_MAX];
};

struct intune_cache {
	pthread_mutex_t		 mu;
	struct intune_tenant	*list;
};

/* One call: where it goes, and the result it fills. */
struct intune_call {
	struct intune_cache		*cache;
	struct intune_tenant		*tn;
	const struct conf_intune	*ic;
	struct intune_result		*res;
	const char			*txid;	/* for the log, or "-" */
};

/* An answer being read; never more than INTUNE_ANSWER_MAX bytes. */
struct intune_answer {
	struct buf	 b;
	int		 toobig;
};

struct intune_cache *
intune_cache_new(void)
{
	struct intune_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("intune_cache_new");
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void
intune_secret_free(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	free(s);
}

void
intune_cache_free(struct intune_cache *c)
{
	struct intune_tenant	*t, *next;
	int			 i;

	if (c == NULL)
		return;
	for (t = c->list; t != NULL; t = next) {
		next = t->next;
		for (i = 0; i < INTUNE_TOK__MAX; i++)
			intune_secret_free(t->tok[i]);
		free(t->key);
		free(t);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* The entry of the tenant "ic" names, made on first use; NULL if no memory. */
static struct intune_tenant *
intune_tenant(struct intune_cache *c, const struct conf_intune *ic)
{
	struct intune_tenant	*t;
	char			*key;

	if (asprintf(&key, "%s\n%s\n%s\n%s\n%s", ic->authority, ic->tenant,
	    ic->app_id, ic->graph, ic->resource) == -1)
		return NULL;
	pthread_mutex_lock(&c->mu);
	for (t = c->list; t != NULL; t = t->next)
		if (strcmp(t->key, key) == 0)
			break;
	if (t == NULL && (t = calloc(1, sizeof(*t))) != NULL) {
		t->key = key;
		key = NULL;
		t->next = c->list;
		c->list = t;
	}
	pthread_mutex_unlock(&c->mu);
	free(key);
	return t;
}

/* Format into the result's words (control characters are ours: none). */
static void __attribute__((format(printf, 3, 4)))
intune_fail(struct intune_call *k, enum intune_step step, const char *fmt,
    ...)
{
	va_list	 ap;

	k->res->verdict = INTUNE_ERROR;
	k->res->step = step;
	va_start(ap, fmt);
	vsnprintf(k->res->desc, sizeof(k->res->desc), fmt, ap);
	va_end(ap);
}

/* A new client-request-id: a random UUID (RFC 9562 5.4). */
static int
intune_uuid(char *out)
{
	unsigned char	 r[16];

	if (rand_bytes(r, sizeof(r)) == -1)
		return -1;
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, INTUNE_UUID_LEN + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
	    r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
	    r[15]);
	return 0;
}

/* curl's write callback; returning short makes curl fail the transfer. */
static size_t
intune_write(char *p, size_t size, size_t n, void *arg)
{
	struct intune_answer	*a = arg;

	if (n > a->b.max - a->b.len) {
		a->toobig = 1;
		return 0;
	}
	if (buf_add(&a->b, p, n) == -1)
		return 0;
	return n;
}

/* Append a header line "name: value"; -1 if out of memory. */
static int
intune_header(struct curl_slist **h, const char *name, const char *value)
{
	struct curl_slist	*n;
	char			*line;

	if (asprintf(&line, "%s: %s", name, value) == -1)
		return -1;
	n = curl_slist_append(*h, line);
	intune_secret_free(line);
	if (n == NULL)
		return -1;
	*h = n;
	return 0;
}

/*
 * Everything about a transfer.  TLS is verified (against intune.ca_file
 * when set); redirects are not followed, so a bearer token goes to the
 * URL it was meant for and nowhere else.
 */
static int
intune_setopt(CURL *c, const struct conf_intune *ic, const char *url,
    const char *body, struct curl_slist *hdr, struct intune_answer *a,
    char *err)
{
	long	 ms = (long)(ic->timeout > 0 ? ic->timeout : 15) * 1000;
	int	 bad = 0;

	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr) != CURLE_OK;
	if (body != NULL) {
		bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) !=
		    CURLE_OK;
		bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(body)) != CURLE_OK;
	}
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, intune_write) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, a) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, ic->provider) !=
	    CURLE_OK;
	if (ic->ca_file != NULL)
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, ic->ca_file) !=
		    CURLE_OK;
	if (ic->proxy != NULL)
		bad |= curl_easy_setopt(c, CURLOPT_PROXY, ic->proxy) !=
		    CURLE_OK;
	return bad ? -1 : 0;
}

/*
 * One HTTPS request: GET when "body" is NULL, else POST.  0 with
 * *status set, or -1 with the transport's failure in k->res (step).
 */
static int
intune_http(struct intune_call *k, enum intune_step step, const char *url,
    struct curl_slist *hdr, const char *body, struct intune_answer *a,
    long *status)
{
	CURL		*c;
	char		 err[CURL_ERROR_SIZE];
	CURLcode	 cc;
	int		 rc = -1;

	err[0] = '\0';
	*status = 0;
	if ((c = curl_easy_init()) == NULL ||
	    intune_setopt(c, k->ic, url, body, hdr, a, err) == -1) {
		intune_fail(k, step, "cannot set up libcurl (7.85 or later "
		    "is needed)");
		goto out;
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		if (a->toobig)
			intune_fail(k, step, "answer over %d bytes",
			    INTUNE_ANSWER_MAX);
		else if (cc == CURLE_OPERATION_TIMEDOUT)
			intune_fail(k, step, "no answer within %d s",
			    k->ic->timeout);
		else
			intune_fail(k, step, "%s", err[0] != '\0' ? err :
			    curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	k->res->http = *status;
	rc = 0;
 out:
	curl_easy_cleanup(c);
	return rc;
}

/* Base64url without padding (RFC 7515 2), malloc'd, or NULL. */
static char *
intune_b64url(const void *p, size_t n)
{
	char	*s, *q;

	if ((s = b64_encode(p, n)) == NULL)
		return NULL;
	for (q = s; *q != '\0'; q++)
		if (*q == '+')
			*q = '-';
		else if (*q == '/')
			*q = '_';
	if ((q = strchr(s, '=')) != NULL)
		*q = '\0';
	return s;
}

/* json_pack() straight to compact text (malloc'd), or NULL. */
static char *
intune_dump_pack(const char *fmt, ...)
{
	json_t	*o;
	char	*s = NULL;
	va_list	 ap;

	va_start(ap, fmt);
	o = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	if (o != NULL)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* "<b64url(a)>.<b64url(b)>", malloc'd, or NULL. */
static char *
intune_b64url_pair(const char *a, const char *b)
{
	char	*x = intune_b64url(a, strlen(a)), *y = NULL, *s = NULL;

	if (x != NULL && (y = intune_b64url(b, strlen(b))) != NULL &&
	    asprintf(&s, "%s.%s", x, y) == -1)
		s = NULL;
	free(x);
	free(y);
	return s;
}

/*
 * A client assertion for the token endpoint "aud" (RFC 7523 3, Entra's
 * certificate credential): JWS RS256 with the certificate's SHA-1 as
 * x5t.  Malloc'd, or NULL (logged).
 */
static char *
intune_assertion(const struct conf_intune *ic, const char *aud)
{
	unsigned char	 thumb[20], *sig = NULL;
	size_t		 sigsz;
	char		 jti[INTUNE_UUID_LEN + 1], *x5t = NULL, *hdr = NULL;
	char		*claims = NULL, *input = NULL, *s = NULL, *ret = NULL;
	json_int_t	 now = (json_int_t)time(NULL);

	if (jws_cert_sha1(ic->cert_file, thumb) == -1 ||
	    intune_uuid(jti) == -1 ||
	    (x5t = intune_b64url(thumb, sizeof(thumb))) == NULL)
		goto out;
	hdr = intune_dump_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ",
	    "JWT", "x5t", x5t);
	claims = intune_dump_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "aud", aud, "iss", ic->app_id, "sub", ic->app_id, "jti", jti,
	    "nbf", now, "iat", now, "exp", now + INTUNE_ASSERTION_LIFE);
	if (hdr == NULL || claims == NULL ||
	    (input = intune_b64url_pair(hdr, claims)) == NULL ||
	    jws_rs256(ic->key_file, input, strlen(input), &sig, &sigsz) == -1 ||
	    (s = intune_b64url(sig, sigsz)) == NULL ||
	    asprintf(&ret, "%s.%s", input, s) == -1)
		ret = NULL;
 out:
	free(x5t);
	free(hdr);
	free(claims);
	free(input);
	free(sig);
	free(s);
	return ret;
}

/* The scope of a token: "<resource>/.default", kept as the reference. */
static char *
intune_scope(const struct conf_intune *ic, enum intune_tok which)
{
	char	*s;

	/*
	 * INTUNE.md step 1: Intune's resource ends in '/', and the
	 * reference client appends "/.default" to it all the same.
	 */
	if (asprintf(&s, "%s/.default", which == INTUNE_TOK_GRAPH ?
	    ic->graph : ic->resource) == -1)
		return NULL;
	return s;
}

/* A cached token, unexpired, as a copy (malloc'd), or NULL. */
static char *
intune_token_cached(struct intune_call *k, enum intune_tok which)
{
	char	*t = NULL;

	pthread_mutex_lock(&k->cache->mu);
	if (k->tn->tok[which] != NULL && (int64_t)time(NULL) <
	    k->tn->exp[which])
		t = strdup(k->tn->tok[which]);
	pthread_mutex_unlock(&k->cache->mu);
	return t;
}

/* Keep "t" (copied) until shortly before it expires in "life" seconds. */
static void
intune_token_keep(struct intune_call *k, enum intune_tok which,
    const char *t, int64_t life)
{
	int64_t	 margin = life / 2 < INTUNE_TOKEN_MARGIN ? life / 2 :
		    INTUNE_TOKEN_MARGIN;
	char	*copy = strdup(t);

	pthread_mutex_lock(&k->cache->mu);
	intune_secret_free(k->tn->tok[which]);
	k->tn->tok[which] = copy;
	k->tn->exp[which] = (int64_t)time(NULL) + life - margin;
	pthread_mutex_unlock(&k->cache->mu);
}

/* A service refused the token (401): the next call fetches another. */
static void
intune_token_drop(struct intune_call *k, enum intune_tok which)
{
	pthread_mutex_lock(&k->cache->mu);
	intune_secret_free(k->tn->tok[which]);
	k->tn->tok[which] = NULL;
	pthread_mutex_unlock(&k->cache->mu);
}

/* The token request's form body (secret or assertion), malloc'd. */
static char *
intune_token_body(struct intune_call *k, const char *url, const char *scope)
{
	char	*assertion = NULL, *body;

	if (k->ic->cert_file != NULL &&
	    (assertion = intune_assertion(k->ic, url)) == NULL) {
		intune_fail(k, INTUNE_STEP_TOKEN, "cannot sign a client "
		    "assertion with intune.key_file");
		return NULL;
	}
	body = intune_json_token_form(k->ic->app_id, k->ic->secret,
	    assertion, scope);
	free(assertion);
	if (body == NULL)
		intune_fail(k, INTUNE_STEP_TOKEN, "out of memory");
	return body;
}

/*
 * A token for Graph or Intune (INTUNE.md step 1): the cached one, or a
 * new one from <authority>/<tenant>/oauth2/v2.0/token.  Malloc'd, or
 * NULL with k->res saying why (step INTUNE_STEP_TOKEN).
 */
static char *
intune_token(struct intune_call *k, enum intune_tok which)
{
	struct intune_answer	 a = { .b = { .max = INTUNE_ANSWER_MAX } };
	struct curl_slist	*hdr = NULL;
	char			*url = NULL, *scope = NULL, *body = NULL;
	char			*tok = NULL;
	int64_t			 life = 0;
	long			 status;

	if ((tok = intune_token_cached(k, which)) != NULL)
		return tok;
	if (asprintf(&url, "%s/%s/oauth2/v2.0/token", k->ic->authority,
	    k->ic->tenant) == -1 || (scope = intune_scope(k->ic, which)) ==
	    NULL) {
		url = NULL;
		intune_fail(k, INTUNE_STEP_TOKEN, "out of memory");
		goto out;
	}
	if ((body = intune_token_body(k, url, scope)) == NULL)
		goto out;
	if (intune_header(&hdr, "Content-Type",
	    "application/x-www-form-urlencoded") == -1 ||
	    intune_header(&hdr, "Accept", "application/json") == -1) {
		intune_fail(k, INTUNE_STEP_TOKEN, "out of memory");
		goto out;
	}
	if (intune_http(k, INTUNE_STEP_TOKEN, url, hdr, body, &a, &status) ==
	    -1)
		goto out;
	if (intune_json_token(status, &a.b, &tok, &life, k->res) == -1) {
		k->res->verdict = INTUNE_ERROR;
		k->res->step = INTUNE_STEP_TOKEN;
		goto out;
	}
	intune_token_keep(k, which, tok, life);
 out:
	if (body != NULL)
		intune_secret_free(body);
	curl_slist_free_all(hdr);
	free(url);
	free(scope);
	buf_free(&a.b);
	return tok;
}

/* The headers of a call with bearer token "tok"; NULL if no memory. */
static struct curl_slist *
intune_headers(const struct conf_intune *ic, const char *tok,
    const char *activity, const char *api)
{
	struct curl_slist	*h = NULL;
	char			*auth = NULL;
	int			 bad;

	if (asprintf(&auth, "Bearer %s", tok) == -1)
		return NULL;
	/* "Expect:" off: waiting for 100-continue would only cost time. */
	bad = intune_header(&h, "Authorization", auth) == -1 ||
	    intune_header(&h, "Accept", "application/json") == -1 ||
	    intune_header(&h, "client-request-id", activity) == -1 ||
	    curl_slist_append(h, "Expect:") == NULL;
	/* INTUNE.md step 3: the reference's header is named "UserAgent". */
	if (!bad && api != NULL)
		bad = intune_header(&h, "Content-Type", "application/json") ==
		    -1 || intune_header(&h, "api-version", api) == -1 ||
		    intune_header(&h, "UserAgent", ic->provider) == -1;
	intune_secret_free(auth);
	if (bad) {
		curl_slist_free_all(h);
		return NULL;
	}
	return h;
}

/* Forget the discovered services: the next call asks Graph again. */
static void
intune_services_drop(struct intune_call *k)
{
	pthread_mutex_lock(&k->cache->mu);
	k->tn->scep[0] = k->tn->pki[0] = '\0';
	pthread_mutex_unlock(&k->cache->mu);
}

/* One GET of Graph's list of Intune's endpoints; 0, 1 (say 401), -1. */
static int
intune_discover_once(struct intune_call *k, char *scep, char *pki)
{
	struct intune_answer	 a = { .b = { .max = INTUNE_ANSWER_MAX } };
	struct curl_slist	*hdr = NULL;
	char			*tok, *url = NULL;
	long			 status;
	int			 rc = -1;

	if ((tok = intune_token(k, INTUNE_TOK_GRAPH)) == NULL)
		return -1;
	if (intune_uuid(k->res->activity) == -1 ||
	    asprintf(&url, "%s/v1.0/servicePrincipals/appId=%s/endpoints",
	    k->ic->graph, INTUNE_APP_ID) == -1 ||
	    (hdr = intune_headers(k->ic, tok, k->res->activity, NULL)) ==
	    NULL) {
		intune_fail(k, INTUNE_STEP_DISCOVERY, "out of memory");
		goto out;
	}
	if (intune_http(k, INTUNE_STEP_DISCOVERY, url, hdr, NULL, &a,
	    &status) == -1)
		goto out;
	if (status == 401) {
		intune_token_drop(k, INTUNE_TOK_GRAPH);
		rc = 1;
	}
	if (status < 200 || status > 299) {
		intune_json_code(status, &a.b, k->res);
		k->res->step = INTUNE_STEP_DISCOVERY;
		goto out;
	}
	if (intune_json_services(&a.b, scep, pki, k->res) == -1) {
		intune_fail(k, INTUNE_STEP_DISCOVERY, "%s", k->res->desc);
		goto out;
	}
	rc = 0;
 out:
	curl_slist_free_all(hdr);
	intune_secret_free(tok);
	free(url);
	buf_free(&a.b);
	return rc;
}

/*
 * The URL of service "pki" (PkiConnectorFEService) or not (the SCEP
 * validation service) into "uri": cached, else discovered (INTUNE.md
 * step 2).  0, or -1 with k->res saying why.
 */
static int
intune_service(struct intune_call *k, int pki, char *uri)
{
	char	 s[INTUNE_URI_MAX], p[INTUNE_URI_MAX];
	int	 rc;

	pthread_mutex_lock(&k->cache->mu);
	snprintf(uri, INTUNE_URI_MAX, "%s", pki ? k->tn->pki : k->tn->scep);
	pthread_mutex_unlock(&k->cache->mu);
	if (*uri != '\0')
		return 0;
	if ((rc = intune_discover_once(k, s, p)) == 1)
		rc = intune_discover_once(k, s, p);
	if (rc != 0)
		return -1;
	pthread_mutex_lock(&k->cache->mu);
	memcpy(k->tn->scep, s, sizeof(s));
	memcpy(k->tn->pki, p, sizeof(p));
	pthread_mutex_unlock(&k->cache->mu);
	snprintf(uri, INTUNE_URI_MAX, "%s", pki ? p : s);
	if (*uri != '\0')
		return 0;
	intune_fail(k, INTUNE_STEP_NOSERVICE, "Graph lists no %s for this "
	    "tenant", pki ? INTUNE_PKI_SERVICE : INTUNE_SCEP_SERVICE);
	return -1;
}

/*
 * One POST of "body" to <service>/<path>; 0 with the answer in "a" and
 * *status, 1 if the token was refused (401, dropped), -1 on failure.
 */
static int
intune_post_once(struct intune_call *k, int pki, const char *path,
    const char *body, struct intune_answer *a, long *status)
{
	struct curl_slist	*hdr = NULL;
	char			 uri[INTUNE_URI_MAX], *tok = NULL, *url = NULL;
	int			 rc = -1;

	if (intune_service(k, pki, uri) == -1 ||
	    (tok = intune_token(k, INTUNE_TOK_INTUNE)) == NULL)
		goto out;
	if (intune_uuid(k->res->activity) == -1 ||
	    asprintf(&url, "%s/%s", uri, path) == -1 ||
	    (hdr = intune_headers(k->ic, tok, k->res->activity, pki ?
	    INTUNE_PKI_API : INTUNE_SCEP_API)) == NULL) {
		url = NULL;
		intune_fail(k, INTUNE_STEP_CALL, "out of memory");
		goto out;
	}
	if (intune_http(k, INTUNE_STEP_CALL, url, hdr, body, a, status) ==
	    -1) {
		intune_services_drop(k);
		goto out;
	}
	rc = 0;
	if (*status == 401) {
		intune_token_drop(k, INTUNE_TOK_INTUNE);
		rc = 1;
	} else if (*status < 200 || *status > 299)
		intune_services_drop(k);
 out:
	curl_slist_free_all(hdr);
	intune_secret_free(tok);
	free(url);
	return rc;
}

/*
 * POST "body" to <service>/<path>, once more with a new token if the
 * first was refused (it may have expired on Entra's clock before ours).
 * 0 with the answer in "a" and *status, or -1 (k->res says why).
 */
static int
intune_post(struct intune_call *k, int pki, const char *path,
    const char *body, struct intune_answer *a, long *status)
{
	int	 rc;

	if ((rc = intune_post_once(k, pki, path, body, a, status)) == 1) {
		buf_free(&a->b);
		a->b = (struct buf){ .max = INTUNE_ANSWER_MAX };
		rc = intune_post_once(k, pki, path, body, a, status);
	}
	return rc == -1 ? -1 : 0;
}

/* Set up a call on "cache", or on a private one (*own) if it is NULL. */
static int
intune_begin(struct intune_call *k, struct intune_cache *cache,
    struct intune_cache **own, const struct conf_intune *ic,
    const char *txid, struct intune_result *res)
{
	memset(res, 0, sizeof(*res));
	res->verdict = INTUNE_ERROR;
	*own = NULL;
	if (cache == NULL && (cache = *own = intune_cache_new()) == NULL)
		return -1;
	*k = (struct intune_call){ .cache = cache, .ic = ic, .res = res,
	    .txid = txid != NULL ? txid : "-" };
	if ((k->tn = intune_tenant(cache, ic)) == NULL) {
		intune_fail(k, INTUNE_STEP_NONE, "out of memory");
		return -1;
	}
	return 0;
}

/* The one log line of a call that did not end in Success. */
static void
intune_log(const struct intune_call *k, const char *what)
{
	const struct intune_result *r = k->res;

	if (r->verdict == INTUNE_OK)
		log_debug("%s: intune %s: Success (activity %s)", k->txid,
		    what, r->activity);
	else
		log_warnx("%s: intune %s: %s%s%s (HTTP %ld, activity %s)",
		    k->txid, what, r->code, *r->code ? ": " : "", r->desc,
		    r->http, *r->activity ? r->activity : "-");
}

/* A SCEP validation service call with a {"code"} answer. */
static enum intune_verdict
intune_scep_call(struct intune_cache *cache, const struct conf_intune *ic,
    const char *txid, const char *path, char *body,
    struct intune_result *res)
{
	struct intune_answer	 a = { .b = { .max = INTUNE_ANSWER_MAX } };
	struct intune_cache	*own;
	struct intune_call	 k;
	long			 status;

	if (intune_begin(&k, cache, &own, ic, txid, res) == -1)
		goto out;
	if (body == NULL) {
		intune_fail(&k, INTUNE_STEP_NONE, "request not encodable as "
		    "JSON (transactionID not UTF-8?)");
		goto out;
	}
	if (intune_post(&k, 0, path, body, &a, &status) == 0) {
		intune_json_code(status, &a.b, res);
		if (res->verdict == INTUNE_ERROR)
			res->step = INTUNE_STEP_CALL;
	}
	intune_log(&k, path + strlen("ScepActions/"));
 out:
	free(body);
	buf_free(&a.b);
	intune_cache_free(own);
	return res->verdict;
}

enum intune_verdict
intune_validate(struct intune_cache *cache, const struct conf_intune *ic,
    const struct intune_req *rq, struct intune_result *res)
{
	return intune_scep_call(cache, ic, rq->txid,
	    "ScepActions/validateRequest",
	    intune_json_validate(rq, ic->provider), res);
}

enum intune_verdict
intune_notify_success(struct intune_cache *cache,
    const struct conf_intune *ic, const struct intune_req *rq,
    const struct intune_issued *is, struct intune_result *res)
{
	return intune_scep_call(cache, ic, rq->txid,
	    "ScepActions/successNotification",
	    intune_json_success(rq, is, ic->provider), res);
}

enum intune_verdict
intune_notify_failure(struct intune_cache *cache,
    const struct conf_intune *ic, const struct intune_req *rq,
    int64_t hresult, const char *desc, struct intune_result *res)
{
	return intune_scep_call(cache, ic, rq->txid,
	    "ScepActions/failureNotification",
	    intune_json_failure(rq, hresult, desc, ic->provider), res);
}

enum intune_verdict
intune_probe(const struct conf_intune *ic, struct intune_result *res,
    char *scep, char *pki)
{
	struct intune_cache	*own;
	struct intune_call	 k;
	char			*tok;

	scep[0] = pki[0] = '\0';
	if (intune_begin(&k, NULL, &own, ic, "intune check", res) == -1)
		goto out;
	/* Each token on its own, so that a refusal names its scope. */
	if ((tok = intune_token(&k, INTUNE_TOK_INTUNE)) == NULL)
		goto out;
	intune_secret_free(tok);
	if (intune_discover_once(&k, scep, pki) != 0)
		goto out;
	if (*scep == '\0') {
		intune_fail(&k, INTUNE_STEP_NOSERVICE, "Graph lists no %s "
		    "for this tenant", INTUNE_SCEP_SERVICE);
		goto out;
	}
	res->verdict = INTUNE_OK;
	res->step = INTUNE_STEP_NONE;
 out:
	intune_cache_free(own);
	return res->verdict;
}

enum intune_verdict
intune_revocations_get(struct intune_cache *cache,
    const struct conf_intune *ic, struct intune_revocation *v, size_t max,
    size_t *n, struct intune_result *res)
{
	struct intune_answer	 a = { .b = { .max = INTUNE_ANSWER_MAX } };
	struct intune_cache	*own;
	struct intune_call	 k;
	char			*body = NULL;
	long			 status;

	*n = 0;
	if (intune_begin(&k, cache, &own, ic, "revocations", res) == -1)
		goto out;
	if ((body = intune_json_download(max)) == NULL) {
		intune_fail(&k, INTUNE_STEP_NONE, "out of memory");
		goto out;
	}
	if (intune_post(&k, 1, "CertificateAuthorityRequests/"
	    "downloadRevocationRequests", body, &a, &status) == -1)
		goto log;
	if (status < 200 || status > 299) {
		intune_json_code(status, &a.b, res);
		res->step = INTUNE_STEP_CALL;
	} else if (intune_json_revocations(&a.b, v, max, n, res) == -1)
		intune_fail(&k, INTUNE_STEP_CALL, "%s", res->desc);
	else
		res->verdict = INTUNE_OK;
 log:
	intune_log(&k, "downloadRevocationRequests");
 out:
	free(body);
	buf_free(&a.b);
	intune_cache_free(own);
	return res->verdict;
}

enum intune_verdict
intune_revocations_put(struct intune_cache *cache,
    const struct conf_intune *ic, const struct intune_revocation *v,
    size_t n, struct intune_result *res)
{
	struct intune_answer	 a = { .b = { .max = INTUNE_ANSWER_MAX } };
	struct intune_cache	*own;
	struct intune_call	 k;
	char			*body = NULL;
	long			 status;

	if (intune_begin(&k, cache, &own, ic, "revocations", res) == -1)
		goto out;
	if ((body = intune_json_upload(v, n)) == NULL) {
		intune_fail(&k, INTUNE_STEP_NONE, "results not encodable");
		goto out;
	}
	if (intune_post(&k, 1, "CertificateAuthorityRequests/"
	    "uploadRevocationResults", body, &a, &status) == -1)
		goto log;
	if (status < 200 || status > 299) {
		intune_json_code(status, &a.b, res);
		res->step = INTUNE_STEP_CALL;
	} else if (intune_json_uploaded(&a.b, res) == -1)
		intune_fail(&k, INTUNE_STEP_CALL, "%s", res->desc);
	else
		res->verdict = INTUNE_OK;
 log:
	intune_log(&k, "uploadRevocationResults");
 out:
	free(body);
	buf_free(&a.b);
	intune_cache_free(own);
	return res->verdict;
}
