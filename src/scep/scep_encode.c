/*	SPDX-License-Identifier: ISC */
/*
 * scep_encode.c: struct scep_rep -> CertRep bytes (RFC 8894 3.3.2), and
 * the degenerate certificates-only SignedData (3.4) used inside a
 * SUCCESS and as the GetCACert chain (4.2.1.2).
 * Strict in what it sends: DER, PrintableString status attributes,
 * issuerAndSerialNumber sids (legacy clients match nothing else), the
 * request's own digest and cipher.
 * Uses OpenSSL and log.c only, and never holds a key: the CertRep's
 * SignerInfo comes from the caller's struct scep_signer (ca.c's).
 * Returned buffers are malloc'd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>

#include "log.h"
#include "scep.h"
#include "util.h"
#include "x509.h"

/*
 * The legacy PKCS7 type is used because its "certificates" is encoded
 * in the order given, while CMS sorts the SET: clients take element 0
 * as the issued certificate (checklist REP-01).
 */
static unsigned char *
scep_degenerate(STACK_OF(X509) *certs, X509_CRL *crl, size_t *len)
{
	PKCS7		*p7 = NULL;
	unsigned char	*der = NULL;
	int		 i, n;

	if ((p7 = PKCS7_new()) == NULL ||
	    !PKCS7_set_type(p7, NID_pkcs7_signed) ||
	    !PKCS7_content_new(p7, NID_pkcs7_data) ||
	    !PKCS7_set_detached(p7, 1))		/* eContent omitted */
		goto out;
	for (i = 0; i < sk_X509_num(certs); i++)
		if (!PKCS7_add_certificate(p7, sk_X509_value(certs, i)))
			goto out;
	if (crl != NULL && !PKCS7_add_crl(p7, crl))
		goto out;
	n = i2d_PKCS7(p7, &der);
	PKCS7_free(p7);
	return x509_der_copy(der, n, len);
 out:
	log_crypto("degenerate SignedData");
	PKCS7_free(p7);
	return NULL;
}

unsigned char *
scep_certs_only(STACK_OF(X509) *certs, size_t *len)
{
	return scep_degenerate(certs, NULL, len);
}

unsigned char *
scep_crl_only(X509_CRL *crl, size_t *len)
{
	return scep_degenerate(NULL, crl, len);
}

/*
 * The KeyTransRecipientInfo for the requester: RSAES-OAEP with the
 * request's own hashes when its envelope used OAEP (RFC 4055 4.1),
 * else PKCS#1 v1.5 as every other client expects.
 */
static int
rep_ktri(CMS_ContentInfo *cms, const struct scep_rep *rep)
{
	const struct scep_req	*rq = rep->rq;
	CMS_RecipientInfo	*ri;
	EVP_PKEY_CTX		*pctx;

	if ((ri = CMS_add1_recipient_cert(cms, rep->recipient,
	    rq->oaep_md != NULL ? CMS_KEY_PARAM : 0)) == NULL)
		return -1;
	if (rq->oaep_md == NULL)
		return 0;
	if ((pctx = CMS_RecipientInfo_get0_pkey_ctx(ri)) == NULL ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(pctx, rq->oaep_md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, rq->oaep_mgf1_md) <= 0)
		return -1;
	return 0;
}

/* The pkcsPKIEnvelope of a SUCCESS: "inner" for the requester only. */
static unsigned char *
rep_envelope(const struct scep_rep *rep, const unsigned char *inner,
    size_t innersz, size_t *len)
{
	CMS_ContentInfo	*cms = NULL;
	STACK_OF(X509)	*to = NULL;
	BIO		*in = NULL;
	unsigned char	*der = NULL, *pw = NULL;
	int		 n, flags = CMS_BINARY | CMS_PARTIAL;

	if ((in = BIO_new_mem_buf(inner, (int)innersz)) == NULL ||
	    (to = sk_X509_new_null()) == NULL)
		goto out;
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(rep->recipient)) ==
	    EVP_PKEY_RSA) {
		if ((cms = CMS_encrypt(to, NULL, rep->rq->cipher, flags)) ==
		    NULL || rep_ktri(cms, rep) == -1)
			goto out;
	} else {
		/* RFC 8894 3.1: a key that cannot encrypt gets PWRI. */
		if (rep->password == NULL || (cms = CMS_encrypt(to, NULL,
		    rep->rq->cipher, flags)) == NULL)
			goto out;
		n = (int)strlen(rep->password);
		if ((pw = OPENSSL_memdup(rep->password, (size_t)n)) == NULL)
			goto out;
		if (CMS_add0_recipient_password(cms, -1, NID_id_alg_PWRI_KEK,
		    NID_id_pbkdf2, pw, n, EVP_aes_128_cbc()) == NULL) {
			OPENSSL_clear_free(pw, (size_t)n);
			goto out;
		}
	}
	if (!CMS_final(cms, in, NULL, CMS_BINARY))
		goto out;
	n = i2d_CMS_ContentInfo(cms, &der);
	der = x509_der_copy(der, n, len);
 out:
	if (der == NULL)
		log_crypto("%s: CertRep envelope", rep->rq->txid);
	sk_X509_free(to);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return der;
}

static int
rep_attr_str(CMS_SignerInfo *si, int which, int type, const char *s)
{
	return CMS_signed_add1_attr_by_OBJ(si, scep_oid(which), type, s,
	    (int)strlen(s));
}

/* RFC 8894 3.2.1: the attributes every CertRep carries. */
static int
rep_attrs(CMS_SignerInfo *si, const struct scep_rep *rep)
{
	const struct scep_req	*rq = rep->rq;
	unsigned char		 nonce[16];
	char			 num[8];
	int			 txtype = V_ASN1_PRINTABLESTRING;

	/* Echo a transactionID PrintableString cannot hold as it came. */
	if (ASN1_PRINTABLE_type((const unsigned char *)rq->txid, -1) !=
	    V_ASN1_PRINTABLESTRING)
		txtype = rq->txid_asn1;
	if (rand_bytes(nonce, sizeof(nonce)) == -1)
		return 0;
	snprintf(num, sizeof(num), "%d", (int)rep->status);
	if (!rep_attr_str(si, SCEP_OID_MESSAGETYPE, V_ASN1_PRINTABLESTRING,
	    "3") ||
	    !rep_attr_str(si, SCEP_OID_PKISTATUS, V_ASN1_PRINTABLESTRING,
	    num) ||
	    !rep_attr_str(si, SCEP_OID_TRANSACTIONID, txtype, rq->txid) ||
	    !CMS_signed_add1_attr_by_OBJ(si, scep_oid(SCEP_OID_SENDERNONCE),
	    V_ASN1_OCTET_STRING, nonce, sizeof(nonce)) ||
	    !CMS_signed_add1_attr_by_OBJ(si,
	    scep_oid(SCEP_OID_RECIPIENTNONCE), V_ASN1_OCTET_STRING,
	    rq->nonce, (int)rq->noncesz))
		return 0;
	if (rep->status != SCEP_STATUS_FAILURE)
		return 1;
	snprintf(num, sizeof(num), "%d", scep_fail_info(rep->fail));
	if (!rep_attr_str(si, SCEP_OID_FAILINFO, V_ASN1_PRINTABLESTRING, num))
		return 0;
	if (rep->failtext != NULL && !rep_attr_str(si,
	    SCEP_OID_FAILINFOTEXT, V_ASN1_UTF8STRING, rep->failtext))
		return 0;
	return 1;
}

/* The pkcsPKIEnvelope of a SUCCESS, around the certificate or CRL. */
static unsigned char *
rep_success_content(const struct scep_rep *rep, size_t *len)
{
	STACK_OF(X509)	*one = NULL;
	unsigned char	*inner, *env = NULL;
	size_t		 innersz;
	int		 i;

	if (rep->issued != NULL && ((one = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(one, rep->issued))) {
		sk_X509_free(one);
		return NULL;
	}
	/* REP-01: the leaf first; PKCS#7 keeps this order on the wire. */
	for (i = 0; one != NULL && i < sk_X509_num(rep->chain); i++)
		if (!sk_X509_push(one, sk_X509_value(rep->chain, i))) {
			sk_X509_free(one);
			return NULL;
		}
	inner = scep_degenerate(one, rep->crl, &innersz);
	sk_X509_free(one);
	if (inner != NULL)
		env = rep_envelope(rep, inner, innersz, len);
	free(inner);
	return env;
}

unsigned char *
scep_rep_encode(const struct scep_rep *rep, const struct scep_signer *sg,
    size_t *len)
{
	CMS_ContentInfo	*cms = NULL;
	CMS_SignerInfo	*si;
	BIO		*in = NULL;
	unsigned char	*content = NULL, *der = NULL;
	size_t		 contentsz = 0;
	const EVP_MD	*md = rep->rq->md;
	int		 n, flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;

	/* The request's digest, but never MD5 (checklist 6 item 2). */
	if (md == NULL)
		md = EVP_sha256();
	else if (EVP_MD_get_type(md) == NID_md5)
		md = EVP_sha1();

	if (rep->status == SCEP_STATUS_SUCCESS) {
		if ((content = rep_success_content(rep, &contentsz)) == NULL)
			goto out;
	} else if (!rep->content_always)
		flags |= CMS_DETACHED;	/* 3.3.2.2, 3.3.2.3: no envelope */
	/*
	 * Else an empty eContent: still no pkcsPKIEnvelope, but PKCS#7
	 * verifiers that insist on content (certmonger) accept it.
	 */
	if ((in = BIO_new_mem_buf(content != NULL ? content :
	    (unsigned char *)"", (int)contentsz)) == NULL ||
	    (cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL ||
	    (si = sg->add(sg->arg, cms, md, (unsigned int)flags)) == NULL ||
	    !rep_attrs(si, rep) || !CMS_final(cms, in, NULL, flags))
		goto out;
	n = i2d_CMS_ContentInfo(cms, &der);
	der = x509_der_copy(der, n, len);
 out:
	if (der == NULL)
		log_crypto("%s: CertRep encode", rep->rq->txid);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	free(content);
	return der;
}
