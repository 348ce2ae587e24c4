/*	SPDX-License-Identifier: ISC */
/*
 * x509.c: the X.509 and ASN.1 helpers of x509.h, over libcrypto.
 * RFC 5280 4.1.2.2 (serials), 4.1.2.5 (times); RFC 4514/2253 (names).
 *
 * Uses OpenSSL and log.c only; holds no key and decides nothing.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509.h"

int
x509_der_take(const void *obj, int (*i2d)(const void *, unsigned char **),
    unsigned char **out, size_t *outsz)
{
	unsigned char	*ossl = NULL;
	int		 n;

	*out = NULL;
	if (obj == NULL)
		return -1;
	n = i2d(obj, &ossl);	/* before reading "ossl": it sets it */
	*out = x509_der_copy(ossl, n, outsz);
	return *out == NULL ? -1 : 0;
}

unsigned char *
x509_der_copy(unsigned char *ossl, int n, size_t *len)
{
	unsigned char	*p = NULL;

	if (n > 0 && (p = malloc((size_t)n)) != NULL) {
		memcpy(p, ossl, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(ossl);
	return p;
}

int
x509_serial_hex(const ASN1_INTEGER *ai, char *out, size_t sz)
{
	BIGNUM	*bn;
	char	*hex = NULL;
	int	 rc = -1;

	if ((bn = ASN1_INTEGER_to_BN(ai, NULL)) != NULL &&
	    !BN_is_negative(bn) && (hex = BN_bn2hex(bn)) != NULL &&
	    strlen(hex) < sz) {
		memcpy(out, hex, strlen(hex) + 1);
		rc = 0;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return rc;
}

int
x509_cert_serial(const X509 *x, char *out, size_t sz)
{
	return x509_serial_hex(X509_get0_serialNumber(x), out, sz);
}

char *
x509_name_txt(const X509_NAME *name)
{
	BIO	*b;
	char	*p, *s = NULL;
	long	 n;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) >= 0)
		s = strndup(n > 0 ? p : "", (size_t)n);
	BIO_free(b);
	return s;
}

char *
x509_subject_txt(const X509 *x)
{
	return x509_name_txt(X509_get_subject_name(x));
}

int
x509_subject_der(const X509 *x, unsigned char **out, size_t *outsz)
{
	return x509_i2d(i2d_X509_NAME, X509_get_subject_name(x), out, outsz);
}

int
x509_subject_is(const X509 *x, const X509_NAME *name)
{
	return X509_NAME_cmp(X509_get_subject_name(x), name) == 0;
}

int
x509_same_subject(const X509 *a, const X509 *b)
{
	return X509_NAME_cmp(X509_get_subject_name(a),
	    X509_get_subject_name(b)) == 0;
}

int64_t
x509_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

int64_t
x509_not_before(const X509 *x)
{
	return x509_time(X509_get0_notBefore(x));
}

int64_t
x509_not_after(const X509 *x)
{
	return x509_time(X509_get0_notAfter(x));
}

int
x509_kid(const X509 *x, unsigned char *kid)
{
	unsigned char	*spki = NULL;
	size_t		 n;
	int		 rc;

	/* The SubjectPublicKeyInfo as parsed, not i2d_PUBKEY(). */
	if (x509_i2d(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(x), &spki, &n) ==
	    -1)
		return -1;
	rc = EVP_Digest(spki, n, kid, NULL, EVP_sha256(), NULL) ? 0 : -1;
	free(spki);
	return rc;
}

EVP_PKEY *
x509_pubkey(const X509 *x)
{
	return X509_get0_pubkey(x);
}

int
x509_key_is_rsa(const X509 *x)
{
	return EVP_PKEY_get_base_id(X509_get0_pubkey(x)) == EVP_PKEY_RSA;
}

int
x509_self_issued(const X509 *x)
{
	int ok;

	ok = X509_self_signed((X509 *)x, 0) == 1;
	ERR_clear_error();
	return ok;
}

int
x509_issued_by(const X509 *issuer, const X509 *x)
{
	int ok;

	ok = X509_check_issued((X509 *)issuer, (X509 *)x) == X509_V_OK;
	ERR_clear_error();
	return ok;
}

int
x509_verify(X509_STORE *trust, X509 *x, int *expired)
{
	X509_STORE_CTX	*ctx;
	int		 ok, err;

	*expired = 0;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, trust, x, NULL)) {
		X509_STORE_CTX_free(ctx);
		ERR_clear_error();
		return -1;
	}
	ok = X509_verify_cert(ctx) == 1;
	err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (ok)
		return 0;
	*expired = err == X509_V_ERR_CERT_HAS_EXPIRED;
	return -1;
}

/* Exactly one object of "n" bytes through its d2i and free functions. */
static void *
x509_d2i(const unsigned char *der, size_t n,
    void *(*d2i)(void **, const unsigned char **, long), void (*fr)(void *))
{
	const unsigned char	*p = der;
	void			*o;

	if (n > LONG_MAX)
		return NULL;
	if ((o = d2i(NULL, &p, (long)n)) != NULL && p != der + n) {
		fr(o);
		o = NULL;
	}
	return o;
}

X509 *
x509_from_der(const unsigned char *der, size_t n)
{
	return x509_d2i(der, n,
	    (void *(*)(void **, const unsigned char **, long))d2i_X509,
	    (void (*)(void *))X509_free);
}

X509_CRL *
x509_crl_from_der(const unsigned char *der, size_t n)
{
	return x509_d2i(der, n,
	    (void *(*)(void **, const unsigned char **, long))d2i_X509_CRL,
	    (void (*)(void *))X509_CRL_free);
}

void
x509_free(X509 *x)
{
	X509_free(x);
}

void
x509_crl_free(X509_CRL *crl)
{
	X509_CRL_free(crl);
}

void
x509_name_free(X509_NAME *name)
{
	X509_NAME_free(name);
}

/* A certificate's issuer as RFC 2253 text (malloc'd), or NULL. */
char *
x509_issuer_txt(const X509 *x)
{
	return x509_name_txt(X509_get_issuer_name(x));
}

/*
 * SHA-1 of "der" as 40 upper-case hex digits and a NUL: the
 * "thumbprint" Windows and Intune name a certificate by.
 */
int
x509_thumbprint(const unsigned char *der, size_t n, char *hex)
{
	static const char	 digits[] = "0123456789ABCDEF";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdsz = 0, i;

	if (!EVP_Digest(der, n, md, &mdsz, EVP_sha1(), NULL) || mdsz != 20) {
		ERR_clear_error();
		return -1;
	}
	for (i = 0; i < mdsz; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[2 * mdsz] = '\0';
	return 0;
}
