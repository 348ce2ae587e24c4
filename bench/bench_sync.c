/*	SPDX-License-Identifier: ISC */
/*
 * bench_sync.c: what one durable write costs this machine in CPU time:
 * 32 KiB appended to a file, then fdatasync(2), as SQLite's WAL does
 * for a commit of eight 4 KiB pages with synchronous=FULL.  The time is
 * this thread's (CLOCK_THREAD_CPUTIME_ID): the kernel's work for the
 * write and the flush, not the wait for the disk.  An enrollment that
 * keeps the guarantee of issue #6 (recorded before the reply leaves)
 * pays at least one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define SYNC_CHUNK	(32 * 1024)
#define SYNC_WRAP	(4 * 1024 * 1024)	/* a WAL restarts, too */

static double
sync_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
bench_sync_cpu_us(const char *dir, double secs)
{
	char		 path[4096];
	unsigned char	*buf = NULL;
	double		 c0, w0, us = -1;
	off_t		 off = 0;
	long		 n = 0;
	int		 fd;

	snprintf(path, sizeof(path), "%s/scepbench-sync.XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1)
		return -1;
	unlink(path);
	if ((buf = malloc(SYNC_CHUNK)) == NULL)
		goto out;
	memset(buf, 0x5a, SYNC_CHUNK);
	c0 = sync_thread_cpu();
	w0 = bench_now();
	do {
		if (pwrite(fd, buf, SYNC_CHUNK, off) != SYNC_CHUNK ||
		    fdatasync(fd) == -1)
			goto out;
		off = (off + SYNC_CHUNK) % SYNC_WRAP;
		n++;
	} while (bench_now() - w0 < secs);
	us = (sync_thread_cpu() - c0) * 1e6 / (double)n;
 out:
	free(buf);
	close(fd);
	return us;
}
