/*	SPDX-License-Identifier: ISC */
/*
 * issue.c: a signed certificate and its store record, from one CSR.
 * The record carries everything "scepd cert list" and the lifecycle
 * need: serial, subject, subjectAltNames (as text, for searching),
 * validity, transaction, requester, renewal link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "issue.h"
#include "log.h"
#include "x509.h"
#include "x509_desc.h"

X509 *
issue_sign(const struct ca *ca, const struct conf_cert *tc,
    const struct csr_info *ci, const struct issue_ctx *ic,
    struct store_cert *rec)
{
	X509		*x;

	memset(rec, 0, sizeof(*rec));
	if ((x = ca_issue(ca, ci, tc, rec->serial)) == NULL)
		return NULL;
	if (x509_i2d(i2d_X509, x, &rec->der, &rec->dersz) == -1 ||
	    (rec->subject = x509_subject_txt(x)) == NULL ||
	    (rec->sans = x509_san_txt(x)) == NULL) {
		log_warnx("issue: out of memory");
		store_cert_clear(rec);
		X509_free(x);
		return NULL;
	}
	rec->not_before = x509_not_before(x);
	rec->not_after = x509_not_after(x);
	rec->status = STORE_CERT_VALID;
	rec->issued_at = (int64_t)time(NULL);
	rec->revoke_reason = -1;
	snprintf(rec->txid, sizeof(rec->txid), "%s", ic->txid);
	snprintf(rec->profile, sizeof(rec->profile), "%s", ic->profile);
	snprintf(rec->ca, sizeof(rec->ca), "%s", ic->ca);
	snprintf(rec->peer, sizeof(rec->peer), "%s", ic->peer);
	snprintf(rec->renewed_from, sizeof(rec->renewed_from), "%s",
	    ic->renewed_from != NULL ? ic->renewed_from : "");
	return x;
}
