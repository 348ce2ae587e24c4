/*	SPDX-License-Identifier: ISC */
/*
 * ocsp.h: an OCSP responder, RFC 6960 (2.2 statuses, 2.3 errors, 4.1
 * requests, 4.2 responses, 4.4.1 nonce) and RFC 8954 (nonce length).
 * Request bytes in, response bytes out; the store is reached only
 * through the caller's lookup function, and HTTP (RFC 6960 A.1) is the
 * caller's job.
 */
#ifndef SCEPD_OCSP_H
#define SCEPD_OCSP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ca;

#define OCSP_REQ_MAX		65536	/* larger requests are malformed */
#define OCSP_CERTIDS_MAX	16	/* more CertIDs: malformedRequest */

enum ocsp_cert_status {		/* RFC 6960 4.2.1 CertStatus */
	OCSP_ST_GOOD,
	OCSP_ST_REVOKED,
	OCSP_ST_UNKNOWN
};

/* What the store knows of one serial. */
struct ocsp_status {
	enum ocsp_cert_status	 status;
	int64_t			 revoked_at;	/* Unix seconds, if revoked */
	int			 reason;	/* CRLReason, -1 none */
};

/*
 * Look up "serial" and fill the status (it arrives set to unknown).
 * "serial" is the CertID's serialNumber as BN_bn2hex() prints it:
 * upper-case hex, two digits per octet, no leading zero octets, which
 * is exactly the form ca_issue() stores (32 digits, first octet
 * 0x40..0x7f).  Only positive serials of at most 20 octets (RFC 5280
 * 4.1.2.2) are looked up; others are unknown without a call.
 * Returns 0, or -1 if the store failed (the client gets tryLater).
 * Called from the thread that called ocsp_respond*().
 */
typedef int	(*ocsp_lookup_fn)(void *arg, const char *serial,
		    struct ocsp_status *);

/* The answer to one request.  The caller free()s "der". */
struct ocsp_result {
	unsigned char	*der;		/* OCSPResponse; NULL: ENOMEM */
	size_t		 dersz;		/* length of "der" */
	int		 http;		/* 200, or 500 if "der" is NULL */
	/* For the log line; the first CertID of the request. */
	const char	*outcome;	/* static: "good", "revoked", "unknown",
					 * "malformed", "unauthorized",
					 * "tryLater", "internalError" */
	char		 serial[41];	/* its serial, "" if none or too long */
	int		 nonce;		/* the request carried a nonce */
	int		 cached;	/* a cached response was reused */
};

/*
 * Answer one OCSPRequest (DER, "reqsz" bytes).  Each CertID (SHA-1,
 * SHA-224/256/384/512) whose issuerNameHash and issuerKeyHash are our
 * CA's gets good, revoked (time, reason unless -1 or unspecified) or
 * unknown from "lookup"; a CertID of another issuer, or with another
 * hash, gets unknown, and a request with no CertID of ours gets
 * unauthorized (2.3).  An unparseable request, trailing bytes, more
 * than OCSP_CERTIDS_MAX CertIDs, or a nonce of 0 or more than 32
 * octets get malformedRequest; a lookup failure gets tryLater.  All of
 * those are still an OCSPResponse with HTTP 200.  Request signatures
 * are ignored (4.1.2: optional).
 * The nonce is echoed; thisUpdate is now and nextUpdate now + "validity"
 * seconds (must be > 0).  The ResponderID is byKey and the signature
 * SHA-256: by the CA key with no certificate included, or, when the CA
 * has a delegated signer (ocsp_cert), by that key with its
 * certificate included (4.2.2.2).
 */
void	ocsp_respond(const struct ca *, const unsigned char *req,
	    size_t reqsz, int validity, ocsp_lookup_fn, void *arg,
	    struct ocsp_result *);

/*
 * thisUpdate and the earliest nextUpdate over the SingleResponses of a
 * successful OCSPResponse's DER, Unix seconds, for HTTP caching (RFC
 * 5019 6.2).  0, or -1 if it is not a successful basic response or a
 * SingleResponse has no nextUpdate (nothing to cache then).
 */
int	ocsp_times(const unsigned char *, size_t, int64_t *this_update,
	    int64_t *next_update);

/*
 * Does the first CertID of the OCSPRequest "req" name CA "ca" (issuer
 * name and key hashes)?  1 yes, 0 no or unparseable.  With several CAs
 * this picks the one to answer for.
 */
int	ocsp_request_names(const struct ca *, const unsigned char *req,
	    size_t reqsz);

/*
 * Signed responses kept for reuse (ocsp_cache.c), so OCSP load does
 * not cost one RSA signature per request.  Thread-safe (one mutex), bounded to "max"
 * entries (the oldest goes first; roughly 1 KiB each with a 2048-bit
 * key), keyed by the CertID's DER, so one cache may serve several CAs.
 * Make a new one when a CA's key changes.  NULL (logged) on failure.
 */
struct ocsp_cache;
struct ocsp_cache	*ocsp_cache_new(size_t max);
void			 ocsp_cache_free(struct ocsp_cache *); /* NULL ok */

/* Counters for metrics, read under the cache's lock. */
struct ocsp_cache_stats {
	uint64_t	 hits;		/* answered from the cache */
	uint64_t	 misses;	/* cacheable, but signed afresh */
	size_t		 entries;	/* held now */
};
void	ocsp_cache_stats(struct ocsp_cache *, struct ocsp_cache_stats *);

/*
 * For tests: the cache's clock (default time()), used for thisUpdate,
 * nextUpdate and the freshness rule of ocsp_respond_cached().
 */
void	ocsp_cache_set_clock(struct ocsp_cache *, time_t (*)(void));

/*
 * ocsp_respond(), except that a request with exactly one CertID, of
 * ours, no nonce, for a good or revoked serial, may be answered with a
 * cached response.  The status is always looked up (it is cheap); the
 * cached response is used only if it has the same CertID (serial, hash
 * algorithm and its encoding), the same status, revocation time and
 * reason, and its nextUpdate is more than validity / 4 seconds away.
 * Otherwise the response is signed afresh and cached.  Unknown
 * serials, nonces and several CertIDs are never cached.  A NULL cache
 * makes this ocsp_respond().
 */
void	ocsp_respond_cached(struct ocsp_cache *, const struct ca *,
	    const unsigned char *req, size_t reqsz, int validity,
	    ocsp_lookup_fn, void *arg, struct ocsp_result *);

#endif
