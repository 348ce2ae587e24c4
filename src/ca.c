/*	SPDX-License-Identifier: ISC */
/*
 * ca.c: holds the CA key; creates a CA, opens envelopes sent to it and
 * signs certificates (RFC 5280 4.1, 4.2).  Keys are read through
 * OSSL_STORE, so a "file:" path today and a "pkcs11:" URI with a
 * provider later take the same road.
 * Uses OpenSSL, csr.h, util.c and log.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "log.h"
#include "util.h"

#define CA_SERIAL_BYTES	16	/* 126 random bits: RFC 5280 wants 64+ */

static EVP_PKEY *
ca_key_load(const char *path)
{
	OSSL_STORE_CTX	*ctx;
	OSSL_STORE_INFO	*info;
	EVP_PKEY	*key = NULL;

	if (file_is_shared(path) == 1) {
		log_warnx("%s: readable by group or others; chmod 600 it",
		    path);
		return NULL;
	}
	if ((ctx = OSSL_STORE_open(path, NULL, NULL, NULL, NULL)) == NULL) {
		log_crypto("%s: cannot open key", path);
		return NULL;
	}
	while (key == NULL && !OSSL_STORE_eof(ctx)) {
		if ((info = OSSL_STORE_load(ctx)) == NULL)
			continue;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			key = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(ctx);
	if (key == NULL)
		log_crypto("%s: no private key found", path);
	return key;
}

/* Every certificate of a PEM file, in file order. */
static STACK_OF(X509) *
ca_certs_load(const char *path)
{
	STACK_OF(X509)	*sk;
	X509		*x;
	BIO		*b;

	if ((b = BIO_new_file(path, "r")) == NULL) {
		log_crypto("%s", path);
		return NULL;
	}
	if ((sk = sk_X509_new_null()) == NULL)
		goto err;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto err;
		}
	ERR_clear_error();	/* the end of the file */
	BIO_free(b);
	if (sk_X509_num(sk) == 0) {
		log_warnx("%s: no certificate", path);
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
 err:
	log_crypto("%s", path);
	BIO_free(b);
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

static int
ca_chain_add(struct ca *ca, const char *path)
{
	STACK_OF(X509)	*more;
	int		 i;

	if ((more = ca_certs_load(path)) == NULL)
		return -1;
	for (i = 0; i < sk_X509_num(more); i++)
		if (!X509_add_cert(ca->chain, sk_X509_value(more, i),
		    X509_ADD_FLAG_UP_REF)) {
			sk_X509_pop_free(more, X509_free);
			return -1;
		}
	sk_X509_pop_free(more, X509_free);
	return 0;
}

/*
 * RFC 6960 4.2.2.2: a delegated responder is issued directly by the CA
 * and carries id-kp-OCSPSigning; relying parties refuse anything else.
 */
static int
ca_ocsp_load(struct ca *ca, const struct conf_ca *cc)
{
	STACK_OF(X509)	*sk;
	EVP_PKEY	*capub;

	if (cc->ocsp_cert == NULL)
		return 0;
	if ((sk = ca_certs_load(cc->ocsp_cert)) == NULL)
		return -1;
	ca->ocsp_cert = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	if ((ca->ocsp_key = ca_key_load(cc->ocsp_key)) == NULL)
		return -1;
	if (X509_check_private_key(ca->ocsp_cert, ca->ocsp_key) != 1) {
		log_crypto("%s: key does not match %s", cc->ocsp_key,
		    cc->ocsp_cert);
		return -1;
	}
	capub = X509_get0_pubkey(ca->cert);
	if (X509_check_issued(ca->cert, ca->ocsp_cert) != X509_V_OK ||
	    capub == NULL || X509_verify(ca->ocsp_cert, capub) != 1) {
		ERR_clear_error();
		log_warnx("%s: not issued by this CA (RFC 6960 4.2.2.2)",
		    cc->ocsp_cert);
		return -1;
	}
	if ((X509_get_extension_flags(ca->ocsp_cert) & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(ca->ocsp_cert) & XKU_OCSP_SIGN) ==
	    0) {
		log_warnx("%s: no extendedKeyUsage id-kp-OCSPSigning",
		    cc->ocsp_cert);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(ca->ocsp_cert)) <= 0)
		log_warnx("%s: expired; OCSP clients will refuse its answers",
		    cc->ocsp_cert);
	return 0;
}

struct ca *
ca_load(const struct conf_ca *cc)
{
	struct ca	*ca;
	STACK_OF(X509)	*sk = NULL;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return NULL;
	ca->md = EVP_sha256();
	if ((sk = ca_certs_load(cc->cert)) == NULL)
		goto err;
	ca->cert = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	if ((ca->key = ca_key_load(cc->key)) == NULL)
		goto err;
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		log_crypto("%s: key does not match %s", cc->key, cc->cert);
		goto err;
	}
	if (X509_check_ca(ca->cert) == 0) {
		log_warnx("%s: not a CA certificate", cc->cert);
		goto err;
	}
	if (EVP_PKEY_get_base_id(ca->key) != EVP_PKEY_RSA) {
		log_warnx("%s: SCEP without an RA needs an RSA CA key "
		    "(RFC 8894 3.1)", cc->key);
		goto err;
	}
	if ((ca->chain = sk_X509_new_null()) == NULL ||
	    !X509_add_cert(ca->chain, ca->cert, X509_ADD_FLAG_UP_REF) ||
	    (cc->chain != NULL && ca_chain_add(ca, cc->chain) == -1) ||
	    ca_ocsp_load(ca, cc) == -1)
		goto err;
	return ca;
 err:
	ca_free(ca);
	return NULL;
}

void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	sk_X509_pop_free(ca->chain, X509_free);
	X509_free(ca->ocsp_cert);
	EVP_PKEY_free(ca->ocsp_key);
	free(ca);
}

int
ca_open_envelope(const struct ca *ca, CMS_ContentInfo *env,
    unsigned char **out, size_t *outsz)
{
	BIO	*b;
	char	*p;
	long	 n;
	int	 rc = -1;

	*out = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	/*
	 * Naming our certificate restricts decryption to the recipient
	 * that is us; OpenSSL then answers a bad RSA block with a random
	 * key instead of an error (Bleichenbacher), and whatever fails,
	 * the caller sees only -1.
	 */
	if (CMS_decrypt(env, ca->key, ca->cert, NULL, b, CMS_BINARY) > 0 &&
	    (n = BIO_get_mem_data(b, &p)) > 0 &&
	    (*out = malloc((size_t)n)) != NULL) {
		memcpy(*out, p, (size_t)n);
		*outsz = (size_t)n;
		rc = 0;
	}
	ERR_clear_error();
	BIO_free(b);
	return rc;
}

/* A positive serial of CA_SERIAL_BYTES random bytes, as hex too. */
static int
ca_serial(X509 *x, char *hex)
{
	unsigned char	 r[CA_SERIAL_BYTES];
	BIGNUM		*bn;
	int		 ok;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	r[0] &= 0x7f;	/* positive */
	r[0] |= 0x40;	/* and always CA_SERIAL_BYTES long */
	if ((bn = BN_bin2bn(r, sizeof(r), NULL)) == NULL)
		return -1;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	hex_encode(r, sizeof(r), hex);
	return ok ? 0 : -1;
}

static int
ca_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION	*e;
	int		 ok;

	if ((e = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

/* RFC 5280 4.2.1.6: copy the requested GeneralNames as they are. */
static int
ca_ext_san(X509 *x, const struct csr_info *ci)
{
	ASN1_OCTET_STRING	*v;
	X509_EXTENSION		*e = NULL;
	int			 ok = 0;
	/* With an empty subject the name lives in the SAN: critical. */
	int			 crit = ci->subjectsz <= 2;

	if ((v = ASN1_OCTET_STRING_new()) != NULL &&
	    ASN1_OCTET_STRING_set(v, ci->san, (int)ci->sansz) &&
	    (e = X509_EXTENSION_create_by_NID(NULL, NID_subject_alt_name,
	    crit, v)) != NULL)
		ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(v);
	return ok ? 0 : -1;
}

/* RFC 5280 4.2.1.13 CRL distribution point, 4.2.2.1 AIA. */
static int
ca_ext_urls(X509 *x, X509V3_CTX *ctx, const struct conf_cert *tc)
{
	char	*v = NULL;
	int	 rc = 0;

	if (tc->crl_url != NULL && (asprintf(&v, "URI:%s", tc->crl_url) ==
	    -1 || ca_ext(x, ctx, NID_crl_distribution_points, v) == -1))
		rc = -1;
	free(v);
	v = NULL;
	if (rc == 0 && tc->ocsp_url != NULL && (asprintf(&v,
	    "OCSP;URI:%s,caIssuers;URI:%s", tc->ocsp_url, tc->issuer_url) ==
	    -1 || ca_ext(x, ctx, NID_info_access, v) == -1))
		rc = -1;
	free(v);
	return rc;
}

static int
ca_exts(const struct ca *ca, X509 *x, const struct csr_info *ci,
    const struct conf_cert *tc)
{
	X509V3_CTX	 ctx;
	const char	*ku = ci->key == CSR_KEY_RSA ?
	    "critical,digitalSignature,keyEncipherment" :
	    "critical,digitalSignature";

	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	if (ca_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    ca_ext(x, &ctx, NID_key_usage, ku) ||
	    ca_ext(x, &ctx, NID_ext_key_usage, "clientAuth") ||
	    ca_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    ca_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"))
		return -1;
	if (ci->san != NULL && ca_ext_san(x, ci) == -1)
		return -1;
	return ca_ext_urls(x, &ctx, tc);
}

/* notBefore backdated for clock skew; notAfter never past the CA's. */
static int
ca_validity(const struct ca *ca, X509 *x, const struct conf_cert *tc)
{
	const ASN1_TIME	*ca_end = X509_get0_notAfter(ca->cert);
	time_t		 now = time(NULL);

	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, -tc->backdate_secs,
	    &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), tc->validity_days, 0,
	    &now) == NULL)
		return -1;
	if (ASN1_TIME_compare(X509_get0_notAfter(x), ca_end) > 0 &&
	    !X509_set1_notAfter(x, ca_end))
		return -1;
	return 0;
}

X509 *
ca_issue(const struct ca *ca, const struct csr_info *ci,
    const struct conf_cert *tc, char *serial)
{
	X509			*x = NULL, *ret = NULL;
	X509_NAME		*subj = NULL;
	EVP_PKEY		*pub = NULL;
	const unsigned char	*p;

	p = ci->subject;
	if ((subj = d2i_X509_NAME(NULL, &p, (long)ci->subjectsz)) == NULL)
		goto out;
	p = ci->spki;
	if ((pub = d2i_PUBKEY(NULL, &p, (long)ci->spkisz)) == NULL)
		goto out;
	if ((x = X509_new()) == NULL || !X509_set_version(x, X509_VERSION_3) ||
	    ca_serial(x, serial) == -1 ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    !X509_set_subject_name(x, subj) || !X509_set_pubkey(x, pub) ||
	    ca_validity(ca, x, tc) == -1 || ca_exts(ca, x, ci, tc) == -1)
		goto out;
	if (X509_sign(x, ca->key, ca->md) <= 0)
		goto out;
	ret = x;
	x = NULL;
 out:
	if (ret == NULL)
		log_crypto("cannot issue for \"%s\"", ci->subject_txt);
	X509_NAME_free(subj);
	EVP_PKEY_free(pub);
	X509_free(x);
	return ret;
}

static EVP_PKEY *
ca_keygen(const char *keyspec)
{
	char	*end;
	long	 bits;

	if (strncmp(keyspec, "rsa:", 4) != 0) {
		log_warnx("key \"%s\": only rsa:2048, rsa:3072, rsa:4096 "
		    "can serve SCEP without an RA", keyspec);
		return NULL;
	}
	bits = strtol(keyspec + 4, &end, 10);
	if (*end != '\0' || (bits != 2048 && bits != 3072 && bits != 4096)) {
		log_warnx("key \"%s\": RSA sizes are 2048, 3072, 4096",
		    keyspec);
		return NULL;
	}
	return EVP_RSA_gen((unsigned int)bits);
}

/* PEM of a key or certificate into a new file. */
static int
ca_pem_write(const char *path, EVP_PKEY *key, X509 *cert, int mode)
{
	BIO	*b;
	char	*p;
	long	 n;
	int	 rc = -1;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if ((key != NULL ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0,
	    NULL, NULL) : PEM_write_bio_X509(b, cert)) &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		rc = file_write_new(path, p, (size_t)n, mode);
	if (rc == -1)
		log_warn("%s", path);
	BIO_free(b);
	return rc;
}

static X509 *
ca_selfsign(EVP_PKEY *key, const char *cn, int days)
{
	X509		*x;
	X509_NAME	*name;
	X509V3_CTX	 ctx;
	char		 serial[2 * CA_SERIAL_BYTES + 1];

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
	    /* CACERT-03: it also signs CertReps and receives envelopes. */
	    ca_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,"
	    "digitalSignature,keyEncipherment") ||
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
	if (ca_pem_write(keypath, key, NULL, 0600) == -1)
		goto out;
	if (ca_pem_write(certpath, NULL, cert, 0644) == -1) {
		remove(keypath);
		goto out;
	}
	rc = 0;
 out:
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

/* A new key like the CA's: same RSA size, or same EC curve. */
static EVP_PKEY *
ca_keygen_like(const struct ca *ca)
{
	char	 curve[64];
	size_t	 n;

	if (EVP_PKEY_get_base_id(ca->key) == EVP_PKEY_EC) {
		if (!EVP_PKEY_get_utf8_string_param(ca->key,
		    OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve), &n))
			return NULL;
		return EVP_EC_gen(curve);
	}
	return EVP_RSA_gen((unsigned int)EVP_PKEY_get_bits(ca->key));
}

static X509 *
ca_ocsp_cert(const struct ca *ca, EVP_PKEY *key, int days)
{
	X509		*x;
	X509_NAME	*name;
	X509V3_CTX	 ctx;
	char		 serial[2 * CA_SERIAL_BYTES + 1];
	char		 cacn[128], cn[160];

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(ca->cert),
	    NID_commonName, cacn, sizeof(cacn)) < 0)
		snprintf(cacn, sizeof(cacn), "scepd");
	snprintf(cn, sizeof(cn), "%s OCSP signer", cacn);
	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	if (!X509_set_version(x, X509_VERSION_3) || ca_serial(x, serial) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    !X509_set_pubkey(x, key) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) ||
	    ca_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    ca_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") ||
	    ca_ext(x, &ctx, NID_ext_key_usage, "critical,OCSPSigning") ||
	    /* 4.2.2.2.1: nobody asks whether the responder is revoked. */
	    ca_ext(x, &ctx, NID_id_pkix_OCSP_noCheck, "ignored") ||
	    ca_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    ca_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") ||
	    X509_sign(x, ca->key, ca->md) <= 0) {
		X509_free(x);
		return NULL;
	}
	if (ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(ca->cert)) > 0)
		log_warnx("the OCSP signer outlives the CA certificate");
	return x;
}

int
ca_create_ocsp_signer(const struct ca *ca, const char *certpath,
    const char *keypath, int days)
{
	EVP_PKEY	*key = NULL;
	X509		*cert = NULL;
	int		 rc = -1;

	if ((key = ca_keygen_like(ca)) == NULL ||
	    (cert = ca_ocsp_cert(ca, key, days)) == NULL) {
		log_crypto("cannot create the OCSP signer");
		goto out;
	}
	if (ca_pem_write(keypath, key, NULL, 0600) == -1)
		goto out;
	if (ca_pem_write(certpath, NULL, cert, 0644) == -1) {
		remove(keypath);
		goto out;
	}
	rc = 0;
 out:
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

void
ca_fingerprint(const struct ca *ca, char *out, size_t sz)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n, i;
	size_t		 off = 0;

	out[0] = '\0';
	if (!X509_digest(ca->cert, EVP_sha256(), md, &n))
		return;
	for (i = 0; i < n && off + 3 < sz; i++)
		off += (size_t)snprintf(out + off, sz - off, "%s%02X",
		    i ? ":" : "", md[i]);
}
