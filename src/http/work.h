/*	SPDX-License-Identifier: ISC */
/*
 * work.h: a fixed pool of threads running queued jobs, first in, first
 * out.  http.c hands it each PKIOperation, the CPU-bound request, so
 * that every core works and requests are answered in arrival order,
 * whichever network thread accepted their connection.
 */
#ifndef SCEPD_WORK_H
#define SCEPD_WORK_H

/* A job: the caller owns it and must not reuse it before "fn" runs. */
struct work_job {
	void		(*fn)(void *);
	void		 *arg;
	struct work_job	 *next;		/* the queue's */
};

struct work;

/* Start "n" threads; NULL (logged) on failure. */
struct work	*work_start(int n);
/* Queue "j"; one of the threads will run it. */
void		 work_submit(struct work *, struct work_job *);
/* Run every queued job, then stop the threads and free the pool. */
void		 work_stop(struct work *);

#endif
