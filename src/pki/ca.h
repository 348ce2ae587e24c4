/*	SPDX-License-Identifier: ISC */
/*
 * ca.h: the CA's keys and what only they can do: open a pkcsPKIEnvelope
 * addressed to the CA, sign certificates, create a new CA.  Callers
 * pass plain inputs (struct csr_info, the template) and get objects or
 * DER back, so the key can later move to its own process or an HSM.
 */
#ifndef SCEPD_CA_H
#define SCEPD_CA_H

#include <stddef.h>

#include <openssl/cms.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "csr.h"

struct ca {
	X509		*cert;		/* CA certificate */
	EVP_PKEY	*key;		/* its private key */
	STACK_OF(X509)	*chain;		/* CA first, then ca.chain certs */
	X509		*ra_cert;	/* RA: opens and signs SCEP messages */
	EVP_PKEY	*ra_key;	/* (RSA), or NULL: the CA does */
	X509		*ocsp_cert;	/* delegated OCSP signer, or NULL */
	EVP_PKEY	*ocsp_key;	/* its key */
};

/* Who speaks SCEP for this CA: the RA if there is one, else the CA. */
#define ca_scep_cert(ca)	((ca)->ra_cert != NULL ? (ca)->ra_cert : (ca)->cert)
#define ca_scep_key(ca)		((ca)->ra_key != NULL ? (ca)->ra_key : (ca)->key)

/* Load and cross-check the CA from "cc"; NULL (logged) on any problem. */
struct ca	*ca_load(const struct conf_ca *);
/*
 * Only the CA certificate and its key, checked to match: enough to
 * issue its RA and OCSP signer (an EC CA has no RA before that).
 */
struct ca	*ca_load_bare(const char *certpath, const char *keypath);
void		 ca_free(struct ca *);

/*
 * Create a self-signed CA: "keyspec" is "rsa:BITS" (2048, 3072, 4096)
 * or "ec:P-256"/"ec:P-384" (an EC CA needs an RA to speak SCEP);
 * writes the key (mode 0600) and certificate as PEM, refusing to
 * overwrite either.  (ca_make.c)
 */
int		 ca_create(const char *certpath, const char *keypath,
		    const char *cn, const char *keyspec, int days);
/* Is "keyspec" one ca_create() takes? */
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
 * Check that "certpath" (a CA certificate, then optionally its issuers)
 * and "keypath" belong together and make a CA; copy them, with the
 * chain, to new files in "dir" as <name>.pem, <name>.key (0600) and
 * <name>-chain.pem.  (ca_make.c)
 */
int		 ca_import(const char *certpath, const char *keypath,
		    const char *chainpath, const char *dir, const char *name);

/*
 * Decrypt an EnvelopedData addressed to the CA (or its RA).  Every failure is the
 * same -1, with nothing said to the caller about why (no oracle,
 * checklist ENC-08).  *out is malloc'd.
 */
int		 ca_open_envelope(const struct ca *, CMS_ContentInfo *,
		    unsigned char **out, size_t *outsz);

/*
 * Sign a certificate for "ci" under the template "tc" (subject kept or
 * overridden, the SAN types it copies, key usages, digest), with a
 * fresh random serial.  The caller frees it; NULL is logged.  The
 * serial's upper-case hex goes to "serial" (at least 41 bytes).  Its
 * subject key is the CSR's SubjectPublicKeyInfo, copied, not decoded:
 * X509_get0_pubkey() on it is NULL (encode it, or parse its DER).
 */
X509		*ca_issue(const struct ca *, const struct csr_info *,
		    const struct conf_cert *, char *serial);

/*
 * "CN=a,O=b" -> a Name, for certificate.subject.value ("\\," for a comma
 * inside a value); NULL if it is not TYPE=value,...
 */
X509_NAME	*ca_name_parse(const char *);

/* For ca_make.c: loading, a random positive serial, one extension. */
EVP_PKEY	*ca_key_load(const char *path);
STACK_OF(X509)	*ca_certs_load(const char *path);
#define CA_SERIAL_BYTES	16	/* 126 random bits: RFC 5280 wants 64+ */
int		 ca_serial(X509 *, char *hex);
int		 ca_ext(X509 *, X509V3_CTX *, int nid, const char *value);

/*
 * Issue a delegated OCSP signing certificate (RFC 6960 4.2.2.2: EKU
 * id-kp-OCSPSigning, and id-pkix-ocsp-nocheck) for a new key of the
 * CA's kind, valid "days"; write key (0600) and certificate as PEM,
 * refusing to overwrite either.
 */
int		 ca_create_ocsp_signer(const struct ca *, const char *certpath,
		    const char *keypath, int days);

/* "AB:CD:..." SHA-256 of the CA certificate, for out-of-band checks. */
void		 ca_fingerprint(const struct ca *, char *, size_t);

#endif
