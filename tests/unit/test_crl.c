/*	SPDX-License-Identifier: ISC */
/*
 * test_crl.c: crl_build() (RFC 5280 5.1, 5.2.1, 5.2.3, 5.3.1) read back
 * with d2i_X509_CRL: signature, version, issuer, times, cRLNumber,
 * authorityKeyIdentifier, each entry's serial, date and reasonCode; the
 * refusals and the reasons left out; the reason names; and, when the
 * openssl CLI is there, its opinion of the CRL.  The CA key is generated
 * once per run.
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
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "crl.h"
#include "testutil.h"

static EVP_PKEY		*cakey;
static X509		*cacert;
static struct ca	*ca;

static int
setup(void **state)
{
	if ((cakey = tu_key_rsa(2048)) == NULL ||
	    (cacert = tu_cert_self(cakey, "scepd test CA", 1)) == NULL)
		return -1;
	if ((ca = ca_new(cacert, cakey)) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	ca_free(ca);
	X509_free(cacert);
	EVP_PKEY_free(cakey);
	return 0;
}

/* Parse "der", which must be one CRL and nothing more. */
static X509_CRL *
parse(const unsigned char *der, size_t len)
{
	const unsigned char	*p = der;
	X509_CRL		*crl;

	assert_non_null(crl = d2i_X509_CRL(NULL, &p, (long)len));
	assert_ptr_equal(p, der + len);
	return crl;
}

/* What every CRL of ours must say, whatever its entries. */
static void
check_common(X509_CRL *crl, int64_t number, time_t tu, time_t nu)
{
	ASN1_INTEGER		*n;
	AUTHORITY_KEYID		*aki;
	const ASN1_OCTET_STRING	*ski;
	int			 crit;

	assert_int_equal(X509_CRL_verify(crl, cakey), 1);
	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(cacert)), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl),
	    tu), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl),
	    nu), 0);
	assert_int_equal(X509_CRL_get_signature_nid(crl),
	    NID_sha256WithRSAEncryption);

	assert_non_null(n = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit,
	    NULL));
	assert_int_equal(crit, 0);
	assert_int_equal(ASN1_INTEGER_get(n), number);
	ASN1_INTEGER_free(n);

	assert_non_null(aki = X509_CRL_get_ext_d2i(crl,
	    NID_authority_key_identifier, &crit, NULL));
	assert_int_equal(crit, 0);
	assert_non_null(ski = X509_get0_subject_key_id(cacert));
	assert_non_null(aki->keyid);
	assert_int_equal(ASN1_OCTET_STRING_cmp(aki->keyid, ski), 0);
	assert_null(aki->issuer);
	assert_null(aki->serial);
	AUTHORITY_KEYID_free(aki);
}

/* Entry for "hex": revocationDate "at" and reasonCode "reason" (-1 none). */
static void
check_entry(X509_CRL *crl, const char *hex, time_t at, int reason)
{
	X509_REVOKED	*rev = NULL;
	ASN1_INTEGER	*serial;
	ASN1_ENUMERATED	*e;
	BIGNUM		*bn = NULL;
	int		 crit;

	assert_true(BN_hex2bn(&bn, hex) > 0);
	assert_non_null(serial = BN_to_ASN1_INTEGER(bn, NULL));
	assert_int_equal(X509_CRL_get0_by_serial(crl, &rev, serial), 1);
	assert_non_null(rev);
	assert_int_equal(ASN1_TIME_cmp_time_t(
	    X509_REVOKED_get0_revocationDate(rev), at), 0);
	e = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
	if (reason == -1) {
		assert_null(e);
		assert_int_equal(crit, -1);	/* absent, not unparseable */
	} else {
		assert_non_null(e);
		assert_int_equal(crit, 0);
		assert_int_equal(ASN1_ENUMERATED_get(e), reason);
	}
	assert_int_equal(X509_REVOKED_get_ext_count(rev), reason == -1 ? 0 : 1);
	ASN1_ENUMERATED_free(e);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
}

static void
test_empty(void **state)
{
	unsigned char	*der;
	size_t		 len;
	X509_CRL	*crl;
	time_t		 now = time(NULL);

	assert_non_null(der = crl_build(ca, NULL, 0, 1, now, now + 86400,
	    &len));
	crl = parse(der, len);
	check_common(crl, 1, now, now + 86400);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) > 0,
	    0);
	X509_CRL_free(crl);
	free(der);
}

/* Three as the brief has them, plus unspecified and the longest serial. */
static const struct crl_entry ents[] = {
	{ "7E8DF99AAB7CB7B3B54B75643C926E96", 1700000000, 1 },
	{ "40000000000000000000000000000001", 1700000100, -1 },
	{ "5A0102030405060708090A0B0C0D0E0F", 1700000200, 4 },
	{ "6abcdef0123456789abcdef012345678", 1700000300, 0 },
	{ "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 1700000400, 10 },
};

static void
test_entries(void **state)
{
	unsigned char			*der;
	size_t				 len, i;
	X509_CRL			*crl;
	STACK_OF(X509_REVOKED)		*revs;
	const ASN1_INTEGER		*a, *b;
	time_t				 now = time(NULL);
	int				 want[] = { 1, -1, 4, -1, 10 };

	assert_non_null(der = crl_build(ca, ents, 5, 42, now, now + 3600,
	    &len));
	crl = parse(der, len);
	check_common(crl, 42, now, now + 3600);
	assert_non_null(revs = X509_CRL_get_REVOKED(crl));
	assert_int_equal(sk_X509_REVOKED_num(revs), 5);
	for (i = 0; i < 5; i++)
		check_entry(crl, ents[i].serial, (time_t)ents[i].revoked_at,
		    want[i]);
	/* Sorted by serial, as the encoding is, not as given. */
	for (i = 1; i < 5; i++) {
		a = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs,
		    (int)i - 1));
		b = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs,
		    (int)i));
		assert_true(ASN1_INTEGER_cmp(a, b) < 0);
	}
	X509_CRL_free(crl);
	free(der);
}

/* The same inputs give the same bytes (RSA PKCS#1 v1.5 is deterministic). */
static void
test_deterministic(void **state)
{
	unsigned char	*d1, *d2;
	size_t		 l1, l2;
	time_t		 now = time(NULL);

	assert_non_null(d1 = crl_build(ca, ents, 3, 7, now, now + 60, &l1));
	assert_non_null(d2 = crl_build(ca, ents, 3, 7, now, now + 60, &l2));
	assert_int_equal(l1, l2);
	assert_memory_equal(d1, d2, l1);
	free(d1);
	free(d2);
}

/* crl_build() must refuse, saying which rule; "what" is in the log. */
static void
build_bad(const struct crl_entry *e, size_t n, int64_t number, time_t tu,
    time_t nu, const char *what)
{
	struct tu_capture	 cap;
	unsigned char		*der;
	size_t			 len = 99;
	char			*log;

	assert_int_equal(tu_capture_begin(&cap), 0);
	der = crl_build(ca, e, n, number, tu, nu, &len);
	log = tu_capture_end(&cap);
	assert_null(der);
	assert_int_equal(len, 0);
	assert_non_null(log);
	if (strstr(log, what) == NULL)
		fail_msg("log lacks \"%s\": %s", what, log);
	free(log);
}

static void
test_refusals(void **state)
{
	struct crl_entry	 e = { "7E", 0, -1 };
	time_t			 now = time(NULL);
	static const char *const bad[] = {
		"", "XYZ", "-7E", "0x7E", "7E 8D", "+7E", "7E\n",
	};
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(e.serial, sizeof(e.serial), "%s", bad[i]);
		build_bad(&e, 1, 1, now, now + 60, "4.1.2.2");
	}
	/* Not NUL-terminated inside the array: still refused, not read on. */
	memset(e.serial, 'A', sizeof(e.serial));
	build_bad(&e, 1, 1, now, now + 60, "4.1.2.2");
	build_bad(NULL, 0, -1, now, now + 60, "5.2.3");
	build_bad(NULL, 0, 1, now, now, "5.1.2.5");
	build_bad(NULL, 0, 1, now, now - 1, "5.1.2.5");
	build_bad(NULL, 2, 1, now, now + 60, "no array");
}

/*
 * Reasons a complete CRL cannot state: the certificate stays listed
 * (leaving it out would un-revoke it), without a reasonCode, logged.
 */
static void
test_odd_reasons(void **state)
{
	static const struct crl_entry odd[] = {
		{ "71", 1700000000, 7 },	/* unassigned */
		{ "72", 1700000000, 8 },	/* removeFromCRL: deltas only */
		{ "73", 1700000000, 11 },
		{ "74", 1700000000, -2 },
		{ "75", 1700000000, 2 },	/* and a good one beside */
	};
	struct tu_capture	 cap;
	unsigned char		*der;
	size_t			 len;
	X509_CRL		*crl;
	char			*log;
	time_t			 now = time(NULL);
	int			 i;

	assert_int_equal(tu_capture_begin(&cap), 0);
	der = crl_build(ca, odd, 5, 3, now, now + 60, &len);
	log = tu_capture_end(&cap);
	assert_non_null(der);
	assert_non_null(log);
	assert_non_null(strstr(log, "5.3.1"));
	assert_non_null(strstr(log, "serial 72: reason 8"));
	crl = parse(der, len);
	check_common(crl, 3, now, now + 60);
	for (i = 0; i < 4; i++)
		check_entry(crl, odd[i].serial, 1700000000, -1);
	check_entry(crl, "75", 1700000000, 2);
	X509_CRL_free(crl);
	free(log);
	free(der);
}

static void
test_reason_names(void **state)
{
	int	 i;

	for (i = 0; i < CRL_REASON__MAX; i++) {
		if (i == 7) {
			assert_string_equal(crl_reason_str(i), "?");
			continue;
		}
		assert_int_equal(crl_reason_parse(crl_reason_str(i)), i);
	}
	assert_string_equal(crl_reason_str(1), "keyCompromise");
	assert_string_equal(crl_reason_str(10), "aACompromise");
	assert_int_equal(crl_reason_parse("KEYCOMPROMISE"), 1);
	assert_int_equal(crl_reason_parse("certificatehold"), 6);
	assert_int_equal(crl_reason_parse("?"), -1);
	assert_int_equal(crl_reason_parse(""), -1);
	assert_int_equal(crl_reason_parse("keyCompromise "), -1);
	assert_int_equal(crl_reason_parse(NULL), -1);
	assert_string_equal(crl_reason_str(-1), "?");
	assert_string_equal(crl_reason_str(11), "?");
}

/* Run "cmd", returning its exit status and its output (caller frees). */
static int
run(const char *cmd, char **out, const char *dir)
{
	char	*path, *full;
	FILE	*fp;
	size_t	 n;
	int	 rc;

	assert_non_null(path = tu_path(dir, "out.txt"));
	assert_true(asprintf(&full, "%s >%s 2>&1", cmd, path) != -1);
	rc = system(full);
	assert_non_null(*out = calloc(1, 65536));
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(*out, 1, 65535, fp);
		(*out)[n] = '\0';
		fclose(fp);
	}
	free(full);
	free(path);
	return rc;
}

/* openssl-crl(1) as an independent reader: signature, text. */
static void
test_openssl_cli(void **state)
{
	char		*dir, *crlp, *cap, *cmd, *out;
	unsigned char	*der;
	size_t		 len;
	time_t		 now = time(NULL);

	if (system("openssl version >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(dir = tu_tmpdir());
	assert_non_null(crlp = tu_path(dir, "crl.der"));
	assert_non_null(cap = tu_path(dir, "ca.pem"));
	assert_int_equal(tu_pem_cert(cap, cacert, 0644), 0);
	assert_non_null(der = crl_build(ca, ents, 3, 12345, now, now + 3600,
	    &len));
	assert_int_equal(tu_write(crlp, der, len, 0644), 0);
	assert_true(asprintf(&cmd, "openssl crl -inform DER -in %s "
	    "-CAfile %s -noout -text", crlp, cap) != -1);
	assert_int_equal(run(cmd, &out, dir), 0);
	if (strstr(out, "verify OK") == NULL ||
	    strstr(out, "Version 2 (0x1)") == NULL ||
	    strstr(out, "12345") == NULL ||
	    strstr(out, "Key Compromise") == NULL ||
	    strstr(out, "Superseded") == NULL ||
	    strstr(out, "7E8DF99AAB7CB7B3B54B75643C926E96") == NULL)
		fail_msg("openssl crl said: %s", out);
	free(out);
	free(cmd);
	free(der);
	free(cap);
	free(crlp);
	tu_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_odd_reasons),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_openssl_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
