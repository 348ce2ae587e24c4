/*	SPDX-License-Identifier: ISC */
/*
 * ocsp_cache.c: the cache of signed OCSP responses behind
 * ocsp_respond_cached(): a bounded, thread-safe map from a CertID's DER
 * to the response last signed for it and the status that response
 * states.  It knows nothing of OCSP beyond struct ocsp_status: ocsp.c
 * decides what may be cached and signs what is not.
 * Uses libc, pthreads, OpenSSL's RNG (for the hash seed) and log.c.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "log.h"
#include "ocsp.h"
#include "ocsp_cache.h"
#include "util.h"

#define OCSP_CACHE_LIMIT	(1U << 22)	/* entries, ~4 GiB */

/*
 * The cache.  Entries hang off a power-of-two hash table (chained) and
 * off one list in insertion order, whose head is evicted first: it is
 * also the entry nearest its nextUpdate.  One allocation per entry
 * holds the CertID DER (the key) and then the response DER.
 */
struct ocsp_cache_ent {
	struct ocsp_cache_ent	*hnext;		/* same bucket */
	struct ocsp_cache_ent	*older;		/* insertion order */
	struct ocsp_cache_ent	*newer;
	uint64_t		 hash;		/* of the key */
	struct ocsp_status	 st;		/* what the response says */
	time_t			 this_update;
	time_t			 next_update;
	size_t			 keysz;		/* key at data[0] */
	size_t			 dersz;		/* response at data[keysz] */
	unsigned char		 data[];
};

struct ocsp_cache {
	pthread_mutex_t		  mtx;		/* guards all below */
	struct ocsp_cache_ent	**tab;
	size_t			  tabsz;	/* power of two */
	size_t			  n;		/* entries */
	size_t			  max;
	struct ocsp_cache_ent	 *oldest;
	struct ocsp_cache_ent	 *newest;
	uint64_t		  seed;		/* hash seed, random */
	uint64_t		  hits, misses;
	time_t			(*clock)(void);
};

static time_t
ocsp_time(void)
{
	return time(NULL);
}

struct ocsp_cache *
ocsp_cache_new(size_t max)
{
	struct ocsp_cache	*c;

	if (max == 0 || max > OCSP_CACHE_LIMIT) {
		log_warnx("ocsp: a cache of %zu entries: want 1 to %u", max,
		    OCSP_CACHE_LIMIT);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("ocsp: cache");
		return NULL;
	}
	c->max = max;
	for (c->tabsz = 16; c->tabsz < max; c->tabsz *= 2)
		;
	if ((c->tab = calloc(c->tabsz, sizeof(*c->tab))) == NULL) {
		log_warn("ocsp: cache of %zu entries", max);
		free(c);
		return NULL;
	}
	/* A fixed seed would let anyone pick colliding CertIDs. */
	if (rand_bytes(&c->seed, sizeof(c->seed)) == -1)
		ERR_clear_error();
	c->clock = ocsp_time;
	pthread_mutex_init(&c->mtx, NULL);
	return c;
}

void
ocsp_cache_free(struct ocsp_cache *c)
{
	struct ocsp_cache_ent	*e, *next;

	if (c == NULL)
		return;
	for (e = c->oldest; e != NULL; e = next) {
		next = e->newer;
		free(e);
	}
	pthread_mutex_destroy(&c->mtx);
	free(c->tab);
	free(c);
}

void
ocsp_cache_stats(struct ocsp_cache *c, struct ocsp_cache_stats *s)
{
	pthread_mutex_lock(&c->mtx);
	s->hits = c->hits;
	s->misses = c->misses;
	s->entries = c->n;
	pthread_mutex_unlock(&c->mtx);
}

void
ocsp_cache_set_clock(struct ocsp_cache *c, time_t (*clock)(void))
{
	c->clock = clock != NULL ? clock : ocsp_time;
}

time_t
ocsp_cache_now(struct ocsp_cache *c)
{
	return c->clock();
}

/* FNV-1a, seeded. */
static uint64_t
ocsp_cache_hash(const struct ocsp_cache *c, const unsigned char *p,
    size_t n)
{
	uint64_t	 h = 14695981039346656037ULL ^ c->seed;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Where the entry for "key" is, or would go: *slot is NULL if absent. */
static struct ocsp_cache_ent **
ocsp_cache_slot(struct ocsp_cache *c, const unsigned char *key,
    size_t keysz, uint64_t h)
{
	struct ocsp_cache_ent	**pp;

	for (pp = &c->tab[h & (c->tabsz - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->keysz == keysz &&
		    memcmp((*pp)->data, key, keysz) == 0)
			break;
	return pp;
}

/* Unlink *slot from both lists and free it.  Lock held. */
static void
ocsp_cache_drop(struct ocsp_cache *c, struct ocsp_cache_ent **slot)
{
	struct ocsp_cache_ent	*e = *slot;

	*slot = e->hnext;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->n--;
	free(e);
}

/*
 * May "e" answer for a serial whose status is now "st"?  Same status,
 * same revocation, signed at or before now (a clock stepped back must
 * not hand out a thisUpdate in the future), and more than a quarter of
 * its validity left.  The reasons compared are the ones the responses
 * state, which the caller has already reduced to those (ocsp.c).
 */
static int
ocsp_cache_fresh(const struct ocsp_cache_ent *e,
    const struct ocsp_status *st, time_t now, int validity)
{
	if (e->st.status != st->status)
		return 0;
	if (st->status == OCSP_ST_REVOKED &&
	    (e->st.revoked_at != st->revoked_at ||
	    e->st.reason != st->reason))
		return 0;
	return e->this_update <= now && e->next_update - now > validity / 4;
}

int
ocsp_cache_get(struct ocsp_cache *c, const unsigned char *key,
    size_t keysz, const struct ocsp_status *st, time_t now, int validity,
    unsigned char **out, size_t *outsz)
{
	struct ocsp_cache_ent	**slot;
	unsigned char		 *der = NULL;
	size_t			  dersz = 0;
	uint64_t		  h = ocsp_cache_hash(c, key, keysz);

	pthread_mutex_lock(&c->mtx);
	slot = ocsp_cache_slot(c, key, keysz, h);
	if (*slot != NULL && ocsp_cache_fresh(*slot, st, now, validity)) {
		dersz = (*slot)->dersz;
		if ((der = malloc(dersz)) != NULL)
			memcpy(der, (*slot)->data + keysz, dersz);
	} else if (*slot != NULL)
		ocsp_cache_drop(c, slot);	/* stale for everyone */
	if (der != NULL)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->mtx);
	if (der == NULL)
		return 0;
	*out = der;
	*outsz = dersz;
	return 1;
}

void
ocsp_cache_put(struct ocsp_cache *c, const unsigned char *key,
    size_t keysz, const struct ocsp_status *st, time_t now, int validity,
    const unsigned char *der, size_t dersz)
{
	struct ocsp_cache_ent	*e, **slot;

	if (dersz > SIZE_MAX - sizeof(*e) - keysz ||
	    (e = malloc(sizeof(*e) + keysz + dersz)) == NULL)
		return;		/* a cache may forget */
	memset(e, 0, sizeof(*e));
	e->hash = ocsp_cache_hash(c, key, keysz);
	e->st = *st;
	e->this_update = now;
	e->next_update = now + validity;
	e->keysz = keysz;
	e->dersz = dersz;
	memcpy(e->data, key, keysz);
	memcpy(e->data + keysz, der, dersz);

	pthread_mutex_lock(&c->mtx);
	if (*(slot = ocsp_cache_slot(c, key, keysz, e->hash)) != NULL)
		ocsp_cache_drop(c, slot);
	if (c->n >= c->max)
		ocsp_cache_drop(c, ocsp_cache_slot(c, c->oldest->data,
		    c->oldest->keysz, c->oldest->hash));
	slot = &c->tab[e->hash & (c->tabsz - 1)];
	e->hnext = *slot;
	*slot = e;
	e->older = c->newest;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->n++;
	pthread_mutex_unlock(&c->mtx);
}
