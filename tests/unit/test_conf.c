/*	SPDX-License-Identifier: ISC */
/*
 * test_conf.c: conf_load() over configuration files written to a temp
 * directory: defaults, every known setting, and the refusals (unknown
 * name, wrong type, out of range, cross-field rules, a challenge file
 * others can read, libconfig syntax errors), each reported with its line.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "testutil.h"

/* The two settings conf_check() insists on, as a prefix for tests. */
#define REQUIRED \
	"ca = { cert = \"ca.pem\"; key = \"ca.key\"; };\n" \
	"store = { path = \"scepd.db\"; };\n"

static char	*dir;

static int
setup(void **state)
{
	return (dir = tu_tmpdir()) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	tu_rmrf(dir);
	free(dir);
	dir = NULL;
	return 0;
}

/* "dir/name", freed by the caller. */
static char *
path(const char *name)
{
	char *p = tu_path(dir, name);

	assert_non_null(p);
	return p;
}

/* Write "text" as scepd.conf and load it, capturing what is logged. */
static struct conf *
load(const char *text, char **log)
{
	struct tu_capture	 cap;
	struct conf		*c;
	char			*p = path("scepd.conf");

	assert_int_equal(tu_write_str(p, text, 0644), 0);
	assert_int_equal(tu_capture_begin(&cap), 0);
	c = conf_load(p);
	*log = tu_capture_end(&cap);
	assert_non_null(*log);
	free(p);
	return c;
}

/* The file must be refused, with "want" somewhere in the log. */
static void
refused(const char *text, const char *want)
{
	struct conf	*c;
	char		*log;

	c = load(text, &log);
	if (c != NULL) {
		conf_free(c);
		fail_msg("accepted:\n%s", text);
	}
	if (want != NULL && strstr(log, want) == NULL)
		fail_msg("log lacks \"%s\":\n%s", want, log);
	free(log);
}

static struct conf *
accepted(const char *text)
{
	struct conf	*c;
	char		*log;

	c = load(text, &log);
	if (c == NULL)
		fail_msg("refused:\n%s\nlog:\n%s", text, log);
	free(log);
	return c;
}

static void
test_defaults(void **state)
{
	struct conf	*c = accepted(REQUIRED);
	char		*p;

	p = path("scepd.conf");
	assert_string_equal(c->path, p);
	free(p);
	assert_string_equal(c->dir, dir);
	/* Relative paths are resolved against the directory of the file. */
	p = path("ca.pem");
	assert_string_equal(c->cas[0].cert, p);
	free(p);
	p = path("ca.key");
	assert_string_equal(c->cas[0].key, p);
	free(p);
	p = path("scepd.db");
	assert_string_equal(c->store.path, p);
	free(p);
	assert_null(c->cas[0].chain);
	assert_null(c->public_url);
	assert_null(c->profiles[0].policy.challenge_file);
	assert_null(c->profiles[0].policy.challenge);
	assert_string_equal(c->store.backend, "sqlite");
	assert_int_equal(c->store.conns, 0);
	assert_string_equal(c->http.listen, "127.0.0.1:8080");
	assert_int_equal(c->http.threads, 0);
	assert_int_equal(c->http.max_body, 256 * 1024);
	assert_int_equal(c->http.timeout, 30);
	assert_int_equal(c->http.max_conns, 1024);
	assert_int_equal(c->profiles[0].cert.validity_days, 365);
	assert_int_equal(c->profiles[0].cert.backdate_secs, 300);
	assert_int_equal(c->profiles[0].policy.rsa_min_bits, 2048);
	assert_int_equal(c->profiles[0].policy.rsa_max_bits, 8192);
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P256, CONF_EC_P256);
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P384, CONF_EC_P384);
	assert_int_equal(c->profiles[0].policy.legacy, 0);
	/* ARCHITECTURE: FAILURE/PENDING carry an empty eContent by default. */
	assert_int_equal(c->profiles[0].policy.failure_content, 1);
	assert_int_equal(c->profiles[0].policy.pss_replies, 0);
	conf_free(c);
}

static void
test_every_key(void **state)
{
	struct conf	*c;
	char		*p;

	p = path("challenge");
	assert_int_equal(tu_write_str(p, "s3cret\n", 0600), 0);
	free(p);
	c = accepted(
	    "public_url = \"http://scep.example/scep\";\n"
	    "ca = { cert = \"/etc/scepd/ca.pem\"; key = \"keys/ca.key\";\n"
	    "  chain = \"chain.pem\"; };\n"
	    "challenge = { file = \"challenge\"; };\n"
	    "store = { backend = \"sqlite\"; path = \"/var/lib/x.db\";\n"
	    "  connections = 4; };\n"
	    "http = { listen = \"[::1]:8443\"; threads = 3;\n"
	    "  max_body = 65536; timeout = 10; max_connections = 50; };\n"
	    "certificate = { validity_days = 90; backdate_seconds = 0; };\n"
	    "keys = { rsa_min_bits = 3072; rsa_max_bits = 4096;\n"
	    "  ec_curves = [ \"P-384\" ]; };\n"
	    "algorithms = { legacy = true; };\n"
	    "compat = { failure_content = false; };\n");
	assert_string_equal(c->public_url, "http://scep.example/scep");
	assert_string_equal(c->cas[0].cert, "/etc/scepd/ca.pem");
	p = path("keys/ca.key");
	assert_string_equal(c->cas[0].key, p);
	free(p);
	p = path("chain.pem");
	assert_string_equal(c->cas[0].chain, p);
	free(p);
	p = path("challenge");
	assert_string_equal(c->profiles[0].policy.challenge_file, p);
	free(p);
	assert_string_equal(c->profiles[0].policy.challenge, "s3cret");
	assert_string_equal(c->store.backend, "sqlite");
	assert_string_equal(c->store.path, "/var/lib/x.db");
	assert_int_equal(c->store.conns, 4);
	assert_string_equal(c->http.listen, "[::1]:8443");
	assert_int_equal(c->http.threads, 3);
	assert_int_equal(c->http.max_body, 65536);
	assert_int_equal(c->http.timeout, 10);
	assert_int_equal(c->http.max_conns, 50);
	assert_int_equal(c->profiles[0].cert.validity_days, 90);
	assert_int_equal(c->profiles[0].cert.backdate_secs, 0);
	assert_int_equal(c->profiles[0].policy.rsa_min_bits, 3072);
	assert_int_equal(c->profiles[0].policy.rsa_max_bits, 4096);
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P256, 0);
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P384, CONF_EC_P384);
	assert_int_equal(c->profiles[0].policy.legacy, 1);
	assert_int_equal(c->profiles[0].policy.failure_content, 0);
	conf_free(c);
}

static void
test_curves_and_int64(void **state)
{
	struct conf *c;

	c = accepted(REQUIRED "keys = { ec_curves = [ \"P-256\" ]; };\n");
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P256, CONF_EC_P256);
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P384, 0);
	conf_free(c);
	c = accepted(REQUIRED
	    "keys = { ec_curves = ( \"P-384\", \"P-256\" ); };\n");
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P256, CONF_EC_P256);
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P384, CONF_EC_P384);
	conf_free(c);
	c = accepted(REQUIRED "keys = { ec_curves = [ ]; };\n");
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P256, 0);
	assert_int_equal(c->profiles[0].policy.ec_curves & CONF_EC_P384, 0);
	conf_free(c);
	/* libconfig's 64-bit integers are integers too. */
	c = accepted(REQUIRED "http = { max_body = 1048576L; };\n");
	assert_int_equal(c->http.max_body, 1048576);
	conf_free(c);
	/* The bounds themselves are inside. */
	c = accepted(REQUIRED "http = { timeout = 3600; max_body = 4096; };\n"
	    "keys = { rsa_min_bits = 1024; rsa_max_bits = 16384; };\n");
	assert_int_equal(c->http.timeout, 3600);
	assert_int_equal(c->http.max_body, 4096);
	assert_int_equal(c->profiles[0].policy.rsa_min_bits, 1024);
	conf_free(c);
}

static void
test_unknown_key(void **state)
{
	refused(REQUIRED "http = { listen = \"x:1\";\n  lisen = \"y:2\"; };\n",
	    "scepd.conf:4: unknown setting \\\"http.lisen\\\"");
	refused(REQUIRED "bogus = 1;\n", "unknown setting \\\"bogus\\\"");
	refused("ca = { cert = \"c\"; key = \"k\"; rsa = 1; };\n"
	    "store = { path = \"x.db\"; };\n", "\\\"ca.rsa\\\"");
	refused(REQUIRED "extra = { deeper = { x = 1; }; };\n",
	    "\\\"extra.deeper.x\\\"");
}

/* One run reports every problem, not just the first. */
static void
test_all_errors_reported(void **state)
{
	struct conf	*c;
	char		*log;

	c = load(REQUIRED "bogus = 1;\nhttp = { timeout = 0; };\n"
	    "algorithms = { legacy = 1; };\n", &log);
	assert_null(c);
	assert_non_null(strstr(log, "scepd.conf:3: unknown setting"));
	assert_non_null(strstr(log, "scepd.conf:4: http.timeout"));
	assert_non_null(strstr(log, "scepd.conf:5: algorithms.legacy"));
	free(log);
}

static void
test_wrong_type(void **state)
{
	refused(REQUIRED "http = { timeout = \"30\"; };\n",
	    "http.timeout: want an integer");
	refused(REQUIRED "http = { timeout = 30.0; };\n",
	    "http.timeout: want an integer");
	refused(REQUIRED "algorithms = { legacy = 1; };\n",
	    "algorithms.legacy: want true or false");
	refused(REQUIRED "public_url = 5;\n", "public_url: want a string");
	refused(REQUIRED "http = { listen = [ \"a\" ]; };\n",
	    "http.listen: want a string");
	refused(REQUIRED "keys = { ec_curves = \"P-256\"; };\n",
	    "keys.ec_curves: want a list");
	refused(REQUIRED "keys = { ec_curves = [ \"P-521\" ]; };\n",
	    "P-521");
	refused(REQUIRED "keys = { ec_curves = ( 256 ); };\n",
	    "keys.ec_curves");
}

static void
test_out_of_range(void **state)
{
	refused(REQUIRED "http = { timeout = 0; };\n",
	    "http.timeout: 0 is outside 1..3600");
	refused(REQUIRED "http = { timeout = 3601; };\n", "http.timeout");
	refused(REQUIRED "http = { max_body = 100; };\n", "http.max_body");
	refused(REQUIRED "http = { max_body = 9999999999L; };\n",
	    "http.max_body");
	refused(REQUIRED "http = { threads = -1; };\n", "http.threads");
	refused("ca = { cert = \"c\"; key = \"k\"; };\n"
	    "store = { path = \"x.db\"; connections = 257; };\n",
	    "store.connections");
	refused(REQUIRED "keys = { rsa_min_bits = 512; };\n",
	    "keys.rsa_min_bits");
	refused(REQUIRED "certificate = { validity_days = 0; };\n",
	    "certificate.validity_days");
	refused(REQUIRED "certificate = { backdate_seconds = 86401; };\n",
	    "certificate.backdate_seconds");
	/* In range alone, but not together. */
	refused(REQUIRED
	    "keys = { rsa_min_bits = 4096; rsa_max_bits = 3072; };\n",
	    "keys.rsa_max_bits is below keys.rsa_min_bits");
}

static void
test_required_and_backend(void **state)
{
	refused("store = { path = \"x.db\"; };\n", "ca.cert and ca.key");
	refused("ca = { cert = \"c\"; };\nstore = { path = \"x.db\"; };\n",
	    "ca.cert and ca.key");
	refused("ca = { cert = \"c\"; key = \"k\"; };\n", "store.path");
	refused("ca = { cert = \"c\"; key = \"k\"; };\n"
	    "store = { path = \"x.db\"; backend = \"pgsql\"; };\n",
	    "want \\\"sqlite\\\" or \\\"postgresql\\\"");
	/* PostgreSQL needs a URL, and no path. */
	refused("ca = { cert = \"c\"; key = \"k\"; };\n"
	    "store = { backend = \"postgresql\"; path = \"x.db\"; };\n",
	    "store.url is required");
}

/* http.tls_* and admin.*: defaults, pairs, a private key. */
static void
test_tls_admin(void **state)
{
	struct conf	*c;
	char		*k;

	c = accepted(REQUIRED);
	assert_null(c->http.tls_cert);
	assert_null(c->admin.listen);
	assert_null(c->admin.tls_cert);
	assert_int_equal(c->admin.client_certs, 0);
	conf_free(c);
	k = path("admin.key");
	assert_int_equal(tu_write_str(k, "key\n", 0600), 0);
	c = accepted(REQUIRED "admin = { listen = \"127.0.0.1:8443\";\n"
	    "  tls_cert = \"admin.pem\"; tls_key = \"admin.key\";\n"
	    "  client_certs = true; };\n"
	    "http = { tls_cert = \"s.pem\"; tls_key = \"admin.key\"; };\n");
	assert_string_equal(c->admin.listen, "127.0.0.1:8443");
	assert_string_equal(c->admin.tls_key, k);
	assert_int_equal(c->admin.client_certs, 1);
	assert_non_null(strstr(c->http.tls_cert, "/s.pem"));
	conf_free(c);
	refused(REQUIRED "admin = { tls_cert = \"a.pem\"; };\n",
	    "admin.tls_cert and admin.tls_key go together");
	refused(REQUIRED "http = { tls_key = \"admin.key\"; };\n",
	    "http.tls_cert and http.tls_key go together");
	assert_int_equal(tu_write_str(k, "key\n", 0644), 0);
	assert_int_equal(chmod(k, 0644), 0);
	refused(REQUIRED "admin = { tls_cert = \"a.pem\"; "
	    "tls_key = \"admin.key\"; };\n", "chmod 600");
	refused(REQUIRED "admin = { client_certs = 1; };\n", NULL);
	free(k);
}

static void
test_postgresql(void **state)
{
	struct conf *c;

	c = accepted("ca = { cert = \"c\"; key = \"k\"; };\n"
	    "store = { backend = \"postgresql\"; connections = 6;\n"
	    "  url = \"postgresql://scepd:pw@db.example/scepd\"; };\n");
	assert_string_equal(c->store.backend, "postgresql");
	assert_string_equal(c->store.url, "postgresql://scepd:pw@db.example/"
	    "scepd");
	assert_null(c->store.path);
	assert_int_equal(c->store.conns, 6);
	conf_free(c);
}

static void
test_challenge_file(void **state)
{
	struct conf	*c;
	char		*p, big[300];
	const char	*text = REQUIRED "challenge = { file = \"pw\"; };\n";

	p = path("pw");
	/* A secret others can read is refused. */
	assert_int_equal(tu_write_str(p, "s3cret\n", 0644), 0);
	refused(text, "readable by group or others");
	assert_int_equal(tu_write_str(p, "s3cret\n", 0640), 0);
	refused(text, "readable by group or others");

	assert_int_equal(tu_write_str(p, "s3cret\r\n", 0600), 0);
	c = accepted(text);
	assert_string_equal(c->profiles[0].policy.challenge, "s3cret");
	conf_free(c);
	assert_int_equal(tu_write_str(p, "no newline", 0400), 0);
	c = accepted(text);
	assert_string_equal(c->profiles[0].policy.challenge, "no newline");
	conf_free(c);

	/* One line of 1 to 255 bytes. */
	assert_int_equal(tu_write_str(p, "\n", 0600), 0);
	refused(text, "want one line");
	assert_int_equal(tu_write_str(p, "", 0600), 0);
	refused(text, "want one line");
	assert_int_equal(tu_write_str(p, "two\nlines\n", 0600), 0);
	refused(text, "want one line");
	assert_int_equal(tu_write(p, "nul\0byte", 8, 0600), 0);
	refused(text, "want one line");
	memset(big, 'a', 255);
	big[255] = '\n';
	assert_int_equal(tu_write(p, big, 256, 0600), 0);
	c = accepted(text);
	assert_int_equal(strlen(c->profiles[0].policy.challenge), 255);
	conf_free(c);
	memset(big, 'a', sizeof(big));
	assert_int_equal(tu_write(p, big, sizeof(big), 0600), 0);
	refused(text, "pw");

	unlink(p);
	refused(text, "pw");		/* missing */
	free(p);
}

/*
 * A challenge of exactly 256 bytes with no newline: conf.c's comment and
 * message say 1 to 255 bytes, and a CSR can never carry more than 255
 * (RFC 2985 DirectoryString{255}), so such a secret could never match.
 */
static void
test_challenge_256(void **state)
{
	char	*p, big[256];

	p = path("pw");
	memset(big, 'a', sizeof(big));
	assert_int_equal(tu_write(p, big, sizeof(big), 0600), 0);
	refused(REQUIRED "challenge = { file = \"pw\"; };\n", "pw");
	unlink(p);
	free(p);
}

static void
test_syntax_error(void **state)
{
	refused(REQUIRED "http = { timeout = = 30; };\n", "scepd.conf:3:");
	refused(REQUIRED "http = { timeout = 30; };\nhttp = { };\n",
	    "scepd.conf:4:");		/* a group twice */
	refused("ca = { cert = \n", "scepd.conf:");
	refused(REQUIRED "http = { timeout = 30; ;\n", "scepd.conf:");
	/*
	 * Not a lone string literal: libconfig 1.5 leaks its buffer on
	 * that error (strbuf_append), which LeakSanitizer would report.
	 */
	refused("just words here\n", "scepd.conf:1:");
	refused("keys = { ec_curves = [ \"P-256\", 1 ]; };\n",
	    "scepd.conf:1:");
}

static void
test_missing_file(void **state)
{
	struct tu_capture	 cap;
	struct conf		*c;
	char			*p = path("nonexistent.conf"), *log;

	assert_int_equal(tu_capture_begin(&cap), 0);
	c = conf_load(p);
	log = tu_capture_end(&cap);
	assert_null(c);
	assert_non_null(strstr(log, "nonexistent.conf"));
	free(log);
	free(p);
	conf_free(NULL);
}

static void
test_conf_path(void **state)
{
	char *p;

	assert_non_null(p = conf_path("/var/lib/scepd"));
	assert_string_equal(p, "/var/lib/scepd/scepd.conf");
	free(p);
}

/* Named profiles start from the top level and override what they set. */
static void
test_profiles(void **state)
{
	const struct conf_profile	*d, *r, *pr;
	struct conf			*c;
	char				*p;

	p = path("pw");
	assert_int_equal(tu_write_str(p, "top-secret\n", 0600), 0);
	free(p);
	c = accepted(REQUIRED
	    "challenge = { file = \"pw\"; };\n"
	    "certificate = { validity_days = 200; };\n"
	    "cas = { routers = { cert = \"r.pem\"; key = \"r.key\";\n"
	    "  ra_cert = \"ra.pem\"; ra_key = \"ra.key\"; }; };\n"
	    "profiles = {\n"
	    "  routers = { ca = \"routers\"; getcacert = \"chain\";\n"
	    "    certificate = { validity_days = 30;\n"
	    "      key_usage = [ \"digitalSignature\" ];\n"
	    "      extended_key_usage = [ \"serverAuth\", \"1.3.6.1.5.5.7.3.2\" ];\n"
	    "      digest = \"sha384\"; subject = { mode = \"require\";\n"
	    "      pattern = \"^CN=rtr-\"; }; san = { copy = [ \"dns\" ]; }; };\n"
	    "    keys = { types = [ \"rsa\" ]; };\n"
	    "    approval = { rules = { networks = [ \"10.0.0.0/8\" ]; };\n"
	    "      otherwise = \"reject\"; }; };\n"
	    "  printers = { enabled = false; disabled_reason = \"moving\";\n"
	    "    challenge = { mode = \"dynamic\"; ttl = 600; }; };\n"
	    "};\n");
	assert_int_equal(c->nprofiles, 3);
	assert_int_equal(c->ncas, 2);
	d = conf_profile_find(c, NULL);
	assert_string_equal(d->name, "default");
	assert_ptr_equal(conf_profile_find(c, "default"), d);
	assert_int_equal(d->cert.validity_days, 200);
	assert_int_equal(d->policy.challenge_mode, CONF_CHALLENGE_STATIC);
	assert_null(d->cert.key_usage);
	assert_string_equal(d->cert.eku, "clientAuth");
	r = conf_profile_find(c, "routers");
	assert_non_null(r);
	assert_int_equal(r->ca, 1);
	assert_string_equal(c->cas[1].name, "routers");
	p = path("ra.pem");
	assert_string_equal(c->cas[1].ra_cert, p);
	free(p);
	assert_int_equal(r->getcacert, CONF_GETCACERT_CHAIN);
	assert_int_equal(r->cert.validity_days, 30);
	assert_string_equal(r->cert.key_usage, "critical,digitalSignature");
	assert_string_equal(r->cert.eku, "serverAuth,1.3.6.1.5.5.7.3.2");
	assert_string_equal(r->cert.digest, "sha384");
	assert_int_equal(r->cert.subject_mode, CONF_SUBJECT_REQUIRE);
	assert_true(conf_re_match(r->cert.subject_re, "CN=rtr-1"));
	assert_false(conf_re_match(r->cert.subject_re, "CN=laptop"));
	assert_int_equal(r->cert.san_copy, CONF_SAN_DNS);
	assert_int_equal(r->policy.key_types, CONF_KEY_RSA);
	/* Inherited from the top level: the static challenge. */
	assert_int_equal(r->policy.challenge_mode, CONF_CHALLENGE_STATIC);
	assert_string_equal(r->policy.challenge, "top-secret");
	assert_true(r->policy.rules);
	assert_int_equal(r->policy.otherwise, CONF_OTHERWISE_REJECT);
	assert_true(conf_net_match(&r->policy.nets, "10.200.0.1"));
	assert_false(conf_net_match(&r->policy.nets, "192.0.2.1"));
	assert_false(conf_net_match(&r->policy.nets, "not an address"));
	pr = conf_profile_find(c, "printers");
	assert_false(pr->enabled);
	assert_string_equal(pr->disabled_reason, "moving");
	assert_int_equal(pr->policy.challenge_mode, CONF_CHALLENGE_DYNAMIC);
	assert_int_equal(pr->policy.challenge_ttl, 600);
	assert_int_equal(pr->cert.validity_days, 200);
	assert_null(conf_profile_find(c, "nope"));
	conf_free(c);
}

/* Every mistake in a profile or CA, with its line. */
static void
test_profile_errors(void **state)
{
	refused(REQUIRED "profiles = { x = { ca = \"nope\"; }; };\n",
	    "scepd.conf:3: profile x: no CA named \\\"nope\\\"");
	refused(REQUIRED "profiles = {\n  x = { certificate = {\n"
	    "    valdity_days = 3; }; }; };\n",
	    "scepd.conf:5: unknown setting \\\"profiles.x.certificate.valdity_days\\\"");
	refused(REQUIRED "profiles = { Bad = { }; };\n", "profile name \\\"Bad\\\"");
	refused(REQUIRED "profiles = { default = { }; };\n",
	    "\\\"default\\\" is the top level's");
	refused(REQUIRED "cas = { x = { cert = \"x.pem\"; }; };\n",
	    "cas.x: cert and key are required");
	refused(REQUIRED "cas = { x = { cert = \"x.pem\"; key = \"x.key\";\n"
	    "  ra_cert = \"ra.pem\"; }; };\n",
	    "needs both its certificate and its key");
	refused(REQUIRED "profiles = { x = {\n  getcacert = \"all\"; }; };\n",
	    "scepd.conf:4: getcacert: \\\"all\\\" is not one of auto, ca, chain");
	refused(REQUIRED "certificate = { key_usage = [ \"signing\" ]; };\n",
	    "is not one of digitalSignature");
	refused(REQUIRED "certificate = { extended_key_usage = [ \"1.\" ]; };\n",
	    "extended_key_usage");
	refused(REQUIRED "certificate = { subject = { pattern = \"(\"; }; };\n",
	    "certificate.subject.pattern");
	refused(REQUIRED "certificate = { subject = { mode = \"require\"; }; };\n",
	    "require needs a pattern");
	refused(REQUIRED "approval = { rules = { networks = [ \"10.0.0.0/33\" ]; }; };\n",
	    "is not an address or ADDRESS/PREFIX");
	refused(REQUIRED "approval = { manual = true;\n"
	    "  rules = { networks = [ \"10.0.0.0/8\" ]; }; };\n",
	    "exclude each other");
	refused(REQUIRED "challenge = { mode = \"static\"; };\n",
	    "needs challenge.file");
	refused(REQUIRED "challenge = { mode = \"webhook\"; };\n",
	    "needs challenge.webhook.url and secret_file");
	refused(REQUIRED "challenge = { mode = \"maybe\"; };\n",
	    "is not one of none, static, dynamic, webhook");
	refused(REQUIRED "challenge = { mode = \"dynamic\"; ndes_user = \"u\"; };\n",
	    "go together");
	refused("ca = \"x\";\nstore = { path = \"s.db\"; };\n",
	    "ca: want a group");
}

/* challenge.mode intune: defaults, one credential, never manual approval. */
static void
test_intune(void **state)
{
#define INTUNE(x) REQUIRED "profiles = { mdm = {\n" \
	"  challenge = { mode = \"intune\"; };\n" \
	"  intune = { tenant = \"contoso.onmicrosoft.com\"; " \
	"app_id = \"11111111-2222-3333-4444-555555555555\";\n" x " };\n" \
	"}; };\n"
	const struct conf_intune	*in;
	struct conf			*c;
	char				*p;

	p = path("app.secret");
	assert_int_equal(tu_write_str(p, "s3cret\n", 0600), 0);
	c = accepted(INTUNE("secret_file = \"app.secret\";"));
	in = &conf_profile_find(c, "mdm")->intune;
	assert_int_equal(conf_profile_find(c, "mdm")->policy.challenge_mode,
	    CONF_CHALLENGE_INTUNE);
	assert_string_equal(in->secret, "s3cret");
	assert_string_equal(in->authority, "https://login.microsoftonline.com");
	assert_string_equal(in->graph, "https://graph.microsoft.com");
	assert_string_equal(in->resource, "https://api.manage.microsoft.com/");
	assert_string_equal(in->provider, "scepd/" SCEPD_VERSION);
	assert_null(in->proxy);
	assert_null(in->ca_file);
	assert_int_equal(in->timeout, 15);
	assert_int_equal(in->revocation_interval, 3600);
	conf_free(c);
	c = accepted(INTUNE("secret_file = \"app.secret\"; authority = "
	    "\"https://login.microsoftonline.us\"; proxy = \"http://p:3128\";"
	    " timeout = 5; revocation_interval = 0;"));
	in = &conf_profile_find(c, "mdm")->intune;
	assert_string_equal(in->proxy, "http://p:3128");
	assert_int_equal(in->revocation_interval, 0);
	conf_free(c);
	refused(REQUIRED "profiles = { mdm = { challenge = { mode = "
	    "\"intune\"; }; intune = { secret_file = \"app.secret\"; }; }; };\n",
	    "needs intune.tenant and intune.app_id");
	refused(INTUNE(""), "needs intune.secret_file, or intune.cert_file");
	refused(REQUIRED "profiles = { mdm = { challenge = { mode = "
	    "\"intune\"; }; intune = { tenant = \"a/b?c\"; app_id = \"x\"; "
	    "secret_file = \"app.secret\"; }; }; };\n", "want a tenant ID");
	refused(INTUNE("secret_file = \"app.secret\"; cert_file = \"a.pem\"; "
	    "key_file = \"a.key\";"), "not both");
	refused(INTUNE("cert_file = \"a.pem\";"), "with intune.key_file");
	refused(REQUIRED "approval = { manual = true; };\n" "profiles = { mdm = {"
	    " challenge = { mode = \"intune\"; }; intune = { tenant = \"t\";"
	    " app_id = \"a\"; secret_file = \"app.secret\"; }; }; };\n",
	    "profile mdm: challenge.mode intune cannot wait for approval");
	refused(INTUNE("secret_file = \"app.secret\"; };\n"
	    "  approval = { rules = { networks = [ \"10.0.0.0/8\" ]; }; "),
	    "cannot wait for approval");
	refused(INTUNE("secret_file = \"app.secret\"; authority = "
	    "\"http://login\";"), "intune.authority \\\"http://login\\\": "
	    "want an https:// URL");
	refused(INTUNE("secret_file = \"app.secret\"; timeout = 0;"),
	    "intune.timeout");
	assert_int_equal(tu_write_str(p, "s3cret\n", 0644), 0);
	refused(INTUNE("secret_file = \"app.secret\";"), "chmod 600");
	free(p);
#undef INTUNE
}

/* A static challenge kept only as its hash. */
static void
test_challenge_hashed(void **state)
{
	struct conf	*c;
	char		*p;

	p = path("pw");
	/* SHA-256("s3cret") */
	assert_int_equal(tu_write_str(p, "sha256:"
	    "4e738ca5563c06cfd0018299933d58db1dd8bf97f6973dc99bf6cdc64b5550bd"
	    "\n", 0600), 0);
	c = accepted(REQUIRED "challenge = { file = \"pw\"; };\n");
	assert_null(c->profiles[0].policy.challenge);
	assert_int_equal(c->profiles[0].policy.challenge_hash[0], 0x4e);
	assert_int_equal(c->profiles[0].policy.challenge_hash[31], 0xbd);
	conf_free(c);
	assert_int_equal(tu_write_str(p, "sha256:4e73\n", 0600), 0);
	refused(REQUIRED "challenge = { file = \"pw\"; };\n", "64 hex digits");
	free(p);
}

/*
 * docs/configuration.md's full sample loads as written (with its secret
 * files present), so the documentation cannot drift from the parser.
 */
static void
test_doc_sample(void **state)
{
	static const char *const secrets[] = { "challenge", "ndes.pass",
	    "webhook.secret", "intune.secret", "events.secret" };
	struct conf	*c;
	FILE		*fp;
	char		*line = NULL, *text = NULL, *p;
	size_t		 cap = 0, len = 0, n, i;
	int		 in = 0, done = 0;

	assert_non_null(fp = fopen(CONF_DOC, "r"));
	while (!done && getline(&line, &cap, fp) != -1) {
		if (!in) {
			in = strcmp(line, "## Full sample\n") == 0 ? 1 : 0;
			continue;
		}
		if (strncmp(line, "```", 3) == 0) {
			done = in == 2;
			in = 2;
			continue;
		}
		if (in != 2)
			continue;
		n = strlen(line);
		assert_non_null(text = realloc(text, len + n + 1));
		memcpy(text + len, line, n + 1);
		len += n;
	}
	free(line);
	fclose(fp);
	assert_true(done);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		p = path(secrets[i]);
		assert_int_equal(tu_write_str(p, "s3cret\n", 0600), 0);
		free(p);
	}
	c = accepted(text);
	assert_int_equal(c->nprofiles, 5);
	assert_int_equal(c->ncas, 3);
	assert_int_equal(conf_profile_find(c, "routers")->policy.challenge_mode,
	    CONF_CHALLENGE_DYNAMIC);
	assert_int_equal(conf_profile_find(c, "iphones")->policy.challenge_mode,
	    CONF_CHALLENGE_WEBHOOK);
	assert_int_equal(conf_profile_find(c, "intune")->policy.challenge_mode,
	    CONF_CHALLENGE_INTUNE);
	assert_false(conf_profile_find(c, "printers")->enabled);
	conf_free(c);
	free(text);
}

/* events: off by default; a URL needs a private secret; http(s) only. */
static void
test_events_settings(void **state)
{
	struct conf	*c;
	char		*p;

	c = accepted(REQUIRED);
	assert_null(c->events.url);
	assert_null(c->events.secret);
	assert_int_equal(c->events.timeout, 5);
	assert_int_equal(c->events.retries, 5);
	assert_int_equal(c->events.ca_expiry_days, 30);
	conf_free(c);
	p = path("ev.secret");
	assert_int_equal(tu_write_str(p, "k3y\n", 0600), 0);
	c = accepted(REQUIRED "events: { url = \"https://h.example/e\"; "
	    "secret_file = \"ev.secret\"; timeout = 2; retries = 0; "
	    "ca_expiry_days = 0; };\n");
	assert_string_equal(c->events.url, "https://h.example/e");
	assert_string_equal(c->events.secret, "k3y");
	assert_int_equal(c->events.timeout, 2);
	assert_int_equal(c->events.retries, 0);
	assert_int_equal(c->events.ca_expiry_days, 0);
	conf_free(c);
	refused(REQUIRED "events: { url = \"https://h.example/e\"; };\n",
	    "events.url needs events.secret_file");
	refused(REQUIRED "events: { url = \"ftp://h.example/e\"; "
	    "secret_file = \"ev.secret\"; };\n", "want http:// or https://");
	refused(REQUIRED "events: { url = \"http://h/\"; secret_file = "
	    "\"ev.secret\"; retries = 21; };\n", "events.retries");
	refused(REQUIRED "events: { url = \"http://h/\"; secret_file = "
	    "\"ev.secret\"; timeout = 0; };\n", "events.timeout");
	assert_int_equal(tu_write_str(p, "k3y\n", 0644), 0);
	refused(REQUIRED "events: { url = \"http://h/\"; secret_file = "
	    "\"ev.secret\"; };\n", "chmod 600");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_tls_admin),
		cmocka_unit_test(test_events_settings),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_curves_and_int64),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_required_and_backend),
		cmocka_unit_test(test_postgresql),
		cmocka_unit_test(test_challenge_file),
		cmocka_unit_test(test_challenge_256),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_conf_path),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_challenge_hashed),
		cmocka_unit_test(test_intune),
		cmocka_unit_test(test_doc_sample),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
