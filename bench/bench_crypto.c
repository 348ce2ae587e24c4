/*	SPDX-License-Identifier: ISC */
/*
 * bench_crypto.c: the cryptography of scepbench.  Builds PKCSReq
 * pkiMessages (RFC 8894 3.2, 3.3.1: a self-signed signer over the CSR
 * key, the CSR in an EnvelopedData to the CA), checks CertReps (3.3.2,
 * 3.4) and measures this machine's RSA private operations.
 * Uses OpenSSL only.  Runs outside the timed phases, so it favours
 * plain code over speed.
 */
#include <err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "bench.h"

static const char *const bench_oid_txt[BENCH_OID__MAX] = {
	[BENCH_OID_MESSAGETYPE] = "2.16.840.1.113733.1.9.2",
	[BENCH_OID_PKISTATUS] = "2.16.840.1.113733.1.9.3",
	[BENCH_OID_FAILINFO] = "2.16.840.1.113733.1.9.4",
	[BENCH_OID_SENDERNONCE] = "2.16.840.1.113733.1.9.5",
	[BENCH_OID_RECIPIENTNONCE] = "2.16.840.1.113733.1.9.6",
	[BENCH_OID_TRANSACTIONID] = "2.16.840.1.113733.1.9.7",
};

/* Our names of digests and ciphers, and OpenSSL's. */
static const char *const bench_algs[][2] = {
	{ "sha1", "SHA1" }, { "sha256", "SHA256" }, { "sha512", "SHA512" },
	{ "aes128", "AES-128-CBC" }, { "aes192", "AES-192-CBC" },
	{ "aes256", "AES-256-CBC" }, { "des3", "DES-EDE3-CBC" },
};

static void bench_crypto_warnx(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/* Warn, then empty this thread's OpenSSL error queue after it. */
static void
bench_crypto_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	ERR_print_errors_fp(stderr);
}

static const char *
bench_alg(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(bench_algs) / sizeof(bench_algs[0]); i++)
		if (strcmp(bench_algs[i][0], name) == 0)
			return bench_algs[i][1];
	return name;
}

/* Upper-case hex of "n" bytes into "out" (2 * n + 1 bytes). */
static int
bench_hex(const unsigned char *p, size_t n, char *out)
{
	return OPENSSL_buf2hexstr_ex(out, 2 * n + 1, NULL, p, n, '\0') ? 0 :
	    -1;
}

static X509 *
bench_cert_load(const char *path)
{
	X509	*x = NULL;
	BIO	*b;

	if ((b = BIO_new_file(path, "r")) != NULL)
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (x == NULL)
		bench_crypto_warnx("%s: no PEM certificate", path);
	return x;
}

/* The CA, its trust store and the algorithms; keys come after. */
static int
bench_pool_base(struct bench_pool *p, const char *cacert, const char *digest,
    const char *cipher)
{
	unsigned char	*q;
	unsigned char	 r[4];
	int		 i, n;

	/*
	 * micromdm's server answers in single DES whatever the request
	 * used, and OpenSSL 3 keeps DES in its legacy provider.
	 */
	if ((p->legacy = OSSL_PROVIDER_load(NULL, "legacy")) == NULL ||
	    (p->deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
		bench_crypto_warnx("OpenSSL legacy provider");
		return -1;
	}
	for (i = 0; i < BENCH_OID__MAX; i++)
		if ((p->oid[i] = OBJ_txt2obj(bench_oid_txt[i], 1)) == NULL)
			return -1;
	if ((p->ca = bench_cert_load(cacert)) == NULL ||
	    (p->trust = X509_STORE_new()) == NULL ||
	    !X509_STORE_add_cert(p->trust, p->ca))
		return -1;
	if ((n = i2d_X509(p->ca, NULL)) <= 0 ||
	    (p->cader = q = malloc((size_t)n)) == NULL ||
	    i2d_X509(p->ca, &q) != n)
		return -1;
	p->caderlen = (size_t)n;
	if ((p->md = EVP_MD_fetch(NULL, bench_alg(digest), NULL)) == NULL) {
		bench_crypto_warnx("digest \"%s\"", digest);
		return -1;
	}
	if ((p->cipher = EVP_CIPHER_fetch(NULL, bench_alg(cipher), NULL)) ==
	    NULL) {
		bench_crypto_warnx("cipher \"%s\"", cipher);
		return -1;
	}
	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	return bench_hex(r, sizeof(r), p->tag);
}

struct bench_pool *
bench_pool_new(const char *cacert, const char *racert, int nkeys, int bits,
    const char *digest, const char *cipher, const char *challenge)
{
	struct bench_pool	*p;
	int			 i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (bench_pool_base(p, cacert, digest, cipher) == -1)
		goto err;
	if (racert != NULL && (p->ra = bench_cert_load(racert)) == NULL)
		goto err;
	if (challenge != NULL && (p->challenge = strdup(challenge)) == NULL)
		goto err;
	if ((p->keys = calloc((size_t)nkeys, sizeof(*p->keys))) == NULL)
		goto err;
	for (i = 0; i < nkeys; i++, p->nkeys++)
		if ((p->keys[i] = EVP_RSA_gen((unsigned int)bits)) == NULL) {
			bench_crypto_warnx("rsa:%d key", bits);
			goto err;
		}
	return p;
 err:
	bench_pool_free(p);
	return NULL;
}

void
bench_pool_free(struct bench_pool *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nkeys; i++)
		EVP_PKEY_free(p->keys[i]);
	free(p->keys);
	for (i = 0; i < BENCH_OID__MAX; i++)
		ASN1_OBJECT_free(p->oid[i]);
	X509_free(p->ca);
	X509_free(p->ra);
	X509_STORE_free(p->trust);
	free(p->cader);
	EVP_MD_free(p->md);
	EVP_CIPHER_free(p->cipher);
	free(p->challenge);
	if (p->legacy != NULL)
		OSSL_PROVIDER_unload(p->legacy);
	if (p->deflt != NULL)
		OSSL_PROVIDER_unload(p->deflt);
	free(p);
}

/* RFC 8894 2.3: the throwaway certificate a new client signs with. */
static X509 *
bench_selfsigned(EVP_PKEY *key, const X509_NAME *name)
{
	X509		*x;
	uint64_t	 serial;

	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1 ||
	    (x = X509_new()) == NULL)
		return NULL;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1) ||
	    !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    !X509_set_pubkey(x, key) || !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* RFC 2986 with a challengePassword (RFC 2985 5.4.1); DER length. */
static int
bench_csr(const struct bench_pool *p, EVP_PKEY *key, const X509_NAME *name,
    unsigned char **der)
{
	X509_REQ	*req;
	int		 n = -1;

	if ((req = X509_REQ_new()) == NULL)
		return -1;
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) &&
	    X509_REQ_set_subject_name(req, name) &&
	    X509_REQ_set_pubkey(req, key) &&
	    (p->challenge == NULL || X509_REQ_add1_attr_by_NID(req,
	    NID_pkcs9_challengePassword, MBSTRING_UTF8,
	    (const unsigned char *)p->challenge, -1)) &&
	    X509_REQ_sign(req, key, EVP_sha256()))
		n = i2d_X509_REQ(req, der);
	X509_REQ_free(req);
	return n;
}

/* RFC 8894 3.2.2: the pkcsPKIEnvelope to the CA; DER length. */
static int
bench_envelope(const struct bench_pool *p, const unsigned char *in, int inlen,
    unsigned char **der)
{
	CMS_ContentInfo	*cms;
	BIO		*b = NULL;
	int		 n = -1;

	if ((cms = CMS_encrypt(NULL, NULL, p->cipher, CMS_PARTIAL |
	    CMS_BINARY)) == NULL)
		return -1;
	if (CMS_add1_recipient_cert(cms, p->ra != NULL ? p->ra : p->ca, 0) !=
	    NULL &&
	    (b = BIO_new_mem_buf(in, inlen)) != NULL &&
	    CMS_final(cms, b, NULL, CMS_BINARY))
		n = i2d_CMS_ContentInfo(cms, der);
	BIO_free(b);
	CMS_ContentInfo_free(cms);
	return n;
}

static int
bench_attr(const struct bench_pool *p, CMS_SignerInfo *si, enum bench_oid o,
    int type, const void *v, int len)
{
	return CMS_signed_add1_attr_by_OBJ(si, p->oid[o], type, v, len);
}

/* RFC 8894 3.2: SignedData over the envelope, with 3.2.1's attributes. */
static int
bench_sign(const struct bench_pool *p, struct bench_msg *m,
    const unsigned char *env, int envlen)
{
	CMS_ContentInfo	*cms;
	CMS_SignerInfo	*si;
	BIO		*b = NULL;
	unsigned char	*der = NULL;
	int		 n = -1;

	if ((cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL |
	    CMS_BINARY)) == NULL)
		return -1;
	if ((si = CMS_add1_signer(cms, m->signer, m->key, p->md,
	    CMS_NOSMIMECAP)) != NULL &&
	    bench_attr(p, si, BENCH_OID_MESSAGETYPE, V_ASN1_PRINTABLESTRING,
	    "19", 2) &&
	    bench_attr(p, si, BENCH_OID_TRANSACTIONID, V_ASN1_PRINTABLESTRING,
	    m->txid, BENCH_TXID_LEN) &&
	    bench_attr(p, si, BENCH_OID_SENDERNONCE, V_ASN1_OCTET_STRING,
	    m->nonce, BENCH_NONCE_LEN) &&
	    (b = BIO_new_mem_buf(env, envlen)) != NULL &&
	    CMS_final(cms, b, NULL, CMS_BINARY) &&
	    (n = i2d_CMS_ContentInfo(cms, &der)) > 0 &&
	    (m->der = malloc((size_t)n)) != NULL) {
		memcpy(m->der, der, (size_t)n);
		m->dersz = (size_t)n;
	} else
		n = -1;
	OPENSSL_free(der);
	BIO_free(b);
	CMS_ContentInfo_free(cms);
	return n > 0 ? 0 : -1;
}

int
bench_msg_build(const struct bench_pool *p, size_t i, struct bench_msg *m)
{
	X509_NAME	*name = NULL;
	unsigned char	 r[BENCH_TXID_LEN / 2];
	unsigned char	*csr = NULL, *env = NULL;
	char		 cn[64];
	int		 csrlen, envlen, rc = -1;

	memset(m, 0, sizeof(*m));
	m->key = p->keys[i % (size_t)p->nkeys];
	if (RAND_bytes(r, sizeof(r)) != 1 ||
	    RAND_bytes(m->nonce, sizeof(m->nonce)) != 1 ||
	    bench_hex(r, sizeof(r), m->txid) == -1)
		goto out;
	/* A subject of its own: no policy may see a repeat. */
	snprintf(cn, sizeof(cn), "scepbench %s %zu", p->tag, i);
	if ((name = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    (m->signer = bench_selfsigned(m->key, name)) == NULL ||
	    (csrlen = bench_csr(p, m->key, name, &csr)) <= 0 ||
	    (envlen = bench_envelope(p, csr, csrlen, &env)) <= 0 ||
	    bench_sign(p, m, env, envlen) == -1)
		goto out;
	rc = 0;
 out:
	if (rc == -1) {
		bench_crypto_warnx("cannot build PKCSReq %zu", i);
		bench_msg_clear(m);
	}
	OPENSSL_free(csr);
	OPENSSL_free(env);
	X509_NAME_free(name);
	return rc;
}

void
bench_msg_clear(struct bench_msg *m)
{
	free(m->der);
	X509_free(m->signer);
	memset(m, 0, sizeof(*m));
}

/* The single value of signed attribute "o", of ASN.1 type "type". */
static const ASN1_STRING *
bench_rep_attr(const struct bench_pool *p, CMS_SignerInfo *si,
    enum bench_oid o, int type)
{
	return CMS_signed_get0_data_by_OBJ(si, p->oid[o], -3, type);
}

static int
bench_str_eq(const ASN1_STRING *s, const void *v, size_t n)
{
	return s != NULL && (size_t)ASN1_STRING_length(s) == n &&
	    memcmp(ASN1_STRING_get0_data(s), v, n) == 0;
}

/* RFC 8894 3.2.1: a CertRep, SUCCESS, to our nonce and transaction. */
static int
bench_rep_attrs(const struct bench_pool *p, const struct bench_msg *m,
    CMS_SignerInfo *si)
{
	const ASN1_STRING *s, *fi;

	if (!bench_str_eq(bench_rep_attr(p, si, BENCH_OID_MESSAGETYPE,
	    V_ASN1_PRINTABLESTRING), "3", 1))
		warnx("%s: messageType is not CertRep", m->txid);
	else if (!bench_str_eq(s = bench_rep_attr(p, si, BENCH_OID_PKISTATUS,
	    V_ASN1_PRINTABLESTRING), "0", 1)) {
		fi = bench_rep_attr(p, si, BENCH_OID_FAILINFO,
		    V_ASN1_PRINTABLESTRING);
		warnx("%s: pkiStatus %.*s, failInfo %.*s, not SUCCESS",
		    m->txid, s ? ASN1_STRING_length(s) : 1,
		    s ? (const char *)ASN1_STRING_get0_data(s) : "-",
		    fi ? ASN1_STRING_length(fi) : 1,
		    fi ? (const char *)ASN1_STRING_get0_data(fi) : "-");
	}
	else if (!bench_str_eq(bench_rep_attr(p, si, BENCH_OID_TRANSACTIONID,
	    V_ASN1_PRINTABLESTRING), m->txid, BENCH_TXID_LEN))
		warnx("%s: transactionID differs", m->txid);
	else if (!bench_str_eq(bench_rep_attr(p, si,
	    BENCH_OID_RECIPIENTNONCE, V_ASN1_OCTET_STRING), m->nonce,
	    BENCH_NONCE_LEN))
		warnx("%s: recipientNonce is not our senderNonce", m->txid);
	/*
	 * RFC 8894 3.2.1.5 wants a fresh senderNonce, but micromdm's
	 * server echoes the client's: only its presence is checked, so
	 * that both servers are measured on the same work.
	 */
	else if ((s = bench_rep_attr(p, si, BENCH_OID_SENDERNONCE,
	    V_ASN1_OCTET_STRING)) == NULL || ASN1_STRING_length(s) <= 0)
		warnx("%s: no senderNonce", m->txid);
	else
		return 0;
	return -1;
}

/* The reply signed by the CA (or RA) key: its eContent into "content". */
static int
bench_rep_verify(const struct bench_pool *p, const struct bench_msg *m,
    CMS_ContentInfo *cms, BIO *content)
{
	STACK_OF(CMS_SignerInfo)	*sis = CMS_get0_SignerInfos(cms);
	STACK_OF(X509)			*one;
	int				 ok;

	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    sk_CMS_SignerInfo_num(sis) != 1) {
		warnx("%s: not a SignedData with one SignerInfo", m->txid);
		return -1;
	}
	if ((one = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(one, p->ra != NULL ? p->ra : p->ca)) {
		sk_X509_free(one);
		return -1;
	}
	ok = CMS_verify(cms, one, NULL, NULL, content, CMS_NOINTERN |
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) > 0;
	sk_X509_free(one);
	if (!ok) {
		bench_crypto_warnx("%s: CertRep not signed by the CA", m->txid);
		return -1;
	}
	return bench_rep_attrs(p, m, sk_CMS_SignerInfo_value(sis, 0));
}

/* The pkcsPKIEnvelope opened with our key: a certs-only SignedData. */
static STACK_OF(X509) *
bench_rep_open(const struct bench_msg *m, BIO *content)
{
	CMS_ContentInfo	*env = NULL, *inner = NULL;
	STACK_OF(X509)	*certs = NULL;
	BIO		*plain = NULL;

	if ((env = d2i_CMS_bio(content, NULL)) == NULL ||
	    (plain = BIO_new(BIO_s_mem())) == NULL ||
	    CMS_decrypt(env, m->key, m->signer, NULL, plain,
	    CMS_BINARY) <= 0) {
		bench_crypto_warnx("%s: cannot open the envelope", m->txid);
		goto out;
	}
	if ((inner = d2i_CMS_bio(plain, NULL)) == NULL ||
	    (certs = CMS_get1_certs(inner)) == NULL ||
	    sk_X509_num(certs) < 1) {
		bench_crypto_warnx("%s: no certificate inside", m->txid);
		sk_X509_pop_free(certs, X509_free);
		certs = NULL;
	}
 out:
	BIO_free(plain);
	CMS_ContentInfo_free(env);
	CMS_ContentInfo_free(inner);
	return certs;
}

/* Over our key, chaining to the CA; its serial as hex. */
static int
bench_rep_cert(const struct bench_pool *p, const struct bench_msg *m,
    X509 *x, char *serial)
{
	X509_STORE_CTX	*ctx;
	BIGNUM		*bn;
	char		*hex = NULL;
	int		 ok;

	if (EVP_PKEY_eq(X509_get0_pubkey(x), m->key) != 1) {
		warnx("%s: certificate is not over the CSR key", m->txid);
		return -1;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return -1;
	ok = X509_STORE_CTX_init(ctx, p->trust, x, NULL) &&
	    X509_verify_cert(ctx) == 1;
	if (!ok)
		warnx("%s: certificate does not chain to the CA: %s", m->txid,
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	if (!ok)
		return -1;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL || (hex = BN_bn2hex(bn)) == NULL ||
	    strlen(hex) > BENCH_SERIAL_MAX)
		ok = 0;
	else
		snprintf(serial, BENCH_SERIAL_MAX + 1, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	return ok ? 0 : -1;
}

int
bench_rep_check(const struct bench_pool *p, const struct bench_msg *m,
    const unsigned char *rep, size_t repsz, char serial[BENCH_SERIAL_MAX + 1])
{
	CMS_ContentInfo		*cms = NULL;
	STACK_OF(X509)		*certs = NULL;
	BIO			*content = NULL;
	const unsigned char	*q = rep;
	int			 rc = -1;

	serial[0] = '\0';
	if ((cms = d2i_CMS_ContentInfo(NULL, &q, (long)repsz)) == NULL ||
	    q != rep + repsz) {
		bench_crypto_warnx("%s: reply is not one ContentInfo", m->txid);
		goto out;
	}
	if ((content = BIO_new(BIO_s_mem())) == NULL ||
	    bench_rep_verify(p, m, cms, content) == -1 ||
	    (certs = bench_rep_open(m, content)) == NULL ||
	    bench_rep_cert(p, m, sk_X509_value(certs, 0), serial) == -1)
		goto out;
	rc = 0;
 out:
	ERR_clear_error();
	sk_X509_pop_free(certs, X509_free);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	return rc;
}

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * What "openssl speed rsa" measures: PKCS#1 v1.5 signatures of a
 * SHA-256 digest through one prepared context, on this thread.
 */
double
bench_rsa_speed(int bits, double secs)
{
	EVP_PKEY	*key = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	unsigned char	 tbs[32] = { 1 }, sig[1024];
	size_t		 siglen;
	double		 t0, t = 0, ops = -1;
	long		 n = 0;

	if ((key = EVP_RSA_gen((unsigned int)bits)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0)
		goto out;
	t0 = bench_now();
	do {
		siglen = sizeof(sig);
		if (EVP_PKEY_sign(ctx, sig, &siglen, tbs, sizeof(tbs)) <= 0)
			goto out;
		if (++n % 16 == 0)
			t = bench_now() - t0;
	} while (t < secs);
	ops = (double)n / t;
 out:
	if (ops < 0)
		bench_crypto_warnx("rsa:%d speed", bits);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ops;
}

/*
 * What OpenSSL charges, on this thread, to read one X.509 certificate
 * with an RSA key of "bits" (d2i_X509, then free) and to check one
 * signature with such a key, in microseconds.  Every PKCSReq carries
 * its signer's certificate and needs at least three public-key
 * operations (its signature, the CSR's, the reply's envelope), so no
 * server built on this OpenSSL spends less beside the private-key work.
 * OpenSSL 3.0 runs its DECODER for the key inside a certificate
 * (openssl/openssl #17950; 3.2 caches decoders).  0, or -1.
 */
int
bench_x509_costs(int bits, double secs, double *parse_us, double *verify_us)
{
	EVP_PKEY		*key = NULL;
	X509_NAME		*name = NULL;
	X509			*x = NULL, *y;
	unsigned char		*der = NULL;
	const unsigned char	*q;
	double			 t0, t = 0;
	long			 n = 0;
	int			 len, rc = -1;

	if ((key = EVP_RSA_gen((unsigned int)bits)) == NULL ||
	    (name = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"scepbench parse", -1, -1, 0) ||
	    (x = bench_selfsigned(key, name)) == NULL ||
	    (len = i2d_X509(x, &der)) <= 0)
		goto out;
	t0 = bench_now();
	do {
		q = der;
		if ((y = d2i_X509(NULL, &q, len)) == NULL)
			goto out;
		X509_free(y);
		if (++n % 16 == 0)
			t = bench_now() - t0;
	} while (t < secs);
	*parse_us = t * 1e6 / (double)n;
	/* One RSA public operation: the certificate's own signature. */
	n = 0;
	t = 0;
	t0 = bench_now();
	do {
		if (X509_verify(x, key) != 1)
			goto out;
		if (++n % 16 == 0)
			t = bench_now() - t0;
	} while (t < secs);
	*verify_us = t * 1e6 / (double)n;
	rc = 0;
 out:
	if (rc == -1)
		bench_crypto_warnx("x509 parse and verify");
	OPENSSL_free(der);
	X509_free(x);
	X509_NAME_free(name);
	EVP_PKEY_free(key);
	return rc;
}
