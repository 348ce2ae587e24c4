/*	SPDX-License-Identifier: ISC */
/*
 * throttle.c: per-address failure counts for credential checks, in a
 * fixed table with least-recently-used eviction (throttle.h).
 * After rule.after failures an address waits rule.delay seconds, then
 * twice that after each further failure, up to rule.max_delay;
 * rule.window seconds without a failure forget them.  Plain C, no I/O.
 */
#include <string.h>

#include "throttle.h"

void
throttle_init(struct throttle *t, const struct throttle_rule *rule)
{
	memset(t->slots, 0, sizeof(t->slots));
	t->rule = *rule;
	t->tick = 0;
	/* Default attributes: glibc's and the BSDs' never fail. */
	pthread_mutex_init(&t->mtx, NULL);
}

void
throttle_fini(struct throttle *t)
{
	pthread_mutex_destroy(&t->mtx);
}

/*
 * The slot of "addr", or NULL; with "take", a free slot or the one
 * used least recently, given to "addr".  Under t->mtx.
 */
static struct throttle_slot *
throttle_find(struct throttle *t, const char *addr, int take)
{
	struct throttle_slot	*s, *lru = &t->slots[0];
	char			 key[THROTTLE_ADDR_MAX];
	size_t			 i;

	strncpy(key, addr, sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	t->tick++;
	for (i = 0; i < THROTTLE_SLOTS; i++) {
		s = &t->slots[i];
		if (s->addr[0] != '\0' && strcmp(s->addr, key) == 0) {
			s->used = t->tick;
			return s;
		}
		if (s->used < lru->used)
			lru = s;	/* a free slot has used 0 */
	}
	if (!take)
		return NULL;
	memset(lru, 0, sizeof(*lru));
	memcpy(lru->addr, key, sizeof(key));
	lru->used = t->tick;
	return lru;
}

int
throttle_wait(struct throttle *t, const char *addr, int64_t now)
{
	struct throttle_slot	*s;
	int			 wait = 0;

	pthread_mutex_lock(&t->mtx);
	if ((s = throttle_find(t, addr, 0)) != NULL && s->until > now)
		wait = (int)(s->until - now);
	pthread_mutex_unlock(&t->mtx);
	return wait;
}

/* rule.delay doubled for each failure past the first that waits. */
static int
throttle_delay(const struct throttle_rule *rule, int fails)
{
	int64_t	 d = rule->delay;
	int	 n;

	for (n = rule->after; n < fails && d < rule->max_delay; n++)
		d *= 2;
	return d < rule->max_delay ? (int)d : rule->max_delay;
}

int
throttle_fail(struct throttle *t, const char *addr, int64_t now, int *wait)
{
	struct throttle_slot	*s;
	int			 fails;

	pthread_mutex_lock(&t->mtx);
	s = throttle_find(t, addr, 1);
	if (s->fails > 0 && now - s->last > t->rule.window)
		s->fails = 0;
	if (s->fails < INT32_MAX)
		s->fails++;
	s->last = now;
	*wait = 0;
	if (s->fails >= t->rule.after) {
		*wait = throttle_delay(&t->rule, s->fails);
		s->until = now + *wait;
	}
	fails = s->fails;
	pthread_mutex_unlock(&t->mtx);
	return fails;
}

void
throttle_pass(struct throttle *t, const char *addr)
{
	struct throttle_slot *s;

	pthread_mutex_lock(&t->mtx);
	if ((s = throttle_find(t, addr, 0)) != NULL)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&t->mtx);
}
