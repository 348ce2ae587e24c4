/*	SPDX-License-Identifier: ISC */
/*
 * crl.h: certificate revocation lists, RFC 5280 section 5 (CRLv2) and
 * the CRLReason codes of 5.3.1.  Pure: the caller reads the revoked
 * certificates from the store and passes them in; crl.c builds the
 * list and ca.c signs it.
 */
#ifndef SCEPD_CRL_H
#define SCEPD_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ca;

/*
 * RFC 5280 5.3.1 CRLReason values run 0..10 (7 is unused); OpenSSL's
 * x509v3.h names them CRL_REASON_*, so ours are spelt apart.
 */
#define CRL_NOREASON		(-1)	/* no reasonCode extension */
#define CRL_REASON__MAX		11	/* one past aACompromise */
#define CRL_REMOVE_FROM_CRL	8	/* delta CRLs only */

/* One revoked certificate. */
struct crl_entry {
	char	 serial[41];	/* upper-case hex, as stored, NUL-ended */
	int64_t	 revoked_at;	/* revocationDate, Unix seconds */
	int	 reason;	/* CRLReason code, CRL_NOREASON = none */
};

/*
 * Build a complete CRLv2 (RFC 5280 5.1) over "entries" (n of them,
 * NULL if n is 0), signed by the CA through ca_crl_sign() (SHA-256):
 * version 2, issuer = the CA's subject, thisUpdate, nextUpdate (after
 * thisUpdate), the extensions cRLNumber "number" (5.2.3, not negative)
 * and authorityKeyIdentifier (5.2.1, the CA's subjectKeyIdentifier).
 * An entry's reasonCode (5.3.1) is present for reasons 1..10; it is
 * left out for none and for unspecified (0), as 5.3.1 says it SHOULD
 * be, and (logged) for removeFromCRL (8: delta CRLs only) and unknown
 * codes, the entry staying listed.  Entries are sorted by serial.  A
 * serial that is not 1 to 40 hex digits fails the whole CRL: leaving
 * it out would un-revoke it.
 * Returns the DER (caller free()s, length in *len) or NULL (logged).
 */
unsigned char	*crl_build(const struct ca *, const struct crl_entry *,
		    size_t n, int64_t number, time_t this_update,
		    time_t next_update, size_t *len);

/*
 * thisUpdate and nextUpdate of a CRL's DER, Unix seconds, for HTTP
 * caching (RFC 5019 6.2).  0, or -1 if it does not parse or has no
 * nextUpdate.
 */
int		 crl_der_times(const unsigned char *, size_t,
		    int64_t *this_update, int64_t *next_update);

/*
 * RFC 5280 5.3.1 names <-> codes: "unspecified" 0, "keyCompromise" 1,
 * "cACompromise" 2, "affiliationChanged" 3, "superseded" 4,
 * "cessationOfOperation" 5, "certificateHold" 6, "removeFromCRL" 8,
 * "privilegeWithdrawn" 9, "aACompromise" 10.  Parsing ignores case and
 * returns -1 for anything else; crl_reason_str() returns "?" for a code
 * it does not know.
 */
int		 crl_reason_parse(const char *);
const char	*crl_reason_str(int);

#endif
