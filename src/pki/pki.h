/*	SPDX-License-Identifier: ISC */
/*
 * pki.h: revocation information served from the store: the current CRL
 * (rebuilt when a revocation or the approach of nextUpdate makes the
 * stored one stale) and the OCSP status lookup.  Every node of a shared
 * store computes the same answers, because both read the store.
 */
#ifndef SCEPD_PKI_H
#define SCEPD_PKI_H

#include <stddef.h>

struct ca;
struct ocsp_status;
struct server;
struct server_ca;
struct store;

/*
 * The current CRL of CA "ca", named "name" in the configuration and
 * the store, as DER (a malloc'd copy).  Builds, signs and stores a new
 * one, valid "validity" seconds, when the store's revocation counter
 * moved past the stored CRL or less than half its validity is left.
 * 0 or -1 (logged).
 */
int	pki_crl_get(struct store *, const char *name, const struct ca *,
	    int validity, unsigned char **, size_t *);

/*
 * What the store says of "serial" for the CA named "name", as
 * ocsp_lookup_fn wants it: a serial of another CA is unknown here.
 * 0, or -1 if the store failed.
 */
int	pki_cert_status(struct store *, const char *name, const char *serial,
	    struct ocsp_status *);

/*
 * The same over a struct server, for today's callers (http.c,
 * engine.c, cmd_request.c); the only reason pki.c includes server.h.
 */

/* pki_crl_get() for CA "sca" of "s", with pki.crl_validity. */
int	pki_crl_current(const struct server *, const struct server_ca *,
	    unsigned char **, size_t *);

/* What pki_ocsp_lookup() needs: the store, and the CA asked about. */
struct pki_ocsp_arg {
	const struct server	*srv;
	const struct server_ca	*sca;
};

/* ocsp_lookup_fn over the store; "arg" is a struct pki_ocsp_arg. */
int	pki_ocsp_lookup(void *, const char *serial, struct ocsp_status *);

/*
 * The CA an OCSP request's first CertID names, by issuer name and key
 * hash; the default CA when none does (the answer is then
 * unauthorized, RFC 6960 2.3).
 */
const struct server_ca *pki_ocsp_ca(const struct server *,
	    const unsigned char *req, size_t reqsz);

#endif
