/*	SPDX-License-Identifier: ISC */
/*
 * test_throttle.c: throttle.c, the per-address brake on credential
 * failures.  Time is the caller's, so every case runs its own clock:
 * no test here waits.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "throttle.h"

/* scepd's defaults (docs/configuration.md, auth.*). */
static const struct throttle_rule rule = { 3, 600, 1, 300 };

static struct throttle *
new_throttle(const struct throttle_rule *r)
{
	struct throttle *t;

	assert_non_null(t = malloc(sizeof(*t)));
	throttle_init(t, r);
	return t;
}

static void
free_throttle(struct throttle *t)
{
	throttle_fini(t);
	free(t);
}

/* Three failures go by; the third makes the address wait 1 s. */
static void
test_after_three(void **state)
{
	struct throttle	*t = new_throttle(&rule);
	int		 wait;

	assert_int_equal(throttle_wait(t, "10.0.0.1", 100), 0);
	assert_int_equal(throttle_fail(t, "10.0.0.1", 100, &wait), 1);
	assert_int_equal(wait, 0);
	assert_int_equal(throttle_fail(t, "10.0.0.1", 100, &wait), 2);
	assert_int_equal(wait, 0);
	assert_int_equal(throttle_wait(t, "10.0.0.1", 100), 0);
	assert_int_equal(throttle_fail(t, "10.0.0.1", 100, &wait), 3);
	assert_int_equal(wait, 1);
	assert_int_equal(throttle_wait(t, "10.0.0.1", 100), 1);
	/* another address is not concerned */
	assert_int_equal(throttle_wait(t, "10.0.0.2", 100), 0);
	/* and once the second is over, it may try again */
	assert_int_equal(throttle_wait(t, "10.0.0.1", 101), 0);
	free_throttle(t);
}

/* Each further failure doubles the wait, up to max_delay. */
static void
test_doubling(void **state)
{
	struct throttle	*t = new_throttle(&rule);
	int64_t		 now = 1000;
	int		 wait, want = 1, i;

	for (i = 0; i < 2; i++)
		throttle_fail(t, "10.0.0.1", now, &wait);
	for (i = 0; i < 12; i++) {
		throttle_fail(t, "10.0.0.1", now, &wait);
		assert_int_equal(wait, want);
		assert_int_equal(throttle_wait(t, "10.0.0.1", now), want);
		assert_int_equal(throttle_wait(t, "10.0.0.1", now + wait - 1),
		    1);
		now += wait;	/* it waited, then failed again */
		want = want * 2 > 300 ? 300 : want * 2;
	}
	assert_int_equal(want, 300);
	free_throttle(t);
}

/* A success forgets the failures; so do window seconds without any. */
static void
test_forget(void **state)
{
	struct throttle	*t = new_throttle(&rule);
	int		 wait;

	throttle_fail(t, "10.0.0.1", 0, &wait);
	throttle_fail(t, "10.0.0.1", 0, &wait);
	throttle_pass(t, "10.0.0.1");
	assert_int_equal(throttle_fail(t, "10.0.0.1", 0, &wait), 1);
	throttle_fail(t, "10.0.0.1", 0, &wait);
	/* 600 s later it still counts; 601 s later it does not */
	assert_int_equal(throttle_fail(t, "10.0.0.1", 600, &wait), 3);
	assert_int_equal(throttle_fail(t, "10.0.0.1", 1201, &wait), 1);
	assert_int_equal(wait, 0);
	free_throttle(t);
}

/*
 * The table is bounded: past THROTTLE_SLOTS addresses, the one seen
 * least recently is forgotten, and a blocked one that keeps trying is
 * not.
 */
static void
test_lru(void **state)
{
	struct throttle	*t = new_throttle(&(struct throttle_rule){ 1, 600,
	    60, 60 });
	char		 addr[THROTTLE_ADDR_MAX];
	int		 wait, i;

	throttle_fail(t, "old", 0, &wait);
	throttle_fail(t, "busy", 0, &wait);
	for (i = 0; i < THROTTLE_SLOTS + 10; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 256, i % 256);
		throttle_fail(t, addr, 0, &wait);
		assert_int_equal(wait, 60);
		assert_int_not_equal(throttle_wait(t, "busy", 0), 0);
	}
	assert_int_equal(throttle_wait(t, "old", 0), 0);
	assert_int_equal(throttle_wait(t, "10.1.0.0", 0), 0);
	assert_int_equal(throttle_wait(t, addr, 0), 60);
	free_throttle(t);
}

/* Addresses longer than the slot are cut, not overrun. */
static void
test_long_address(void **state)
{
	struct throttle	*t = new_throttle(&(struct throttle_rule){ 1, 600,
	    5, 5 });
	char		 addr[200];
	int		 wait;

	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	throttle_fail(t, addr, 0, &wait);
	assert_int_equal(throttle_wait(t, addr, 0), 5);
	free_throttle(t);
}

/* Many threads, one table: every failure is counted. */
static void *
fail_many(void *arg)
{
	struct throttle	*t = arg;
	int		 wait, i;

	for (i = 0; i < 1000; i++)
		throttle_fail(t, "10.9.9.9", 0, &wait);
	return NULL;
}

static void
test_threads(void **state)
{
	struct throttle	*t = new_throttle(&(struct throttle_rule){ 100000,
	    600, 1, 1 });
	pthread_t	 th[4];
	int		 wait, i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, fail_many, t), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(throttle_fail(t, "10.9.9.9", 0, &wait), 4001);
	free_throttle(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_three),
		cmocka_unit_test(test_doubling),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_long_address),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
