/*	SPDX-License-Identifier: ISC */
/*
 * intune_json.c: the JSON bodies of Intune's SCEP API and the reading of
 * its answers, as ../shared/docs/INTUNE.md describes them (steps 1 to
 * 5), with jansson.  Pure functions: no HTTP, no state, so that
 * tests/unit/test_intune.c checks every field and tests/fuzz/fuzz_intune.c
 * feeds the readers anything.  Text that comes from the network is
 * cleaned of control characters before it can reach a log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "intune.h"
#include "util.h"

/* The longest access token kept: Entra's are 1.5 to 3 KB. */
#define INTUNE_TOKEN_MAX	(32 * 1024)

void
intune_json_clean(char *dst, size_t sz, const char *src)
{
	size_t	 n, i;

	if (sz == 0)
		return;
	n = strlen(src);
	if (n >= sz) {
		n = sz - 1;
		/* Back to the start of a UTF-8 sequence, not into one. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	dst[n] = '\0';
}

void
intune_json_time(int64_t t, char *out)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 25, "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
		snprintf(out, 25, "1970-01-01T00:00:00.000Z");
}

/* A compact dump of "o", which is released; NULL if "o" is NULL. */
static char *
intune_dump(json_t *o)
{
	char	*s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* The fields every request and notification begins with. */
static json_t *
intune_head(const struct intune_req *rq)
{
	json_t	*o;
	char	*csr;

	if (rq->txid == NULL || (csr = b64_encode(rq->csr, rq->csrsz)) ==
	    NULL)
		return NULL;
	/* json_string() is NULL for text that is not UTF-8: "s" fails. */
	o = json_pack("{s:s, s:s}", "transactionId", rq->txid,
	    "certificateRequest", csr);
	free(csr);
	return o;
}

/* {"<wrap>": head + extra}, or NULL. */
static char *
intune_wrap(const char *wrap, json_t *head, json_t *extra)
{
	json_t	*o = NULL;

	if (head != NULL && extra != NULL &&
	    json_object_update(head, extra) == 0)
		o = json_pack("{s:O}", wrap, head);
	json_decref(head);
	json_decref(extra);
	return intune_dump(o);
}

char *
intune_json_validate(const struct intune_req *rq, const char *caller)
{
	return intune_wrap("request", intune_head(rq),
	    json_pack("{s:s}", "callerInfo", caller));
}

char *
intune_json_success(const struct intune_req *rq,
    const struct intune_issued *is, const char *caller)
{
	char	 when[25];

	intune_json_time(is->not_after, when);
	return intune_wrap("notification", intune_head(rq),
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "certificateThumbprint", is->thumbprint,
	    "certificateSerialNumber", is->serial,
	    "certificateExpirationDateUtc", when,
	    "issuingCertificateAuthority", is->issuer,
	    "callerInfo", caller,
	    "caConfiguration", "scepd",
	    "certificateAuthority", is->ca));
}

char *
intune_json_failure(const struct intune_req *rq, int64_t hresult,
    const char *desc, const char *caller)
{
	char	 d[INTUNE_DESC_MAX];

	/* The contract: at most 255 characters. */
	intune_json_clean(d, sizeof(d), desc != NULL ? desc : "");
	return intune_wrap("notification", intune_head(rq),
	    json_pack("{s:I, s:s, s:s}", "hResult", (json_int_t)hresult,
	    "errorDescription", d, "callerInfo", caller));
}

char *
intune_json_download(size_t max)
{
	/* issuerName null: every request of this application. */
	return intune_dump(json_pack("{s:{s:I, s:n}}", "downloadParameters",
	    "maxRequests", (json_int_t)max, "issuerName"));
}

char *
intune_json_upload(const struct intune_revocation *v, size_t n)
{
	json_t	*list, *o;
	size_t	 i;

	if ((list = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:b, s:s, s:s}", "requestContext",
		    v[i].context, "succeeded", v[i].succeeded, "errorCode",
		    v[i].error != NULL ? v[i].error : "None", "errorMessage",
		    v[i].message);
		if (o == NULL || json_array_append_new(list, o) == -1) {
			json_decref(list);
			return NULL;
		}
	}
	return intune_dump(json_pack("{s:o}", "results", list));
}

/* "&name=value", the value form-encoded (RFC 6749 appendix B). */
static int
intune_form_add(struct buf *b, const char *name, const char *value)
{
	char	*e;
	int	 rc;

	if ((e = curl_easy_escape(NULL, value, 0)) == NULL)
		return -1;
	rc = (b->len > 0 && buf_add(b, "&", 1) == -1) ||
	    buf_add(b, name, strlen(name)) == -1 || buf_add(b, "=", 1) == -1 ||
	    buf_add(b, e, strlen(e)) == -1 ? -1 : 0;
	curl_free(e);
	return rc;
}

char *
intune_json_token_form(const char *app_id, const char *secret,
    const char *assertion, const char *scope)
{
	struct buf	 b = { .max = 64 * 1024 };
	int		 bad;

	bad = intune_form_add(&b, "grant_type", "client_credentials") ||
	    intune_form_add(&b, "client_id", app_id) ||
	    intune_form_add(&b, "scope", scope);
	if (assertion != NULL)
		bad = bad || intune_form_add(&b, "client_assertion_type",
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") ||
		    intune_form_add(&b, "client_assertion", assertion);
	else
		bad = bad || intune_form_add(&b, "client_secret",
		    secret != NULL ? secret : "");
	if (bad || buf_add(&b, "", 1) == -1) {
		if (b.data != NULL)
			explicit_bzero(b.data, b.len);
		buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

/* The answer as a JSON object, or NULL. */
static json_t *
intune_load(const struct buf *b)
{
	json_t		*j;
	json_error_t	 e;

	if (b->len == 0 || (j = json_loadb((const char *)b->data, b->len,
	    JSON_REJECT_DUPLICATES, &e)) == NULL)
		return NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* o[key] if it is a string, else NULL. */
static const char *
intune_str(const json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * The words of an error answer: OAuth's "error" and
 * "error_description" (RFC 6749 5.2), or Graph's and Intune's
 * {"error": {"code", "message"}}, else the HTTP status alone.
 */
static void
intune_error_words(long status, const json_t *j, struct intune_result *res)
{
	const json_t	*e = json_object_get(j, "error");
	const char	*code = NULL, *msg = NULL;

	if (json_is_string(e)) {
		code = json_string_value(e);
		msg = intune_str(j, "error_description");
	} else if (json_is_object(e)) {
		code = intune_str(e, "code");
		msg = intune_str(e, "message");
	} else if (j != NULL) {
		code = intune_str(j, "code");
		msg = intune_str(j, "errorDescription");
	}
	intune_json_clean(res->code, sizeof(res->code), code != NULL ? code :
	    "");
	if (msg != NULL)
		intune_json_clean(res->desc, sizeof(res->desc), msg);
	else
		snprintf(res->desc, sizeof(res->desc), "HTTP status %ld",
		    status);
}

int
intune_json_token(long status, const struct buf *b, char **token,
    int64_t *expires_in, struct intune_result *res)
{
	json_t		*j = intune_load(b), *ex;
	const char	*t;
	int		 rc = -1;

	*token = NULL;
	res->http = status;
	if (status < 200 || status > 299) {
		intune_error_words(status, j, res);
		goto out;
	}
	ex = json_object_get(j, "expires_in");
	/* v2.0 sends a number; v1.0 endpoints a string of digits. */
	if (json_is_integer(ex))
		*expires_in = json_integer_value(ex);
	else if (json_is_string(ex))
		*expires_in = strtoll(json_string_value(ex), NULL, 10);
	else
		*expires_in = -1;
	t = intune_str(j, "access_token");
	if (t == NULL || *t == '\0' || strlen(t) > INTUNE_TOKEN_MAX ||
	    strpbrk(t, " \t\r\n") != NULL || *expires_in <= 0) {
		snprintf(res->desc, sizeof(res->desc), "the token endpoint's "
		    "answer has no usable access_token and expires_in");
		goto out;
	}
	if ((*token = strdup(t)) == NULL) {
		snprintf(res->desc, sizeof(res->desc), "out of memory");
		goto out;
	}
	rc = 0;
 out:
	json_decref(j);
	return rc;
}

/*
 * Keep "uri" of a service entry in "dst" if it is usable: https, and
 * printable ASCII only (RFC 3986 2: anything else would have been
 * percent-encoded), since it becomes a URL and a log field.
 */
static void
intune_service_take(const char *uri, char *dst)
{
	size_t	 n, i;

	if (uri == NULL || strncmp(uri, "https://", 8) != 0 ||
	    (n = strlen(uri)) >= INTUNE_URI_MAX)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)uri[i] <= 0x20 ||
		    (unsigned char)uri[i] >= 0x7f)
			return;
	/* Paths are appended to it: one trailing slash is dropped. */
	memcpy(dst, uri, n + 1);
	if (n > 8 && dst[n - 1] == '/')
		dst[n - 1] = '\0';
}

int
intune_json_services(const struct buf *b, char *scep, char *pki,
    struct intune_result *res)
{
	json_t		*j = intune_load(b), *list, *e;
	const char	*name;
	size_t		 i;
	int		 rc = -1;

	scep[0] = pki[0] = '\0';
	if (j == NULL || !json_is_array(list = json_object_get(j, "value"))) {
		snprintf(res->desc, sizeof(res->desc), "Graph's answer is not "
		    "a list of endpoints (no \"value\" array)");
		goto out;
	}
	json_array_foreach(list, i, e) {
		/* Microsoft Graph says providerName, AAD Graph serviceName. */
		if ((name = intune_str(e, "providerName")) == NULL)
			name = intune_str(e, "serviceName");
		if (name == NULL)
			continue;
		if (strcasecmp(name, INTUNE_SCEP_SERVICE) == 0 && !*scep)
			intune_service_take(intune_str(e, "uri"), scep);
		else if (strcasecmp(name, INTUNE_PKI_SERVICE) == 0 && !*pki)
			intune_service_take(intune_str(e, "uri"), pki);
	}
	rc = 0;
 out:
	json_decref(j);
	return rc;
}

void
intune_json_code(long status, const struct buf *b, struct intune_result *res)
{
	json_t		*j = intune_load(b);
	const char	*code, *desc;

	res->http = status;
	res->code[0] = res->desc[0] = '\0';
	res->verdict = INTUNE_ERROR;
	if (status < 200 || status > 299) {
		intune_error_words(status, j, res);
		goto out;
	}
	if ((code = intune_str(j, "code")) == NULL || *code == '\0') {
		snprintf(res->desc, sizeof(res->desc), "the answer has no "
		    "\"code\"");
		goto out;
	}
	intune_json_clean(res->code, sizeof(res->code), code);
	desc = intune_str(j, "errorDescription");
	intune_json_clean(res->desc, sizeof(res->desc), desc != NULL ? desc :
	    "");
	res->verdict = strcmp(code, INTUNE_CODE_SUCCESS) == 0 ? INTUNE_OK :
	    INTUNE_REFUSED;
 out:
	json_decref(j);
}

/* One entry of the queue into "r"; -1 if it cannot be answered. */
static int
intune_revocation_read(const json_t *e, struct intune_revocation *r)
{
	const char	*ctx = intune_str(e, "requestContext");
	const char	*serial = intune_str(e, "serialNumber");
	const char	*issuer = intune_str(e, "issuerName");

	memset(r, 0, sizeof(*r));
	/* Without its context an answer cannot name the request. */
	if (ctx == NULL || *ctx == '\0' || strlen(ctx) >= sizeof(r->context))
		return -1;
	memcpy(r->context, ctx, strlen(ctx) + 1);
	/* Too long for any serial: answered as invalid, not as another. */
	if (serial != NULL && strlen(serial) < sizeof(r->serial))
		intune_json_clean(r->serial, sizeof(r->serial), serial);
	intune_json_clean(r->issuer, sizeof(r->issuer), issuer != NULL ?
	    issuer : "");
	return 0;
}

int
intune_json_revocations(const struct buf *b, struct intune_revocation *v,
    size_t max, size_t *n, struct intune_result *res)
{
	json_t	*j = intune_load(b), *list, *e;
	size_t	 i;
	int	 rc = -1;

	*n = 0;
	if (j == NULL || !json_is_array(list = json_object_get(j, "value"))) {
		snprintf(res->desc, sizeof(res->desc), "the revocation queue's "
		    "answer has no \"value\" array");
		goto out;
	}
	json_array_foreach(list, i, e) {
		if (*n == max)
			break;
		if (intune_revocation_read(e, &v[*n]) == 0)
			(*n)++;
	}
	rc = 0;
 out:
	json_decref(j);
	return rc;
}

int
intune_json_uploaded(const struct buf *b, struct intune_result *res)
{
	json_t	*j = intune_load(b);
	int	 ok = j != NULL && json_is_true(json_object_get(j, "value"));

	if (!ok)
		snprintf(res->desc, sizeof(res->desc), "uploadRevocationResults "
		    "did not answer {\"value\": true}");
	json_decref(j);
	return ok ? 0 : -1;
}
