/*	SPDX-License-Identifier: ISC */
/*
 * apibench.c: how fast the admin API's list and search endpoints answer
 * over a big store (issue #11 item 9: under 100 ms with a million
 * certificates).  Opens a scepd data directory as "scepd serve" would
 * (its configuration, store and CAs) and calls api_handle() directly,
 * as the admin listener does once it has parsed a request, so the
 * figure is the API's and the store's, not HTTP's.  Each query runs
 * "-n" times (the first one, with a cold cache, is reported apart);
 * prints one line per query, and with --results appends
 * "api label=... median_ms=... p95_ms=... max_ms=... first_ms=...
 * rows=..." lines to the benchmark's results file.
 *
 *   apibench DIR [-n RUNS] [--results FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api.h"
#include "api_query.h"
#include "conf.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "util.h"

#define AB_RUNS_MAX	1000
#define AB_TARGET_MS	100.0

struct ab_args {
	char	*names[8];
	char	*values[8];
	int	 n;
};

static const char *
ab_arg(void *cls, const char *name)
{
	struct ab_args	*a = cls;
	int		 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->names[i], name) == 0)
			return a->values[i];
	return NULL;
}

static int
ab_args_each(void *cls, int (*cb)(void *, const char *, const char *),
    void *arg)
{
	struct ab_args	*a = cls;
	int		 i;

	for (i = 0; i < a->n; i++)
		if (cb(arg, a->names[i], a->values[i]) == -1)
			return -1;
	return 0;
}

/* "a=b&c=d", no escapes: the queries below are written plainly. */
static void
ab_args_parse(struct ab_args *a, const char *qs)
{
	char *copy, *p, *amp, *eq;

	memset(a, 0, sizeof(*a));
	if ((copy = strdup(qs)) == NULL)
		exit(1);
	for (p = copy; p != NULL && *p != '\0' && a->n < 8; p = amp) {
		if ((amp = strchr(p, '&')) != NULL)
			*amp++ = '\0';
		if ((eq = strchr(p, '=')) == NULL)
			continue;
		*eq++ = '\0';
		a->names[a->n] = strdup(p);
		a->values[a->n++] = strdup(eq);
	}
	free(copy);
}

static void
ab_args_free(struct ab_args *a)
{
	int i;

	for (i = 0; i < a->n; i++) {
		free(a->names[i]);
		free(a->values[i]);
	}
}

static const struct api_identity ab_who = { "bench", "token",
    API_ROLE_VIEWER, "" };

/*
 * One call; its time in ms, the rows of its page in *rows and (if
 * asked) its first item's serial and its next cursor.  A status other
 * than 200 is fatal: a benchmark of errors measures nothing.
 */
static double
ab_call(struct server *srv, const char *path, const char *qs, int *rows,
    char *serial, char *next)
{
	struct ab_args	 a;
	struct api_req	 rq;
	struct api_resp	 rs;
	json_t		*j, *items, *n;
	double		 t0, t;

	ab_args_parse(&a, qs);
	memset(&rq, 0, sizeof(rq));
	rq.srv = srv;
	rq.method = "GET";
	rq.path = path;
	rq.arg = ab_arg;
	rq.args = ab_args_each;
	rq.argcls = &a;
	rq.who = &ab_who;
	rq.peer = "127.0.0.1";
	t0 = now_ms();
	api_handle(&rq, &rs);
	t = now_ms() - t0;
	if (rs.status != 200 || rs.body == NULL) {
		fprintf(stderr, "apibench: %s?%s: %d %.*s\n", path, qs,
		    rs.status, (int)rs.len, rs.body != NULL ? rs.body : "");
		exit(1);
	}
	j = json_loadb(rs.body, rs.len, 0, NULL);
	items = json_object_get(j, "items");
	*rows = (int)json_array_size(items);
	if (serial != NULL && json_is_string(n = json_object_get(
	    json_array_get(items, 0), "serial")))
		snprintf(serial, STORE_SERIAL_MAX + 1, "%s",
		    json_string_value(n));
	if (next != NULL && json_is_string(n = json_object_get(j, "next")))
		snprintf(next, API_CURSOR_LEN, "%s", json_string_value(n));
	json_decref(j);
	free(rs.body);
	ab_args_free(&a);
	return t;
}

static int
ab_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run one query "runs" times and report it. */
static int
ab_query(struct server *srv, FILE *res, int runs, const char *label,
    const char *path, const char *qs)
{
	double	 t[AB_RUNS_MAX], first, med, p95;
	int	 i, rows = 0;

	first = ab_call(srv, path, qs, &rows, NULL, NULL);
	for (i = 0; i < runs; i++)
		t[i] = ab_call(srv, path, qs, &rows, NULL, NULL);
	qsort(t, (size_t)runs, sizeof(t[0]), ab_cmp);
	med = t[runs / 2];
	p95 = t[(runs * 95) / 100 < runs ? (runs * 95) / 100 : runs - 1];
	printf("%-26s %8.2f %8.2f %8.2f %8.2f %6d  %s%s%s\n", label, med, p95,
	    t[runs - 1], first, rows, path, *qs != '\0' ? "?" : "", qs);
	if (res != NULL)
		fprintf(res, "api label=%s median_ms=%.2f p95_ms=%.2f "
		    "max_ms=%.2f first_ms=%.2f rows=%d\n", label, med, p95,
		    t[runs - 1], first, rows);
	return p95 <= AB_TARGET_MS ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct conf	*conf;
	struct store	*st;
	struct server	*srv;
	FILE		*res = NULL;
	char		*cpath, serial[STORE_SERIAL_MAX + 1] = "0", q[256];
	char		 mid[API_CURSOR_LEN], next[API_CURSOR_LEN] = "";
	struct store_counts n;
	int		 i, runs = 20, rows, slow = 0;
	int64_t		 now = (int64_t)time(NULL);

	if (argc < 2) {
		fprintf(stderr, "usage: apibench DIR [-n RUNS] "
		    "[--results FILE]\n");
		return 2;
	}
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-n") == 0)
			runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--results") == 0 &&
		    (res = fopen(argv[i + 1], "a")) == NULL) {
			perror(argv[i + 1]);
			return 1;
		}
	}
	if (runs < 1 || runs > AB_RUNS_MAX)
		runs = 20;
	log_init(LOG_LVL_WARN);
	if ((cpath = conf_path(argv[1])) == NULL ||
	    (conf = conf_load(cpath)) == NULL ||
	    (st = store_open(&conf->store, 0)) == NULL ||
	    (srv = server_new(conf, st)) == NULL)
		return 1;
	free(cpath);
	if (store_counts(st, &n) == -1)
		return 1;
	printf("admin API over %lld certificates, %d runs each (ms; target "
	    "p95 < %.0f)\n", (long long)n.certs, runs, AB_TARGET_MS);
	printf("%-26s %8s %8s %8s %8s %6s  %s\n", "query", "median", "p95",
	    "max", "cold", "rows", "call");
	ab_call(srv, "/certificates", "limit=1", &rows, serial, next);
	api_cursor_put(n.certs / 2 > 0 ? n.certs / 2 : 1, mid);
	slow += ab_query(srv, res, runs, "list", "/certificates", "");
	slow += ab_query(srv, res, runs, "list-1000", "/certificates",
	    "limit=1000");
	snprintf(q, sizeof(q), "cursor=%s", mid);
	slow += ab_query(srv, res, runs, "list-middle", "/certificates", q);
	snprintf(q, sizeof(q), "serial=%s", serial);
	slow += ab_query(srv, res, runs, "serial", "/certificates", q);
	snprintf(q, sizeof(q), "serial=%.4s*", serial);
	slow += ab_query(srv, res, runs, "serial-prefix", "/certificates", q);
	slow += ab_query(srv, res, runs, "subject-rare", "/certificates",
	    "subject=fill 123456");
	slow += ab_query(srv, res, runs, "subject-common", "/certificates",
	    "subject=fill");
	slow += ab_query(srv, res, runs, "subject-none", "/certificates",
	    "subject=no-such-device");
	slow += ab_query(srv, res, runs, "san-none", "/certificates",
	    "san=no-such.example");
	slow += ab_query(srv, res, runs, "requester", "/certificates",
	    "requester=127.0.0.1");
	slow += ab_query(srv, res, runs, "requester-none", "/certificates",
	    "requester=198.51.100.77");
	slow += ab_query(srv, res, runs, "profile", "/certificates",
	    "profile=default");
	slow += ab_query(srv, res, runs, "profile-none", "/certificates",
	    "profile=nosuch");
	slow += ab_query(srv, res, runs, "status-valid", "/certificates",
	    "status=valid");
	slow += ab_query(srv, res, runs, "status-revoked", "/certificates",
	    "status=revoked");
	slow += ab_query(srv, res, runs, "status-expired", "/certificates",
	    "status=expired");
	snprintf(q, sizeof(q), "expires_before=%lld", (long long)now +
	    30 * 86400);
	slow += ab_query(srv, res, runs, "expiring-30d", "/certificates", q);
	snprintf(q, sizeof(q), "issued_after=%lld&profile=default",
	    (long long)now - 86400);
	slow += ab_query(srv, res, runs, "issued-1d+profile", "/certificates",
	    q);
	slow += ab_query(srv, res, runs, "requests-pending", "/requests",
	    "status=pending");
	printf("%d of the queries above missed the target\n", slow);
	if (res != NULL)
		fclose(res);
	server_free(srv);
	store_close(st);
	return 0;
}
