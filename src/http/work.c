/*	SPDX-License-Identifier: ISC */
/*
 * work.c: a fixed pool of threads running queued jobs, first in, first
 * out.  libmicrohttpd's pool gives a connection to one thread for its
 * whole life and accepts up to ten at once, so a burst of keep-alive
 * connections could leave one core serving them all while the other
 * idled (half the throughput, measured in issue #6).  Jobs queued here
 * go to whichever thread is free.  Uses pthreads, log.c and util.c's
 * clock only.
 *
 * Load shedding (issue #15): a queue that only grows turns a burst into
 * answers nobody waits for any more, and every queued request holds its
 * body.  work_admit() refuses a job that would wait longer than
 * "max_wait_ms": the wait is estimated as the jobs ahead of it times the
 * recent service time per job (wall clock, so CPU contention counts),
 * divided by the threads, and also taken as the age of the oldest
 * queued job, which catches a service time that has just grown.
 */
#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"
#include "work.h"

/*
 * Weight of the latest job in the service time, 1/8: smooth enough that
 * one slow job (a webhook) does not shed a burst, quick enough to
 * follow a change of load within a few dozen jobs.
 */
#define WORK_EWMA_SHIFT		3

struct work {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a job was queued, or stop */
	struct work_job	*head;		/* the queue, oldest first */
	struct work_job	**tail;
	int		 queued;	/* jobs in the queue, or admitted to it */
	int		 running;	/* jobs the threads are running */
	double		 svc_ms;	/* service time per job; 0: none yet */
	int		 max_wait_ms;	/* 0: any */
	int		 stopping;
	int		 nthreads;	/* started */
	pthread_t	*threads;
};

static void *
work_main(void *arg)
{
	struct work	*w = arg;
	struct work_job	*j;
	double		 t0, dt;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if ((j = w->head) == NULL)
			break;		/* stopping, and the queue is empty */
		if ((w->head = j->next) == NULL)
			w->tail = &w->head;
		w->queued--;
		w->running++;
		pthread_mutex_unlock(&w->mu);
		t0 = now_ms();
		/* "j" may be freed by its owner once it has run. */
		j->fn(j->arg);
		dt = now_ms() - t0;
		pthread_mutex_lock(&w->mu);
		w->running--;
		if (w->svc_ms == 0)
			w->svc_ms = dt;
		else
			w->svc_ms += (dt - w->svc_ms) / (1 << WORK_EWMA_SHIFT);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct work *
work_start(int n, int max_wait_ms)
{
	struct work *w;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->threads = calloc((size_t)n, sizeof(*w->threads))) == NULL) {
		log_warn("work_start");
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->tail = &w->head;
	w->max_wait_ms = max_wait_ms;
	for (; w->nthreads < n; w->nthreads++)
		if (pthread_create(&w->threads[w->nthreads], NULL, work_main,
		    w) != 0) {
			log_warnx("work_start: cannot start thread %d of %d",
			    w->nthreads + 1, n);
			work_stop(w);
			return NULL;
		}
	return w;
}

/*
 * The wait of a job queued now, in ms: none while a thread is free,
 * else its share of the jobs ahead, or the oldest job's wait if that
 * is longer.  Called with w->mu held.
 */
static double
work_wait(const struct work *w, double now)
{
	double	est, age;

	if (w->running < w->nthreads && w->queued == 0)
		return 0;
	est = w->svc_ms * (w->queued + 1) / w->nthreads;
	age = w->head != NULL ? now - w->head->queued : 0;
	return age > est ? age : est;
}

int
work_admit(struct work *w, double *wait_ms)
{
	pthread_mutex_lock(&w->mu);
	*wait_ms = work_wait(w, now_ms());
	if (w->max_wait_ms > 0 && *wait_ms > w->max_wait_ms) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	w->queued++;
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void
work_submit(struct work *w, struct work_job *j)
{
	j->next = NULL;
	j->queued = now_ms();
	pthread_mutex_lock(&w->mu);
	*w->tail = j;
	w->tail = &j->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
work_stop(struct work *w)
{
	int i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->threads);
	free(w);
}
