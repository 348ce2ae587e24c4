/*	SPDX-License-Identifier: ISC */
/*
 * scepbench.c: the command line of the enrollment benchmark (issue #6,
 * docs/performance.md).  "run" prepares N PKCSReq messages, sends them
 * to a running SCEP server with concurrency C, then checks every reply;
 * GetCACert and GetCACaps run for a fixed time.  Each phase appends one
 * result line to a file that "report" turns into the table and the
 * targets.  "speed" measures this machine's RSA private operations and
 * what else any enrollment must pay on it: reading the signer's
 * certificate, checking a signature, and (with --sync-dir, on the
 * store's file system) one durable write.
 *
 * scepbench speed [--bits B] [--seconds S] [--sync-dir DIR]
 *	[--results FILE]
 * scepbench run --url URL --cacert CA.pem [--ra RA.pem] [--pid PID]
 *	[--label NAME] [-n N] [-c C[,C...]] [--keys K] [--key-bits B]
 *	[--digest sha256] [--cipher aes128] [--challenge PW] [--duration S]
 *	[--results FILE] [--serials FILE] [--strict]
 *	[--source 127.X.Y.Z[/N]] [--settle S]
 *   N enrollments (default 1000) at each concurrency C (1,8) from K
 *   requester keys (8, RSA of B bits, 2048), then GetCACert and
 *   GetCACaps for S seconds (2; 0 skips them) at the largest C.  --ra
 *   names the RA that receives envelopes and signs CertReps.  --pid is
 *   the server's, for its CPU time and peak RSS.  --serials appends the
 *   serial of every verified certificate to FILE (the crash test reads
 *   it).  --strict exits 1 if any check failed; otherwise a run exits 0
 *   whatever it found, so that a report is always made.  A 503 with a
 *   Retry-After is counted as shed, not failed.  --source binds the
 *   connections to N loopback addresses from the one given up (the
 *   server's per-address limit sees N clients); --settle waits S seconds
 *   after each enrollment phase before reading the server's resident
 *   set again.
 * scepbench report FILE
 *   The table, scepd/micromdm ratios and issue #6's targets.
 * scepbench port
 *   A free TCP port on 127.0.0.1, for servers that cannot pick one.
 */
#include <sys/resource.h>

#include <arpa/inet.h>
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define BENCH_CONC_MAX		1024	/* connections of one phase */
#define BENCH_LEVELS_MAX	16	/* concurrency levels of one run */
#define BENCH_N_MAX		100000	/* enrollments of one phase */

struct bench_opts {
	const char	*url;
	const char	*cacert;
	const char	*racert;	/* RA certificate, or NULL */
	const char	*label;
	const char	*digest;
	const char	*cipher;
	const char	*challenge;
	const char	*results;
	const char	*serials;	/* verified serials appended here */
	pid_t		 pid;		/* server, for /proc; 0 = none */
	size_t		 n;		/* enrollments a level */
	int		 conc[BENCH_LEVELS_MAX];
	int		 nconc;
	int		 keys;		/* requester keys in the pool */
	int		 key_bits;
	double		 duration;	/* seconds of each GET phase; 0 = none */
	int		 ca_bits;	/* of the CA key, for the report */
	int		 strict;	/* exit 1 on any failed check */
	struct bench_shape shape;	/* --source, --settle */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: scepbench speed [--bits B] [--seconds S] "
	    "[--sync-dir DIR]\n"
	    "           [--results FILE]\n"
	    "       scepbench run --url URL --cacert CA.pem [--ra RA.pem] "
	    "[--pid PID] [--label NAME]\n"
	    "           [-n N] [-c C[,C...]] [--keys K] [--key-bits B] "
	    "[--digest D]\n"
	    "           [--cipher C] [--challenge PW] [--duration S] "
	    "[--results FILE]\n"
	    "           [--serials FILE] [--strict] [--source ADDR[/N]] "
	    "[--settle S]\n"
	    "       scepbench report FILE\n"
	    "       scepbench port\n");
	exit(2);
}

static long
num(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		errx(2, "%s: want %ld to %ld", what, lo, hi);
	return v;
}

/* Append one line to the results file, if there is one. */
static void
bench_result(const char *path, const char *line)
{
	FILE *f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "a")) == NULL || fprintf(f, "%s\n", line) < 0 ||
	    fclose(f) != 0)
		err(2, "%s", path);
}

static int
cmd_speed(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "bits", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 's' },
		{ "results", required_argument, NULL, 'r' },
		{ "sync-dir", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*results = NULL, *syncdir = NULL;
	char		 line[256];
	double		 secs = 1, ops, parse, verify, sync = -1;
	int		 ch, bits = 2048;

	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'b': bits = (int)num(optarg, 1024, 8192, "--bits"); break;
		case 's': secs = (double)num(optarg, 1, 60, "--seconds"); break;
		case 'r': results = optarg; break;
		case 'y': syncdir = optarg; break;
		default: usage();
		}
	}
	if ((ops = bench_rsa_speed(bits, secs)) <= 0 ||
	    bench_x509_costs(bits, secs / 2, &parse, &verify) == -1)
		return 1;
	printf("RSA-%d private operations: %.1f/s on one thread "
	    "(%.3f ms each); reading a certificate with such a key %.1f us, "
	    "checking a signature %.1f us\n", bits, ops, 1e3 / ops, parse,
	    verify);
	if (syncdir != NULL) {
		if ((sync = bench_sync_cpu_us(syncdir, secs)) < 0)
			warn("%s: durable write", syncdir);
		else
			printf("a durable 32 KiB write (fdatasync) in %s: %.1f "
			    "us of CPU\n", syncdir, sync);
	}
	snprintf(line, sizeof(line), "speed bits=%d ops=%.1f cores=%ld "
	    "parse_us=%.1f verify_us=%.1f sync_us=%.1f", bits, ops,
	    sysconf(_SC_NPROCESSORS_ONLN), parse, verify, sync);
	bench_result(results, line);
	return 0;
}

static void
bench_print(const struct bench_opts *o, const char *what, int conc,
    const struct bench_stats *st)
{
	printf("%s %s c=%d: %zu answered, %zu shed (503), %zu errors in "
	    "%.0f ms: %.1f/s; latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f",
	    o->label, what, conc, st->n, st->shed, st->errors, st->wall_ms,
	    st->rate, st->p50, st->p90, st->p99, st->max);
	if (st->srv_cpu_ms >= 0 && st->n > 0)
		printf("; server CPU %.3f ms/req, peak RSS %.1f MiB",
		    st->srv_cpu_ms / (double)st->n,
		    (double)st->srv_hwm_kb / 1024);
	if (st->srv_rss0_kb >= 0 && st->srv_rss1_kb >= 0)
		printf("; RSS before %.1f MiB, after %.1f MiB",
		    (double)st->srv_rss0_kb / 1024,
		    (double)st->srv_rss1_kb / 1024);
	if (st->n > 0)
		printf("; client CPU %.3f ms/req", st->cli_cpu_ms /
		    (double)st->n);
	if (st->busy >= 0)
		printf("; CPUs %.0f%% busy", 100 * st->busy);
	if (st->other >= 0.05)
		printf(" (%.0f%% by other processes)", 100 * st->other);
	printf("\n");
}

/* The result line of a phase; "ok", "fail", "dup" as checked. */
static void
bench_record(const struct bench_opts *o, const char *work, int conc,
    const struct bench_stats *st, size_t ok, size_t fail, size_t dup)
{
	char	line[640];
	double	per = st->n > 0 ? 1.0 / (double)st->n : 0;

	snprintf(line, sizeof(line), "result label=%s work=%s conc=%d n=%zu "
	    "ok=%zu fail=%zu dup=%zu shed=%zu rate=%.1f p50=%.3f p90=%.3f "
	    "p99=%.3f max=%.3f cpu_ms=%.4f rss_kb=%ld rss0_kb=%ld rss1_kb=%ld "
	    "cli_cpu_ms=%.4f busy=%.3f other=%.3f ca_bits=%d", o->label, work,
	    conc, st->n + st->shed + st->errors, ok, fail, dup, st->shed,
	    st->rate, st->p50, st->p90, st->p99, st->max,
	    st->srv_cpu_ms < 0 ? -1 : st->srv_cpu_ms * per, st->srv_hwm_kb,
	    st->srv_rss0_kb, st->srv_rss1_kb, st->cli_cpu_ms * per, st->busy,
	    st->other, o->ca_bits);
	bench_result(o->results, line);
}

static int
bench_cmp_serial(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Serials issued twice among "n" (sorted here). */
static size_t
bench_dups(char **serials, size_t n)
{
	size_t i, dup = 0;

	qsort(serials, n, sizeof(*serials), bench_cmp_serial);
	for (i = 1; i < n; i++)
		if (strcmp(serials[i - 1], serials[i]) == 0)
			dup++;
	return dup;
}

/*
 * After the timed phase: every reply checked in full, then serials
 * compared.  Returns the number of failed checks in *fail; a request
 * shed (503 with Retry-After) is neither failed nor verified.
 */
static size_t
bench_verify(const struct bench_opts *o, const struct bench_pool *p,
    const struct bench_msg *msgs, const struct bench_item *items, size_t n,
    size_t *fail)
{
	FILE	 *out = NULL;
	char	**serials;
	size_t	  i, ok = 0, shed = 0;

	if ((serials = calloc(n, sizeof(*serials))) == NULL)
		err(2, "calloc");
	if (o->serials != NULL && (out = fopen(o->serials, "a")) == NULL)
		err(2, "%s", o->serials);
	for (i = 0; i < n; i++) {
		if (items[i].shed) {
			shed++;
			continue;
		}
		if ((serials[ok] = malloc(BENCH_SERIAL_MAX + 1)) == NULL)
			err(2, "malloc");
		if (items[i].http != 200)
			warnx("%s: HTTP status %d", msgs[i].txid,
			    items[i].http);
		else if (bench_rep_check(p, &msgs[i], items[i].rep,
		    items[i].repsz, serials[ok]) == 0) {
			if (out != NULL)
				fprintf(out, "%s\n", serials[ok]);
			ok++;
			continue;
		}
		free(serials[ok]);
	}
	*fail = n - ok - shed;
	if (out != NULL && fclose(out) != 0)
		err(2, "%s", o->serials);
	i = bench_dups(serials, ok);
	while (ok > 0)
		free(serials[--ok]);
	free(serials);
	return i;
}

/* One concurrency level of enrollments: build, send, check. */
static int
bench_enroll(const struct bench_opts *o, const struct bench_url *u,
    const struct bench_pool *p, int conc)
{
	struct bench_msg	*msgs;
	struct bench_item	*items;
	struct bench_stats	 st;
	size_t			 i, fail, dup;
	int			 rc;

	if ((msgs = calloc(o->n, sizeof(*msgs))) == NULL ||
	    (items = calloc(o->n, sizeof(*items))) == NULL)
		err(2, "calloc");
	for (i = 0; i < o->n; i++)
		if (bench_msg_build(p, i, &msgs[i]) == -1 ||
		    (items[i].req = bench_http_req(u, "PKIOperation",
		    msgs[i].der, msgs[i].dersz, &items[i].reqsz)) == NULL)
			errx(2, "cannot prepare the requests");
	rc = bench_load_items(u, o->pid, conc, &o->shape, items, o->n, &st);
	bench_print(o, "PKCSReq", conc, &st);
	dup = bench_verify(o, p, msgs, items, o->n, &fail);
	printf("%s PKCSReq c=%d: %zu replies verified, %zu shed, %zu failed, "
	    "%zu duplicate serials\n", o->label, conc, o->n - fail - st.shed,
	    st.shed, fail, dup);
	bench_record(o, "enroll", conc, &st, o->n - fail - st.shed, fail, dup);
	for (i = 0; i < o->n; i++) {
		bench_msg_clear(&msgs[i]);
		free(items[i].req);
		free(items[i].rep);
	}
	free(msgs);
	free(items);
	return rc == 0 && fail == 0 && dup == 0 ? 0 : -1;
}

/* GetCACert (the CA certificate, byte for byte) or GetCACaps. */
static int
bench_get(const struct bench_opts *o, const struct bench_url *u,
    const struct bench_pool *p, const char *op, int conc)
{
	struct bench_stats	 st;
	char			*req;
	size_t			 reqsz;
	int			 cert = strcmp(op, "GetCACert") == 0;
	int			 rc;

	if ((req = bench_http_req(u, op, NULL, 0, &reqsz)) == NULL)
		err(2, "bench_http_req");
	/* With an RA the answer is a PKCS#7 chain: only its status counts. */
	if (p->ra != NULL)
		cert = 0;
	rc = bench_load_repeat(u, o->pid, conc, req, reqsz, o->duration,
	    cert ? p->cader : NULL, cert ? p->caderlen : 0, &st);
	bench_print(o, op, conc, &st);
	bench_record(o, strcmp(op, "GetCACert") == 0 ? "getcacert" :
	    "getcacaps", conc, &st, st.n, st.errors, 0);
	free(req);
	return rc == 0 && st.errors == 0 && st.n > 0 ? 0 : -1;
}

static void
bench_conc_parse(struct bench_opts *o, char *s)
{
	char *tok;

	o->nconc = 0;
	while ((tok = strsep(&s, ",")) != NULL) {
		if (o->nconc == BENCH_LEVELS_MAX)
			errx(2, "-c: at most %d levels", BENCH_LEVELS_MAX);
		o->conc[o->nconc++] = (int)num(tok, 1, BENCH_CONC_MAX, "-c");
	}
}

static void
run_opts(int argc, char *argv[], struct bench_opts *o)
{
	static const struct option lopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "cacert", required_argument, NULL, 'a' },
		{ "ra", required_argument, NULL, 'R' },
		{ "pid", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "keys", required_argument, NULL, 'k' },
		{ "key-bits", required_argument, NULL, 'b' },
		{ "digest", required_argument, NULL, 'd' },
		{ "cipher", required_argument, NULL, 'e' },
		{ "challenge", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 't' },
		{ "results", required_argument, NULL, 'r' },
		{ "serials", required_argument, NULL, 'S' },
		{ "strict", no_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'A' },
		{ "settle", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end, *slash;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "n:c:", lopts, NULL)) != -1) {
		switch (ch) {
		case 'u': o->url = optarg; break;
		case 'a': o->cacert = optarg; break;
		case 'R': o->racert = optarg; break;
		case 'p': o->pid = (pid_t)num(optarg, 1, 1 << 30, "--pid");
			break;
		case 'l': o->label = optarg; break;
		case 'n': o->n = (size_t)num(optarg, 1, BENCH_N_MAX, "-n");
			break;
		case 'c': bench_conc_parse(o, optarg); break;
		case 'k': o->keys = (int)num(optarg, 1, 1024, "--keys"); break;
		case 'b': o->key_bits = (int)num(optarg, 2048, 8192,
			    "--key-bits");
			break;
		case 'd': o->digest = optarg; break;
		case 'e': o->cipher = optarg; break;
		case 'w': o->challenge = optarg; break;
		case 't': o->duration = strtod(optarg, &end);
			if (*end != '\0' || o->duration < 0 ||
			    o->duration > 600)
				errx(2, "--duration: 0 to 600 seconds");
			break;
		case 'r': o->results = optarg; break;
		case 'S': o->serials = optarg; break;
		case 's': o->strict = 1; break;
		case 'A': o->shape.nsrc = 1;
			if ((slash = strchr(optarg, '/')) != NULL) {
				*slash = '\0';
				o->shape.nsrc = (int)num(slash + 1, 1, 65536,
				    "--source /N");
			}
			if (inet_pton(AF_INET, optarg, &o->shape.src) != 1 ||
			    (ntohl(o->shape.src.s_addr) >> 24) != 127)
				errx(2, "--source: want a 127.x.y.z address");
			break;
		case 'T': o->shape.settle = strtod(optarg, &end);
			if (*end != '\0' || o->shape.settle < 0 ||
			    o->shape.settle > 60)
				errx(2, "--settle: 0 to 60 seconds");
			break;
		default: usage();
		}
	}
	if (o->url == NULL || o->cacert == NULL || optind != argc)
		usage();
	if (strchr(o->label, ' ') != NULL || strchr(o->label, '=') != NULL)
		errx(2, "--label: no spaces or '='");
}

/*
 * The server's resident set at rest, before any timed phase: what it
 * costs before serving anything, most of it shared libraries.
 */
static void
bench_idle(const struct bench_opts *o)
{
	char	 line[160];
	long	 rss, file;

	if (o->pid == 0 || bench_proc_rss(o->pid, &rss, &file) == -1)
		return;
	printf("%s at rest: resident %.1f MiB, of which %.1f MiB mapped "
	    "files (shared libraries, executable)\n", o->label,
	    (double)rss / 1024, (double)file / 1024);
	snprintf(line, sizeof(line), "idle label=%s rss_kb=%ld file_kb=%ld",
	    o->label, rss, file);
	bench_result(o->results, line);
}

/*
 * Each connection is a descriptor, and a thousand of them are more than
 * the usual soft limit: take what the hard limit allows.
 */
static void
bench_nofile(int conc)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur >= (rlim_t)conc + 64)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur < (rlim_t)conc + 64)
		warnx("only %lu descriptors for %d connections",
		    (unsigned long)rl.rlim_cur, conc);
}

static int
cmd_run(int argc, char *argv[])
{
	struct bench_opts	 o = { .label = "server", .digest = "sha256",
	    .cipher = "aes128", .n = 1000, .conc = { 1, 8 }, .nconc = 2,
	    .keys = 8, .key_bits = 2048, .duration = 2 };
	struct bench_url	 u;
	struct bench_pool	*p;
	int			 i, cmax = 1, bad = 0;

	run_opts(argc, argv, &o);
	if (bench_url_parse(o.url, &u) == -1)
		return 2;
	if ((p = bench_pool_new(o.cacert, o.racert, o.keys, o.key_bits,
	    o.digest, o.cipher, o.challenge)) == NULL)
		return 2;
	o.ca_bits = EVP_PKEY_get_bits(X509_get0_pubkey(p->ca));
	for (i = 0; i < o.nconc; i++)
		bench_nofile(o.conc[i]);
	bench_idle(&o);
	for (i = 0; i < o.nconc; i++) {
		if (bench_enroll(&o, &u, p, o.conc[i]) == -1)
			bad = 1;
		if (o.conc[i] > cmax)
			cmax = o.conc[i];
	}
	if (o.duration > 0 && (bench_get(&o, &u, p, "GetCACert", cmax) == -1 ||
	    bench_get(&o, &u, p, "GetCACaps", cmax) == -1))
		bad = 1;
	bench_pool_free(p);
	return o.strict && bad ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	int port;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "speed") == 0)
		return cmd_speed(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0 && argc == 3)
		return bench_report(argv[2]) == 0 ? 0 : 2;
	if (strcmp(argv[1], "port") == 0 && argc == 2) {
		if ((port = bench_free_port()) == -1)
			err(2, "no free port");
		printf("%d\n", port);
		return 0;
	}
	usage();
}
