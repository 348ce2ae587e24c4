/*	SPDX-License-Identifier: ISC */
/*
 * throttle.h: slow down repeated credential failures per client address,
 * for every check of a password (the NDES page now; the admin API and
 * console later).  A fixed table: memory is bounded whatever the
 * clients do, and the address seen least recently is forgotten first.
 * Thread-safe.  Plain C: it never sleeps, it says how long to wait.
 */
#ifndef SCEPD_THROTTLE_H
#define SCEPD_THROTTLE_H

#include <pthread.h>
#include <stdint.h>

#define THROTTLE_SLOTS		1024	/* addresses remembered at once */
#define THROTTLE_ADDR_MAX	64	/* a numeric IPv6 address and zone */

/* How failures are counted; the http side fills it from struct conf. */
struct throttle_rule {
	int	 after;		/* failures allowed before a wait */
	int	 window;	/* seconds without a failure that forget them */
	int	 delay;		/* the first wait, seconds; doubles each time */
	int	 max_delay;	/* the longest wait, seconds */
};

/* One address.  Private to throttle.c. */
struct throttle_slot {
	char		 addr[THROTTLE_ADDR_MAX];	/* "": free */
	int		 fails;		/* failures in this run */
	int64_t		 last;		/* the last failure, seconds */
	int64_t		 until;		/* refused until then, seconds */
	uint64_t	 used;		/* "tick" when last looked up */
};

/*
 * The table, embedded by its owner (struct http) so that it needs no
 * allocation; every field is private to throttle.c and under "mtx".
 */
struct throttle {
	pthread_mutex_t		 mtx;
	struct throttle_rule	 rule;
	uint64_t		 tick;		/* counts look-ups, for LRU */
	struct throttle_slot	 slots[THROTTLE_SLOTS];
};

/*
 * "now" is in seconds of a monotonic clock (the caller's, so that
 * tests can run time).  Addresses are text; longer ones are cut.
 */
/* Start empty with "rule"; throttle_fini() when done. */
void	throttle_init(struct throttle *, const struct throttle_rule *);
void	throttle_fini(struct throttle *);
/*
 * Before a credential check: 0 to go ahead, else the seconds "addr"
 * must still wait (answer 429 with Retry-After, and check nothing).
 */
int	throttle_wait(struct throttle *, const char *addr, int64_t now);
/*
 * A failed check from "addr": returns how many failures it has now
 * made in a row, and sets *wait to the seconds before it may try again
 * (0 while it is under rule.after).
 */
int	throttle_fail(struct throttle *, const char *addr, int64_t now,
	    int *wait);
/* A successful check: forget "addr"'s failures. */
void	throttle_pass(struct throttle *, const char *addr);

#endif
