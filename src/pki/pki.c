/*	SPDX-License-Identifier: ISC */
/*
 * pki.c: CRL and OCSP answers from the store (RFC 5280 5, RFC 6960).
 * The CRL lives in the store with the revision it reflects, so nodes
 * sharing a store share one CRL sequence; a race to rebuild ends with
 * one of them winning the CRL number by constraint, and the loser
 * serving the winner's CRL.
 * The work takes the store, the CA and its name; the last three
 * functions only unpack a struct server for today's callers, and are
 * why server.h is included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crl.h"
#include "log.h"
#include "ocsp.h"
#include "pki.h"
#include "server.h"
#include "store.h"

/* Tries at building a CRL when another node keeps winning the number. */
#define PKI_CRL_TRIES	4

struct pki_entries {
	struct crl_entry	*v;
	size_t			 n, cap;
};

static int
pki_entry_add(const struct store_cert *c, void *arg)
{
	struct pki_entries	*pe = arg;
	struct crl_entry	*nv;

	if (pe->n == pe->cap) {
		pe->cap = pe->cap == 0 ? 64 : pe->cap * 2;
		if ((nv = reallocarray(pe->v, pe->cap, sizeof(*nv))) == NULL)
			return -1;
		pe->v = nv;
	}
	memset(&pe->v[pe->n], 0, sizeof(pe->v[pe->n]));
	snprintf(pe->v[pe->n].serial, sizeof(pe->v[pe->n].serial), "%s",
	    c->serial);
	pe->v[pe->n].revoked_at = c->revoked_at;
	pe->v[pe->n].reason = c->revoke_reason;
	pe->n++;
	return 0;
}

/* Is the stored CRL "cr" still the one to serve? */
static int
pki_crl_fresh(const struct store_crl *cr, int64_t rev, int64_t now,
    int validity)
{
	return cr->revision == rev && cr->next_update - now > validity / 2;
}

/* Build and store CA "name"'s CRL "number" reflecting revision "rev". */
static enum store_put
pki_crl_build(struct store *st, const char *name, const struct ca *ca,
    int validity, int64_t number, int64_t rev)
{
	struct pki_entries	 pe = { 0 };
	struct store_crl	 cr = { 0 };
	time_t			 now = time(NULL);
	enum store_put		 r = STORE_PUT_ERROR;

	if (store_revoked_list(st, name, pki_entry_add, &pe) == -1)
		goto out;
	snprintf(cr.ca, sizeof(cr.ca), "%s", name);
	cr.number = number;
	cr.revision = rev;
	cr.this_update = (int64_t)now;
	cr.next_update = (int64_t)now + validity;
	if ((cr.der = crl_build(ca, pe.v, pe.n, number, now,
	    (time_t)cr.next_update, &cr.dersz)) == NULL)
		goto out;
	r = store_crl_put(st, &cr);
	if (r == STORE_PUT_OK)
		log_info("CA %s: CRL %lld: %zu revoked, revision %lld",
		    name, (long long)number, pe.n, (long long)rev);
 out:
	free(pe.v);
	free(cr.der);
	return r;
}

int
pki_crl_get(struct store *st, const char *name, const struct ca *ca,
    int validity, unsigned char **der, size_t *len)
{
	struct store_crl	cr;
	int64_t			rev, now = (int64_t)time(NULL);
	int			found, i;

	*der = NULL;
	for (i = 0; i < PKI_CRL_TRIES; i++) {
		if (store_revision(st, &rev) == -1 ||
		    store_crl_latest(st, name, &cr, &found) == -1)
			return -1;
		if (found && pki_crl_fresh(&cr, rev, now, validity)) {
			*der = cr.der;
			*len = cr.dersz;
			return 0;
		}
		/* A lost race (DUP) means someone else stored a newer one. */
		if (pki_crl_build(st, name, ca, validity, found ?
		    cr.number + 1 : 1, rev) == STORE_PUT_ERROR) {
			store_crl_clear(&cr);
			return -1;
		}
		store_crl_clear(&cr);
	}
	log_warnx("CRL: gave up after %d attempts", PKI_CRL_TRIES);
	return -1;
}

int
pki_cert_status(struct store *st, const char *name, const char *serial,
    struct ocsp_status *os)
{
	struct store_status	 ss;
	int			 found;

	memset(os, 0, sizeof(*os));
	if (store_cert_status(st, serial, &ss, &found) == -1)
		return -1;
	/* A serial of another of our CAs is not this CA's certificate. */
	if (!found || strcmp(ss.ca, name) != 0)
		os->status = OCSP_ST_UNKNOWN;
	else if (ss.status == STORE_CERT_REVOKED) {
		os->status = OCSP_ST_REVOKED;
		os->revoked_at = ss.revoked_at;
		os->reason = ss.revoke_reason;
	} else
		os->status = OCSP_ST_GOOD;
	return 0;
}

int
pki_crl_current(const struct server *s, const struct server_ca *sca,
    unsigned char **der, size_t *len)
{
	return pki_crl_get(s->store, sca->conf->name, sca->ca,
	    s->conf->pki.crl_validity, der, len);
}

int
pki_ocsp_lookup(void *arg, const char *serial, struct ocsp_status *os)
{
	const struct pki_ocsp_arg	*a = arg;

	return pki_cert_status(a->srv->store, a->sca->conf->name, serial, os);
}

const struct server_ca *
pki_ocsp_ca(const struct server *s, const unsigned char *req, size_t reqsz)
{
	size_t	i;

	for (i = 1; i < s->ncas; i++)
		if (ocsp_request_names(s->cas[i].ca, req, reqsz) == 1)
			return &s->cas[i];
	return &s->cas[0];
}
