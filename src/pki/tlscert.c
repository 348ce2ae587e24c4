/*	SPDX-License-Identifier: ISC */
/*
 * tlscert.c: a self-signed server certificate for the admin listener
 * (issue #11 item 2).  ECDSA P-256: every TLS 1.2 and 1.3 client takes
 * it, and it is cheap to handshake with.  Its names are the loopback
 * ones, as the admin listener is on loopback unless an operator moves
 * it (and then brings a certificate of their own).  Nothing here is a
 * CA key: it is the listener's, and it never signs anything else.
 * Uses OpenSSL, util.c and log.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tlscert.h"
#include "util.h"

/* RFC 5280 4.1.2.2: positive, at most 20 bytes. */
#define TLSCERT_SERIAL_BYTES	16

/* Each extension: RFC 5280 4.2, what a TLS server certificate needs. */
static const struct {
	int		 nid;
	const char	*value;
} tlscert_exts[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "serverAuth" },
	{ NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1" },
	{ NID_subject_key_identifier, "hash" },
};

static void
tlscert_fp(X509 *x, char fp[TLSCERT_FP_LEN])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, i;
	size_t		 off = 0;

	fp[0] = '\0';
	if (!X509_digest(x, EVP_sha256(), md, &n))
		return;
	for (i = 0; i < n && off + 3 < TLSCERT_FP_LEN; i++)
		off += (size_t)snprintf(fp + off, TLSCERT_FP_LEN - off,
		    "%s%02X", i ? ":" : "", md[i]);
}

static X509 *
tlscert_sign(EVP_PKEY *key, int days)
{
	X509		*x;
	X509V3_CTX	 ctx;
	X509_EXTENSION	*e;
	unsigned char	 sn[TLSCERT_SERIAL_BYTES];
	BIGNUM		*bn = NULL;
	size_t		 i;
	int		 ok;

	if ((x = X509_new()) == NULL)
		return NULL;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ok = rand_bytes(sn, sizeof(sn)) == 0;
	sn[0] &= 0x7f;
	ok = ok && (bn = BN_bin2bn(sn, sizeof(sn), NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	    X509_set_version(x, X509_VERSION_3) &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_UTF8, (const unsigned char *)"localhost", -1, -1, 0) &&
	    X509_set_issuer_name(x, X509_get_subject_name(x)) &&
	    X509_set_pubkey(x, key) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -300) &&
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL);
	BN_free(bn);
	for (i = 0; ok && i < sizeof(tlscert_exts) / sizeof(tlscert_exts[0]);
	    i++) {
		e = X509V3_EXT_conf_nid(NULL, &ctx, tlscert_exts[i].nid,
		    tlscert_exts[i].value);
		ok = e != NULL && X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (!ok || X509_sign(x, key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Key or certificate as PEM into a new file of "mode". */
static int
tlscert_write(const char *path, EVP_PKEY *key, X509 *x, int mode)
{
	BIO	*b;
	char	*p;
	long	 n;
	int	 rc = -1;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if ((key != NULL ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0,
	    NULL, NULL) : PEM_write_bio_X509(b, x)) &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		rc = file_write_new(path, p, (size_t)n, mode);
	if (rc == -1)
		log_warn("%s", path);
	BIO_free(b);
	return rc;
}

int
tlscert_create(const char *certpath, const char *keypath, int days,
    char fp[TLSCERT_FP_LEN])
{
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	int		 rc = -1;

	if ((key = EVP_EC_gen("P-256")) == NULL ||
	    (x = tlscert_sign(key, days)) == NULL) {
		log_crypto("cannot make the admin TLS certificate");
		goto out;
	}
	if (tlscert_write(keypath, key, NULL, 0600) == -1)
		goto out;
	if (tlscert_write(certpath, NULL, x, 0644) == -1) {
		remove(keypath);
		goto out;
	}
	tlscert_fp(x, fp);
	rc = 0;
 out:
	EVP_PKEY_free(key);
	X509_free(x);
	return rc;
}

int
tlscert_fingerprint(const char *path, char fp[TLSCERT_FP_LEN])
{
	FILE	*f;
	X509	*x;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		log_crypto("%s: not a PEM certificate", path);
		return -1;
	}
	tlscert_fp(x, fp);
	X509_free(x);
	return 0;
}
