/*	SPDX-License-Identifier: ISC */
/*
 * bench_load.c: the timed phases of scepbench.  C threads, each on its
 * own keep-alive connection, either share a list of prepared requests
 * (enrollments: every one is sent once, its answer kept for checking
 * afterwards) or repeat one request until a deadline (GetCACert,
 * GetCACaps).  Around the phase it reads the server's CPU time and
 * peak RSS from /proc (proc(5): utime and stime of /proc/PID/stat,
 * VmHWM of /proc/PID/status) and our own CPU time from getrusage();
 * its resident set before, and again once the load has ended and its
 * connections are closed (issue #15: memory must be given back).  A
 * 503 with a Retry-After is the server shedding load: an answer,
 * counted apart, never an error.
 */
#include <sys/resource.h>

#include <arpa/inet.h>
#include <err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Worker threads' stacks: a thousand of them must fit anywhere. */
#define BENCH_STACK		(256 * 1024)

/* One phase, shared by its workers. */
struct bench_phase {
	const struct bench_url	*url;
	const struct bench_shape *shape;
	struct bench_item	*items;		/* counted mode */
	size_t			 n;
	atomic_size_t		 next;
	const char		*req;		/* repeat mode */
	size_t			 reqsz;
	const unsigned char	*expect;	/* its answer, byte for byte */
	size_t			 expectsz;
	double			 until;		/* deadline, bench_ms() */
	pthread_barrier_t	 go;
	atomic_size_t		 warm;		/* workers whose warm-up failed */
};

/* One worker thread and the latencies it saw in repeat mode. */
struct bench_worker {
	struct bench_phase	*ph;
	int			 i;		/* its index */
	pthread_t		 t;
	struct bench_conn	 conn;
	double			*lat;
	size_t			 nlat;
	size_t			 cap;
	size_t			 errors;
};

static double
bench_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* utime + stime of every thread of "pid", in ms; -1 if unreadable. */
static double
bench_proc_cpu(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	FILE			*f;
	size_t			 n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold anything: fields follow its last ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* VmHWM of "pid" in kB, -1 if unreadable. */
static long
bench_proc_hwm(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * VmRSS of "pid" and its RssFile part (pages of mapped files: shared
 * libraries, the executable) in kB; 0 or -1 if unreadable.
 */
int
bench_proc_rss(pid_t pid, long *rss_kb, long *file_kb)
{
	char	 path[64], line[256];
	FILE	*f;

	*rss_kb = *file_kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", rss_kb) != 1)
			sscanf(line, "RssFile: %ld kB", file_kb);
	fclose(f);
	return *rss_kb >= 0 && *file_kb >= 0 ? 0 : -1;
}

/*
 * proc(5) clear_refs "5": start the peak over from the current RSS, so
 * VmHWM is this phase's peak.  Best effort: without the right to
 * write there the peak is the process's lifetime peak.
 */
static void
bench_proc_hwm_reset(pid_t pid)
{
	char	 path[64];
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("5", f);
		fclose(f);
	}
}

/* Busy and total jiffies of all CPUs (proc(5) /proc/stat), or -1. */
static int
bench_proc_machine(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long	 v[8];
	FILE			*f;
	int			 i, n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	for (*total = 0, i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];	/* all but idle and iowait */
	return 0;
}

static double
bench_self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* Counted mode: take the next unsent request until none is left. */
static void
bench_worker_items(struct bench_worker *w)
{
	struct bench_phase	*ph = w->ph;
	struct bench_item	*it;
	const unsigned char	*body;
	size_t			 i, bodysz;
	double			 t0;

	while ((i = atomic_fetch_add(&ph->next, 1)) < ph->n) {
		it = &ph->items[i];
		t0 = bench_ms();
		if (bench_conn_do(&w->conn, it->req, it->reqsz, &it->http,
		    &body, &bodysz) == -1) {
			it->http = 0;
			continue;
		}
		it->lat_ms = bench_ms() - t0;
		it->shed = it->http == 503 && w->conn.retry_after >= 0;
		if ((it->rep = malloc(bodysz)) != NULL) {
			memcpy(it->rep, body, bodysz);
			it->repsz = bodysz;
		}
	}
}

static int
bench_lat_add(struct bench_worker *w, double ms)
{
	double *p;

	if (w->nlat == w->cap) {
		if ((p = reallocarray(w->lat, w->cap + 4096, sizeof(*p))) ==
		    NULL)
			return -1;
		w->lat = p;
		w->cap += 4096;
	}
	w->lat[w->nlat++] = ms;
	return 0;
}

/* Repeat mode: the same request until the deadline. */
static void
bench_worker_repeat(struct bench_worker *w)
{
	struct bench_phase	*ph = w->ph;
	const unsigned char	*body;
	size_t			 bodysz;
	double			 t0, t1;
	int			 status;

	for (t0 = bench_ms(); t0 < ph->until; t0 = t1) {
		if (bench_conn_do(&w->conn, ph->req, ph->reqsz, &status,
		    &body, &bodysz) == -1 || status != 200 ||
		    (ph->expect != NULL && (bodysz != ph->expectsz ||
		    memcmp(body, ph->expect, bodysz) != 0))) {
			w->errors++;
			t1 = bench_ms();
			continue;
		}
		t1 = bench_ms();
		if (bench_lat_add(w, t1 - t0) == -1)
			w->errors++;
	}
}

/*
 * Open the connection with a GetCACaps, so that neither the TCP
 * handshake nor the server's accept path is timed, then wait for the
 * start.
 */
static void *
bench_worker_main(void *arg)
{
	struct bench_worker	*w = arg;
	struct bench_phase	*ph = w->ph;
	const unsigned char	*body;
	char			*req;
	size_t			 reqsz, bodysz;
	int			 status = 0;

	bench_conn_init(&w->conn, ph->url);
	if (ph->shape->nsrc > 0)
		w->conn.src.s_addr = htonl(ntohl(ph->shape->src.s_addr) +
		    (uint32_t)(w->i % ph->shape->nsrc));
	if ((req = bench_http_req(ph->url, "GetCACaps", NULL, 0, &reqsz)) ==
	    NULL || bench_conn_do(&w->conn, req, reqsz, &status, &body,
	    &bodysz) == -1 || status != 200)
		atomic_fetch_add(&ph->warm, 1);
	free(req);
	pthread_barrier_wait(&ph->go);
	if (ph->items != NULL)
		bench_worker_items(w);
	else
		bench_worker_repeat(w);
	bench_conn_close(&w->conn);
	return NULL;
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles of the "n" latencies in "v" (sorted here). */
static void
bench_percentiles(double *v, size_t n, struct bench_stats *st)
{
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	st->p50 = v[(n * 50 + 99) / 100 - 1];
	st->p90 = v[(n * 90 + 99) / 100 - 1];
	st->p99 = v[(n * 99 + 99) / 100 - 1];
	st->max = v[n - 1];
}

/* Run the phase "ph" on "conc" workers and measure it into "st". */
static int
bench_phase_run(struct bench_phase *ph, pid_t pid, int conc,
    struct bench_worker *w, struct bench_stats *st)
{
	unsigned long long	 busy0 = 0, tot0 = 0, busy1, tot1;
	pthread_attr_t		 attr;
	double			 t0, cpu0 = 0, self0;
	long			 file;
	int			 i, started = 0;

	memset(st, 0, sizeof(*st));
	st->srv_rss0_kb = st->srv_rss1_kb = -1;
	if (pid > 0)
		bench_proc_rss(pid, &st->srv_rss0_kb, &file);
	if (pthread_barrier_init(&ph->go, NULL, (unsigned)conc + 1) != 0)
		return -1;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, BENCH_STACK);
	for (i = 0; i < conc; i++, started++) {
		w[i].ph = ph;
		w[i].i = i;
		if (pthread_create(&w[i].t, &attr, bench_worker_main, &w[i]) !=
		    0)
			errx(2, "pthread_create");
	}
	pthread_attr_destroy(&attr);
	if (pid > 0) {
		bench_proc_hwm_reset(pid);
		cpu0 = bench_proc_cpu(pid);
	}
	self0 = bench_self_cpu();
	bench_proc_machine(&busy0, &tot0);
	t0 = bench_ms();
	if (ph->items == NULL)
		ph->until += t0;
	pthread_barrier_wait(&ph->go);
	for (i = 0; i < started; i++)
		pthread_join(w[i].t, NULL);
	st->wall_ms = bench_ms() - t0;
	st->cli_cpu_ms = bench_self_cpu() - self0;
	st->busy = -1;
	if (tot0 > 0 && bench_proc_machine(&busy1, &tot1) == 0 && tot1 > tot0)
		st->busy = (double)(busy1 - busy0) / (double)(tot1 - tot0);
	st->srv_cpu_ms = -1;
	st->srv_hwm_kb = -1;
	if (pid > 0) {
		st->srv_cpu_ms = bench_proc_cpu(pid) - cpu0;
		st->srv_hwm_kb = bench_proc_hwm(pid);
		if (ph->shape->settle > 0)
			usleep((useconds_t)(ph->shape->settle * 1e6));
		bench_proc_rss(pid, &st->srv_rss1_kb, &file);
	}
	/* Other processes on the machine make a run worth repeating. */
	st->other = -1;
	if (st->busy >= 0 && st->srv_cpu_ms >= 0 && st->wall_ms > 0)
		st->other = st->busy - (st->srv_cpu_ms + st->cli_cpu_ms) /
		    (st->wall_ms * (double)sysconf(_SC_NPROCESSORS_ONLN));
	pthread_barrier_destroy(&ph->go);
	if (atomic_load(&ph->warm) > 0) {
		warnx("%zu of %d connections failed to open",
		    atomic_load(&ph->warm), conc);
		return -1;
	}
	return 0;
}

int
bench_load_items(const struct bench_url *u, pid_t pid, int conc,
    const struct bench_shape *shape, struct bench_item *items, size_t n,
    struct bench_stats *st)
{
	struct bench_phase	 ph = { .url = u, .shape = shape,
	    .items = items, .n = n };
	struct bench_worker	*w;
	double			*lat;
	size_t			 i;
	int			 rc;

	if ((w = calloc((size_t)conc, sizeof(*w))) == NULL ||
	    (lat = calloc(n, sizeof(*lat))) == NULL)
		err(2, "calloc");
	atomic_init(&ph.next, 0);
	atomic_init(&ph.warm, 0);
	rc = bench_phase_run(&ph, pid, conc, w, st);
	for (i = 0; i < n; i++) {
		if (items[i].http == 200)
			lat[st->n++] = items[i].lat_ms;
		else if (items[i].shed)
			st->shed++;
		else
			st->errors++;
	}
	st->rate = st->wall_ms > 0 ? (double)st->n * 1e3 / st->wall_ms : 0;
	bench_percentiles(lat, st->n, st);
	free(lat);
	free(w);
	return rc;
}

int
bench_load_repeat(const struct bench_url *u, pid_t pid, int conc,
    const char *req, size_t reqsz, double secs, const unsigned char *expect,
    size_t expectsz, struct bench_stats *st)
{
	static const struct bench_shape plain = { .nsrc = 0 };
	struct bench_phase	 ph = { .url = u, .shape = &plain, .req = req,
	    .reqsz = reqsz, .expect = expect, .expectsz = expectsz,
	    .until = secs * 1e3 };
	struct bench_worker	*w;
	double			*lat = NULL, *p;
	size_t			 total = 0;
	int			 i, rc;

	if ((w = calloc((size_t)conc, sizeof(*w))) == NULL)
		err(2, "calloc");
	atomic_init(&ph.next, 0);
	atomic_init(&ph.warm, 0);
	rc = bench_phase_run(&ph, pid, conc, w, st);
	for (i = 0; i < conc; i++) {
		if ((p = reallocarray(lat, total + w[i].nlat + 1,
		    sizeof(*lat))) == NULL)
			err(2, "realloc");
		lat = p;
		if (w[i].nlat > 0)
			memcpy(lat + total, w[i].lat, w[i].nlat * sizeof(*lat));
		total += w[i].nlat;
		st->errors += w[i].errors;
		free(w[i].lat);
	}
	st->n = total;
	st->rate = st->wall_ms > 0 ? (double)total * 1e3 / st->wall_ms : 0;
	bench_percentiles(lat, total, st);
	free(lat);
	free(w);
	return rc;
}
