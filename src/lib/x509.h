/*	SPDX-License-Identifier: ISC */
/*
 * x509.h: the X.509 and ASN.1 helpers every layer shares, written once:
 * DER out of any OpenSSL object, serials and names as scepd stores and
 * logs them, times, key identifiers, decoding stored certificates and
 * CRLs, and the checks the engine asks about a signer certificate.
 *
 * OpenSSL's objects appear here only as incomplete struct types (their
 * own tags, so an X509 * is a struct x509_st *): a plain-C layer such as
 * enroll/ may hold and pass them, and free them through this file, but
 * cannot look inside or call libcrypto, because it includes no OpenSSL
 * header.  x509.c is the only file that implements these with libcrypto.
 */
#ifndef SCEPD_X509_H
#define SCEPD_X509_H

#include <stddef.h>
#include <stdint.h>

struct x509_st;			/* X509 */
struct X509_crl_st;		/* X509_CRL */
struct X509_name_st;		/* X509_NAME */
struct asn1_string_st;		/* ASN1_INTEGER, ASN1_TIME, ... */
struct asn1_object_st;		/* ASN1_OBJECT */
struct X509_algor_st;		/* X509_ALGOR */
struct x509_store_st;		/* X509_STORE: a trust store */
struct stack_st_X509;		/* STACK_OF(X509) */
struct evp_pkey_st;		/* EVP_PKEY */
struct evp_md_st;		/* EVP_MD */
struct evp_cipher_st;		/* EVP_CIPHER */
struct CMS_ContentInfo_st;	/* CMS_ContentInfo */

#define X509_KID_LEN	32	/* SHA-256 of a SubjectPublicKeyInfo */

/*
 * DER of "obj" through its i2d function into a malloc'd buffer (free()
 * it): OpenSSL encodes once into its own allocation, which is copied,
 * because OpenSSL's allocator need not be malloc.  0, or -1 with *out
 * NULL.  Use the macro, which casts the i2d function for any type.
 */
int	 x509_der_take(const void *obj,
	    int (*i2d)(const void *, unsigned char **), unsigned char **out,
	    size_t *outsz);
#define x509_i2d(fn, obj, outp, outszp)					\
	x509_der_take((obj), (int (*)(const void *, unsigned char **))(fn), \
	    (outp), (outszp))
/* A buffer OpenSSL allocated, "n" bytes (n <= 0: failed), as malloc'd. */
unsigned char	*x509_der_copy(unsigned char *ossl, int n, size_t *len);

/* A serial number as scepd stores it: upper-case hex, no sign. 0/-1. */
int	 x509_serial_hex(const struct asn1_string_st *, char *, size_t);
/* The same of a certificate's serial. */
int	 x509_cert_serial(const struct x509_st *, char *, size_t);
/* A Name as RFC 2253 text (malloc'd), as logs and the store spell it. */
char	*x509_name_txt(const struct X509_name_st *);
/* A certificate's subject as RFC 2253 text (malloc'd), or NULL. */
char	*x509_subject_txt(const struct x509_st *);
/* A certificate's subject as DER (malloc'd). 0/-1. */
int	 x509_subject_der(const struct x509_st *, unsigned char **, size_t *);
/* Does the Name equal the certificate's subject (X509_NAME_cmp)? */
int	 x509_subject_is(const struct x509_st *, const struct X509_name_st *);
/* Do the two certificates have the same subject? */
int	 x509_same_subject(const struct x509_st *, const struct x509_st *);
/* Unix seconds of an ASN1_TIME, 0 if it cannot be read. */
int64_t	 x509_time(const struct asn1_string_st *);
int64_t	 x509_not_before(const struct x509_st *);
int64_t	 x509_not_after(const struct x509_st *);
/*
 * SHA-256 of the certificate's SubjectPublicKeyInfo (X509_KID_LEN
 * bytes), hashed as parsed: re-encoding the key costs OpenSSL 3.0 its
 * ENCODER framework, about 65 us a call.
 */
int	 x509_kid(const struct x509_st *, unsigned char *);
/* The certificate's public key, decoded with it (not the caller's). */
struct evp_pkey_st *x509_pubkey(const struct x509_st *);
/* Is the certificate's key RSA (so that key transport can reach it)? */
int	 x509_key_is_rsa(const struct x509_st *);

/*
 * Self-issued by names and key identifiers only, not by checking the
 * self-signature: a self-signed SCEP signer is trusted for nothing but
 * holding its key, which the request's own signature already proves.
 */
int	 x509_self_issued(const struct x509_st *);
/* Could "issuer" have issued "x" (names, key identifiers, usage)? */
int	 x509_issued_by(const struct x509_st *issuer, const struct x509_st *x);
/*
 * Does "x" verify against "trust" now?  0 yes; -1 no, with *expired set
 * when the reason is an expired certificate.  The OpenSSL error queue
 * is cleared: a failed check is an answer, not an error.
 */
int	 x509_verify(struct x509_store_st *trust, struct x509_st *x,
	    int *expired);

/* Stored DER back into objects; NULL if it does not parse exactly. */
struct x509_st		*x509_from_der(const unsigned char *, size_t);
struct X509_crl_st	*x509_crl_from_der(const unsigned char *, size_t);
void	 x509_free(struct x509_st *);		/* NULL is fine */
void	 x509_crl_free(struct X509_crl_st *);	/* NULL is fine */
void	 x509_name_free(struct X509_name_st *);	/* NULL is fine */

/* Issue #16 (Intune): what a successNotification says of a certificate. */
char	*x509_issuer_txt(const struct x509_st *);	/* RFC 2253, malloc'd */
/* SHA-1 of "der", 40 upper-case hex digits and a NUL into "hex". 0/-1. */
int	 x509_thumbprint(const unsigned char *der, size_t n, char *hex);

#endif
