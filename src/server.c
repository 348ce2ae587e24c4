/*	SPDX-License-Identifier: ISC */
/*
 * server.c: build struct server from the configuration: load the CA,
 * open the store, and encode once what GetCACert and GetCACaps answer
 * (RFC 8894 4.2.1, 3.5.2), so those requests cost no crypto.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "log.h"
#include "scep.h"
#include "server.h"

/*
 * Exactly what works (CAPS-05), LF only (CAPS-04).  GetNextCACert is
 * not advertised: CA rollover is not implemented yet.  A
 * server that accepts single DES or MD5 is not SCEPStandard (2.9).
 */
static const char server_caps[] = "AES\nDES3\nPOSTPKIOperation\n"
    "Renewal\nSHA-1\nSHA-256\nSHA-512\nSCEPStandard\n";
static const char server_caps_legacy[] = "AES\nDES3\nPOSTPKIOperation\n"
    "Renewal\nSHA-1\nSHA-256\nSHA-512\n";

/*
 * OpenSSL 3 keeps single DES in its legacy provider.  It is loaded only
 * when the configuration asks for draft-era clients; the allow-lists in
 * scep_asn1.c still decide what a request may use.
 */
static int
server_legacy(struct server *s)
{
	if (!s->conf->policy.legacy)
		return 0;
	s->caps = server_caps_legacy;
	if ((s->prov_legacy = OSSL_PROVIDER_load(NULL, "legacy")) == NULL ||
	    (s->prov_default = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
		log_crypto("algorithms.legacy: cannot load OpenSSL's legacy "
		    "provider");
		return -1;
	}
	log_info("algorithms.legacy: accepting single DES and MD5; "
	    "SCEPStandard not advertised");
	return 0;
}

/* OCSP answers kept, per serial, until their status changes. */
#define SERVER_OCSP_CACHE	65536

/*
 * Only our CA is trusted for certificate-signed requests (REN-03): a
 * certificate in the message claiming our name proves nothing.
 */
static int
server_trust(struct server *s)
{
	if ((s->trust = X509_STORE_new()) == NULL ||
	    !X509_STORE_add_cert(s->trust, s->ca->cert)) {
		log_crypto("trust store");
		return -1;
	}
	return 0;
}

/* RFC 8894 4.2.1.1 a lone CA as DER; 4.2.1.2 a chain as PKCS#7. */
static int
server_cacert(struct server *s)
{
	unsigned char	*p;
	int		 n;

	/* The CA alone as DER, for /ca.crt (AIA caIssuers). */
	if ((n = i2d_X509(s->ca->cert, NULL)) <= 0 ||
	    (s->cader = p = malloc((size_t)n)) == NULL ||
	    i2d_X509(s->ca->cert, &p) != n)
		return -1;
	s->caderlen = (size_t)n;
	if (sk_X509_num(s->ca->chain) > 1) {
		s->cacert = scep_certs_only(s->ca->chain, &s->cacertsz);
		s->cacert_type = "application/x-x509-ca-ra-cert";
		return s->cacert == NULL ? -1 : 0;
	}
	s->cacert_type = "application/x-x509-ca-cert";
	if ((s->cacert = malloc(s->caderlen)) == NULL)
		return -1;
	memcpy(s->cacert, s->cader, s->caderlen);
	s->cacertsz = s->caderlen;
	return 0;
}

struct server *
server_new(const struct conf *conf)
{
	struct server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("server_new");
		return NULL;
	}
	s->conf = conf;
	s->caps = server_caps;
	if (scep_asn1_init() == -1 || server_legacy(s) == -1 ||
	    (s->ca = ca_load(&conf->ca)) == NULL ||
	    server_cacert(s) == -1 || server_trust(s) == -1 ||
	    (s->ocsp = ocsp_cache_new(SERVER_OCSP_CACHE)) == NULL ||
	    (s->store = store_open(&conf->store, 0)) == NULL) {
		server_free(s);
		return NULL;
	}
	if (conf->policy.challenge == NULL)
		log_warnx("no challenge.file: any client that reaches this "
		    "server gets a certificate");
	return s;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	ca_free(s->ca);
	X509_STORE_free(s->trust);
	ocsp_cache_free(s->ocsp);
	store_close(s->store);
	free(s->cacert);
	free(s->cader);
	if (s->prov_legacy != NULL)
		OSSL_PROVIDER_unload(s->prov_legacy);
	if (s->prov_default != NULL)
		OSSL_PROVIDER_unload(s->prov_default);
	free(s);
}
