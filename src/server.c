/*	SPDX-License-Identifier: ISC */
/*
 * server.c: build struct server from the configuration: load each CA,
 * and encode once per profile what GetCACert and GetCACaps answer
 * (RFC 8894 4.2.1, 3.5.2), so those requests cost no crypto.
 * Everything X.509 is asked of ca.h, so no OpenSSL header is included
 * here; scep.h only for scep_asn1_init().
 */
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "log.h"
#include "scep.h"
#include "server.h"

/*
 * Exactly what works (CAPS-05), LF only (CAPS-04).  GetNextCACert is
 * not advertised: CA rollover is not implemented yet.  A
 * profile that accepts single DES or MD5 is not SCEPStandard (2.9).
 * SHA-384 is not an RFC 8894 3.5.2 keyword (clients must ignore what
 * they do not know), but strongSwan's pki reads it: 5.9.11 and later
 * use --digest sha384 only when it is offered, and 5.9.8-5.9.10 test
 * its bit where they mean AES, so without it they refuse AES at all.
 */
static const char server_caps[] = "AES\nDES3\nPOSTPKIOperation\n"
    "Renewal\nSHA-1\nSHA-256\nSHA-384\nSHA-512\nSCEPStandard\n";
static const char server_caps_legacy[] = "AES\nDES3\nPOSTPKIOperation\n"
    "Renewal\nSHA-1\nSHA-256\nSHA-384\nSHA-512\n";

/* OCSP answers kept, per serial, until their status changes. */
#define SERVER_OCSP_CACHE	65536

/*
 * OpenSSL 3 keeps single DES in its legacy provider.  It is loaded only
 * when a profile asks for draft-era clients; the allow-lists in
 * scep_asn1.c still decide, per profile, what a request may use.
 */
static int
server_legacy(struct server *s)
{
	size_t	i, n = 0;

	for (i = 0; i < s->conf->nprofiles; i++)
		if (s->conf->profiles[i].policy.legacy)
			n++;
	if (n == 0)
		return 0;
	if ((s->legacy = ca_legacy_load()) == NULL)
		return -1;
	log_info("algorithms.legacy: %zu profile(s) accept single DES and "
	    "MD5 and do not advertise SCEPStandard", n);
	return 0;
}

/*
 * Only the CA itself is trusted for certificate-signed requests
 * (REN-03): a certificate in the message claiming its name proves
 * nothing.
 */
static int
server_ca_load(struct server_ca *sc, const struct conf_ca *cc)
{
	sc->conf = cc;
	if ((sc->ca = ca_load(cc)) == NULL)
		return -1;
	if ((sc->trust = ca_trust_new(sc->ca)) == NULL) {
		log_crypto("CA %s: trust store", cc->name);
		return -1;
	}
	/* The CA alone as DER, for /ca.crt (AIA caIssuers). */
	if (ca_cert_der(sc->ca, &sc->cader, &sc->caderlen) == -1 ||
	    ca_thumbprint(sc->ca, sc->thumb) == -1)
		return -1;
	return 0;
}

static int
server_profiles(struct server *s)
{
	struct server_profile	*sp;
	size_t			 i;

	for (i = 0; i < s->nprofiles; i++) {
		sp = &s->profiles[i];
		sp->conf = &s->conf->profiles[i];
		sp->sca = &s->cas[sp->conf->ca];
		sp->caps = sp->conf->policy.legacy ? server_caps_legacy :
		    server_caps;
		if ((sp->cacert = ca_getcacert(sp->sca->ca, sp->conf,
		    &sp->cacertsz, &sp->cacert_type)) == NULL) {
			log_warnx("profile %s: cannot encode GetCACert",
			    sp->conf->name);
			return -1;
		}
		if (sp->conf->policy.challenge_mode == CONF_CHALLENGE_NONE &&
		    sp->conf->enabled)
			log_warnx("profile %s: no challenge: any client that "
			    "reaches it gets a certificate", sp->conf->name);
	}
	return 0;
}

struct server *
server_new(struct conf *conf, struct store *store)
{
	struct server	*s;
	size_t		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("server_new");
		conf_free(conf);
		return NULL;
	}
	s->conf = conf;
	s->store = store;
	s->ncas = conf->ncas;
	s->nprofiles = conf->nprofiles;
	if ((s->cas = calloc(s->ncas, sizeof(*s->cas))) == NULL ||
	    (s->profiles = calloc(s->nprofiles, sizeof(*s->profiles))) ==
	    NULL || scep_asn1_init() == -1 || server_legacy(s) == -1)
		goto err;
	for (i = 0; i < s->ncas; i++)
		if (server_ca_load(&s->cas[i], &conf->cas[i]) == -1)
			goto err;
	if (server_profiles(s) == -1 ||
	    (s->ocsp = ocsp_cache_new(SERVER_OCSP_CACHE)) == NULL)
		goto err;
	return s;
 err:
	server_free(s);
	return NULL;
}

void
server_free(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; s->cas != NULL && i < s->ncas; i++) {
		ca_free(s->cas[i].ca);
		ca_trust_free(s->cas[i].trust);
		free(s->cas[i].cader);
	}
	for (i = 0; s->profiles != NULL && i < s->nprofiles; i++)
		free(s->profiles[i].cacert);
	free(s->cas);
	free(s->profiles);
	ocsp_cache_free(s->ocsp);
	ca_legacy_unload(s->legacy);
	conf_free((struct conf *)s->conf);
	free(s);
}

const struct server_profile *
server_profile(const struct server *s, const char *name, size_t n)
{
	size_t i;

	if (name == NULL || n == 0)
		return &s->profiles[0];
	for (i = 0; i < s->nprofiles; i++)
		if (strlen(s->profiles[i].conf->name) == n &&
		    memcmp(s->profiles[i].conf->name, name, n) == 0)
			return &s->profiles[i];
	return NULL;
}

const struct server_ca *
server_ca(const struct server *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->ncas; i++)
		if (strlen(s->cas[i].conf->name) == n &&
		    memcmp(s->cas[i].conf->name, name, n) == 0)
			return &s->cas[i];
	return NULL;
}
