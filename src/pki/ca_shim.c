/*	SPDX-License-Identifier: ISC */
/*
 * ca_shim.c: TEMPORARY.  The three CA operations engine.c now calls,
 * over today's struct ca, until ca.c itself offers them (issue #10,
 * the pki step removes this file).
 */
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "scep.h"

unsigned char	*ca_certrep(const struct ca *, const struct scep_rep *,
		    size_t *);
int		 ca_issued(const struct ca *, const X509 *);
int		 ca_subject_is(const struct ca *, const X509_NAME *);

unsigned char *
ca_certrep(const struct ca *ca, const struct scep_rep *rep, size_t *len)
{
	struct scep_rep r = *rep;

	if (r.issued != NULL && sk_X509_num(ca->chain) > 1)
		r.chain = ca->chain;
	return scep_rep_encode(&r, ca_scep_cert(ca), ca_scep_key(ca), len);
}

int
ca_issued(const struct ca *ca, const X509 *x)
{
	int ok;

	ok = X509_check_issued(ca->cert, (X509 *)x) == X509_V_OK;
	ERR_clear_error();
	return ok;
}

int
ca_subject_is(const struct ca *ca, const X509_NAME *name)
{
	return X509_NAME_cmp(name, X509_get_subject_name(ca->cert)) == 0;
}
