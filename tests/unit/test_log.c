/*	SPDX-License-Identifier: ISC */
/*
 * test_log.c: log.c's rate limit on warnings.  A flood of one warning
 * comes out as at most LOG_BURST (10) lines a second and a summary
 * that counts the rest, so nothing is lost without a trace; other
 * formats, and info lines (the request log), are never held back.
 * Assertions count lines, whatever the clock does meanwhile.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "log.h"

static char	 cap_path[] = "/tmp/test_log.XXXXXX";
static int	 cap_saved = -1;

/* Send stderr to a fresh file until cap_end(). */
static void
cap_begin(void)
{
	int fd;

	assert_true((fd = mkstemp(cap_path)) != -1);
	assert_true((cap_saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fd, STDERR_FILENO) != -1);
	close(fd);
}

/* What stderr got since cap_begin() (caller frees). */
static char *
cap_end(void)
{
	FILE	*fp;
	char	*s;
	long	 n;

	log_flush();
	dup2(cap_saved, STDERR_FILENO);
	close(cap_saved);
	assert_non_null(fp = fopen(cap_path, "r"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	unlink(cap_path);
	strcpy(cap_path, "/tmp/test_log.XXXXXX");
	return s;
}

/* Lines of "s" holding "needle". */
static int
count(const char *s, const char *needle)
{
	const char	*p;
	int		 n = 0;

	for (p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The sum of the N of every "N similar warnings suppressed". */
static unsigned long
suppressed(const char *s)
{
	const char	*p, *q;
	unsigned long	 n = 0;

	for (p = s; (q = strstr(p, " similar warnings suppressed")) != NULL;
	    p = q + 1) {
		while (q > s && q[-1] >= '0' && q[-1] <= '9')
			q--;
		n += strtoul(q, NULL, 10);
		q = strstr(q, " similar");
	}
	return n;
}

static void
flood(int n)
{
	int i;

	for (i = 0; i < n; i++)
		log_warnx("peer 10.0.0.%d: bad request %d", i % 250, i);
}

/* 200 of one warning: ~10 lines and a count of the others. */
static void
test_flood(void **state)
{
	char	*s;
	int	 shown;

	cap_begin();
	flood(200);
	s = cap_end();
	shown = count(s, "msg=\"peer 10.0.0.");
	assert_true(shown >= 10);
	assert_true(shown < 200);
	assert_int_equal((unsigned long)shown + suppressed(s), 200);
	assert_true(count(s, "like=\"peer 10.0.0.%d: bad request %d\"") >= 1);
	free(s);
}

/* Another warning, and info lines, are not held back by the flood. */
static void
test_others_pass(void **state)
{
	char	*s;
	int	 i;

	cap_begin();
	flood(100);
	log_warnx("a different warning");
	for (i = 0; i < 100; i++)
		log_info("request %d", i);
	s = cap_end();
	assert_int_equal(count(s, "a different warning"), 1);
	assert_int_equal(count(s, "level=info msg=\"request "), 100);
	free(s);
}

/* Off (every command but serve), nothing is held back. */
static void
test_off(void **state)
{
	char	*s;

	log_limit(0);
	cap_begin();
	flood(100);
	s = cap_end();
	log_limit(1);
	assert_int_equal(count(s, "msg=\"peer 10.0.0."), 100);
	assert_int_equal(count(s, "suppressed"), 0);
	free(s);
}

/* A held-back log_crypto() still empties this thread's error queue. */
static void
test_crypto_drained(void **state)
{
	char	*s;
	int	 i;

	cap_begin();
	for (i = 0; i < 50; i++) {
		ERR_raise(ERR_LIB_EVP, ERR_R_PASSED_NULL_PARAMETER);
		log_crypto("decoding %d", i);
		assert_int_equal(ERR_peek_error(), 0);
	}
	s = cap_end();
	/* one "openssl:" line per "decoding" line shown */
	assert_int_equal(count(s, "msg=\"decoding "), count(s, "openssl:"));
	assert_true(count(s, "msg=\"decoding ") < 50);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_others_pass),
		cmocka_unit_test(test_crypto_drained),
		cmocka_unit_test(test_off),
	};

	log_limit(1);		/* as scepd serve does */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
