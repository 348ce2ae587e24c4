/*	SPDX-License-Identifier: ISC */
/*
 * scep_asn1.c: OIDs and ASN.1 templates of RFC 8894, and the algorithm
 * allow-lists of RFC 8894 2.9 (AES-CBC and DES-EDE3-CBC; SHA-1 and the
 * SHA-2 family; never single DES, RC2 or MD5).
 * Uses OpenSSL and log.c only.
 */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "log.h"
#include "scep.h"
#include "x509.h"

/* RFC 8894 3.2.1, Table 2, made into objects once by scep_asn1_init(). */
static const char *const scep_oid_txt[SCEP_OID__MAX] = {
	[SCEP_OID_MESSAGETYPE] = "2.16.840.1.113733.1.9.2",
	[SCEP_OID_PKISTATUS] = "2.16.840.1.113733.1.9.3",
	[SCEP_OID_FAILINFO] = "2.16.840.1.113733.1.9.4",
	[SCEP_OID_SENDERNONCE] = "2.16.840.1.113733.1.9.5",
	[SCEP_OID_RECIPIENTNONCE] = "2.16.840.1.113733.1.9.6",
	[SCEP_OID_TRANSACTIONID] = "2.16.840.1.113733.1.9.7",
	[SCEP_OID_FAILINFOTEXT] = "1.3.6.1.5.5.7.24.1",
};
/*
 * Written once under scep_asn1_once, read-only after: the table is
 * process-wide state that no reload changes, and a SIGHUP reload calls
 * scep_asn1_init() again while workers read it.
 */
static ASN1_OBJECT	*scep_oids[SCEP_OID__MAX];
static pthread_once_t	 scep_asn1_once = PTHREAD_ONCE_INIT;
static int		 scep_asn1_rc = -1;

static void
scep_asn1_fill(void)
{
	int i;

	for (i = 0; i < SCEP_OID__MAX; i++) {
		if ((scep_oids[i] = OBJ_txt2obj(scep_oid_txt[i], 1)) == NULL) {
			log_crypto("OBJ_txt2obj %s", scep_oid_txt[i]);
			return;
		}
	}
	scep_asn1_rc = 0;
}

int
scep_asn1_init(void)
{
	if (pthread_once(&scep_asn1_once, scep_asn1_fill) != 0)
		return -1;
	return scep_asn1_rc;
}

ASN1_OBJECT *
scep_oid(int which)
{
	return scep_oids[which];
}

const EVP_MD *
scep_md_allowed(int nid, int legacy)
{
	switch (nid) {
	case NID_md5:
		return legacy ? EVP_md5() : NULL;
	case NID_sha1:
	case NID_sha224:
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
		return EVP_get_digestbynid(nid);
	default:
		return NULL;	/* MD5 and everything else: badAlg */
	}
}

/*
 * The content cipher if it is allowed and its parameter is an IV of the
 * right size (checklist ENC-05: a malformed IV is badAlg, found before
 * any key is touched).
 */
const EVP_CIPHER *
scep_cipher_allowed(const X509_ALGOR *alg, int legacy)
{
	const EVP_CIPHER	*c;
	const ASN1_OBJECT	*obj;
	const void		*pval;
	int			 ptype;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	switch (OBJ_obj2nid(obj)) {
	case NID_des_cbc:
		if (!legacy)
			return NULL;
		c = EVP_des_cbc();
		break;
	case NID_aes_128_cbc:
	case NID_aes_192_cbc:
	case NID_aes_256_cbc:
	case NID_des_ede3_cbc:
		c = EVP_get_cipherbynid(OBJ_obj2nid(obj));
		break;
	default:
		return NULL;
	}
	if (c == NULL || ptype != V_ASN1_OCTET_STRING ||
	    ASN1_STRING_length(pval) != EVP_CIPHER_get_iv_length(c))
		return NULL;
	return c;
}

/*
 * RFC 5652 6.1 EnvelopedData, declared only as far as the engine needs
 * to read it before decrypting: the content-encryption algorithm.  The
 * rest is kept as ANY.  OpenSSL's CMS API has no getter for it.
 */
typedef struct {
	ASN1_OBJECT		*contentType;
	X509_ALGOR		*contentEncryptionAlgorithm;
	ASN1_OCTET_STRING	*encryptedContent;
} SCEP_ENC_CONTENT_INFO;

typedef struct {
	ASN1_INTEGER			*version;
	STACK_OF(ASN1_TYPE)		*originatorInfo;
	STACK_OF(ASN1_TYPE)		*recipientInfos;
	SCEP_ENC_CONTENT_INFO		*encryptedContentInfo;
	STACK_OF(ASN1_TYPE)		*unprotectedAttrs;
} SCEP_ENVELOPED_DATA;

typedef struct {
	ASN1_OBJECT		*contentType;
	SCEP_ENVELOPED_DATA	*content;
} SCEP_ENV_CONTENT_INFO;

DECLARE_ASN1_FUNCTIONS(SCEP_ENC_CONTENT_INFO)
DECLARE_ASN1_FUNCTIONS(SCEP_ENVELOPED_DATA)
DECLARE_ASN1_FUNCTIONS(SCEP_ENV_CONTENT_INFO)

ASN1_SEQUENCE(SCEP_ENC_CONTENT_INFO) = {
	ASN1_SIMPLE(SCEP_ENC_CONTENT_INFO, contentType, ASN1_OBJECT),
	ASN1_SIMPLE(SCEP_ENC_CONTENT_INFO, contentEncryptionAlgorithm,
	    X509_ALGOR),
	ASN1_IMP_OPT(SCEP_ENC_CONTENT_INFO, encryptedContent,
	    ASN1_OCTET_STRING, 0),
} ASN1_SEQUENCE_END(SCEP_ENC_CONTENT_INFO)

ASN1_SEQUENCE(SCEP_ENVELOPED_DATA) = {
	ASN1_SIMPLE(SCEP_ENVELOPED_DATA, version, ASN1_INTEGER),
	ASN1_IMP_SEQUENCE_OF_OPT(SCEP_ENVELOPED_DATA, originatorInfo,
	    ASN1_ANY, 0),
	ASN1_SET_OF(SCEP_ENVELOPED_DATA, recipientInfos, ASN1_ANY),
	ASN1_SIMPLE(SCEP_ENVELOPED_DATA, encryptedContentInfo,
	    SCEP_ENC_CONTENT_INFO),
	ASN1_IMP_SET_OF_OPT(SCEP_ENVELOPED_DATA, unprotectedAttrs,
	    ASN1_ANY, 1),
} ASN1_SEQUENCE_END(SCEP_ENVELOPED_DATA)

ASN1_SEQUENCE(SCEP_ENV_CONTENT_INFO) = {
	ASN1_SIMPLE(SCEP_ENV_CONTENT_INFO, contentType, ASN1_OBJECT),
	ASN1_EXP(SCEP_ENV_CONTENT_INFO, content, SCEP_ENVELOPED_DATA, 0),
} ASN1_SEQUENCE_END(SCEP_ENV_CONTENT_INFO)

IMPLEMENT_ASN1_FUNCTIONS(SCEP_ENC_CONTENT_INFO)
IMPLEMENT_ASN1_FUNCTIONS(SCEP_ENVELOPED_DATA)
IMPLEMENT_ASN1_FUNCTIONS(SCEP_ENV_CONTENT_INFO)

const X509_ALGOR *
scep_env_cipher(const unsigned char *der, size_t len, void **owner)
{
	SCEP_ENV_CONTENT_INFO	*ci;
	const unsigned char	*p = der;

	*owner = NULL;
	if (len > LONG_MAX)
		return NULL;
	if ((ci = d2i_SCEP_ENV_CONTENT_INFO(NULL, &p, (long)len)) == NULL)
		return NULL;
	if (OBJ_obj2nid(ci->contentType) != NID_pkcs7_enveloped ||
	    OBJ_obj2nid(ci->content->encryptedContentInfo->contentType) !=
	    NID_pkcs7_data) {
		SCEP_ENV_CONTENT_INFO_free(ci);
		return NULL;
	}
	*owner = ci;
	return ci->content->encryptedContentInfo->contentEncryptionAlgorithm;
}

void
scep_env_free(void *owner)
{
	SCEP_ENV_CONTENT_INFO_free(owner);
}

/*
 * RFC 5652 6.2.4 PasswordRecipientInfo, the [3] IMPLICIT alternative of
 * RecipientInfo: read before any decryption so that its PBKDF2 cost is
 * bounded (OpenSSL's CMS code takes any iteration count).
 */
typedef struct {
	ASN1_INTEGER		*version;
	X509_ALGOR		*keyDerivationAlgorithm;
	X509_ALGOR		*keyEncryptionAlgorithm;
	ASN1_OCTET_STRING	*encryptedKey;
} SCEP_PWRI;

DECLARE_ASN1_ITEM(SCEP_PWRI)
DECLARE_ASN1_ITEM(SCEP_PWRI_TAGGED)

ASN1_SEQUENCE(SCEP_PWRI) = {
	ASN1_SIMPLE(SCEP_PWRI, version, ASN1_INTEGER),
	ASN1_IMP_OPT(SCEP_PWRI, keyDerivationAlgorithm, X509_ALGOR, 0),
	ASN1_SIMPLE(SCEP_PWRI, keyEncryptionAlgorithm, X509_ALGOR),
	ASN1_SIMPLE(SCEP_PWRI, encryptedKey, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(SCEP_PWRI)

ASN1_ITEM_TEMPLATE(SCEP_PWRI_TAGGED) =
	ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_IMPLICIT, 3, SCEP_PWRI_TAGGED,
	    SCEP_PWRI)
ASN1_ITEM_TEMPLATE_END(SCEP_PWRI_TAGGED)

/* RFC 8018 A.2: PBKDF2 with an HMAC of an allowed digest, bounded. */
static const char *
scep_pwri_kdf(const X509_ALGOR *kdf)
{
	PBKDF2PARAM	*kp;
	const char	*why = NULL;
	long		 iter;
	int		 prf = NID_hmacWithSHA1;

	if (kdf == NULL || OBJ_obj2nid(kdf->algorithm) != NID_id_pbkdf2 ||
	    (kp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
	    kdf->parameter)) == NULL)
		return "RFC 3211 2.2: key derivation is not PBKDF2";
	if (kp->prf != NULL)
		prf = OBJ_obj2nid(kp->prf->algorithm);
	iter = ASN1_INTEGER_get(kp->iter);
	if (kp->salt == NULL || kp->salt->type != V_ASN1_OCTET_STRING ||
	    ASN1_STRING_length(kp->salt->value.octet_string) >
	    SCEP_PWRI_MAX_SALT)
		why = "RFC 8018 A.2: PBKDF2 salt not an OCTET STRING of at "
		    "most 64 bytes";
	else if (iter < 1 || iter > SCEP_PWRI_MAX_ITER)
		why = "RFC 8018 A.2: PBKDF2 iteration count above 20000 "
		    "(denial-of-service bound) or below 1";
	else if (prf != NID_hmacWithSHA1 && prf != NID_hmacWithSHA256 &&
	    prf != NID_hmacWithSHA384 && prf != NID_hmacWithSHA512)
		why = "RFC 8018 B.1: PBKDF2 PRF not allowed";
	PBKDF2PARAM_free(kp);
	return why;
}

/* RFC 3211 2.3: id-alg-PWRI-KEK around an allowed CBC cipher. */
static const char *
scep_pwri_kek(const X509_ALGOR *kek, int legacy)
{
	X509_ALGOR	*inner;
	const char	*why = NULL;

	if (OBJ_obj2nid(kek->algorithm) != NID_id_alg_PWRI_KEK ||
	    (inner = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
	    kek->parameter)) == NULL)
		return "RFC 3211 2.3: key encryption is not id-alg-PWRI-KEK";
	if (scep_cipher_allowed(inner, legacy) == NULL)
		why = "RFC 8894 2.9: PWRI key-encryption cipher not allowed";
	X509_ALGOR_free(inner);
	return why;
}

int
scep_env_pwri(const void *owner, int legacy, int *found, const char **why)
{
	const SCEP_ENV_CONTENT_INFO	*ci = owner;
	STACK_OF(ASN1_TYPE)		*ris = ci->content->recipientInfos;
	const ASN1_TYPE			*t;
	const unsigned char		*p;
	SCEP_PWRI			*pw;
	int				 i;

	*found = 0;
	*why = NULL;
	for (i = 0; i < sk_ASN1_TYPE_num(ris); i++) {
		t = sk_ASN1_TYPE_value(ris, i);
		if (t->type != V_ASN1_OTHER)	/* ktri, kari: universal */
			continue;
		p = ASN1_STRING_get0_data(t->value.asn1_string);
		if ((pw = (SCEP_PWRI *)ASN1_item_d2i(NULL, &p,
		    ASN1_STRING_length(t->value.asn1_string),
		    ASN1_ITEM_rptr(SCEP_PWRI_TAGGED))) == NULL) {
			ERR_clear_error();
			continue;		/* [1] kari, [2] kekri, [4] ori */
		}
		*found = 1;
		if ((*why = scep_pwri_kdf(pw->keyDerivationAlgorithm)) ==
		    NULL)
			*why = scep_pwri_kek(pw->keyEncryptionAlgorithm,
			    legacy);
		ASN1_item_free((ASN1_VALUE *)pw, ASN1_ITEM_rptr(SCEP_PWRI));
		if (*why != NULL)
			return -1;
	}
	return 0;
}

/* RFC 8894 3.3.3: the messageData of a CertPoll. */
typedef struct {
	X509_NAME	*issuer;
	X509_NAME	*subject;
} SCEP_ISSUER_AND_SUBJECT;

DECLARE_ASN1_FUNCTIONS(SCEP_ISSUER_AND_SUBJECT)

ASN1_SEQUENCE(SCEP_ISSUER_AND_SUBJECT) = {
	ASN1_SIMPLE(SCEP_ISSUER_AND_SUBJECT, issuer, X509_NAME),
	ASN1_SIMPLE(SCEP_ISSUER_AND_SUBJECT, subject, X509_NAME),
} ASN1_SEQUENCE_END(SCEP_ISSUER_AND_SUBJECT)

IMPLEMENT_ASN1_FUNCTIONS(SCEP_ISSUER_AND_SUBJECT)

int
scep_issuer_subject(const unsigned char *der, size_t len, X509_NAME **issuer,
    X509_NAME **subject)
{
	SCEP_ISSUER_AND_SUBJECT	*ias;
	const unsigned char	*p = der;

	*issuer = *subject = NULL;
	if (len > LONG_MAX ||
	    (ias = d2i_SCEP_ISSUER_AND_SUBJECT(NULL, &p, (long)len)) == NULL)
		return -1;
	if (p != der + len) {
		SCEP_ISSUER_AND_SUBJECT_free(ias);
		return -1;
	}
	*issuer = ias->issuer;
	*subject = ias->subject;
	ias->issuer = ias->subject = NULL;
	SCEP_ISSUER_AND_SUBJECT_free(ias);
	return 0;
}

int
scep_issuer_serial(const unsigned char *der, size_t len, X509_NAME **issuer,
    char *serial, size_t sz)
{
	PKCS7_ISSUER_AND_SERIAL	*ias;
	const unsigned char	*p = der;
	int			 rc = -1;

	*issuer = NULL;
	if (len > LONG_MAX ||
	    (ias = d2i_PKCS7_ISSUER_AND_SERIAL(NULL, &p, (long)len)) == NULL)
		return -1;
	if (p == der + len && x509_serial_hex(ias->serial, serial, sz) == 0) {
		*issuer = ias->issuer;
		ias->issuer = NULL;
		rc = 0;
	}
	PKCS7_ISSUER_AND_SERIAL_free(ias);
	return rc;
}

const char *
scep_fail_str(enum scep_fail f)
{
	static const char *const names[SCEP_FAIL__MAX] = {
		[SCEP_OK] = "",
		[SCEP_FAIL_BADALG] = "badAlg",
		[SCEP_FAIL_BADMESSAGECHECK] = "badMessageCheck",
		[SCEP_FAIL_BADREQUEST] = "badRequest",
		[SCEP_FAIL_BADTIME] = "badTime",
		[SCEP_FAIL_BADCERTID] = "badCertId",
		[SCEP_FAIL_HTTP] = "http",
		[SCEP_FAIL_INTERNAL] = "internal",
	};

	return (unsigned)f < SCEP_FAIL__MAX ? names[f] : "?";
}

int
scep_fail_info(enum scep_fail f)
{
	switch (f) {
	case SCEP_FAIL_BADALG:
		return 0;
	case SCEP_FAIL_BADMESSAGECHECK:
		return 1;
	case SCEP_FAIL_BADREQUEST:
		return 2;
	case SCEP_FAIL_BADTIME:
		return 3;
	case SCEP_FAIL_BADCERTID:
		return 4;
	default:
		return -1;
	}
}

const char *
scep_msgtype_str(enum scep_msgtype t)
{
	switch (t) {
	case SCEP_MSG_CERTREP:
		return "CertRep";
	case SCEP_MSG_RENEWALREQ:
		return "RenewalReq";
	case SCEP_MSG_PKCSREQ:
		return "PKCSReq";
	case SCEP_MSG_CERTPOLL:
		return "CertPoll";
	case SCEP_MSG_GETCERT:
		return "GetCert";
	case SCEP_MSG_GETCRL:
		return "GetCRL";
	default:
		return "unknown";
	}
}
