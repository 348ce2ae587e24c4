/*	SPDX-License-Identifier: ISC */
/*
 * scep.h: the codec's types.  A decoded request (struct scep_req), a
 * reply to encode (struct scep_rep), and the RFC 8894 enums.  The codec
 * (scep_asn1.c, scep_decode.c, scep_encode.c, csr.c) reports what a
 * message says and whether it is well-formed; it never decides whether
 * to issue.
 */
#ifndef SCEPD_SCEP_H
#define SCEPD_SCEP_H

#include <stddef.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "scep_types.h"

#define SCEP_TXID_MAX		256	/* longer: 400, nothing to echo */
#define SCEP_NONCE_MAX		64	/* 3.2.1.5 says 16; be lenient */

/*
 * A decoded pkiMessage (RFC 8894 3.2).  Everything reachable from it is
 * owned by it: free with scep_req_free().  Fields are filled as far as
 * decoding got, so a FAILURE can still echo transactionID and nonce.
 */
struct scep_req {
	enum scep_msgtype	 type;		/* messageType */
	int			 type_seen;	/* a messageType attribute */
	char			 txid[SCEP_TXID_MAX + 1]; /* transactionID */
	int			 txid_asn1;	/* its ASN.1 string type */
	unsigned char		 nonce[SCEP_NONCE_MAX];	/* senderNonce */
	size_t			 noncesz;
	const EVP_MD		*md;		/* SignerInfo digest, if allowed */
	X509			*signer;	/* signer certificate */
	STACK_OF(X509)		*certs;		/* all certificates sent */
	CMS_ContentInfo		*env;		/* pkcsPKIEnvelope, sealed */
	const EVP_CIPHER	*cipher;	/* its content cipher */
	int			 env_ktri;	/* has a KeyTransRecipientInfo */
	const char		*why;		/* static text: what failed */
};

/*
 * scep_decode.c: returns SCEP_OK or why not.  *rq is always set (NULL
 * only with SCEP_FAIL_INTERNAL, out of memory) and its "why" says what
 * failed; with SCEP_FAIL_HTTP no CertRep can be built from it.
 */
enum scep_fail	 scep_req_parse(const unsigned char *, size_t, int legacy,
		    struct scep_req **);
void		 scep_req_free(struct scep_req *);

/*
 * A CertRep to encode (RFC 8894 3.3.2).  Nothing here is owned.
 */
struct scep_rep {
	enum scep_status	 status;
	enum scep_fail		 fail;		/* for FAILURE */
	const char		*failtext;	/* optional, for FAILURE */
	const struct scep_req	*rq;		/* txid, nonce, md, cipher */
	X509			*issued;	/* for SUCCESS: the leaf, */
	STACK_OF(X509)		*chain;		/* then these (CA, issuers), or */
	X509_CRL		*crl;		/* for SUCCESS to GetCRL */
	X509			*recipient;	/* envelope to this cert */
	const char		*password;	/* PWRI if "recipient" is not RSA */
	int			 content_always; /* empty eContent in FAILURE
						 * and PENDING (certmonger) */
};

/*
 * How the codec has a CertRep signed without holding a key: "add" does
 * for "arg" what CMS_add1_signer(cms, cert, key, md, flags) does for a
 * certificate and key, returning the new SignerInfo (NULL on failure,
 * reason on the OpenSSL error queue).  ca_certrep() supplies it.
 */
struct scep_signer {
	struct CMS_SignerInfo_st *(*add)(void *arg,
	    struct CMS_ContentInfo_st *cms, const struct evp_md_st *md,
	    unsigned int flags);
	void			*arg;
};

/* scep_encode.c: DER of the CertRep signed by "sg", or NULL (logged). */
unsigned char	*scep_rep_encode(const struct scep_rep *,
		    const struct scep_signer *sg, size_t *);
/* A degenerate certificates-only SignedData holding "certs" in order. */
unsigned char	*scep_certs_only(STACK_OF(X509) *, size_t *);
/* The same holding one CRL and no certificates (RFC 8894 3.3.2.1). */
unsigned char	*scep_crl_only(X509_CRL *, size_t *);

/* scep_asn1.c */
int		 scep_asn1_init(void);	/* once, before any thread */
/* RFC 8894 2.9 allow-lists; "legacy" adds single DES and MD5. */
const EVP_MD	*scep_md_allowed(int nid, int legacy);
const EVP_CIPHER *scep_cipher_allowed(const X509_ALGOR *, int legacy);
ASN1_OBJECT	*scep_oid(int which);
enum {
	SCEP_OID_MESSAGETYPE,
	SCEP_OID_PKISTATUS,
	SCEP_OID_FAILINFO,
	SCEP_OID_SENDERNONCE,
	SCEP_OID_RECIPIENTNONCE,
	SCEP_OID_TRANSACTIONID,
	SCEP_OID_FAILINFOTEXT,
	SCEP_OID__MAX
};
/* The content cipher of an EnvelopedData ContentInfo, from its DER. */
const X509_ALGOR *scep_env_cipher(const unsigned char *, size_t,
		    void **owner);
void		 scep_env_free(void *);

/*
 * RFC 8894 3.3.3 IssuerAndSubject (CertPoll) and 3.3.4
 * IssuerAndSerialNumber (GetCert, GetCRL): 0 if "der" is exactly one.
 * The names are the caller's to free; the serial is upper-case hex.
 */
int		 scep_issuer_subject(const unsigned char *, size_t,
		    X509_NAME **issuer, X509_NAME **subject);
int		 scep_issuer_serial(const unsigned char *, size_t,
		    X509_NAME **issuer, char *serial, size_t);
/* A serial number as scepd stores it: upper-case hex, no sign. */
int		 scep_serial_hex(const ASN1_INTEGER *, char *, size_t);

/* csr.c: SHA-256 of the certificate's SubjectPublicKeyInfo (32 bytes). */
int		 scep_cert_kid(X509 *, unsigned char *);

#endif
