/*	SPDX-License-Identifier: ISC */
/*
 * scep_decode.c: pkiMessage bytes in, struct scep_req out.
 * RFC 8894 3.1 (processing), 3.2 (pkiMessage), 3.2.1 (attributes),
 * 3.2.2 (pkcsPKIEnvelope); RFC 5652 5 (SignedData), 6 (EnvelopedData).
 *
 * Uses OpenSSL, scep_asn1.c and log.c only.  It never decides whether a
 * request is acceptable (policy.c) and never sees a private key: the
 * envelope is handed on sealed, with its cipher already checked.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "log.h"
#include "scep.h"

/* Signer keys bigger than this cost too much to verify (ENC-10). */
#define SCEP_SIGNER_MAX_BITS	8192

/*
 * The single value of signed attribute "obj".  NULL if absent; NULL
 * with *dup set if the attribute appears twice or holds several values
 * (ATTR-09: never pick one silently).
 */
static const ASN1_TYPE *
attr_one(CMS_SignerInfo *si, int which, int *dup)
{
	X509_ATTRIBUTE	*a;
	ASN1_OBJECT	*obj = scep_oid(which);
	int		 i;

	*dup = 0;
	if ((i = CMS_signed_get_attr_by_OBJ(si, obj, -1)) < 0)
		return NULL;
	a = CMS_signed_get_attr(si, i);
	if (CMS_signed_get_attr_by_OBJ(si, obj, i) >= 0 ||
	    X509_ATTRIBUTE_count(a) != 1) {
		*dup = 1;
		return NULL;
	}
	return X509_ATTRIBUTE_get0_type(a, 0);
}

/* Printable-ish string types clients use for text attributes (ATTR-03). */
static const ASN1_STRING *
attr_text(const ASN1_TYPE *t)
{
	if (t == NULL)
		return NULL;
	switch (t->type) {
	case V_ASN1_PRINTABLESTRING:
	case V_ASN1_UTF8STRING:
	case V_ASN1_IA5STRING:
	case V_ASN1_T61STRING:
		return t->value.asn1_string;
	default:
		return NULL;
	}
}

/* RFC 8894 3.2.1.2: exact decimal, so "019" and " 19" are unknown. */
static enum scep_msgtype
msgtype_parse(const ASN1_STRING *s)
{
	static const struct {
		const char		*txt;
		enum scep_msgtype	 type;
	} types[] = {
		{ "3", SCEP_MSG_CERTREP }, { "17", SCEP_MSG_RENEWALREQ },
		{ "19", SCEP_MSG_PKCSREQ }, { "20", SCEP_MSG_CERTPOLL },
		{ "21", SCEP_MSG_GETCERT }, { "22", SCEP_MSG_GETCRL },
	};
	size_t	i, n = (size_t)ASN1_STRING_length(s);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].txt) == n &&
		    memcmp(types[i].txt, ASN1_STRING_get0_data(s), n) == 0)
			return types[i].type;
	return SCEP_MSG_NONE;
}

/*
 * ATTR-09, NEG-19: every other SCEP attribute present (messageType, and
 * pkiStatus, failInfo, recipientNonce, failInfoText, which a request has
 * no business sending) appears once with exactly one value, or the
 * request is badRequest before its algorithms or signature are judged.
 */
static enum scep_fail
req_attrs_single(struct scep_req *rq, CMS_SignerInfo *si)
{
	static const char *const why[SCEP_OID__MAX] = {
		[SCEP_OID_MESSAGETYPE] = "RFC 8894 3.2.1: messageType does "
		    "not hold exactly one value",
		[SCEP_OID_PKISTATUS] = "RFC 8894 3.2.1: pkiStatus does not "
		    "hold exactly one value",
		[SCEP_OID_FAILINFO] = "RFC 8894 3.2.1: failInfo does not hold "
		    "exactly one value",
		[SCEP_OID_RECIPIENTNONCE] = "RFC 8894 3.2.1: recipientNonce "
		    "does not hold exactly one value",
		[SCEP_OID_FAILINFOTEXT] = "RFC 8894 3.2.1: failInfoText does "
		    "not hold exactly one value",
	};
	int	 i, dup;

	for (i = 0; i < SCEP_OID__MAX; i++) {
		if (why[i] == NULL)
			continue;	/* transactionID, senderNonce: 400 */
		(void)attr_one(si, i, &dup);
		if (dup) {
			rq->why = why[i];
			return SCEP_FAIL_BADREQUEST;
		}
	}
	return SCEP_OK;
}

/*
 * transactionID and senderNonce: without both no CertRep can be built,
 * so their absence or ambiguity is SCEP_FAIL_HTTP.  messageType is read
 * here but judged later, after the signature.
 */
static enum scep_fail
req_attrs(struct scep_req *rq, CMS_SignerInfo *si)
{
	const ASN1_TYPE		*t;
	const ASN1_STRING	*s;
	int			 dup, n;

	t = attr_one(si, SCEP_OID_TRANSACTIONID, &dup);
	if ((s = attr_text(t)) == NULL || (n = ASN1_STRING_length(s)) <= 0 ||
	    n > SCEP_TXID_MAX || memchr(ASN1_STRING_get0_data(s), '\0',
	    (size_t)n) != NULL) {
		rq->why = dup ? "RFC 8894 3.2.1: transactionID appears twice" :
		    "RFC 8894 3.2.1.1: no usable transactionID";
		return SCEP_FAIL_HTTP;
	}
	memcpy(rq->txid, ASN1_STRING_get0_data(s), (size_t)n);
	rq->txid[n] = '\0';
	rq->txid_asn1 = t->type;

	t = attr_one(si, SCEP_OID_SENDERNONCE, &dup);
	if (t == NULL || t->type != V_ASN1_OCTET_STRING ||
	    (n = ASN1_STRING_length(t->value.octet_string)) <= 0 ||
	    n > SCEP_NONCE_MAX) {
		rq->why = dup ? "RFC 8894 3.2.1: senderNonce appears twice" :
		    "RFC 8894 3.2.1.5: no usable senderNonce";
		return SCEP_FAIL_HTTP;
	}
	memcpy(rq->nonce, ASN1_STRING_get0_data(t->value.octet_string),
	    (size_t)n);
	rq->noncesz = (size_t)n;

	if (req_attrs_single(rq, si) != SCEP_OK)
		return SCEP_FAIL_BADREQUEST;
	t = attr_one(si, SCEP_OID_MESSAGETYPE, &dup);
	if ((s = attr_text(t)) != NULL) {
		rq->type_seen = 1;
		rq->type = msgtype_parse(s);
	}
	return SCEP_OK;
}

/* RFC 8894 2.9: allowed digests only; signature algorithm not MD5. */
static enum scep_fail
req_algs(struct scep_req *rq, CMS_SignerInfo *si, int legacy)
{
	X509_ALGOR		*dig, *sig;
	const ASN1_OBJECT	*obj;
	int			 signid;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	if ((rq->md = scep_md_allowed(OBJ_obj2nid(obj), legacy)) == NULL) {
		rq->why = "RFC 8894 2.9: digest algorithm not allowed";
		return SCEP_FAIL_BADALG;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	signid = OBJ_obj2nid(obj);
	if (!legacy && (signid == NID_md5WithRSAEncryption ||
	    signid == NID_md5 || signid == NID_md2WithRSAEncryption)) {
		rq->why = "RFC 8894 2.9: signature algorithm not allowed";
		return SCEP_FAIL_BADALG;
	}
	/* RFC 4056 (strongSwan --rsa-padding pss); algorithms.pss_replies. */
	rq->sig_pss = signid == NID_rsassaPss;
	return SCEP_OK;
}

/*
 * Find the signer by sid, never by position (MSG-05), and check the
 * signature and messageDigest with it alone.  No chain is built here:
 * a self-signed certificate is normal for PKCSReq; trust is policy.
 * On success "content" receives the signed eContent.
 */
static enum scep_fail
req_verify(struct scep_req *rq, CMS_ContentInfo *cms, CMS_SignerInfo *si,
    BIO *content)
{
	STACK_OF(X509)	*one = NULL;
	EVP_PKEY	*pub;
	int		 i, ok;

	rq->certs = CMS_get1_certs(cms);
	for (i = 0; i < sk_X509_num(rq->certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(rq->certs,
		    i)) == 0) {
			rq->signer = sk_X509_value(rq->certs, i);
			break;
		}
	if (rq->signer == NULL) {
		rq->why = "RFC 8894 2.3: signer certificate not in message";
		return SCEP_FAIL_BADMESSAGECHECK;
	}
	X509_up_ref(rq->signer);
	if ((pub = X509_get0_pubkey(rq->signer)) == NULL ||
	    EVP_PKEY_get_bits(pub) > SCEP_SIGNER_MAX_BITS) {
		rq->why = "signer key unusable or too large";
		return SCEP_FAIL_BADALG;
	}
	if ((one = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(one, rq->signer))
		return SCEP_FAIL_INTERNAL;
	ok = CMS_verify(cms, one, NULL, NULL, content,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | CMS_BINARY) > 0;
	sk_X509_free(one);
	if (!ok) {
		ERR_clear_error();
		rq->why = "RFC 5652 5.6: signature or messageDigest does not "
		    "verify";
		return SCEP_FAIL_BADMESSAGECHECK;
	}
	return SCEP_OK;
}

/*
 * RFC 4055 4.1: a KTRI under RSAES-OAEP, so that the CertRep can use the
 * same key transport.  Its hash and MGF1 hash must be allowed digests
 * (both default to SHA-1) and pSourceFunc empty; PKCS#1 v1.5 leaves
 * rq->oaep_md NULL.  Returns -1 for parameters we would not send back.
 */
static int
req_ktri_oaep(struct scep_req *rq, CMS_RecipientInfo *ri)
{
	X509_ALGOR		*kalg;
	RSA_OAEP_PARAMS		*op = NULL;
	X509_ALGOR		*mgfalg = NULL;
	const ASN1_OBJECT	*obj;
	const EVP_MD		*md = EVP_sha1(), *mgf = EVP_sha1();
	int			 ptype, rc = -1;
	const void		*pval;

	if (!CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &kalg))
		return -1;
	X509_ALGOR_get0(&obj, &ptype, &pval, kalg);
	if (OBJ_obj2nid(obj) != NID_rsaesOaep)
		return 0;
	if (ptype == V_ASN1_SEQUENCE && (op = ASN1_TYPE_unpack_sequence(
	    ASN1_ITEM_rptr(RSA_OAEP_PARAMS), kalg->parameter)) == NULL)
		goto out;
	if (op != NULL && op->hashFunc != NULL &&
	    (md = scep_md_allowed(OBJ_obj2nid(op->hashFunc->algorithm),
	    0)) == NULL)
		goto out;
	if (op != NULL && op->maskGenFunc != NULL) {
		if (OBJ_obj2nid(op->maskGenFunc->algorithm) != NID_mgf1 ||
		    (mgfalg = ASN1_TYPE_unpack_sequence(
		    ASN1_ITEM_rptr(X509_ALGOR), op->maskGenFunc->parameter)) ==
		    NULL || (mgf = scep_md_allowed(OBJ_obj2nid(
		    mgfalg->algorithm), 0)) == NULL)
			goto out;
	}
	if (op != NULL && op->pSourceFunc != NULL)
		goto out;	/* a label: nobody sends one */
	rq->oaep_md = md;
	rq->oaep_mgf1_md = mgf;
	rc = 0;
 out:
	X509_ALGOR_free(mgfalg);
	RSA_OAEP_PARAMS_free(op);
	return rc;
}

/*
 * RFC 8894 3.2.2: the signed content is a ContentInfo of EnvelopedData
 * whose encrypted content is id-data; its cipher must be allowed and
 * some recipient must be a KeyTransRecipientInfo (3.1) or a bounded
 * PasswordRecipientInfo (3.2.2, for a CA that cannot take key transport).
 */
static enum scep_fail
req_envelope(struct scep_req *rq, const unsigned char *p, size_t n,
    int legacy)
{
	STACK_OF(CMS_RecipientInfo)	*ris;
	CMS_RecipientInfo		*ri;
	const X509_ALGOR		*alg;
	const unsigned char		*q = p;
	void				*owner;
	int				 i;

	if ((alg = scep_env_cipher(p, n, &owner)) == NULL ||
	    (rq->env = d2i_CMS_ContentInfo(NULL, &q, (long)n)) == NULL ||
	    q != p + n) {
		scep_env_free(owner);
		ERR_clear_error();
		rq->why = "RFC 8894 3.2.2: content is not an EnvelopedData "
		    "of id-data";
		return SCEP_FAIL_BADREQUEST;
	}
	rq->cipher = scep_cipher_allowed(alg, legacy);
	if (rq->cipher == NULL) {
		scep_env_free(owner);
		rq->why = "RFC 8894 2.9: content cipher not allowed";
		return SCEP_FAIL_BADALG;
	}
	i = scep_env_pwri(owner, legacy, &rq->env_pwri, &rq->why);
	scep_env_free(owner);
	if (i == -1)
		return SCEP_FAIL_BADALG;
	ris = CMS_get0_RecipientInfos(rq->env);
	for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_TRANS)
			continue;
		rq->env_ktri = 1;
		if (req_ktri_oaep(rq, ri) == -1) {
			rq->why = "RFC 8017 A.2.1: RSAES-OAEP parameters not "
			    "allowed";
			return SCEP_FAIL_BADALG;
		}
	}
	if (!rq->env_ktri && !rq->env_pwri) {
		rq->why = "RFC 8894 3.2.2: neither a KeyTransRecipientInfo "
		    "nor a PasswordRecipientInfo";
		return SCEP_FAIL_BADALG;
	}
	return SCEP_OK;
}

/* After the signature: what the message says it is and carries. */
static enum scep_fail
req_content(struct scep_req *rq, CMS_ContentInfo *cms, BIO *content,
    int legacy)
{
	char	*p;
	long	 n;

	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		rq->why = "RFC 8894 3.2: eContentType is not id-data";
		return SCEP_FAIL_BADREQUEST;
	}
	if (!rq->type_seen) {
		rq->why = "RFC 8894 3.2.1: no messageType";
		return SCEP_FAIL_BADREQUEST;
	}
	switch (rq->type) {
	case SCEP_MSG_PKCSREQ:
	case SCEP_MSG_RENEWALREQ:
	case SCEP_MSG_CERTPOLL:
	case SCEP_MSG_GETCERT:
	case SCEP_MSG_GETCRL:
		break;
	default:
		rq->why = "RFC 8894 3.2.1.2: messageType not supported";
		return SCEP_FAIL_BADREQUEST;
	}
	if ((n = BIO_get_mem_data(content, &p)) <= 0) {
		rq->why = "RFC 8894 3.2: no pkcsPKIEnvelope";
		return SCEP_FAIL_BADREQUEST;
	}
	return req_envelope(rq, (unsigned char *)p, (size_t)n, legacy);
}

enum scep_fail
scep_req_parse(const unsigned char *der, size_t len, int legacy,
    struct scep_req **out)
{
	CMS_ContentInfo			*cms = NULL;
	STACK_OF(CMS_SignerInfo)	*sis;
	CMS_SignerInfo			*si;
	struct scep_req			*rq = NULL;
	BIO				*content = NULL;
	const unsigned char		*p = der;
	enum scep_fail			 f = SCEP_FAIL_HTTP;

	*out = NULL;
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return SCEP_FAIL_INTERNAL;
	rq->why = "not a CMS SignedData";
	if (len == 0 || len > LONG_MAX ||
	    (cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL ||
	    p != der + len ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		goto out;
	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) < 1) {
		rq->why = "RFC 8894 3.2: no SignerInfo";
		goto out;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	if ((f = req_attrs(rq, si)) != SCEP_OK)
		goto out;
	/* From here on a CertRep can answer, whatever else is wrong. */
	if (sk_CMS_SignerInfo_num(sis) != 1) {
		rq->why = "checklist MSG-10: more than one SignerInfo";
		f = SCEP_FAIL_BADREQUEST;
		goto out;
	}
	if ((content = BIO_new(BIO_s_mem())) == NULL) {
		f = SCEP_FAIL_INTERNAL;
		goto out;
	}
	if ((f = req_algs(rq, si, legacy)) != SCEP_OK ||
	    (f = req_verify(rq, cms, si, content)) != SCEP_OK)
		goto out;
	f = req_content(rq, cms, content, legacy);
 out:
	ERR_clear_error();
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	*out = rq;
	return f;
}

void
scep_req_free(struct scep_req *rq)
{
	if (rq == NULL)
		return;
	X509_free(rq->signer);
	sk_X509_pop_free(rq->certs, X509_free);
	CMS_ContentInfo_free(rq->env);
	free(rq);
}
