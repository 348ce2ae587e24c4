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

#include "scep_types.h"
#include "x509.h"

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
	const struct evp_md_st	*md;		/* SignerInfo digest, if allowed */
	struct x509_st		*signer;	/* signer certificate */
	struct stack_st_X509	*certs;		/* all certificates sent */
	struct CMS_ContentInfo_st *env;		/* pkcsPKIEnvelope, sealed */
	const struct evp_cipher_st *cipher;	/* its content cipher */
	int			 env_ktri;	/* has a KeyTransRecipientInfo */
	int			 env_pwri;	/* has a PasswordRecipientInfo
						 * (its PBKDF2 bounded) */
	int			 sig_pss;	/* signed with RSASSA-PSS */
	const struct evp_md_st	*oaep_md;	/* a KTRI is RSAES-OAEP under
						 * this hash, else NULL */
	const struct evp_md_st	*oaep_mgf1_md;	/* and this MGF1 hash */
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
	struct x509_st		*issued;	/* for SUCCESS: the leaf, */
	struct stack_st_X509	*chain;		/* then these (CA, issuers), or */
	struct X509_crl_st	*crl;		/* for SUCCESS to GetCRL */
	struct x509_st		*recipient;	/* envelope to this cert */
	const char		*password;	/* PWRI if "recipient" is not RSA */
	int			 content_always; /* empty eContent in FAILURE
						 * and PENDING (certmonger) */
	int			 pss;		/* sign RSASSA-PSS if the key
						 * is RSA (rq->sig_pss asked) */
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
unsigned char	*scep_certs_only(struct stack_st_X509 *, size_t *);
/* The same holding one CRL and no certificates (RFC 8894 3.3.2.1). */
unsigned char	*scep_crl_only(struct X509_crl_st *, size_t *);

/* scep_asn1.c */
int		 scep_asn1_init(void);	/* any time, from any thread: once */
/* RFC 8894 2.9 allow-lists; "legacy" adds single DES and MD5. */
const struct evp_md_st *scep_md_allowed(int nid, int legacy);
const struct evp_cipher_st *scep_cipher_allowed(
		    const struct X509_algor_st *, int legacy);
struct asn1_object_st *scep_oid(int which);
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
const struct X509_algor_st *scep_env_cipher(const unsigned char *, size_t,
		    void **owner);
void		 scep_env_free(void *);
/*
 * The PasswordRecipientInfos of that envelope ("owner" from
 * scep_env_cipher()): *found says whether there is one; -1 with *why
 * (static text) when one's PBKDF2 or key wrap is not allowed: more than
 * SCEP_PWRI_MAX_ITER iterations, a salt over SCEP_PWRI_MAX_SALT bytes,
 * an unknown PRF or cipher.  Nothing is derived or decrypted here.
 */
#define SCEP_PWRI_MAX_ITER	20000	/* about 10 ms of HMAC-SHA1 */
#define SCEP_PWRI_MAX_SALT	64
int		 scep_env_pwri(const void *owner, int legacy, int *found,
		    const char **why);

/*
 * RFC 8894 3.3.3 IssuerAndSubject (CertPoll) and 3.3.4
 * IssuerAndSerialNumber (GetCert, GetCRL): 0 if "der" is exactly one.
 * The names are the caller's to free; the serial is upper-case hex.
 */
int		 scep_issuer_subject(const unsigned char *, size_t,
		    struct X509_name_st **issuer, struct X509_name_st **subject);
int		 scep_issuer_serial(const unsigned char *, size_t,
		    struct X509_name_st **issuer, char *serial, size_t);
#endif
