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

#include "conf.h"
#include "csr.h"

struct ca {
	X509		*cert;		/* CA certificate */
	EVP_PKEY	*key;		/* its private key */
	STACK_OF(X509)	*chain;		/* CA first, then ca.chain certs */
	const EVP_MD	*md;		/* certificate signature digest */
	X509		*ocsp_cert;	/* delegated OCSP signer, or NULL */
	EVP_PKEY	*ocsp_key;	/* its key */
};

/* Load and cross-check the CA from "cc"; NULL (logged) on any problem. */
struct ca	*ca_load(const struct conf_ca *);
void		 ca_free(struct ca *);

/*
 * Create a self-signed CA: "keyspec" is "rsa:BITS"; writes the key
 * (mode 0600) and certificate as PEM, refusing to overwrite either.
 */
int		 ca_create(const char *certpath, const char *keypath,
		    const char *cn, const char *keyspec, int days);

/*
 * Decrypt an EnvelopedData addressed to the CA.  Every failure is the
 * same -1, with nothing said to the caller about why (no oracle,
 * checklist ENC-08).  *out is malloc'd.
 */
int		 ca_open_envelope(const struct ca *, CMS_ContentInfo *,
		    unsigned char **out, size_t *outsz);

/*
 * Sign a certificate for "ci" under the template "tc", with a fresh
 * random serial.  The caller frees it; NULL is logged.  The serial's
 * upper-case hex goes to "serial" (at least 41 bytes).
 */
X509		*ca_issue(const struct ca *, const struct csr_info *,
		    const struct conf_cert *, char *serial);

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
