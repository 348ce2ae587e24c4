/*	SPDX-License-Identifier: ISC */
/*
 * intune_sync.h: Intune's revocation queue (issue #16 item 2,
 * ../shared/docs/INTUNE.md step 5).  Every intune.revocation_interval,
 * for each intune profile, fetch what Intune wants revoked, revoke what
 * scepd issued through that profile by the normal path (the store's
 * revision moves, so CRLs and OCSP answers follow), and tell Intune
 * what became of each request.  With several nodes on one store, a
 * lease per profile lets one node at a time do it.
 */
#ifndef SCEPD_INTUNE_SYNC_H
#define SCEPD_INTUNE_SYNC_H

#include <stddef.h>

#include "conf.h"
#include "intune.h"
#include "store.h"

/* What one sync of one profile did. */
struct intune_sync_counts {
	size_t	 requests;	/* downloaded */
	size_t	 revoked;	/* revoked now */
	size_t	 already;	/* revoked before */
	size_t	 unknown;	/* no such certificate of the profile */
	size_t	 failed;	/* the store failed; Intune may ask again */
};

/*
 * One sync of profile "pc" (challenge.mode intune) under the lease
 * "intune:<profile>" for "holder": 0 (also when another node holds the
 * lease: *skipped is then 1), or -1 if Intune or the store failed
 * (logged).  "cache" may be NULL.
 */
int	intune_sync_profile(struct store *, struct intune_cache *,
	    const struct conf_profile *pc, const char *holder,
	    struct intune_sync_counts *, int *skipped);

/*
 * The serving process's background thread (cmd_serve.c): it owns
 * "conf" (and every one given to intune_sync_reload()); "store" and
 * "cache" must outlive it.  NULL (logged) if it cannot start.
 */
struct intune_sync;

struct intune_sync	*intune_sync_start(struct store *,
			    struct intune_cache *, struct conf *);
/* SIGHUP: the next round uses "conf" (taken over, also on failure). */
void			 intune_sync_reload(struct intune_sync *,
			    struct conf *);
/* Stop and join the thread, free what it owns; NULL is fine. */
void			 intune_sync_stop(struct intune_sync *);

#endif
