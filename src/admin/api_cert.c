/*	SPDX-License-Identifier: ISC */
/*
 * api_cert.c: the certificates of the admin API (issue #11 item 4):
 * GET /certificates (search, keyset pages), GET /certificates/export
 * (CSV, RFC 4180, or one JSON array, streamed page by page from the
 * store so that a million rows are never held at once) and
 * GET /certificates/{serial} (decoded by lib/x509_desc.c, with PEM and
 * the renewal chain both ways).  Role viewer.  A certificate of a
 * profile outside the caller's scope is 404, as one that does not
 * exist: a scoped token cannot learn what others hold.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_local.h"
#include "api_query.h"
#include "crl.h"
#include "util.h"
#include "x509_desc.h"

#define API_CERT_CHAIN_MAX	16	/* renewal links followed each way */
#define API_EXPORT_PAGE		500	/* rows read from the store at once */

/* A search as the query string asks it, with copies of its strings. */
struct api_certq {
	struct store_cert_query	 q;
	struct api_scope	 scope;
	char			 serial[STORE_SERIAL_MAX + 2];
	char			 subject[STORE_SEARCH_TEXT_MAX + 1];
	char			 san[STORE_SEARCH_TEXT_MAX + 1];
	char			 peer[64];
	char			 ca[STORE_NAME_MAX + 1];
	char			 profile[STORE_NAME_MAX + 1];
};

/* Copy parameter "name" (at most sz - 1 bytes) into "out"; "" if absent. */
static int
api_cert_str(const struct api_req *rq, struct api_resp *rs, const char *name,
    char *out, size_t sz, size_t min)
{
	const char *v = api_arg(rq, name);

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (strlen(v) < min || strlen(v) >= sz) {
		api_error(rs, 400, "%s: %zu to %zu characters", name, min,
		    sz - 1);
		return -1;
	}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/*
 * "serial": hex, any case, colons allowed ("01:AB"), as upper-case hex
 * the store holds; a trailing '*' asks for every serial it starts.
 */
static int
api_cert_serial(const struct api_req *rq, struct api_resp *rs,
    struct api_certq *cq)
{
	const char	*v = api_arg(rq, "serial");
	size_t		 n = 0;

	if (v == NULL)
		return 0;
	for (; *v != '\0' && n < STORE_SERIAL_MAX; v++) {
		if (*v == ':')
			continue;
		if (!isxdigit((unsigned char)*v))
			break;
		cq->serial[n++] = (char)toupper((unsigned char)*v);
	}
	cq->serial[n] = '\0';
	if (n == 0 || (*v != '\0' && strcmp(v, "*") != 0)) {
		api_error(rs, 400, "serial: 1 to %d hex digits, a '*' at "
		    "the end for a prefix", STORE_SERIAL_MAX);
		return -1;
	}
	if (*v == '*')
		cq->q.serial_prefix = cq->serial;
	else
		cq->q.serial = cq->serial;
	return 0;
}

static int
api_cert_status(const struct api_req *rq, struct api_resp *rs,
    struct api_certq *cq)
{
	const char *v = api_arg(rq, "status");

	if (v == NULL)
		return 0;
	if (strcmp(v, "valid") == 0)
		cq->q.state = STORE_STATE_VALID;
	else if (strcmp(v, "revoked") == 0)
		cq->q.state = STORE_STATE_REVOKED;
	else if (strcmp(v, "expired") == 0)
		cq->q.state = STORE_STATE_EXPIRED;
	else {
		api_error(rs, 400, "status: valid, revoked or expired");
		return -1;
	}
	return 0;
}

/* Every filter of the query string into "cq"; -1 after a 400. */
static int
api_cert_query(const struct api_req *rq, struct api_resp *rs,
    struct api_certq *cq)
{
	size_t i;

	memset(cq, 0, sizeof(*cq));
	cq->q.now = (int64_t)time(NULL);
	if (api_cert_serial(rq, rs, cq) == -1 ||
	    api_cert_status(rq, rs, cq) == -1 ||
	    api_cert_str(rq, rs, "subject", cq->subject, sizeof(cq->subject),
	    STORE_SEARCH_TEXT_MIN) == -1 ||
	    api_cert_str(rq, rs, "san", cq->san, sizeof(cq->san),
	    STORE_SEARCH_TEXT_MIN) == -1 ||
	    api_cert_str(rq, rs, "requester", cq->peer, sizeof(cq->peer),
	    1) == -1 ||
	    api_cert_str(rq, rs, "ca", cq->ca, sizeof(cq->ca), 1) == -1 ||
	    api_cert_str(rq, rs, "profile", cq->profile, sizeof(cq->profile),
	    1) == -1 ||
	    api_arg_time(rq, rs, "issued_after", &cq->q.issued_from) == -1 ||
	    api_arg_time(rq, rs, "issued_before", &cq->q.issued_to) == -1 ||
	    api_arg_time(rq, rs, "expires_after", &cq->q.expires_from) == -1 ||
	    api_arg_time(rq, rs, "expires_before", &cq->q.expires_to) == -1 ||
	    api_scope_get(rq, rs, cq->profile, &cq->scope) == -1)
		return -1;
	cq->q.subject = cq->subject;
	cq->q.san = cq->san;
	cq->q.peer = cq->peer;
	cq->q.ca = cq->ca;
	for (i = 0; i < cq->scope.n; i++)
		cq->q.profiles[i] = cq->scope.profiles[i];
	cq->q.nprofiles = cq->scope.n;
	return 0;
}

/* "dns:a, ip:b" (the store's column) as a JSON array. */
static json_t *
api_cert_sans(const char *sans)
{
	json_t		*a = json_array();
	const char	*p = sans, *e;
	char		*one;

	while (a != NULL && p != NULL && *p != '\0') {
		e = strstr(p, ", ");
		if ((one = strndup(p, e != NULL ? (size_t)(e - p) :
		    strlen(p))) == NULL ||
		    json_array_append_new(a, api_jstr(one)) == -1) {
			free(one);
			json_decref(a);
			return NULL;
		}
		free(one);
		p = e != NULL ? e + 2 : NULL;
	}
	return a;
}

/* One certificate as a list shows it. */
static json_t *
api_cert_item(const struct store_cert *c, int64_t now)
{
	return json_pack("{s:s, s:o, s:o*, s:s, s:o, s:o, s:o, s:o, s:o*, "
	    "s:o, s:o, s:o, s:o, s:o}",
	    "serial", c->serial,
	    "subject", api_jstr(c->subject),
	    "sans", api_cert_sans(c->sans != NULL ? c->sans : ""),
	    "status", api_cert_state(c, now),
	    "not_before", api_jtime(c->not_before),
	    "not_after", api_jtime(c->not_after),
	    "issued_at", api_jtime(c->issued_at),
	    "revoked_at", c->status == STORE_CERT_REVOKED ?
	    api_jtime(c->revoked_at) : json_null(),
	    "revoke_reason", c->status == STORE_CERT_REVOKED &&
	    c->revoke_reason >= 0 ? json_string(crl_reason_str(
	    c->revoke_reason)) : json_null(),
	    "profile", api_jstr(c->profile),
	    "ca", api_jstr(c->ca),
	    "requester", api_jstr(c->peer),
	    "txid", api_jstr(c->txid),
	    "renewed_from", c->renewed_from[0] != '\0' ?
	    json_string(c->renewed_from) : json_null());
}

struct api_cert_page {
	json_t	*items;
	int64_t	 now;
	int	 failed;
};

static int
api_cert_page_cb(const struct store_cert *c, void *arg)
{
	struct api_cert_page *pg = arg;

	if (json_array_append_new(pg->items, api_cert_item(c, pg->now)) ==
	    -1) {
		pg->failed = 1;
		return -1;
	}
	return 0;
}

static const char *const api_cert_list_args[] = {
	"serial", "subject", "san", "requester", "status", "profile", "ca",
	"issued_after", "issued_before", "expires_after", "expires_before",
	"limit", "cursor", NULL,
};

static void
api_cert_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	struct api_certq	*cq;
	struct api_cert_page	 pg = { NULL, 0, 0 };
	int64_t			 next = 0;

	if ((cq = malloc(sizeof(*cq))) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	if (api_args_known(rq, rs, api_cert_list_args) == -1 ||
	    api_cert_query(rq, rs, cq) == -1 ||
	    api_arg_limit(rq, rs, &cq->q.limit) == -1 ||
	    api_arg_cursor(rq, rs, &cq->q.after) == -1)
		goto out;
	pg.now = cq->q.now;
	if ((pg.items = json_array()) == NULL)
		goto oom;
	if (!cq->scope.empty && store_cert_search(rq->srv->store, &cq->q,
	    api_cert_page_cb, &pg, &next) == -1) {
		if (pg.failed)
			goto oom;
		api_error(rs, 503, "the store could not be searched");
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o, s:o}", "items", pg.items,
	    "next", api_cursor_json(next)));
	pg.items = NULL;
	goto out;
 oom:
	api_error(rs, 500, "out of memory");
 out:
	json_decref(pg.items);
	free(cq);
}

/*
 * GET /certificates/export: the reader's state.  Each refill reads the
 * next API_EXPORT_PAGE rows after the cursor and formats them into
 * "out"; the query's strings live in "cq", which it owns.
 */
struct api_export {
	struct store		*st;
	struct api_certq	 cq;
	int			 json;
	int			 started;	/* the header is out */
	int			 done;		/* the footer is out */
	int			 rows;		/* formatted so far */
	struct buf		 out;
	size_t			 off;		/* of "out" already sent */
};

static const char *const api_export_cols[] = {
	"serial", "subject", "sans", "status", "not_before", "not_after",
	"issued_at", "revoked_at", "revoke_reason", "profile", "ca",
	"requester", "txid", "renewed_from",
};
#define API_EXPORT_NCOLS \
	(sizeof(api_export_cols) / sizeof(api_export_cols[0]))

/* One CSV field, RFC 4180 2.6-2.7: quoted when it must be. */
static int
api_csv_field(struct buf *b, const char *v, int last)
{
	const char	*p;
	int		 rc = 0;

	if (strpbrk(v, ",\"\r\n") == NULL)
		rc = buf_add(b, v, strlen(v));
	else {
		rc |= buf_add(b, "\"", 1);
		for (p = v; *p != '\0' && rc == 0; p++)
			rc |= buf_add(b, p, 1) | (*p == '"' ?
			    buf_add(b, "\"", 1) : 0);
		rc |= buf_add(b, "\"", 1);
	}
	return rc | buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* A row: the list item's values, in api_export_cols' order. */
static int
api_export_csv(struct buf *b, json_t *item)
{
	json_t		*v, *e;
	char		*joined = NULL, *tmp;
	const char	*s;
	size_t		 i, k;
	int		 rc = 0;

	for (i = 0; i < API_EXPORT_NCOLS && rc == 0; i++) {
		v = json_object_get(item, api_export_cols[i]);
		if (json_is_array(v)) {
			free(joined);
			if ((joined = strdup("")) == NULL)
				return -1;
			json_array_foreach(v, k, e) {
				if (asprintf(&tmp, "%s%s%s", joined, k > 0 ?
				    " " : "", json_string_value(e)) == -1) {
					free(joined);
					return -1;
				}
				free(joined);
				joined = tmp;
			}
			s = joined;
		} else
			s = json_is_string(v) ? json_string_value(v) : "";
		rc = api_csv_field(b, s, i + 1 == API_EXPORT_NCOLS);
	}
	free(joined);
	return rc;
}

static int
api_export_row(const struct store_cert *c, void *arg)
{
	struct api_export	*ex = arg;
	json_t			*item;
	char			*s = NULL;
	int			 rc = -1;

	if ((item = api_cert_item(c, ex->cq.q.now)) == NULL)
		return -1;
	if (!ex->json)
		rc = api_export_csv(&ex->out, item);
	else if ((s = json_dumps(item, JSON_COMPACT | JSON_ENSURE_ASCII)) !=
	    NULL)
		rc = buf_add(&ex->out, ex->rows > 0 ? ",\n" : "\n",
		    ex->rows > 0 ? 2 : 1) | buf_add(&ex->out, s, strlen(s));
	free(s);
	json_decref(item);
	ex->rows++;
	return rc;
}

/* The next page into "out": 0, or -1 on a store or memory failure. */
static int
api_export_fill(struct api_export *ex)
{
	int64_t	next = 0;
	size_t	i;
	int	rc = 0;

	ex->out.len = ex->off = 0;
	if (!ex->started) {
		ex->started = 1;
		if (ex->json)
			rc = buf_add(&ex->out, "[", 1);
		for (i = 0; !ex->json && i < API_EXPORT_NCOLS && rc == 0; i++)
			rc = api_csv_field(&ex->out, api_export_cols[i],
			    i + 1 == API_EXPORT_NCOLS);
		if (rc == -1 || ex->cq.scope.empty)
			goto end;
	}
	ex->cq.q.limit = API_EXPORT_PAGE;
	if (store_cert_search(ex->st, &ex->cq.q, api_export_row, ex,
	    &next) == -1)
		return -1;
	ex->cq.q.after = next;
	if (next != 0)
		return 0;
 end:
	ex->done = 1;
	return rc | (ex->json ? buf_add(&ex->out, "\n]\n", 3) : 0);
}

static ssize_t
api_export_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct api_export	*ex = cls;
	size_t			 n;

	while (ex->off == ex->out.len) {
		if (ex->done)
			return -1;
		if (api_export_fill(ex) == -1)
			return -2;
	}
	n = ex->out.len - ex->off;
	if (n > max)
		n = max;
	memcpy(dst, ex->out.data + ex->off, n);
	ex->off += n;
	return (ssize_t)n;
}

static void
api_export_done(void *cls)
{
	struct api_export *ex = cls;

	if (ex == NULL)
		return;
	buf_free(&ex->out);
	free(ex);
}

static const char *const api_export_args[] = {
	"serial", "subject", "san", "requester", "status", "profile", "ca",
	"issued_after", "issued_before", "expires_after", "expires_before",
	"format", NULL,
};

static void
api_cert_export(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	struct api_export	*ex;
	const char		*fmt = api_arg(rq, "format");
	char			 day[32];

	if ((ex = calloc(1, sizeof(*ex))) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	if (api_args_known(rq, rs, api_export_args) == -1 ||
	    api_cert_query(rq, rs, &ex->cq) == -1)
		goto fail;
	if (fmt == NULL || (strcmp(fmt, "csv") != 0 &&
	    strcmp(fmt, "json") != 0)) {
		api_error(rs, 400, "format: csv or json");
		goto fail;
	}
	ex->st = rq->srv->store;
	ex->json = strcmp(fmt, "json") == 0;
	/* A page's rows are a few hundred KiB: far below this. */
	ex->out.max = 64 * 1024 * 1024;
	api_time_str(ex->cq.q.now, day, sizeof(day));
	day[10] = '\0';
	rs->status = 200;
	rs->ctype = ex->json ? "application/json" : "text/csv; charset=utf-8";
	snprintf(rs->filename, sizeof(rs->filename), "certificates-%s.%s", day,
	    fmt);
	rs->read = api_export_read;
	rs->done = api_export_done;
	rs->cls = ex;
	return;
 fail:
	api_export_done(ex);
}

/*
 * The certificate of "serial" (hex in any case, colons allowed, as the
 * search takes it), if "who" may see it; 404 otherwise.
 */
static int
api_cert_find(const struct api_req *rq, struct api_resp *rs,
    const char *serial, struct store_cert *c)
{
	char	hex[STORE_SERIAL_MAX + 1];
	size_t	n = 0;
	int	found = 0;

	memset(c, 0, sizeof(*c));
	for (; *serial != '\0' && n < STORE_SERIAL_MAX; serial++)
		if (*serial != ':')
			hex[n++] = (char)toupper((unsigned char)*serial);
	hex[n] = '\0';
	if (*serial != '\0' || n == 0) {
		api_error(rs, 404, "no such certificate");
		return -1;
	}
	if (store_cert_get(rq->srv->store, hex, c, &found) == -1) {
		api_error(rs, 503, "the store could not be read");
		return -1;
	}
	if (!found || !api_profile_allowed(rq->who, c->profile)) {
		store_cert_clear(c);
		api_error(rs, 404, "no such certificate");
		return -1;
	}
	return 0;
}

struct api_chain {
	const struct api_req	*rq;
	json_t			*serials;
	char			 queue[API_CERT_CHAIN_MAX][STORE_SERIAL_MAX + 1];
	int			 nqueue;
};

static int
api_chain_cb(const struct store_cert *c, void *arg)
{
	struct api_chain *ch = arg;

	if (json_array_size(ch->serials) >= API_CERT_CHAIN_MAX ||
	    !api_profile_allowed(ch->rq->who, c->profile))
		return 0;
	if (ch->nqueue < API_CERT_CHAIN_MAX)
		memcpy(ch->queue[ch->nqueue++], c->serial,
		    sizeof(ch->queue[0]));
	return json_array_append_new(ch->serials, json_string(c->serial));
}

/*
 * The renewal chain: "renews" walks renewed_from back, nearest first;
 * "renewed_by" the certificates that renewed this one and theirs,
 * breadth first.  Each stops at API_CERT_CHAIN_MAX or at a certificate
 * outside the caller's scope.  NULL on a store or memory failure.
 */
static json_t *
api_cert_chain(const struct api_req *rq, const struct store_cert *c)
{
	struct api_chain	 ch = { rq, NULL, { { 0 } }, 0 };
	struct store_cert	 prev;
	json_t			*back = json_array();
	char			 from[STORE_SERIAL_MAX + 1];
	int			 i, found;

	memcpy(from, c->renewed_from, sizeof(from));
	while (back != NULL && from[0] != '\0' &&
	    json_array_size(back) < API_CERT_CHAIN_MAX) {
		if (store_cert_get(rq->srv->store, from, &prev, &found) == -1)
			goto fail;
		if (!found || !api_profile_allowed(rq->who, prev.profile)) {
			store_cert_clear(&prev);
			break;
		}
		json_array_append_new(back, json_string(prev.serial));
		memcpy(from, prev.renewed_from, sizeof(from));
		store_cert_clear(&prev);
	}
	if (back == NULL || (ch.serials = json_array()) == NULL ||
	    store_cert_renewals(rq->srv->store, c->serial, api_chain_cb,
	    &ch) == -1)
		goto fail;
	for (i = 0; i < ch.nqueue; i++)
		if (store_cert_renewals(rq->srv->store, ch.queue[i],
		    api_chain_cb, &ch) == -1)
			goto fail;
	return json_pack("{s:o, s:o}", "renews", back, "renewed_by",
	    ch.serials);
 fail:
	json_decref(back);
	json_decref(ch.serials);
	return NULL;
}

/* PEM of DER (RFC 7468), malloc'd. */
static char *
api_pem(const unsigned char *der, size_t len, const char *label)
{
	struct buf	 b = { .max = 4 * len + 256 };
	char		*b64, *ret = NULL;
	size_t		 i, n;
	int		 rc;

	if ((b64 = b64_encode(der, len)) == NULL)
		return NULL;
	n = strlen(b64);
	rc = buf_add(&b, "-----BEGIN ", 11) | buf_add(&b, label,
	    strlen(label)) | buf_add(&b, "-----\n", 6);
	for (i = 0; i < n && rc == 0; i += 64)
		rc = buf_add(&b, b64 + i, n - i < 64 ? n - i : 64) |
		    buf_add(&b, "\n", 1);
	rc |= buf_add(&b, "-----END ", 9) | buf_add(&b, label,
	    strlen(label)) | buf_add(&b, "-----\n", 6) | buf_add(&b, "", 1);
	if (rc == 0) {
		ret = (char *)b.data;
		b.data = NULL;
	}
	buf_free(&b);
	free(b64);
	return ret;
}

/* A struct x509_desc as JSON: what the request endpoints show too. */
json_t *
api_desc_json(const struct x509_desc *d)
{
	json_t	*sans = json_array(), *exts = json_array();
	size_t	 i;

	for (i = 0; sans != NULL && i < d->nsan; i++)
		json_array_append_new(sans, api_jstr(d->san[i]));
	for (i = 0; exts != NULL && i < d->next; i++)
		json_array_append_new(exts, json_pack("{s:s, s:s, s:b, s:o}",
		    "name", d->ext[i].name, "oid", d->ext[i].oid,
		    "critical", d->ext[i].critical,
		    "value", api_jstr(d->ext[i].value)));
	return json_pack("{s:o, s:o, s:I, s:{s:s, s:i, s:o}, s:s, s:o, "
	    "s:{s:s, s:s}}",
	    "subject", api_jstr(d->subject),
	    "sans", sans,
	    "sans_total", (json_int_t)d->nsan_total,
	    "key", "type", d->key_type, "bits", d->key_bits,
	    "curve", d->key_curve[0] != '\0' ? json_string(d->key_curve) :
	    json_null(),
	    "signature_algorithm", d->sig_alg,
	    "extensions", exts,
	    "fingerprints", "sha256", d->sha256, "sha1", d->sha1);
}

/* The decoded fields over the list item's; "decoded": false if none. */
static int
api_cert_decoded(json_t *j, const struct store_cert *c)
{
	struct x509_desc	 d;
	json_t			*dj;
	char			*pem;

	if ((pem = api_pem(c->der, c->dersz, "CERTIFICATE")) == NULL ||
	    json_object_set_new(j, "pem", json_string(pem)) == -1) {
		free(pem);
		return -1;
	}
	free(pem);
	if (x509_desc_cert(c->der, c->dersz, &d) == -1)
		return json_object_set_new(j, "decoded", json_false());
	dj = api_desc_json(&d);
	if (dj == NULL || json_object_set_new(dj, "issuer",
	    api_jstr(d.issuer)) == -1 || json_object_update(j, dj) == -1 ||
	    json_object_set_new(j, "decoded", json_true()) == -1) {
		json_decref(dj);
		x509_desc_clear(&d);
		return -1;
	}
	/* The certificate's own times, to the second, over the store's. */
	json_object_set_new(j, "not_before", api_jtime(d.not_before));
	json_object_set_new(j, "not_after", api_jtime(d.not_after));
	json_decref(dj);
	x509_desc_clear(&d);
	return 0;
}

static void
api_cert_one(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const none[] = { NULL };
	struct store_cert	 c;
	json_t			*j = NULL, *chain;

	if (api_args_known(rq, rs, none) == -1 ||
	    api_cert_find(rq, rs, m->part[0], &c) == -1)
		return;
	if ((j = api_cert_item(&c, (int64_t)time(NULL))) == NULL ||
	    api_cert_decoded(j, &c) == -1) {
		api_error(rs, 500, "out of memory");
		goto out;
	}
	if ((chain = api_cert_chain(rq, &c)) == NULL) {
		api_error(rs, 503, "the store could not be read");
		goto out;
	}
	json_object_set_new(j, "renewal", chain);
	api_reply(rs, 200, j);
	j = NULL;
 out:
	json_decref(j);
	store_cert_clear(&c);
}

static const struct api_route api_cert_rows[] = {
	{ "GET", "/certificates", API_ROLE_VIEWER, api_cert_list },
	/* Before "/certificates/ *": "export" is no serial. */
	{ "GET", "/certificates/export", API_ROLE_VIEWER, api_cert_export },
	{ "GET", "/certificates/*", API_ROLE_VIEWER, api_cert_one },
};

const struct api_table api_cert_table = {
	api_cert_rows, sizeof(api_cert_rows) / sizeof(api_cert_rows[0])
};
