/*	SPDX-License-Identifier: ISC */
/*
 * server.h: everything a request needs, built once at start-up (and
 * again on SIGHUP): the configuration, each CA (its keys out of reach in
 * ca.c) with its trust store, each profile with the pre-encoded bodies
 * of GetCACaps and GetCACert, and the store.  Read-only while requests
 * run, so worker threads share it without locks.  Includes no OpenSSL
 * header: the trust store is x509.h's incomplete type.
 */
#ifndef SCEPD_SERVER_H
#define SCEPD_SERVER_H

#include <stddef.h>

#include "conf.h"
#include "ocsp.h"
#include "store.h"
#include "x509.h"

struct ca;
struct ca_providers;
struct intune_cache;
struct events;

/* One CA as served.  Everything but "conf" is owned by the server. */
struct server_ca {
	const struct conf_ca	*conf;
	struct ca		*ca;		/* opaque: ca.h's operations */
	struct x509_store_st	*trust;		/* this CA only (REN-03) */
	unsigned char		*cader;		/* the CA certificate, DER */
	size_t			 caderlen;
	char			 thumb[41];	/* its SHA-1, hex: NDES page */
};

/* One SCEP endpoint: /scep (the default) or /scep/<name>. */
struct server_profile {
	const struct conf_profile *conf;
	const struct server_ca	*sca;
	unsigned char		*cacert;	/* GetCACert body */
	size_t			 cacertsz;
	const char		*cacert_type;	/* its media type */
	const char		*caps;		/* GetCACaps body */
};

struct server {
	const struct conf	*conf;		/* owned: freed with it */
	struct server_ca	*cas;		/* as conf->cas */
	size_t			 ncas;
	struct server_profile	*profiles;	/* as conf->profiles */
	size_t			 nprofiles;
	struct store		*store;		/* not owned: outlives reloads */
	struct ocsp_cache	*ocsp;		/* signed OCSP answers */
	struct ca_providers	*legacy;	/* single DES, when allowed */
	/*
	 * challenge.mode intune: tokens and service URLs (enroll/intune.h),
	 * set by cmd_serve.c; not owned: outlives reloads.  NULL: nothing
	 * is cached (each call fetches its own).
	 */
	struct intune_cache	*intune;
	struct events		*events;	/* not owned: outlives reloads;
						 * NULL outside "scepd serve" */
};

/*
 * Load every CA and build every profile of "conf" (taking ownership of
 * it, also on failure) over the open "store"; NULL (logged) on failure.
 */
struct server	*server_new(struct conf *, struct store *);
void		 server_free(struct server *);

/* The profile "name" (n bytes; "" or NULL: the default), or NULL. */
const struct server_profile *server_profile(const struct server *,
		    const char *name, size_t n);
/* The CA "name" (n bytes), or NULL. */
const struct server_ca *server_ca(const struct server *, const char *name,
		    size_t n);

#endif
