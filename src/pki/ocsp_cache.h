/*	SPDX-License-Identifier: ISC */
/*
 * ocsp_cache.h: what ocsp.c asks of the cache of signed responses
 * (ocsp_cache.c).  The cache's public face, ocsp_cache_new() and the
 * rest, is in ocsp.h next to ocsp_respond_cached(), its one user.
 */
#ifndef SCEPD_OCSP_CACHE_H
#define SCEPD_OCSP_CACHE_H

#include <stddef.h>
#include <time.h>

struct ocsp_cache;
struct ocsp_status;

/* The cache's clock: time(), or what ocsp_cache_set_clock() gave. */
time_t	ocsp_cache_now(struct ocsp_cache *);

/*
 * A malloc'd copy of the response cached under "key" (a CertID's DER)
 * into *der and *dersz, if it says what "st" says (status, and for a
 * revocation its time and the reason as the response states it), was
 * signed at or before "now" and has more than validity / 4 seconds
 * left: 1.  Else 0, and a stale entry is dropped for everyone.  Counts
 * a hit or a miss.
 */
int	ocsp_cache_get(struct ocsp_cache *, const unsigned char *key,
	    size_t keysz, const struct ocsp_status *st, time_t now,
	    int validity, unsigned char **der, size_t *dersz);

/*
 * Keep a copy of "der", signed at "now" for "validity" seconds and
 * saying "st", under "key", replacing any entry for it; the oldest
 * entry goes when the cache is full.  Out of memory forgets silently.
 */
void	ocsp_cache_put(struct ocsp_cache *, const unsigned char *key,
	    size_t keysz, const struct ocsp_status *st, time_t now,
	    int validity, const unsigned char *der, size_t dersz);

#endif
