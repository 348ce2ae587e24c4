/*	SPDX-License-Identifier: ISC */
/*
 * server.h: everything a request needs, built once at start-up: the
 * configuration, the loaded CA, the store, and the pre-encoded bodies
 * of GetCACaps and GetCACert.  Read-only while requests run, so worker
 * threads share it without locks.
 */
#ifndef SCEPD_SERVER_H
#define SCEPD_SERVER_H

#include <stddef.h>

#include <openssl/provider.h>

#include "ca.h"
#include "ocsp.h"
#include "conf.h"
#include "store.h"

struct server {
	const struct conf	*conf;		/* not owned */
	struct ca		*ca;
	struct store		*store;
	unsigned char		*cacert;	/* GetCACert body */
	size_t			 cacertsz;
	const char		*cacert_type;	/* its media type */
	unsigned char		*cader;		/* the CA certificate, DER */
	size_t			 caderlen;
	const char		*caps;		/* GetCACaps body */
	X509_STORE		*trust;		/* our CA only: renewal, GetCert */
	struct ocsp_cache	*ocsp;		/* signed OCSP answers */
	OSSL_PROVIDER		*prov_legacy;	/* single DES, when allowed */
	OSSL_PROVIDER		*prov_default;
};

/* Load CA and store for "conf"; NULL (logged) on failure. */
struct server	*server_new(const struct conf *);
void		 server_free(struct server *);

#endif
