/*	SPDX-License-Identifier: ISC */
/*
 * test_conf.c: conf_load() over configuration files written to a temp
 * directory: defaults, every known setting, and the refusals (unknown
 * name, wrong type, out of range, cross-field rules, a challenge file
 * others can read, libconfig syntax errors), each reported with its line.
 */
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
	assert_string_equal(c->ca.cert, p);
	free(p);
	p = path("ca.key");
	assert_string_equal(c->ca.key, p);
	free(p);
	p = path("scepd.db");
	assert_string_equal(c->store.path, p);
	free(p);
	assert_null(c->ca.chain);
	assert_null(c->public_url);
	assert_null(c->challenge_file);
	assert_null(c->policy.challenge);
	assert_string_equal(c->store.backend, "sqlite");
	assert_int_equal(c->store.conns, 0);
	assert_string_equal(c->http.listen, "127.0.0.1:8080");
	assert_int_equal(c->http.threads, 0);
	assert_int_equal(c->http.max_body, 256 * 1024);
	assert_int_equal(c->http.timeout, 30);
	assert_int_equal(c->http.max_conns, 1024);
	assert_int_equal(c->cert.validity_days, 365);
	assert_int_equal(c->cert.backdate_secs, 300);
	assert_int_equal(c->policy.rsa_min_bits, 2048);
	assert_int_equal(c->policy.rsa_max_bits, 8192);
	assert_int_equal(c->policy.ec_p256, 1);
	assert_int_equal(c->policy.ec_p384, 1);
	assert_int_equal(c->policy.legacy, 0);
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
	    "algorithms = { legacy = true; };\n");
	assert_string_equal(c->public_url, "http://scep.example/scep");
	assert_string_equal(c->ca.cert, "/etc/scepd/ca.pem");
	p = path("keys/ca.key");
	assert_string_equal(c->ca.key, p);
	free(p);
	p = path("chain.pem");
	assert_string_equal(c->ca.chain, p);
	free(p);
	p = path("challenge");
	assert_string_equal(c->challenge_file, p);
	free(p);
	assert_string_equal(c->policy.challenge, "s3cret");
	assert_string_equal(c->store.backend, "sqlite");
	assert_string_equal(c->store.path, "/var/lib/x.db");
	assert_int_equal(c->store.conns, 4);
	assert_string_equal(c->http.listen, "[::1]:8443");
	assert_int_equal(c->http.threads, 3);
	assert_int_equal(c->http.max_body, 65536);
	assert_int_equal(c->http.timeout, 10);
	assert_int_equal(c->http.max_conns, 50);
	assert_int_equal(c->cert.validity_days, 90);
	assert_int_equal(c->cert.backdate_secs, 0);
	assert_int_equal(c->policy.rsa_min_bits, 3072);
	assert_int_equal(c->policy.rsa_max_bits, 4096);
	assert_int_equal(c->policy.ec_p256, 0);
	assert_int_equal(c->policy.ec_p384, 1);
	assert_int_equal(c->policy.legacy, 1);
	conf_free(c);
}

static void
test_curves_and_int64(void **state)
{
	struct conf *c;

	c = accepted(REQUIRED "keys = { ec_curves = [ \"P-256\" ]; };\n");
	assert_int_equal(c->policy.ec_p256, 1);
	assert_int_equal(c->policy.ec_p384, 0);
	conf_free(c);
	c = accepted(REQUIRED
	    "keys = { ec_curves = ( \"P-384\", \"P-256\" ); };\n");
	assert_int_equal(c->policy.ec_p256, 1);
	assert_int_equal(c->policy.ec_p384, 1);
	conf_free(c);
	c = accepted(REQUIRED "keys = { ec_curves = [ ]; };\n");
	assert_int_equal(c->policy.ec_p256, 0);
	assert_int_equal(c->policy.ec_p384, 0);
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
	assert_int_equal(c->policy.rsa_min_bits, 1024);
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
	    "only \\\"sqlite\\\"");
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
	assert_string_equal(c->policy.challenge, "s3cret");
	conf_free(c);
	assert_int_equal(tu_write_str(p, "no newline", 0400), 0);
	c = accepted(text);
	assert_string_equal(c->policy.challenge, "no newline");
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
	assert_int_equal(strlen(c->policy.challenge), 255);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_curves_and_int64),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_required_and_backend),
		cmocka_unit_test(test_challenge_file),
		cmocka_unit_test(test_challenge_256),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_conf_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
