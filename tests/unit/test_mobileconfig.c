/*	SPDX-License-Identifier: ISC */
/*
 * test_mobileconfig.c: mobileconfig_build() read back by a strict XML
 * plist parser (tests/tools/plistcheck.py: Python's plistlib, and
 * xmllint when installed): payload types, URL, Challenge, Subject in
 * Apple's array-of-arrays form from RFC 4514 strings, Keysize, the root
 * payload's DER and CAFingerprint (SHA-1), unique UUIDs; XML special
 * characters round-trip; output is the same but for the UUIDs; and the
 * refusals, whose logs never show the challenge; then "scepd
 * mobileconfig" on a directory made by "scepd init".  The CA key is
 * made once per run.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <getopt.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "cmd.h"
#include "mobileconfig.h"
#include "testutil.h"

extern char	**environ;

static EVP_PKEY		*cakey;
static X509		*cacert;
static unsigned char	*cader;
static size_t		 caderlen;
static char		*tmpdir, *derpath, *outpath;

static int
setup(void **state)
{
	if ((cakey = tu_key_rsa(2048)) == NULL ||
	    (cacert = tu_cert_self(cakey, "scepd <test> CA & co", 1)) == NULL ||
	    (cader = tu_x509_der(cacert, &caderlen)) == NULL ||
	    (tmpdir = tu_tmpdir()) == NULL ||
	    (derpath = tu_path(tmpdir, "ca.der")) == NULL ||
	    (outpath = tu_path(tmpdir, "test.mobileconfig")) == NULL ||
	    tu_write(derpath, cader, caderlen, 0600) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	tu_rmrf(tmpdir);
	free(outpath);
	free(derpath);
	free(tmpdir);
	free(cader);
	X509_free(cacert);
	EVP_PKEY_free(cakey);
	return 0;
}

/* Options every case starts from: a valid profile. */
static struct mobileconfig_opts
opts_base(void)
{
	struct mobileconfig_opts o;

	memset(&o, 0, sizeof(o));
	o.url = "https://scep.example.net/scep/routers";
	o.name = "routers";
	o.ca_der = cader;
	o.ca_dersz = caderlen;
	o.identifier = "net.example.scepd.routers";
	o.display_name = "Example routers";
	return o;
}

/*
 * Run plistcheck.py on the profile at "path" against the CA DER at
 * "der", with "args" (NULL-terminated) after those; its exit status.
 * No shell: the challenge holds quotes.
 */
static int
check_file(const char *path, const char *der, const char *const *args)
{
	const char	*argv[40];
	pid_t		 pid;
	size_t		 n = 0;
	int		 status;

	argv[n++] = "python3";
	argv[n++] = PLISTCHECK;
	argv[n++] = path;
	argv[n++] = "--ca-der";
	argv[n++] = der;
	for (; *args != NULL; args++) {
		assert_true(n < sizeof(argv) / sizeof(argv[0]) - 1);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	assert_int_equal(posix_spawnp(&pid, "python3", NULL, NULL,
	    (char *const *)argv, environ), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Write "xml" and check it against the run's CA. */
static int
plistcheck(const char *xml, size_t len, const char *const *args)
{
	assert_int_equal(tu_write(outpath, xml, len, 0600), 0);
	return check_file(outpath, derpath, args);
}

static void
test_full(void **state)
{
	struct mobileconfig_opts	 o = opts_base();
	const char			*sans[] = { "a.example.net",
					    "b.example.net" };
	const char			*args[] = {
		"--url", "https://scep.example.net/scep/routers",
		"--name", "routers",
		"--identifier", "net.example.scepd.routers",
		"--challenge", "s3cret-Pw",
		"--subject", "[[[\"C\", \"US\"]], "
		    "[[\"O\", \"Example, Inc.\"]], "
		    "[[\"CN\", \"%ComputerName%\"]]]",
		"--keysize", "4096",
		"--key-usage", "5",
		"--ca-name", "scepd <test> CA & co",
		"--san-dns", "a.example.net", "b.example.net",
		NULL
	};
	char				*xml;
	size_t				 len;

	o.challenge = "s3cret-Pw";
	o.subject = "CN=%ComputerName%,O=Example\\, Inc.,C=US";
	o.keysize = 4096;
	o.organization = "Example Inc.";
	o.san_dns = sans;
	o.san_dns_count = 2;
	assert_non_null(xml = mobileconfig_build(&o, &len));
	assert_int_equal(strlen(xml), len);
	assert_int_equal(plistcheck(xml, len, args), 0);
	assert_non_null(strstr(xml, "<string>Example Inc.</string>"));
	free(xml);
}

/* No subject, challenge, keysize or usage given: Apple's defaults. */
static void
test_defaults(void **state)
{
	struct mobileconfig_opts	 o = opts_base();
	const char			*args[] = {
		"--url", "https://scep.example.net/scep/routers",
		"--no-challenge",
		"--subject", "[[[\"CN\", \"device\"]]]",
		"--keysize", "2048",
		"--key-usage", "5",
		NULL
	};
	char				*xml;
	size_t				 len;

	assert_non_null(xml = mobileconfig_build(&o, &len));
	assert_int_equal(plistcheck(xml, len, args), 0);
	free(xml);
	/* An empty challenge is no challenge. */
	o.challenge = "";
	assert_non_null(xml = mobileconfig_build(&o, &len));
	assert_int_equal(plistcheck(xml, len, args), 0);
	free(xml);
}

/* The parser fails on something it should: the checker is not blind. */
static void
test_checker_catches(void **state)
{
	struct mobileconfig_opts	 o = opts_base();
	const char			*args[] = {
		"--url", "https://scep.example.net/scep/routers",
		"--challenge", "other",
		"--subject", "[[[\"CN\", \"device\"]]]",
		NULL
	};
	char				*xml;
	size_t				 len;

	o.challenge = "s3cret";
	assert_non_null(xml = mobileconfig_build(&o, &len));
	assert_int_equal(plistcheck(xml, len, args), 1);
	/* Cut the document: no longer a plist. */
	assert_int_equal(plistcheck(xml, len / 2, args), 1);
	free(xml);
}

/* XML's special characters, quotes and non-ASCII text round-trip. */
static void
test_special_chars(void **state)
{
	struct mobileconfig_opts	 o = opts_base();
	const char			*chal = "<&>\"' ]]> &amp; "
					    "caf\xc3\xa9";
	const char			*args[] = {
		"--url", "https://scep.example.net/scep?a=1&b=<2>",
		"--name", "r&d <lab>",
		"--challenge", chal,
		"--subject", "[[[\"O\", \"A&B <x> \\\"q\\\"\"]], "
		    "[[\"CN\", \"</string>\"]]]",
		NULL
	};
	char				*xml;
	size_t				 len;

	o.url = "https://scep.example.net/scep?a=1&b=<2>";
	o.name = "r&d <lab>";
	o.challenge = chal;
	o.subject = "CN=</string>,O=A&B <x> \\\"q\\\"";
	o.display_name = "<Example> & \"routers\"";
	assert_non_null(xml = mobileconfig_build(&o, &len));
	assert_int_equal(plistcheck(xml, len, args), 0);
	assert_non_null(strstr(xml, "&lt;&amp;&gt;"));
	assert_null(strstr(xml, "<&>"));
	free(xml);
}

/*
 * RFC 4514 forms: multi-valued RDNs, escapes (specials and hex), spaces
 * after commas, lower-case short names, names Apple does not know
 * written as OIDs, and a dotted OID kept as it is.
 */
static void
test_subject_forms(void **state)
{
	struct mobileconfig_opts	 o = opts_base();
	const char			*args[] = {
		"--url", "https://scep.example.net/scep/routers",
		"--subject",
		"[[[\"L\", \" spaced \"]], "
		"[[\"2.5.4.5\", \"12345\"]], "
		"[[\"0.9.2342.19200300.100.1.25\", \"net\"]], "
		"[[\"1.2.840.113549.1.9.1\", \"m@example.net\"]], "
		"[[\"OU\", \"x,y+z\"]], "
		"[[\"CN\", \"a\"], [\"0.9.2342.19200300.100.1.1\", \"b\"]], "
		"[[\"ST\", \"caf\\u00e9\"]]]",
		NULL
	};
	char				*xml;
	size_t				 len;

	o.subject = "st=caf\\C3\\A9, CN=a+UID=b , OU=x\\,y\\+z,"
	    "emailAddress=m@example.net,DC=net,2.5.4.5=12345,"
	    "L=\\ spaced\\ ";
	assert_non_null(xml = mobileconfig_build(&o, &len));
	assert_int_equal(plistcheck(xml, len, args), 0);
	free(xml);
}

/* Blank each PayloadUUID's value; how many there were. */
static int
blank_uuids(char *xml)
{
	static const char	 key[] = "<key>PayloadUUID</key>";
	char			*p = xml, *s;
	int			 n = 0;

	while ((p = strstr(p, key)) != NULL) {
		assert_non_null(s = strstr(p, "<string>"));
		s += strlen("<string>");
		assert_int_equal(strspn(s, "0123456789ABCDEF-"), 36);
		memset(s, 'X', 36);
		p = s;
		n++;
	}
	return n;
}

static void
test_deterministic(void **state)
{
	struct mobileconfig_opts	 o = opts_base();
	char				*a, *b;
	size_t				 alen, blen;

	o.challenge = "s3cret";
	assert_non_null(a = mobileconfig_build(&o, &alen));
	assert_non_null(b = mobileconfig_build(&o, &blen));
	assert_int_equal(alen, blen);
	assert_memory_not_equal(a, b, alen);	/* fresh UUIDs */
	assert_int_equal(blank_uuids(a), 3);
	assert_int_equal(blank_uuids(b), 3);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

/*
 * mobileconfig_build() refuses "o" with a log line containing "why",
 * and never shows the challenge in it.
 */
static void
refused(const struct mobileconfig_opts *o, const char *why)
{
	struct tu_capture	 cap;
	char			*log, *xml;
	size_t			 len = 99;
	int			 ok;

	assert_int_equal(tu_capture_begin(&cap), 0);
	xml = mobileconfig_build(o, &len);
	assert_non_null(log = tu_capture_end(&cap));
	ok = strstr(log, why) != NULL && (o->challenge == NULL ||
	    o->challenge[0] == '\0' || strstr(log, o->challenge) == NULL);
	free(log);
	if (!ok)
		fail_msg("want \"%s\", and no challenge, in the log", why);
	assert_null(xml);
	assert_int_equal(len, 0);
}

static void
test_refuse_opts(void **state)
{
	struct mobileconfig_opts	 o;
	const char			*sans[MOBILECONFIG_SAN_MAX + 1];
	unsigned char			*der;
	int				 i;

	o = opts_base(); o.url = NULL;
	refused(&o, "required");
	o = opts_base(); o.identifier = NULL;
	refused(&o, "required");
	o = opts_base(); o.url = "ftp://scep.example.net/";
	refused(&o, "want http:// or https://");
	o = opts_base(); o.url = "https://x/\n";
	refused(&o, "URL: not UTF-8 text");
	o = opts_base(); o.identifier = "net.example scepd";
	refused(&o, "identifier");
	o = opts_base(); o.keysize = 3000;
	refused(&o, "Keysize 3000");
	o = opts_base(); o.key_usage = 2;
	refused(&o, "Key Usage 2");
	o = opts_base(); o.san_dns_count = MOBILECONFIG_SAN_MAX + 1;
	for (i = 0; i < MOBILECONFIG_SAN_MAX + 1; i++)
		sans[i] = "a.example.net";
	o.san_dns = sans;
	refused(&o, "SubjectAltName");
	o = opts_base(); o.ca_dersz = 0;
	refused(&o, "CA certificate");
	o = opts_base(); o.ca_dersz = caderlen - 1;
	refused(&o, "not one DER X.509 certificate");
	assert_non_null(der = malloc(caderlen + 1));
	memcpy(der, cader, caderlen);
	der[caderlen] = 0;
	o = opts_base(); o.ca_der = der; o.ca_dersz = caderlen + 1;
	refused(&o, "not one DER X.509 certificate");
	free(der);
}

/* Text XML 1.0 cannot carry, and UTF-8 that is not UTF-8. */
static void
test_refuse_text(void **state)
{
	static const char *const bad[] = {
		"tab\there", "nl\n", "del\x7f", "\xc3\x28", "\xc0\xaf",
		"\xe0\x80\xaf", "\xed\xa0\x80", "\xef\xbf\xbe",
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "trunc\xe2\x82",
	};
	struct mobileconfig_opts	 o;
	char				*big;
	size_t				 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = opts_base();
		o.challenge = bad[i];
		refused(&o, "challenge: not UTF-8 text");
	}
	assert_non_null(big = malloc(MOBILECONFIG_STR_MAX + 2));
	memset(big, 'a', MOBILECONFIG_STR_MAX + 1);
	big[MOBILECONFIG_STR_MAX + 1] = '\0';
	o = opts_base();
	o.challenge = big;
	refused(&o, "challenge: longer than");
	free(big);
}

static void
test_refuse_subject(void **state)
{
	static const struct {
		const char	*subject;
		const char	*why;
	} bad[] = {
		{ "", "want TYPE=VALUE" },
		{ "CN", "want TYPE=VALUE" },
		{ "CN=x,", "want TYPE=VALUE" },
		{ "CN=x+", "want TYPE=VALUE" },
		{ "=x", "want TYPE=VALUE" },
		{ "CN=", "empty value for CN" },
		{ "CN=  ,O=y", "empty value for CN" },
		{ "FOO=x", "unknown attribute type" },
		{ "C N=x", "attribute type is a name" },
		{ "CN=#0403616263", "hex-string" },
		{ "CN=x\\", "bad escape" },
		{ "CN=x\\q", "bad escape" },
		{ "CN=x\\4", "bad escape" },
		{ "CN=x\\00y", "bad escape" },
		{ "CN=x\\0Ay", "subject value: not UTF-8 text" },
		{ "CN=\\C3", "subject value: not UTF-8 text" },
	};
	struct mobileconfig_opts	 o;
	char				 many[MOBILECONFIG_RDN_MAX * 6 + 8];
	size_t				 i, n = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = opts_base();
		o.subject = bad[i].subject;
		refused(&o, bad[i].why);
	}
	for (i = 0; i <= MOBILECONFIG_RDN_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%sO=x",
		    i == 0 ? "" : ",");
	o = opts_base();
	o.subject = many;
	refused(&o, "more than");
}

/* A command's argv, run as if by main(): getopt starts afresh. */
static int
run_cmd(int (*fn)(int, char **), const char **argv)
{
	int	 argc = 0;

	while (argv[argc] != NULL)
		argc++;
	optind = 0;
	return fn(argc, (char **)argv);
}

static mode_t
file_mode(const char *path)
{
	struct stat	 st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/*
 * "scepd mobileconfig" on a data directory made by "scepd init": the
 * CA, public_url, identifier and (without --challenge) the static
 * challenge come from it, the file holding a challenge is private, an existing file is never overwritten, and
 * unknown profiles and key sizes are refused.
 */
static void
test_cmd(void **state)
{
	char		*data, *pem, *der, *out, *out2;
	const char	*init[] = { "init", "-d", NULL, "--public-url",
			    "https://Scep.Example.NET:8443/scep", "--challenge",
			    "init-s3cret", NULL };
	const char	*mc[] = { "mobileconfig", "-d", NULL, "-o", NULL,
			    "--challenge", "pw<1>&'", "--subject",
			    "CN=r1,O=Example", NULL };
	const char	*mc_ip[] = { "mobileconfig", "-d", NULL, "-o", NULL,
			    "--url", "http://10.0.0.1:8080/scep", NULL };
	const char	*mc_bad[] = { "mobileconfig", "-d", NULL,
			    "--profile", "routers", NULL };
	const char	*mc_ks[] = { "mobileconfig", "-d", NULL,
			    "--keysize", "3000", NULL };
	const char	*args[] = {
		"--url", "https://Scep.Example.NET:8443/scep",
		"--identifier", "net.example.scep.scepd.default",
		"--name", "default",
		"--challenge", "pw<1>&'",
		"--subject", "[[[\"O\", \"Example\"]], [[\"CN\", \"r1\"]]]",
		"--ca-name", "scepd CA",
		NULL
	};
	const char	*args_ip[] = {
		"--url", "http://10.0.0.1:8080/scep",
		"--identifier", "10-0-0-1.scepd.default",
		"--challenge", "init-s3cret",
		"--subject", "[[[\"CN\", \"device\"]]]",
		NULL
	};
	unsigned char	*cader2;
	size_t		 len;
	FILE		*fp;
	X509		*x;

	assert_non_null(data = tu_path(tmpdir, "data"));
	assert_non_null(pem = tu_path(data, "ca.pem"));
	assert_non_null(der = tu_path(tmpdir, "cmd-ca.der"));
	assert_non_null(out = tu_path(tmpdir, "cmd.mobileconfig"));
	assert_non_null(out2 = tu_path(tmpdir, "cmd-ip.mobileconfig"));
	init[2] = mc[2] = mc_ip[2] = mc_bad[2] = mc_ks[2] = data;
	mc[4] = out;
	mc_ip[4] = out2;

	assert_int_equal(run_cmd(cmd_init, init), 0);
	assert_non_null(fp = fopen(pem, "r"));
	assert_non_null(x = PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
	assert_non_null(cader2 = tu_x509_der(x, &len));
	X509_free(x);
	assert_int_equal(tu_write(der, cader2, len, 0600), 0);
	free(cader2);

	assert_int_equal(run_cmd(cmd_mobileconfig, mc), 0);
	assert_int_equal(file_mode(out), 0600);
	assert_int_equal(check_file(out, der, args), 0);
	assert_int_equal(run_cmd(cmd_mobileconfig, mc), 1);	/* exists */
	assert_int_equal(check_file(out, der, args), 0);

	/* Without --challenge: the profile's static one, known here. */
	assert_int_equal(run_cmd(cmd_mobileconfig, mc_ip), 0);
	assert_int_equal(file_mode(out2), 0600);
	assert_int_equal(check_file(out2, der, args_ip), 0);

	assert_int_equal(run_cmd(cmd_mobileconfig, mc_bad), 1);
	assert_int_equal(run_cmd(cmd_mobileconfig, mc_ks), 2);

	tu_rmrf(data);
	free(out2);
	free(out);
	free(der);
	free(pem);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_checker_catches),
		cmocka_unit_test(test_special_chars),
		cmocka_unit_test(test_subject_forms),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_refuse_opts),
		cmocka_unit_test(test_refuse_text),
		cmocka_unit_test(test_refuse_subject),
		cmocka_unit_test(test_cmd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
