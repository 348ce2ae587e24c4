/*	SPDX-License-Identifier: ISC */
/*
 * test_api_admin.c: the admin layer's API endpoints through api_handle(),
 * as http.c calls it, over a real store and server (a CA, three
 * profiles): every route of api_action.c, api_txn.c, api_audit.c,
 * api_stats.c and api_token.c with each role (viewer, operator,
 * auditor, admin) and a token limited to one profile; bad bodies,
 * wrong types, unknown fields and bad cursors (400, nothing changed);
 * and api_auth_bearer()/api_auth_cert() over the token store (expired,
 * revoked, unknown, bound to a client certificate).
 * SQLite by default; with SCEPD_TEST_PG_URL set (tests/integration/
 * unit_pg.sh) the same cases run on PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "action.h"
#include "api.h"
#include "server.h"
#include "store.h"
#include "testutil.h"
#include "util.h"

enum who { VIEWER, OPERATOR, AUDITOR, ADMIN, SCOPED, WHO__MAX };

static char			*dir;
static struct server		*srv;
static struct store		*st;
static struct api_identity	 ids[WHO__MAX];
static EVP_PKEY			*devkey;
static int			 reloads, reload_fails;

static const char *const who_names[WHO__MAX] = {
	"viewer", "operator", "auditor", "admin", "operator"
};

/* Query parameters of one call: "a=1&b=2", no escapes. */
struct args {
	char	buf[512];
	char	*k[8], *v[8];
	int	n;
};

static const char *
arg_get(void *cls, const char *name)
{
	struct args	*a = cls;
	int		 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->k[i], name) == 0)
			return a->v[i];
	return NULL;
}

/* api_req.args over the parsed query, as admin.c's over libmicrohttpd's. */
static int
args_each(void *cls, int (*cb)(void *, const char *, const char *),
    void *cbarg)
{
	struct args	*a = cls;
	int		 i;

	for (i = 0; i < a->n; i++)
		if (cb(cbarg, a->k[i], a->v[i]) == -1)
			return -1;
	return 0;
}

static void
args_parse(struct args *a, const char *q)
{
	char *p, *e;

	memset(a, 0, sizeof(*a));
	snprintf(a->buf, sizeof(a->buf), "%s", q != NULL ? q : "");
	for (p = a->buf; *p != '\0' && a->n < 8; p = e) {
		if ((e = strchr(p, '&')) != NULL)
			*e++ = '\0';
		else
			e = p + strlen(p);
		a->k[a->n] = p;
		if ((a->v[a->n] = strchr(p, '=')) != NULL)
			*a->v[a->n]++ = '\0';
		else
			a->v[a->n] = p + strlen(p);
		a->n++;
	}
}

static int
reload_ok(void *cls)
{
	reloads++;
	return *(int *)cls;
}

/*
 * One API call as "w" ("path?query"); the status, and the JSON body in
 * *out if wanted (caller decrefs).
 */
static int
call(enum who w, const char *method, const char *url, const char *body,
    json_t **out)
{
	struct api_req	 rq = { 0 };
	struct api_resp	 rs;
	struct args	 a;
	char		 path[256], *q;
	json_t		*j;

	snprintf(path, sizeof(path), "%s", url);
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';
	args_parse(&a, q);
	rq.srv = srv;
	rq.method = method;
	rq.path = path;
	rq.arg = arg_get;
	rq.args = args_each;
	rq.argcls = &a;
	rq.body = (const unsigned char *)body;
	rq.bodysz = body != NULL ? strlen(body) : 0;
	rq.who = &ids[w];
	rq.peer = "198.51.100.7";
	api_handle(&rq, &rs);
	assert_non_null(rs.body);
	assert_string_equal(rs.ctype, "application/json");
	j = json_loadb(rs.body, rs.len, 0, NULL);
	assert_non_null(j);
	if (rs.status >= 400)
		assert_true(json_is_string(json_object_get(j, "error")));
	if (out != NULL)
		*out = j;
	else
		json_decref(j);
	free(rs.body);
	return rs.status;
}

/* The same as call(), with the reload hook offered. */
static int
call_reload(enum who w, int result)
{
	struct api_req	rq = { 0 };
	struct api_resp	rs;

	rq.srv = srv;
	rq.method = "POST";
	rq.path = "/reload";
	rq.who = &ids[w];
	rq.peer = "198.51.100.7";
	rq.reload = reload_ok;
	rq.reloadcls = &result;
	api_handle(&rq, &rs);
	free(rs.body);
	return rs.status;
}

static int64_t
audit_entries(void)
{
	struct store_audit_check c;

	assert_int_equal(store_audit_verify(st, &c), 0);
	assert_true(c.broken == 0);
	return c.entries;
}

/* A pending request of "profile", as the engine keeps one. */
static int64_t
pending(const char *profile, const char *cn)
{
	struct store_request	 r;
	struct store_txn	 t;
	X509_REQ		*req;
	unsigned char		*der;
	size_t			 n;
	static int		 k;

	assert_non_null(req = tu_req_new(devkey, cn));
	assert_non_null(der = tu_req_sign(req, devkey, EVP_sha256(), &n));
	X509_REQ_free(req);
	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	snprintf(r.txid, sizeof(r.txid), "txid-%s-%d", cn, ++k);
	snprintf(t.txid, sizeof(t.txid), "%s", r.txid);
	tu_fill(r.signer_kid, sizeof(r.signer_kid), (uint32_t)k);
	memcpy(t.signer_kid, r.signer_kid, STORE_KID_LEN);
	tu_fill(r.csr_kid, sizeof(r.csr_kid), (uint32_t)k + 100);
	memcpy(t.csr_kid, r.csr_kid, STORE_KID_LEN);
	r.csr = der;
	r.csrsz = n;
	r.subject = (char *)cn;
	snprintf(r.profile, sizeof(r.profile), "%s", profile);
	snprintf(r.peer, sizeof(r.peer), "192.0.2.9");
	r.created_at = (int64_t)time(NULL);
	r.expires_at = r.created_at + 3600;
	assert_int_equal(store_request_put(st, &r, &t), STORE_PUT_OK);
	free(der);
	return r.id;
}

static void
write_conf(const char *pgurl)
{
	char	*p, conf[1024];

	snprintf(conf, sizeof(conf),
	    "store: { backend = \"%s\"; %s = \"%s\"; };\n"
	    "ca: { cert = \"ca.pem\"; key = \"ca.key\"; };\n"
	    "approval: { manual = true; };\n"
	    "profiles: {\n"
	    "  ios: { challenge: { mode = \"dynamic\"; }; };\n"
	    "  macos: { challenge: { mode = \"dynamic\"; }; };\n"
	    "};\n", pgurl != NULL ? "postgresql" : "sqlite",
	    pgurl != NULL ? "url" : "path", pgurl != NULL ? pgurl :
	    "scepd.db");
	assert_non_null(p = tu_path(dir, "scepd.conf"));
	assert_int_equal(tu_write_str(p, conf, 0600), 0);
	free(p);
}

static void
pg_reset(const char *url)
{
	PGconn		*c = PQconnectdb(getenv("SCEPD_TEST_PG_ADMIN_URL") !=
	    NULL ? getenv("SCEPD_TEST_PG_ADMIN_URL") : url);
	PGresult	*r;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, "SET client_min_messages = warning; DROP TABLE IF "
	    "EXISTS txns, requests, crls, certs, challenges, meta, tokens, "
	    "audit, audit_head, txlog, leases CASCADE");
	PQclear(r);
	PQfinish(c);
}

/* One token of each kind, through the real create and auth path. */
static void
make_tokens(void)
{
	struct action_ctx	x;
	char			tok[ACTION_TOKEN_LEN + 1], name[16], hdr[80];
	int			i;

	action_ctx_cli(&x, st, srv);
	for (i = 0; i < WHO__MAX; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		assert_int_equal(action_token_create(&x, name, who_names[i],
		    i == SCOPED ? "macos" : NULL, 0, NULL, tok), ACTION_OK);
		assert_int_equal(strncmp(tok, "scepd_", 6), 0);
		assert_int_equal(strlen(tok), ACTION_TOKEN_LEN);
		snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
		assert_int_equal(api_auth_bearer(st, hdr, &ids[i]),
		    API_AUTH_OK);
		assert_string_equal(ids[i].kind, "token");
	}
}

static int
setup(void **state)
{
	const char	*pgurl = getenv("SCEPD_TEST_PG_URL");
	EVP_PKEY	*cakey;
	X509		*ca;
	struct conf	*c;
	char		*p, *q;

	if ((dir = tu_tmpdir()) == NULL)
		return -1;
	if (pgurl != NULL)
		pg_reset(pgurl);
	cakey = tu_key_rsa(2048);
	devkey = tu_key_rsa(2048);
	ca = tu_cert_self(cakey, "API test CA", 1);
	p = tu_path(dir, "ca.pem");
	q = tu_path(dir, "ca.key");
	if (cakey == NULL || devkey == NULL || ca == NULL ||
	    tu_pem_cert(p, ca, 0644) == -1 || tu_pem_key(q, cakey, 0600) == -1)
		return -1;
	free(p);
	free(q);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	write_conf(pgurl);
	p = tu_path(dir, "scepd.conf");
	c = conf_load(p);
	free(p);
	if (c == NULL || (st = store_open(&c->store, 1)) == NULL ||
	    (srv = server_new(c, st)) == NULL)
		return -1;
	make_tokens();
	return 0;
}

static int
teardown(void **state)
{
	server_free(srv);
	store_close(st);
	EVP_PKEY_free(devkey);
	tu_rmrf(dir);
	free(dir);
	return 0;
}

static void
test_auth(void **state)
{
	struct api_identity	 who;
	struct store_token	 t;
	struct action_ctx	 x;
	char			 tok[ACTION_TOKEN_LEN + 1], hdr[96];
	unsigned char		 cert[32];

	assert_int_equal(api_auth_bearer(st, NULL, &who), API_AUTH_NONE);
	assert_int_equal(api_auth_bearer(st, "Basic dXNlcjpwdw==", &who),
	    API_AUTH_BAD);
	assert_int_equal(api_auth_bearer(st, "Bearer ", &who), API_AUTH_BAD);
	assert_int_equal(api_auth_bearer(st, "Bearer scepd_nosuchtoken",
	    &who), API_AUTH_BAD);
	assert_int_equal(ids[SCOPED].role, API_ROLE_OPERATOR);
	assert_string_equal(ids[SCOPED].profiles, "macos");
	assert_int_equal(ids[AUDITOR].role, API_ROLE_AUDITOR);

	/* Revoked: refused from then on. */
	action_ctx_cli(&x, st, srv);
	assert_int_equal(action_token_create(&x, "gone", "admin", NULL, 0,
	    NULL, tok), ACTION_OK);
	snprintf(hdr, sizeof(hdr), "bearer  %s ", tok);
	assert_int_equal(api_auth_bearer(st, hdr, &who), API_AUTH_OK);
	assert_int_equal(action_token_revoke(&x, "gone"), ACTION_OK);
	assert_int_equal(api_auth_bearer(st, hdr, &who), API_AUTH_BAD);
	assert_int_equal(action_token_revoke(&x, "gone"), ACTION_NOTFOUND);

	/* Expired: as the store would hold one made long ago. */
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "old");
	snprintf(t.role, sizeof(t.role), "admin");
	assert_int_equal(sha256("scepd_old", 9, t.hash), 0);
	t.created_at = 1000;
	t.expires_at = 2000;
	assert_int_equal(store_token_put(st, &t, NULL), STORE_PUT_OK);
	assert_int_equal(api_auth_bearer(st, "Bearer scepd_old", &who),
	    API_AUTH_BAD);

	/* A client certificate bound to a token maps to its identity. */
	tu_fill(cert, sizeof(cert), 77);
	assert_int_equal(api_auth_cert(st, cert, &who), API_AUTH_NONE);
	{
		char hex[65];

		hex_lower(cert, sizeof(cert), hex);
		assert_int_equal(action_token_create(&x, "mdm-cert", "viewer",
		    "ios", 0, hex, tok), ACTION_OK);
	}
	assert_int_equal(api_auth_cert(st, cert, &who), API_AUTH_OK);
	assert_string_equal(who.kind, "cert");
	assert_string_equal(who.name, "mdm-cert");
	assert_int_equal(who.role, API_ROLE_VIEWER);
	assert_string_equal(who.profiles, "ios");

	/* Bad input to token create writes nothing. */
	assert_int_equal(action_token_create(&x, "bad name", "admin", NULL, 0,
	    NULL, tok), ACTION_INVALID);
	assert_int_equal(action_token_create(&x, "x", "root", NULL, 0, NULL,
	    tok), ACTION_INVALID);
	assert_int_equal(action_token_create(&x, "x", "admin", "a,,b", 0,
	    NULL, tok), ACTION_INVALID);
	assert_int_equal(action_token_create(&x, "x", "admin", NULL, 0,
	    "abcd", tok), ACTION_INVALID);
	assert_int_equal(action_token_create(&x, "t0", "admin", NULL, 0,
	    NULL, tok), ACTION_CONFLICT);
}

/* Who may call each route at all, before any target is looked at. */
static void
test_roles(void **state)
{
	static const struct {
		const char	*method, *path, *body;
		int		 allowed[WHO__MAX];	/* 1: not 403 */
	} routes[] = {
		{ "POST", "/requests/999999/approve", NULL, { 0, 1, 0, 1, 1 } },
		{ "POST", "/requests/999999/reject", NULL, { 0, 1, 0, 1, 1 } },
		{ "POST", "/certificates/ABCDEF99/revoke", NULL,
		    { 0, 1, 0, 1, 1 } },
		{ "POST", "/challenges", "{\"profile\":\"nope\"}",
		    { 0, 1, 0, 1, 1 } },
		{ "GET", "/challenges", NULL, { 0, 1, 0, 1, 1 } },
		{ "DELETE", "/challenges/00000000000000000000000000000000000"
		    "00000000000000000000000000000", NULL, { 0, 1, 0, 1, 1 } },
		{ "POST", "/reload", NULL, { 0, 0, 0, 1, 0 } },
		{ "GET", "/transactions", NULL, { 1, 1, 1, 1, 1 } },
		{ "GET", "/audit", NULL, { 0, 0, 1, 1, 0 } },
		{ "GET", "/audit/verify", NULL, { 0, 0, 1, 1, 0 } },
		{ "GET", "/stats", NULL, { 1, 1, 1, 1, 1 } },
		{ "GET", "/tokens", NULL, { 0, 0, 0, 1, 0 } },
	};
	size_t	i;
	int	w, s;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		for (w = 0; w < WHO__MAX; w++) {
			s = call(w, routes[i].method, routes[i].path,
			    routes[i].body, NULL);
			if (routes[i].allowed[w] ? s == 403 : s != 403)
				fail_msg("%s %s as %d: %d", routes[i].method,
				    routes[i].path, w, s);
		}
	/* Unknown paths and methods. */
	assert_int_equal(call(ADMIN, "GET", "/nope", NULL, NULL), 404);
	assert_int_equal(call(ADMIN, "PUT", "/tokens", NULL, NULL), 405);
	assert_int_equal(call(ADMIN, "GET", "/requests/1/approve", NULL,
	    NULL), 405);
}

static void
test_approve_reject(void **state)
{
	json_t	*j;
	char	 path[64];
	int64_t	 a, b, c, d, n;

	a = pending("ios", "CN=ipad-1");
	b = pending("ios", "CN=ipad-2");
	c = pending("macos", "CN=mac-1");
	d = pending(CONF_DEFAULT, "CN=host-1");

	n = audit_entries();
	snprintf(path, sizeof(path), "/requests/%lld/approve", (long long)a);
	/* Bad input changes nothing and is not audited. */
	assert_int_equal(call(OPERATOR, "POST", path, "{\"x\":1}", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", path, "[1]", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", path, "{", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", "/requests/abc/approve", NULL,
	    NULL), 404);
	assert_int_equal(call(OPERATOR, "POST", "/requests/-1/approve", NULL,
	    NULL), 404);
	assert_true(audit_entries() == n);
	/* Out of scope: refused and audited as such. */
	assert_int_equal(call(SCOPED, "POST", path, NULL, NULL), 403);
	assert_true(audit_entries() == n + 1);
	assert_int_equal(call(OPERATOR, "POST", path, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	    "issued");
	assert_true(json_string_length(json_object_get(j, "serial")) > 0);
	json_decref(j);
	assert_true(audit_entries() == n + 2);
	assert_int_equal(call(ADMIN, "POST", path, NULL, NULL), 409);
	assert_int_equal(call(OPERATOR, "POST", "/requests/999999/approve",
	    NULL, NULL), 404);

	/* The scoped operator acts on its own profile. */
	snprintf(path, sizeof(path), "/requests/%lld/approve", (long long)c);
	assert_int_equal(call(SCOPED, "POST", path, "{}", NULL), 200);

	snprintf(path, sizeof(path), "/requests/%lld/reject", (long long)b);
	n = audit_entries();
	assert_int_equal(call(OPERATOR, "POST", path, "{\"reason\":5}", NULL),
	    400);
	assert_int_equal(call(OPERATOR, "POST", path, "{\"why\":\"x\"}",
	    NULL), 400);
	assert_true(audit_entries() == n);
	assert_int_equal(call(SCOPED, "POST", path, "{\"reason\":\"no\"}",
	    NULL), 403);
	assert_int_equal(call(OPERATOR, "POST", path,
	    "{\"reason\":\"duplicate device\"}", &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	    "rejected");
	json_decref(j);
	assert_int_equal(call(OPERATOR, "POST", path, NULL, NULL), 409);
	{
		struct store_request	r;
		int			found;

		assert_int_equal(store_request_get(st, b, &r, &found), 0);
		assert_true(found && r.status == STORE_TXN_REJECTED);
		assert_string_equal(r.reason, "duplicate device");
		store_request_clear(&r);
	}
	snprintf(path, sizeof(path), "/requests/%lld/reject", (long long)d);
	assert_int_equal(call(ADMIN, "POST", path, NULL, NULL), 200);
}

/* The serial of a certificate an approval issued for "profile". */
static void
issued_serial(const char *profile, const char *cn, char *serial)
{
	json_t	*j;
	char	 path[64];
	int64_t	 id = pending(profile, cn);

	snprintf(path, sizeof(path), "/requests/%lld/approve", (long long)id);
	assert_int_equal(call(ADMIN, "POST", path, NULL, &j), 200);
	snprintf(serial, STORE_SERIAL_MAX + 1, "%s",
	    json_string_value(json_object_get(j, "serial")));
	json_decref(j);
}

static void
test_revoke(void **state)
{
	struct store_status	ss;
	char			ios[STORE_SERIAL_MAX + 1];
	char			mac[STORE_SERIAL_MAX + 1], path[96];
	int64_t			n;
	int			found;

	issued_serial("ios", "CN=ipad-9", ios);
	issued_serial("macos", "CN=mac-9", mac);
	snprintf(path, sizeof(path), "/certificates/%s/revoke", ios);
	n = audit_entries();
	assert_int_equal(call(OPERATOR, "POST", path,
	    "{\"reason\":\"bogus\"}", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", path,
	    "{\"reason\":\"removeFromCRL\"}", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", path, "{\"reason\":1}", NULL),
	    400);
	assert_int_equal(call(OPERATOR, "POST", "/certificates/zz/revoke",
	    NULL, NULL), 400);
	assert_true(audit_entries() == n);
	assert_int_equal(store_cert_status(st, ios, &ss, &found), 0);
	assert_true(found && ss.status == STORE_CERT_VALID);
	assert_int_equal(call(SCOPED, "POST", path, NULL, NULL), 403);
	assert_int_equal(call(OPERATOR, "POST", path,
	    "{\"reason\":\"keyCompromise\"}", NULL), 200);
	assert_int_equal(store_cert_status(st, ios, &ss, &found), 0);
	assert_true(found && ss.status == STORE_CERT_REVOKED &&
	    ss.revoke_reason == 1);
	assert_int_equal(call(OPERATOR, "POST", path, NULL, NULL), 409);
	assert_int_equal(call(OPERATOR, "POST",
	    "/certificates/0123456789ABCDEF/revoke", NULL, NULL), 404);
	snprintf(path, sizeof(path), "/certificates/%s/revoke", mac);
	assert_int_equal(call(SCOPED, "POST", path, "{\"reason\":null}",
	    NULL), 200);
}

/* How many items GET "url" lists as "w". */
static size_t
count_items(enum who w, const char *url)
{
	json_t	*j;
	size_t	 n;

	assert_int_equal(call(w, "GET", url, NULL, &j), 200);
	n = json_array_size(json_object_get(j, "items"));
	json_decref(j);
	return n;
}

static void
test_challenges(void **state)
{
	json_t		*j;
	char		 id[65], ios_id[65], path[128];
	const char	*tok;
	size_t		 all, mine;

	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":\"ios\",\"ttl\":\"15m\",\"subject\":\"^CN=ipad\"}",
	    &j), 201);
	tok = json_string_value(json_object_get(j, "challenge"));
	assert_non_null(tok);
	assert_int_equal(strlen(tok), 32);
	snprintf(ios_id, sizeof(ios_id), "%s",
	    json_string_value(json_object_get(j, "id")));
	json_decref(j);
	assert_int_equal(call(SCOPED, "POST", "/challenges",
	    "{\"profile\":\"macos\",\"ttl\":600}", &j), 201);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j,
	    "id")));
	json_decref(j);

	/* Bad input: nothing minted. */
	all = count_items(ADMIN, "/challenges");
	assert_int_equal(call(SCOPED, "POST", "/challenges",
	    "{\"profile\":\"ios\"}", NULL), 403);
	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":\"default\"}", NULL), 409);
	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":\"nope\"}", NULL), 404);
	assert_int_equal(call(OPERATOR, "POST", "/challenges", "{}", NULL),
	    400);
	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":\"ios\",\"ttl\":\"soon\"}", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":\"ios\",\"ttl\":-5}", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":\"ios\",\"subject\":\"(\"}", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":\"ios\",\"extra\":1}", NULL), 400);
	assert_int_equal(call(OPERATOR, "POST", "/challenges",
	    "{\"profile\":[\"ios\"]}", NULL), 400);
	assert_true(count_items(ADMIN, "/challenges") == all);

	/* Listing: the scoped token sees its profile's alone. */
	mine = count_items(SCOPED, "/challenges");
	assert_true(mine >= 1 && mine < all);
	assert_true(count_items(OPERATOR, "/challenges?profile=ios&state="
	    "open") >= 1);
	assert_int_equal(call(OPERATOR, "GET", "/challenges?state=odd", NULL,
	    NULL), 400);
	assert_int_equal(call(OPERATOR, "GET", "/challenges?limit=0", NULL,
	    NULL), 400);

	snprintf(path, sizeof(path), "/challenges/%s", ios_id);
	assert_int_equal(call(SCOPED, "DELETE", path, NULL, NULL), 403);
	assert_int_equal(call(OPERATOR, "DELETE", path, NULL, NULL), 200);
	assert_int_equal(call(OPERATOR, "DELETE", path, NULL, NULL), 409);
	assert_true(count_items(OPERATOR, "/challenges?state=revoked") >= 1);
	assert_int_equal(call(OPERATOR, "DELETE", "/challenges/xyz", NULL,
	    NULL), 400);
	assert_int_equal(call(OPERATOR, "DELETE", "/challenges/0000000000000000"
	    "000000000000000000000000000000000000000000000000", NULL, NULL),
	    404);
	snprintf(path, sizeof(path), "/challenges/%s", id);
	assert_int_equal(call(SCOPED, "DELETE", path, NULL, NULL), 200);
}

static void
test_reload(void **state)
{
	int64_t n = audit_entries();

	assert_int_equal(call(ADMIN, "POST", "/reload", NULL, NULL), 501);
	assert_int_equal(call_reload(ADMIN, 0), 200);
	assert_int_equal(call_reload(ADMIN, -1), 500);
	assert_int_equal(call_reload(OPERATOR, 0), 403);
	assert_int_equal(reloads, 2);
	assert_true(audit_entries() == n + 2);
	reload_fails = 0;
}

static void
txlog_put(const char *profile, const char *outcome, const char *result,
    const char *txid, int64_t at)
{
	struct store_txlog t;

	memset(&t, 0, sizeof(t));
	t.at = at;
	snprintf(t.profile, sizeof(t.profile), "%s", profile);
	snprintf(t.txid, sizeof(t.txid), "%s", txid);
	snprintf(t.msgtype, sizeof(t.msgtype), "PKCSReq");
	snprintf(t.outcome, sizeof(t.outcome), "%s", outcome);
	snprintf(t.result, sizeof(t.result), "%s", result);
	if (strcmp(outcome, "FAILURE") == 0) {
		snprintf(t.fail_info, sizeof(t.fail_info), "badRequest");
		snprintf(t.reason, sizeof(t.reason), "challenge mismatch");
	}
	snprintf(t.subject, sizeof(t.subject), "CN=%s", txid);
	snprintf(t.peer, sizeof(t.peer), "192.0.2.44");
	t.http = 200;
	assert_int_equal(store_txlog_put(st, &t, 0), 0);
}

static void
test_transactions(void **state)
{
	json_t		*j, *it;
	const char	*cur;
	char		 url[128];
	int64_t		 now = (int64_t)time(NULL);
	int		 i;

	for (i = 0; i < 5; i++)
		txlog_put("ios", "SUCCESS", "issued", "ios-ok", now - 10 + i);
	txlog_put("ios", "FAILURE", "", "ipad-bad", now - 3);
	txlog_put("macos", "FAILURE", "", "mac-bad", now - 2);
	txlog_put("macos", "PENDING", "pending", "mac-wait", now - 1);

	assert_int_equal(call(VIEWER, "GET", "/transactions?transaction_id="
	    "ipad-bad", NULL, &j), 200);
	it = json_array_get(json_object_get(j, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "reason")),
	    "challenge mismatch");
	assert_string_equal(json_string_value(json_object_get(it,
	    "fail_info")), "badRequest");
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);

	/* Pages: two at a time, each cursor going on from the last. */
	assert_int_equal(call(VIEWER, "GET", "/transactions?limit=2&profile="
	    "ios", NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	cur = json_string_value(json_object_get(j, "next"));
	assert_non_null(cur);
	snprintf(url, sizeof(url), "/transactions?limit=2&profile=ios&"
	    "cursor=%s", cur);
	json_decref(j);
	assert_int_equal(call(VIEWER, "GET", url, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);

	/* The scoped token sees its profile's rows alone. */
	assert_true(count_items(SCOPED, "/transactions") == 2);
	assert_true(count_items(SCOPED, "/transactions?limit=1") == 1);
	assert_int_equal(call(SCOPED, "GET", "/transactions?profile=ios",
	    NULL, NULL), 403);
	assert_true(count_items(AUDITOR, "/transactions?outcome=FAILURE") ==
	    2);
	assert_true(count_items(VIEWER, "/transactions?q=mac-") == 2);
	assert_true(count_items(VIEWER, "/transactions?peer=192.0.2.44&"
	    "outcome=PENDING") == 1);

	/* Bad filters and cursors. */
	/* A misspelt filter is refused, never ignored (as the read side). */
	assert_int_equal(call(VIEWER, "GET", "/transactions?outcom=FAILURE",
	    NULL, NULL), 400);
	assert_int_equal(call(AUDITOR, "GET", "/audit?actr=x", NULL, NULL),
	    400);
	assert_int_equal(call(OPERATOR, "GET", "/challenges?profle=x", NULL,
	    NULL), 400);
	assert_int_equal(call(VIEWER, "GET", "/transactions?cursor=abc", NULL,
	    NULL), 400);
	assert_int_equal(call(VIEWER, "GET", "/transactions?cursor=0", NULL,
	    NULL), 400);
	assert_int_equal(call(VIEWER, "GET", "/transactions?cursor=-4", NULL,
	    NULL), 400);
	assert_int_equal(call(VIEWER, "GET", "/transactions?limit=5000", NULL,
	    NULL), 400);
	assert_int_equal(call(VIEWER, "GET", "/transactions?since=yesterday",
	    NULL, NULL), 400);
	assert_int_equal(call(VIEWER, "GET", "/transactions?outcome=odd",
	    NULL, NULL), 400);
	assert_true(count_items(VIEWER, "/transactions?since=2020-01-01&"
	    "until=2020-01-02") == 0);
}

static void
test_audit_api(void **state)
{
	json_t	*j, *it;
	int64_t	 n = audit_entries();

	assert_int_equal(call(AUDITOR, "GET", "/audit?limit=1", NULL, &j),
	    200);
	it = json_array_get(json_object_get(j, "items"), 0);
	assert_true(json_integer_value(json_object_get(it, "seq")) == n);
	assert_non_null(json_object_get(j, "next"));
	json_decref(j);
	/* The token's own actions, with where they came from. */
	assert_int_equal(call(ADMIN, "GET", "/audit?actor=token:t1&action="
	    "request.reject", NULL, &j), 200);
	it = json_array_get(json_object_get(j, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "peer")),
	    "198.51.100.7");
	assert_true(json_is_object(json_object_get(it, "details")));
	json_decref(j);
	/* Secrets never: neither challenges nor tokens appear. */
	assert_int_equal(call(AUDITOR, "GET", "/audit?limit=1000", NULL, &j),
	    200);
	{
		char *dump = json_dumps(j, 0);

		assert_null(strstr(dump, "scepd_"));
		free(dump);
	}
	json_decref(j);
	assert_int_equal(call(AUDITOR, "GET", "/audit?cursor=x", NULL, NULL),
	    400);
	assert_int_equal(call(AUDITOR, "GET", "/audit?until=2026-13-45",
	    NULL, NULL), 400);
	assert_int_equal(call(AUDITOR, "GET", "/audit/verify", NULL, &j), 200);
	assert_true(json_is_true(json_object_get(j, "intact")));
	assert_true(json_integer_value(json_object_get(j, "entries")) == n);
	json_decref(j);
}

static void
test_stats_api(void **state)
{
	json_t	*j, *t;

	assert_int_equal(call(VIEWER, "GET", "/stats?days=7", NULL, &j), 200);
	t = json_object_get(j, "totals");
	/* test_transactions: 5 issued, 2 failed, 1 pending */
	assert_true(json_integer_value(json_object_get(t, "issued")) == 5);
	assert_true(json_integer_value(json_object_get(json_object_get(t,
	    "failed"), "badRequest")) == 2);
	assert_true(json_integer_value(json_object_get(t, "approved")) >= 3);
	assert_true(json_integer_value(json_object_get(t, "rejected")) >= 2);
	assert_true(json_is_real(json_object_get(t, "success_rate")));
	json_decref(j);
	assert_int_equal(call(SCOPED, "GET", "/stats", NULL, &j), 200);
	t = json_object_get(j, "totals");
	assert_true(json_integer_value(json_object_get(t, "issued")) == 0);
	assert_true(json_integer_value(json_object_get(t, "pending")) == 1);
	json_decref(j);
	assert_int_equal(call(VIEWER, "GET", "/stats?days=0", NULL, NULL),
	    400);
	assert_int_equal(call(VIEWER, "GET", "/stats?days=91", NULL, NULL),
	    400);
	assert_int_equal(call(VIEWER, "GET", "/stats?days=x", NULL, NULL),
	    400);
}

static void
test_tokens_api(void **state)
{
	json_t	*j;
	char	*dump;

	assert_int_equal(call(ADMIN, "GET", "/tokens", NULL, &j), 200);
	assert_true(json_array_size(json_object_get(j, "items")) >= 5);
	dump = json_dumps(j, 0);
	assert_null(strstr(dump, "hash"));
	assert_non_null(strstr(dump, "\"revoked\""));
	free(dump);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_approve_reject),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_challenges),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_audit_api),
		cmocka_unit_test(test_stats_api),
		cmocka_unit_test(test_tokens_api),
	};

	return cmocka_run_group_tests_name(getenv("SCEPD_TEST_PG_URL") ?
	    "admin API on postgresql" : "admin API on sqlite", tests, setup,
	    teardown);
}
