/*	SPDX-License-Identifier: ISC */
/*
 * crl.c: signs complete CRLv2s, RFC 5280 5.1 (structure), 5.2.1
 * (authorityKeyIdentifier), 5.2.3 (cRLNumber), 5.3.1 (reasonCode).
 * crl.c builds the TBSCertList; ca.c signs it (ca_crl_sign()), so no
 * key is reached from here.  Uses OpenSSL, ca.h, x509.c and log.c; the
 * caller brings the list of revoked certificates, so nothing here
 * touches the store.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "crl.h"
#include "log.h"
#include "x509.h"

/* RFC 5280 5.3.1, indexed by code; 7 is not assigned. */
static const char *const crl_reasons[CRL_REASON__MAX] = {
	"unspecified", "keyCompromise", "cACompromise",
	"affiliationChanged", "superseded", "cessationOfOperation",
	"certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

int
crl_reason_parse(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < CRL_REASON__MAX; i++)
		if (crl_reasons[i] != NULL &&
		    strcasecmp(s, crl_reasons[i]) == 0)
			return i;
	return -1;
}

const char *
crl_reason_str(int code)
{
	if (code < 0 || code >= CRL_REASON__MAX || crl_reasons[code] == NULL)
		return "?";
	return crl_reasons[code];
}

/*
 * A serial as the store keeps it: 1 to 40 hex digits (RFC 5280 4.1.2.2
 * allows 20 octets), so BN_hex2bn() can neither stop early nor see a
 * sign.
 */
static int
crl_serial_ok(const char *s)
{
	size_t	 i, n;

	n = strnlen(s, sizeof(((struct crl_entry *)NULL)->serial));
	if (n == 0 || n > 40)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The reasons a complete CRL may carry: none, or a code 5.3.1 knows. */
static int
crl_reason_ok(int reason)
{
	if (reason == CRL_NOREASON)
		return 1;
	/* 5.3.1: removeFromCRL "is for use in delta CRLs only". */
	if (reason == 8)
		return 0;
	return reason >= 0 && reason < CRL_REASON__MAX &&
	    crl_reasons[reason] != NULL;
}

/* RFC 5280 5.3.1: reasonCode, absent for unspecified. */
static int
crl_entry_reason(X509_REVOKED *r, int reason)
{
	ASN1_ENUMERATED	*e;
	int		 ok;

	if (reason <= 0)
		return 0;
	if ((e = ASN1_ENUMERATED_new()) == NULL)
		return -1;
	ok = ASN1_ENUMERATED_set(e, reason) &&
	    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0) == 1;
	ASN1_ENUMERATED_free(e);
	return ok ? 0 : -1;
}

/* Append one revokedCertificates entry (5.1.2.6). */
static int
crl_entry_add(X509_CRL *crl, const struct crl_entry *ent)
{
	X509_REVOKED	*r = NULL;
	BIGNUM		*bn = NULL;
	ASN1_INTEGER	*serial = NULL;
	ASN1_TIME	*t = NULL;
	int		 reason, rc = -1;

	if (!crl_serial_ok(ent->serial)) {
		log_warnx("RFC 5280 4.1.2.2: serial \"%.40s\" is not 1 to 40 "
		    "hex digits", ent->serial);
		return -1;
	}
	/*
	 * A reason we cannot state must not take every other revocation
	 * down with it: the certificate is listed, the reason left out.
	 */
	reason = ent->reason;
	if (!crl_reason_ok(reason)) {
		log_warnx("RFC 5280 5.3.1: serial %s: reason %d has no place "
		    "in a complete CRL; listed without one", ent->serial,
		    reason);
		reason = CRL_NOREASON;
	}
	if (BN_hex2bn(&bn, ent->serial) == 0 ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (t = ASN1_TIME_set(NULL, (time_t)ent->revoked_at)) == NULL ||
	    (r = X509_REVOKED_new()) == NULL ||
	    !X509_REVOKED_set_serialNumber(r, serial) ||
	    !X509_REVOKED_set_revocationDate(r, t) ||
	    crl_entry_reason(r, reason) == -1 ||
	    !X509_CRL_add0_revoked(crl, r)) {
		log_crypto("CRL entry for serial %s", ent->serial);
		goto out;
	}
	r = NULL;	/* the CRL's now */
	rc = 0;
 out:
	X509_REVOKED_free(r);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return rc;
}

/*
 * RFC 5280 5.2.1: the keyIdentifier is the CA certificate's own
 * subjectKeyIdentifier, so a relying party matches the two; without
 * one, method (1) of 4.2.1.2, the SHA-1 of the public key.
 */
static int
crl_ext_aki(const struct ca *ca, X509_CRL *crl)
{
	AUTHORITY_KEYID			*aki = NULL;
	const ASN1_OCTET_STRING		*ski;
	X509				*cacert = ca_cert(ca);
	unsigned char			 md[EVP_MAX_MD_SIZE];
	unsigned int			 mdlen;
	int				 rc = -1;

	if ((aki = AUTHORITY_KEYID_new()) == NULL)
		goto out;
	if ((ski = X509_get0_subject_key_id(cacert)) != NULL) {
		if ((aki->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL)
			goto out;
	} else {
		if (!X509_pubkey_digest(cacert, EVP_sha1(), md, &mdlen) ||
		    (aki->keyid = ASN1_OCTET_STRING_new()) == NULL ||
		    !ASN1_OCTET_STRING_set(aki->keyid, md, (int)mdlen))
			goto out;
	}
	if (X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, aki, 0,
	    0) == 1)
		rc = 0;
 out:
	AUTHORITY_KEYID_free(aki);
	return rc;
}

/* RFC 5280 5.2.3: cRLNumber, a non-critical monotonic INTEGER. */
static int
crl_ext_number(X509_CRL *crl, int64_t number)
{
	ASN1_INTEGER	*n;
	int		 ok;

	if ((n = ASN1_INTEGER_new()) == NULL)
		return -1;
	ok = ASN1_INTEGER_set_int64(n, number) &&
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, n, 0, 0) == 1;
	ASN1_INTEGER_free(n);
	return ok ? 0 : -1;
}

/* RFC 5280 5.1.2.4, 5.1.2.5; ASN1_TIME_set picks UTCTime until 2049. */
static int
crl_times(X509_CRL *crl, time_t this_update, time_t next_update)
{
	ASN1_TIME	*t = NULL, *n = NULL;
	int		 ok;

	ok = (t = ASN1_TIME_set(NULL, this_update)) != NULL &&
	    (n = ASN1_TIME_set(NULL, next_update)) != NULL &&
	    X509_CRL_set1_lastUpdate(crl, t) &&
	    X509_CRL_set1_nextUpdate(crl, n);
	ASN1_TIME_free(t);
	ASN1_TIME_free(n);
	return ok ? 0 : -1;
}

/* The arguments a CRL cannot be built from; logged. */
static int
crl_args_ok(const struct crl_entry *ents, size_t n, int64_t number,
    time_t this_update, time_t next_update)
{
	if (n > 0 && ents == NULL) {
		log_warnx("crl_build: %zu entries but no array", n);
		return 0;
	}
	if (n > INT_MAX) {
		log_warnx("crl_build: %zu entries is too many", n);
		return 0;
	}
	if (number < 0) {
		log_warnx("RFC 5280 5.2.3: cRLNumber %lld is negative",
		    (long long)number);
		return 0;
	}
	if (next_update <= this_update) {
		log_warnx("RFC 5280 5.1.2.5: nextUpdate is not after "
		    "thisUpdate");
		return 0;
	}
	return 1;
}

unsigned char *
crl_build(const struct ca *ca, const struct crl_entry *ents, size_t n,
    int64_t number, time_t this_update, time_t next_update, size_t *len)
{
	X509_CRL	*crl = NULL;
	unsigned char	*ret = NULL;
	size_t		 i;

	*len = 0;
	ERR_clear_error();
	if (!crl_args_ok(ents, n, number, this_update, next_update))
		goto out;
	if ((crl = X509_CRL_new()) == NULL ||
	    !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(ca_cert(ca))) ||
	    crl_times(crl, this_update, next_update) == -1 ||
	    crl_ext_number(crl, number) == -1 ||
	    crl_ext_aki(ca, crl) == -1) {
		log_crypto("CRL %lld: cannot build", (long long)number);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (crl_entry_add(crl, &ents[i]) == -1)
			goto out;
	/* Sorted by serial, as openssl-ca does: the same list, same DER. */
	if (!X509_CRL_sort(crl) || ca_crl_sign(ca, crl) == -1 ||
	    x509_i2d(i2d_X509_CRL, crl, &ret, len) == -1) {
		log_crypto("CRL %lld: cannot sign", (long long)number);
		goto out;
	}
 out:
	X509_CRL_free(crl);
	return ret;
}

int
crl_der_times(const unsigned char *der, size_t len, int64_t *this_update,
    int64_t *next_update)
{
	const unsigned char	*p = der;
	X509_CRL		*crl;
	int			 rc = -1;

	if (len > LONG_MAX || (crl = d2i_X509_CRL(NULL, &p, (long)len)) ==
	    NULL) {
		ERR_clear_error();
		return -1;
	}
	if (X509_CRL_get0_nextUpdate(crl) != NULL) {
		*this_update = x509_time(X509_CRL_get0_lastUpdate(crl));
		*next_update = x509_time(X509_CRL_get0_nextUpdate(crl));
		rc = *this_update == 0 || *next_update == 0 ? -1 : 0;
	}
	X509_CRL_free(crl);
	return rc;
}
