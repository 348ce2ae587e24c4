/*	SPDX-License-Identifier: ISC */
/*
 * webhook.c: the "webhook" challenge mode (issue 4, item 4): build the
 * signed JSON POST, send it with bounded time and answer size, read the
 * verdict; and the optional outcome notification.  Wire format and the
 * signature scheme are described in webhook.h.
 *
 * Uses libcurl, jansson, csr.c (SAN names as text), log.c and util.c
 * (HMAC-SHA256, base64); no DER is parsed in this file, that stays
 * csr.c's job, and no OpenSSL header is included.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "csr.h"
#include "log.h"
#include "util.h"
#include "webhook.h"


/* An answer being read; never more than WEBHOOK_ANSWER_MAX bytes. */
struct webhook_answer {
	struct buf	 b;
	int		 toobig;	/* the service sent more */
};

/* What a notification adds to the request's JSON. */
struct webhook_event {
	const char	*event;		/* "issued" or "failed" */
	const char	*serial;	/* or NULL */
	const char	*reason;	/* or NULL */
};

/*
 * Format into "reason", replacing control characters: the text may come
 * from the remote service and ends up in logs and perhaps in a reply.
 */
static void __attribute__((format(printf, 3, 4)))
webhook_reason(char *reason, size_t reasonsz, const char *fmt, ...)
{
	va_list		 ap;
	unsigned char	*p;

	if (reasonsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, reasonsz, fmt, ap);
	va_end(ap);
	for (p = (unsigned char *)reason; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* curl's write callback; returning short makes curl fail the transfer. */
static size_t
webhook_write(char *p, size_t size, size_t n, void *arg)
{
	struct webhook_answer	*a = arg;

	/* libcurl documents size as always 1. */
	if (n > a->b.max - a->b.len) {
		a->toobig = 1;
		return 0;
	}
	if (buf_add(&a->b, p, n) == -1)
		return 0;
	return n;
}

/* webhook.h: why the timestamp is signed with the body. */
int
webhook_sign(const char *secret, const char *ts, const char *body,
    char *hex)
{
	unsigned char	 md[HMAC_SHA256_LEN];
	struct iovec	 iov[3] = {
		{ (void *)ts, strlen(ts) },
		{ (void *)".", 1 },
		{ (void *)body, strlen(body) },
	};
	int		 rc;

	if ((rc = hmac_sha256(secret, strlen(secret), iov, 3, md)) == 0)
		hex_lower(md, sizeof(md), hex);
	explicit_bzero(md, sizeof(md));
	return rc;
}

/* Standard base64 of "n" bytes, malloc'd, or NULL. */
static char *
webhook_b64(const unsigned char *p, size_t n)
{
	if (n > WEBHOOK_CSR_MAX)
		return NULL;
	return b64_encode(p, n);
}

/* o[key] = v, or null when v is NULL; -1 also for invalid UTF-8. */
static int
webhook_set_str(json_t *o, const char *key, const char *v)
{
	return json_object_set_new(o, key, v == NULL ? json_null() :
	    json_string(v));
}

/* csr_san_each() callback: append {"type", "value"} to the array. */
static int
webhook_san_add(const char *type, const char *value, void *arg)
{
	json_t	*list = arg, *o;

	if ((o = json_pack("{s:s, s:s}", "type", type, "value", value)) ==
	    NULL)
		return -1;
	return json_array_append_new(list, o);
}

/* The request as a JSON object (webhook.h), or NULL with "reason" set. */
static json_t *
webhook_json(const struct webhook_req *rq, char *reason, size_t reasonsz)
{
	json_t	*o = NULL, *san = NULL, *ret = NULL;
	char	*csr = NULL;

	if (rq->csrsz > WEBHOOK_CSR_MAX) {
		webhook_reason(reason, reasonsz, "CSR over %d bytes",
		    WEBHOOK_CSR_MAX);
		goto out;
	}
	if ((o = json_object()) == NULL || (san = json_array()) == NULL ||
	    (csr = webhook_b64(rq->csr, rq->csrsz)) == NULL) {
		webhook_reason(reason, reasonsz, "out of memory");
		goto out;
	}
	if (csr_san_each(rq->san, rq->sansz, webhook_san_add, san) == -1) {
		webhook_reason(reason, reasonsz, "RFC 5280 4.2.1.6: "
		    "subjectAltName has a name that cannot be sent as text");
		goto out;
	}
	if (webhook_set_str(o, "profile", rq->profile) == -1 ||
	    webhook_set_str(o, "transaction_id", rq->txid) == -1 ||
	    webhook_set_str(o, "csr", csr) == -1 ||
	    webhook_set_str(o, "subject", rq->subject) == -1 ||
	    json_object_set(o, "san", san) == -1 ||
	    webhook_set_str(o, "requester", rq->peer) == -1) {
		webhook_reason(reason, reasonsz, "request field not UTF-8");
		goto out;
	}
	ret = o;
	o = NULL;
 out:
	json_decref(o);
	json_decref(san);
	free(csr);
	return ret;
}

/*
 * The exact bytes to sign and send: the request, plus the outcome when
 * "ev" is set.  Malloc'd, or NULL with "reason" set.
 */
static char *
webhook_body(const struct webhook_req *rq, const struct webhook_event *ev,
    char *reason, size_t reasonsz)
{
	json_t	*o;
	char	*body = NULL;

	if ((o = webhook_json(rq, reason, reasonsz)) == NULL)
		return NULL;
	if (ev != NULL && (webhook_set_str(o, "event", ev->event) == -1 ||
	    webhook_set_str(o, "serial", ev->serial) == -1 ||
	    webhook_set_str(o, "reason", ev->reason) == -1)) {
		webhook_reason(reason, reasonsz, "event field not UTF-8");
		goto out;
	}
	if ((body = json_dumps(o, JSON_COMPACT)) == NULL)
		webhook_reason(reason, reasonsz, "out of memory");
 out:
	json_decref(o);
	return body;
}

/* Append one header line; on failure the list is left as it was. */
static int
webhook_header_add(struct curl_slist **h, const char *line)
{
	struct curl_slist	*n;

	if ((n = curl_slist_append(*h, line)) == NULL)
		return -1;
	*h = n;
	return 0;
}

/*
 * The request headers, signature included, then the lines of "extra"
 * (NULL-terminated, or NULL); NULL on failure.
 */
static struct curl_slist *
webhook_headers(const char *secret, const char *body,
    const char *const *extra)
{
	struct curl_slist	*h = NULL;
	char			 ts[32], hex[2 * HMAC_SHA256_LEN + 1];
	char			 tsline[64], sigline[128];

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	if (webhook_sign(secret, ts, body, hex) == -1)
		return NULL;
	snprintf(tsline, sizeof(tsline), "X-Scepd-Timestamp: %s", ts);
	snprintf(sigline, sizeof(sigline), "X-Scepd-Signature: sha256=%s",
	    hex);
	/* "Expect:" off: waiting for 100-continue would only cost time. */
	if (webhook_header_add(&h, "Content-Type: application/json") == -1 ||
	    webhook_header_add(&h, "Accept: application/json") == -1 ||
	    webhook_header_add(&h, "Expect:") == -1 ||
	    webhook_header_add(&h, tsline) == -1 ||
	    webhook_header_add(&h, sigline) == -1)
		goto fail;
	for (; extra != NULL && *extra != NULL; extra++)
		if (webhook_header_add(&h, *extra) == -1)
			goto fail;
	return h;
 fail:
	curl_slist_free_all(h);
	return NULL;
}

/* CURLOPT_XFERINFOFUNCTION: nonzero cuts the transfer (abort_at). */
static int
webhook_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	const struct webhook_conf	*wc = arg;
	long long			 at = atomic_load(wc->abort_at);

	return at > 0 && now_ms() >= (double)at;
}

/*
 * Everything about the transfer.  A redirect is an answer like any
 * other non-2xx one (it is not followed): the signed body must reach
 * the configured URL or nothing.  Proxies come from the environment
 * (https_proxy, no_proxy), as for any libcurl program.
 */
static int
webhook_setopt(CURL *c, const struct webhook_conf *wc, const char *url,
    const char *body, struct curl_slist *hdr, struct webhook_answer *a,
    char *err)
{
	long	 ms = wc->timeout_ms > 0 ? wc->timeout_ms :
		    WEBHOOK_TIMEOUT_DEFAULT;
	int	 bad = 0;

	/* libcurl-thread(3): no signals in a multi-threaded server. */
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body)) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, webhook_write) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, a) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)WEBHOOK_ANSWER_MAX) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT,
	    "scepd/" SCEPD_VERSION) != CURLE_OK;
	if (wc->cafile != NULL)
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, wc->cafile) !=
		    CURLE_OK;
	if (wc->abort_at != NULL) {
		bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION,
		    webhook_progress) != CURLE_OK;
		bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, wc) !=
		    CURLE_OK;
		bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

/* Why a transfer failed, in words for "reason". */
static void
webhook_fail(CURLcode cc, const char *err, const struct webhook_answer *a,
    const struct webhook_conf *wc, char *reason, size_t reasonsz)
{
	if (a->toobig || cc == CURLE_FILESIZE_EXCEEDED)
		webhook_reason(reason, reasonsz, "answer over %d bytes",
		    WEBHOOK_ANSWER_MAX);
	else if (cc == CURLE_ABORTED_BY_CALLBACK)
		webhook_reason(reason, reasonsz, "given up: scepd is stopping");
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		webhook_reason(reason, reasonsz, "no answer within %d ms",
		    wc->timeout_ms > 0 ? wc->timeout_ms :
		    WEBHOOK_TIMEOUT_DEFAULT);
	else
		webhook_reason(reason, reasonsz, "%s",
		    err[0] != '\0' ? err : curl_easy_strerror(cc));
}

/*
 * POST "body", signed, to "url" and read the answer into "a".
 * 0 with *status set to the HTTP status, or -1 with "reason" set.
 */
static int
webhook_post(const struct webhook_conf *wc, const char *url,
    const char *body, const char *const *extra, struct webhook_answer *a,
    long *status, char *reason, size_t reasonsz)
{
	CURL			*c = NULL;
	struct curl_slist	*hdr = NULL;
	char			 err[CURL_ERROR_SIZE];
	CURLcode		 cc;
	int			 rc = -1;

	err[0] = '\0';
	if ((hdr = webhook_headers(wc->secret, body, extra)) == NULL) {
		webhook_reason(reason, reasonsz, "cannot sign the request");
		goto out;
	}
	if ((c = curl_easy_init()) == NULL ||
	    webhook_setopt(c, wc, url, body, hdr, a, err) == -1) {
		webhook_reason(reason, reasonsz, "cannot set up libcurl "
		    "(7.85 or later is needed)");
		goto out;
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		webhook_fail(cc, err, a, wc, reason, reasonsz);
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status) !=
	    CURLE_OK) {
		webhook_reason(reason, reasonsz, "no HTTP status");
		goto out;
	}
	rc = 0;
 out:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	return rc;
}

/* The verdict in an answer (webhook.h): not static, for fuzz_webhook. */
enum webhook_verdict
webhook_verdict_parse(long status, const struct buf *b, char *reason,
    size_t reasonsz)
{
	json_t			*j = NULL, *allow, *why;
	json_error_t		 jerr;
	enum webhook_verdict	 v = WEBHOOK_ERROR;

	if (status < 200 || status > 299) {
		webhook_reason(reason, reasonsz, "HTTP status %ld", status);
		goto out;
	}
	if ((j = json_loadb((const char *)b->data, b->len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL || !json_is_object(j)) {
		webhook_reason(reason, reasonsz, "answer is not a JSON object");
		goto out;
	}
	if (!json_is_boolean(allow = json_object_get(j, "allow"))) {
		webhook_reason(reason, reasonsz, "answer has no boolean "
		    "\"allow\"");
		goto out;
	}
	if (json_is_true(allow)) {
		webhook_reason(reason, reasonsz, "%s", "");
		v = WEBHOOK_ALLOW;
		goto out;
	}
	why = json_object_get(j, "reason");
	webhook_reason(reason, reasonsz, "%s", json_is_string(why) ?
	    json_string_value(why) : "refused by the webhook");
	v = WEBHOOK_DENY;
 out:
	json_decref(j);
	return v;
}

/* A URL and a secret are both needed: never send an unsigned request. */
static int
webhook_conf_ok(const struct webhook_conf *wc, const char *url,
    char *reason, size_t reasonsz)
{
	if (url == NULL || url[0] == '\0') {
		webhook_reason(reason, reasonsz, "no webhook URL configured");
		return -1;
	}
	if (wc->secret == NULL || wc->secret[0] == '\0') {
		webhook_reason(reason, reasonsz, "no webhook secret configured");
		return -1;
	}
	return 0;
}

enum webhook_verdict
webhook_check(const struct webhook_conf *wc, const struct webhook_req *rq,
    char *reason, size_t reasonsz)
{
	struct webhook_answer	 a = { .b = { .max = WEBHOOK_ANSWER_MAX } };
	char			*body = NULL;
	long			 status = 0;
	enum webhook_verdict	 v = WEBHOOK_ERROR;

	webhook_reason(reason, reasonsz, "%s", "");
	if (webhook_conf_ok(wc, wc->url, reason, reasonsz) == -1 ||
	    (body = webhook_body(rq, NULL, reason, reasonsz)) == NULL ||
	    webhook_post(wc, wc->url, body, NULL, &a, &status, reason,
	    reasonsz) == -1)
		goto out;
	v = webhook_verdict_parse(status, &a.b, reason, reasonsz);
 out:
	/* A refusal is the engine's to log, once; a failure is logged here. */
	if (v == WEBHOOK_ERROR)
		log_warnx("%s: webhook: %s", rq->txid != NULL ? rq->txid : "-",
		    reasonsz > 0 ? reason : "failed");
	buf_free(&a.b);
	free(body);
	return v;
}

void
webhook_notify(const struct webhook_conf *wc, const struct webhook_req *rq,
    int issued, const char *serial, const char *why)
{
	struct webhook_answer	 a = { .b = { .max = WEBHOOK_ANSWER_MAX } };
	struct webhook_event	 ev;
	char			*body = NULL, reason[256];
	long			 status = 0;
	int			 ok = 0;

	if (wc->notify_url == NULL)
		return;
	ev.event = issued ? "issued" : "failed";
	ev.serial = serial;
	ev.reason = why;
	if (webhook_conf_ok(wc, wc->notify_url, reason, sizeof(reason)) ==
	    -1 || (body = webhook_body(rq, &ev, reason, sizeof(reason))) ==
	    NULL || webhook_post(wc, wc->notify_url, body, NULL, &a, &status,
	    reason, sizeof(reason)) == -1)
		goto out;
	/* The answer's content is of no interest, only that it arrived. */
	if (status < 200 || status > 299) {
		webhook_reason(reason, sizeof(reason), "HTTP status %ld",
		    status);
		goto out;
	}
	ok = 1;
 out:
	if (!ok)
		log_warnx("%s: webhook notification (%s): %s",
		    rq->txid != NULL ? rq->txid : "-", ev.event, reason);
	buf_free(&a.b);
	free(body);
}

int
webhook_send(const struct webhook_conf *wc, const char *url,
    const char *body, const char *const *extra, long *status, char *reason,
    size_t reasonsz)
{
	struct webhook_answer	 a = { .b = { .max = WEBHOOK_ANSWER_MAX } };
	int			 rc;

	webhook_reason(reason, reasonsz, "%s", "");
	if (webhook_conf_ok(wc, url, reason, reasonsz) == -1)
		return -1;
	rc = webhook_post(wc, url, body, extra, &a, status, reason, reasonsz);
	buf_free(&a.b);
	return rc;
}

int
webhook_global_init(void)
{
	/* jansson seeds its hash on first use; do it before any thread. */
	json_object_seed(0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("webhook: curl_global_init failed");
		return -1;
	}
	return 0;
}

void
webhook_global_cleanup(void)
{
	curl_global_cleanup();
}
