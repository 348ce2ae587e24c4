/*	SPDX-License-Identifier: ISC */
/*
 * ca_make.c: making key material: a new self-signed CA (RSA or EC),
 * the certificates a CA issues to scepd's own services (an RA that
 * speaks SCEP for it, a delegated OCSP signer), and the import of a
 * sub-CA made elsewhere.  Everything is written to new files only.
 * The CA key stays in ca.c: service certificates are signed through
 * ca_cert_sign(), and a key "like the CA's" is read off its certificate.
 * Uses OpenSSL, ca_local.h, util.c and log.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca_local.h"
#include "log.h"
#include "util.h"

/* "rsa:2048|3072|4096" or "ec:P-256|P-384"; the curve's name in *curve. */
static int
ca_keyspec(const char *keyspec, int *bits, const char **curve)
{
	*bits = 0;
	*curve = NULL;
	if (strcmp(keyspec, "rsa:2048") == 0)
		*bits = 2048;
	else if (strcmp(keyspec, "rsa:3072") == 0)
		*bits = 3072;
	else if (strcmp(keyspec, "rsa:4096") == 0)
		*bits = 4096;
	else if (strcmp(keyspec, "ec:P-256") == 0)
		*curve = "P-256";
	else if (strcmp(keyspec, "ec:P-384") == 0)
		*curve = "P-384";
	else
		return -1;
	return 0;
}

int
ca_keyspec_ok(const char *keyspec)
{
	const char	*curve;
	int		 bits;

	return ca_keyspec(keyspec, &bits, &curve) == 0;
}

static EVP_PKEY *
ca_keygen(const char *keyspec)
{
	const char	*curve;
	int		 bits;

	if (ca_keyspec(keyspec, &bits, &curve) == -1) {
		log_warnx("key \"%s\": want rsa:2048, rsa:3072, rsa:4096, "
		    "ec:P-256 or ec:P-384", keyspec);
		return NULL;
	}
	return curve != NULL ? EVP_EC_gen(curve) :
	    EVP_RSA_gen((unsigned int)bits);
}

/* PEM of a key or certificates into a new file. */
static int
ca_pem_write(const char *path, EVP_PKEY *key, STACK_OF(X509) *certs,
    int mode)
{
	BIO	*b;
	char	*p;
	long	 n;
	int	 i, ok, rc = -1;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	ok = key != NULL ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0,
	    NULL, NULL) : 1;
	for (i = 0; ok && certs != NULL && i < sk_X509_num(certs); i++)
		ok = PEM_write_bio_X509(b, sk_X509_value(certs, i));
	if (ok && (n = BIO_get_mem_data(b, &p)) > 0)
		rc = file_write_new(path, p, (size_t)n, mode);
	if (rc == -1)
		log_warn("%s", path);
	BIO_free(b);
	return rc;
}

static int
ca_pem_write_cert(const char *path, X509 *x)
{
	STACK_OF(X509)	*sk;
	int		 rc = -1;

	if ((sk = sk_X509_new_null()) != NULL && sk_X509_push(sk, x))
		rc = ca_pem_write(path, NULL, sk, 0644);
	sk_X509_free(sk);
	return rc;
}

/* Key first (0600), then certificate; no key file left if that fails. */
static int
ca_pair_write(const char *certpath, const char *keypath, EVP_PKEY *key,
    X509 *cert)
{
	if (ca_pem_write(keypath, key, NULL, 0600) == -1)
		return -1;
	if (ca_pem_write_cert(certpath, cert) == -1) {
		remove(keypath);
		return -1;
	}
	return 0;
}

static X509 *
ca_selfsign(EVP_PKEY *key, const char *cn, int days)
{
	X509		*x;
	X509_NAME	*name;
	X509V3_CTX	 ctx;
	char		 serial[2 * CA_SERIAL_BYTES + 1];
	/* CACERT-03: an RSA CA also signs CertReps, receives envelopes. */
	const char	*ku = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ?
	    "critical,keyCertSign,cRLSign,digitalSignature,keyEncipherment" :
	    "critical,keyCertSign,cRLSign,digitalSignature";

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!X509_set_version(x, X509_VERSION_3) || ca_serial(x, serial) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) ||
	    ca_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") ||
	    ca_ext(x, &ctx, NID_key_usage, ku) ||
	    ca_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    ca_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") ||
	    X509_sign(x, key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
ca_create(const char *certpath, const char *keypath, const char *cn,
    const char *keyspec, int days)
{
	EVP_PKEY	*key = NULL;
	X509		*cert = NULL;
	int		 rc = -1;

	if ((key = ca_keygen(keyspec)) == NULL)
		goto out;
	if ((cert = ca_selfsign(key, cn, days)) == NULL) {
		log_crypto("cannot create the CA certificate");
		goto out;
	}
	rc = ca_pair_write(certpath, keypath, key, cert);
 out:
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

/* What a service certificate of the CA gets. */
struct ca_service {
	const char	*cn;
	const char	*ku;		/* X509V3 values */
	const char	*eku;
	int		 nocheck;	/* RFC 6960 4.2.2.2.1 ocsp-nocheck */
	int		 days;
};

/* A certificate for "key", issued by the CA, as "sv" describes. */
static X509 *
ca_service_cert(const struct ca *ca, EVP_PKEY *key,
    const struct ca_service *sv)
{
	X509		*x, *cacert = ca_cert(ca);
	X509V3_CTX	 ctx;
	char		 serial[2 * CA_SERIAL_BYTES + 1];

	if ((x = X509_new()) == NULL)
		return NULL;
	X509V3_set_ctx(&ctx, cacert, x, NULL, NULL, 0);
	if (!X509_set_version(x, X509_VERSION_3) || ca_serial(x, serial) ||
	    !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_UTF8, (const unsigned char *)sv->cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(cacert)) ||
	    !X509_set_pubkey(x, key) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), sv->days, 0, NULL) ||
	    ca_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    ca_ext(x, &ctx, NID_key_usage, sv->ku) ||
	    ca_ext(x, &ctx, NID_ext_key_usage, sv->eku) ||
	    (sv->nocheck &&
	    ca_ext(x, &ctx, NID_id_pkix_OCSP_noCheck, "ignored")) ||
	    ca_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    ca_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"))
		goto err;
	/* Never past the CA: relying parties would refuse it then. */
	if (ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(cacert)) > 0 &&
	    !X509_set1_notAfter(x, X509_get0_notAfter(cacert)))
		goto err;
	if (ca_cert_sign(ca, x, EVP_sha256()) == -1)
		goto err;
	return x;
 err:
	X509_free(x);
	return NULL;
}

/* Make a key, certify it as "sv" says, write both. */
static int
ca_service_create(const struct ca *ca, EVP_PKEY *key,
    const struct ca_service *sv, const char *certpath, const char *keypath)
{
	X509	*cert;
	int	 rc = -1;

	if (key == NULL || (cert = ca_service_cert(ca, key, sv)) == NULL) {
		log_crypto("cannot issue \"%s\"", sv->cn);
		EVP_PKEY_free(key);
		return -1;
	}
	rc = ca_pair_write(certpath, keypath, key, cert);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

/* The CA's common name with "suffix", for service certificates. */
static void
ca_service_cn(const struct ca *ca, const char *suffix, char *cn, size_t sz)
{
	char	cacn[128];

	if (X509_NAME_get_text_by_NID(X509_get_subject_name(ca_cert(ca)),
	    NID_commonName, cacn, sizeof(cacn)) < 0)
		snprintf(cacn, sizeof(cacn), "scepd");
	snprintf(cn, sz, "%s %s", cacn, suffix);
}

/*
 * A new key like the CA's: same RSA size, or same EC curve.  The CA
 * certificate's public key says both, so the private key is not needed.
 */
static EVP_PKEY *
ca_keygen_like(const struct ca *ca)
{
	EVP_PKEY	*pub;
	char		 curve[64];
	size_t		 n;

	if ((pub = X509_get0_pubkey(ca_cert(ca))) == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) {
		if (!EVP_PKEY_get_utf8_string_param(pub,
		    OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve), &n))
			return NULL;
		return EVP_EC_gen(curve);
	}
	return EVP_RSA_gen((unsigned int)EVP_PKEY_get_bits(pub));
}

int
ca_create_ocsp_signer(const struct ca *ca, const char *certpath,
    const char *keypath, int days)
{
	struct ca_service	sv = { NULL, "critical,digitalSignature",
	    "critical,OCSPSigning", 1, days };
	char			cn[192];

	ca_service_cn(ca, "OCSP signer", cn, sizeof(cn));
	sv.cn = cn;
	return ca_service_create(ca, ca_keygen_like(ca), &sv, certpath,
	    keypath);
}

int
ca_create_ra(const struct ca *ca, const char *certpath, const char *keypath,
    const char *cn, int days)
{
	/* 1.3.6.1.4.1.311.20.2.1: Microsoft's Certificate Request Agent. */
	struct ca_service	sv = { cn, "critical,digitalSignature,"
	    "keyEncipherment", "1.3.6.1.4.1.311.20.2.1", 0, days };
	char			dflt[192];

	if (cn == NULL) {
		ca_service_cn(ca, "SCEP RA", dflt, sizeof(dflt));
		sv.cn = dflt;
	}
	/* RFC 8894 3.1: clients encrypt to it with RSA key transport. */
	return ca_service_create(ca, EVP_RSA_gen(2048), &sv, certpath,
	    keypath);
}

/*
 * Does "chain" make "cert" trustworthy?  Verified up to the chain's
 * self-signed root when there is one; a chain without one is only
 * checked link by link (issuer name and signature).
 */
static int
ca_import_chain(X509 *cert, STACK_OF(X509) *chain)
{
	X509_STORE	*st = NULL;
	X509_STORE_CTX	*ctx = NULL;
	X509		*root = NULL, *x;
	int		 i, ok = 0;

	for (i = 0; i < sk_X509_num(chain); i++) {
		x = sk_X509_value(chain, i);
		if (X509_check_issued(x, x) == X509_V_OK)
			root = x;
	}
	if (root == NULL) {
		x = cert;
		for (i = 0; i < sk_X509_num(chain); i++) {
			if (X509_check_issued(sk_X509_value(chain, i), x) !=
			    X509_V_OK || X509_verify(x,
			    X509_get0_pubkey(sk_X509_value(chain, i))) != 1)
				return 0;
			x = sk_X509_value(chain, i);
		}
		return 1;
	}
	if ((st = X509_STORE_new()) != NULL && X509_STORE_add_cert(st, root) &&
	    (ctx = X509_STORE_CTX_new()) != NULL &&
	    X509_STORE_CTX_init(ctx, st, cert, chain))
		ok = X509_verify_cert(ctx) == 1;
	if (!ok && ctx != NULL)
		log_warnx("chain: %s", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return ok;
}

/* Load and check what "scepd ca import" was given; -1 logged. */
static int
ca_import_load(const char *certpath, const char *keypath,
    const char *chainpath, X509 **cert, EVP_PKEY **key,
    STACK_OF(X509) **chain)
{
	STACK_OF(X509)	*more;

	if ((*chain = ca_certs_load(certpath)) == NULL ||
	    (*cert = sk_X509_shift(*chain)) == NULL ||
	    (*key = ca_key_load(keypath)) == NULL)
		return -1;
	if (chainpath != NULL) {
		if ((more = ca_certs_load(chainpath)) == NULL)
			return -1;
		while (sk_X509_num(more) > 0)
			if (!sk_X509_push(*chain, sk_X509_shift(more))) {
				sk_X509_pop_free(more, X509_free);
				return -1;
			}
		sk_X509_free(more);
	}
	if (X509_check_private_key(*cert, *key) != 1) {
		log_crypto("%s does not match %s", keypath, certpath);
		return -1;
	}
	if (X509_check_ca(*cert) == 0 ||
	    (X509_get_key_usage(*cert) & KU_KEY_CERT_SIGN) == 0) {
		log_warnx("%s: not a CA certificate (basicConstraints CA and "
		    "keyUsage keyCertSign)", certpath);
		return -1;
	}
	if (X509_check_issued(*cert, *cert) != X509_V_OK &&
	    sk_X509_num(*chain) == 0)
		log_warnx("%s: a sub-CA without its chain: clients will get "
		    "only this certificate from GetCACert", certpath);
	else if (!ca_import_chain(*cert, *chain)) {
		log_warnx("%s: the chain does not certify this CA", certpath);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(*cert)) <= 0) {
		log_warnx("%s: expired", certpath);
		return -1;
	}
	return 0;
}

int
ca_import(const char *certpath, const char *keypath, const char *chainpath,
    const char *dir, const char *name)
{
	X509		*cert = NULL;
	EVP_PKEY	*key = NULL;
	STACK_OF(X509)	*chain = NULL;
	char		*cp = NULL, *kp = NULL, *chp = NULL;
	int		 rc = -1;

	if (ca_import_load(certpath, keypath, chainpath, &cert, &key,
	    &chain) == -1)
		goto out;
	if (asprintf(&cp, "%s/%s.pem", dir, name) == -1 ||
	    asprintf(&kp, "%s/%s.key", dir, name) == -1 ||
	    asprintf(&chp, "%s/%s-chain.pem", dir, name) == -1) {
		cp = kp = chp = NULL;
		goto out;
	}
	if (ca_pair_write(cp, kp, key, cert) == -1)
		goto out;
	if (sk_X509_num(chain) > 0 &&
	    ca_pem_write(chp, NULL, chain, 0644) == -1) {
		remove(kp);
		remove(cp);
		goto out;
	}
	rc = 0;
 out:
	X509_free(cert);
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	free(cp);
	free(kp);
	free(chp);
	return rc;
}
