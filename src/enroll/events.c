/*	SPDX-License-Identifier: ISC */
/*
 * events.c: the events webhook (events.h): a bounded ring of fixed-size
 * events filled by events_emit() under one mutex, and one thread that
 * turns them into signed JSON POSTs through webhook_send() (webhook.c
 * signs them exactly as it signs its own calls), retrying with
 * exponential backoff and jitter; and the daily CA expiry check.
 *
 * Locking: every field of struct events below "mu" is read and written
 * with it held; it is never held during I/O (an HTTP attempt, a log
 * line), so an emitter waits at most for another emitter's copy.
 * Uses libcurl through webhook.c, jansson, x509.c, util.c, log.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "events.h"
#include "log.h"
#include "server.h"
#include "util.h"
#include "webhook.h"
#include "x509.h"

#define EVENTS_TELL_MS		60000	/* at most one "dropped" warning */

/* A watched CA: its name and notAfter. */
struct events_ca {
	char		 name[CONF_NAME_MAX + 1];
	int64_t		 not_after;
};

struct events {
	pthread_t		 thread;
	int			 running;	/* the thread was started */
	atomic_llong		 abort_at;	/* now_ms() by which to give up
						 * an attempt: set when stopping */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* an event, settings, stop */
	int			 stopping;
	/* settings, owned copies (events_configure()) */
	char			*url;		/* NULL: events are off */
	char			*secret;
	int			 timeout;	/* seconds per attempt */
	int			 retries;
	int			 ca_days;
	/* the ring: "n" events from "head", at most "max" */
	struct event_rec	*ring;
	size_t			 max, head, n;
	int			 busy;		/* one taken for delivery */
	char			 prefix[17];	/* of every id: random */
	uint64_t		 seq;		/* ... then this, counted */
	struct events_stats	 st;
	uint64_t		 told;		/* drops already warned of */
	double			 told_ms;	/* when */
	/* CA expiry (events_watch()) */
	struct events_ca	*cas;
	size_t			 ncas;
	int			 watching;
	double			 next_check_ms;
};

/* The event in delivery, owned by the thread. */
struct events_job {
	struct event_rec	 rec;
	int			 have;
	int			 tries;		/* attempts made */
	double			 due_ms;	/* next attempt */
};

/* What one attempt needs, copied so that a SIGHUP can change it. */
struct events_target {
	char	*url;
	char	*secret;
	int	 timeout_ms;
	int	 retries;
	const atomic_llong *abort_at;	/* the queue's */
};

static const char *const events_types[EVENT__MAX] = {
	[EVENT_PENDING] = "request.pending",
	[EVENT_ISSUED] = "certificate.issued",
	[EVENT_RENEWED] = "certificate.renewed",
	[EVENT_REVOKED] = "certificate.revoked",
	[EVENT_REJECTED] = "request.rejected",
	[EVENT_FAILED] = "enrollment.failed",
	[EVENT_CA_EXPIRING] = "ca.expiring",
};

const char *
events_type_str(enum event_type t)
{
	return (unsigned)t < EVENT__MAX ? events_types[t] : "?";
}

int64_t
events_backoff_ms(int n, uint32_t rnd)
{
	int64_t	d = EVENTS_BACKOFF_BASE_MS;

	while (--n > 0 && d < EVENTS_BACKOFF_MAX_MS)
		d *= 2;
	if (d > EVENTS_BACKOFF_MAX_MS)
		d = EVENTS_BACKOFF_MAX_MS;
	/*
	 * "Equal jitter": never less than half the step, so retries do
	 * back off, but spread so that the nodes of a cluster that lost
	 * the same receiver do not come back at the same instant.
	 */
	return d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
}

static void
events_secret_free(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* A bounded copy: "src" (NULL: "") cut to fit "dst". */
static void
events_copy(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src != NULL ? src : "");
}

/* The queued form of "e", except its id. */
static void
events_fill(struct event_rec *r, const struct event *e)
{
	memset(r, 0, sizeof(*r));
	r->type = e->type;
	r->time = (int64_t)time(NULL);
	events_copy(r->profile, sizeof(r->profile), e->profile);
	events_copy(r->ca, sizeof(r->ca), e->ca);
	events_copy(r->txid, sizeof(r->txid), e->txid);
	r->request_id = e->request_id;
	events_copy(r->serial, sizeof(r->serial), e->serial);
	events_copy(r->subject, sizeof(r->subject), e->subject);
	events_copy(r->peer, sizeof(r->peer), e->peer);
	events_copy(r->reason, sizeof(r->reason), e->reason);
	events_copy(r->fail_info, sizeof(r->fail_info), e->fail_info);
	events_copy(r->actor, sizeof(r->actor), e->actor);
	r->not_after = e->not_after;
}

/* Oldest event out of the ring; "mu" held.  1, or 0 if empty. */
static int
events_pop(struct events *ev, struct event_rec *r)
{
	if (ev->n == 0)
		return 0;
	*r = ev->ring[ev->head];
	ev->head = (ev->head + 1) % ev->max;
	ev->n--;
	return 1;
}

void
events_emit(struct events *ev, const struct event *e)
{
	struct event_rec	 r;

	if (ev == NULL || e == NULL || (unsigned)e->type >= EVENT__MAX)
		return;
	/* Copied before the lock: emitters hold it for a memcpy only. */
	events_fill(&r, e);
	pthread_mutex_lock(&ev->mu);
	if (ev->url == NULL)
		goto out;
	if (ev->n == ev->max) {
		/* Drop the oldest: the thread warns (no I/O here). */
		ev->head = (ev->head + 1) % ev->max;
		ev->n--;
		ev->st.dropped++;
	}
	snprintf(r.id, sizeof(r.id), "%s%016llx", ev->prefix,
	    (unsigned long long)++ev->seq);
	ev->ring[(ev->head + ev->n) % ev->max] = r;
	ev->n++;
	ev->st.emitted++;
	pthread_cond_signal(&ev->cv);
 out:
	pthread_mutex_unlock(&ev->mu);
}

int
events_take(struct events *ev, struct event_rec *r)
{
	int	got;

	pthread_mutex_lock(&ev->mu);
	got = events_pop(ev, r);
	pthread_mutex_unlock(&ev->mu);
	return got;
}

void
events_stats(struct events *ev, struct events_stats *st)
{
	pthread_mutex_lock(&ev->mu);
	*st = ev->st;
	st->queued = ev->n + (ev->busy ? 1 : 0);
	pthread_mutex_unlock(&ev->mu);
}

/*
 * o[key] = v, null when v is empty.  Text cut to fit an event_rec, or
 * a subject in another encoding, may not be UTF-8: then the bytes
 * above 0x7f are sent as '?' rather than losing the field.
 */
static int
events_set_str(json_t *o, const char *key, const char *v)
{
	json_t	*j;
	char	*copy, *p;

	if (v == NULL || *v == '\0')
		return json_object_set_new(o, key, json_null());
	if ((j = json_string(v)) == NULL) {
		if ((copy = strdup(v)) == NULL)
			return -1;
		for (p = copy; *p != '\0'; p++)
			if ((unsigned char)*p > 0x7f)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	return json_object_set_new(o, key, j);
}

/* o[key] = RFC 3339 UTC text of "t", null when 0. */
static int
events_set_time(json_t *o, const char *key, int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 buf[32];

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_object_set_new(o, key, json_null());
	return json_object_set_new(o, key, json_string(buf));
}

char *
events_json(const struct event_rec *r)
{
	json_t	*o;
	char	*body = NULL;

	if ((o = json_object()) == NULL)
		return NULL;
	if (events_set_str(o, "id", r->id) == -1 ||
	    events_set_str(o, "type", events_type_str(r->type)) == -1 ||
	    events_set_time(o, "time", r->time) == -1 ||
	    events_set_str(o, "profile", r->profile) == -1 ||
	    events_set_str(o, "ca", r->ca) == -1 ||
	    events_set_str(o, "transaction_id", r->txid) == -1 ||
	    json_object_set_new(o, "request_id", r->request_id != 0 ?
	    json_integer(r->request_id) : json_null()) == -1 ||
	    events_set_str(o, "serial", r->serial) == -1 ||
	    events_set_str(o, "subject", r->subject) == -1 ||
	    events_set_str(o, "requester", r->peer) == -1 ||
	    events_set_str(o, "reason", r->reason) == -1 ||
	    events_set_str(o, "fail_info", r->fail_info) == -1 ||
	    events_set_str(o, "actor", r->actor) == -1 ||
	    events_set_time(o, "not_after", r->not_after) == -1)
		goto out;
	body = json_dumps(o, JSON_COMPACT);
 out:
	json_decref(o);
	return body;
}

void
events_configure(struct events *ev, const struct conf_events *c)
{
	char	*url = NULL, *secret = NULL;
	size_t	 lost = 0;

	if (c->url != NULL && c->secret != NULL &&
	    ((url = strdup(c->url)) == NULL ||
	    (secret = strdup(c->secret)) == NULL)) {
		log_warn("events: keeping the previous settings");
		free(url);
		return;
	}
	pthread_mutex_lock(&ev->mu);
	free(ev->url);
	events_secret_free(ev->secret);
	ev->url = url;
	ev->secret = secret;
	ev->timeout = c->timeout;
	ev->retries = c->retries;
	ev->ca_days = c->ca_expiry_days;
	if (url == NULL) {
		/* Turned off: nobody is to receive what waits. */
		lost = ev->n;
		ev->n = 0;
	}
	pthread_cond_signal(&ev->cv);
	pthread_mutex_unlock(&ev->mu);
	if (lost > 0)
		log_warnx("events: events.url removed; %zu queued event(s) "
		    "discarded", lost);
}

void
events_watch(struct events *ev, const struct server *srv)
{
	struct events_ca	*cas;
	struct x509_st		*x;
	size_t			 i;

	if ((cas = calloc(srv->ncas + 1, sizeof(*cas))) == NULL) {
		log_warn("events: CA expiry not watched");
		return;
	}
	for (i = 0; i < srv->ncas; i++) {
		events_copy(cas[i].name, sizeof(cas[i].name),
		    srv->cas[i].conf->name);
		if ((x = x509_from_der(srv->cas[i].cader,
		    srv->cas[i].caderlen)) != NULL)
			cas[i].not_after = x509_not_after(x);
		x509_free(x);
	}
	pthread_mutex_lock(&ev->mu);
	free(ev->cas);
	ev->cas = cas;
	ev->ncas = srv->ncas;
	if (!ev->watching) {
		/* The first check runs at once; reloads keep the schedule. */
		ev->watching = 1;
		ev->next_check_ms = now_ms();
	}
	pthread_cond_signal(&ev->cv);
	pthread_mutex_unlock(&ev->mu);
}

struct events *
events_new(const struct conf_events *c, size_t max)
{
	struct events		*ev;
	pthread_condattr_t	 ca;
	unsigned char		 rnd[8];

	if ((ev = calloc(1, sizeof(*ev))) == NULL ||
	    (ev->ring = calloc(max > 0 ? max : EVENTS_QUEUE_DEFAULT,
	    sizeof(*ev->ring))) == NULL) {
		log_warn("events");
		free(ev);
		return NULL;
	}
	ev->max = max > 0 ? max : EVENTS_QUEUE_DEFAULT;
	atomic_init(&ev->abort_at, 0);
	ev->told_ms = now_ms() - EVENTS_TELL_MS;
	/* Ids unique across restarts and nodes, without a store. */
	if (rand_bytes(rnd, sizeof(rnd)) == -1)
		memset(rnd, 0, sizeof(rnd));
	hex_lower(rnd, sizeof(rnd), ev->prefix);
	pthread_mutex_init(&ev->mu, NULL);
	/* Backoff deadlines must not move with the wall clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ev->cv, &ca);
	pthread_condattr_destroy(&ca);
	events_configure(ev, c);
	return ev;
}

/* Wait on "cv" until now_ms() reaches "until" (< 0: until woken). */
static void
events_sleep(struct events *ev, double until)
{
	struct timespec	 ts;
	double		 ms;

	if (until < 0) {
		pthread_cond_wait(&ev->cv, &ev->mu);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms = until - now_ms();
	if (ms <= 0)
		return;
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)((ms - (double)(long long)(ms / 1000) * 1000) *
	    1e6);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&ev->cv, &ev->mu, &ts);
}

/* The earlier of two deadlines, < 0 meaning none. */
static double
events_min(double a, double b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/*
 * Block until something is due: the job's next attempt, the CA check,
 * a drop warning.  Takes the next event into "job" when it has none.
 * 0 to work, -1 when stopping.
 */
static int
events_wait(struct events *ev, struct events_job *job)
{
	double	 now, until;
	int	 rc = -1;

	pthread_mutex_lock(&ev->mu);
	while (!ev->stopping) {
		if (!job->have && events_pop(ev, &job->rec)) {
			job->have = ev->busy = 1;
			job->tries = 0;
			job->due_ms = now_ms();
		}
		until = job->have ? job->due_ms : -1;
		if (ev->watching)
			until = events_min(until, ev->next_check_ms);
		if (ev->st.dropped > ev->told)
			until = events_min(until, ev->told_ms +
			    EVENTS_TELL_MS);
		now = now_ms();
		if (until >= 0 && until <= now) {
			rc = 0;
			break;
		}
		events_sleep(ev, until);
	}
	pthread_mutex_unlock(&ev->mu);
	return rc;
}

/* The drop warning, once a minute at most ("force": now, at exit). */
static void
events_tell(struct events *ev, int force)
{
	uint64_t	 n = 0, total = 0;
	size_t		 max;

	pthread_mutex_lock(&ev->mu);
	if (ev->st.dropped > ev->told && (force ||
	    now_ms() >= ev->told_ms + EVENTS_TELL_MS)) {
		n = ev->st.dropped - ev->told;
		total = ev->told = ev->st.dropped;
		ev->told_ms = now_ms();
	}
	max = ev->max;
	pthread_mutex_unlock(&ev->mu);
	if (n > 0)
		log_warnx("events: queue full (%zu): dropped the %llu oldest "
		    "event(s), %llu since start; is events.url down?", max,
		    (unsigned long long)n, (unsigned long long)total);
}

/* If due, a ca.expiring event for each watched CA close to expiry. */
static void
events_expiry(struct events *ev)
{
	struct events_ca	*cas = NULL;
	struct event		 e;
	char			 why[96];
	size_t			 i, n = 0;
	int64_t			 now = (int64_t)time(NULL), left;
	int			 days = 0;

	pthread_mutex_lock(&ev->mu);
	if (ev->watching && now_ms() >= ev->next_check_ms) {
		ev->next_check_ms = now_ms() + EVENTS_CHECK_SECS * 1000.0;
		days = ev->ca_days;
		if (days > 0 && (cas = calloc(ev->ncas + 1,
		    sizeof(*cas))) != NULL) {
			memcpy(cas, ev->cas, ev->ncas * sizeof(*cas));
			n = ev->ncas;
		}
	}
	pthread_mutex_unlock(&ev->mu);
	for (i = 0; i < n; i++) {
		if (cas[i].not_after == 0 ||
		    (left = cas[i].not_after - now) > (int64_t)days * 86400)
			continue;
		if (left <= 0)
			snprintf(why, sizeof(why), "the CA certificate has "
			    "expired");
		else
			snprintf(why, sizeof(why), "the CA certificate expires "
			    "in %lld day(s)", (long long)(left / 86400));
		log_warnx("CA %s: %s", cas[i].name, why);
		e = (struct event){ .type = EVENT_CA_EXPIRING,
		    .ca = cas[i].name, .reason = why,
		    .not_after = cas[i].not_after };
		events_emit(ev, &e);
	}
	free(cas);
}

/* The settings of one attempt; t->url NULL when events are off. */
static int
events_target_get(struct events *ev, struct events_target *t)
{
	int	rc = 0;

	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&ev->mu);
	if (ev->url != NULL && ((t->url = strdup(ev->url)) == NULL ||
	    (t->secret = strdup(ev->secret)) == NULL))
		rc = -1;
	t->timeout_ms = ev->timeout * 1000;
	t->retries = ev->retries;
	t->abort_at = &ev->abort_at;
	pthread_mutex_unlock(&ev->mu);
	return rc;
}

static void
events_target_clear(struct events_target *t)
{
	free(t->url);
	events_secret_free(t->secret);
	memset(t, 0, sizeof(*t));
}

/*
 * One POST of "r" to "t": 0 if answered 2xx, else -1 with "reason".
 * The event's type and id also go in headers, so that a receiver can
 * route and deduplicate before parsing; only the body is signed.
 */
static int
events_post(const struct events_target *t, const struct event_rec *r,
    char *reason, size_t reasonsz)
{
	struct webhook_conf	 wc = { .url = t->url, .secret = t->secret,
	    .timeout_ms = t->timeout_ms, .abort_at = t->abort_at };
	char			 h1[64], h2[64 + EVENTS_ID_LEN];
	const char		*extra[] = { h1, h2, NULL };
	char			*body;
	long			 status = 0;
	int			 rc = -1;

	snprintf(h1, sizeof(h1), "X-Scepd-Event: %s",
	    events_type_str(r->type));
	snprintf(h2, sizeof(h2), "X-Scepd-Event-Id: %s", r->id);
	if ((body = events_json(r)) == NULL) {
		snprintf(reason, reasonsz, "cannot encode the event");
		return -1;
	}
	if (webhook_send(&wc, t->url, body, extra, &status, reason,
	    reasonsz) == 0) {
		if (status >= 200 && status <= 299)
			rc = 0;
		else
			snprintf(reason, reasonsz, "HTTP status %ld", status);
	}
	free(body);
	return rc;
}

/*
 * The job's next attempt, within "limit_ms" if > 0; "last": no retry
 * follows.  Settles the job unless a retry is due later.
 */
static void
events_attempt(struct events *ev, struct events_job *job, int limit_ms,
    int last)
{
	struct events_target	 t;
	char			 reason[256];
	uint32_t		 rnd = 0;
	int64_t			 wait = 0;
	int			 ok = 0, giveup;

	if (events_target_get(ev, &t) == -1) {
		snprintf(reason, sizeof(reason), "out of memory");
	} else if (t.url == NULL) {
		/* Turned off meanwhile: nobody to tell. */
		events_target_clear(&t);
		pthread_mutex_lock(&ev->mu);
		job->have = ev->busy = 0;
		pthread_mutex_unlock(&ev->mu);
		return;
	} else {
		if (limit_ms > 0 && limit_ms < t.timeout_ms)
			t.timeout_ms = limit_ms;
		ok = events_post(&t, &job->rec, reason, sizeof(reason)) == 0;
	}
	job->tries++;
	giveup = !ok && (last || job->tries > t.retries);
	if (!ok && !giveup) {
		if (rand_bytes(&rnd, sizeof(rnd)) == -1)
			rnd = 0;
		wait = events_backoff_ms(job->tries, rnd);
	}
	pthread_mutex_lock(&ev->mu);
	if (ok)
		ev->st.delivered++;
	else if (giveup)
		ev->st.failed++;
	if (ok || giveup)
		job->have = ev->busy = 0;
	else
		job->due_ms = now_ms() + (double)wait;
	pthread_mutex_unlock(&ev->mu);
	if (giveup)
		log_warnx("events: %s %s not delivered after %d attempt(s): "
		    "%s", events_type_str(job->rec.type), job->rec.id,
		    job->tries, reason);
	else if (!ok)
		log_warnx("events: %s %s: attempt %d failed: %s; next in "
		    "%lld ms", events_type_str(job->rec.type), job->rec.id,
		    job->tries, reason, (long long)wait);
	events_target_clear(&t);
}

/*
 * At exit: each event still here gets one attempt, within the drain
 * (events_stop() set abort_at to its end: also for an attempt that was
 * running then).
 */
static void
events_drain(struct events *ev, struct events_job *job)
{
	double	 end = (double)atomic_load(&ev->abort_at), left;
	size_t	 lost;

	for (;;) {
		pthread_mutex_lock(&ev->mu);
		if (!job->have && events_pop(ev, &job->rec)) {
			job->have = ev->busy = 1;
			job->tries = 0;
		}
		pthread_mutex_unlock(&ev->mu);
		if (!job->have || (left = end - now_ms()) < 1)
			break;
		events_attempt(ev, job, (int)left, 1);
	}
	events_tell(ev, 1);
	pthread_mutex_lock(&ev->mu);
	lost = ev->n + (job->have ? 1 : 0);
	pthread_mutex_unlock(&ev->mu);
	if (lost > 0)
		log_warnx("events: %zu event(s) not delivered at exit (%d ms "
		    "for the rest)", lost, EVENTS_DRAIN_MS);
}

static void *
events_main(void *arg)
{
	struct events		*ev = arg;
	struct events_job	 job;

	memset(&job, 0, sizeof(job));
	while (events_wait(ev, &job) == 0) {
		events_tell(ev, 0);
		events_expiry(ev);
		if (job.have && job.due_ms <= now_ms())
			events_attempt(ev, &job, 0, 0);
	}
	events_drain(ev, &job);
	return NULL;
}

int
events_run(struct events *ev)
{
	int	e;

	if ((e = pthread_create(&ev->thread, NULL, events_main, ev)) != 0) {
		errno = e;
		log_warn("events: pthread_create");
		return -1;
	}
	ev->running = 1;
	return 0;
}

struct events *
events_start(const struct conf_events *c, size_t max)
{
	struct events	*ev;

	if (c->url == NULL || (ev = events_new(c, max)) == NULL)
		return NULL;
	if (events_run(ev) == -1) {
		events_stop(ev);
		return NULL;
	}
	return ev;
}

void
events_stop(struct events *ev)
{
	if (ev == NULL)
		return;
	if (ev->running) {
		atomic_store(&ev->abort_at, (long long)now_ms() +
		    EVENTS_DRAIN_MS);
		pthread_mutex_lock(&ev->mu);
		ev->stopping = 1;
		pthread_cond_broadcast(&ev->cv);
		pthread_mutex_unlock(&ev->mu);
		pthread_join(ev->thread, NULL);
	}
	pthread_cond_destroy(&ev->cv);
	pthread_mutex_destroy(&ev->mu);
	free(ev->ring);
	free(ev->url);
	events_secret_free(ev->secret);
	free(ev->cas);
	free(ev);
}
