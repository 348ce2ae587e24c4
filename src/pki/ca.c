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
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "log.h"
#include "spki.h"
#include "util.h"


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

/*
 * RA mode: a separate RSA certificate of this CA opens the requests'
 * envelopes and signs the CertReps, so the CA key only signs
 * certificates and may be EC (RFC 8894 3.1 needs RSA key transport).
 */
static int
ca_ra_load(struct ca *ca, const struct conf_ca *cc)
{
	STACK_OF(X509)	*sk;
	uint32_t	 ku;

	if (cc->ra_cert == NULL) {
		if (EVP_PKEY_get_base_id(ca->key) == EVP_PKEY_RSA)
			return 0;
		log_warnx("%s: SCEP without an RA needs an RSA CA key "
		    "(RFC 8894 3.1): add ra_cert and ra_key (scepd ca "
		    "create-ra)", cc->key);
		return -1;
	}
	if ((sk = ca_certs_load(cc->ra_cert)) == NULL)
		return -1;
	ca->ra_cert = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	if ((ca->ra_key = ca_key_load(cc->ra_key)) == NULL)
		return -1;
	if (X509_check_private_key(ca->ra_cert, ca->ra_key) != 1) {
		log_crypto("%s: key does not match %s", cc->ra_key,
		    cc->ra_cert);
		return -1;
	}
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
	STACK_OF(X509)	*sk = NULL;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return NULL;
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
	STACK_OF(X509)	*sk;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return NULL;
	if ((sk = ca_certs_load(certpath)) == NULL)
		goto err;
	ca->cert = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	if ((ca->key = ca_key_load(keypath)) == NULL)
		goto err;
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		log_crypto("%s: key does not match %s", keypath, certpath);
		goto err;
	}
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

/* A positive serial of CA_SERIAL_BYTES random bytes, as hex too. */
int
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
	    tc->digest : "sha256")) == NULL)
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
