/*	SPDX-License-Identifier: ISC */
/*
 * issue.h: sign a certificate for a CSR and describe it for the store.
 * Shared by the engine (automatic issuance, renewal) and by "scepd
 * request approve", so both record exactly the same thing.
 */
#ifndef SCEPD_ISSUE_H
#define SCEPD_ISSUE_H

#include "ca.h"
#include "conf.h"
#include "csr.h"
#include "store.h"
#include "x509.h"

/* Who asked, for the record. */
struct issue_ctx {
	const char	*txid;
	const char	*peer;
	const char	*profile;
	const char	*ca;		/* the CA's name in the configuration */
	const char	*renewed_from;	/* serial of the old certificate, or "" */
};

/*
 * Sign "ci" under template "tc" and fill "rec" (which then owns a
 * malloc'd DER and subject: store_cert_clear() it).  Returns the
 * certificate (caller frees) or NULL, logged.
 */
struct x509_st *issue_sign(const struct ca *, const struct conf_cert *,
	    const struct csr_info *, const struct issue_ctx *,
	    struct store_cert *rec);


#endif
