/*	SPDX-License-Identifier: ISC */
/*
 * ca.c: holds the keys of a CA, its RA and its OCSP signer, and is the
 * only file that uses them: it opens envelopes sent to the CA, signs
 * certificates (RFC 5280 4.1, 4.2), CRLs (5.1), OCSP responses (RFC
 * 6960 4.2) and CertReps (RFC 8894 3.3.2).  Keys are read through
 * OSSL_STORE, so a "file:" path today and a "pkcs11:" URI with a
 * provider later take the same road.
 * Uses OpenSSL, csr.h, scep.h (the CertRep codec), x509.c, util.c and
 * log.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/asn1t.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/x509v3.h>

#include "ca_local.h"
#include "conf.h"
#include "csr.h"
#include "log.h"
#include "scep.h"
#include "spki.h"
#include "util.h"

/* Owns everything it points to; ca_free() releases it all. */
struct ca {
	X509		*cert;		/* CA certificate */
	EVP_PKEY	*key;		/* its private key */
	STACK_OF(X509)	*chain;		/* CA first, then ca.chain certs */
	X509		*ra_cert;	/* RA: opens and signs SCEP messages */
	EVP_PKEY	*ra_key;	/* (RSA), or NULL: the CA does */
	X509		*ocsp_cert;	/* delegated OCSP signer, or NULL */
	EVP_PKEY	*ocsp_key;	/* its key */
};

/* The legacy provider and the default one it displaces. */
struct ca_providers {
	OSSL_PROVIDER	*legacy;
	OSSL_PROVIDER	*dflt;
};

/* Who speaks SCEP for this CA: the RA if there is one, else the CA. */
static X509 *
ca_scep_cert(const struct ca *ca)
{
	return ca->ra_cert != NULL ? ca->ra_cert : ca->cert;
}

static EVP_PKEY *
ca_scep_key(const struct ca *ca)
{
	return ca->ra_key != NULL ? ca->ra_key : ca->key;
}

EVP_PKEY *
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
STACK_OF(X509) *
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
/*
 * A service certificate (the first of "certpath") and its key, checked
 * to belong together; on -1 (logged) whatever was loaded is left in
 * *cert and *key for ca_free().
 */
static int
ca_pair_load(const char *certpath, const char *keypath, X509 **cert,
    EVP_PKEY **key)
{
	STACK_OF(X509)	*sk;

	if ((sk = ca_certs_load(certpath)) == NULL)
		return -1;
	*cert = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	if ((*key = ca_key_load(keypath)) == NULL)
		return -1;
	if (X509_check_private_key(*cert, *key) != 1) {
		log_crypto("%s: key does not match %s", keypath, certpath);
		return -1;
	}
	return 0;
}

static int
ca_ocsp_load(struct ca *ca, const struct conf_ca *cc)
{
	EVP_PKEY	*capub;

	if (cc->ocsp_cert == NULL)
		return 0;
	if (ca_pair_load(cc->ocsp_cert, cc->ocsp_key, &ca->ocsp_cert,
	    &ca->ocsp_key) == -1)
		return -1;
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

/*
 * RA mode: a separate RSA certificate of this CA opens the requests'
 * envelopes and signs the CertReps, so the CA key only signs
 * certificates and may be EC (RFC 8894 3.1 needs RSA key transport).
 */
static int
ca_ra_load(struct ca *ca, const struct conf_ca *cc)
{
	uint32_t	 ku;

	if (cc->ra_cert == NULL) {
		if (EVP_PKEY_get_base_id(ca->key) == EVP_PKEY_RSA)
			return 0;
		/* RFC 8894 3.2.2: clients must then use PWRI. */
		log_info("%s: an EC CA without an RA opens only "
		    "PasswordRecipientInfo requests, keyed by a profile's "
		    "static challenge; for key transport add ra_cert and "
		    "ra_key (scepd ca create-ra)", cc->key);
		return 0;
	}
	if (ca_pair_load(cc->ra_cert, cc->ra_key, &ca->ra_cert,
	    &ca->ra_key) == -1)
		return -1;
	if (EVP_PKEY_get_base_id(ca->ra_key) != EVP_PKEY_RSA) {
		log_warnx("%s: the RA key must be RSA (RFC 8894 3.1)",
		    cc->ra_key);
		return -1;
	}
	if (X509_check_issued(ca->cert, ca->ra_cert) != X509_V_OK ||
	    X509_verify(ca->ra_cert, X509_get0_pubkey(ca->cert)) != 1) {
		ERR_clear_error();
		log_warnx("%s: not issued by CA %s", cc->ra_cert, cc->name);
		return -1;
	}
	ku = X509_get_key_usage(ca->ra_cert);
	if ((ku & (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT)) !=
	    (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT))
		log_warnx("%s: without keyUsage digitalSignature and "
		    "keyEncipherment, Apple and Windows clients will not "
		    "use this RA", cc->ra_cert);
	return 0;
}

struct ca *
ca_load(const struct conf_ca *cc)
{
	struct ca	*ca;

	if ((ca = ca_load_bare(cc->cert, cc->key)) == NULL)
		return NULL;
	if (X509_check_ca(ca->cert) == 0) {
		log_warnx("%s: not a CA certificate", cc->cert);
		goto err;
	}
	if (ca_ra_load(ca, cc) == -1)
		goto err;
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

struct ca *
ca_load_bare(const char *certpath, const char *keypath)
{
	struct ca	*ca;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return NULL;
	if (ca_pair_load(certpath, keypath, &ca->cert, &ca->key) == -1) {
		ca_free(ca);
		return NULL;
	}
	return ca;
}

struct ca *
ca_new(X509 *cert, EVP_PKEY *key)
{
	struct ca	*ca;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return NULL;
	if (!X509_up_ref(cert))
		goto err;
	ca->cert = cert;
	if (!EVP_PKEY_up_ref(key))
		goto err;
	ca->key = key;
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		log_crypto("ca_new: the key does not match the certificate");
		goto err;
	}
	if ((ca->chain = sk_X509_new_null()) == NULL ||
	    !X509_add_cert(ca->chain, ca->cert, X509_ADD_FLAG_UP_REF))
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
	X509_free(ca->ra_cert);
	EVP_PKEY_free(ca->ra_key);
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
	if (CMS_decrypt(env, ca_scep_key(ca), ca_scep_cert(ca), NULL, b,
	    CMS_BINARY) > 0 &&
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

int
ca_takes_ktri(const struct ca *ca)
{
	return EVP_PKEY_get_base_id(ca_scep_key(ca)) == EVP_PKEY_RSA;
}

/*
 * RFC 8894 3.2.2, RFC 3211: a PasswordRecipientInfo under "pw".  The
 * codec has bounded its PBKDF2 (scep_env_pwri()) before this runs.  A
 * wrong password, a failed key unwrap and bad CBC padding are the same
 * -1, as for ca_open_envelope(); OpenSSL checks the unwrapped key's
 * check bytes without branching on them.
 */
int
ca_open_envelope_password(CMS_ContentInfo *env, const char *pw,
    unsigned char **out, size_t *outsz)
{
	BIO	*b;
	char	*p;
	long	 n;
	int	 rc = -1;

	*out = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (CMS_decrypt_set1_password(env, (unsigned char *)pw,
	    (ossl_ssize_t)strlen(pw)) > 0 &&
	    CMS_decrypt(env, NULL, NULL, NULL, b, CMS_BINARY) > 0 &&
	    (n = BIO_get_mem_data(b, &p)) > 0 &&
	    (*out = malloc((size_t)n)) != NULL) {
		memcpy(*out, p, (size_t)n);
		*outsz = (size_t)n;
		rc = 0;
	}
	/* The password stays set in env; nothing else reads it. */
	(void)CMS_decrypt_set1_password(env, NULL, 0);
	ERR_clear_error();
	BIO_free(b);
	return rc;
}

/* A positive serial of CA_SERIAL_BYTES random bytes, as hex too. */
int
ca_serial(X509 *x, char *hex)
{
	unsigned char	 r[CA_SERIAL_BYTES];
	BIGNUM		*bn;
	int		 ok;

	if (rand_bytes(r, sizeof(r)) == -1)
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

int
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

/* The CONF_SAN_* bit of one GeneralName. */
static int
ca_san_type(const GENERAL_NAME *gn)
{
	switch (gn->type) {
	case GEN_DNS:
		return CONF_SAN_DNS;
	case GEN_EMAIL:
		return CONF_SAN_EMAIL;
	case GEN_URI:
		return CONF_SAN_URI;
	case GEN_IPADD:
		return CONF_SAN_IP;
	default:
		return CONF_SAN_OTHER;
	}
}

/*
 * RFC 5280 4.2.1.6: the requested GeneralNames of the types the
 * template copies, as they are; none left means no extension.
 */
static int
ca_ext_san(X509 *x, const struct csr_info *ci, const struct conf_cert *tc)
{
	GENERAL_NAMES		*gns;
	GENERAL_NAME		*gn;
	const unsigned char	*p = ci->san;
	int			 i, ok = 0;
	/* With an empty subject the name lives in the SAN: critical. */
	int			 crit = ci->subjectsz <= 2 &&
	    tc->subject_mode != CONF_SUBJECT_OVERRIDE;

	if ((gns = d2i_GENERAL_NAMES(NULL, &p, (long)ci->sansz)) == NULL)
		return -1;
	for (i = sk_GENERAL_NAME_num(gns) - 1; i >= 0; i--)
		if ((ca_san_type(sk_GENERAL_NAME_value(gns, i)) &
		    tc->san_copy) == 0) {
			gn = sk_GENERAL_NAME_delete(gns, i);
			GENERAL_NAME_free(gn);
		}
	if (sk_GENERAL_NAME_num(gns) == 0)
		ok = 1;
	else
		ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gns, crit,
		    X509V3_ADD_DEFAULT) == 1;
	GENERAL_NAMES_free(gns);
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
	const char	*ku = tc->key_usage;

	if (ku == NULL)
		ku = ci->key == CSR_KEY_RSA ?
		    "critical,digitalSignature,keyEncipherment" :
		    "critical,digitalSignature";
	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	if (ca_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    ca_ext(x, &ctx, NID_key_usage, ku) ||
	    (tc->eku != NULL && *tc->eku != '\0' &&
	    ca_ext(x, &ctx, NID_ext_key_usage, tc->eku)) ||
	    ca_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    ca_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"))
		return -1;
	if (ci->san != NULL && ca_ext_san(x, ci, tc) == -1)
		return -1;
	return ca_ext_urls(x, &ctx, tc);
}

/*
 * Put the CSR's SubjectPublicKeyInfo into "x" as it is.  Issuing never
 * needs the key itself, and X509_set_pubkey() would cost OpenSSL 3.0 an
 * ENCODER and a DECODER run, ~0.25 ms, as much as an RSA signature.
 */
static int
ca_spki_set(X509 *x, const unsigned char *der, size_t len)
{
	SCEPD_SPKI		*s = NULL;
	X509_PUBKEY		*pk = X509_get_X509_PUBKEY(x);
	X509_ALGOR		*alg;
	ASN1_OBJECT		*obj = NULL;
	unsigned char		*bits = NULL;
	const unsigned char	*p = der;
	int			 n, rc = -1;

	if ((s = d2i_SCEPD_SPKI(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	n = ASN1_STRING_length(s->subjectPublicKey);
	if (n <= 0 || (bits = OPENSSL_memdup(ASN1_STRING_get0_data(
	    s->subjectPublicKey), (size_t)n)) == NULL ||
	    (obj = OBJ_dup(s->algorithm->algorithm)) == NULL)
		goto out;
	/* Key bits and algorithm first; then its parameters, whatever type. */
	if (!X509_PUBKEY_set0_param(pk, obj, V_ASN1_UNDEF, NULL, bits, n))
		goto out;
	obj = NULL;
	bits = NULL;
	if (X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg, pk) &&
	    X509_ALGOR_copy(alg, s->algorithm))
		rc = 0;
 out:
	ASN1_OBJECT_free(obj);
	OPENSSL_free(bits);
	SCEPD_SPKI_free(s);
	return rc;
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

/*
 * "CN=a,O=b\\,c" (RFC 4514 order as written, "\\" escapes) -> a Name,
 * first RDN first; NULL if a part is not TYPE=value.
 */
X509_NAME *
ca_name_parse(const char *s)
{
	X509_NAME	*n;
	char		 buf[1024], *type, *val, *o;
	const char	*i = s;

	if (s == NULL || (n = X509_NAME_new()) == NULL)
		return NULL;
	while (*i != '\0') {
		for (o = buf; *i != '\0' && *i != ',' &&
		    o < buf + sizeof(buf) - 1; i++) {
			if (*i == '\\' && i[1] != '\0')
				i++;
			*o++ = *i;
		}
		*o = '\0';
		if (*i == ',')
			i++;
		type = buf + strspn(buf, " ");
		if ((val = strchr(type, '=')) == NULL || val == type)
			goto err;
		*val++ = '\0';
		if (!X509_NAME_add_entry_by_txt(n, type, MBSTRING_UTF8,
		    (const unsigned char *)val, -1, -1, 0))
			goto err;
	}
	if (X509_NAME_entry_count(n) > 0)
		return n;
 err:
	X509_NAME_free(n);
	return NULL;
}

X509 *
ca_issue(const struct ca *ca, const struct csr_info *ci,
    const struct conf_cert *tc, char *serial)
{
	X509			*x = NULL, *ret = NULL;
	X509_NAME		*subj = NULL;
	const EVP_MD		*md;
	const unsigned char	*p;

	if (tc->subject_mode == CONF_SUBJECT_OVERRIDE)
		subj = ca_name_parse(tc->subject_value);
	else {
		p = ci->subject;
		subj = d2i_X509_NAME(NULL, &p, (long)ci->subjectsz);
	}
	if (subj == NULL || (md = EVP_get_digestbyname(tc->digest != NULL ?
	    tc->digest : CONF_DIGEST_DEFAULT)) == NULL)
		goto out;
	if ((x = X509_new()) == NULL || !X509_set_version(x, X509_VERSION_3) ||
	    ca_serial(x, serial) == -1 ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    !X509_set_subject_name(x, subj) ||
	    ca_spki_set(x, ci->spki, ci->spkisz) == -1 ||
	    ca_validity(ca, x, tc) == -1 || ca_exts(ca, x, ci, tc) == -1)
		goto out;
	if (X509_sign(x, ca->key, md) <= 0)
		goto out;
	ret = x;
	x = NULL;
 out:
	if (ret == NULL)
		log_crypto("cannot issue for \"%s\"", ci->subject_txt);
	X509_NAME_free(subj);
	X509_free(x);
	return ret;
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

int
ca_cert_sign(const struct ca *ca, X509 *x, const EVP_MD *md)
{
	return X509_sign(x, ca->key, md) > 0 ? 0 : -1;
}

int
ca_crl_sign(const struct ca *ca, X509_CRL *crl)
{
	return X509_CRL_sign(crl, ca->key, EVP_sha256()) > 0 ? 0 : -1;
}

int
ca_ocsp_sign(const struct ca *ca, OCSP_BASICRESP *bs)
{
	/* 4.2.2.2: a delegated signer shows its certificate, the CA not. */
	if (!OCSP_basic_sign(bs, ca->ocsp_cert != NULL ? ca->ocsp_cert :
	    ca->cert, ca->ocsp_key != NULL ? ca->ocsp_key : ca->key,
	    EVP_sha256(), NULL, OCSP_RESPID_KEY |
	    (ca->ocsp_cert != NULL ? 0 : OCSP_NOCERTS)))
		return -1;
	return 0;
}

/* What ca_certrep() tells its scep_signer hook. */
struct ca_certrep_arg {
	const struct ca	*ca;
	int		 pss;	/* sign with RSASSA-PSS (scep_rep.pss) */
};

/*
 * The scep_signer of ca_certrep(): the codec calls this where it would
 * call CMS_add1_signer(), so the SCEP key never leaves this file.  With
 * "pss" (a PSS request, algorithms.pss_replies) an RSA key signs with
 * RSASSA-PSS (RFC 4056: salt as long as the digest, MGF1 with it too).
 */
static CMS_SignerInfo *
ca_certrep_signer(void *arg, CMS_ContentInfo *cms, const EVP_MD *md,
    unsigned int flags)
{
	const struct ca_certrep_arg	*a = arg;
	EVP_PKEY			*key = ca_scep_key(a->ca);
	CMS_SignerInfo			*si;
	EVP_PKEY_CTX			*pctx;
	int				 pss;

	pss = a->pss && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
	if ((si = CMS_add1_signer(cms, ca_scep_cert(a->ca), key, md,
	    flags | (pss ? CMS_KEY_PARAM : 0))) == NULL || !pss)
		return si;
	if ((pctx = CMS_SignerInfo_get0_pkey_ctx(si)) == NULL ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0
	    || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0)
		return NULL;	/* the SignerInfo belongs to cms */
	return si;
}

unsigned char *
ca_certrep(const struct ca *ca, const struct scep_rep *rep, size_t *len)
{
	struct scep_rep		r = *rep;
	struct ca_certrep_arg	a = { ca, rep->pss };
	struct scep_signer	s = { ca_certrep_signer, &a };

	/*
	 * A sub-CA with its chain configured: the device gets the chain
	 * after its certificate, as GetCACert gives it; a CA standing
	 * alone sends the leaf only (REP-01's safest form).
	 */
	r.chain = r.issued != NULL && sk_X509_num(ca->chain) > 1 ?
	    ca->chain : NULL;
	return scep_rep_encode(&r, &s, len);
}

int
ca_issued(const struct ca *ca, const X509 *x)
{
	return x509_issued_by(ca->cert, x);
}

int
ca_subject_is(const struct ca *ca, const X509_NAME *name)
{
	return x509_subject_is(ca->cert, name);
}

X509 *
ca_cert(const struct ca *ca)
{
	return ca->cert;
}

STACK_OF(X509) *
ca_chain(const struct ca *ca)
{
	return ca->chain;
}

int
ca_cert_der(const struct ca *ca, unsigned char **der, size_t *len)
{
	return x509_i2d(i2d_X509, ca->cert, der, len);
}

int
ca_ra_der(const struct ca *ca, unsigned char **der, size_t *len)
{
	*der = NULL;
	*len = 0;
	if (ca->ra_cert == NULL)
		return 0;
	return x509_i2d(i2d_X509, ca->ra_cert, der, len);
}

int
ca_thumbprint(const struct ca *ca, char hex[41])
{
	unsigned char	 sha1[20];
	unsigned int	 n;

	/* The digest of the DER encoding, as the NDES page shows it. */
	if (!X509_digest(ca->cert, EVP_sha1(), sha1, &n) || n != sizeof(sha1))
		return -1;
	hex_encode(sha1, sizeof(sha1), hex);
	return 0;
}

void
ca_subject_oneline(const struct ca *ca, char *out, size_t sz)
{
	X509_NAME_oneline(X509_get_subject_name(ca->cert), out, (int)sz);
}

const char *
ca_key_type(const struct ca *ca)
{
	return EVP_PKEY_get_base_id(ca->key) == EVP_PKEY_EC ? "ec" : "rsa";
}

X509_STORE *
ca_trust_new(const struct ca *ca)
{
	X509_STORE	*st;

	if ((st = X509_STORE_new()) == NULL ||
	    !X509_STORE_add_cert(st, ca->cert)) {
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

void
ca_trust_free(X509_STORE *st)
{
	X509_STORE_free(st);
}

/*
 * RFC 8894 4.2.1.2: the CA, the RA, then the rest of the chain.  Apple
 * and Windows find the RA among the non-root certificates by its key
 * usage (CLIENTS.md); with several certificates Apple checks the
 * CertRep against the second one.
 */
static unsigned char *
ca_getcacert_p7(const struct ca *ca, size_t *len)
{
	STACK_OF(X509)	*sk = NULL;
	unsigned char	*body = NULL;
	int		 i;

	if ((sk = sk_X509_new_null()) == NULL || !sk_X509_push(sk, ca->cert) ||
	    (ca->ra_cert != NULL && !sk_X509_push(sk, ca->ra_cert)))
		goto out;
	/* ca->chain[0] is the CA itself. */
	for (i = 1; i < sk_X509_num(ca->chain); i++)
		if (!sk_X509_push(sk, sk_X509_value(ca->chain, i)))
			goto out;
	body = scep_certs_only(sk, len);
 out:
	sk_X509_free(sk);
	return body;
}

unsigned char *
ca_getcacert(const struct ca *ca, const struct conf_profile *pc,
    size_t *len, const char **ctype)
{
	unsigned char	*body = NULL;
	int		 many;

	many = ca->ra_cert != NULL || sk_X509_num(ca->chain) > 1;
	if (pc->getcacert == CONF_GETCACERT_CA && ca->ra_cert != NULL) {
		log_warnx("profile %s: getcacert \"ca\" hides the RA that "
		    "clients must encrypt to", pc->name);
		return NULL;
	}
	/* 4.2.1.1: a lone CA as DER, unless "chain" asks for PKCS#7. */
	if (pc->getcacert == CONF_GETCACERT_CA ||
	    (pc->getcacert == CONF_GETCACERT_AUTO && !many)) {
		*ctype = "application/x-x509-ca-cert";
		return ca_cert_der(ca, &body, len) == 0 ? body : NULL;
	}
	*ctype = "application/x-x509-ca-ra-cert";
	return ca_getcacert_p7(ca, len);
}

struct ca_providers *
ca_legacy_load(void)
{
	struct ca_providers	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("algorithms.legacy");
		return NULL;
	}
	if ((p->legacy = OSSL_PROVIDER_load(NULL, "legacy")) == NULL ||
	    (p->dflt = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
		log_crypto("algorithms.legacy: cannot load OpenSSL's legacy "
		    "provider");
		ca_legacy_unload(p);
		return NULL;
	}
	return p;
}

void
ca_legacy_unload(struct ca_providers *p)
{
	if (p == NULL)
		return;
	if (p->legacy != NULL)
		OSSL_PROVIDER_unload(p->legacy);
	if (p->dflt != NULL)
		OSSL_PROVIDER_unload(p->dflt);
	free(p);
}
