/*	SPDX-License-Identifier: ISC */
/*
 * metrics.c: GET /metrics in the Prometheus text format 0.0.4 (issue
 * #11 item 6) and the counters behind it.
 *
 * The counters live in struct http, which outlives every reload, so
 * they never go back.  A request adds to them with relaxed atomics
 * only: no lock on the request path.  Every label set is bounded: a
 * profile takes one of METRICS_PROFILES slots by name (at reload, under
 * http.mtx), operations, message types, outcomes and failInfo are
 * enums.  What comes from the store (certificates by CA and status,
 * expiring ones, pending requests) is one store_metrics() call, made at
 * most every METRICS_STORE_SECS whatever the scrape rate, so scraping
 * cannot load the store.  Plain C; libmicrohttpd only to answer.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca.h"
#include "http_local.h"
#include "log.h"
#include "x509.h"

/* Profiles counted apart; the last slot takes any beyond. */
#define METRICS_PROFILES	64
#define METRICS_OTHER		"_other"
/* How old the store's figures may be when scraped, seconds. */
#define METRICS_STORE_SECS	15
/* Rows of store_metrics() kept: CAs times two statuses. */
#define METRICS_STORE_ROWS	512
/* The largest /metrics answer. */
#define METRICS_MAX		(4 * 1024 * 1024)

/* messageType label values; [0] for operations that have none. */
static const char *const metrics_msg[] = {
	"none", "PKCSReq", "RenewalReq", "CertPoll", "GetCert", "GetCRL",
	"unknown",
};
#define METRICS_MSG	(sizeof(metrics_msg) / sizeof(metrics_msg[0]))

/* outcome label values: the engine's, and "ok" for other answers. */
static const char *const metrics_out[] = {
	"SUCCESS", "PENDING", "FAILURE", "error", "shed", "ok",
};
#define METRICS_OUT	(sizeof(metrics_out) / sizeof(metrics_out[0]))

static const char *const metrics_sop[HTTP_SOP__MAX] = {
	[HTTP_SOP_PKIOPERATION] = "PKIOperation",
	[HTTP_SOP_GETCACAPS] = "GetCACaps",
	[HTTP_SOP_GETCACERT] = "GetCACert",
	[HTTP_SOP_GETNEXTCACERT] = "GetNextCACert",
};

/* Latency buckets' upper bounds, ms (printed in seconds). */
static const double metrics_le[] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};
#define METRICS_LE	(sizeof(metrics_le) / sizeof(metrics_le[0]))

/* The store's figures, as last read. */
struct metrics_store {
	double				 at;	/* now_ms() of the read; 0 never */
	int				 ok;	/* the read succeeded */
	struct store_metrics		 sm;
	struct store_metrics_row	*rows;
	size_t				 nrows;
};

struct metrics {
	pthread_mutex_t	 mtx;		/* pname, nprof */
	/*
	 * The store's figures, apart: a scrape waiting on a slow store
	 * must not hold up a reload, which takes "mtx" under http.mtx.
	 */
	pthread_mutex_t	 store_mtx;
	char		 pname[METRICS_PROFILES][STORE_NAME_MAX + 1];
	int		 nprof;
	atomic_ullong	 req[METRICS_PROFILES][HTTP_SOP__MAX][METRICS_MSG]
			    [METRICS_OUT][SCEP_FAIL__MAX];
	atomic_ullong	 lat[HTTP_SOP__MAX][METRICS_LE + 1]; /* +Inf last */
	atomic_ullong	 lat_us[HTTP_SOP__MAX];	/* sum, microseconds */
	atomic_ullong	 ocsp_hits, ocsp_misses;	/* of retired servers */
	struct metrics_store store;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (pthread_mutex_init(&m->mtx, NULL) != 0) {
		free(m);
		return NULL;
	}
	if (pthread_mutex_init(&m->store_mtx, NULL) != 0) {
		pthread_mutex_destroy(&m->mtx);
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->store.rows);
	pthread_mutex_destroy(&m->store_mtx);
	pthread_mutex_destroy(&m->mtx);
	free(m);
}

/* The slot of profile "name", taken if new; the last one if full. */
static int
metrics_slot(struct metrics *m, const char *name)
{
	int i;

	for (i = 0; i < m->nprof; i++)
		if (strcmp(m->pname[i], name) == 0)
			return i;
	if (m->nprof == METRICS_PROFILES - 1) {
		snprintf(m->pname[m->nprof++], sizeof(m->pname[0]), "%s",
		    METRICS_OTHER);
		log_warnx("metrics: more than %d profiles: the others are "
		    "counted as \"%s\"", METRICS_PROFILES - 1, METRICS_OTHER);
	}
	if (m->nprof == METRICS_PROFILES)
		return METRICS_PROFILES - 1;
	snprintf(m->pname[m->nprof], sizeof(m->pname[0]), "%s", name);
	return m->nprof++;
}

int
metrics_slots(struct metrics *m, const struct server *srv, int *slot)
{
	size_t i;

	pthread_mutex_lock(&m->mtx);
	for (i = 0; i < srv->nprofiles; i++)
		slot[i] = metrics_slot(m, srv->profiles[i].conf->name);
	pthread_mutex_unlock(&m->mtx);
	return 0;
}

static size_t
metrics_msg_index(const char *t)
{
	size_t i;

	if (t == NULL || *t == '\0')
		return 0;
	for (i = 1; i < METRICS_MSG; i++)
		if (strcmp(t, metrics_msg[i]) == 0)
			return i;
	return METRICS_MSG - 1;
}

static size_t
metrics_out_index(const struct engine_out *eo, int status)
{
	size_t i;

	if (eo == NULL || eo->outcome == NULL)
		return status < 400 ? METRICS_OUT - 1 : 3;	/* ok, error */
	for (i = 0; i < METRICS_OUT; i++)
		if (strcmp(eo->outcome, metrics_out[i]) == 0)
			return i;
	return 3;
}

void
metrics_count(struct metrics *m, const struct http_req *r, int status,
    const struct engine_out *eo)
{
	double		 ms;
	size_t		 p, b;
	unsigned int	 f;

	if (r->sop < 0 || r->sp == NULL)
		return;
	p = (size_t)r->hs->pslot[r->sp - r->srv->profiles];
	f = eo != NULL && (unsigned)eo->fail < SCEP_FAIL__MAX ?
	    (unsigned)eo->fail : SCEP_OK;
	atomic_fetch_add_explicit(&m->req[p][r->sop]
	    [metrics_msg_index(eo != NULL ? eo->msgtype : NULL)]
	    [metrics_out_index(eo, status)][f], 1, memory_order_relaxed);
	ms = now_ms() - r->start;
	for (b = 0; b < METRICS_LE && ms > metrics_le[b]; b++)
		;
	atomic_fetch_add_explicit(&m->lat[r->sop][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->lat_us[r->sop],
	    (unsigned long long)(ms * 1000), memory_order_relaxed);
}

void
metrics_ocsp_retired(struct metrics *m, uint64_t hits, uint64_t misses)
{
	atomic_fetch_add(&m->ocsp_hits, hits);
	atomic_fetch_add(&m->ocsp_misses, misses);
}

/* printf into the answer; a failure sticks in "bad". */
struct metrics_out {
	struct buf	 b;
	int		 bad;
};

static void metrics_pf(struct metrics_out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
metrics_pf(struct metrics_out *o, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    buf_add(&o->b, line, (size_t)n) == -1)
		o->bad = 1;
}

/* A label value: names are [a-z0-9_-], but escape as the format says. */
static const char *
metrics_esc(const char *s, char *buf, size_t sz)
{
	size_t n = 0;

	for (; *s != '\0' && n + 3 < sz; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[n++] = '\\';
			buf[n++] = *s == '\n' ? 'n' : *s;
		} else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static void
metrics_head(struct metrics_out *o, const char *name, const char *type,
    const char *help)
{
	metrics_pf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* scepd_requests_total, every label set that has counted. */
static void
metrics_requests(struct metrics *m, int nprof, struct metrics_out *o)
{
	unsigned long long	 v;
	size_t			 p, op, t, oc, f;
	char			 e[2 * STORE_NAME_MAX + 2];

	metrics_head(o, "scepd_requests_total", "counter", "SCEP requests "
	    "answered, by profile, operation, messageType, outcome and "
	    "failInfo.");
	for (p = 0; p < (size_t)nprof; p++)
	for (op = 0; op < HTTP_SOP__MAX; op++)
	for (t = 0; t < METRICS_MSG; t++)
	for (oc = 0; oc < METRICS_OUT; oc++)
	for (f = 0; f < SCEP_FAIL__MAX; f++) {
		v = atomic_load_explicit(&m->req[p][op][t][oc][f],
		    memory_order_relaxed);
		if (v == 0)
			continue;
		metrics_pf(o, "scepd_requests_total{profile=\"%s\","
		    "operation=\"%s\",message_type=\"%s\",outcome=\"%s\","
		    "fail_info=\"%s\"} %llu\n",
		    metrics_esc(m->pname[p], e, sizeof(e)), metrics_sop[op],
		    metrics_msg[t], metrics_out[oc], f == SCEP_OK ? "none" :
		    scep_fail_str((enum scep_fail)f), v);
	}
}

/* scepd_request_duration_seconds, a histogram per operation. */
static void
metrics_latency(struct metrics *m, struct metrics_out *o)
{
	unsigned long long	 cum;
	size_t			 op, b;

	metrics_head(o, "scepd_request_duration_seconds", "histogram",
	    "Time from a SCEP request's headers to its answer.");
	for (op = 0; op < HTTP_SOP__MAX; op++) {
		cum = 0;
		for (b = 0; b <= METRICS_LE; b++) {
			cum += atomic_load_explicit(&m->lat[op][b],
			    memory_order_relaxed);
			if (b < METRICS_LE)
				metrics_pf(o, "scepd_request_duration_seconds_"
				    "bucket{operation=\"%s\",le=\"%g\"} %llu\n",
				    metrics_sop[op], metrics_le[b] / 1000, cum);
			else
				metrics_pf(o, "scepd_request_duration_seconds_"
				    "bucket{operation=\"%s\",le=\"+Inf\"} %llu\n",
				    metrics_sop[op], cum);
		}
		metrics_pf(o, "scepd_request_duration_seconds_sum{operation="
		    "\"%s\"} %.6f\n", metrics_sop[op],
		    (double)atomic_load_explicit(&m->lat_us[op],
		    memory_order_relaxed) / 1e6);
		metrics_pf(o, "scepd_request_duration_seconds_count{operation="
		    "\"%s\"} %llu\n", metrics_sop[op], cum);
	}
}

/* store_metrics() callback: keep the row. */
static int
metrics_store_row(const struct store_metrics_row *row, void *arg)
{
	struct metrics_store	*ms = arg;
	void			*p;

	if (ms->nrows == METRICS_STORE_ROWS)
		return 0;
	if ((p = realloc(ms->rows, (ms->nrows + 1) * sizeof(*row))) == NULL)
		return -1;
	ms->rows = p;
	ms->rows[ms->nrows++] = *row;
	return 0;
}

/* Read the store again if its figures are older than allowed. */
static void
metrics_store_read(struct metrics *m, struct store *st)
{
	struct metrics_store	*ms = &m->store;
	double			 now = now_ms();

	if (ms->at != 0 && now - ms->at < 1000 * METRICS_STORE_SECS)
		return;
	ms->nrows = 0;
	ms->ok = store_metrics(st, (int64_t)time(NULL),
	    metrics_store_row, ms, &ms->sm) == 0;
	ms->at = now;
}

/* What the store says: certificates, expiring ones, pending, errors. */
static void
metrics_store(struct metrics *m, const struct server *srv,
    struct metrics_out *o)
{
	const struct store_metrics_row	*w;
	struct metrics_store		*ms = &m->store;
	char				 e[2 * STORE_NAME_MAX + 2];
	size_t				 i;

	pthread_mutex_lock(&m->store_mtx);
	metrics_store_read(m, srv->store);
	metrics_head(o, "scepd_store_up", "gauge", "1 if the last read of "
	    "the store's figures succeeded.");
	metrics_pf(o, "scepd_store_up %d\n", ms->ok);
	metrics_head(o, "scepd_store_errors_total", "counter", "Store calls "
	    "that failed.");
	metrics_pf(o, "scepd_store_errors_total %" PRIu64 "\n",
	    ms->sm.errors);
	metrics_head(o, "scepd_store_reconnects_total", "counter", "Store "
	    "sessions re-established (PostgreSQL).");
	metrics_pf(o, "scepd_store_reconnects_total %" PRId64 "\n",
	    ms->sm.reconnects);
	if (ms->ok) {
		metrics_head(o, "scepd_pending_requests", "gauge", "Requests "
		    "waiting for an administrator.");
		metrics_pf(o, "scepd_pending_requests %" PRId64 "\n",
		    ms->sm.pending);
		metrics_head(o, "scepd_certificates", "gauge", "Certificates "
		    "stored, by issuing CA and status.");
		for (i = 0; i < ms->nrows; i++) {
			w = &ms->rows[i];
			metrics_esc(w->ca, e, sizeof(e));
			if (w->status == STORE_CERT_REVOKED)
				metrics_pf(o, "scepd_certificates{ca=\"%s\","
				    "status=\"revoked\"} %" PRId64 "\n", e,
				    w->count);
			else
				metrics_pf(o, "scepd_certificates{ca=\"%s\","
				    "status=\"valid\"} %" PRId64 "\n"
				    "scepd_certificates{ca=\"%s\","
				    "status=\"expired\"} %" PRId64 "\n", e,
				    w->count - w->expired, e, w->expired);
		}
		metrics_head(o, "scepd_certificates_expiring", "gauge",
		    "Valid certificates whose notAfter comes within 7 or 30 "
		    "days.");
		for (i = 0; i < ms->nrows; i++) {
			w = &ms->rows[i];
			if (w->status == STORE_CERT_REVOKED)
				continue;
			metrics_esc(w->ca, e, sizeof(e));
			metrics_pf(o, "scepd_certificates_expiring{ca=\"%s\","
			    "within=\"7d\"} %" PRId64 "\n"
			    "scepd_certificates_expiring{ca=\"%s\","
			    "within=\"30d\"} %" PRId64 "\n", e, w->within7, e,
			    w->within30);
		}
	}
	pthread_mutex_unlock(&m->store_mtx);
}

/* The CAs' notAfter, the OCSP cache, the connections, the build. */
static void
metrics_process(struct http_req *r, struct metrics_out *o)
{
	struct metrics		*m = r->h->m;
	struct ocsp_cache_stats	 st;
	struct http_lsn		*l[2] = { &r->h->scep, r->h->admin };
	int			 by[GUARD__MAX];
	char			 e[2 * STORE_NAME_MAX + 2];
	size_t			 i;

	metrics_head(o, "scepd_ca_not_after_seconds", "gauge", "Each CA "
	    "certificate's notAfter, Unix time.");
	for (i = 0; i < r->srv->ncas; i++)
		metrics_pf(o, "scepd_ca_not_after_seconds{ca=\"%s\"} %" PRId64
		    "\n", metrics_esc(r->srv->cas[i].conf->name, e, sizeof(e)),
		    x509_not_after(ca_cert(r->srv->cas[i].ca)));
	ocsp_cache_stats(r->srv->ocsp, &st);
	metrics_head(o, "scepd_ocsp_cache_hits_total", "counter", "OCSP "
	    "answers served from the cache of signed responses.");
	metrics_pf(o, "scepd_ocsp_cache_hits_total %llu\n",
	    atomic_load(&m->ocsp_hits) + st.hits - r->hs->retired.hits);
	metrics_head(o, "scepd_ocsp_cache_misses_total", "counter", "OCSP "
	    "answers that could be cached but were signed afresh.");
	metrics_pf(o, "scepd_ocsp_cache_misses_total %llu\n",
	    atomic_load(&m->ocsp_misses) + st.misses - r->hs->retired.misses);
	metrics_head(o, "scepd_open_connections", "gauge", "Connections "
	    "held now, by listener.");
	for (i = 0; i < 2; i++)
		if (l[i] != NULL)
			metrics_pf(o, "scepd_open_connections{listener=\"%s\"} "
			    "%d\n", l[i]->name, guard_count(l[i]->guard, by));
	metrics_head(o, "scepd_build_info", "gauge", "scepd's version.");
	metrics_pf(o, "scepd_build_info{version=\"%s\"} 1\n", SCEPD_VERSION);
}

enum MHD_Result
metrics_serve(struct http_req *r)
{
	struct metrics_out	 o = { .b = { .max = METRICS_MAX } };
	int			 nprof;

	pthread_mutex_lock(&r->h->m->mtx);
	nprof = r->h->m->nprof;
	pthread_mutex_unlock(&r->h->m->mtx);
	metrics_requests(r->h->m, nprof, &o);
	metrics_latency(r->h->m, &o);
	metrics_store(r->h->m, r->srv, &o);
	metrics_process(r, &o);
	if (o.bad) {
		buf_free(&o.b);
		return http_error(r, 500, "cannot build the metrics");
	}
	return http_ok(r, "text/plain; version=0.0.4; charset=utf-8",
	    o.b.data, o.b.len, MHD_RESPMEM_MUST_FREE);
}
