/*	SPDX-License-Identifier: ISC */
/*
 * test_x509.c: lib/x509.c, the helpers every layer shares.  DER out of
 * an object (one encoding, freed with free()), serials as the store
 * keys them, RFC 2253 names, times, key identifiers, exact decoding of
 * stored DER, signer checks; and util.c's HMAC and base64 beside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "testutil.h"
#include "util.h"
#include "x509.h"

struct fx {
	EVP_PKEY	*cakey, *key;
	X509		*ca, *leaf, *self;
};

static int
setup(void **state)
{
	struct fx *f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->cakey = tu_key_rsa(2048)) == NULL ||
	    (f->key = tu_key_ec("P-256")) == NULL ||
	    (f->ca = tu_cert_self(f->cakey, "Test CA", 1)) == NULL ||
	    (f->leaf = tu_cert_issue(f->key, "dev, one", f->ca, f->cakey,
	    0x1234abcdL)) == NULL ||
	    (f->self = tu_cert_self(f->key, "device", 0)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	X509_free(f->ca);
	X509_free(f->leaf);
	X509_free(f->self);
	EVP_PKEY_free(f->cakey);
	EVP_PKEY_free(f->key);
	free(f);
	return 0;
}

/* x509_i2d() gives what i2d gives, in memory free() may release. */
static void
test_der(void **state)
{
	struct fx	*f = *state;
	unsigned char	*der = NULL, *want;
	size_t		 n = 0, wantsz;

	assert_int_equal(x509_i2d(i2d_X509, f->leaf, &der, &n), 0);
	want = tu_x509_der(f->leaf, &wantsz);
	assert_int_equal(n, wantsz);
	assert_memory_equal(der, want, n);
	free(der);
	free(want);
	assert_int_equal(x509_i2d(i2d_X509, NULL, &der, &n), -1);
	assert_null(der);
}

/* Stored DER must be exactly one object: trailing bytes are refused. */
static void
test_from_der(void **state)
{
	struct fx	*f = *state;
	unsigned char	*der, *longer;
	size_t		 n;
	X509		*x;

	der = tu_x509_der(f->leaf, &n);
	assert_non_null(x = x509_from_der(der, n));
	assert_int_equal(X509_cmp(x, f->leaf), 0);
	x509_free(x);
	assert_non_null(longer = malloc(n + 1));
	memcpy(longer, der, n);
	longer[n] = 0;
	assert_null(x509_from_der(longer, n + 1));
	assert_null(x509_from_der(der, n - 1));
	assert_null(x509_crl_from_der(der, n));
	free(longer);
	free(der);
}

/* Serials as the store keys them: upper-case hex, never negative. */
static void
test_serial(void **state)
{
	struct fx	*f = *state;
	ASN1_INTEGER	*ai;
	char		 hex[64];

	assert_int_equal(x509_cert_serial(f->leaf, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "1234ABCD");
	assert_int_equal(x509_cert_serial(f->leaf, hex, 8), -1);
	assert_non_null(ai = ASN1_INTEGER_new());
	assert_int_equal(ASN1_INTEGER_set_int64(ai, -5), 1);
	assert_int_equal(x509_serial_hex(ai, hex, sizeof(hex)), -1);
	ASN1_INTEGER_free(ai);
}

/* Names as RFC 2253 text (a comma escaped), subjects compared. */
static void
test_names(void **state)
{
	struct fx	*f = *state;
	unsigned char	*der = NULL;
	size_t		 n = 0;
	char		*s;

	assert_non_null(s = x509_subject_txt(f->leaf));
	assert_string_equal(s, "CN=dev\\, one");
	free(s);
	assert_int_equal(x509_subject_der(f->ca, &der, &n), 0);
	assert_true(n > 0);
	free(der);
	assert_true(x509_subject_is(f->ca, X509_get_subject_name(f->ca)));
	assert_false(x509_subject_is(f->leaf, X509_get_subject_name(f->ca)));
	assert_false(x509_same_subject(f->leaf, f->self));
	assert_true(x509_same_subject(f->self, f->self));
}

/* Times as Unix seconds; key identifier and key type. */
static void
test_key_time(void **state)
{
	struct fx	*f = *state;
	unsigned char	 a[X509_KID_LEN], b[X509_KID_LEN];
	int64_t		 now = (int64_t)time(NULL);

	assert_true(x509_not_before(f->leaf) <= now + 60);
	assert_true(x509_not_after(f->leaf) > now);
	assert_int_equal(x509_kid(f->leaf, a), 0);
	assert_int_equal(x509_kid(f->self, b), 0);
	assert_memory_equal(a, b, sizeof(a));	/* the same key */
	assert_int_equal(x509_kid(f->ca, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_true(x509_key_is_rsa(f->ca));
	assert_false(x509_key_is_rsa(f->leaf));
	assert_ptr_equal(x509_pubkey(f->leaf), X509_get0_pubkey(f->leaf));
}

/* Self-issued, issued by, and verification against a trust store. */
static void
test_signer(void **state)
{
	struct fx	*f = *state;
	X509_STORE	*trust;
	int		 expired = 1;

	assert_true(x509_self_issued(f->self));
	assert_true(x509_self_issued(f->ca));
	assert_false(x509_self_issued(f->leaf));
	assert_true(x509_issued_by(f->ca, f->leaf));
	assert_false(x509_issued_by(f->ca, f->self));
	assert_non_null(trust = X509_STORE_new());
	assert_int_equal(X509_STORE_add_cert(trust, f->ca), 1);
	assert_int_equal(x509_verify(trust, f->leaf, &expired), 0);
	assert_int_equal(expired, 0);
	assert_int_equal(x509_verify(trust, f->self, &expired), -1);
	assert_int_equal(expired, 0);
	X509_STORE_free(trust);
}

/* RFC 4231 test case 2, in two parts; base64 of "foobar". */
static void
test_hmac_b64(void **state)
{
	static const unsigned char want[HMAC_SHA256_LEN] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	struct iovec	 iov[2] = {
		{ (void *)"what do ya want ", 16 },
		{ (void *)"for nothing?", 12 },
	};
	unsigned char	 md[HMAC_SHA256_LEN];
	char		*s;

	(void)state;
	assert_int_equal(hmac_sha256("Jefe", 4, iov, 2, md), 0);
	assert_memory_equal(md, want, sizeof(md));
	assert_non_null(s = b64_encode("foobar", 6));
	assert_string_equal(s, "Zm9vYmFy");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der),
		cmocka_unit_test(test_from_der),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_key_time),
		cmocka_unit_test(test_signer),
		cmocka_unit_test(test_hmac_b64),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
