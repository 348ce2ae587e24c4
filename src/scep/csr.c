/*	SPDX-License-Identifier: ISC */
/*
 * csr.c: PKCS#10 (RFC 2986) -> struct csr_info.  Verifies the request's
 * self-signature (proof of possession), reads the challengePassword
 * (RFC 2985 5.4.1: any DirectoryString, single value) and the requested
 * subjectAltName from the extensionRequest.  Other requested extensions
 * are ignored: privileges come from the template, never from the CSR.
 * csr_san_each() spells those SANs as text for modules that must not
 * parse DER themselves (webhook.c).  Uses OpenSSL and log.c only.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "log.h"
#include "scep.h"
#include "spki.h"
#include "x509.h"

static void
csr_key_describe(struct csr_info *ci, EVP_PKEY *pk)
{
	char	 group[64];

	ci->key_bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		ci->key = CSR_KEY_RSA;
		break;
	case EVP_PKEY_EC:
		ci->key = CSR_KEY_EC_OTHER;
		/*
		 * RFC 5480 2.1.1: named curves only.  OpenSSL recognises
		 * explicit parameters equal to a named curve and then
		 * reports its name too, so ask how they were encoded:
		 * explicit parameters are refused (badAlg) even then.
		 */
		if (EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_EC_ENCODING, group, sizeof(group), NULL) &&
		    strcmp(group, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
			break;
		if (!EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL))
			break;		/* explicit parameters */
		if (strcmp(group, "prime256v1") == 0)
			ci->key = CSR_KEY_EC_P256;
		else if (strcmp(group, "secp384r1") == 0)
			ci->key = CSR_KEY_EC_P384;
		break;
	default:
		ci->key = CSR_KEY_OTHER;
	}
}

/*
 * RFC 2986 4 CertificationRequest, read with the key left as bytes
 * (spki.h): the key is decoded only when the signer's certificate does
 * not already hold it.  The attributes are OPTIONAL here, as in
 * OpenSSL's own X509_REQ_INFO, for requests that omit the empty set.
 * CSR_INFO keeps its encoding, so the signature is checked over the
 * bytes as received.
 */
typedef struct {
	ASN1_ENCODING			 enc;
	ASN1_INTEGER			*version;
	X509_NAME			*subject;
	SCEPD_SPKI			*spki;
	STACK_OF(X509_ATTRIBUTE)	*attributes;
} CSR_INFO;

typedef struct {
	CSR_INFO	*info;
	X509_ALGOR	*sig_alg;
	ASN1_BIT_STRING	*signature;
} CSR_REQ;

DECLARE_ASN1_FUNCTIONS(CSR_INFO)
DECLARE_ASN1_FUNCTIONS(CSR_REQ)

ASN1_SEQUENCE_enc(CSR_INFO, enc, 0) = {
	ASN1_SIMPLE(CSR_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(CSR_INFO, subject, X509_NAME),
	ASN1_SIMPLE(CSR_INFO, spki, SCEPD_SPKI),
	ASN1_IMP_SET_OF_OPT(CSR_INFO, attributes, X509_ATTRIBUTE, 0),
} ASN1_SEQUENCE_END_enc(CSR_INFO, CSR_INFO)

ASN1_SEQUENCE(CSR_REQ) = {
	ASN1_SIMPLE(CSR_REQ, info, CSR_INFO),
	ASN1_SIMPLE(CSR_REQ, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(CSR_REQ, signature, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(CSR_REQ)

IMPLEMENT_ASN1_FUNCTIONS(CSR_INFO)
IMPLEMENT_ASN1_FUNCTIONS(CSR_REQ)

/* RFC 2985 5.4.1: one value, any DirectoryString (and IA5, AUTH-01). */
static void
csr_challenge(struct csr_info *ci, const STACK_OF(X509_ATTRIBUTE) *attrs)
{
	X509_ATTRIBUTE	*a;
	ASN1_TYPE	*t;
	unsigned char	*utf8 = NULL;
	int		 i, n;

	if ((i = X509at_get_attr_by_NID(attrs, NID_pkcs9_challengePassword,
	    -1)) < 0)
		return;
	ci->challenge_state = CSR_CHALLENGE_BAD;
	a = X509at_get_attr(attrs, i);
	if (X509at_get_attr_by_NID(attrs, NID_pkcs9_challengePassword, i) >=
	    0 || X509_ATTRIBUTE_count(a) != 1 ||
	    (t = X509_ATTRIBUTE_get0_type(a, 0)) == NULL)
		return;
	switch (t->type) {
	case V_ASN1_PRINTABLESTRING:
	case V_ASN1_UTF8STRING:
	case V_ASN1_BMPSTRING:
	case V_ASN1_T61STRING:
	case V_ASN1_UNIVERSALSTRING:
	case V_ASN1_IA5STRING:
		break;
	default:
		return;
	}
	if ((n = ASN1_STRING_to_UTF8(&utf8, t->value.asn1_string)) < 0)
		return;
	if (n <= CSR_CHALLENGE_MAX && memchr(utf8, '\0', (size_t)n) == NULL) {
		memcpy(ci->challenge, utf8, (size_t)n);
		ci->challenge[n] = '\0';
		ci->challengesz = (size_t)n;
		/* LEG-17: an empty password is no password. */
		ci->challenge_state = n == 0 ? CSR_CHALLENGE_NONE :
		    CSR_CHALLENGE_ONE;
	} else if (n <= CSR_CHALLENGE_LONG_MAX &&
	    memchr(utf8, '\0', (size_t)n) == NULL) {
		ci->challengesz = (size_t)n;
		ci->challenge_state = CSR_CHALLENGE_LONG;
	}
	OPENSSL_clear_free(utf8, (size_t)n);
}

/*
 * The requested extensions: PKCS#9 extensionRequest, or Microsoft's
 * older OID for it, as X509_REQ_get_extensions() reads them.  An empty
 * stack when there are none; NULL when the attribute does not parse.
 */
static STACK_OF(X509_EXTENSION) *
csr_extensions(const STACK_OF(X509_ATTRIBUTE) *attrs)
{
	static const int	 nids[] = { NID_ext_req, NID_ms_ext_req };
	X509_ATTRIBUTE		*a;
	ASN1_TYPE		*t;
	const unsigned char	*p;
	size_t			 k;
	int			 i;

	for (k = 0; k < sizeof(nids) / sizeof(nids[0]); k++) {
		if ((i = X509at_get_attr_by_NID(attrs, nids[k], -1)) < 0)
			continue;
		a = X509at_get_attr(attrs, i);
		if ((t = X509_ATTRIBUTE_get0_type(a, 0)) == NULL ||
		    t->type != V_ASN1_SEQUENCE)
			return NULL;
		p = t->value.sequence->data;
		return (STACK_OF(X509_EXTENSION) *)ASN1_item_d2i(NULL, &p,
		    t->value.sequence->length, ASN1_ITEM_rptr(X509_EXTENSIONS));
	}
	return sk_X509_EXTENSION_new_null();
}

/* The subjectAltName the CSR asks for, as DER GeneralNames. */
static int
csr_san(struct csr_info *ci, const STACK_OF(X509_ATTRIBUTE) *attrs)
{
	STACK_OF(X509_EXTENSION)	*exts;
	const ASN1_OCTET_STRING		*v;
	GENERAL_NAMES			*gens;
	const unsigned char		*p;
	int				 i, rc = 0;

	if ((exts = csr_extensions(attrs)) == NULL)
		return 0;
	if ((i = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1)) >= 0) {
		v = X509_EXTENSION_get_data(X509v3_get_ext(exts, i));
		if (X509v3_get_ext_by_NID(exts, NID_subject_alt_name, i) >= 0 ||
		    ASN1_STRING_length(v) <= 0 ||
		    (ci->san = malloc((size_t)ASN1_STRING_length(v))) == NULL)
			rc = -1;
		else {
			ci->sansz = (size_t)ASN1_STRING_length(v);
			memcpy(ci->san, ASN1_STRING_get0_data(v), ci->sansz);
			/* It is copied into the certificate: it must parse. */
			p = ci->san;
			gens = d2i_GENERAL_NAMES(NULL, &p, (long)ci->sansz);
			if (gens == NULL || p != ci->san + ci->sansz)
				rc = -1;
			GENERAL_NAMES_free(gens);
		}
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}


/*
 * The CSR's key: "known" when its SubjectPublicKeyInfo hashes to
 * "known_kid" (a self-signed signer's own key, decoded already with its
 * certificate), else decoded here into *owned.
 */
static EVP_PKEY *
csr_key(struct csr_info *ci, const unsigned char *known_kid, EVP_PKEY *known,
    EVP_PKEY **owned)
{
	const unsigned char *p = ci->spki;

	if (known != NULL && known_kid != NULL &&
	    memcmp(known_kid, ci->kid, CSR_KID_LEN) == 0)
		return known;
	*owned = d2i_PUBKEY(NULL, &p, (long)ci->spkisz);
	return *owned;
}

enum scep_fail
csr_parse_known(const unsigned char *der, size_t len,
    const unsigned char *known_kid, EVP_PKEY *known, struct csr_info *ci)
{
	CSR_REQ			*req = NULL;
	EVP_PKEY		*pk, *owned = NULL;
	const unsigned char	*p = der;
	enum scep_fail		 f = SCEP_FAIL_BADREQUEST;
	int			 signid;

	memset(ci, 0, sizeof(*ci));
	ci->why = "RFC 2986: not a PKCS#10 request";
	if (len > LONG_MAX || (req = d2i_CSR_REQ(NULL, &p, (long)len)) ==
	    NULL || p != der + len || x509_i2d(i2d_SCEPD_SPKI, req->info->spki,
	    &ci->spki, &ci->spkisz) == -1 || !EVP_Digest(ci->spki, ci->spkisz,
	    ci->kid, NULL, EVP_sha256(), NULL) ||
	    (pk = csr_key(ci, known_kid, known, &owned)) == NULL) {
		ci->garbled = 1;
		goto out;
	}
	signid = OBJ_obj2nid(req->sig_alg->algorithm);
	if (signid == NID_md5WithRSAEncryption ||
	    signid == NID_md2WithRSAEncryption) {
		ci->why = "RFC 8894 2.9: CSR signed with MD5";
		f = SCEP_FAIL_BADALG;
		goto out;
	}
	csr_key_describe(ci, pk);
	if (ci->key == CSR_KEY_RSA && ci->key_bits > 16384) {
		ci->why = "RSA key too large to verify";
		f = SCEP_FAIL_BADALG;
		goto out;
	}
	if (ASN1_item_verify(ASN1_ITEM_rptr(CSR_INFO), req->sig_alg,
	    req->signature, req->info, pk) != 1) {
		ci->why = "RFC 2986: CSR signature (proof of possession) "
		    "does not verify";
		goto out;
	}
	ci->why = "CSR content unusable";
	if (x509_i2d(i2d_X509_NAME, req->info->subject, &ci->subject,
	    &ci->subjectsz) == -1 || (ci->subject_txt =
	    x509_name_txt(req->info->subject)) == NULL || csr_san(ci,
	    req->info->attributes) == -1)
		goto out;
	csr_challenge(ci, req->info->attributes);
	ci->why = NULL;
	f = SCEP_OK;
 out:
	ERR_clear_error();
	EVP_PKEY_free(owned);
	CSR_REQ_free(req);
	return f;
}

enum scep_fail
csr_parse(const unsigned char *der, size_t len, struct csr_info *ci)
{
	return csr_parse_known(der, len, NULL, NULL, ci);
}

void
csr_info_clear(struct csr_info *ci)
{
	free(ci->subject);
	free(ci->subject_txt);
	free(ci->spki);
	free(ci->san);
	explicit_bzero(ci->challenge, sizeof(ci->challenge));
	memset(ci, 0, sizeof(*ci));
}

/*
 * An IA5String (RFC 5280 4.2.1.6: dNSName, rfc822Name, URI) as a C
 * string, or NULL.  A NUL inside would let "evil.example\0.good.example"
 * read as the good name to whoever uses the text, so it is refused, as
 * are 8-bit bytes, which IA5 does not have.
 */
static char *
csr_ia5_dup(const ASN1_STRING *s)
{
	const unsigned char	*p = ASN1_STRING_get0_data(s);
	int			 i, n = ASN1_STRING_length(s);

	for (i = 0; i < n; i++)
		if (p[i] == '\0' || p[i] > 0x7f)
			return NULL;
	return strndup((const char *)p, (size_t)n);
}

/* RFC 5280 4.2.1.6: iPAddress is 4 or 16 octets in a SAN (8/32 are NC). */
static int
csr_ip_txt(const ASN1_OCTET_STRING *o, char *buf, size_t bufsz)
{
	int	 af;

	switch (ASN1_STRING_length(o)) {
	case 4:
		af = AF_INET;
		break;
	case 16:
		af = AF_INET6;
		break;
	default:
		return -1;
	}
	if (inet_ntop(af, ASN1_STRING_get0_data(o), buf, bufsz) == NULL)
		return -1;
	return 0;
}

/* Name the kinds that have no plain text form, so a reader sees them. */
static void
csr_other_txt(const GENERAL_NAME *g, char *buf, size_t bufsz)
{
	char	 oid[80];

	oid[0] = '\0';
	switch (g->type) {
	case GEN_OTHERNAME:
		OBJ_obj2txt(oid, sizeof(oid), g->d.otherName->type_id, 1);
		snprintf(buf, bufsz, "otherName %s", oid);
		break;
	case GEN_RID:
		OBJ_obj2txt(oid, sizeof(oid), g->d.registeredID, 1);
		snprintf(buf, bufsz, "registeredID %s", oid);
		break;
	case GEN_DIRNAME:
		snprintf(buf, bufsz, "directoryName");
		break;
	case GEN_X400:
		snprintf(buf, bufsz, "x400Address");
		break;
	default:
		snprintf(buf, bufsz, "ediPartyName");
		break;
	}
}

/* One GeneralName to "cb"; -1 if it has no valid text or "cb" says stop. */
static int
csr_san_one(const GENERAL_NAME *g,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	char		 txt[128];
	char		*s = NULL;
	const char	*type = NULL;
	int		 rc = -1;

	switch (g->type) {
	case GEN_DNS:
		type = "dns";
		s = csr_ia5_dup(g->d.dNSName);
		break;
	case GEN_EMAIL:
		type = "email";
		s = csr_ia5_dup(g->d.rfc822Name);
		break;
	case GEN_URI:
		/* Intune's "tag:microsoft.com,2022-09-14:sid:..." included. */
		type = "uri";
		s = csr_ia5_dup(g->d.uniformResourceIdentifier);
		break;
	case GEN_IPADD:
		if (csr_ip_txt(g->d.iPAddress, txt, sizeof(txt)) == -1)
			goto out;
		rc = cb("ip", txt, arg) == 0 ? 0 : -1;
		goto out;
	default:
		csr_other_txt(g, txt, sizeof(txt));
		rc = cb("other", txt, arg) == 0 ? 0 : -1;
		goto out;
	}
	if (s == NULL)
		goto out;
	rc = cb(type, s, arg) == 0 ? 0 : -1;
 out:
	free(s);
	return rc;
}

int
csr_san_each(const unsigned char *san, size_t sansz,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	GENERAL_NAMES		*gens = NULL;
	const unsigned char	*p = san;
	int			 i, rc = -1;

	if (san == NULL || sansz == 0)
		return 0;
	if (sansz > LONG_MAX || (gens = d2i_GENERAL_NAMES(NULL, &p,
	    (long)sansz)) == NULL || p != san + sansz)
		goto out;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++)
		if (csr_san_one(sk_GENERAL_NAME_value(gens, i), cb, arg) == -1)
			goto out;
	rc = 0;
 out:
	/* A malformed SAN is reported by the return; leave no stale error. */
	ERR_clear_error();
	GENERAL_NAMES_free(gens);
	return rc;
}
