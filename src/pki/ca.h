/*	SPDX-License-Identifier: ISC */
/*
 * ca.h: the CA's keys and what only they can do: open a pkcsPKIEnvelope
 * addressed to the CA, sign certificates, CRLs, OCSP responses and
 * CertReps, create a new CA.  Callers pass plain inputs (struct
 * csr_info, the template, a CRL or OCSP response built to be signed)
 * and get objects or DER back; struct ca is opaque and no key ever
 * leaves ca.c, so the keys can later move to their own process or an
 * HSM without touching callers.
 *
 * Includes no OpenSSL header: OpenSSL's objects appear as the
 * incomplete types of x509.h, so plain-C layers (enroll/, cmd/) call it.
 */
#ifndef SCEPD_CA_H
#define SCEPD_CA_H

#include <stddef.h>

#include "conf.h"
#include "csr.h"
#include "x509.h"

struct ca;			/* a CA and its keys: ca.c only */
struct scep_rep;
struct ocsp_basic_response_st;	/* OCSP_BASICRESP */

/* Load and cross-check the CA from "cc"; NULL (logged) on any problem. */
struct ca	*ca_load(const struct conf_ca *);
/*
 * Only the CA certificate and its key, checked to match: enough to
 * issue its RA and OCSP signer (an EC CA has no RA before that).
 */
struct ca	*ca_load_bare(const char *certpath, const char *keypath);
/*
 * A CA around a certificate and its key already in memory (tests and
 * fuzzers): both are up-ref'd, so the caller keeps its own references.
 * No RA, no OCSP signer, the chain is the CA alone.  NULL (logged) if
 * they do not match.
 */
struct ca	*ca_new(struct x509_st *cert, struct evp_pkey_st *key);
void		 ca_free(struct ca *);		/* NULL is fine */

/*
 * Create a self-signed CA: "keyspec" is "rsa:BITS" (2048, 3072, 4096)
 * or "ec:P-256"/"ec:P-384" (an EC CA needs an RA for key transport;
 * without one it serves PasswordRecipientInfo requests only);
 * writes the key (mode 0600) and certificate as PEM, refusing to
 * overwrite either.  (ca_make.c)
 */
int		 ca_create(const char *certpath, const char *keypath,
		    const char *cn, const char *keyspec, int days);
/* Is "keyspec" one ca_create() takes?  (ca_make.c) */
int		 ca_keyspec_ok(const char *keyspec);

/*
 * Issue an RA certificate for a new RSA-2048 key: keyUsage
 * digitalSignature and keyEncipherment, extendedKeyUsage Certificate
 * Request Agent (1.3.6.1.4.1.311.20.2.1), which Windows and Apple
 * clients look for.  Key (0600) and certificate as PEM, new files.
 * (ca_make.c)
 */
int		 ca_create_ra(const struct ca *, const char *certpath,
		    const char *keypath, const char *cn, int days);

/*
 * Issue a delegated OCSP signing certificate (RFC 6960 4.2.2.2: EKU
 * id-kp-OCSPSigning, and id-pkix-ocsp-nocheck) for a new key of the
 * CA's kind, valid "days"; write key (0600) and certificate as PEM,
 * refusing to overwrite either.  (ca_make.c)
 */
int		 ca_create_ocsp_signer(const struct ca *, const char *certpath,
		    const char *keypath, int days);

/*
 * Check that "certpath" (a CA certificate, then optionally its issuers)
 * and "keypath" belong together and make a CA; copy them, with the
 * chain, to new files in "dir" as <name>.pem, <name>.key (0600) and
 * <name>-chain.pem.  (ca_make.c)
 */
int		 ca_import(const char *certpath, const char *keypath,
		    const char *chainpath, const char *dir, const char *name);

/*
 * The private-key operations.  Each one is a plain input in, a signed
 * object or DER out, and nothing about the key itself.
 */

/*
 * Decrypt an EnvelopedData addressed to whoever speaks SCEP for the CA
 * (its RA, else the CA).  Every failure is the same -1, with nothing
 * said to the caller about why (no oracle, checklist ENC-08).  *out is
 * malloc'd.
 */
int		 ca_open_envelope(const struct ca *,
		    struct CMS_ContentInfo_st *, unsigned char **out,
		    size_t *outsz);
/*
 * The same for a PasswordRecipientInfo keyed by "pw" (RFC 3211), which
 * needs no key of ours; and whether the CA's SCEP key (RA, else CA) can
 * take key transport at all (RSA).  An EC CA without an RA serves only
 * PWRI requests.
 */
int		 ca_open_envelope_password(struct CMS_ContentInfo_st *,
		    const char *pw, unsigned char **out, size_t *outsz);
int		 ca_takes_ktri(const struct ca *);

/*
 * Sign a certificate for "ci" under the template "tc" (subject kept or
 * overridden, the SAN types it copies, key usages, digest), with a
 * fresh random serial.  The caller frees it; NULL is logged.  The
 * serial's upper-case hex goes to "serial" (at least 41 bytes).  Its
 * subject key is the CSR's SubjectPublicKeyInfo, copied, not decoded:
 * X509_get0_pubkey() on it is NULL (encode it, or parse its DER).
 */
struct x509_st	*ca_issue(const struct ca *, const struct csr_info *,
		    const struct conf_cert *, char *serial);

/*
 * Sign the CRL crl.c built (RFC 5280 5.1.1.2) with the CA key and
 * SHA-256.  0, or -1 with the reason on the OpenSSL error queue.
 */
int		 ca_crl_sign(const struct ca *, struct X509_crl_st *);

/*
 * Sign the BasicOCSPResponse ocsp.c built, with SHA-256 and a
 * ResponderID byKey (RFC 6960 4.2.2.3): by the delegated signer, whose
 * certificate is then included (4.2.2.2), or else by the CA key with
 * no certificate.  0, or -1 with the reason on the OpenSSL error queue.
 */
int		 ca_ocsp_sign(const struct ca *,
		    struct ocsp_basic_response_st *);

/*
 * The CertRep "rep", DER, signed by whoever speaks SCEP for this CA
 * (REP-06: the RA if there is one, else the CA).  The reply's chain is
 * decided here, not by the caller: a reply carrying an issued
 * certificate from a CA with a configured chain (more than the CA
 * itself) sends that chain after the leaf, as GetCACert gives it; else
 * the leaf alone (REP-01's safest form).  malloc'd, length in *len, or
 * NULL (logged).
 */
unsigned char	*ca_certrep(const struct ca *, const struct scep_rep *,
		    size_t *len);

/*
 * The public side: certificates, never keys.
 */

/*
 * Could "x" have been issued by this CA (names, key identifiers,
 * usage; X509_check_issued(), not the signature)?  1 yes, 0 no; the
 * OpenSSL error queue is cleared either way.
 */
int		 ca_issued(const struct ca *, const struct x509_st *x);
/* Does "name" equal the CA certificate's subject?  1 yes, 0 no. */
int		 ca_subject_is(const struct ca *, const struct X509_name_st *);

/* The CA certificate and its chain (CA first), borrowed from "ca". */
struct x509_st	*ca_cert(const struct ca *);
struct stack_st_X509 *ca_chain(const struct ca *);

/* The CA certificate as DER (malloc'd), for /ca.crt.  0 or -1. */
int		 ca_cert_der(const struct ca *, unsigned char **, size_t *);
/*
 * The RA certificate as DER (malloc'd), for the admin API's
 * fingerprints; 0 with *der NULL when the CA has no RA.  0 or -1.
 */
int		 ca_ra_der(const struct ca *, unsigned char **, size_t *);
/* Its SHA-1 as 40 upper-case hex digits and a NUL (the NDES page). */
int		 ca_thumbprint(const struct ca *, char hex[41]);
/* "AB:CD:..." SHA-256 of the CA certificate, for out-of-band checks. */
void		 ca_fingerprint(const struct ca *, char *, size_t);
/* The CA's subject in OpenSSL's one-line form, "/CN=...". */
void		 ca_subject_oneline(const struct ca *, char *, size_t);
/* The CA key's kind, "rsa" or "ec", as "scepd ca list" prints it. */
const char	*ca_key_type(const struct ca *);

/*
 * A trust store holding this CA's certificate alone (REN-03: a
 * certificate in the message claiming its name proves nothing).  Free
 * it with ca_trust_free().  NULL (logged) on failure.
 */
struct x509_store_st *ca_trust_new(const struct ca *);
void		 ca_trust_free(struct x509_store_st *);	/* NULL is fine */

/*
 * The GetCACert body of profile "pc" (RFC 8894 4.2.1): the CA alone as
 * DER (4.2.1.1), or a certificates-only PKCS#7 of the CA, the RA and
 * the rest of the chain (4.2.1.2), as pc->getcacert and what the CA
 * has decide.  malloc'd, with its media type (static) in *ctype, or
 * NULL; a getcacert "ca" that would hide the RA is logged.
 */
unsigned char	*ca_getcacert(const struct ca *, const struct conf_profile *,
		    size_t *len, const char **ctype);

/*
 * OpenSSL 3 keeps single DES in its legacy provider; this loads it
 * with the default one (loading any provider stops the default from
 * being loaded implicitly).  NULL (logged) on failure.
 */
struct ca_providers;
struct ca_providers *ca_legacy_load(void);
void		 ca_legacy_unload(struct ca_providers *);	/* NULL ok */

/*
 * "CN=a,O=b" -> a Name, for certificate.subject.value ("\\," for a comma
 * inside a value); NULL if it is not TYPE=value,...
 */
struct X509_name_st *ca_name_parse(const char *);

#endif
