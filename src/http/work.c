/*	SPDX-License-Identifier: ISC */
/*
 * work.c: a fixed pool of threads running queued jobs, first in, first
 * out.  libmicrohttpd's pool gives a connection to one thread for its
 * whole life and accepts up to ten at once, so a burst of keep-alive
 * connections could leave one core serving them all while the other
 * idled (half the throughput, measured in issue #6).  Jobs queued here
 * go to whichever thread is free.  Uses pthreads and log.c only.
 */
#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "work.h"

struct work {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a job was queued, or stop */
	struct work_job	*head;		/* the queue, oldest first */
	struct work_job	**tail;
	int		 stopping;
	int		 nthreads;	/* started */
	pthread_t	*threads;
};

static void *
work_main(void *arg)
{
	struct work	*w = arg;
	struct work_job	*j;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if ((j = w->head) == NULL)
			break;		/* stopping, and the queue is empty */
		if ((w->head = j->next) == NULL)
			w->tail = &w->head;
		pthread_mutex_unlock(&w->mu);
		/* "j" may be freed by its owner once it has run. */
		j->fn(j->arg);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct work *
work_start(int n)
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

void
work_submit(struct work *w, struct work_job *j)
{
	j->next = NULL;
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
