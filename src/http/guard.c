/*	SPDX-License-Identifier: ISC */
/*
 * guard.c: the connections libmicrohttpd holds, by state, and the
 * deadlines libmicrohttpd 0.9.75 cannot keep itself (issue #15).  Its
 * connection timeout is one of inactivity, restarted by every byte, so
 * a client that trickles its headers a byte a second would hold its
 * connection for ever; and at its connection limit it refuses new
 * clients while idle keep-alive connections sit there.  Here each
 * state has a deadline counted from when the connection entered it,
 * a thread looks at the oldest of each state four times a second, and
 * near the limit a new connection pushes out the longest idle one.
 *
 * A connection is ended with shutdown(2), never close(2): libmicrohttpd
 * reads the end of the stream and closes it in its own thread, and the
 * descriptor cannot be reused meanwhile, since guard_close() (called
 * before libmicrohttpd's close) takes the same mutex.
 *
 * The same thread gives memory back after a burst: once no request is
 * running, malloc_trim(3) returns what the threads' arenas hold free.
 * Uses pthreads, glibc's malloc.h, log.c and util.c's clock only.
 */
#include <sys/socket.h>

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "guard.h"
#include "log.h"
#include "util.h"

#define GUARD_TICK_MS		250	/* how often deadlines are looked at */
#define GUARD_LOG_MS		10000	/* at most one summary line this often */
/* Requests answered at once before the end of a burst trims memory. */
#define GUARD_TRIM_PEAK		16

struct guard_conn {
	int			 fd;
	enum guard_state	 state;
	double			 since;		/* now_ms() it entered "state" */
	int			 nreq;		/* requests begun on it */
	struct guard_conn	*prev, *next;	/* in its state's list */
};

/* The connections in one state, oldest first: each deadline is a head. */
struct guard_list {
	struct guard_conn	*head, *tail;
	int			 n;
};

struct guard {
	struct guard_limits	 lim;
	int			 high;		/* live connections that evict */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* stop */
	int			 stopping;
	pthread_t		 t;
	struct guard_list	 q[GUARD__MAX];
	int			 busy_peak;	/* since the last trim */
	int			 began;		/* requests since the last tick */
	/* For the summary line: shut down, by the state they were in. */
	unsigned long		 ended[GUARD__MAX];
	unsigned long		 evicted;	/* idle, to make room */
	double			 logged;
};

/* The deadline of "s", in ms; 0 for none. */
static int
guard_limit(const struct guard *g, enum guard_state s)
{
	switch (s) {
	case GUARD_HEADERS:
		return g->lim.header_ms;
	case GUARD_BODY:
		return g->lim.body_ms;
	case GUARD_IDLE:
		return g->lim.idle_ms;
	default:
		return 0;
	}
}

static void
guard_unlink(struct guard *g, struct guard_conn *c)
{
	struct guard_list *l = &g->q[c->state];

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	l->n--;
}

/* Put "c" at the tail of state "s", entered now.  With g->mu held. */
static void
guard_link(struct guard *g, struct guard_conn *c, enum guard_state s,
    double now)
{
	struct guard_list *l = &g->q[s];

	c->state = s;
	c->since = now;
	c->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->n++;
}

/* End "c" (see the file's comment).  With g->mu held. */
static void
guard_end(struct guard *g, struct guard_conn *c, double now)
{
	g->ended[c->state]++;
	shutdown(c->fd, SHUT_RDWR);
	guard_unlink(g, c);
	guard_link(g, c, GUARD_CLOSING, now);
}

static int
guard_live(const struct guard *g)
{
	int i, n = 0;

	for (i = 0; i < GUARD_CLOSING; i++)
		n += g->q[i].n;
	return n;
}

/* Once in a while, what was shut down and why.  With g->mu held. */
static void
guard_summary(struct guard *g, double now)
{
	struct log_line l = { .len = 0 };

	if (now - g->logged < GUARD_LOG_MS || (g->ended[GUARD_HEADERS] == 0 &&
	    g->ended[GUARD_BODY] == 0 && g->ended[GUARD_IDLE] == 0))
		return;
	log_kv(&l, "msg", "connections shut down");
	log_kvf(&l, "headers_late", "%lu", g->ended[GUARD_HEADERS]);
	log_kvf(&l, "body_late", "%lu", g->ended[GUARD_BODY]);
	log_kvf(&l, "idle", "%lu", g->ended[GUARD_IDLE] - g->evicted);
	log_kvf(&l, "idle_for_room", "%lu", g->evicted);
	log_kvf(&l, "open", "%d", guard_live(g));
	log_fields(LOG_LVL_INFO, &l);
	g->ended[GUARD_HEADERS] = g->ended[GUARD_BODY] = 0;
	g->ended[GUARD_IDLE] = g->evicted = 0;
	g->logged = now;
}

/*
 * One tick: every connection past its state's deadline is shut down.
 * Returns 1 if a burst has ended and memory should be trimmed.  With
 * g->mu held.
 */
static int
guard_tick(struct guard *g, double now)
{
	struct guard_conn	*c;
	int			 s, lim, trim = 0;

	for (s = 0; s < GUARD_CLOSING; s++) {
		if ((lim = guard_limit(g, s)) == 0)
			continue;
		while ((c = g->q[s].head) != NULL && now - c->since > lim)
			guard_end(g, c, now);
	}
	if (g->busy_peak >= GUARD_TRIM_PEAK && g->began == 0 &&
	    g->q[GUARD_BUSY].n == 0 && g->q[GUARD_BODY].n == 0) {
		g->busy_peak = 0;
		trim = 1;
	}
	g->began = 0;
	guard_summary(g, now);
	return trim;
}

static void *
guard_main(void *arg)
{
	struct guard	*g = arg;
	struct timespec	 ts;
	int		 trim;

	pthread_mutex_lock(&g->mu);
	while (!g->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (g->stopping)
			break;
		trim = guard_tick(g, now_ms());
		if (trim) {
			/*
			 * Each thread frees into its own arena, and glibc
			 * gives an arena's free pages back only at its top:
			 * after a burst of a thousand requests most of what
			 * it held stays resident until trimmed.
			 */
			pthread_mutex_unlock(&g->mu);
			malloc_trim(0);
			pthread_mutex_lock(&g->mu);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

struct guard *
guard_start(const struct guard_limits *lim)
{
	struct guard		*g;
	pthread_condattr_t	 ca;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("guard_start");
		return NULL;
	}
	g->lim = *lim;
	/*
	 * libmicrohttpd refuses a client only at its limit: evict a
	 * little before it, so that a new client finds room however the
	 * connections are spread over its threads.
	 */
	g->high = lim->max_conns - (lim->max_conns / 64 > 1 ?
	    lim->max_conns / 64 : 1);
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	g->logged = now_ms();
	if (pthread_create(&g->t, NULL, guard_main, g) != 0) {
		log_warnx("guard_start: cannot start its thread");
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return NULL;
	}
	return g;
}

void
guard_stop(struct guard *g)
{
	struct guard_conn	*c;
	int			 s;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	g->stopping = 1;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->t, NULL);
	for (s = 0; s < GUARD__MAX; s++)
		while ((c = g->q[s].head) != NULL) {
			guard_unlink(g, c);
			free(c);
		}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

struct guard_conn *
guard_open(struct guard *g, int fd)
{
	struct guard_conn	*c;
	double			 now = now_ms();

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = fd;
	pthread_mutex_lock(&g->mu);
	guard_link(g, c, GUARD_HEADERS, now);
	/* One in, one out: the idle connection least likely to be used. */
	if (guard_live(g) > g->high && g->q[GUARD_IDLE].head != NULL) {
		g->evicted++;
		guard_end(g, g->q[GUARD_IDLE].head, now);
	}
	pthread_mutex_unlock(&g->mu);
	return c;
}

int
guard_request(struct guard *g, struct guard_conn *c)
{
	int first;

	if (c == NULL)
		return 1;	/* as if it were: raising a timeout again is harmless */
	pthread_mutex_lock(&g->mu);
	first = c->nreq++ == 0;
	g->began++;
	if (c->state != GUARD_CLOSING) {
		guard_unlink(g, c);
		guard_link(g, c, GUARD_BODY, now_ms());
	}
	pthread_mutex_unlock(&g->mu);
	return first;
}

void
guard_set(struct guard *g, struct guard_conn *c, enum guard_state s)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	if (c->state != GUARD_CLOSING && c->state != s) {
		guard_unlink(g, c);
		guard_link(g, c, s, now_ms());
		if (s == GUARD_BUSY && g->q[s].n > g->busy_peak)
			g->busy_peak = g->q[s].n;
	}
	pthread_mutex_unlock(&g->mu);
}

void
guard_close(struct guard *g, struct guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	guard_unlink(g, c);
	pthread_mutex_unlock(&g->mu);
	free(c);
}

int
guard_count(struct guard *g, int by_state[GUARD__MAX])
{
	int i, n = 0;

	pthread_mutex_lock(&g->mu);
	for (i = 0; i < GUARD__MAX; i++) {
		by_state[i] = g->q[i].n;
		n += g->q[i].n;
	}
	pthread_mutex_unlock(&g->mu);
	return n;
}
