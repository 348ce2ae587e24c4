/*	SPDX-License-Identifier: ISC */
/*
 * issue.c: a signed certificate and its store record, from one CSR.
 * The record carries everything "scepd cert list" and the lifecycle
 * need: serial, subject, validity, transaction, requester, renewal link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "issue.h"
#include "log.h"

int64_t
issue_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/*
 * The issued subject as RFC 2253 text, the way csr.c spells the CSR's
 * (a template may have replaced it).
 */
static char *
issue_subject(X509 *x)
{
	BIO	*b;
	char	*p, *s = NULL;
	long	 n;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253) >= 0 && (n = BIO_get_mem_data(b, &p)) >= 0)
		s = strndup(n > 0 ? p : "", (size_t)n);
	BIO_free(b);
	return s;
}

X509 *
issue_sign(const struct ca *ca, const struct conf_cert *tc,
    const struct csr_info *ci, const struct issue_ctx *ic,
    struct store_cert *rec)
{
	X509		*x;
	unsigned char	*der = NULL;
	int		 n;

	memset(rec, 0, sizeof(*rec));
	if ((x = ca_issue(ca, ci, tc, rec->serial)) == NULL)
		return NULL;
	if ((n = i2d_X509(x, &der)) <= 0 ||
	    (rec->der = malloc((size_t)n)) == NULL ||
	    (rec->subject = issue_subject(x)) == NULL) {
		log_warnx("issue: out of memory");
		OPENSSL_free(der);
		store_cert_clear(rec);
		X509_free(x);
		return NULL;
	}
	memcpy(rec->der, der, (size_t)n);
	rec->dersz = (size_t)n;
	OPENSSL_free(der);
	rec->not_before = issue_time(X509_get0_notBefore(x));
	rec->not_after = issue_time(X509_get0_notAfter(x));
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
