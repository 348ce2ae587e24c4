/*	SPDX-License-Identifier: ISC */
/*
 * test_csr.c: csr_parse() and csr_parse_known() over PKCS#10 requests (RFC 2986) built with
 * OpenSSL here: subject, key description, SHA-256 key id, requested
 * subjectAltName, challengePassword in every DirectoryString spelling
 * (RFC 2985 5.4.1), and the refusals (bad proof of possession, MD5,
 * trailing bytes).  Keys are generated once per run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "scep.h"
#include "testutil.h"

static EVP_PKEY	*rsa, *ec256;

static int
setup(void **state)
{
	if ((rsa = tu_key_rsa(2048)) == NULL ||
	    (ec256 = tu_key_ec("P-256")) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec256);
	return 0;
}

/* Sign "req" with "key", free it, and parse the DER. */
static enum scep_fail
sign_parse(X509_REQ *req, EVP_PKEY *key, const EVP_MD *md,
    struct csr_info *ci)
{
	unsigned char	*der;
	size_t		 n;
	enum scep_fail	 f;

	der = tu_req_sign(req, key, md, &n);
	X509_REQ_free(req);
	assert_non_null(der);
	f = csr_parse(der, n, ci);
	free(der);
	return f;
}

/* A request with one challengePassword of ASN.1 type "type". */
static enum scep_fail
parse_challenge(int type, const void *pw, int pwlen, struct csr_info *ci)
{
	X509_REQ *req;

	/* len -1 would make OpenSSL take "pw" for an ASN1_STRING. */
	if (pwlen == -1)
		pwlen = (int)strlen(pw);
	assert_non_null(req = tu_req_new(rsa, "dev"));
	assert_true(X509_REQ_add1_attr_by_NID(req,
	    NID_pkcs9_challengePassword, type, pw, pwlen));
	return sign_parse(req, rsa, EVP_sha256(), ci);
}

static void
test_rsa_fields(void **state)
{
	struct csr_info	 ci;
	X509_REQ	*req;
	unsigned char	*spki, *subj = NULL, kid[32];
	size_t		 spkisz;
	int		 subjsz;

	assert_non_null(req = tu_req_new(rsa, "device-1"));
	subjsz = i2d_X509_NAME(X509_REQ_get_subject_name(req), &subj);
	assert_true(subjsz > 0);
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci), SCEP_OK);
	assert_null(ci.why);

	assert_string_equal(ci.subject_txt, "CN=device-1,O=scepd tests");
	assert_int_equal(ci.subjectsz, subjsz);
	assert_memory_equal(ci.subject, subj, subjsz);
	OPENSSL_free(subj);

	assert_int_equal(ci.key, CSR_KEY_RSA);
	assert_int_equal(ci.key_bits, 2048);
	assert_non_null(spki = tu_pubkey_der(rsa, &spkisz));
	assert_int_equal(ci.spkisz, spkisz);
	assert_memory_equal(ci.spki, spki, spkisz);
	assert_true(EVP_Digest(spki, spkisz, kid, NULL, EVP_sha256(), NULL));
	assert_memory_equal(ci.kid, kid, CSR_KID_LEN);
	free(spki);

	assert_null(ci.san);
	assert_int_equal(ci.sansz, 0);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_NONE);
	assert_int_equal(ci.challengesz, 0);
	csr_info_clear(&ci);
	assert_null(ci.subject);
	assert_null(ci.spki);
}

static void
test_ec_fields(void **state)
{
	struct csr_info	 ci;
	unsigned char	*spki, kid[32];
	size_t		 spkisz;

	assert_int_equal(sign_parse(tu_req_new(ec256, "ec"), ec256,
	    EVP_sha256(), &ci), SCEP_OK);
	assert_int_equal(ci.key, CSR_KEY_EC_P256);
	assert_int_equal(ci.key_bits, 256);
	assert_non_null(spki = tu_pubkey_der(ec256, &spkisz));
	assert_true(EVP_Digest(spki, spkisz, kid, NULL, EVP_sha256(), NULL));
	assert_memory_equal(ci.kid, kid, CSR_KID_LEN);
	free(spki);
	assert_string_equal(ci.subject_txt, "CN=ec,O=scepd tests");
	csr_info_clear(&ci);
}

/* A P-256 key whose SubjectPublicKeyInfo spells the curve out. */
static EVP_PKEY *
key_explicit_p256(void)
{
	OSSL_PARAM	 p[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
		    (char *)"P-256", 0),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING,
		    (char *)OSSL_PKEY_EC_ENCODING_EXPLICIT, 0),
		OSSL_PARAM_END
	};
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*k = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL &&
	    EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_params(ctx, p) > 0 &&
	    EVP_PKEY_keygen(ctx, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static void
test_other_key_types(void **state)
{
	struct csr_info	 ci;
	EVP_PKEY	*k;

	assert_non_null(k = tu_key_ec("P-384"));
	assert_int_equal(sign_parse(tu_req_new(k, "p384"), k, EVP_sha384(),
	    &ci), SCEP_OK);
	assert_int_equal(ci.key, CSR_KEY_EC_P384);
	assert_int_equal(ci.key_bits, 384);
	csr_info_clear(&ci);
	EVP_PKEY_free(k);

	assert_non_null(k = tu_key_ec("secp256k1"));
	assert_int_equal(sign_parse(tu_req_new(k, "k1"), k, EVP_sha256(),
	    &ci), SCEP_OK);
	assert_int_equal(ci.key, CSR_KEY_EC_OTHER);
	csr_info_clear(&ci);
	EVP_PKEY_free(k);

	assert_non_null(k = tu_key_ed25519());
	assert_int_equal(sign_parse(tu_req_new(k, "ed"), k, NULL, &ci),
	    SCEP_OK);
	assert_int_equal(ci.key, CSR_KEY_OTHER);
	csr_info_clear(&ci);
	EVP_PKEY_free(k);

	/* RFC 5480: P-256 spelled as explicit parameters is not P-256. */
	assert_non_null(k = key_explicit_p256());
	assert_int_equal(sign_parse(tu_req_new(k, "explicit"), k,
	    EVP_sha256(), &ci), SCEP_OK);
	assert_int_equal(ci.key, CSR_KEY_EC_OTHER);
	csr_info_clear(&ci);
	EVP_PKEY_free(k);
}

static void
test_empty_subject(void **state)
{
	struct csr_info	 ci;
	X509_REQ	*req;

	assert_non_null(req = tu_req_new(ec256, NULL));
	assert_true(tu_req_add_san(req, "DNS:only.example"));
	assert_int_equal(sign_parse(req, ec256, EVP_sha256(), &ci), SCEP_OK);
	assert_int_equal(ci.subjectsz, 2);		/* 30 00 */
	assert_string_equal(ci.subject_txt, "");
	assert_non_null(ci.san);
	csr_info_clear(&ci);
}

static void
test_san(void **state)
{
	struct csr_info		 ci;
	X509_REQ		*req;
	X509_EXTENSION		*e;
	const ASN1_OCTET_STRING	*want;
	const char		*spec = "DNS:a.example,DNS:b.example,"
	    "IP:192.0.2.1,email:x@example.org,URI:https://example.org/";

	assert_non_null(req = tu_req_new(rsa, "san"));
	assert_true(tu_req_add_san(req, spec));
	assert_non_null(e = X509V3_EXT_conf_nid(NULL, NULL,
	    NID_subject_alt_name, spec));
	want = X509_EXTENSION_get_data(e);
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci), SCEP_OK);
	assert_non_null(ci.san);
	assert_int_equal(ci.sansz, ASN1_STRING_length(want));
	assert_memory_equal(ci.san, ASN1_STRING_get0_data(want), ci.sansz);
	X509_EXTENSION_free(e);
	csr_info_clear(&ci);
	assert_null(ci.san);
}

/* Other requested extensions are ignored, not refused, and not copied. */
static void
test_other_extensions(void **state)
{
	STACK_OF(X509_EXTENSION)	*exts;
	struct csr_info			 ci;
	X509_REQ			*req;

	assert_non_null(req = tu_req_new(rsa, "ext"));
	assert_non_null(exts = sk_X509_EXTENSION_new_null());
	assert_true(sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL,
	    NULL, NID_basic_constraints, "critical,CA:TRUE")));
	assert_true(X509_REQ_add_extensions(req, exts));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci), SCEP_OK);
	assert_null(ci.san);
	csr_info_clear(&ci);
}

static void
test_two_sans(void **state)
{
	STACK_OF(X509_EXTENSION)	*exts;
	struct csr_info			 ci;
	X509_REQ			*req;

	assert_non_null(req = tu_req_new(rsa, "ext"));
	assert_non_null(exts = sk_X509_EXTENSION_new_null());
	assert_true(sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL,
	    NULL, NID_subject_alt_name, "DNS:a.example")));
	assert_true(sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL,
	    NULL, NID_subject_alt_name, "DNS:b.example")));
	assert_true(X509_REQ_add_extensions(req, exts));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	/* Which one would be certified?  Neither. */
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci),
	    SCEP_FAIL_BADREQUEST);
	assert_non_null(ci.why);
	csr_info_clear(&ci);
}

static void
test_challenge_types(void **state)
{
	/* "pässwörd" as UTF-8 and as UCS-2 big-endian. */
	static const char		 utf8[] = "p\xc3\xa4ssw\xc3\xb6rd";
	static const unsigned char	 bmp[] = {
		0, 'p', 0, 0xe4, 0, 's', 0, 's', 0, 'w', 0, 0xf6, 0, 'r',
		0, 'd'
	};
	static const unsigned char	 bmp_ascii[] = {
		0, 'S', 0, 'e', 0, 'c', 0, 'r', 0, 'e', 0, 't', 0, '-', 0, '1'
	};
	struct csr_info			 ci;
	int				 types[] = { V_ASN1_PRINTABLESTRING,
	    V_ASN1_UTF8STRING, V_ASN1_IA5STRING, V_ASN1_T61STRING };
	size_t				 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(parse_challenge(types[i], "Secret-1", -1,
		    &ci), SCEP_OK);
		assert_int_equal(ci.challenge_state, CSR_CHALLENGE_ONE);
		assert_string_equal(ci.challenge, "Secret-1");
		assert_int_equal(ci.challengesz, 8);
		csr_info_clear(&ci);
	}
	assert_int_equal(parse_challenge(V_ASN1_BMPSTRING, bmp_ascii,
	    sizeof(bmp_ascii), &ci), SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_ONE);
	assert_string_equal(ci.challenge, "Secret-1");
	csr_info_clear(&ci);

	/* Non-ASCII reads the same from UTF8String and BMPString. */
	assert_int_equal(parse_challenge(V_ASN1_UTF8STRING, utf8, -1, &ci),
	    SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_ONE);
	assert_string_equal(ci.challenge, utf8);
	assert_int_equal(ci.challengesz, strlen(utf8));
	csr_info_clear(&ci);
	assert_int_equal(parse_challenge(V_ASN1_BMPSTRING, bmp, sizeof(bmp),
	    &ci), SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_ONE);
	assert_string_equal(ci.challenge, utf8);
	assert_int_equal(ci.challengesz, strlen(utf8));
	csr_info_clear(&ci);
	/* The wiping clear really wipes. */
	assert_int_equal(ci.challenge[0], '\0');
}

/*
 * OpenSSL 3 refuses to add an attribute twice (X509_R_DUPLICATE_ATTRIBUTE),
 * so add challengePassword (1.2.840.113549.1.9.7) and unstructuredName
 * (...9.2), whose OIDs differ only in the last byte, then rename the
 * second one in the DER and parse it back.  The caller signs it.
 */
static X509_REQ *
req_two_challenges(void)
{
	static const unsigned char	 oid[] = { 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02 };
	static const unsigned char	 one[] = "one", two[] = "two";
	X509_REQ			*req, *req2;
	unsigned char			*der = NULL;
	const unsigned char		*p;
	int				 n, i, hits = 0;

	assert_non_null(req = tu_req_new(rsa, "dev"));
	assert_true(X509_REQ_add1_attr_by_NID(req,
	    NID_pkcs9_challengePassword, V_ASN1_PRINTABLESTRING, one, 3));
	assert_true(X509_REQ_add1_attr_by_NID(req,
	    NID_pkcs9_unstructuredName, V_ASN1_PRINTABLESTRING, two, 3));
	assert_true(X509_REQ_sign(req, rsa, EVP_sha256()) > 0);
	assert_true((n = i2d_X509_REQ(req, &der)) > 0);
	X509_REQ_free(req);
	for (i = 0; i + (int)sizeof(oid) <= n; i++)
		if (memcmp(der + i, oid, sizeof(oid)) == 0) {
			der[i + sizeof(oid) - 1] = 0x07;
			hits++;
		}
	assert_int_equal(hits, 1);
	p = der;
	assert_non_null(req2 = d2i_X509_REQ(NULL, &p, n));
	OPENSSL_free(der);
	assert_int_equal(X509_REQ_get_attr_count(req2), 2);
	assert_true(X509_REQ_get_attr_by_NID(req2,
	    NID_pkcs9_challengePassword, 0) == 1);
	return req2;
}

static void
test_challenge_bad(void **state)
{
	static const unsigned char	 one[] = "one", two[] = "two";
	struct csr_info	 ci;
	X509_REQ	*req;
	X509_ATTRIBUTE	*a;
	char		 big[CSR_CHALLENGE_MAX + 2], *huge;

	/* Two challengePassword attributes. */
	assert_non_null(req = req_two_challenges());
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci), SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_BAD);
	csr_info_clear(&ci);

	/* One attribute holding two values. */
	assert_non_null(req = tu_req_new(rsa, "dev"));
	assert_non_null(a = X509_ATTRIBUTE_create_by_NID(NULL,
	    NID_pkcs9_challengePassword, V_ASN1_PRINTABLESTRING, one, 3));
	assert_true(X509_ATTRIBUTE_set1_data(a, V_ASN1_PRINTABLESTRING,
	    two, 3));
	assert_int_equal(X509_ATTRIBUTE_count(a), 2);
	assert_true(X509_REQ_add1_attr(req, a));
	X509_ATTRIBUTE_free(a);
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci), SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_BAD);
	csr_info_clear(&ci);

	/* Not a string. */
	assert_non_null(req = tu_req_new(rsa, "dev"));
	assert_true(X509_REQ_add1_attr_by_NID(req,
	    NID_pkcs9_challengePassword, V_ASN1_OCTET_STRING, one, 3));
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci), SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_BAD);
	csr_info_clear(&ci);

	/*
	 * Longer than DirectoryString{255}: CSR_CHALLENGE_LONG, its length
	 * known, its text not kept (Intune's blob, issue #16); and 255
	 * itself is fine.
	 */
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse_challenge(V_ASN1_UTF8STRING, big, -1, &ci),
	    SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_LONG);
	assert_int_equal(ci.challengesz, CSR_CHALLENGE_MAX + 1);
	assert_string_equal(ci.challenge, "");
	csr_info_clear(&ci);
	big[CSR_CHALLENGE_MAX] = '\0';
	assert_int_equal(parse_challenge(V_ASN1_UTF8STRING, big, -1, &ci),
	    SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_ONE);
	assert_int_equal(ci.challengesz, CSR_CHALLENGE_MAX);
	csr_info_clear(&ci);

	/* Up to CSR_CHALLENGE_LONG_MAX bytes, and no more. */
	assert_non_null(huge = malloc(CSR_CHALLENGE_LONG_MAX + 2));
	memset(huge, 'b', CSR_CHALLENGE_LONG_MAX + 1);
	huge[CSR_CHALLENGE_LONG_MAX] = '\0';
	assert_int_equal(parse_challenge(V_ASN1_UTF8STRING, huge, -1, &ci),
	    SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_LONG);
	assert_int_equal(ci.challengesz, CSR_CHALLENGE_LONG_MAX);
	csr_info_clear(&ci);
	huge[CSR_CHALLENGE_LONG_MAX] = 'b';
	huge[CSR_CHALLENGE_LONG_MAX + 1] = '\0';
	assert_int_equal(parse_challenge(V_ASN1_UTF8STRING, huge, -1, &ci),
	    SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_BAD);
	csr_info_clear(&ci);
	/* A long one with a NUL in it is as bad as a short one. */
	huge[300] = '\0';
	assert_int_equal(parse_challenge(V_ASN1_UTF8STRING, huge, 400, &ci),
	    SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_BAD);
	csr_info_clear(&ci);
	free(huge);

	/* An embedded NUL would truncate the comparison: refused. */
	assert_int_equal(parse_challenge(V_ASN1_UTF8STRING, "ab\0cd", 5,
	    &ci), SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_BAD);
	csr_info_clear(&ci);
}

static void
test_challenge_empty(void **state)
{
	struct csr_info ci;

	/* LEG-17: an empty challengePassword is no challengePassword. */
	assert_int_equal(parse_challenge(V_ASN1_PRINTABLESTRING, "", 0, &ci),
	    SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_NONE);
	assert_int_equal(ci.challengesz, 0);
	csr_info_clear(&ci);
}

static void
test_bad_signature(void **state)
{
	struct csr_info	 ci;
	X509_REQ	*req;
	unsigned char	*der;
	size_t		 n;

	assert_non_null(req = tu_req_new(rsa, "dev"));
	assert_non_null(der = tu_req_sign(req, rsa, EVP_sha256(), &n));
	X509_REQ_free(req);
	/* The signature BIT STRING is the last thing in the DER. */
	der[n - 1] ^= 0x01;
	assert_int_equal(csr_parse(der, n, &ci), SCEP_FAIL_BADREQUEST);
	assert_non_null(ci.why);
	csr_info_clear(&ci);
	der[n - 1] ^= 0x01;
	assert_int_equal(csr_parse(der, n, &ci), SCEP_OK);
	csr_info_clear(&ci);
	free(der);

	/* A request signed by another key than the one it holds. */
	assert_non_null(req = tu_req_new(rsa, "dev"));
	assert_int_equal(sign_parse(req, ec256, EVP_sha256(), &ci),
	    SCEP_FAIL_BADREQUEST);
	csr_info_clear(&ci);
}

/*
 * OpenSSL 3.0 signs with MD5 at the default security level (the level
 * limits TLS, not EVP_DigestSign).  Should a build refuse, relabel a
 * SHA-256 signature as md5WithRSAEncryption instead: csr.c looks at the
 * algorithm before it verifies, so the expected answer is the same.
 */
static void
test_md5(void **state)
{
	struct csr_info	 ci;
	X509_REQ	*req;
	X509_ALGOR	*alg;
	const X509_ALGOR *calg;
	unsigned char	*der = NULL, *copy;
	size_t		 n;
	int		 len;

	assert_non_null(req = tu_req_new(rsa, "md5"));
	if ((der = tu_req_sign(req, rsa, EVP_md5(), &n)) == NULL) {
		ERR_clear_error();
		assert_non_null(der = tu_req_sign(req, rsa, EVP_sha256(),
		    &n));
		free(der);
		X509_REQ_get0_signature(req, NULL, &calg);
		alg = (X509_ALGOR *)calg;
		assert_true(X509_ALGOR_set0(alg,
		    OBJ_nid2obj(NID_md5WithRSAEncryption), V_ASN1_NULL, NULL));
		der = NULL;
		assert_true((len = i2d_X509_REQ(req, &der)) > 0);
		assert_non_null(copy = malloc((size_t)len));
		memcpy(copy, der, (size_t)len);
		OPENSSL_free(der);
		der = copy;
		n = (size_t)len;
	}
	X509_REQ_free(req);
	assert_int_equal(csr_parse(der, n, &ci), SCEP_FAIL_BADALG);
	assert_non_null(ci.why);
	csr_info_clear(&ci);
	free(der);
}

static void
test_garbage(void **state)
{
	struct csr_info	 ci;
	X509_REQ	*req;
	unsigned char	*der, *longer, junk[512];
	size_t		 n, i;

	assert_non_null(req = tu_req_new(ec256, "dev"));
	assert_non_null(der = tu_req_sign(req, ec256, EVP_sha256(), &n));
	X509_REQ_free(req);

	/* Trailing bytes after a valid request. */
	assert_non_null(longer = malloc(n + 1));
	memcpy(longer, der, n);
	longer[n] = 0x00;
	assert_int_equal(csr_parse(longer, n + 1, &ci), SCEP_FAIL_BADREQUEST);
	csr_info_clear(&ci);
	free(longer);

	/* Every truncation. */
	for (i = 0; i < n; i++) {
		assert_int_equal(csr_parse(der, i, &ci), SCEP_FAIL_BADREQUEST);
		csr_info_clear(&ci);
	}
	free(der);

	assert_int_equal(csr_parse((const unsigned char *)"", 0, &ci),
	    SCEP_FAIL_BADREQUEST);
	csr_info_clear(&ci);
	for (i = 0; i < 32; i++) {
		tu_fill(junk, sizeof(junk), (uint32_t)i);
		junk[0] = 0x30;		/* look like a SEQUENCE, at least */
		assert_int_equal(csr_parse(junk, sizeof(junk), &ci),
		    SCEP_FAIL_BADREQUEST);
		csr_info_clear(&ci);
	}
}

/* x509_kid() agrees with the CSR's kid for the same key. */
static void
test_cert_kid(void **state)
{
	struct csr_info	 ci;
	X509		*x;
	unsigned char	 kid[CSR_KID_LEN];

	assert_non_null(x = tu_cert_self(ec256, "kid", 0));
	assert_int_equal(x509_kid(x, kid), 0);
	assert_int_equal(sign_parse(tu_req_new(ec256, "kid"), ec256,
	    EVP_sha256(), &ci), SCEP_OK);
	assert_memory_equal(kid, ci.kid, CSR_KID_LEN);
	csr_info_clear(&ci);
	X509_free(x);
}

/*
 * csr_parse_known(): a CSR over the known key is checked with that key
 * (a bad signature still fails) and reads as csr_parse() reads it; a
 * CSR over another key is decoded as usual.
 */
static void
test_known_key(void **state)
{
	struct csr_info	 a, b;
	X509		*x;
	X509_REQ	*req;
	unsigned char	 kid[CSR_KID_LEN], *der;
	size_t		 n;

	assert_non_null(x = tu_cert_self(rsa, "known", 0));
	assert_int_equal(x509_kid(x, kid), 0);
	assert_non_null(req = tu_req_new(rsa, "known"));
	assert_true(tu_req_add_san(req, "DNS:known.example"));
	assert_non_null(der = tu_req_sign(req, rsa, EVP_sha256(), &n));
	X509_REQ_free(req);

	assert_int_equal(csr_parse(der, n, &a), SCEP_OK);
	assert_int_equal(csr_parse_known(der, n, kid, X509_get0_pubkey(x),
	    &b), SCEP_OK);
	assert_memory_equal(a.kid, kid, CSR_KID_LEN);
	assert_memory_equal(b.kid, kid, CSR_KID_LEN);
	assert_string_equal(a.subject_txt, b.subject_txt);
	assert_int_equal(a.key, b.key);
	assert_int_equal(a.key_bits, b.key_bits);
	assert_int_equal(a.sansz, b.sansz);
	assert_memory_equal(a.san, b.san, a.sansz);
	csr_info_clear(&a);
	csr_info_clear(&b);

	der[n - 1] ^= 0x01;
	assert_int_equal(csr_parse_known(der, n, kid, X509_get0_pubkey(x),
	    &b), SCEP_FAIL_BADREQUEST);
	csr_info_clear(&b);
	free(der);

	/* Another key than the known one: decoded, and still checked. */
	assert_int_equal(x509_kid(x, kid), 0);
	assert_non_null(req = tu_req_new(ec256, "other"));
	assert_non_null(der = tu_req_sign(req, ec256, EVP_sha256(), &n));
	X509_REQ_free(req);
	assert_int_equal(csr_parse_known(der, n, kid, X509_get0_pubkey(x),
	    &b), SCEP_OK);
	assert_int_equal(b.key, CSR_KEY_EC_P256);
	assert_memory_not_equal(b.kid, kid, CSR_KID_LEN);
	csr_info_clear(&b);
	free(der);
	X509_free(x);
}

/* Microsoft's older extensionRequest OID carries the SAN too. */
static void
test_ms_ext_req(void **state)
{
	struct csr_info			 ci;
	X509_REQ			*req;
	X509_EXTENSION			*e;
	STACK_OF(X509_EXTENSION)	*exts;

	assert_non_null(req = tu_req_new(rsa, "ms"));
	assert_non_null(e = X509V3_EXT_conf_nid(NULL, NULL,
	    NID_subject_alt_name, "DNS:ms.example"));
	assert_non_null(exts = sk_X509_EXTENSION_new_null());
	assert_true(sk_X509_EXTENSION_push(exts, e));
	assert_true(X509_REQ_add_extensions_nid(req, exts, NID_ms_ext_req));
	assert_int_equal(sign_parse(req, rsa, EVP_sha256(), &ci), SCEP_OK);
	assert_non_null(ci.san);
	assert_int_equal(ci.sansz, ASN1_STRING_length(
	    X509_EXTENSION_get_data(e)));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	csr_info_clear(&ci);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_fields),
		cmocka_unit_test(test_ec_fields),
		cmocka_unit_test(test_other_key_types),
		cmocka_unit_test(test_empty_subject),
		cmocka_unit_test(test_san),
		cmocka_unit_test(test_other_extensions),
		cmocka_unit_test(test_two_sans),
		cmocka_unit_test(test_challenge_types),
		cmocka_unit_test(test_challenge_bad),
		cmocka_unit_test(test_challenge_empty),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_md5),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_cert_kid),
		cmocka_unit_test(test_known_key),
		cmocka_unit_test(test_ms_ext_req),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
