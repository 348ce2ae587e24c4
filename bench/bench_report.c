/*	SPDX-License-Identifier: ISC */
/*
 * bench_report.c: the report of "scepbench report": the result lines
 * of one benchmark run as a table, scepd/micromdm ratios and each
 * target of issue #6 with PASS or FAIL.  It only reads and prints: a
 * missed target is news, not an error.  The labels it compares are the
 * ones bench/run.sh gives: "scepd", "micromdm" and "scepd-filled" (the
 * same server once bench/fillstore.sh has added to its store the number
 * of certificates the "fill" line gives, a million by default).  Rows
 * labelled "scepd-load" (many clients at once, issue #15) get a table
 * of their own: answers shed with 503, and the resident set before,
 * at the peak and once the load had ended.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define REPORT_MAX	256	/* result lines read */

/* One result line of scepbench run. */
struct report_row {
	char	 label[32];
	char	 work[16];
	int	 conc;
	int	 ca_bits;	/* of the server's CA key */
	long	 n, ok, fail, dup, shed, rss_kb;
	long	 rss0_kb, rss1_kb;	/* before and after the load; -1 */
	double	 rate, p50, p90, p99, max, cpu_ms;
	double	 other;		/* CPUs used by other processes */
};

/* Everything in the file. */
struct report {
	struct report_row	 rows[REPORT_MAX];
	int			 nrows;
	double			 ops[3];	/* RSA 2048, 3072, 4096 /s */
	long			 cores;
	long			 fill;		/* certificates of scepd-filled */
	double			 parse_us;	/* one RSA-2048 certificate read */
	double			 verify_us;	/* one RSA-2048 signature check */
	double			 sync_us;	/* CPU of one durable write */
	struct report_idle {
		char	 label[32];
		long	 rss_kb, file_kb;
	}			 idle[8];	/* servers at rest */
	int			 nidle;
};

/* The value of "key=" in "line", or NULL. */
static const char *
report_val(const char *line, const char *key)
{
	size_t		 n = strlen(key);
	const char	*p = line;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[n] == '=')
			return p + n + 1;
		p += n;
	}
	return NULL;
}

static double
report_num(const char *line, const char *key)
{
	const char *v = report_val(line, key);

	return v == NULL ? -1 : strtod(v, NULL);
}

static void
report_word(const char *line, const char *key, char *out, size_t sz)
{
	const char	*v = report_val(line, key);
	size_t		 n = v == NULL ? 0 : strcspn(v, " \n");

	snprintf(out, sz, "%.*s", (int)(n < sz ? n : sz - 1), v ? v : "");
}

static void
report_line(struct report *r, const char *line)
{
	struct report_row	*w;
	int			 bits;

	if (strncmp(line, "speed ", 6) == 0) {
		bits = (int)report_num(line, "bits");
		if (bits == 2048 || bits == 3072 || bits == 4096)
			r->ops[(bits - 2048) / 1024] =
			    report_num(line, "ops");
		r->cores = (long)report_num(line, "cores");
		if (bits == 2048) {
			r->parse_us = report_num(line, "parse_us");
			r->verify_us = report_num(line, "verify_us");
			r->sync_us = report_num(line, "sync_us");
		}
		return;
	}
	if (strncmp(line, "idle ", 5) == 0 && r->nidle < 8) {
		report_word(line, "label", r->idle[r->nidle].label,
		    sizeof(r->idle[r->nidle].label));
		r->idle[r->nidle].rss_kb = (long)report_num(line, "rss_kb");
		r->idle[r->nidle++].file_kb = (long)report_num(line,
		    "file_kb");
		return;
	}
	if (strncmp(line, "fill ", 5) == 0)
		r->fill = (long)report_num(line, "certs");
	if (strncmp(line, "result ", 7) != 0 || r->nrows == REPORT_MAX)
		return;
	w = &r->rows[r->nrows++];
	report_word(line, "label", w->label, sizeof(w->label));
	report_word(line, "work", w->work, sizeof(w->work));
	w->conc = (int)report_num(line, "conc");
	w->ca_bits = (int)report_num(line, "ca_bits");
	w->n = (long)report_num(line, "n");
	w->ok = (long)report_num(line, "ok");
	w->fail = (long)report_num(line, "fail");
	w->dup = (long)report_num(line, "dup");
	w->rss_kb = (long)report_num(line, "rss_kb");
	/* Older results files have none of these: -1, shown as such. */
	w->shed = (long)report_num(line, "shed");
	w->rss0_kb = (long)report_num(line, "rss0_kb");
	w->rss1_kb = (long)report_num(line, "rss1_kb");
	w->rate = report_num(line, "rate");
	w->p50 = report_num(line, "p50");
	w->p90 = report_num(line, "p90");
	w->p99 = report_num(line, "p99");
	w->max = report_num(line, "max");
	w->cpu_ms = report_num(line, "cpu_ms");
	w->other = report_num(line, "other");
}

/* The last row of "label" and "work" at concurrency "conc" (0: any). */
static const struct report_row *
report_find(const struct report *r, const char *label, const char *work,
    int conc)
{
	int i;

	for (i = r->nrows - 1; i >= 0; i--)
		if (strcmp(r->rows[i].label, label) == 0 &&
		    strcmp(r->rows[i].work, work) == 0 &&
		    (conc == 0 || r->rows[i].conc == conc))
			return &r->rows[i];
	return NULL;
}

/*
 * Enrollments a second "conc" connections could get from the CPUs if
 * the three private operations of an RSA-"bits" CA were all they did.
 */
static double
report_ceiling(const struct report *r, int conc, int bits)
{
	long	cores = r->cores > 0 ? r->cores : 1;
	double	ops;

	if (bits != 2048 && bits != 3072 && bits != 4096)
		return -1;
	if ((ops = r->ops[(bits - 2048) / 1024]) <= 0)
		return -1;
	return (double)(conc < cores ? conc : cores) * ops / 3;
}

static void
report_table(const struct report *r)
{
	const struct report_row	*w;
	double			 ceil;
	int			 i;

	printf("%-14s %-9s %4s %6s %4s %4s %5s %9s %7s %7s %7s %7s %8s %7s "
	    "%6s\n", "server", "operation", "conc", "n", "fail", "dup", "503",
	    "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "CPU ms",
	    "RSS MiB", "ceil");
	for (i = 0; i < r->nrows; i++) {
		w = &r->rows[i];
		printf("%-14s %-9s %4d %6ld %4ld %4ld %5ld %9.1f %7.2f %7.2f "
		    "%7.2f %7.2f %8.4f %7.1f", w->label, w->work, w->conc, w->n,
		    w->fail, w->dup, w->shed < 0 ? 0 : w->shed, w->rate, w->p50,
		    w->p90, w->p99, w->max, w->cpu_ms,
		    (double)w->rss_kb / 1024);
		if (strcmp(w->work, "enroll") == 0 &&
		    (ceil = report_ceiling(r, w->conc, w->ca_bits)) > 0)
			printf(" %5.1f%%", 100 * w->rate / ceil);
		printf("\n");
	}
}

/* One target: PASS or FAIL with the numbers, or n/a. */
static void
report_target(int have, int pass, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
report_target(int have, int pass, const char *fmt, ...)
{
	va_list ap;

	printf("  %-4s  ", !have ? "n/a" : pass ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The server "label" at rest, or NULL. */
static const struct report_idle *
report_idle_find(const struct report *r, const char *label)
{
	int i;

	for (i = 0; i < r->nidle; i++)
		if (strcmp(r->idle[i].label, label) == 0)
			return &r->idle[i];
	return NULL;
}

static void
report_ratios(const struct report *r)
{
	const struct report_row	*s, *m;
	int			 i;

	printf("\nscepd / micromdm:\n");
	for (i = 0; i < r->nrows; i++) {
		s = &r->rows[i];
		if (strcmp(s->label, "scepd") != 0 ||
		    (m = report_find(r, "micromdm", s->work, s->conc)) ==
		    NULL || m->rate <= 0 || m->cpu_ms <= 0 || m->rss_kb <= 0)
			continue;
		printf("  %-9s c=%-3d req/s %6.2fx   CPU per request %5.3fx   "
		    "peak RSS %5.3fx\n", s->work, s->conc, s->rate / m->rate,
		    s->cpu_ms / m->cpu_ms, (double)s->rss_kb /
		    (double)m->rss_kb);
	}
}

static int
report_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median rate of the rows of "label" at "conc"; -1 if none. */
static double
report_median_rate(const struct report *r, const char *label, int conc,
    int *n)
{
	double	 v[REPORT_MAX];
	int	 i;

	for (i = *n = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].label, label) == 0 &&
		    strcmp(r->rows[i].work, "enroll") == 0 &&
		    r->rows[i].conc == conc)
			v[(*n)++] = r->rows[i].rate;
	if (*n == 0)
		return -1;
	qsort(v, (size_t)*n, sizeof(v[0]), report_cmp_double);
	return *n % 2 ? v[*n / 2] : (v[*n / 2 - 1] + v[*n / 2]) / 2;
}

/*
 * The least CPU any SCEP server on this machine's OpenSSL spends on a
 * PKCSReq with an RSA-2048 CA while keeping issue #6's durability: the
 * floor's three private operations, reading the signer's certificate,
 * three public operations (the request's signature, the CSR's, the
 * reply's envelope) and one durable write.  -1 if not all measured.
 */
static double
report_least_ms(const struct report *r, double floor_ms)
{
	if (floor_ms <= 0 || r->parse_us <= 0 || r->verify_us <= 0 ||
	    r->sync_us <= 0)
		return -1;
	return floor_ms + (r->parse_us + 3 * r->verify_us + r->sync_us) / 1e3;
}

static void report_target_filled(const struct report *);

/*
 * Many clients at once (bench/run.sh's "scepd-load" rows): enrollments
 * a second, their p99, how many were shed with 503, and the resident
 * set before the phase, at its peak and after it, with the target of
 * issue #15: back within 10 MiB of where it started.
 */
static void
report_load(const struct report *r)
{
	const struct report_row	*w;
	int			 i, any = 0;

	for (i = 0; i < r->nrows; i++) {
		w = &r->rows[i];
		if (strcmp(w->label, "scepd-load") != 0 ||
		    strcmp(w->work, "enroll") != 0)
			continue;
		if (!any++)
			printf("\nmany clients at once (issue #15):\n"
			    "  %5s %6s %6s %6s %4s %9s %8s %9s %9s %9s  %s\n",
			    "conc", "n", "ok", "503", "fail", "req/s",
			    "p99 ms", "RSS0 MiB", "peak MiB", "after MiB",
			    "after - before <= 10 MiB");
		printf("  %5d %6ld %6ld %6ld %4ld %9.1f %8.2f %9.1f %9.1f "
		    "%9.1f  %s\n", w->conc, w->n, w->ok, w->shed, w->fail,
		    w->rate, w->p99, (double)w->rss0_kb / 1024,
		    (double)w->rss_kb / 1024, (double)w->rss1_kb / 1024,
		    w->rss0_kb < 0 || w->rss1_kb < 0 ? "n/a" :
		    w->rss1_kb - w->rss0_kb <= 10 * 1024 ? "PASS" : "FAIL");
	}
}

/* The targets that compare scepd with itself and with the physics. */
static void
report_targets_self(const struct report *r, double floor_ms)
{
	const struct report_row	*c1, *c8, *ga;
	double			 cpu, least, ceil8 = report_ceiling(r, 8, 2048);

	c1 = report_find(r, "scepd", "enroll", 1);
	c8 = report_find(r, "scepd", "enroll", 8);
	cpu = c1 == NULL || c8 == NULL ? -1 :
	    c1->cpu_ms > c8->cpu_ms ? c1->cpu_ms : c8->cpu_ms;
	report_target(cpu > 0 && floor_ms > 0, cpu <= 1.25 * floor_ms,
	    "server CPU per enrollment (worse of c=1, c=8) %.3f ms <= 1.25 x "
	    "floor %.3f = %.3f ms", cpu, floor_ms, 1.25 * floor_ms);
	if ((least = report_least_ms(r, floor_ms)) > 0)
		printf("        any server on this OpenSSL and disk: at least "
		    "%.3f ms = %.2f x floor\n", least, least / floor_ms);
	report_target(c8 != NULL && ceil8 > 0, c8 != NULL &&
	    c8->rate >= 0.75 * ceil8 && c8->fail == 0 && c8->dup == 0,
	    "enrollments/s at c=8 %.1f >= 0.75 x ceiling %.1f = %.1f, "
	    "failures %ld, duplicate serials %ld", c8 ? c8->rate : -1, ceil8,
	    0.75 * ceil8, c8 ? c8->fail : -1, c8 ? c8->dup : -1);
	if (least > 0 && ceil8 > 0 && r->cores > 0)
		printf("        needs <= %.3f ms of CPU per enrollment on %ld "
		    "cores (the client's share aside), %.0f us above the least "
		    "any server spends\n", 1e3 * (double)r->cores /
		    (0.75 * ceil8), r->cores, 1e6 * (double)r->cores /
		    (0.75 * ceil8) - 1e3 * least);
	report_target(c8 != NULL, c8 != NULL && c8->p99 <= 3 * c8->p50,
	    "p99 latency at c=8 %.2f ms <= 3 x p50 %.2f = %.2f ms",
	    c8 ? c8->p99 : -1, c8 ? c8->p50 : -1, c8 ? 3 * c8->p50 : -1);
	ga = report_find(r, "scepd", "getcacert", 0);
	report_target(ga != NULL && ga->cpu_ms >= 0, ga != NULL &&
	    ga->cpu_ms <= 0.02, "GetCACert server CPU per request %.4f ms "
	    "<= 0.02 ms", ga ? ga->cpu_ms : -1);
	report_target_filled(r);
}

/*
 * With a big store, against an empty one: the medians of the runs that
 * bench/run.sh makes in turns; without "scepd-empty" rows (an older
 * results file), against the first scepd run.
 */
static void
report_target_filled(const struct report *r)
{
	const struct report_row	*c8 = report_find(r, "scepd", "enroll", 8);
	double			 big, base;
	int			 nbig, nbase;

	if ((big = report_median_rate(r, "scepd-filled", 8, &nbig)) < 0) {
		report_target(0, 0, "c=8 enrollments/s with 1,000,000 stored "
		    "certificates: not run (BENCH_FILL=0)");
		return;
	}
	if ((base = report_median_rate(r, "scepd-empty", 8, &nbase)) < 0) {
		base = c8 != NULL ? c8->rate : -1;
		nbase = c8 != NULL;
	}
	report_target(base > 0 && r->fill >= 1000000, base > 0 &&
	    big >= 0.9 * base, "c=8 enrollments/s with %ld stored "
	    "certificates %.1f >= 0.9 x empty store %.1f = %.1f (medians of "
	    "%d and %d runs in turns)", r->fill, big, base, 0.9 * base, nbig,
	    nbase);
}

/* The targets against micromdm's scepserver. */
static void
report_targets_micromdm(const struct report *r)
{
	const struct report_row		*s1, *m1, *s8, *m8;
	const struct report_idle	*idle;
	double				 ceil1;

	s1 = report_find(r, "scepd", "enroll", 1);
	m1 = report_find(r, "micromdm", "enroll", 1);
	report_target(s1 != NULL && m1 != NULL, s1 != NULL && m1 != NULL &&
	    s1->rate >= 5 * m1->rate, "enrollments/s at c=1 %.1f >= 5 x "
	    "micromdm %.1f = %.1f", s1 ? s1->rate : -1, m1 ? m1->rate : -1,
	    m1 ? 5 * m1->rate : -1);
	if (m1 != NULL && (ceil1 = report_ceiling(r, 1, 2048)) > 0 &&
	    5 * m1->rate > ceil1)
		printf("        above the one-core crypto ceiling, %.1f/s: "
		    "out of reach on this machine\n", ceil1);
	s8 = report_find(r, "scepd", "enroll", 8);
	m8 = report_find(r, "micromdm", "enroll", 8);
	report_target(s8 != NULL && m8 != NULL && s8->rss_kb > 0 &&
	    m8->rss_kb > 0, s8 != NULL && m8 != NULL &&
	    2 * s8->rss_kb <= m8->rss_kb, "peak RSS at c=8 %.1f MiB <= half "
	    "of micromdm's %.1f MiB", s8 ? (double)s8->rss_kb / 1024 : -1,
	    m8 ? (double)m8->rss_kb / 1024 : -1);
	if ((idle = report_idle_find(r, "scepd")) != NULL)
		printf("        scepd at rest, before any request: %.1f MiB, "
		    "%.1f MiB of it mapped files\n",
		    (double)idle->rss_kb / 1024, (double)idle->file_kb / 1024);
	if ((idle = report_idle_find(r, "foundations")) != NULL)
		printf("        libcrypto, libmicrohttpd and SQLite alone, one "
		    "signature: %.1f MiB, %.1f MiB of it mapped files\n",
		    (double)idle->rss_kb / 1024, (double)idle->file_kb / 1024);
}

int
bench_report(const char *path)
{
	struct report	*r;
	FILE		*f;
	char		 line[1024];
	double		 floor_ms = -1;
	int		 i;

	if ((f = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		err(2, "calloc");
	while (fgets(line, sizeof(line), f) != NULL)
		report_line(r, line);
	fclose(f);
	printf("scepbench report: %ld cores\n", r->cores);
	for (i = 0; i < 3; i++)
		if (r->ops[i] > 0)
			printf("  RSA-%d private operations %.1f/s on one core "
			    "(%.3f ms)\n", 2048 + 1024 * i, r->ops[i],
			    1e3 / r->ops[i]);
	if (r->ops[0] > 0) {
		floor_ms = 3e3 / r->ops[0];
		printf("  RSA-2048 CA: floor %.3f ms of CPU per enrollment "
		    "(3 private operations), ceiling %.1f enrollments/s per "
		    "core, %.1f/s on %ld\n", floor_ms, r->ops[0] / 3,
		    report_ceiling(r, (int)r->cores, 2048), r->cores);
	}
	if (r->parse_us > 0)
		printf("  beside them every PKCSReq needs: reading the "
		    "signer's certificate %.1f us, three RSA-2048 public "
		    "operations %.1f us each, one durable write %.1f us of "
		    "CPU\n", r->parse_us, r->verify_us, r->sync_us);
	printf("\n");
	report_table(r);
	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].other >= 0.1) {
			printf("\nwarning: other processes used %.0f%% of the "
			    "CPUs during %s %s c=%d: rates are low, repeat on "
			    "a quiet machine\n", 100 * r->rows[i].other,
			    r->rows[i].label, r->rows[i].work,
			    r->rows[i].conc);
			break;
		}
	report_load(r);
	report_ratios(r);
	printf("\ntargets (issue #6):\n");
	report_targets_self(r, floor_ms);
	report_targets_micromdm(r);
	free(r);
	return 0;
}
