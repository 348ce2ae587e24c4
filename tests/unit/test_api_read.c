/*	SPDX-License-Identifier: ISC */
/*
 * test_api_read.c: the read side of the admin API, called through
 * api_handle() as http.c will, over a real store holding certificates
 * signed by the real issue path (issue_sign(), store_issue()): search
 * filters, cursor paging without duplicates or gaps, refusals (bad
 * cursor, unknown parameter, wrong role), profile scope, one
 * certificate's decoded fields against the openssl command's, the
 * renewal chain, requests with their CSR, profiles, CAs and their
 * .mobileconfig, an export of 10,000 certificates read back by
 * Python's csv module and by jansson, and docs/openapi.json naming
 * every route.  SQLite by default; with SCEPD_TEST_PG_URL set
 * (tests/integration/unit_pg.sh) the same cases on PostgreSQL.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "api_local.h"
#include "csr.h"
#include "issue.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "testutil.h"

#define EXPORT_N	10000

static char		*dir;
static struct conf_store cs;
static struct server	*srv;
static const char	*pgurl;
static PGconn		*admin;
static EVP_PKEY		*devkey;
static int		 ntx;		/* transactions issued so far */

static const char api_conf[] =
    "public_url = \"http://127.0.0.1:8080/scep\";\n"
    "ca = { cert = \"ca.pem\"; key = \"ca.key\";\n"
    "    ra_cert = \"ra.pem\"; ra_key = \"ra.key\"; };\n"
    "cas = { other = { cert = \"other.pem\"; key = \"other.key\";\n"
    "    ra_cert = \"other-ra.pem\"; ra_key = \"other-ra.key\"; }; };\n"
    "store = { path = \"unused.db\"; };\n"
    "keys = { rsa_min_bits = 1024; };\n"
    "certificate = { san = { copy = [ \"dns\", \"ip\", \"email\" ]; }; };\n"
    "profiles = {\n"
    "  ios = { challenge = { mode = \"dynamic\"; }; };\n"
    "  routers = { ca = \"other\"; challenge = { file = \"challenge\"; };\n"
    "    approval = { manual = true; }; };\n"
    "};\n";

/* What a call answered: status, type, and the body as text and JSON. */
struct call {
	int	 status;
	char	 ctype[64];
	char	 filename[64];
	char	*body;
	size_t	 len;
	json_t	*j;
};

/* "a=b&c=d" as api_req's arg() and args() read it. */
struct qs {
	char	*names[32];
	char	*values[32];
	int	 n;
};

static void
qs_parse(struct qs *q, const char *s)
{
	char	*copy, *p, *amp, *eq;

	memset(q, 0, sizeof(*q));
	if (s == NULL || (copy = strdup(s)) == NULL)
		return;
	for (p = copy; p != NULL && *p != '\0' && q->n < 32; p = amp) {
		if ((amp = strchr(p, '&')) != NULL)
			*amp++ = '\0';
		if ((eq = strchr(p, '=')) != NULL)
			*eq++ = '\0';
		q->names[q->n] = strdup(p);
		q->values[q->n++] = strdup(eq != NULL ? eq : "");
	}
	free(copy);
}

static void
qs_free(struct qs *q)
{
	int i;

	for (i = 0; i < q->n; i++) {
		free(q->names[i]);
		free(q->values[i]);
	}
}

static const char *
qs_arg(void *cls, const char *name)
{
	struct qs	*q = cls;
	int		 i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->names[i], name) == 0)
			return q->values[i];
	return NULL;
}

static int
qs_args(void *cls, int (*cb)(void *, const char *, const char *), void *arg)
{
	struct qs	*q = cls;
	int		 i;

	for (i = 0; i < q->n; i++)
		if (cb(arg, q->names[i], q->values[i]) == -1)
			return -1;
	return 0;
}

static const struct api_identity viewer = { "test", "token", API_ROLE_VIEWER,
    "" };
static const struct api_identity ios_only = { "mdm", "token",
    API_ROLE_OPERATOR, "ios" };

/* Read a streamed answer to its end, in small pieces. */
static void
call_drain(struct api_resp *rs, struct call *c)
{
	char	piece[1000];
	ssize_t	n;

	while ((n = rs->read(rs->cls, c->len, piece, sizeof(piece))) != -1) {
		assert_true(n > 0 && (size_t)n <= sizeof(piece));
		assert_non_null(c->body = realloc(c->body, c->len + n + 1));
		memcpy(c->body + c->len, piece, (size_t)n);
		c->len += (size_t)n;
		c->body[c->len] = '\0';
	}
	rs->done(rs->cls);
}

static void
call_as(const struct api_identity *who, const char *method, const char *path,
    const char *query, const char *body, struct call *c)
{
	struct api_req	 rq;
	struct api_resp	 rs;
	struct qs	 q;

	memset(c, 0, sizeof(*c));
	qs_parse(&q, query);
	memset(&rq, 0, sizeof(rq));
	rq.srv = srv;
	rq.method = method;
	rq.path = path;
	rq.arg = qs_arg;
	rq.args = qs_args;
	rq.argcls = &q;
	rq.body = (const unsigned char *)body;
	rq.bodysz = body != NULL ? strlen(body) : 0;
	rq.who = who;
	rq.peer = "127.0.0.1";
	api_handle(&rq, &rs);
	c->status = rs.status;
	snprintf(c->ctype, sizeof(c->ctype), "%s", rs.ctype != NULL ?
	    rs.ctype : "");
	snprintf(c->filename, sizeof(c->filename), "%s", rs.filename);
	if (rs.read != NULL)
		call_drain(&rs, c);
	else {
		c->body = rs.body;
		c->len = rs.len;
	}
	if (strncmp(c->ctype, "application/json", 16) == 0)
		c->j = json_loadb(c->body, c->len, 0, NULL);
	qs_free(&q);
}

static void
call(const char *path, const char *query, struct call *c)
{
	call_as(&viewer, "GET", path, query, NULL, c);
}

static void
call_free(struct call *c)
{
	free(c->body);
	json_decref(c->j);
	memset(c, 0, sizeof(*c));
}

/* A GET that must be "status" with a JSON error object. */
static void
expect_error(const struct api_identity *who, const char *method,
    const char *path, const char *query, int status)
{
	struct call c;

	call_as(who, method, path, query, NULL, &c);
	if (c.status != status)
		fail_msg("%s %s?%s: %d, want %d: %.*s", method, path,
		    query != NULL ? query : "", c.status, status, (int)c.len,
		    c.body);
	assert_non_null(c.j);
	assert_true(json_is_string(json_object_get(c.j, "error")));
	call_free(&c);
}

/*
 * Sign a certificate for "cn" (SANs "san", OpenSSL syntax, or NULL)
 * under profile "profile" through issue_sign() and record it with
 * store_issue(); its serial into "serial".
 */
static void
issue_one(const char *cn, const char *san, const char *profile,
    const char *peer, const char *renewed_from, char *serial)
{
	const struct server_profile	*sp;
	struct csr_info			 ci;
	struct issue_ctx		 ic;
	struct store_cert		 rec;
	struct store_txn		 t;
	X509_REQ			*req;
	X509				*x;
	unsigned char			*der;
	size_t				 dersz;
	char				 txid[64];

	assert_non_null(sp = server_profile(srv, profile, strlen(profile)));
	assert_non_null(req = tu_req_new(devkey, cn));
	if (san != NULL)
		assert_int_equal(tu_req_add_san(req, san), 1);
	assert_non_null(der = tu_req_sign(req, devkey, EVP_sha256(), &dersz));
	X509_REQ_free(req);
	memset(&ci, 0, sizeof(ci));
	assert_int_equal(csr_parse(der, dersz, &ci), SCEP_OK);
	free(der);
	snprintf(txid, sizeof(txid), "tx-%d", ++ntx);
	ic = (struct issue_ctx){ txid, peer, sp->conf->name,
	    sp->sca->conf->name, renewed_from };
	assert_non_null(x = issue_sign(sp->sca->ca, &sp->conf->cert, &ci, &ic,
	    &rec));
	x509_free(x);
	memset(&t, 0, sizeof(t));
	snprintf(t.txid, sizeof(t.txid), "%s", txid);
	tu_fill(t.signer_kid, sizeof(t.signer_kid), (uint32_t)ntx);
	memcpy(t.csr_kid, ci.kid, sizeof(t.csr_kid));
	memcpy(t.serial, rec.serial, sizeof(t.serial));
	assert_int_equal(store_issue(srv->store, &rec, &t), STORE_PUT_OK);
	if (serial != NULL)
		memcpy(serial, rec.serial, STORE_SERIAL_MAX + 1);
	store_cert_clear(&rec);
	csr_info_clear(&ci);
}

static void
files_write(const char *name, X509 *x, EVP_PKEY *k)
{
	char	*p, *q;
	char	 kname[64];

	snprintf(kname, sizeof(kname), "%.*s.key", (int)(strlen(name) - 4),
	    name);
	assert_non_null(p = tu_path(dir, name));
	assert_non_null(q = tu_path(dir, kname));
	assert_int_equal(tu_pem_cert(p, x, 0644), 0);
	assert_int_equal(tu_pem_key(q, k, 0600), 0);
	free(p);
	free(q);
}

static int
group_setup(void **state)
{
	EVP_PKEY	*cakey, *rakey, *okey, *orakey;
	X509		*ca, *ra, *oca, *ora;
	struct conf	*conf;
	char		*p;

	log_init(LOG_LVL_ERROR);
	if (access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	if ((dir = tu_tmpdir()) == NULL)
		return -1;
	cakey = tu_key_ec("P-256");
	okey = tu_key_ec("P-256");
	rakey = tu_key_rsa(1024);
	orakey = tu_key_rsa(1024);
	devkey = tu_key_ec("P-256");
	ca = tu_cert_self(cakey, "api test CA", 1);
	oca = tu_cert_self(okey, "api other CA", 1);
	ra = tu_cert_issue(rakey, "api test RA", ca, cakey, 2);
	ora = tu_cert_issue(orakey, "api other RA", oca, okey, 2);
	files_write("ca.pem", ca, cakey);
	files_write("ra.pem", ra, rakey);
	files_write("other.pem", oca, okey);
	files_write("other-ra.pem", ora, orakey);
	X509_free(ca);
	X509_free(ra);
	X509_free(oca);
	X509_free(ora);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(rakey);
	EVP_PKEY_free(okey);
	EVP_PKEY_free(orakey);
	p = tu_path(dir, "challenge");
	tu_write_str(p, "s3cret\n", 0600);
	free(p);
	p = tu_path(dir, "scepd.conf");
	tu_write_str(p, api_conf, 0644);
	conf = conf_load(p);
	free(p);
	if (conf == NULL)
		return -1;
	cs.backend = (char *)"sqlite";
	cs.path = tu_path(dir, "api.db");
	if ((pgurl = getenv("SCEPD_TEST_PG_URL")) != NULL) {
		cs.backend = (char *)"postgresql";
		cs.url = (char *)pgurl;
		admin = PQconnectdb(getenv("SCEPD_TEST_PG_ADMIN_URL") != NULL ?
		    getenv("SCEPD_TEST_PG_ADMIN_URL") : pgurl);
		if (PQstatus(admin) != CONNECTION_OK)
			return -1;
	}
	srv = server_new(conf, NULL);
	return srv == NULL ? -1 : 0;
}

static int
setup(void **state)
{
	srv->store = store_open(&cs, 1);
	return srv->store == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char *p;

	store_close(srv->store);
	srv->store = NULL;
	if (admin != NULL)
		PQclear(PQexec(admin, "DROP TABLE IF EXISTS txns, requests, "
		    "crls, certs, challenges, meta, tokens, audit, audit_head, txlog, "
		    "leases CASCADE"));
	else {
		unlink(cs.path);
		if (asprintf(&p, "%s-wal", cs.path) != -1) {
			unlink(p);
			free(p);
		}
		if (asprintf(&p, "%s-shm", cs.path) != -1) {
			unlink(p);
			free(p);
		}
	}
	return 0;
}

static int
group_teardown(void **state)
{
	server_free(srv);
	PQfinish(admin);
	EVP_PKEY_free(devkey);
	free(cs.path);
	tu_rmrf(dir);
	free(dir);
	return 0;
}

/* Follow "next" from the first page of "query"; count, no repeats. */
static int
page_all(const char *path, const char *query, int limit)
{
	struct call	 c;
	json_t		*seen = json_object(), *it;
	const char	*next = NULL;
	char		 q[512];
	size_t		 i;
	int		 pages = 0, n;

	do {
		snprintf(q, sizeof(q), "%s%slimit=%d%s%s", query,
		    *query != '\0' ? "&" : "", limit, next != NULL ?
		    "&cursor=" : "", next != NULL ? next : "");
		free((char *)next);
		next = NULL;
		call(path, q, &c);
		if (c.status != 200)
			fail_msg("%s?%s: %d %.*s", path, q, c.status,
			    (int)c.len, c.body);
		assert_true(json_array_size(json_object_get(c.j, "items")) <=
		    (size_t)limit);
		json_array_foreach(json_object_get(c.j, "items"), i, it) {
			json_t *k = json_object_get(it, "serial");
			char id[32];

			if (!json_is_string(k)) {
				snprintf(id, sizeof(id), "%lld",
				    (long long)json_integer_value(
				    json_object_get(it, "id")));
			}
			assert_null(json_object_get(seen, json_is_string(k) ?
			    json_string_value(k) : id));
			json_object_set_new(seen, json_is_string(k) ?
			    json_string_value(k) : id, json_true());
		}
		if (json_is_string(json_object_get(c.j, "next")))
			next = strdup(json_string_value(json_object_get(c.j,
			    "next")));
		call_free(&c);
		assert_true(++pages < 1000);
	} while (next != NULL);
	n = (int)json_object_size(seen);
	json_decref(seen);
	return n;
}

static int
count(const char *query)
{
	return page_all("/certificates", query, 1000);
}

static void
test_list_paging(void **state)
{
	char	cn[32];
	int	i;

	for (i = 0; i < 25; i++) {
		snprintf(cn, sizeof(cn), "dev-%d", i);
		issue_one(cn, NULL, "default", "192.0.2.1", "", NULL);
	}
	assert_int_equal(page_all("/certificates", "", 7), 25);
	assert_int_equal(page_all("/certificates", "", 1), 25);
	assert_int_equal(page_all("/certificates", "", 25), 25);
	assert_int_equal(page_all("/certificates", "", 100), 25);
	assert_int_equal(count(""), 25);
}

static void
test_filters(void **state)
{
	struct call	 c;
	char		 serial[STORE_SERIAL_MAX + 1], q[128], cn[32];
	int		 i;

	for (i = 0; i < 12; i++) {
		snprintf(cn, sizeof(cn), "dev-%d", i);
		issue_one(cn, i == 5 ? "DNS:five.example,IP:192.0.2.55" : NULL,
		    i < 8 ? "default" : "ios", i == 3 ? "198.51.100.3" :
		    "192.0.2.1", "", i == 5 ? serial : NULL);
	}
	issue_one("rtr-1", "DNS:rtr-1.example", "routers", "10.0.0.1", "",
	    NULL);
	assert_int_equal(count("subject=dev-1"), 3);	/* 1, 10, 11 */
	assert_int_equal(count("subject=DEV-1"), 3);
	assert_int_equal(count("subject=O%3Dscepd"), 0); /* not decoded */
	assert_int_equal(count("subject=O=scepd tests"), 13);
	assert_int_equal(count("san=five.example"), 1);
	assert_int_equal(count("san=192.0.2.55"), 1);
	assert_int_equal(count("requester=198.51.100.3"), 1);
	assert_int_equal(count("profile=ios"), 4);
	assert_int_equal(count("profile=routers"), 1);
	assert_int_equal(count("profile=nosuch"), 0);
	assert_int_equal(count("ca=other"), 1);
	assert_int_equal(count("ca=default"), 12);
	snprintf(q, sizeof(q), "serial=%s", serial);
	assert_int_equal(count(q), 1);
	snprintf(q, sizeof(q), "serial=%s", serial);
	for (i = 7; q[i] != '\0'; i++)	/* any case */
		q[i] = (char)tolower((unsigned char)q[i]);
	assert_int_equal(count(q), 1);
	snprintf(q, sizeof(q), "serial=%.6s*", serial);
	assert_true(count(q) >= 1);
	assert_int_equal(count("status=valid"), 13);
	assert_int_equal(count("status=expired"), 0);
	assert_int_equal(store_cert_revoke(srv->store, serial, 1,
	    (int64_t)time(NULL)), STORE_REVOKE_DONE);
	assert_int_equal(count("status=revoked"), 1);
	assert_int_equal(count("status=valid"), 12);
	assert_int_equal(count("issued_after=2999-01-01"), 0);
	assert_int_equal(count("issued_before=2999-01-01T00:00:00Z"), 13);
	assert_int_equal(count("issued_after=1000000000&issued_before="
	    "32503680000"), 13);
	assert_int_equal(count("expires_before=2000-01-01"), 0);
	assert_int_equal(count("expires_after=2000-01-01&profile=ios"), 4);

	/* The revoked one, as the list shows it. */
	snprintf(q, sizeof(q), "serial=%s", serial);
	call("/certificates", q, &c);
	assert_int_equal(c.status, 200);
	{
		json_t *it = json_array_get(json_object_get(c.j, "items"), 0);

		assert_string_equal(json_string_value(json_object_get(it,
		    "status")), "revoked");
		assert_string_equal(json_string_value(json_object_get(it,
		    "revoke_reason")), "keyCompromise");
		assert_string_equal(json_string_value(json_array_get(
		    json_object_get(it, "sans"), 0)), "dns:five.example");
		assert_string_equal(json_string_value(json_object_get(it,
		    "subject")), "CN=dev-5,O=scepd tests");
		assert_true(json_is_null(json_object_get(c.j, "next")));
	}
	call_free(&c);
}

static void
test_refusals(void **state)
{
	static const struct api_identity none = { "x", "token",
	    API_ROLE_NONE, "" };
	struct call c;

	issue_one("dev-0", NULL, "default", "192.0.2.1", "", NULL);
	expect_error(&viewer, "GET", "/certificates", "cursor=bogus", 400);
	expect_error(&viewer, "GET", "/certificates",
	    "cursor=c0000000000000000", 400);
	expect_error(&viewer, "GET", "/certificates",
	    "cursor=cFFFFFFFFFFFFFFFF", 400);
	expect_error(&viewer, "GET", "/certificates",
	    "cursor=cffffffffffffffff", 400);
	expect_error(&viewer, "GET", "/requests", "cursor=x", 400);
	expect_error(&viewer, "GET", "/certificates", "limit=0", 400);
	expect_error(&viewer, "GET", "/certificates", "limit=1001", 400);
	expect_error(&viewer, "GET", "/certificates", "limit=ten", 400);
	expect_error(&viewer, "GET", "/certificates", "subjet=dev", 400);
	expect_error(&viewer, "GET", "/certificates", "status=lost", 400);
	expect_error(&viewer, "GET", "/certificates", "subject=ab", 400);
	expect_error(&viewer, "GET", "/certificates", "serial=xyz", 400);
	expect_error(&viewer, "GET", "/certificates", "serial=", 400);
	expect_error(&viewer, "GET", "/certificates", "serial=*", 400);
	expect_error(&viewer, "GET", "/certificates", "issued_after=soon",
	    400);
	expect_error(&viewer, "GET", "/certificates", "issued_after=2026-13-01",
	    400);
	expect_error(&viewer, "GET", "/certificates/export", "format=xml",
	    400);
	expect_error(&viewer, "GET", "/certificates/export", "", 400);
	expect_error(&viewer, "GET", "/certificates/export",
	    "format=csv&limit=5", 400);
	expect_error(&viewer, "GET", "/certificates/ABCDEF", NULL, 404);
	expect_error(&viewer, "GET", "/certificates/ABCDEF", "x=1", 400);
	expect_error(&viewer, "GET", "/requests/1", NULL, 404);
	expect_error(&viewer, "GET", "/requests/abc", NULL, 404);
	expect_error(&viewer, "GET", "/requests/-1", NULL, 404);
	expect_error(&viewer, "GET", "/requests", "status=done", 400);
	expect_error(&viewer, "GET", "/profiles/nosuch/mobileconfig", NULL,
	    404);
	expect_error(&viewer, "GET", "/profiles/ios/mobileconfig",
	    "keysize=3000", 400);
	expect_error(&viewer, "GET", "/profiles", "verbose=1", 400);
	expect_error(&viewer, "POST", "/certificates", NULL, 405);
	expect_error(&viewer, "GET", "/nosuch", NULL, 404);
	expect_error(&none, "GET", "/certificates", NULL, 403);
	expect_error(NULL, "GET", "/certificates", NULL, 403);
	expect_error(NULL, "GET", "/profiles", NULL, 403);
	/* The description alone needs no credential. */
	assert_true(api_public("GET", "/openapi.json"));
	assert_false(api_public("GET", "/certificates"));
	assert_false(api_public("POST", "/openapi.json"));
	call_as(NULL, "GET", "/openapi.json", NULL, NULL, &c);
	assert_int_equal(c.status, 200);
	assert_non_null(c.j);
	call_free(&c);
}

static void
test_scope(void **state)
{
	struct call	 c;
	json_t		*it;
	char		 dflt[STORE_SERIAL_MAX + 1], path[64];
	size_t		 i;

	issue_one("dev-0", NULL, "default", "192.0.2.1", "", dflt);
	issue_one("ipad-1", NULL, "ios", "192.0.2.1", "", NULL);
	issue_one("ipad-2", NULL, "ios", "192.0.2.1", "", NULL);
	issue_one("rtr-1", NULL, "routers", "192.0.2.1", "", NULL);
	call_as(&ios_only, "GET", "/certificates", NULL, NULL, &c);
	assert_int_equal(c.status, 200);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 2);
	json_array_foreach(json_object_get(c.j, "items"), i, it)
		assert_string_equal(json_string_value(json_object_get(it,
		    "profile")), "ios");
	call_free(&c);
	/* Another profile, named: an empty page, not 403. */
	call_as(&ios_only, "GET", "/certificates", "profile=routers", NULL,
	    &c);
	assert_int_equal(c.status, 200);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 0);
	call_free(&c);
	call_as(&ios_only, "GET", "/certificates/export", "format=json", NULL,
	    &c);
	assert_int_equal(c.status, 200);
	assert_int_equal(json_array_size(c.j), 2);
	call_free(&c);
	/* One certificate outside the scope does not exist. */
	snprintf(path, sizeof(path), "/certificates/%s", dflt);
	expect_error(&ios_only, "GET", path, NULL, 404);
	call(path, NULL, &c);
	assert_int_equal(c.status, 200);
	call_free(&c);
	call_as(&ios_only, "GET", "/profiles", NULL, NULL, &c);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(c.j, "items"), 0), "name")), "ios");
	call_free(&c);
	call_as(&ios_only, "GET", "/cas", NULL, NULL, &c);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(c.j, "items"), 0), "name")), "default");
	call_free(&c);
	expect_error(&ios_only, "GET", "/profiles/routers/mobileconfig", NULL,
	    404);
	call_as(&ios_only, "GET", "/profiles/ios/mobileconfig", NULL, NULL,
	    &c);
	assert_int_equal(c.status, 200);
	call_free(&c);
}

/* "key=value" of the openssl command's output line starting "key=". */
static char *
openssl_field(const char *out, const char *key)
{
	const char	*p;
	size_t		 n = strlen(key);

	for (p = out; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == '=')
			return strndup(p + n + 1, strcspn(p + n + 1, "\n"));
	return NULL;
}

static void
test_one_vs_openssl(void **state)
{
	struct call	 c;
	char		 a[STORE_SERIAL_MAX + 1], b[STORE_SERIAL_MAX + 1];
	char		 cc[STORE_SERIAL_MAX + 1], path[64], cmd[512], out[4096];
	char		*pem, *v, *fp;
	FILE		*f;
	json_t		*j, *r;
	size_t		 n, i, k;
	struct tm	 tm;
	char		 txid[32];

	snprintf(txid, sizeof(txid), "tx-%d", ntx + 1);
	issue_one("laptop-7", "DNS:laptop-7.example,IP:192.0.2.7,"
	    "email:ops@example.net", "default", "203.0.113.9", "", a);
	issue_one("laptop-7", NULL, "default", "203.0.113.9", a, b);
	issue_one("laptop-7", NULL, "default", "203.0.113.9", b, cc);
	snprintf(path, sizeof(path), "/certificates/%s", a);
	call(path, NULL, &c);
	assert_int_equal(c.status, 200);
	j = c.j;
	assert_true(json_is_true(json_object_get(j, "decoded")));
	assert_string_equal(json_string_value(json_object_get(j, "requester")),
	    "203.0.113.9");
	assert_string_equal(json_string_value(json_object_get(j, "txid")),
	    txid);
	assert_string_equal(json_string_value(json_object_get(j, "issuer")),
	    "CN=api test CA");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "key"), "type")), "ec");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    j, "key"), "bits")), 256);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "key"), "curve")), "P-256");
	assert_true(json_array_size(json_object_get(j, "extensions")) >= 3);
	/* Renewal chain of A: nothing before, B then C after. */
	r = json_object_get(j, "renewal");
	assert_int_equal(json_array_size(json_object_get(r, "renews")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "renewed_by")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r,
	    "renewed_by"), 0)), b);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r,
	    "renewed_by"), 1)), cc);

	/* What openssl reads in the PEM the API gave. */
	pem = tu_path(dir, "one.pem");
	tu_write_str(pem, json_string_value(json_object_get(j, "pem")), 0644);
	snprintf(cmd, sizeof(cmd), "openssl x509 -in %s -noout -serial "
	    "-nameopt RFC2253 -subject -issuer -enddate -startdate "
	    "-fingerprint -sha256 -ext subjectAltName 2>&1", pem);
	assert_non_null(f = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
	assert_non_null(v = openssl_field(out, "serial"));
	assert_string_equal(v, json_string_value(json_object_get(j, "serial")));
	free(v);
	assert_non_null(v = openssl_field(out, "subject"));
	assert_string_equal(v, json_string_value(json_object_get(j,
	    "subject")));
	free(v);
	assert_non_null(v = openssl_field(out, "issuer"));
	assert_string_equal(v, json_string_value(json_object_get(j, "issuer")));
	free(v);
	assert_non_null(v = openssl_field(out, "notAfter"));
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(v, "%b %d %H:%M:%S %Y GMT", &tm));
	free(v);
	{
		char iso[32];

		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_string_equal(iso, json_string_value(json_object_get(j,
		    "not_after")));
	}
	assert_non_null(v = openssl_field(out, "sha256 Fingerprint"));
	assert_non_null(fp = calloc(1, strlen(v) + 1));
	for (i = 0, k = 0; v[i] != '\0'; i++)
		if (v[i] != ':')
			fp[k++] = v[i];
	assert_string_equal(fp, json_string_value(json_object_get(
	    json_object_get(j, "fingerprints"), "sha256")));
	free(fp);
	free(v);
	assert_non_null(strstr(out, "DNS:laptop-7.example"));
	assert_non_null(strstr(out, "IP Address:192.0.2.7"));
	assert_non_null(strstr(out, "email:ops@example.net"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "sans"), 0)), "dns:laptop-7.example");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "sans"), 1)), "ip:192.0.2.7");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "sans"), 2)), "email:ops@example.net");
	unlink(pem);
	free(pem);
	call_free(&c);

	/* C looks back to B then A. */
	/* Any case, as the search takes it. */
	snprintf(path, sizeof(path), "/certificates/%s", cc);
	for (i = strlen("/certificates/"); path[i] != '\0'; i++)
		path[i] = (char)tolower((unsigned char)path[i]);
	call(path, NULL, &c);
	assert_int_equal(c.status, 200);
	r = json_object_get(c.j, "renewal");
	assert_int_equal(json_array_size(json_object_get(r, "renews")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r,
	    "renews"), 0)), b);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r,
	    "renews"), 1)), a);
	assert_string_equal(json_string_value(json_object_get(c.j,
	    "renewed_from")), b);
	call_free(&c);
}

static void
test_requests(void **state)
{
	struct store_request	 r;
	struct store_txn	 t;
	struct call		 c;
	X509_REQ		*req;
	unsigned char		*der;
	size_t			 dersz;
	char			 path[64], cn[32];
	json_t			*csr;
	int			 i;
	int64_t			 id = 0;

	for (i = 0; i < 5; i++) {
		snprintf(cn, sizeof(cn), "pending-%d", i);
		assert_non_null(req = tu_req_new(devkey, cn));
		assert_int_equal(tu_req_add_san(req, "DNS:p.example"), 1);
		X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword,
		    MBSTRING_ASC, (const unsigned char *)"s3cret", -1);
		assert_non_null(der = tu_req_sign(req, devkey, EVP_sha256(),
		    &dersz));
		X509_REQ_free(req);
		memset(&r, 0, sizeof(r));
		memset(&t, 0, sizeof(t));
		snprintf(r.txid, sizeof(r.txid), "req-%d", i);
		snprintf(t.txid, sizeof(t.txid), "req-%d", i);
		tu_fill(r.signer_kid, STORE_KID_LEN, 500 + i);
		memcpy(t.signer_kid, r.signer_kid, STORE_KID_LEN);
		r.csr = der;
		r.csrsz = dersz;
		r.subject = cn;
		snprintf(r.profile, sizeof(r.profile), "%s", i < 3 ?
		    "routers" : "ios");
		snprintf(r.peer, sizeof(r.peer), "10.0.0.%d", i);
		r.created_at = (int64_t)time(NULL);
		r.expires_at = r.created_at + (i == 0 ? -1 : 3600);
		assert_int_equal(store_request_put(srv->store, &r, &t),
		    STORE_PUT_OK);
		if (i == 1)
			id = r.id;
		free(der);
	}
	assert_int_equal(store_request_reject(srv->store, id, "not ours",
	    (int64_t)time(NULL)), STORE_PUT_OK);
	assert_int_equal(page_all("/requests", "", 2), 5);
	assert_int_equal(page_all("/requests", "status=pending", 2), 3);
	assert_int_equal(page_all("/requests", "status=expired", 2), 1);
	assert_int_equal(page_all("/requests", "status=rejected", 2), 1);
	assert_int_equal(page_all("/requests", "status=issued", 2), 0);
	assert_int_equal(page_all("/requests", "profile=ios", 2), 2);
	assert_int_equal(page_all("/requests", "text=pending-3", 2), 1);
	assert_int_equal(page_all("/requests", "text=10.0.0.4", 2), 1);
	assert_int_equal(page_all("/requests", "text=REQ-", 2), 5);

	snprintf(path, sizeof(path), "/requests/%lld", (long long)id);
	call(path, NULL, &c);
	assert_int_equal(c.status, 200);
	assert_string_equal(json_string_value(json_object_get(c.j, "status")),
	    "rejected");
	assert_string_equal(json_string_value(json_object_get(c.j, "reason")),
	    "not ours");
	assert_string_equal(json_string_value(json_object_get(c.j,
	    "requester")), "10.0.0.1");
	csr = json_object_get(c.j, "csr");
	assert_true(json_is_true(json_object_get(csr, "decoded")));
	assert_string_equal(json_string_value(json_object_get(csr, "subject")),
	    "CN=pending-1,O=scepd tests");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    csr, "sans"), 0)), "dns:p.example");
	assert_string_equal(json_string_value(json_object_get(csr,
	    "challenge_password")), "present");
	assert_null(strstr(c.body, "s3cret"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    csr, "key"), "bits")), 256);
	call_free(&c);
	/* The ios token sees the ios requests alone. */
	expect_error(&ios_only, "GET", path, NULL, 404);
	call_as(&ios_only, "GET", "/requests", NULL, NULL, &c);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 2);
	call_free(&c);
}

static void
test_profiles(void **state)
{
	struct call	 c;
	json_t		*it, *p = NULL;
	size_t		 i;

	call("/profiles", NULL, &c);
	assert_int_equal(c.status, 200);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 3);
	json_array_foreach(json_object_get(c.j, "items"), i, it)
		if (strcmp(json_string_value(json_object_get(it, "name")),
		    "routers") == 0)
			p = it;
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "url_path")),
	    "/scep/routers");
	assert_string_equal(json_string_value(json_object_get(p, "url")),
	    "http://127.0.0.1:8080/scep/routers");
	assert_string_equal(json_string_value(json_object_get(p, "ca")),
	    "other");
	assert_string_equal(json_string_value(json_object_get(p,
	    "challenge_mode")), "static");
	assert_true(json_is_true(json_object_get(json_object_get(p,
	    "approval"), "manual")));
	assert_int_equal(strlen(json_string_value(json_object_get(
	    json_object_get(json_object_get(p, "ca_certificate"),
	    "fingerprints"), "sha256"))), 64);
	assert_int_equal(strlen(json_string_value(json_object_get(
	    json_object_get(json_object_get(p, "ra_certificate"),
	    "fingerprints"), "sha1"))), 40);
	assert_true(json_array_size(json_object_get(p, "capabilities")) >= 5);
	assert_null(strstr(c.body, "s3cret"));
	call_free(&c);

	call("/cas", NULL, &c);
	assert_int_equal(c.status, 200);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 2);
	it = json_array_get(json_object_get(c.j, "items"), 1);
	assert_string_equal(json_string_value(json_object_get(it, "name")),
	    "other");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    it, "certificate"), "subject")), "CN=api other CA");
	assert_true(json_is_null(json_object_get(it, "crl_number")));
	call_free(&c);

	call("/profiles/routers/mobileconfig", "challenge=one-time-1&subject="
	    "CN=rtr-9", &c);
	assert_int_equal(c.status, 200);
	assert_string_equal(c.ctype, "application/x-apple-aspen-config");
	assert_string_equal(c.filename, "routers.mobileconfig");
	assert_non_null(strstr(c.body, "http://127.0.0.1:8080/scep/routers"));
	assert_non_null(strstr(c.body, "one-time-1"));
	assert_non_null(strstr(c.body, "com.apple.security.scep"));
	call_free(&c);
	/* No challenge asked for, none embedded: not the static secret. */
	call("/profiles/routers/mobileconfig", NULL, &c);
	assert_int_equal(c.status, 200);
	assert_null(strstr(c.body, "s3cret"));
	assert_null(strstr(c.body, "<key>Challenge</key>"));
	call_free(&c);
	call("/profiles/default/mobileconfig", NULL, &c);
	assert_int_equal(c.status, 200);
	assert_non_null(strstr(c.body, "http://127.0.0.1:8080/scep<"));
	call_free(&c);
}

/* Python's csv module on "path": prints rows, columns, distinct serials. */
static void
csv_check(const char *path, int rows)
{
	char	cmd[1024], out[256];
	FILE	*f;
	size_t	n;

	snprintf(cmd, sizeof(cmd), "python3 -c '"
	    "import csv, sys\n"
	    "r = list(csv.reader(open(sys.argv[1], newline=\"\")))\n"
	    "assert r[0][0] == \"serial\" and r[0][2] == \"sans\", r[0]\n"
	    "assert all(len(x) == len(r[0]) for x in r)\n"
	    "print(len(r) - 1, len(r[0]), len(set(x[0] for x in r[1:])))\n"
	    "' %s", path);
	assert_non_null(f = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
	snprintf(cmd, sizeof(cmd), "%d 14 %d\n", rows, rows);
	assert_string_equal(out, cmd);
}

static void
test_export(void **state)
{
	struct call	 c;
	char		*p;
	int		 i;

	issue_one("quote\"d, comma", "DNS:a.example,DNS:b.example", "ios",
	    "192.0.2.1", "", NULL);
	for (i = 1; i < EXPORT_N; i++)
		issue_one("bulk", NULL, "default", "192.0.2.1", "", NULL);
	call("/certificates/export", "format=csv", &c);
	assert_int_equal(c.status, 200);
	assert_string_equal(c.ctype, "text/csv; charset=utf-8");
	assert_non_null(strstr(c.filename, "certificates-"));
	assert_non_null(strstr(c.body, "\"CN=quote\\\"\"d\\, comma,O=scepd "
	    "tests\""));
	assert_non_null(p = tu_path(dir, "export.csv"));
	assert_int_equal(tu_write(p, c.body, c.len, 0600), 0);
	csv_check(p, EXPORT_N);
	unlink(p);
	free(p);
	call_free(&c);

	call("/certificates/export", "format=json", &c);
	assert_int_equal(c.status, 200);
	assert_non_null(c.j);
	assert_int_equal(json_array_size(c.j), EXPORT_N);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_array_get(c.j, EXPORT_N - 1), "sans"), 1)), "dns:b.example");
	call_free(&c);

	/* With a filter, and one matching nothing: still well-formed. */
	call("/certificates/export", "format=json&profile=ios", &c);
	assert_int_equal(json_array_size(c.j), 1);
	call_free(&c);
	call("/certificates/export", "format=json&profile=nosuch", &c);
	assert_true(json_is_array(c.j));
	assert_int_equal(json_array_size(c.j), 0);
	call_free(&c);
	call("/certificates/export", "format=csv&subject=nothing-like-it",
	    &c);
	assert_string_equal(c.body, "serial,subject,sans,status,not_before,"
	    "not_after,issued_at,revoked_at,revoke_reason,profile,ca,"
	    "requester,txid,renewed_from\r\n");
	call_free(&c);
}

struct route_check {
	json_t	*paths;
	int	 n;
};

/* "/certificates/ *" is "/certificates/{anything}" in the document. */
static int
route_in_doc(const struct api_route *r, void *arg)
{
	struct route_check	*rc = arg;
	const char		*k, *p, *q;
	json_t			*v;
	char			 method[16];
	size_t			 i;

	for (i = 0; r->method[i] != '\0' && i + 1 < sizeof(method); i++)
		method[i] = (char)tolower((unsigned char)r->method[i]);
	method[i] = '\0';
	json_object_foreach(rc->paths, k, v) {
		for (p = r->pattern, q = k; *p != '\0' && *q != '\0'; p++) {
			if (*p == '*' && *q == '{') {
				if ((q = strchr(q, '}')) == NULL)
					break;
				q++;
			} else if (*p == *q)
				q++;
			else
				break;
		}
		if (q != NULL && *p == '\0' && *q == '\0' &&
		    json_object_get(v, method) != NULL) {
			rc->n++;
			return 0;
		}
	}
	fail_msg("%s %s is not in docs/openapi.json", r->method, r->pattern);
	return -1;
}

static void
test_openapi(void **state)
{
	struct route_check	 rc;
	struct call		 c;
	json_t			*op;
	const char		*k, *m;
	json_t			*v;

	call_as(NULL, "GET", "/openapi.json", NULL, NULL, &c);
	assert_int_equal(c.status, 200);
	assert_non_null(c.j);
	assert_string_equal(json_string_value(json_object_get(c.j, "openapi")),
	    "3.0.3");
	rc.paths = json_object_get(c.j, "paths");
	rc.n = 0;
	assert_int_equal(api_route_each(route_in_doc, &rc), 0);
	assert_true(rc.n >= 9);
	/* Every operation says who may call it. */
	json_object_foreach(rc.paths, k, v) {
		json_object_foreach(v, m, op) {
			if (strcmp(m, "parameters") == 0)
				continue;
			assert_non_null(json_object_get(op, "description"));
			assert_non_null(json_object_get(op, "responses"));
		}
	}
	assert_non_null(json_object_get(json_object_get(json_object_get(c.j,
	    "components"), "securitySchemes"), "bearer"));
	call_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_paging, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_vs_openssl, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_profiles, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openapi, setup, teardown),
	};

	return cmocka_run_group_tests_name(getenv("SCEPD_TEST_PG_URL") !=
	    NULL ? "api read (postgresql)" : "api read (sqlite)", tests,
	    group_setup, group_teardown);
}
